#!/bin/sh
# idle.sh — system calls the daemon makes over BENCH_IDLE_SECONDS (10) with
# nothing to do: `strace -f -p PID` attached to an idle daemon, (a) with a
# file source, (b) with a /dev/kmsg source. No pending deadline: no attempt
# in progress, no door open. strace writes outside the watched directory (a
# file created next to the log would itself wake the daemon).
. "$(dirname "$0")/lib.sh"

S=${BENCH_IDLE_SECONDS:-10}
D=$OUT/idle
rm -rf "$D"
mkdir -p "$D/log" "$D/strace"
KWPID=
cleanup() { if [ -n "$KWPID" ]; then kill "$KWPID" 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# kmsg_seq: the sequence number of the newest kernel message (a kmsg
# source reads every kernel message of the host, knock or not).
kmsg_seq() {
	timeout 0.5 cat /dev/kmsg 2>/dev/null | tail -n 1 | cut -d, -f2
}
# Not completed calls: the epoll_wait in progress at attach and detach,
# signals and exits.
SKIP='resumed>|<unfinished|<detached|[+][+][+]|---'
for kind in file kmsg; do
	if [ "$kind" = file ]; then
		src="  - file: $D/log/kern.log
    prefix: \"KNOCK: \""
	else
		src="  - kmsg: true
    prefix: \"KWBIDLE$$: \""
	fi
	cat >"$D/$kind.yaml" <<EOC
state_dir: $D/state-$kind
runtime_dir: $D/run-$kind
sources:
$src
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 10
    start: [/bin/true]
EOC
	: >"$D/log/kern.log"
	"$KW" -c "$D/$kind.yaml" 2>"$D/$kind.err" &
	KWPID=$!
	wait_for 10 grep -q "started:" "$D/$kind.err" || sleep 1
	sleep 1		# let start-up finish
	say "idle: $kind source, strace for $S s"
	kmsg0=$(kmsg_seq)
	# Both processes: the root parent and its worker (privilege
	# separation), which reads the logs.
	wpid=$(pgrep -P "$KWPID" -x kw-worker) || wpid=
	timeout -s INT "$S" strace -f -tt -p "$KWPID" ${wpid:+-p "$wpid"} \
	    -o "$D/strace/$kind.txt" 2>/dev/null || true
	kmsg1=$(kmsg_seq)
	kill "$KWPID"; wait "$KWPID" 2>/dev/null || true; KWPID=
	grep -v -E "$SKIP" "$D/strace/$kind.txt" | awk '{ sub(/\(.*/, "", $3); print $3 }' |
	    sort | uniq -c | awk '{ printf "%s%s:%s", n++ ? " " : "", $2, $1 }' \
	    >"$D/$kind.calls"
	# grep -c exits 1 on a count of 0 (set -e): 0 then, or if strace wrote no file.
	calls=$(grep -c -v -E "$SKIP" "$D/strace/$kind.txt") || calls=0
	put "idle_${kind}_syscalls" "$calls"
	put "idle_${kind}_breakdown" "$(cat "$D/$kind.calls")"
	put "idle_${kind}_kernel_msgs" "$((kmsg1 - kmsg0))"
	cmd "timeout -s INT $S strace -f -tt -p PID -p WORKER_PID -o $D/strace/$kind.txt   # knockwatch -c $D/$kind.yaml, idle"
done
put idle_seconds "$S"
