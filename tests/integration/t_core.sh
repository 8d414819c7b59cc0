#!/bin/sh
# t_core.sh — the core scenarios against a temporary log file and the log
# action: open and close, wrong order, sweep, retransmits, timeout, two
# sources, partial lines, IPv6, injected text.
. "$(dirname "$0")/lib.sh"

config_static 2 1
check "daemon starts" start_kw

knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
check "correct sequence opens" wait_for 10 opened 192.0.2.1
check "stop_after closes" wait_for 10 closed 192.0.2.1
check "start and stop carry the arguments" \
	grep -q "event=start door=ssh src=192.0.2.1 family=inet user= open_port= args=open 192.0.2.1 22/tcp" "$ACT"

knock 192.0.2.2 tcp/7000 tcp/9000 udp/8000
knock 192.0.2.3 udp/7000 udp/8000 tcp/9000
for p in $(seq 6995 9005); do knock_line 192.0.2.4 tcp $((20000 + p)) "$p"; done >>"$LOG"
for p in $(seq 6995 9005); do knock_line 192.0.2.4 udp $((20000 + p)) "$p"; done >>"$LOG"
barrier 192.0.2.100
check "wrong order does not open" sh -c "! grep -q 'src=192.0.2.2 ' '$ACT'"
check "wrong protocol does not open" sh -c "! grep -q 'src=192.0.2.3 ' '$ACT'"
check "a sweep of 6995-9005 (tcp and udp) does not open" sh -c "! grep -q 'src=192.0.2.4 ' '$ACT'"

# nc -w3 resends the SYN with the same source port: not a new knock.
{
	knock_line 192.0.2.5 tcp 41000 7000
	knock_line 192.0.2.5 tcp 41000 7000
	knock_line 192.0.2.5 udp 41001 8000
	knock_line 192.0.2.5 tcp 41002 9000
	knock_line 192.0.2.5 tcp 41002 9000
} >>"$LOG"
check "retransmitted SYNs do not break a sequence" wait_for 10 opened 192.0.2.5

# Timeout: two knocks, then the attempt must expire by itself (status
# shows no tracked attempt) and the last knock must not open.
knock 192.0.2.6 tcp/7000 udp/8000
tracked_zero() { status | grep -q "^tracked 0/"; }
check "an attempt expires from its deadline, without another packet" wait_for 10 tracked_zero
knock 192.0.2.6 tcp/9000
barrier 192.0.2.101
check "a knock after the timeout does not open" sh -c "! grep -q 'src=192.0.2.6 ' '$ACT'"

# Two sources interleaved, one of them IPv6 written expanded.
{
	knock_line 192.0.2.7 tcp 1 7000
	knock_line fd77:0000:0000:0000:0000:0000:0000:0002 tcp 1 7000
	knock_line 192.0.2.7 udp 2 8000
	knock_line fd77:0000:0000:0000:0000:0000:0000:0002 udp 2 8000
	knock_line fd77:0000:0000:0000:0000:0000:0000:0002 tcp 3 9000
	knock_line 192.0.2.7 tcp 3 9000
} >>"$LOG"
check "interleaved source 1 opens" wait_for 10 opened 192.0.2.7
check "interleaved IPv6 source opens, canonicalised" wait_for 10 opened fd77::2
check "IPv6 action gets family inet6" grep -q "src=fd77::2 family=inet6" "$ACT"

# A partial line written in two pieces.
knock 192.0.2.8 tcp/7000 udp/8000
line=$(knock_line 192.0.2.8 tcp 3 9000)
piece=${line%%SRC=*}
before=$(rchar)
printf '%s' "$piece" >>"$LOG"
check "the daemon has read the first piece" wait_for 10 read_since "$before" ${#piece}
printf '%s\n' "SRC=${line#*SRC=}" >>"$LOG"
check "a line written in two pieces counts once complete" wait_for 10 opened 192.0.2.8

# Text injected through another program's log line is not a knock.
{
	printf '%s fw sshd[812]: Invalid user KNOCK: IN=eth0 SRC=192.0.2.9 DST=192.0.2.1 PROTO=TCP SPT=1 DPT=7000\n' "$(date '+%b %e %H:%M:%S')"
	printf '%s fw sshd[812]: Invalid user KNOCK: IN=eth0 SRC=192.0.2.9 DST=192.0.2.1 PROTO=UDP SPT=2 DPT=8000\n' "$(date '+%b %e %H:%M:%S')"
	printf '%s fw sshd[812]: Invalid user KNOCK: IN=eth0 SRC=192.0.2.9 DST=192.0.2.1 PROTO=TCP SPT=3 DPT=9000\n' "$(date '+%b %e %H:%M:%S')"
	printf '%s fw root: KNOCK: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.1 PROTO=TCP SPT=4 DPT=7000\n' "$(date '+%b %e %H:%M:%S')"
} >>"$LOG"
barrier 192.0.2.103
check "sshd line with injected SRC= text does not knock" sh -c "! grep -q 'src=192.0.2.9 ' '$ACT'"

kill -USR1 "$KWPID"
check "SIGUSR1 writes the report to the log" wait_for 10 grep -q "status: tracked " "$T/kw.err"
status >"$T/status.out"
check "status shows counters" grep -q "^lines [0-9]* knocks [0-9]*" "$T/status.out"
check "status shows attempts in progress" grep -q "^in progress door ssh:" "$T/status.out"
check "status socket is root-only" test "$(stat -c %a "$T/run/knockwatch.sock")" = 600
check "SIGTERM exits 0" stop_kw
done_testing
