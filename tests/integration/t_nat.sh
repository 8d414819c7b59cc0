#!/bin/sh
# t_nat.sh — users of one HMAC door behind one NAT (one source address)
# share one firewall rule: the start command runs once, the stop command
# runs once, when the last of them closes (not when the first does), and at
# SIGTERM once; a stop that fails at SIGTERM is retried within the grace,
# and one that keeps failing is reported (DOOR STILL OPEN ... journaled),
# makes the exit status non-zero and is closed by the next start. A user
# who opens while the rule's stop command runs waits for it, then starts
# the rule again.
. "$(dirname "$0")/lib.sh"

# A stop that fails while $T/fail exists, and fails $T/failn more times
# (one character per failure) otherwise.
cat >"$T/stop" <<EOS
#!/bin/sh
if [ -e "$T/fail" ]; then echo "failing on purpose"; exit 1; fi
if [ -e "$T/slow" ]; then
	until [ -e "$T/go" ]; do sleep 0.05; done
fi
if [ -s "$T/failn" ]; then
	n=\$(cat "$T/failn"); printf '%s' "\${n#?}" >"$T/failn"
	echo "failing once on purpose"; exit 1
fi
exec "$KW_TOP/actions/log" --file "$ACT" "\$@"
EOS
chmod 700 "$T/stop"
config_nat() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
  bob: { key: "101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f" }
  carol: { key: "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" }
  dave: { key: "303132333435363738393a3b3c3d3e3f202122232425262728292a2b2c2d2e2f" }
  erin: { key: "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" }
doors:
  otp:
    hmac:
      users: [alice, bob, carol, dave, erin]
      length: 3
      range: 20000-29999
      skew: 2
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
    stop: [$T/stop, close, "%SRC%", 22/tcp]
    stop_after: $1
EOC
}
# knock_user USER SRC [ROUND]: USER's sequence from SRC, for the step
# ROUND (0, 1, 2) steps after the test's first: each round spends one step
# of each user (skew 2 accepts them all while the test runs).
T0=$(date +%s)
knock_user() {
	# shellcheck disable=SC2046
	knock "$2" $("$KW" sequence -c "$T/kw.yaml" --door otp --user "$1" \
		--time $((T0 + ${3:-0} * 30)))
}
starts() { grep -c "event=start door=otp src=$1 " "$ACT" 2>/dev/null || true; }
stops() { grep -c "event=stop door=otp src=$1 " "$ACT" 2>/dev/null || true; }
logged() { grep -qF -e "$1" "$T/kw.err"; }
# nstarts SRC N / nstops SRC N: the transcript holds N starts / stops.
nstarts() { [ "$(starts "$1")" -eq "$2" ]; }
nstops() { [ "$(stops "$1")" -eq "$2" ]; }
reloads_gt() { [ "$(grep -c reloaded "$T/kw.err")" -gt "$1" ]; }
opened_for() { logged "door otp opens for $1 user $2"; }
open_doors() { [ "$(status | grep -c "^open door otp src $1 ")" -eq "$2" ]; }

config_nat 3
check "daemon starts" start_kw
for u in bob carol alice; do
	knock_user "$u" 10.77.0.2
	check "$u opens door otp from 10.77.0.2" wait_for 10 opened_for 10.77.0.2 "$u"
done
check "status: three open doors" open_doors 10.77.0.2 3
check "the start command ran once (one rule)" test "$(starts 10.77.0.2)" -eq 1
check "bob's door closes, the rule stays" wait_for 15 logged \
	"door otp closed for 10.77.0.2 user bob (the firewall rule stays"
check "all three close" wait_for 15 logged "door otp closed for 10.77.0.2 user alice"
check "carol's closed before the rule went" logged \
	"door otp closed for 10.77.0.2 user carol (the firewall rule stays"
check "the stop command ran once, for the last" test "$(stops 10.77.0.2)" -eq 1

# SIGTERM: the identical stops run once (they raced and failed).
config_nat 300
kill -HUP "$KWPID"
check "reloaded" wait_for 10 logged "reloaded"
for u in bob carol alice; do
	knock_user "$u" 10.77.0.3 1
	check "$u opens from 10.77.0.3" wait_for 10 opened_for 10.77.0.3 "$u"
done
check "status: three open doors from 10.77.0.3" open_doors 10.77.0.3 3
printf 'xx' >"$T/failn"
check "SIGTERM: the stop fails twice, is retried, exits 0" stop_kw
check "one stop for the three doors" test "$(stops 10.77.0.3)" -eq 1
check "the retries were logged" logged "attempt 2 of 3 at shutdown"
check "nothing is reported open" sh -c "! grep -q 'DOOR STILL OPEN' '$T/kw.err'"

# A stop that fails every time at SIGTERM: said, journaled, exit non-zero,
# closed by the next start at once.
config_nat 300
check "daemon starts again" start_kw
knock_user bob 10.77.0.4 2
check "bob opens from 10.77.0.4" wait_for 10 opened_for 10.77.0.4 bob
touch "$T/fail"
stop_kw
rc=$?
check "SIGTERM with a failing stop exits non-zero ($rc)" test "$rc" -ne 0
check "it says DOOR STILL OPEN ... journaled" logged \
	"DOOR STILL OPEN: door otp for 10.77.0.4 user bob: its stop command did not succeed before exit; journaled; the next start closes it"
check "the door is in the journal" grep -q "^otp 10.77.0.4 - bob " "$T/state/open"
rm -f "$T/fail"
check "the next start" start_kw
check "closes it at once" wait_for 10 nstops 10.77.0.4 1

# erin opens while dave's stop (held back) runs: her start waits for it.
n_rel=$(grep -c "reloaded" "$T/kw.err")
config_nat 1
kill -HUP "$KWPID"
check "reloaded for stop_after 1" wait_for 10 reloads_gt "$n_rel"
touch "$T/slow"
knock_user dave 10.77.0.5
check "dave opens from 10.77.0.5" wait_for 10 opened_for 10.77.0.5 dave
check "dave's stop runs (held back)" wait_for 10 logged "door otp stop for 10.77.0.5 user dave: started"
knock_user erin 10.77.0.5
check "erin's start waits for that stop" wait_for 10 logged \
	"door otp for 10.77.0.5 user erin shares the firewall rule of another open door (same door, source and stop command): its start command runs once the rule's stop command ends"
check "... and has not run yet" test "$(starts 10.77.0.5)" -eq 1
touch "$T/go"
check "dave's stop ends, then erin's start runs" wait_for 10 nstarts 10.77.0.5 2
check "erin's door closes on time, with the second stop" wait_for 15 nstops 10.77.0.5 2
check "the start and stop alternate" sh -c \
	"grep 'src=10.77.0.5 ' '$ACT' | cut -d' ' -f2 | tr '\n' ' ' | grep -qx 'event=start event=stop event=start event=stop '"
rm -f "$T/slow" "$T/go"
check "SIGTERM exits 0" stop_kw
done_testing
