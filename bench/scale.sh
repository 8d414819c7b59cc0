#!/bin/sh
# scale.sh — memory per tracked source and time per line as HMAC users grow.
#  1. RSS: the daemon (file source, max_tracked BENCH_MAX_TRACKED) is fed N
#     first knocks from N distinct sources (IPv4 and expanded IPv6) for N in
#     BENCH_SOURCES; VmRSS/VmHWM are read before and once all are tracked.
#  2. HMAC: `knockwatch replay` of first knocks in the door's port range
#     with 1k and 10k users (generated keys): a door without bind_source
#     and one with bind_source (knockwatch/2: the same per-step index of
#     first knocks for both). Fixed costs (config load, key setup) are removed by
#     timing a one-line file with the same config.
. "$(dirname "$0")/lib.sh"

D=$OUT/scale
mkdir -p "$D"
SOURCES=${BENCH_SOURCES:-10000 100000 1000000}
CAP=${BENCH_MAX_TRACKED:-1100000}
HLINES=${BENCH_HMAC_LINES:-200000}
USERS=${BENCH_USERS:-1000 10000}
RUNS=${BENCH_RUNS:-3}
KWPID=
cleanup() { if [ -n "$KWPID" ]; then kill "$KWPID" 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- 1. RSS per tracked source ---
tracked() {
	"$KW" status -S "$D/run/knockwatch.sock" 2>/dev/null |
	    sed -n 's/^tracked \([0-9]*\)\/.*/\1/p'
}
has_tracked() { [ "$(tracked)" = "$1" ]; }
for n in $SOURCES; do
	say "RSS with $n tracked sources"
	rm -rf "$D/state" "$D/run"
	: >"$D/kern.log"
	cat >"$D/rss.yaml" <<EOC
state_dir: $D/state
runtime_dir: $D/run
max_tracked: $CAP
sources:
  - file: $D/kern.log
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 3600
    start: [/bin/true]
EOC
	GEN_SPAN=60 "$BENCH/gen.sh" first "$n" >"$D/first-$n.log"
	"$KW" -c "$D/rss.yaml" 2>"$D/rss-$n.err" &
	KWPID=$!
	wait_for 10 has_tracked 0 || { say "daemon did not start"; exit 1; }
	# The worker holds the table (privilege separation).
	wpid=$(pgrep -P "$KWPID" -x kw-worker) || { say "no worker"; exit 1; }
	before=$(rss_kb "$wpid" VmRSS)
	cat "$D/first-$n.log" >>"$D/kern.log"
	wait_for 300 has_tracked "$n" || { say "only $(tracked) of $n tracked"; exit 1; }
	after=$(rss_kb "$wpid" VmRSS)
	hwm=$(rss_kb "$wpid" VmHWM)
	kill "$KWPID"; wait "$KWPID" || true; KWPID=
	put "rss_${n}_before_kb" "$before"
	put "rss_${n}_after_kb" "$after"
	put "rss_${n}_hwm_kb" "$hwm"
	put "rss_${n}_bytes_per_source" "$(div $(((after - before) * 1024)) "$n" 1)"
done
put rss_cap "$CAP"
put rss_claimed "$(sed -n 's/.*tracked sources (\([0-9]*\) bytes each).*/\1/p' "$D"/rss-*.err | head -n 1)"
cmd "knockwatch -c $D/rss.yaml &  # max_tracked $CAP, door timeout 3600"
cmd "bench/gen.sh first N >> $D/kern.log; knockwatch status -S $D/run/knockwatch.sock until 'tracked N'; VmRSS/VmHWM from /proc/WORKER_PID/status"

# --- 2. time per line with many HMAC users ---
# users_yaml N: a users: map of N users with random 256-bit keys.
users_yaml() {
	echo "users:"
	od -An -tx1 -v -N $(($1 * 32)) /dev/urandom | tr -d ' \n' | fold -w 64 |
	    awk '{ printf "  u%d: { key: \"%s\" }\n", NR, $0 }'
}
# hmac_yaml USERS BIND: a config with one HMAC door (every user).
hmac_yaml() {
	cat <<EOC
state_dir: $D/state
max_tracked: $CAP
sources:
  - file: /var/log/kern.log
    prefix: "KNOCK: "
EOC
	if [ "$1" -gt 0 ]; then
		users_yaml "$1"
		cat <<EOC
doors:
  otp:
    hmac:
      length: 4
      range: 20000-59999
      period: 30
      skew: 1
      bind_source: $2
      protocols: [tcp]
    timeout: 20
    start: [/bin/true]
EOC
	else
		cat <<EOC
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 20
    start: [/bin/true]
EOC
	fi
}
# per_line CONFIG FILE LINES KEY: best-of-RUNS ns per line of replay on
# FILE, less the time on its first line alone.
per_line() {
	head -n 1 "$2" >"$2.one"
	b1='' bn=''
	for _ in $(seq "$RUNS"); do
		t=$(timed "$D/one.out" "$KW" replay -c "$1" "$2.one"); b1=$(min "$b1" "$t")
		t=$(timed "$D/$4.out" "$KW" replay -c "$1" "$2"); bn=$(min "$bn" "$t")
	done
	put "$4_fixed_ns" "$b1"
	put "$4_total_ns" "$bn"
	put "$4_summary" "$(tail -n 1 "$D/$4.out")"
	put "$4_ns_per_line" "$(div $((bn - b1)) $(($3 - 1)) 0)"
}

# Non-bind_source: HLINES first knocks in the door's range (a scanner's
# sweep), (a) all in one time step: the per-knock cost alone (index
# lookup); (b) spread over 10 minutes of file time, 20 time steps: with
# the per-step derivation of every user's next sequence (users HMACs a
# step, whatever the number of lines).
GEN_SPAN=1 "$BENCH/gen.sh" first "$HLINES" 20000 59999 >"$D/hmac-step.log"
GEN_SPAN=600 "$BENCH/gen.sh" first "$HLINES" 20000 59999 >"$D/hmac-10min.log"
hmac_yaml 0 false >"$D/static.yaml"
put hmac_lines "$HLINES"
for f in step 10min; do
	say "per-line time ($f): static door baseline"
	per_line "$D/static.yaml" "$D/hmac-$f.log" "$HLINES" "hmac_${f}_static"
	cmd "TZ=UTC knockwatch replay -c $D/static.yaml $D/hmac-$f.log  # GEN_SPAN=$([ $f = step ] && echo 1 || echo 600) bench/gen.sh first $HLINES 20000 59999"
done
for u in $USERS; do
	hmac_yaml "$u" false >"$D/hmac-$u.yaml"
	for f in step 10min; do
		say "per-line time ($f): $u users, no bind_source"
		per_line "$D/hmac-$u.yaml" "$D/hmac-$f.log" "$HLINES" "hmac_${f}_${u}"
		cmd "TZ=UTC knockwatch replay -c $D/hmac-$u.yaml $D/hmac-$f.log   # $u users"
	done
done
# bind_source: one first knock a second of file time (kept from
# knockwatch/1, when each cost users x 3 HMACs; now one look-up).
for u in $USERS; do
	bl=$((1000000 / u))
	[ "$bl" -gt 2000 ] && bl=2000
	say "per-first-knock time: $u users, bind_source ($bl lines)"
	GEN_SPAN=$bl "$BENCH/gen.sh" first "$bl" 20000 59999 >"$D/bind-$u.log"
	hmac_yaml "$u" true >"$D/bind-$u.yaml"
	per_line "$D/bind-$u.yaml" "$D/bind-$u.log" "$bl" "bind_${u}"
	put "bind_${u}_lines" "$bl"
	cmd "TZ=UTC knockwatch replay -c $D/bind-$u.yaml $D/bind-$u.log   # GEN_SPAN=$bl bench/gen.sh first $bl 20000 59999"
done
