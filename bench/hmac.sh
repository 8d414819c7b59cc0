#!/bin/sh
# hmac.sh — knockwatch/2 first knocks: what a flood of spoofed first knocks
# costs on an HMAC door, with bind_source and without, and what one first
# knock costs as users grow. Runs on its own (`sh bench/hmac.sh [BUILD]`,
# after `make build/bench/linebench`) or as the "hmac" section of
# `make bench`. Needs no root: it runs build/bench/linebench, the daemon's
# per-line path (parser + knock state machine) without the sandbox.
#  1. Burst: BENCH_BURST (100,000) first knocks in the range from as many
#     sources, half of them real first knocks of the current step (each
#     starts an attempt), half other ports of the range; 1,000 users; the
#     same file through a bind_source door and a door without: the two
#     times should be about equal (knock 1 never depends on the source).
#  2. One first knock, for 1 to 10,000 users (BENCH_HMAC_USERS): BURST real
#     first knocks, each from its own source (each starts an attempt); the
#     per-step derivation of every user's first knock is done first by a
#     one-line warm-up and not timed. Should be flat in the users.
#  3. What a forged second knock costs: BURST sources each send a real
#     first knock and then another port of the range, on the bind_source
#     door with 1,000 users (the second knock derives the bound stream of
#     the attempt's candidates: the only HMACs a flood can cause).
# Best of BENCH_RUNS (3) runs each (the burst: of 6, bound and unbound
# alternated).
if [ -n "${1:-}" ]; then
	KW_BUILD=$(cd "$1" && pwd)
	export KW_BUILD
fi
. "$(dirname "$0")/lib.sh"

D=$OUT/hmac
mkdir -p "$D"
BURST=${BENCH_BURST:-100000}
USERS=${BENCH_HMAC_USERS:-1 10 100 1000 10000}
RUNS=${BENCH_RUNS:-3}
LB=$BIN/linebench
[ -x "$LB" ] || { echo "hmac.sh: $LB missing (make build/bench/linebench)" >&2; exit 1; }

# config USERS BIND: one HMAC door "otp" (defaults: length 4, range
# 20000-59999, period 30, skew 1), room for every attempt of the burst.
config() {
	cat <<EOC
state_dir: $D/state
max_tracked: $((2 * BURST))
sources:
  - file: /var/log/kern.log
    prefix: "KNOCK: "
users:
EOC
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "  u%05d: { key: \"%064x\" }\n", i, i }'
	cat <<EOC
doors:
  otp:
    hmac: { bind_source: $2 }
    start: [/bin/true]
EOC
}
# burst FIRST N REAL: N first-knock lines from 10.a.b.c, i-th source for the
# i-th line; REAL of every 2 lines (1 or 2) knock a port listed in FIRST.
burst() {
	awk -v n="$2" -v real="$3" -v ts="$(date '+%b %e %H:%M:%S')" '
{ port[nf] = $1; proto[nf++] = $2 }
END {
	for (i = 0; i < n; i++) {
		if (i % 2 < real) { p = port[i % nf]; pr = proto[i % nf] }
		else { p = 20000 + (i * 7919) % 40000; pr = "TCP" }
		printf "%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=10.%d.%d.%d DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=%s SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts, int(i / 65536), int(i / 256) % 256, i % 256, pr, 1024 + i % 60000, p
	}
}' "$1"
}
# best CONFIG FILE WARMUP: the best linebench time (ns) of RUNS runs.
best() {
	b=''
	for _ in $(seq "$RUNS"); do
		"$LB" "$1" "$2" "$3" >"$D/lb.out" 2>>"$OUT/stderr.log" || return 1
		b=$(min "$b" "$(sed -n 's/.* ns \([0-9]*\)$/\1/p' "$D/lb.out")")
	done
	echo "$b"
}

step=$(($(date +%s) / 30))
put hmac_v2_burst "$BURST"

# --- 1. The burst, bound and unbound, 1,000 users ---
config 1000 true >"$D/bound.yaml"
config 1000 false >"$D/unbound.yaml"
"$LB" --first "$D/bound.yaml" otp "$step" >"$D/first-1000"
burst "$D/first-1000" "$BURST" 1 >"$D/burst.log"
head -n 1 "$D/burst.log" >"$D/warm.log"
say "burst: $BURST first knocks, 1000 users, bind_source and not"
# Alternated, best of 2 x RUNS each: the machine is shared and noisy.
nb='' nu=''
for _ in $(seq $((2 * RUNS))); do
	nb=$(min "$nb" "$(RUNS=1 best "$D/bound.yaml" "$D/burst.log" "$D/warm.log")")
	nu=$(min "$nu" "$(RUNS=1 best "$D/unbound.yaml" "$D/burst.log" "$D/warm.log")")
done
put hmac_v2_burst_bound_ns "$nb"
put hmac_v2_burst_unbound_ns "$nu"
put hmac_v2_burst_ratio "$(div "$nb" "$nu")"
cmd "$LB $D/bound.yaml $D/burst.log $D/warm.log   # and unbound.yaml; bench/hmac.sh"

# --- 2. One first knock, 1 to 10,000 users ---
for u in $USERS; do
	config "$u" true >"$D/u$u.yaml"
	"$LB" --first "$D/u$u.yaml" otp "$step" >"$D/first-$u"
	burst "$D/first-$u" "$BURST" 2 >"$D/first-$u.log"
	head -n 1 "$D/first-$u.log" >"$D/warm-$u.log"
	say "one first knock: $u users"
	n=$(best "$D/u$u.yaml" "$D/first-$u.log" "$D/warm-$u.log")
	put "hmac_v2_first_${u}_ns" "$n"
	put "hmac_v2_first_${u}_ns_per_knock" "$(div "$n" "$BURST" 0)"
	cmd "$LB $D/u$u.yaml $D/first-$u.log $D/warm-$u.log   # $u users"
done
put hmac_v2_users "$USERS"

# --- 3. Forged second knocks, 1,000 users, bind_source ---
awk -v ts="$(date '+%b %e %H:%M:%S')" '
{ port[nf] = $1; proto[nf++] = $2 }
END {
	n = '"$BURST"'
	for (i = 0; i < n; i++) {
		src = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
		q = 20000 + (i * 7919) % 40000
		printf "%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=%s SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts, src, proto[i % nf], 1024 + i % 60000, port[i % nf]
		printf "%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts, src, 2024 + i % 60000, q
	}
}' "$D/first-1000" >"$D/pairs.log"
say "forged pairs (first + second knock): 1000 users, bind_source"
np=$(best "$D/bound.yaml" "$D/pairs.log" "$D/warm.log")
put hmac_v2_pairs_ns "$np"
# Less the same first knocks alone (part 2 at 1,000 users, if it ran).
n1=$(get hmac_v2_first_1000_ns)
[ -n "$n1" ] || n1=$nb
put hmac_v2_second_ns_per_knock "$(div $((np - n1)) "$BURST" 0)"
cmd "$LB $D/bound.yaml $D/pairs.log $D/warm.log   # forged first + second knocks"

# The figures, when run on its own.
printf 'knockwatch/2 first knocks (best of %s, %s lines each)\n' "$RUNS" "$BURST"
printf '  burst, 1000 users: bind_source %s ms, without %s ms, ratio %s\n' \
	"$(div "$nb" 1000000 1)" "$(div "$nu" 1000000 1)" "$(get hmac_v2_burst_ratio)"
for u in $USERS; do
	printf '  one first knock, %5s users: %s ns\n' "$u" \
		"$(get "hmac_v2_first_${u}_ns_per_knock")"
done
printf '  %s forged (first, second) pairs: %s ms; a second knock about %s ns\n' \
	"$BURST" "$(div "$np" 1000000 1)" "$(get hmac_v2_second_ns_per_knock)"
