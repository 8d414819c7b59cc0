#!/bin/sh
# throughput.sh — lines per second of `knockwatch replay` on a generated
# mixed syslog file, side by side with `grep -cP` (an equivalent PCRE,
# bench/knock.pcre) and fail2ban-regex (bench/fail2ban-knock.conf, on a
# 100k-line prefix, scaled). Best of BENCH_RUNS (3) runs each, interleaved.
# Also build/bench/linebench (bench/linebench.c): the daemon's per-line
# path (parser + state machine) without replay's per-line timestamp
# conversion. fail2ban-regex's start-up (a one-line file) is timed too, so
# that its per-line rate can be scaled without it.
# Installs the Debian package fail2ban if missing (no service is started:
# it is stopped again if the package started one).
. "$(dirname "$0")/lib.sh"

N=${BENCH_LINES:-1000000}
P=${BENCH_F2B_LINES:-100000}
RUNS=${BENCH_RUNS:-3}
D=$OUT/throughput
mkdir -p "$D"
F=$D/mix-$N.log
FP=$D/mix-$N-head$P.log

if ! command -v fail2ban-regex >/dev/null 2>&1; then
	say "installing fail2ban (for fail2ban-regex only)"
	cmd "DEBIAN_FRONTEND=noninteractive apt-get install -y fail2ban"
	running_before=$(pgrep -x fail2ban-server || true)
	DEBIAN_FRONTEND=noninteractive apt-get install -y fail2ban \
	    >"$D/apt.log" 2>&1
	if [ -z "$running_before" ] && pgrep -x fail2ban-server >/dev/null; then
		fail2ban-client stop >/dev/null 2>&1 || true
	fi
fi

say "generating $N lines"
cmd "bench/gen.sh mix $N > $F"
"$BENCH/gen.sh" mix "$N" >"$F"
head -n "$P" "$F" >"$FP"
head -n 1 "$F" >"$D/one.log"
cat >"$D/kw.yaml" <<EOC
state_dir: $D/state
sources:
  - file: /var/log/kern.log
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 10
    tcp_flags: syn
    start: [/bin/true]
EOC
PAT=$(cat "$BENCH/knock.pcre")
cmd "TZ=UTC build/knockwatch replay -c $D/kw.yaml $F"
cmd "grep -cP \"\$(cat bench/knock.pcre)\" $F"
cmd "fail2ban-regex $FP $BENCH/fail2ban-knock.conf   # first $P lines, time scaled by $N/$P"
cmd "fail2ban-regex $D/one.log $BENCH/fail2ban-knock.conf   # start-up alone"
cmd "build/bench/linebench $D/kw.yaml $F"

cat "$F" >/dev/null	# page cache warm for everyone
kw='' gr='' fb='' f0='' lb=''
for r in $(seq "$RUNS"); do
	say "throughput run $r/$RUNS"
	t=$(timed "$D/kw.out" "$KW" replay -c "$D/kw.yaml" "$F"); kw=$(min "$kw" "$t")
	put "tp_kw_run$r" "$t"
	t=$(timed "$D/grep.out" grep -cP "$PAT" "$F"); gr=$(min "$gr" "$t")
	put "tp_grep_run$r" "$t"
	t=$(timed "$D/f2b.out" fail2ban-regex "$FP" "$BENCH/fail2ban-knock.conf")
	fb=$(min "$fb" "$t")
	put "tp_f2b_run$r" "$t"
	t=$(timed "$D/f2b-one.out" fail2ban-regex "$D/one.log" "$BENCH/fail2ban-knock.conf")
	f0=$(min "$f0" "$t")
	"$BIN/linebench" "$D/kw.yaml" "$F" >"$D/lb.out"
	t=$(awk '{ print $NF }' "$D/lb.out"); lb=$(min "$lb" "$t")
	put "tp_lb_run$r" "$t"
done

# The three must agree on what a knock line is.
kw_matched=$(tail -n 1 "$D/kw.out" | awk '{ print $4 }')
grep_matched=$(cat "$D/grep.out")
f2b_matched=$(sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p' "$D/f2b.out")
"$KW" replay -c "$D/kw.yaml" "$FP" >"$D/kw-head.out"
kw_head=$(tail -n 1 "$D/kw-head.out" | awk '{ print $4 }')

put tp_lines "$N"
put tp_f2b_lines "$P"
put tp_kw_summary "$(tail -n 1 "$D/kw.out")"
put tp_kw_matched "$kw_matched"
put tp_grep_matched "$grep_matched"
put tp_kw_head_matched "$kw_head"
put tp_f2b_matched "$f2b_matched"
put tp_kw_ns "$kw"
put tp_grep_ns "$gr"
put tp_f2b_ns "$fb"
# fail2ban-regex on N lines: its start-up once plus N/P times the rest.
f2b_scaled=$(awk -v t="$fb" -v t0="$f0" -v n="$N" -v p="$P" \
    'BEGIN { printf "%.0f", t0 + (t - t0) * n / p }')
put tp_f2b_startup_ns "$f0"
put tp_f2b_scaled_ns "$f2b_scaled"
put tp_lb_ns "$lb"
put tp_lb_summary "$(cat "$D/lb.out")"
put tp_lb_lps "$(awk -v n="$N" -v t="$lb" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
put tp_ratio_grep_lb "$(div "$gr" "$lb")"
put tp_kw_lps "$(awk -v n="$N" -v t="$kw" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
put tp_grep_lps "$(awk -v n="$N" -v t="$gr" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
put tp_f2b_lps "$(awk -v n="$N" -v t="$f2b_scaled" 'BEGIN { printf "%.0f", n / (t / 1e9) }')"
put tp_ratio_grep "$(div "$gr" "$kw")"
put tp_ratio_f2b "$(div "$f2b_scaled" "$kw" 1)"
say "knockwatch $(div "$kw" 1000000 0) ms, grep -cP $(div "$gr" 1000000 0) ms, fail2ban-regex (x$N/$P) $(div "$f2b_scaled" 1000000 0) ms"
