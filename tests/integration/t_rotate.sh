#!/bin/sh
# t_rotate.sh — log rotation in the middle of a sequence: rename+create
# (with the syslog daemon still writing to the renamed file for a while),
# copytruncate, delete and re-create, and a file that does not exist yet.
. "$(dirname "$0")/lib.sh"

config_static 20 1
rm -f "$LOG"
cat >>"$T/kw.yaml" <<EOC
rotate_grace: 5
EOC
"$KW" -c "$T/kw.yaml" -vv 2>>"$T/kw.err" &
KWPID=$!
check "daemon starts with the log file missing" wait_for 10 grep -q "started:" "$T/kw.err"
: >"$LOG"
sleep_until_watched() { knock 192.0.2.90 tcp/7000 udp/8000 tcp/9000; wait_for 3 opened 192.0.2.90; }
check "a log file created after start is read from its start" wait_for 10 sleep_until_watched

# rename+create: the first knock in the old file, the second written to the
# renamed file after the rename (syslog not reopened yet), the third in the
# new file.
knock 192.0.2.1 tcp/7000
mv "$LOG" "$LOG.1"
knock_line 192.0.2.1 udp 2 8000 >>"$LOG.1"
: >"$LOG"
knock 192.0.2.1 tcp/9000
check "rename+create mid-sequence: lines in the renamed file still count" wait_for 10 opened 192.0.2.1

# copytruncate: copy, truncate, keep writing.
knock 192.0.2.2 tcp/7000 udp/8000
barrier 192.0.2.100
cp "$LOG" "$LOG.2"
: >"$LOG"
knock 192.0.2.2 tcp/9000
check "copytruncate mid-sequence" wait_for 10 opened 192.0.2.2

# delete and re-create.
knock 192.0.2.3 tcp/7000 udp/8000
barrier 192.0.2.101
rm -f "$LOG"
: >"$LOG"
knock 192.0.2.3 tcp/9000
check "delete+recreate mid-sequence" wait_for 10 opened 192.0.2.3

# No line read twice: each source opened exactly once.
for s in 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.100 192.0.2.101; do
	check "$s opened exactly once" test "$(count_opens $s)" -eq 1
done
check "SIGTERM exits 0" stop_kw
done_testing
