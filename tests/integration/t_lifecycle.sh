#!/bin/sh
# t_lifecycle.sh — what happens around the knocks: re-knocking an open door
# extends it, SIGHUP with a broken config keeps the old one, SIGTERM closes
# every open door, and a kill -9 leaves a journal that the next start uses
# to close what expired meanwhile.
. "$(dirname "$0")/lib.sh"

config_static 5 30
check "daemon starts" start_kw
knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
check "door opens" wait_for 10 opened 192.0.2.1
knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
barrier 192.0.2.2
check "opening an open door again extends it, no second start" \
	test "$(count_opens 192.0.2.1)" -eq 1
check "journal lists the open doors" grep -q "^ssh 192.0.2.1 - - " "$T/state/open"

# A broken config on SIGHUP: the old one keeps working.
cp "$T/kw.yaml" "$T/kw.good"
printf 'doors:\n  ssh:\n    sequence: [70000]\n' >"$T/kw.yaml"
kill -HUP "$KWPID"
check "broken reload is reported" wait_for 10 grep -q "reload failed, keeping the running config" "$T/kw.err"
knock 192.0.2.3 tcp/7000 udp/8000 tcp/9000
check "after a failed reload the old config still opens" wait_for 10 opened 192.0.2.3
# A good reload with a new sequence takes effect, the file position kept.
sed 's#\[7000/tcp, 8000/udp, 9000\]#[7100, 7200]#' "$T/kw.good" >"$T/kw.yaml"
kill -HUP "$KWPID"
check "good reload is applied" wait_for 10 grep -q "reloaded:" "$T/kw.err"
knock 192.0.2.4 tcp/7100 tcp/7200
check "the reloaded sequence opens" wait_for 10 opened 192.0.2.4

# SIGTERM: every open door's stop command runs before exit.
check "SIGTERM exits 0" stop_kw
for s in 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4; do
	check "SIGTERM closed $s" closed "$s"
done
check "journal empty after clean exit" test ! -s "$T/state/open"

# kill -9 with a door open: the restart closes it once its deadline passed.
cp "$T/kw.good" "$T/kw.yaml"
sed -i 's/stop_after: 30/stop_after: 1/' "$T/kw.yaml"
check "daemon restarts" start_kw
knock 192.0.2.5 tcp/7000 udp/8000 tcp/9000
check "door opens before the crash" wait_for 10 opened 192.0.2.5
kill -9 "$KWPID"; wait "$KWPID" 2>/dev/null; KWPID=
check "no stop ran at the crash" sh -c "! grep -q 'event=stop door=ssh src=192.0.2.5 ' '$ACT'"
check "journal survived the crash" grep -q "^ssh 192.0.2.5 " "$T/state/open"
expired() { dl=$(awk '$2 == "192.0.2.5" { print $6 }' "$T/state/open"); [ "$(date +%s)" -gt "$dl" ]; }
wait_for 10 expired
check "daemon restarts after the deadline" start_kw
check "restart runs the stop command of the expired door" wait_for 10 closed 192.0.2.5
check "SIGTERM exits 0" stop_kw
done_testing
