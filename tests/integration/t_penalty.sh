#!/bin/sh
# t_penalty.sh — penalties with many HMAC doors, on a real daemon: 64 HMAC
# doors x 1,000 users (range 20000-59999, skew 1), so nearly every port of
# the range is some door's first knock and each knock of a genuine
# sequence starts attempts at other doors that its next knock resets.
# Ten fresh sources each knock one correct sequence: all open and none is
# penalised; once the attempts their last knocks started have expired, the
# same ten knock again (another door each) and open again. A scanner
# sweeping the range is still penalised. Under the old rule (one failure
# per reset attempt, and per expired attempt) most genuine sources were
# banned by their own knocks. Run it on the plain build as root for the
# real sandbox.
. "$(dirname "$0")/lib.sh"

USERS=${PENALTY_USERS:-1000}
DOORS=${PENALTY_DOORS:-64}

{
	config_users "$USERS"
	echo "doors:"
	d=0
	while [ "$d" -lt "$DOORS" ]; do
		cat <<EOC
  d$d:
    hmac: { length: 4, range: 20000-59999, skew: 1, bind_source: true }
    timeout: 3
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
EOC
		d=$((d + 1))
	done
} >"$T/kw.yaml"
chmod 600 "$T/kw.yaml"
check "daemon starts with $DOORS HMAC doors x $USERS users" start_kw
if grep -q 'sanitizer build' "$T/kw.err"; then
	echo "# sanitizer build: no seccomp filter in this run"
elif [ "$(id -u)" -eq 0 ]; then
	check "the worker runs as nobody under the real filter" \
		grep -q 'worker as nobody' "$T/kw.err"
fi

# field NAME: the value after NAME in the status report (N of N/M).
field() { status | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { sub("/.*", "", $(i + 1)); print $(i + 1); exit } }'; }

# genuine ROUND: sources 192.0.2.1..10, source n knocks door
# d((n * 7 + ROUND * 13) % DOORS) as user u(n * 97 + ROUND): one sequence.
genuine() {
	step=$(($(date +%s) / 30))
	n=1
	while [ "$n" -le 10 ]; do
		door=d$(((n * 7 + $1 * 13) % DOORS))
		user=$(printf 'u%04d' $(((n * 97 + $1) % USERS + 1)))
		# shellcheck disable=SC2046
		knock "192.0.2.$n" $("$KW" sequence -c "$T/kw.yaml" \
			--door "$door" --user "$user" --bind "192.0.2.$n" \
			--step "$step")
		n=$((n + 1))
	done
}
opens_of() { grep -c "event=start door=d[0-9]* src=$1 " "$ACT" 2>/dev/null || true; }
all_opened() {
	n=1
	while [ "$n" -le 10 ]; do
		[ "$(opens_of "192.0.2.$n")" -ge "$1" ] || return 1
		n=$((n + 1))
	done
}
no_genuine_ban() { ! grep -q 'source 192\.0\.2\.[0-9]*: .*failed attempts' "$T/kw.err"; }
none_tracked() { [ "$(field tracked)" = 0 ]; }

genuine 1
check "10 fresh sources: every correct sequence opens" wait_for 30 all_opened 1
check "no genuine source penalised" no_genuine_ban
check "the knocks started attempts at other doors" \
	test "$(field resets)" -gt 0
# The attempts the last knocks started at other doors expire (timeout 3).
check "their leftover attempts expire" wait_for 30 none_tracked
genuine 2
check "the same 10 sources knock again: every sequence opens" \
	wait_for 30 all_opened 2
check "still no genuine source penalised" no_genuine_ban
check "penalties 0" test "$(field penalties)" = 0

# A scanner sweeps 2,000 ports of the range: it advances nothing, so each
# knock that ends attempts is a failure, and it is penalised.
awk -v ts="$(date '+%b %e %H:%M:%S')" 'BEGIN {
	for (p = 30000; p < 32000; p++)
		printf "%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.66 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts, 1024 + p % 60000, p
}' >>"$LOG"
check "a scanner sweeping the range is penalised" wait_for 30 \
	grep -q 'source 198\.51\.100\.66: 10 failed attempts' "$T/kw.err"
check "its later knocks are ignored" wait_for 30 \
	sh -c "[ \"\$('$KW' status -S '$T/run/knockwatch.sock' | awk '{ for (i = 1; i < NF; i++) if (\$i == \"penalised\") print \$(i + 1) }')\" -gt 1000 ]"
check "the worker never restarted" sh -c "! grep -q 'killed by signal' '$T/kw.err'"
check "SIGTERM exits 0" stop_kw
done_testing
