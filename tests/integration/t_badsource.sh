#!/bin/sh
# t_badsource.sh — a file source whose path is not a regular file (a FIFO,
# a directory) does not stop the daemon: the worker logs it and skips it,
# the other sources work, and once a regular file takes the name it is
# read. `-n` warns about such a path (and still says OK).
. "$(dirname "$0")/lib.sh"

mkfifo "$T/fifo.log"
mkdir "$T/dir.log"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $T/fifo.log
    prefix: "KNOCK: "
  - file: $T/dir.log
    prefix: "KNOCK: "
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
EOC
: >"$LOG"
"$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1
check "-n still says OK" test $? -eq 0
check "-n warns about the FIFO" grep -q \
	"source $T/fifo.log is not a regular file (a FIFO)" "$T/n.out"
check "-n warns about the directory" grep -q \
	"source $T/dir.log is not a regular file (a directory)" "$T/n.out"

check "the daemon starts" start_kw
check "the worker skips the FIFO" grep -q \
	"$T/fifo.log: not a regular file: skipped" "$T/kw.err"
check "... and the directory" grep -q \
	"$T/dir.log: not a regular file: skipped" "$T/kw.err"
barrier 192.0.2.1
check "the other source is read" opened 192.0.2.1
check "one worker, never restarted" sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -q 'starts 1 restarts 0'"

# A regular file takes the FIFO's name: it is read.
rm "$T/fifo.log"
: >"$T/fifo.log"
check "a regular file that takes the FIFO's name is picked up" \
	wait_for 10 grep -q "$T/fifo.log: readable again" "$T/kw.err"
LOG=$T/fifo.log
knock 192.0.2.3 tcp/7000 udp/8000 tcp/9000
check "... and read" wait_for 10 opened 192.0.2.3
check "SIGTERM exits 0" stop_kw
done_testing
