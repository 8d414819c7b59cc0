#!/bin/sh
# t_status.sh — `knockwatch status` says whose counters it shows: the
# worker's (lines to throttled) start from zero with each new worker, so the
# worker line gives its pid, start time and restarts; the parent's (doors,
# actions, reloads) last until the daemon exits.
. "$(dirname "$0")/lib.sh"

config_static 5 1
check "daemon starts" start_kw

barrier 192.0.2.1
check "door closes" wait_for 10 closed 192.0.2.1
# field KEY: the word after KEY in the status report.
field() { status | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
W1=$(worker_pid)
check "the worker line names pid, start time and restarts" \
	sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -Eq '^worker pid $W1 user [a-z]+ starts 1 restarts 0 refused_requests 0 since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z up [0-9]+ s \(its counters count from then\)$'"
S1=$(field since)
L1=$(field lines)
check "the first worker counted the barrier's lines" [ "${L1:-0}" -ge 3 ]
check "the parent counted one open" [ "$(field opened)" = 1 ]

# Kill the worker; its successor starts at least a second later (back-off).
T0=$(date -u +%s)
kill -9 "$W1"
new_worker() { w=$(worker_pid) && [ "$w" != "$W1" ]; }
check "a new worker starts" wait_for 15 new_worker
restarted() { status | grep -q '^worker pid [1-9][0-9]* .* restarts 1 .* since '; }
check "status counts the restart" wait_for 10 restarted
S2=$(field since)
check "the start time is the new worker's (after the kill)" \
	[ "$(date -u -d "$S2" +%s)" -ge "$T0" ]
check "and differs from the first worker's" [ "$S1" != "$S2" ]
L2=$(field lines)
check "the new worker's counters started from zero ($L2 < $L1 lines)" \
	[ "${L2:-99}" -lt "$L1" ]
check "the parent's counters went on (opened 1)" [ "$(field opened)" = 1 ]

check "daemon stops" stop_kw
done_testing
