#!/bin/sh
# t_userchange.sh — changing `user:` keeps the spent HMAC steps: a step
# spent while the worker ran as nobody is still refused after a restart
# with another user (the parent gives the worker's files to the new user;
# the spent file used to stay nobody's 0600, the new worker could not read
# it, set it aside as corrupt and accepted the replay). A spent file the
# worker cannot read (mode 000) is kept, not set aside, and every HMAC open
# is refused until it can be read. As root only (useradd -r, removed after).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null; then
	echo "skipped: needs root and useradd"
	echo "0 passed, 0 failed"
	exit 0
fi
NEWU=kwt$$
useradd -r -M -s /usr/sbin/nologin -d /nonexistent "$NEWU" || exit 1
trap 'cleanup; userdel "$NEWU" 2>/dev/null' EXIT
# The test directory must be one the worker users may enter.
chmod 755 "$T"

# config_user USER
config_user() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
user: $1
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  otp:
    hmac:
      users: [alice]
      length: 3
      range: 20000-29999
      skew: 2
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$KW_TOP/actions/log, --file, $ACT, close]
    stop_after: 1
EOC
}
T0=$(date +%s)
# seq_at ROUND: alice's sequence ROUND steps after the first.
seq_at() {
	"$KW" sequence -c "$T/kw.yaml" --door otp --user alice --time $((T0 + $1 * 30))
}
owner() { stat -c %U "$T/state/worker/spent"; }

config_user nobody
check "daemon starts as nobody" start_kw
S=$(seq_at 0)
# shellcheck disable=SC2086
knock 192.0.2.1 $S
check "alice opens at step S" wait_for 10 opened 192.0.2.1 otp
check "step S is spent on disk" wait_for 10 grep -q "^otp alice " "$T/state/worker/spent"
check "SIGTERM exits 0" stop_kw
check "the spent file is nobody's" test "$(owner)" = nobody

config_user "$NEWU"
check "daemon starts as $NEWU" start_kw
check "the spent file was given to $NEWU" test "$(owner)" = "$NEWU"
# shellcheck disable=SC2086
knock 192.0.2.2 $S
barrier 192.0.2.200
check "the replay of step S is refused" sh -c "! grep -q 'door=otp src=192.0.2.2 ' '$ACT'"
check "nothing was set aside" sh -c "! ls '$T/state/worker' | grep -q corrupt"
check "no 'Permission denied'" sh -c "! grep -q 'Permission denied' '$T/kw.err'"
check "SIGTERM exits 0" stop_kw

# Unreadable for the worker (mode 000): kept, every HMAC open refused.
chmod 000 "$T/state/worker/spent"
check "daemon starts with an unreadable spent file" start_kw
check "it says the spent steps cannot be read" \
	wait_for 10 grep -q "spent steps: .*cannot be read, so every HMAC open is refused" "$T/kw.err"
# shellcheck disable=SC2046
knock 192.0.2.3 $(seq_at 1)
barrier 192.0.2.201
check "a fresh sequence is refused too" sh -c "! grep -q 'door=otp src=192.0.2.3 ' '$ACT'"
check "the refusal is logged" grep -q "door otp: HMAC open refused" "$T/kw.err"
check "the file is kept, not set aside" sh -c \
	"test -f '$T/state/worker/spent' && ! ls '$T/state/worker' | grep -q corrupt"
check "its content is kept" grep -q "^otp alice " "$T/state/worker/spent"
check "SIGTERM exits 0" stop_kw
done_testing
