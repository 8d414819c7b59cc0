#!/bin/sh
# t_links.sh — the documentation a user reads links only into the
# repository: every Markdown link of a tracked .md file names a file that
# exists here (no http, no path outside the checkout), and doc/protocol.md,
# the protocol clients are written from, is linked from the README, the
# sample configuration and examples/knock.sh; the sample shows every key.
. "$(dirname "$0")/lib.sh"
cd "$KW_TOP" || exit 1
git ls-files '*.md' >"$T/md" 2>/dev/null || find . -name '*.md' ! -path './build/*' >"$T/md"
check "Markdown files found ($(wc -l <"$T/md"))" test -s "$T/md"
: >"$T/bad"
while read -r f; do
	# Links: ](target) outside code (fenced blocks, indented lines, code
	# spans); anchors (#...) dropped.
	awk '/^ *```/ { code = !code; next } !code && !/^(    |\t)/' "$f" |
	sed "s/\`[^\`]*\`//g" | grep -o '](\([^)]*\))' | sed 's/^](//; s/)$//; s/#.*//' |
	while read -r l; do
		[ -z "$l" ] && continue
		case $l in
		*://*|/*) echo "$f: $l (outside the repository)" ;;
		*)
			t=$(cd "$(dirname "$f")" && realpath -m "$l")
			case $t in
			"$KW_TOP"/*) [ -e "$t" ] || echo "$f: $l (no such file)" ;;
			*) echo "$f: $l (outside the repository)" ;;
			esac ;;
		esac
	done >>"$T/bad"
done <"$T/md"
check "every Markdown link names a file of the repository" test ! -s "$T/bad"
sed 's/^/    /' "$T/bad"
check "no http(s) link in README, doc/, examples/, man pages, sample" \
	sh -c '! grep -rn "https\?://" README.md doc examples man knockwatch.yaml.sample'
check "doc/protocol.md exists" test -s doc/protocol.md
check "the README links doc/protocol.md" grep -q '](doc/protocol.md)' README.md
check "the sample names doc/protocol.md" grep -q 'doc/protocol.md' knockwatch.yaml.sample
check "examples/knock.sh names doc/protocol.md" grep -q 'doc/protocol.md' examples/knock.sh

# The sample shows every key the loader knows (as its header says), set or
# commented out.
keys=$(cd knockwatch && awk '/_keys\[\] = \{/ { on = 1 }
	on { print } /NULL \};/ { on = 0 }' config.c config_check.c key.c |
	grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
missing=
for k in $keys; do
	grep -Eq "(^ *(# *)?(- )?|\{ *)$k:" knockwatch.yaml.sample || missing="$missing $k"
done
check "knockwatch.yaml.sample shows all $(echo "$keys" | wc -l) keys (missing:${missing:- none})" test -z "$missing"
done_testing
