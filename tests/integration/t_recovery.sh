#!/bin/sh
# t_recovery.sh — a failing stop command is retried with back-off until it
# succeeds (and logged as a door still open); corrupt state files are
# reported and set aside, not fatal; with max_actions 1, start commands
# wait in the queue and all of them run.
. "$(dirname "$0")/lib.sh"

# A stop action that fails twice, then works.
cat >"$T/flaky" <<EOS
#!/bin/sh
n=\$(cat "$T/flaky.count" 2>/dev/null || echo 0)
n=\$((n + 1))
echo "\$n" >"$T/flaky.count"
echo "stop attempt \$n for \$KNOCK_SRC"
[ "\$n" -ge 3 ] || exit 1
exec "$KW_TOP/actions/log" --file "$ACT" close
EOS
chmod +x "$T/flaky"
mkdir -p "$T/state"
printf 'this is not a journal line\n' >"$T/state/open"
printf 'garbage\n' >"$T/state/spent"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
max_actions: 1
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$T/flaky]
    stop_after: 1
  slow:
    sequence: [7100, 7200]
    start: [/bin/sh, -c, 'sleep 0.3; exec "\$0" --file "\$1" open', $KW_TOP/actions/log, $ACT]
  otp:
    hmac: { length: 2, range: 30000-39999 }
    start: [$KW_TOP/actions/log, --file, $ACT, open]
EOC
check "daemon starts with a corrupt journal and spent file" start_kw
check "corrupt journal reported" grep -q "journal .*line 1 refused" "$T/kw.err"
check "corrupt journal set aside" sh -c "ls '$T/state' | grep -q '^open.bad-'"
check "corrupt spent file reported and set aside" sh -c "grep -q 'spent steps' '$T/kw.err' && ls '$T/state/worker' | grep -q '^spent.corrupt-'"

knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
check "door opens" wait_for 10 opened 192.0.2.1
check "a failed stop is logged loudly" wait_for 10 grep -q "DOOR STILL OPEN: door ssh for 192.0.2.1" "$T/kw.err"
check "the stop is retried until it succeeds" wait_for 20 closed 192.0.2.1
check "three attempts: two failures, one success" test "$(cat "$T/flaky.count")" -eq 3
check "back-off grows (2 s, then 4 s)" grep -q "retrying in 4 s" "$T/kw.err"
check "the journal is empty once closed" wait_for 5 test ! -s "$T/state/open"

# Five doors at once with max_actions 1: they queue, none is dropped.
for i in 1 2 3 4 5; do knock "192.0.2.2$i" tcp/7100 tcp/7200; done
for i in 1 2 3 4 5; do
	check "queued start for 192.0.2.2$i ran" wait_for 20 opened "192.0.2.2$i" slow
done
check "the queueing was logged" grep -q "commands running, queued" "$T/kw.err"
# The last start wrote its line but may not have exited yet: poll.
all_done() { status | grep -Eq "^actions running 0 queued 0 started [0-9]+ failed 2 "; }
check "status: every queued command ran, the 2 failed stops counted" wait_for 20 all_done
queued_some() { status | grep -Eq "queued_total [1-9]"; }
check "status counts the starts that waited in the queue" queued_some
check "SIGTERM exits 0" stop_kw
done_testing
