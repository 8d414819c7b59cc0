# shellcheck shell=sh
# lib.sh — helpers shared by the benchmark scripts (sourced, POSIX sh).
# Results are "key=value" lines appended to $RES; run.sh turns them into
# the table and bench/results.md. Nothing here touches the system outside
# $OUT except what each script says it does (and undoes). wait_for and
# now_ms come from tests/lib/common.sh (its poll never times anything).
set -eu
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
KW_BUILD=${KW_BUILD:-$KW_TOP/build}
KW=${KW:-$KW_BUILD/knockwatch}
# shellcheck disable=SC2034 # used by the scripts that source this file
BENCH=$KW_TOP/bench
# shellcheck disable=SC2034 # used by the scripts that source this file
BIN=$KW_BUILD/bench		# linebench, filewatch (make bench builds them)
OUT=${BENCH_OUT:-$KW_BUILD/bench/out}
RES=$OUT/results.env
CMDS=$OUT/commands.txt
mkdir -p "$OUT"
# Configs hold inline keys: knockwatch refuses them when others can read.
umask 077
# Replay reads the stamps of the generated files (UTC) in local time.
TZ=UTC
export TZ

# put KEY VALUE: records one figure.
put() { printf '%s=%s\n' "$1" "$2" >>"$RES"; }
# get KEY: the last value recorded for KEY (empty if none).
get() { sed -n "s/^$1=//p" "$RES" 2>/dev/null | tail -n 1; }
# cmd TEXT: records an exact command line for results.md.
cmd() { printf '%s\n' "$*" >>"$CMDS"; }
say() { printf '[bench] %s\n' "$*" >&2; }

now_ns() { date +%s%N; }
# timed OUTFILE CMD...: runs CMD (stdout to OUTFILE, stderr appended to
# $OUT/stderr.log) and prints its wall time in nanoseconds.
timed() {
	t_out=$1; shift
	t0=$(now_ns)
	"$@" >"$t_out" 2>>"$OUT/stderr.log"
	t1=$(now_ns)
	echo $((t1 - t0))
}
# min A B: the smaller (empty A counts as infinite).
min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
# div A B [DIGITS]: A / B as a decimal.
div() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, a / b }'; }
# stats FILE: "median p95 min max n" of the numbers in FILE, one a line
# (p95: nearest rank).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.95 * NR + 0.999999); if (r < 1) r = 1
		printf "%g %g %g %g %d\n", m, v[r], v[1], v[NR], NR }'
}
# rss_kb PID FIELD: VmRSS or VmHWM of PID, in KiB.
rss_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
