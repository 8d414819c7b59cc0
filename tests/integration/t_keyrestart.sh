#!/bin/sh
# t_keyrestart.sh — a key file broken in place (garbage, unreadable) while
# the daemon runs: a restarted worker disables that user alone, with one
# error line naming the user and the file (never a key byte), and every
# other user and door keeps working; a reload with the broken key fails
# loudly and keeps the running config; a reload with a fixed key brings the
# user back. The first start on a broken key still refuses to run (78).
# Plain build, real sandbox, as root.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/keys"
akey=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '%s\n' "$akey" >"$T/keys/alice.key"
printf '%s\n' "$akey" >"$T/keys/alice.good"
printf 'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n' >"$T/keys/bob.key"
chmod 600 "$T/keys/"*
# config KEYDIR ALICEFILE: the daemon's config (and the client's, which
# reads alice's key from a good copy).
config() {
	cat <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key_file: $T/keys/$1 }
  bob: { key_file: $T/keys/bob.key }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  otp:
    hmac:
      users: [alice, bob]
      length: 4
      range: 20000-29999
      skew: 2
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%USER%"]
    stop_after: 1
EOC
}
config alice.key >"$T/kw.yaml"
config alice.good >"$T/client.yaml"
# knock_user SRC USER: USER's current sequence on the otp door from SRC.
knock_user() {
	# shellcheck disable=SC2046
	knock "$1" $("$KW" sequence -c "$T/client.yaml" --door otp --user "$2")
}
restarted_from() { w=$(worker_pid) && [ -n "$w" ] && [ "$w" != "$1" ]; }
garbage='not-a-key-zzzz-SECRETBYTES'

check "daemon starts" start_kw
knock_user 192.0.2.1 alice
check "alice opens with her key" wait_for 10 opened 192.0.2.1 otp

# The key file is edited in place to garbage, then the worker dies.
printf '%s\n' "$garbage" >"$T/keys/alice.key"
w1=$(worker_pid)
kill -9 "$w1"
check "the killed worker is restarted" wait_for 15 restarted_from "$w1"
check "one error line names alice and her key file" \
	wait_for 10 grep -q "user alice disabled.*$T/keys/alice.key" "$T/kw.err"
check "... exactly one" test "$(grep -c "user alice disabled" "$T/kw.err")" -eq 1
check "no byte of the file is logged" sh -c "! grep -q SECRETBYTES '$T/kw.err'"
check "the restarted worker keeps running (no exit 78)" \
	sh -c "! grep -q 'exited with status 78' '$T/kw.err'"
check "the static door opens" barrier 192.0.2.100
knock_user 192.0.2.2 bob
check "bob opens" wait_for 10 opened 192.0.2.2 otp
check "the worker is still the restarted one" test "$(worker_pid)" != "$w1"
knock_user 192.0.2.3 alice
barrier 192.0.2.101
check "alice (disabled) does not open" sh -c "! grep -q 'door=otp src=192.0.2.3 ' '$ACT'"

# A reload while the key is broken: loud failure, running config kept.
n=$(grep -c "reload failed" "$T/kw.err")
kill -HUP "$KWPID"
check "a reload with the broken key fails loudly" \
	wait_for 10 sh -c "[ \$(grep -c 'reload failed.*alice' '$T/kw.err') -gt $n ]"
check "... and the static door still opens" barrier 192.0.2.102

# Unreadable (a directory now): a second restart disables her again.
rm -f "$T/keys/alice.key"; mkdir "$T/keys/alice.key"
w2=$(worker_pid)
kill -9 "$w2"
check "a worker restarted on an unreadable key file runs" \
	wait_for 15 restarted_from "$w2"
check "... and says so once more" \
	wait_for 10 sh -c "[ \$(grep -c 'user alice disabled' '$T/kw.err') -eq 2 ]"
check "... the static door opens" barrier 192.0.2.103

# Fixed, then reloaded: alice is back.
rmdir "$T/keys/alice.key"
cp "$T/keys/alice.good" "$T/keys/alice.key"
n=$(grep -c "reloaded:" "$T/kw.err")
kill -HUP "$KWPID"
check "a reload with the fixed key succeeds" \
	wait_for 10 sh -c "[ \$(grep -c 'reloaded:' '$T/kw.err') -gt $n ]"
knock_user 192.0.2.4 alice
check "alice opens again" wait_for 10 opened 192.0.2.4 otp
stop_kw

# The first start on a broken key refuses to run.
printf '%s\n' "$garbage" >"$T/keys/alice.key"
"$KW" -c "$T/kw.yaml" 2>"$T/first.err"
check "the first start on a broken key exits 78" test $? -eq 78
check "... naming the file" grep -q "alice.key" "$T/first.err"
done_testing
