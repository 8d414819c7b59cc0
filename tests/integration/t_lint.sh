#!/bin/sh
# t_lint.sh — every shell file `make lint` covers is shellcheck-clean:
# errors, warnings, info and style alike. It reads the file patterns from
# the Makefile's lint rule (the words of its shellcheck command that name
# paths, i.e. hold a "/"), so the two lists cannot drift apart. Then it
# runs shellcheck the way that rule does (from the top of the tree,
# -x -P SCRIPTDIR), one file at a time: a file passes when shellcheck
# exits 0 and prints nothing. Without shellcheck it skips, saying why.
# Prints "N passed, N failed[, N skipped]" last; exits non-zero on failure.
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0
fail=0
T=$(mktemp -d /tmp/kwlint.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
# check FILE: shellcheck as in `make lint`, its output shown on failure.
check() {
	if shellcheck -x -P SCRIPTDIR "$1" >"$T/out" 2>&1 && [ ! -s "$T/out" ]; then
		ok "$1: shellcheck clean"
	else
		not_ok "$1: shellcheck clean"
		sed 's/^/    /' "$T/out"
	fi
}

if ! command -v shellcheck >/dev/null 2>&1; then
	echo "skipped - shellcheck not installed (apt-get install shellcheck)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
cd "$KW_TOP" || exit 1

# The lint rule's recipe: its tab-indented lines, backslash continuations
# joined; the path patterns are the words after "shellcheck" with a "/".
patterns=$(awk '
	/^lint:/ { in_rule = 1; next }
	in_rule && /^\t/ { sub(/\\$/, ""); line = line " " $0; next }
	in_rule { exit }
	END {
		n = split(line, w, /[ \t]+/); seen = 0
		for (i = 1; i <= n; i++) {
			if (w[i] == "shellcheck") { seen = 1; continue }
			if (seen && w[i] !~ /^-/ && w[i] ~ /\//) print w[i]
		}
	}' Makefile)
if [ -z "$patterns" ]; then
	not_ok "Makefile: a lint rule running shellcheck over path patterns"
	echo "$pass passed, $fail failed"
	exit 1
fi
echo "# patterns (Makefile lint rule): $(printf '%s\n' "$patterns" | tr '\n' ' ')"

# Splitting and globbing on purpose, as make's shell does: each pattern
# expands to its files (one that matches nothing stays as is, so that
# the check fails on it, as make lint would).
for f in $patterns; do
	check "$f"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
