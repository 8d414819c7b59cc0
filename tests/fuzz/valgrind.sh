#!/bin/sh
# valgrind.sh BUILD — runs the integration scenarios with the daemon under
# valgrind (lib.sh's start_kw honours KW_WRAP) and fails when a scenario
# fails or any valgrind run reports an error or a definite or indirect
# leak. Logs are kept in BUILD/valgrind/vg.PID.log. Runs killed with
# SIGKILL on purpose leave no summary and are counted apart. The flood is
# cut to FLOOD_N (default 100000) lines: valgrind runs the parser ~30x
# slower. Prints "N passed, N failed[, N skipped]" last.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
vg=$top/$build/valgrind
rm -rf "$vg"
mkdir -p "$vg"
export KW_TOP="$top" KW_BUILD="$top/$build"
export FLOOD_N="${FLOOD_N:-100000}"
export KW_WRAP="valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --child-silent-after-fork=yes --log-file=$vg/vg.%p.log"
pass=0 fail=0 skip=0
out=$(mktemp)
# As tests/run.sh: knockwatch knock remembers the steps it knocked in the
# cache directory; the suites get one of their own, never root's.
XDG_CACHE_HOME=$(mktemp -d)
export XDG_CACHE_HOME
trap 'rm -f "$out"; rm -rf "$XDG_CACHE_HOME"' EXIT

for t in "$top"/tests/integration/t_*.sh; do
	printf '== valgrind %s\n' "$(basename "$t")"
	sh "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$(basename "$t"): no result line (exit $rc)"
		fail=$((fail + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
done

runs=0 clean=0 killed=0
for l in "$vg"/vg.*.log; do
	[ -f "$l" ] || continue
	runs=$((runs + 1))
	sum=$(sed -nE 's/^==[0-9]+== ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$l")
	if [ -z "$sum" ]; then
		killed=$((killed + 1))
	elif [ "$sum" -eq 0 ]; then
		clean=$((clean + 1))
	else
		echo "not ok - valgrind: $sum errors in $l"
		grep -E 'definitely lost|indirectly lost|Invalid|uninitialised' "$l" | head -n 20
		fail=$((fail + 1))
	fi
done
echo "ok - valgrind: $runs daemon runs, $clean with 0 errors and 0 leaks, $killed killed before exit (no summary)"
if [ "$runs" -eq 0 ]; then
	echo "not ok - valgrind: no daemon ran under valgrind"
	fail=$((fail + 1))
fi
printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
[ "$fail" -eq 0 ]
