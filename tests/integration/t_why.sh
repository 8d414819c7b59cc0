#!/bin/sh
# t_why.sh — "Why didn't it open?" answered at -v and in status: a knock
# from a penalised source is logged as ignored (with the time left) and
# `status` (text and --json) lists the penalised sources with their time
# left, at most 20 in text then "N more"; an HMAC first knock of the wrong
# key or a client clock 300 s off is logged as no user's first knock of
# the window with this host's step (also in `replay -v`); a reset at a
# bind_source door tells NAT users about --bind.
. "$(dirname "$0")/lib.sh"

{
	config_users 1
	cat <<EOC
penalty: { failures: 2, window: 60, ban: 300 }
doors:
  ssh:
    sequence: [7000/tcp, 8000/tcp, 9000/tcp]
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%"]
  otp:
    hmac: { users: [u0001], length: 4, range: 20000-29999 }
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
  bound:
    hmac: { users: [u0001], length: 3, range: 30000-39999, bind_source: true }
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
EOC
} >"$T/kw.yaml"
check "daemon starts (-vv)" start_kw

# --- penalties: 21 sources fail twice each (7000 then a wrong knock)
n=1
while [ "$n" -le 21 ]; do
	knock "198.51.100.$n" tcp/7000 tcp/5 tcp/7000 tcp/5
	n=$((n + 1))
done
banned() { [ "$(grep -c 'failed attempts within 60 s, ignored for 300 s' "$T/kw.err")" -ge 21 ]; }
check "21 sources are penalised" wait_for 10 banned
# The -v lines are rate-limited (10 a second; the bans' burst used them
# up): knock_until PATTERN SRC KNOCK...: knocks again until PATTERN
# (grep -E) is in the log.
knock_until() {
	k_pat=$1
	shift
	knock "$@"
	grep -Eq "$k_pat" "$T/kw.err"
}
check "a knock from a penalised source is logged as ignored" \
	wait_for 10 knock_until "attempt: 198\.51\.100\.1: knock tcp/7000 ignored: the source serves a penalty \([0-9]+ s left" 198.51.100.1 tcp/7000
status >"$T/st"
check "status lists penalised sources with the time left" \
	grep -Eq "^penalty 198\.51\.100\.[0-9]+: knocks ignored for (29[0-9]|300) s more$" "$T/st"
check "... 20 of them in text" [ "$(grep -c '^penalty ' "$T/st")" -eq 20 ]
check "... then how many more" grep -q "^penalties: 1 more not listed$" "$T/st"
"$KW" status -S "$T/run/knockwatch.sock" --json >"$T/sj"
check "status --json: penalties [{source, host, seconds_left}], all 21" \
	jq -e '(.penalties | length) == 21 and
	    (.penalties | map(select(.host == null and .seconds_left > 250 and
	    (.source | startswith("198.51.100.")))) | length) == 21 and
	    .worker.penalised_sources == 21 and .worker.penalties_listed == 21' \
	    "$T/sj" >/dev/null

# --- HMAC: the client's clock 300 s (10 steps) off; a wrong key
step=$(($(date +%s) / 30))
# shellcheck disable=SC2046
set -- $("$KW" sequence -c "$T/kw.yaml" --door otp --user u0001 --step $((step - 10)))
check "a first knock 10 steps old is logged, with this host's step" \
	wait_for 10 knock_until "attempt: 192.0.2.50 door otp: $1 is no user's first knock of steps [0-9]+\.\.[0-9]+ \(wrong key or door name, or the client's clock is off: this host's step is ($step|$((step + 1)))\)" 192.0.2.50 "$1"
sed "s/$(printf '%064x' 1)/$(printf '%064x' 2)/" "$T/kw.yaml" >"$T/wrongkey.yaml"
# shellcheck disable=SC2046
set -- $("$KW" sequence -c "$T/wrongkey.yaml" --door otp --user u0001)
check "a first knock of a wrong key is logged" wait_for 10 knock_until \
	"attempt: 192\.0\.2\.51 door otp: $1 is no user's first knock" 192.0.2.51 "$1"

# --- bind_source: the reset says to knock with --bind behind NAT
# shellcheck disable=SC2046
set -- $("$KW" sequence -c "$T/kw.yaml" --door bound --user u0001 --bind 192.0.2.60)
p2=${2#*/}
[ "$p2" -ge 39999 ] && bad=tcp/30000 || bad=tcp/$((p2 + 1))
check "a reset at a bind_source door tells about --bind" wait_for 10 knock_until \
	"attempt: 192\.0\.2\.60 door bound reset at 1/3: .*\(this door binds sequences to the source address: behind NAT, knock with --bind PUBLIC_ADDRESS\)" \
	192.0.2.60 "$1" "$bad"

# --- replay -v says the same of the log
"$KW" replay -v -c "$T/kw.yaml" "$LOG" >"$T/rp" 2>&1
check "replay -v: no user's first knock" grep -q \
	"otp no user's first knock of steps" "$T/rp"
check "replay -v: penalised, with the time left" grep -Eq \
	"penalised \([0-9]+ s left\)" "$T/rp"

check "daemon stops" stop_kw
done_testing
