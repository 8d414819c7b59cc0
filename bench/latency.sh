#!/bin/sh
# latency.sh — time from the last knock packet to the start command running,
# for knockd, knockwatch reading /dev/kmsg, and knockwatch tailing a file a
# private rsyslogd (imkmsg) writes; and, as the yardstick for the last, the
# delay until rsyslogd's line is in the file (bench/filewatch.c); and, as
# the floor for the kmsg source, a bare /dev/kmsg reader that forks and execs
# the same stamp command on the last knock (bench/kmsgfloor.c), right after
# knockwatch's kmsg rounds. The rig: two network namespaces joined by
# a veth pair, addresses only inside them; the server namespace LOGs the
# knock ports with a prefix unique to this run and REJECTs them. Each tool
# runs alone, BENCH_ROUNDS rounds, each round from its own source address
# (no "already open" extensions). net.netfilter.nf_log_all_netns is set to 1
# for the run (netfilter does not log from other namespaces otherwise) and
# restored by the last of its users: this script registers in the directory
# tests/net/lib.sh uses (NFLOG_DIR, same lock and files), so that it and
# concurrent test runs never switch it off under each other. Everything
# started here is stopped and removed on exit.
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_ROUNDS:-25}
D=$OUT/latency
rm -rf "$D"
mkdir -p "$D/rsyslog"
chmod 755 "$D"
NS_S=kwb-srv-$$
NS_C=kwb-cli-$$
IF_S=kwbs$$
IF_C=kwbc$$
SERVER=10.213.0.1
PFX="KWB$$: "
STAMPS=$D/stamps
PIDS=

# nf_log_all_netns is shared with the net tests (tests/net/nflog.sh).
. "$KW_TOP/tests/net/nflog.sh"

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	nflog_off
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the rig ---
modprobe nf_log_syslog 2>/dev/null || true
old_sysctl=$(cat "$NFLOG")
nflog_on
ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" type veth peer name "$IF_C"
ip link set "$IF_S" netns "$NS_S"
ip link set "$IF_C" netns "$NS_C"
ip -n "$NS_S" addr add "$SERVER/16" dev "$IF_S"
ip -n "$NS_C" addr add 10.213.0.2/16 dev "$IF_C"
# One source address per round of each of the five phases (knockd, kw_kmsg,
# floor, rsyslog, kw_file), warm-up rounds included.
for n in $(seq 0 $((5 * (ROUNDS + 1) - 1))); do
	echo "address add 10.213.$((n / 250 + 1)).$((n % 250 + 1))/16 dev $IF_C"
done | ip -n "$NS_C" -batch -
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up
ipt() { ip netns exec "$NS_S" iptables "$@"; }
ipt -A INPUT -i "$IF_S" -p tcp -m multiport --dports 7000,9000 \
    -j LOG --log-prefix "$PFX"
ipt -A INPUT -i "$IF_S" -p udp --dport 8000 -j LOG --log-prefix "$PFX"
ipt -A INPUT -i "$IF_S" -p tcp -m multiport --dports 7000,9000 \
    -j REJECT --reject-with tcp-reset
ipt -A INPUT -i "$IF_S" -p udp --dport 8000 -j REJECT
# Resolves the neighbour before the first timed round.
ip netns exec "$NS_C" nc -z -w1 "$SERVER" 1 2>/dev/null || true
cmd "echo 1 > $NFLOG   # was $old_sysctl; registered in $NFLOG_DIR, restored by its last user"
cmd "ip netns add $NS_S; ip netns add $NS_C; veth $IF_S ($SERVER/16) <-> $IF_C (10.213.0.2/16 + one /16 alias per round)"
cmd "ip netns exec $NS_S iptables -A INPUT -i $IF_S -p tcp -m multiport --dports 7000,9000 -j LOG --log-prefix '$PFX'  (same for udp 8000; then REJECT)"

: >"$STAMPS"
round0=0
# phase TAG: runs the client for one tool, then turns the stamps into
# latencies (ms) in $D/TAG.ms.
phase() {
	say "latency: $1 ($ROUNDS rounds)"
	: >"$D/$1.t0"
	# One warm-up round, not counted.
	ip netns exec "$NS_C" "$BENCH/latency-client.sh" "$1" "$SERVER" \
	    "$round0" $((ROUNDS + 1)) "$STAMPS" "$D/$1.t0"
	cmd "ip netns exec $NS_C bench/latency-client.sh $1 $SERVER $round0 $((ROUNDS + 1)) $STAMPS $D/$1.t0"
	round0=$((round0 + ROUNDS + 1))
	tail -n +2 "$D/$1.t0" | while read -r src t0; do
		st=$(awk -v t="$1" -v s="$src" '$1 == t && $2 == s { print $3; exit }' "$STAMPS")
		if [ -n "$st" ]; then
			awk -v a="$st" -v b="$t0" 'BEGIN { printf "%.3f\n", (a - b) / 1e6 }'
		else
			echo "missed $src" >>"$D/$1.missed"
		fi
	done >"$D/$1.ms"
	# shellcheck disable=SC2046 # splitting stats' five fields into $2..$6 is the point
	set -- "$1" $(stats "$D/$1.ms")
	put "lat_$1_median_ms" "$2"
	put "lat_$1_p95_ms" "$3"
	put "lat_$1_min_ms" "$4"
	put "lat_$1_max_ms" "$5"
	put "lat_$1_n" "$6"
	put "lat_$1_missed" "$(wc -l 2>/dev/null <"$D/$1.missed" || echo 0)"
}
# start_bg CMD...: starts CMD in the background and remembers its pid.
start_bg() {
	"$@" &
	LASTPID=$!
	PIDS="$PIDS $LASTPID"
}
stop_bg() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# --- knockd, in the server namespace, pcap on the server's veth ---
cat >"$D/knockd.conf" <<EOC
[options]
	LogFile = $D/knockd.log
[bench]
	sequence = 7000:tcp,8000:udp,9000:tcp
	seq_timeout = 10
	tcpflags = syn
	command = $BENCH/stamp.sh knockd %IP% $STAMPS
EOC
start_bg ip netns exec "$NS_S" knockd -c "$D/knockd.conf" -i "$IF_S" \
    -p "$D/knockd.pid"
cmd "ip netns exec $NS_S knockd -c $D/knockd.conf -i $IF_S -p $D/knockd.pid"
wait_for 10 grep -q "listening" "$D/knockd.log" || sleep 1
phase knockd
stop_bg "$LASTPID"

# --- knockwatch, /dev/kmsg source ---
kw_conf() {
	cat <<EOC
state_dir: $D/state-$1
runtime_dir: $D/run-$1
sources:
$2
doors:
  bench:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 10
    tcp_flags: syn
    start: [$BENCH/stamp.sh, $1, "%SRC%", $STAMPS]
EOC
}
kw_conf kw_kmsg "  - kmsg: true
    prefix: \"$PFX\"" >"$D/kw_kmsg.yaml"
start_bg "$KW" -c "$D/kw_kmsg.yaml" -v 2>"$D/kw_kmsg.err"
cmd "knockwatch -c $D/kw_kmsg.yaml -v"
wait_for 10 grep -q "started:" "$D/kw_kmsg.err"
phase kw_kmsg
stop_bg "$LASTPID"

# --- the floor: /dev/kmsg read, fork and exec of the same stamp command ---
# has_kmsg PID: PID holds /dev/kmsg open (it seeks to the end next; the
# warm-up round covers that instant).
has_kmsg() {
	for h_f in /proc/"$1"/fd/*; do
		[ "$(readlink "$h_f" 2>/dev/null)" = /dev/kmsg ] && return 0
	done
	return 1
}
start_bg "$BIN/kmsgfloor" "$PFX" "$BENCH/stamp.sh" floor "$STAMPS"
cmd "build/bench/kmsgfloor '$PFX' bench/stamp.sh floor $STAMPS   # reads /dev/kmsg, fork + execve on ' DPT=9000 '"
wait_for 10 has_kmsg "$LASTPID"
phase floor
stop_bg "$LASTPID"

# --- knockwatch, file written by a private rsyslogd reading /dev/kmsg ---
cat >"$D/rsyslog.conf" <<EOC
global(workDirectory="$D/rsyslog")
module(load="imkmsg")
if \$syslogfacility-text == "kern" and \$msg contains "$PFX" then {
	action(type="omfile" file="$D/rsyslog/kern.log"
	    template="RSYSLOG_FileFormat")
}
EOC
: >"$D/rsyslog/kern.log"
start_bg rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog/pid"
RSPID=$LASTPID
cmd "rsyslogd -n -f $D/rsyslog.conf -i $D/rsyslog/pid   # imkmsg; kern + prefix -> kern.log (RSYSLOG_FileFormat)"
# The syslog daemon's own write delay: the time the last knock's line is
# in the file, seen by an inotify reader that does nothing else.
start_bg "$BIN/filewatch" rsyslog "$D/rsyslog/kern.log" "$STAMPS"
cmd "build/bench/filewatch rsyslog $D/rsyslog/kern.log $STAMPS"
phase rsyslog
stop_bg "$LASTPID"
kw_conf kw_file "  - file: $D/rsyslog/kern.log
    prefix: \"$PFX\"" >"$D/kw_file.yaml"
start_bg "$KW" -c "$D/kw_file.yaml" -v 2>"$D/kw_file.err"
cmd "knockwatch -c $D/kw_file.yaml -v"
wait_for 10 grep -q "started:" "$D/kw_file.err"
phase kw_file
stop_bg "$LASTPID"
stop_bg "$RSPID"
[ "$(cat "$NFLOG")" = 1 ] || say "warning: $NFLOG was reset during the run"

put lat_rounds "$ROUNDS"
put lat_prefix "$PFX"
