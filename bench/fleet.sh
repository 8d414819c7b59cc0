#!/bin/sh
# fleet.sh — fleet mode (one collector, many hosts): the daemon's per-line
# path (build/bench/linebench) on the same generated lines twice, once as
# one host's log and once as a collector's file where BENCH_FLEET_HOSTS
# (100) hosts' streams are interleaved (each source's lines go to one host,
# in the order they come, so the same sequences complete), best of
# BENCH_RUNS (3) each, run alternately; and the memory of a tracked
# (host, source): linebench's peak RSS after BENCH_FLEET_KEYS (200,000)
# first knocks from as many distinct (host, source) pairs (2,000 sources,
# each at every host), less its peak on one line, per pair, side by side
# with as many distinct sources at one host. Needs no root.
. "$(dirname "$0")/lib.sh"

N=${BENCH_FLEET_LINES:-1000000}
NH=${BENCH_FLEET_HOSTS:-100}
NK=${BENCH_FLEET_KEYS:-200000}
RUNS=${BENCH_RUNS:-3}
D=$OUT/fleet
LB=$BIN/linebench
mkdir -p "$D"
[ -x "$LB" ] || { echo "fleet.sh: $LB missing (make build/bench/linebench)" >&2; exit 1; }

# tohosts NH [HOST]: the host field of each line (after the stamp: up to
# the first space for an RFC 3339 one, 15 bytes for a classic one) becomes
# HOST, or 10.77.X.Y for host number K of NH, K the host of the line's
# SRC= (assigned round robin as sources appear; lines without one go round
# robin too).
tohosts() {
	awk -v nh="$1" -v fixed="${2-}" '
	{
		if (fixed != "")
			host = fixed
		else {
			if (match($0, / SRC=[^ ]+ /))
				s = substr($0, RSTART, RLENGTH)
			else
				s = "#" NR
			if (!(s in h))
				h[s] = (nh_next++) % nh
			host = "10.77." int(h[s] / 250) "." (h[s] % 250 + 1)
		}
		if (substr($0, 1, 1) ~ /[0-9]/) {
			sp = index($0, " ")
			head = substr($0, 1, sp)
			rest = substr($0, sp + 1)
		} else {
			head = substr($0, 1, 16)
			rest = substr($0, 17)
		}
		print head host substr(rest, index(rest, " "))
	}'
}

say "fleet: generating $N lines, and the same as $NH hosts' streams"
cmd "bench/gen.sh mix $N > $D/one.log"
"$BENCH/gen.sh" mix "$N" >"$D/one.log"
cmd "fleet.sh's tohosts $NH < $D/one.log > $D/fleet.log   # host field: 10.77.0.K by source"
tohosts "$NH" <"$D/one.log" >"$D/fleet.log"
for k in one fleet; do
	fl=false
	[ "$k" = fleet ] && fl=true
	cat >"$D/$k.yaml" <<EOC
state_dir: $D/state
max_tracked: 262144
sources:
  - file: /var/log/$k.log
    prefix: "KNOCK: "
    fleet: $fl
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 10
    tcp_flags: syn
    start: [/bin/true]
EOC
done
cmd "build/bench/linebench $D/one.yaml $D/one.log"
cmd "build/bench/linebench $D/fleet.yaml $D/fleet.log"
cat "$D/one.log" "$D/fleet.log" >/dev/null
b1='' bf=''
for r in $(seq "$RUNS"); do
	say "fleet run $r/$RUNS"
	"$LB" "$D/one.yaml" "$D/one.log" >"$D/one.out" 2>>"$OUT/stderr.log"
	t=$(sed -n 's/.* ns \([0-9]*\)$/\1/p' "$D/one.out"); b1=$(min "$b1" "$t")
	put "fleet_one_run$r" "$t"
	"$LB" "$D/fleet.yaml" "$D/fleet.log" >"$D/fleet.out" 2>>"$OUT/stderr.log"
	t=$(sed -n 's/.* ns \([0-9]*\)$/\1/p' "$D/fleet.out"); bf=$(min "$bf" "$t")
	put "fleet_fleet_run$r" "$t"
done
field() { sed -n "s/.* $1 \\([0-9]*\\) .*/\\1/p" "$2"; }
put fleet_lines "$N"
put fleet_hosts "$NH"
put fleet_one_ns "$b1"
put fleet_fleet_ns "$bf"
put fleet_one_lps "$(div $((N * 1000000000)) "$b1" 0)"
put fleet_fleet_lps "$(div $((N * 1000000000)) "$bf" 0)"
put fleet_ratio "$(div "$b1" "$bf" 2)"
put fleet_one_knocks "$(field knocks "$D/one.out")"
put fleet_fleet_knocks "$(field knocks "$D/fleet.out")"
put fleet_one_opens "$(field opens "$D/one.out")"
put fleet_fleet_opens "$(field opens "$D/fleet.out")"

# Memory: NK first knocks, from NK / NH sources at each of NH hosts, vs NK
# sources at one host.
ns=$((NK / NH))
say "fleet: memory, $NK (host, source) pairs"
cmd "bench/gen.sh first $ns | (each of $NH hosts) > $D/keys-fleet.log; bench/gen.sh first $NK > $D/keys-one.log"
"$BENCH/gen.sh" first "$ns" >"$D/src.log"
for h in $(seq "$NH"); do
	tohosts 1 "10.77.0.$h" <"$D/src.log"
done >"$D/keys-fleet.log"
"$BENCH/gen.sh" first "$NK" >"$D/keys-one.log"
head -n 1 "$D/keys-one.log" >"$D/keys-1.log"
for k in one fleet; do
	"$LB" "$D/$k.yaml" "$D/keys-1.log" >"$D/rss0-$k.out" 2>>"$OUT/stderr.log"
	"$LB" "$D/$k.yaml" "$D/keys-$k.log" >"$D/rss-$k.out" 2>>"$OUT/stderr.log"
	r0=$(field maxrss_kb "$D/rss0-$k.out") r1=$(field maxrss_kb "$D/rss-$k.out")
	tr=$(field tracked "$D/rss-$k.out")
	put "fleet_mem_${k}_tracked" "$tr"
	put "fleet_mem_${k}_kb" "$((r1 - r0))"
	put "fleet_mem_${k}_bytes_per_key" "$(div $(((r1 - r0) * 1024)) "$tr" 0)"
done
say "fleet: $(get fleet_ratio)x the single-host speed; $(get fleet_mem_fleet_bytes_per_key) B per tracked (host, source)"
