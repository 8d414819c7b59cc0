#!/bin/sh
# t_command.sh — a command source as a user configures one (here `tail -F`
# standing in for journalctl): knocks read from its output open the door;
# the parent runs it (as root, not the worker), restarts it with back-off
# when it dies, replaces it when the worker is restarted, and leaves none
# behind at exit.
. "$(dirname "$0")/lib.sh"

CLOG=$T/cmd.log
: >"$CLOG"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - command: [tail, -n, "0", -F, $CLOG]
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%"]
EOC
check "-n accepts the command source" "$KW" -n -c "$T/kw.yaml"
# start_kw waits for "started:"; the command starts right after.
check "daemon starts" start_kw
# cmd_pid: the tail the daemon runs, or nothing.
cmd_pid() { pgrep -f "^tail -n 0 -F $CLOG"; }
cmd_knock() {
	LOG=$CLOG knock "$1" tcp/7000 udp/8000 tcp/9000
	wait_for 10 opened "$1"
}
check "the command runs" wait_for 10 cmd_pid
# tail_reads: the command runs and has the file open (it reads from the
# end it sees then).
tail_reads() {
	c=$(cmd_pid) && has_open "$c" "$CLOG"
}
wait_for 10 tail_reads
check "knocks on the command's output open the door" cmd_knock 192.0.2.1
C=$(cmd_pid)
check "the command is the parent's child, not the worker's" \
	test "$(ps -o ppid= -p "$C" | tr -d ' ')" = "$KWPID"
check "the command runs as root (the worker could not read the journal)" \
	test "$(ps -o uid= -p "$C" | tr -d ' ')" = 0

# Overlong lines of the command's output are dropped, counted and logged as
# a log file's are; the knock text after 1 MiB of padding is not a line.
for port in tcp/7000 udp/8000 tcp/9000; do
	perl -e 'print "A" x 1048576' >>"$CLOG"
	knock_line 198.51.100.7 "${port%/*}" 41000 "${port#*/}" >>"$CLOG"
done
check "knocks after overlong lines open" cmd_knock 192.0.2.4
overlong=$(status | awk '/^lines / { for (i = 1; i < NF; i++) if ($i == "overlong") print $(i + 1) }')
check "the command's overlong lines are counted ($overlong)" \
	test "${overlong:-0}" -eq 3
check "and logged" grep -q "source tail: dropped [0-9]* line(s) longer than 8192 bytes" "$T/kw.err"
check "the knock text after them is not a line" \
	sh -c "! grep -q 'src=198\\.51\\.100\\.7 ' '$ACT'"

kill -9 "$C"
check "a command that dies is started again" \
	wait_for 10 sh -c "c=\$(pgrep -f '^tail -n 0 -F $CLOG') && [ \"\$c\" != $C ]"
wait_for 10 tail_reads
check "and its knocks open" cmd_knock 192.0.2.2

C=$(cmd_pid)
kill -9 "$(worker_pid)"
check "a restarted worker gets a new command" \
	wait_for 10 sh -c "c=\$(pgrep -f '^tail -n 0 -F $CLOG') && [ \"\$c\" != $C ]"
check "only one command runs" test "$(cmd_pid | wc -l)" -eq 1
wait_for 10 tail_reads
check "and its knocks open" cmd_knock 192.0.2.3

check "SIGTERM exits 0" stop_kw
check "no command is left behind" wait_for 5 sh -c "! pgrep -f '^tail -n 0 -F $CLOG'"
done_testing
