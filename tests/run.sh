#!/bin/sh
# Runs every suite (unit binaries, then integration and net scenarios) and
# prints the sum of their "N passed, N failed" lines last. Exits non-zero if
# anything failed or a suite did not report.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export KW_TOP="$top" KW_BUILD="$top/$build"
pass=0 fail=0 skip=0
out=$(mktemp)
# `knockwatch knock` and knock.sh remember the HMAC steps they knocked in
# the user's cache directory: the suites' knocks go to one of their own.
XDG_CACHE_HOME=$(mktemp -d)
export XDG_CACHE_HOME
trap 'rm -f "$out"; rm -rf "$XDG_CACHE_HOME"' EXIT

run_suite() {
	name=$1; shift
	printf '== %s\n' "$name"
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s: no result line (exit %d)\n' "$name" "$rc"
		fail=$((fail + 1))
		return
	fi
	p=$(printf '%s\n' "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
	f=$(printf '%s\n' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		printf '%s: exit %d with no failed check\n' "$name" "$rc"
		fail=$((fail + 1))
	fi
}

for t in "$top/$build"/test_*; do
	[ -x "$t" ] || continue
	run_suite "unit $(basename "$t")" "$t"
done
for t in "$top"/tests/integration/t_*.sh "$top"/tests/net/t_*.sh; do
	[ -f "$t" ] || continue
	run_suite "$(basename "$(dirname "$t")") $(basename "$t")" sh "$t"
done

if [ "$skip" -gt 0 ]; then
	printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
else
	printf '%d passed, %d failed\n' "$pass" "$fail"
fi
[ "$fail" -eq 0 ]
