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
# gap_start: kill -9s the worker, waits until the parent has reaped it,
# then stops the parent (SIGSTOP) so that no new worker can start before
# gap_end, however slow the machine: what the case does in between happens
# while no worker runs, as after a crash with a long restart back-off.
gap_start() {
	k_w=$(worker_pid) || return 1
	kill -9 "$k_w"
	wait_for 10 sh -c "! kill -0 $k_w 2>/dev/null" || return 1
	kill -STOP "$KWPID"
}
gap_end() { kill -CONT "$KWPID"; }
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

# 2. Renamed and re-created while no worker runs; the whole sequence in
# the new file.
fresh
barrier 192.0.2.102
gap_start
mv "$LOG" "$LOG.1"
: >"$LOG"
knock 192.0.2.2 tcp/7000 udp/8000 tcp/9000
gap_end
check "rename+create while no worker runs, sequence in the new file: opens" \
	wait_for 20 opened 192.0.2.2

# 3. The same, part of the sequence in the old file (before and after the
# rename: the syslog daemon has not reopened yet), the rest in the new one.
fresh
barrier 192.0.2.103
gap_start
knock 192.0.2.3 tcp/7000
mv "$LOG" "$LOG.1"
knock_line 192.0.2.3 udp 40002 8000 >>"$LOG.1"
: >"$LOG"
knock 192.0.2.3 tcp/9000
gap_end
check "rename+create while no worker runs, sequence across both files: opens" \
	wait_for 20 opened 192.0.2.3

# 4. copytruncate while no worker runs, and the file grows past the offset
# the dead worker had reached: the new content is read from its start.
fresh
pad 20
barrier 192.0.2.104
old=$(stat -c %s "$LOG")
gap_start
cp "$LOG" "$LOG.1"
: >"$LOG"
knock 192.0.2.4 tcp/7000 udp/8000 tcp/9000
pad 40
gap_end
check "copytruncate: the file regrew past the old offset ($(stat -c %s "$LOG") > $old)" \
	test "$(stat -c %s "$LOG")" -gt "$old"
check "copytruncate while no worker runs, regrown past the offset: opens" \
	wait_for 20 opened 192.0.2.4

# 5. Deleted and re-created while no worker runs: the deleted file's unread
# tail (the syslog daemon still writes to it) and the new file.
fresh
barrier 192.0.2.105
exec 3>>"$LOG"
gap_start
knock 192.0.2.5 tcp/7000
rm -f "$LOG"
knock_line 192.0.2.5 udp 40002 8000 >&3
: >"$LOG"
knock 192.0.2.5 tcp/9000
gap_end
check "delete+recreate while no worker runs: the old tail and the new file are read" \
	wait_for 20 opened 192.0.2.5
exec 3>&-

# 6. A log that was missing when the worker died, created while no worker
# runs: read from its start.
fresh
rm -f "$LOG"
wait_for 10 grep -q "$LOG: gone" "$T/kw.err"
gap_start
knock 192.0.2.6 tcp/7000 udp/8000 tcp/9000
gap_end
check "a log created while no worker runs is read from its start" \
	wait_for 20 opened 192.0.2.6

# 7. A file the worker was still reading in its grace (renamed away while
# it ran) when it died: the next worker reads on in it.
fresh
mv "$LOG" "$LOG.1"
: >"$LOG"
barrier 192.0.2.107	# the worker has moved on to the new file
gap_start
# The syslog daemon has not reopened yet: it writes to the renamed file.
{
	knock_line 192.0.2.7 tcp 40001 7000
	knock_line 192.0.2.7 udp 40002 8000
	knock_line 192.0.2.7 tcp 40003 9000
} >>"$LOG.1"
gap_end
check "a renamed file in its grace when the worker died is read on by the next" \
	wait_for 20 opened 192.0.2.7

# Nothing read twice.
for s in 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6 192.0.2.7 \
	192.0.2.101 192.0.2.102 192.0.2.103 192.0.2.104 192.0.2.105 192.0.2.107; do
	check "$s opened exactly once" test "$(count_opens $s)" -eq 1
done
check "SIGTERM exits 0" stop_kw
done_testing
