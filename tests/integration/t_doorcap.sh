#!/bin/sh
# t_doorcap.sh — a door holds at most its max_open open entries (default
# 1024 of the 4096 slots): a static sequence known to many (sniffed) opened
# from more sources than that is refused past the cap, and the other doors,
# HMAC doors too, still open for their users. An HMAC open the parent
# refuses (its door full) does not spend the user's step: once a slot is
# free, the same knocks open.
. "$(dirname "$0")/lib.sh"

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
  bob: { key: "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$KW_TOP/actions/log, --file, $ACT, close]
    stop_after: 600
    max_open: 2
  otp:
    hmac:
      users: [alice, bob]
      length: 4
      range: 20000-29999
      period: 600
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%USER%"]
    stop_after: 600
    max_open: 1
EOC
"$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1
check "-n accepts max_open and prints it" grep -q "max_open 2" "$T/n.out"
check "daemon starts" start_kw

# The static door: two sources open, the third is refused.
knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
knock 192.0.2.2 tcp/7000 udp/8000 tcp/9000
check "the first source opens" wait_for 10 opened 192.0.2.1
check "the second source opens" wait_for 10 opened 192.0.2.2
knock 192.0.2.3 tcp/7000 udp/8000 tcp/9000
check "the third source is refused: max_open" wait_for 10 grep -q \
	"door ssh for 192.0.2.3: it is open for 2 sources already (its max_open), refused" "$T/kw.err"
check "... and nothing ran for it" sh -c "! grep -q 'src=192.0.2.3 ' '$ACT'"

# The HMAC door still opens for its user.
# shellcheck disable=SC2046
knock 192.0.2.10 $("$KW" sequence -c "$T/kw.yaml" --door otp --user alice)
check "alice opens the HMAC door though the static door is full" \
	wait_for 10 opened 192.0.2.10 otp

# Bob is refused (otp holds its one slot): his step is not spent.
seq_b=$("$KW" sequence -c "$T/kw.yaml" --door otp --user bob)
# shellcheck disable=SC2086
knock 192.0.2.11 $seq_b
check "bob's open is refused by the parent" wait_for 10 grep -q \
	"door otp for 192.0.2.11: it is open for 1 sources already" "$T/kw.err"
check "... and the worker gives his step back" wait_for 10 grep -q \
	"door otp: the open for user bob was refused by the parent: its step is not spent" "$T/kw.err"
"$KW" close -S "$T/run/knockwatch.sock" otp 192.0.2.10 >/dev/null 2>&1
check "alice's door closes by hand" wait_for 10 closed 192.0.2.10 otp
# shellcheck disable=SC2086
knock 192.0.2.11 $seq_b
check "bob's same knocks open once a slot is free" wait_for 10 opened 192.0.2.11 otp
check "... as bob" grep -q "door=otp src=192.0.2.11 family=inet user=bob " "$ACT"
# shellcheck disable=SC2086
knock 192.0.2.12 $seq_b
check "... and then they are spent (a replay is refused)" wait_for 10 grep -q \
	"192.0.2.12 door otp refused: that user's step has opened already (spent)" "$T/kw.err"

check "SIGTERM closes the doors and exits 0" stop_kw
done_testing
