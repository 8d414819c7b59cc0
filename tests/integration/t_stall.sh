#!/bin/sh
# t_stall.sh — a worker stopped with SIGSTOP (as any process of its
# account may do) answers no ping: the parent names it in the log, kills
# it and restarts it, and a knock written while it was stopped opens after
# the restart (the new worker reads on from where the stopped one was).
# Plain build, real sandbox, as root.
. "$(dirname "$0")/lib.sh"

config_static 5 1
check "daemon starts" start_kw
check "a knock before the stop opens" barrier 192.0.2.1
w1=$(worker_pid)
kill -STOP "$w1"
knock 192.0.2.9 tcp/7000 udp/8000 tcp/9000
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
restarted_from() { w=$(worker_pid) && [ -n "$w" ] && [ "$w" != "$1" ]; }
check "the parent logs the stopped worker by its pid" \
	wait_for 40 grep -q "worker pid $w1 answered no ping for 10 s" "$T/kw.err"
check "... kills it" wait_for 10 gone "$w1"
check "... and starts a new one" wait_for 15 restarted_from "$w1"
check "the knock written during the stop opens" wait_for 15 opened 192.0.2.9
check "... once" test "$(count_opens 192.0.2.9)" -eq 1
check "the new worker reads on" barrier 192.0.2.2
check "the daemon still runs" kill -0 "$KWPID"
stop_kw
check "... and exits 0" test $? -eq 0
done_testing
