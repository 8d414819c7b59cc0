#!/bin/sh
# t_single.sh — one daemon per state_dir: a second `knockwatch -c` on the
# same config is refused (exit 75, one line naming the running daemon's pid)
# before it touches the first one's journal or status socket; the first one
# keeps answering and keeps its doors when the second one is gone. The lock
# is not inherited by the worker; -n is unaffected; a socket a live daemon
# answers on is never removed (a second daemon with another state_dir but
# the same runtime_dir).
. "$(dirname "$0")/lib.sh"

config_static 60 60
start_kw
barrier 192.0.2.7
check "the first daemon opened the door" opened 192.0.2.7
ino=$(stat -c %i "$T/run/knockwatch.sock")

timeout -s KILL 20 "$KW" -c "$T/kw.yaml" >"$T/second.err" 2>&1
rc=$?
check "a second daemon on the same state_dir exits 75" test "$rc" -eq 75
check "... with one line naming the running daemon's pid" \
	grep -q "knockwatch already runs on state_dir $T/state (pid $KWPID " "$T/second.err"
check "... its one error" test "$(grep -c "error:" "$T/second.err")" -eq 1
check "the status socket is still the first daemon's" \
	test "$(stat -c %i "$T/run/knockwatch.sock")" = "$ino"
check "... and it answers" sh -c "'$KW' status -S '$T/run/knockwatch.sock' >/dev/null"
check "the door was not closed by the second daemon" \
	sh -c "! grep -q event=stop '$ACT'"
check "the journal still holds the open door" grep -q "192.0.2.7" "$T/state/open"
"$KW" -n -c "$T/kw.yaml" >"$T/n.err" 2>&1
check "-n on the same config still passes while the daemon runs" test $? -eq 0
w=$(worker_pid)
# shellcheck disable=SC2012
check "the worker does not hold the lock" sh -c \
	"! ls -l /proc/$w/fd 2>/dev/null | grep -q '$T/state/lock'"
check "the parent holds the lock" has_open "$KWPID" "$T/state/lock"

# Another state_dir, the same runtime_dir: the live socket stays.
sed "s#^state_dir: .*#state_dir: $T/state2#" "$T/kw.yaml" >"$T/kw2.yaml"
timeout -s TERM 5 "$KW" -c "$T/kw2.yaml" >"$T/third.err" 2>&1
check "a daemon on another state_dir leaves the live socket in place" \
	test "$(stat -c %i "$T/run/knockwatch.sock")" = "$ino"
check "... saying why" grep -q "a running daemon answers on it" "$T/third.err"
check "... and the first daemon still answers" sh -c "'$KW' status -S '$T/run/knockwatch.sock' >/dev/null"

stop_kw
check "the first daemon closes its door at shutdown" closed 192.0.2.7
# Lock released: a new daemon starts.
start_kw
check "after the first daemon exited a new one starts" sh -c "'$KW' status -S '$T/run/knockwatch.sock' >/dev/null"
stop_kw
done_testing
