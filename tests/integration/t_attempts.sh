#!/bin/sh
# t_attempts.sh — "why didn't it open?" on a running daemon: at -v the log
# says when an attempt started, was reset (what it expected and got) or
# expired or was refused as spent, at a bounded rate so a scan cannot
# flood it; `status` lists the
# attempts in progress (source, door, stage, time left), at most 20, and
# says how many more.
. "$(dirname "$0")/lib.sh"

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 120
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  quick:
    sequence: [6000, 6500]
    timeout: 1
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  otp:
    hmac:
      users: [alice]
      length: 3
      range: 20000-29999
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open]
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
EOC
check "daemon starts" start_kw

knock 192.0.2.5 tcp/7000 udp/8000
knock 192.0.2.6 tcp/7000 tcp/9000
knock 192.0.2.7 tcp/6000
barrier 192.0.2.1
check "-v: an attempt started" grep -q "attempt: 192.0.2.5 door ssh started (1/3)" "$T/kw.err"
check "-v: a reset says what it expected and what came" \
	grep -q "attempt: 192.0.2.6 door ssh reset at 1/3: expected udp/8000, got tcp/9000" "$T/kw.err"
check "-v: an expiry" wait_for 10 grep -q "attempt: 192.0.2.7 door quick expired at 1/2" "$T/kw.err"
# An HMAC sequence knocked twice: the second is refused as spent.
seq=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice)
# shellcheck disable=SC2086
knock 192.0.2.30 $seq
check "the HMAC sequence opens" wait_for 10 opened 192.0.2.30 otp
# shellcheck disable=SC2086
knock 192.0.2.31 $seq
check "-v: the same step again is refused as spent" wait_for 10 \
	grep -q "attempt: 192.0.2.31 door otp refused: that user's step has opened already (spent)" "$T/kw.err"
check "status lists the attempt in progress with stage and time left" \
	sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -Eq '^attempt 192\.0\.2\.5 door ssh stage 2/3 left (1[01][0-9]|120|[1-9][0-9]?)s$'"

# A scan: 300 sources' first knocks at once. The log gets at most 10 event
# lines a second and then says how many it left out.
i=0
while [ $i -lt 300 ]; do
	knock_line "198.51.$((100 + i / 250)).$((i % 250 + 1))" tcp 1 7000
	i=$((i + 1))
done >>"$LOG"
barrier 192.0.2.2
# listed: the attempt lines of status; more: the count it did not list.
st=$(status)
check "status lists 20 attempts" test "$(printf '%s\n' "$st" | grep -c '^attempt ')" -eq 20
check "and says how many more" sh -c "printf '%s\n' '$st' | grep -qx 'attempts: 281 more not listed'"
# A later second's first event line brings the count of those left out.
n=0
poke() {
	n=$((n + 1))
	knock "192.0.2.$((100 + n % 100))" tcp/6000
	grep -q "attempt: [0-9]* more events not logged (more than 10 a second)" "$T/kw.err"
}
check "the scan's events were cut and counted" wait_for 15 poke
started=$(grep -c "attempt: 198\.51\.10[01]\.[0-9]* door ssh started" "$T/kw.err")
check "far fewer than 300 lines of the scan ($started)" test "$started" -lt 150
check "daemon stops" stop_kw
done_testing
