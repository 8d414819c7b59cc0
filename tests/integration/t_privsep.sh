#!/bin/sh
# t_privsep.sh — privilege separation as it runs: the worker's account,
# capabilities, no_new_privs, seccomp mode and root; forged and malformed
# requests from a worker (the KW_TEST_FORGE hook) run no action and end the
# worker; a killed worker is restarted and open doors still close on time;
# the worker ends with its parent; keys reach the worker on reload.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/keys"
printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
	>"$T/keys/alice.key"
chmod 600 "$T/keys/alice.key"
# config_privsep [USER]: a static door, an HMAC door, a denied network.
config_privsep() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
user: ${1:-nobody}
deny: [198.51.100.0/24]
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key_file: $T/keys/alice.key }
  mallory: { key: "202122232425262728292a2b2c2d2e2f" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%SRC%"]
    stop_after: 3
  otp:
    hmac:
      users: [alice]
      length: 3
      range: 20000-29999
      open_range: 40000-40099
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%", "%OPEN_PORT%"]
EOC
}
config_privsep
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

# 1. The worker's confinement, read from /proc.
check "daemon starts" start_kw
W=$(worker_pid)
check "a worker runs under the daemon" test -n "$W"
st() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$W/status"; }
check "the worker's uids are nobody (real, effective, saved, fs)" \
	test "$(st Uid)" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
check "the worker's gids are nobody's group" \
	test "$(st Gid)" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
check "the worker has no supplementary groups" \
	test -z "$(awk '$1 == "Groups:" { print $2 }' "/proc/$W/status")"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "the worker's $c is empty" test "$(st "$c")" = "0000000000000000"
done
check "the worker has no_new_privs" test "$(st NoNewPrivs)" = 1
if grep -q "sanitizer build" "$T/kw.err"; then
	echo "# sanitizer build: seccomp and chroot checks skipped"
	skipped=2
else
	skipped=0
	check "the worker runs under a seccomp filter (mode 2)" \
		test "$(st Seccomp)" = 2
	check "the worker's root is state_dir/worker" \
		test "$(readlink "/proc/$W/root")" = "$T/state/worker"
fi
check "the worker's standard descriptors are /dev/null" sh -c \
	"[ \"\$(readlink /proc/$W/fd/0)\" = /dev/null ] && [ \"\$(readlink /proc/$W/fd/1)\" = /dev/null ]"
check "the parent is still root" \
	test "$(awk '$1 == "Uid:" { print $3 }' "/proc/$KWPID/status")" = 0
check "state_dir/worker belongs to the worker's account" \
	test "$(stat -c %u "$T/state/worker")" = "$nobody_uid"
check "the log (root, 0600, in a 0700 directory) is out of the worker's reach" \
	sh -c "chmod 600 '$LOG' && test \"\$(stat -c %a '$T')\" = 700"
check "status names the worker" sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -q '^worker pid $W user nobody '"
check "a knock read by the worker opens the door" barrier 192.0.2.1

worker_reads_log() {
	w=$(worker_pid) && has_open "$w" "$LOG"
}

# 2. The parent's checks. Each case: one forged message from a fresh
# worker; the parent must run nothing and end the worker. The hook is in
# the test build only (make: build/knockwatch-hooks, -DKW_TEST_HOOKS), a
# plain build otherwise, with the real sandbox.
KW_HOOKS=$KW_BUILD/knockwatch-hooks
check "the test build has the forging hook" grep -aq KW_TEST_FORGE "$KW_HOOKS"
check "the daemon's own build has none" sh -c "! grep -aq KW_TEST_FORGE '$KW'"
# start_hooked: start_kw with the test build (KW_TEST_FORGE in the
# environment); the client and everything else stay the plain build.
start_hooked() {
	kw_plain=$KW
	KW=$KW_HOOKS
	start_kw
	rc=$?
	KW=$kw_plain
	return $rc
}
forge_case() {
	desc=$1 line=$2
	stop_kw >/dev/null 2>&1
	: >"$ACT"
	: >"$T/kw.err"
	printf '%s\n' "$line" >"$T/forge"
	KW_TEST_FORGE=$T/forge start_hooked
	if wait_for 10 grep -q "refused, ending the worker" "$T/kw.err" &&
		! grep -q "event=" "$ACT" 2>/dev/null; then
		ok "refused: $desc"
	else
		not_ok "refused: $desc"
		cat "$T/kw.err"
	fi
}
step=$(($(date +%s) / 30))
forge_case "a door that does not exist" "door 1 nosuch 192.0.2.9 - 0 0"
forge_case "an event other than start" "door 2 ssh 192.0.2.9 - 0 0"
forge_case "a source that is not an address" "door 1 ssh 192.0.2.9;reboot - 0 0"
forge_case "a host name as source" "door 1 ssh localhost - 0 0"
forge_case "a denied source" "door 1 ssh 198.51.100.7 - 0 0"
forge_case "a user on a static door" "door 1 ssh 192.0.2.9 alice 0 0"
forge_case "an open port on a static door" "door 1 ssh 192.0.2.9 - 22 0"
forge_case "a user who is not of the door" "door 1 otp 192.0.2.9 mallory 40000 $step"
forge_case "an unknown user" "door 1 otp 192.0.2.9 eve 40000 $step"
forge_case "an open port out of the door's range" "door 1 otp 192.0.2.9 alice 22 $step"
forge_case "a time step long past" "door 1 otp 192.0.2.9 alice 40000 5"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
forge_case "opening /etc/shadow" "raw 1 $(hex /etc/shadow)00"
forge_case "a stat outside the config" "raw 2 $(hex /etc)00"
forge_case "a watch outside the config" "raw 3 02000000$(hex /root)00"
forge_case "a key file that is not configured" "raw 7 $(hex /etc/shadow)00"
forge_case "a command source that is not configured" "raw 6 00000000"
forge_case "/dev/kmsg without a kmsg source" "raw 5"
forge_case "a message of unknown type" "raw 999 00"
forge_case "a door request of the wrong size" "raw 32 0100"
forge_case "a log line without its end" "raw 33 0600000041"
forge_case "a config answer nobody asked for" "raw 34 0100000000"
forge_case "a pong to no ping" "raw 37"
forge_case "a status line nobody asked for" "raw 35 6f6b00"
forge_case "a reply (a parent's message)" "raw 64 00"

# The control: the same hook with a request that is in order opens, so the
# cases above fail for what they send, not for how.
stop_kw >/dev/null 2>&1
: >"$ACT"
: >"$T/kw.err"
printf 'door 1 ssh 192.0.2.9 - 0 0\n' >"$T/forge"
KW_TEST_FORGE=$T/forge start_hooked
check "control: a well-formed request through the hook opens" \
	wait_for 10 opened 192.0.2.9
check "control: and ends no worker" \
	sh -c "! grep -q 'refused, ending the worker' '$T/kw.err'"
stop_kw >/dev/null 2>&1

# 3. After a refusal, the next worker (without the hook) works.
: >"$ACT"
: >"$T/kw.err"
printf 'door 1 nosuch 192.0.2.9 - 0 0\n' >"$T/forge"
KW_TEST_FORGE=$T/forge start_hooked
wait_for 10 grep -q "refused, ending the worker" "$T/kw.err"
check "a new worker is started after the refusal" \
	wait_for 10 sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -q 'starts 2 restarts 1 refused_requests 1'"
wait_for 10 worker_reads_log
check "and knocks open again" barrier 192.0.2.2

# 4. Killing the worker: mid-sequence, and with a door open.
knock 192.0.2.3 tcp/7000 udp/8000
w1=$(worker_pid)
kill -9 "$w1"
check "a killed worker is restarted" \
	wait_for 10 sh -c "w=\$(pgrep -P $KWPID -x kw-worker) && [ \"\$w\" != $w1 ]"
knock 192.0.2.3 tcp/9000
check "the new worker's restart went through status" \
	wait_for 10 sh -c "'$KW' status -S '$T/run/knockwatch.sock' | grep -q 'restarts 2 '"
t_open=$(now_ms)
check "a door opens" barrier 192.0.2.4
# The barrier was read after the last knock of 192.0.2.3.
check "the attempt of the killed worker does not complete" \
	test "$(count_opens 192.0.2.3)" -eq 0
kill -9 "$(worker_pid)"
check "the door closes on time although its worker died" \
	wait_for 10 closed 192.0.2.4
t_close=$(now_ms)
took=$((t_close - t_open))
echo "# opened to closed: $took ms (stop_after 3 s)"
check "... after stop_after, not before ($took ms)" test "$took" -ge 2900
check "... and not late ($took ms)" test "$took" -le 6000
# Lines written while no worker runs (about a second) are not read: wait
# for the new one to have the log open.
check "a new worker has the log open" wait_for 10 worker_reads_log
check "knocks open again after the restart" barrier 192.0.2.5
# Lines written while no worker runs are read by the next one: it goes on
# from the offset the killed one had reached, in the file description the
# parent holds.
kill -9 "$(worker_pid)"
knock 192.0.2.8 tcp/7000 udp/8000 tcp/9000
check "a sequence written while no worker ran opens once one runs" \
	wait_for 15 opened 192.0.2.8
check "... and what the killed worker had read is not read again" \
	test "$(count_opens 192.0.2.5)" -eq 1

# A worker killed before it read a byte: the next one starts where the
# first started (the end), not at the start of the file and its old knocks.
stop_kw >/dev/null 2>&1
: >"$ACT"
knock 192.0.2.20 tcp/7000 udp/8000 tcp/9000
start_kw
wait_for 10 worker_reads_log
kill -9 "$(worker_pid)"
check "a worker killed before reading is restarted" wait_for 10 worker_reads_log
check "... and reads what comes next" barrier 192.0.2.21
# The barrier was read after everything before it: the old knocks were not.
check "... but not the file from its start (its old knocks)" \
	test "$(count_opens 192.0.2.20)" -eq 0

# 5. A reload hands the worker the new key (the parent opens the file, the
# worker reads it).
printf '%s\n' f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00112233445566778899aabbccddeeff \
	>"$T/keys/alice.key"
n=$(grep -c "reloaded:" "$T/kw.err")
kill -HUP "$KWPID"
check "reload with a new key file" wait_for 10 sh -c "[ \$(grep -c reloaded: '$T/kw.err') -gt $n ]"
seq=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice)
# shellcheck disable=SC2086
knock 192.0.2.6 $seq
check "the new key opens" wait_for 10 opened 192.0.2.6 otp

# A HUP while the first worker is still loading its config is carried out
# once it has: the daemon neither dies nor fails the reload.
stop_kw >/dev/null 2>&1
: >"$T/kw.err"
"$KW" -c "$T/kw.yaml" -vv 2>>"$T/kw.err" &
KWPID=$!
# Once knockwatch itself runs (not the shell before exec): SIGHUP blocked.
hup_blocked() {
	b=$(awk '/^SigBlk:/ { print $2 }' "/proc/$KWPID/status") &&
		[ $((0x$b & 2)) -ne 0 ]
}
wait_for 10 hup_blocked
kill -HUP "$KWPID"
check "a HUP at start-up is a reload after the start" \
	wait_for 10 grep -q "reloaded:" "$T/kw.err"
check "... with no failure" sh -c "! grep -q 'reload failed' '$T/kw.err'"
check "... and the daemon runs" kill -0 "$KWPID"

# 6. The worker ends with its parent.
W=$(worker_pid)
kill -9 "$KWPID"
wait "$KWPID" 2>/dev/null
KWPID=
check "the worker exits when the parent dies" \
	wait_for 10 sh -c "! kill -0 $W 2>/dev/null"

# 7. The systemd unit's capability bounding set is enough for the drop
# (the daemon run under setpriv with exactly that set and no_new_privs),
# and without CAP_SETUID the daemon refuses to start rather than run the
# worker as root.
config_privsep
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$KW_TOP/systemd/knockwatch.service" |
	tr '[:upper:]' '[:lower:]' | sed 's/cap_/+/g; s/ /,/g')
: >"$ACT"
KW_WRAP="setpriv --bounding-set -all,$unit_caps --no-new-privs" start_kw
check "the unit's capabilities ($unit_caps) start the worker" \
	test "$(awk '$1 == "Uid:" { print $2 }' "/proc/$(worker_pid)/status")" = "$nobody_uid"
check "... and a knock opens" barrier 192.0.2.7
stop_kw >/dev/null 2>&1
no_setuid=$(echo "$unit_caps" | sed 's/,+setuid//')
setpriv --bounding-set "-all,$no_setuid" --no-new-privs "$KW" -c "$T/kw.yaml" 2>"$T/nosetuid.err"
rc=$?
check "without CAP_SETUID the daemon exits 78 ($rc)" test "$rc" -eq 78
check "... saying why" grep -q "cannot drop to uid" "$T/nosetuid.err"

# 8. user: must exist and must not be root.
config_privsep nosuchuser
check "-n refuses an unknown user" sh -c "! '$KW' -n -c '$T/kw.yaml' >/dev/null 2>&1"
check "... saying so" sh -c "'$KW' -n -c '$T/kw.yaml' 2>&1 | grep -q \"user 'nosuchuser'\""
config_privsep root
check "-n refuses user: root" sh -c "'$KW' -n -c '$T/kw.yaml' 2>&1 | grep -q 'must not run as root'"
"$KW" -c "$T/kw.yaml" 2>/dev/null
check "the daemon exits 78 for user: root" test $? -eq 78
[ "$skipped" -gt 0 ] && { printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skipped"; [ "$fail" -eq 0 ]; exit; }
done_testing
