#!/bin/sh
# t_browser_repeats.sh — a browser's knocks repeat themselves, and the door
# opens anyway. Debian's Chromium, headless in the client namespace, knocks
# clients/web/knock.html's fetch() knocks at a 4-knock static door and a
# 4-knock HMAC door, giving up each knock after 400 ms and after 1000 ms,
# and stays open 8 s after the page's result as a person reading it does.
# Chromium opens a second connection (a new source port) to a port that
# has not answered within 250 ms and keeps retransmitting the SYNs of
# aborted fetches for seconds, so the server logs more LOG lines than
# knocks, and retransmits of knock 1 arrive after knock 3 (or of knock 2 after
# knock 4): each of these
# is checked in the kernel's own LOG lines (read from /dev/kmsg with this
# run's prefix), so the scenario cannot pass without the pattern. The
# daemon ignores them as repeats: every door opens, the status counts
# repeats, and the client earns no penalty. (Before repeats were forgiven,
# such a 4-knock static door reset at the repeats and never opened.)
# Without Chromium the scenario is skipped, never passed.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/net/browser.sh
. "$(dirname "$0")/browser.sh"

N=32
net_require $N
browser_require $N "$KW_BUILD/test-output/t_browser_repeats"
net_setup r || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }
browser_shots
# The kernel's LOG lines: a reader of /dev/kmsg of our own (each reader
# has its own position), stopped by net_cleanup.
cat /dev/kmsg >"$T/kmsg" 2>/dev/null &
PIDS="$PIDS $!"

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY_B=b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
kw_config_iptables 3
cat >>"$T/kw.yaml" <<EOC
  four:
    sequence: [7100/tcp, 7200/tcp, 7300/tcp, 7400/tcp]
    timeout: 30
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  otp:
    hmac:
      users: [alice, bob]
      length: 4
      range: 11000-14999
    timeout: 30
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
users:
  alice: { key: "$KEY_A" }
  bob: { key: "$KEY_B" }
EOC
check "config checks" "$KW" -n -c "$T/kw.yaml"
check "daemon starts in the server namespace" kw_start "$T/kw.yaml"

# kmsg_mark: the kernel log's line count so far, for log_since.
kmsg_mark() { wc -l <"$T/kmsg" | tr -d ' '; }
# log_since MARK: this run's LOG lines after line MARK, as "DPT SPT".
log_since() {
	tail -n "+$(($1 + 1))" "$T/kmsg" | grep -F -e "$PREFIX" |
		sed -nE 's/.* SPT=([0-9]+) DPT=([0-9]+) .*/\2 \1/p'
}
# more_lines_than_knocks NAME: more LOG lines than the page's knocks.
more_lines_than_knocks() { [ "$(wc -l <"$T/$1.log")" -gt 4 ]; }
# another_source_port NAME: some knock's port was logged from two or more
# source ports (the browser's second connection).
another_source_port() {
	sort -u "$T/$1.log" | awk '{ n[$1]++ } END { for (p in n) if (n[p] > 1) f = 1; exit !f }'
}
# late_knock NAME: a LOG line for some knock's port came after the first
# for the knock two after it, as knock 1 after knock 3 (the page lists its
# knocks as "tcp/PORT sent").
late_knock() {
	grep -oE 'tcp/[0-9]+ sent' "$T/$1.json" | sed -E 's|tcp/([0-9]+) sent|\1|' |
		awk 'NR == FNR { at[$1] = FNR; next }
			($1 in at) && at[$1] > top { top = at[$1] }
			($1 in at) && at[$1] <= top - 2 { late = 1 }
			END { exit !late }' - "$T/$1.log"
}

# through DESC DOOR NAME GIVEUP STEPS: the page knocks with STEPS and
# "Give up each knock after" GIVEUP ms; the door opens, the kernel logged
# the browser's repeats, the daemon counted them as repeats and the
# client has no penalty.
through() {
	t_desc=$1 t_door=$2 t_name=$3
	t_m=$(log_mark)
	t_k=$(kmsg_mark)
	t_r0=$(status repeats)
	t_p0=$(status penalties)
	LINGER=8000
	check "$t_desc: the page says it knocked" browse "$t_name" "done" \
		"$(printf '%s,["type","delay","100"],["type","timeout","%s"]]' \
		"${5%]}" "$4")"
	LINGER=0
	log_since "$t_k" >"$T/$t_name.log"
	echo "  LOG lines (DPT SPT): $(tr '\n' ' ' <"$T/$t_name.log")"
	check "$t_desc: the door opened for the client" \
		wait_for 15 opened_since "$t_m" "$t_door" "$C4"
	check "$t_desc: more LOG lines than knocks" more_lines_than_knocks "$t_name"
	check "$t_desc: a knock came from a second source port" another_source_port "$t_name"
	# Whether Chromium's retransmits land after a later knock depends on
	# its timers and the machine's load: counted per run, and checked
	# once for all runs below (the interleaving must have been met).
	if late_knock "$t_name"; then
		late_runs=$((late_runs + 1))
		echo "  a knock was logged again after a knock two later"
	fi
	t_r1=$(status repeats)
	echo "  repeats $t_r0 -> $t_r1"
	check "$t_desc: the daemon counted repeats" [ "${t_r1:-0}" -gt "${t_r0:-0}" ]
	check "$t_desc: no penalty" [ "$(status penalties)" = "$t_p0" ]
}

late_runs=0
STATIC='[["click","kind-static"],["type","server","'"$S4"'"],["type","sequence","7100 7200 7300 7400"]]'
# An HMAC step opens once per user: each run knocks as its own user.
hmac() { echo '[["type","server","'"$S4"'"],["type","door","otp"],["type","user","'"$1"'"],["type","key","'"$2"'"],["type","range","11000-14999"]]'; }
through "static door, give up after 400 ms" four static-400 400 "$STATIC"
through "static door, give up after 1000 ms" four static-1000 1000 "$STATIC"
through "HMAC door, give up after 400 ms" otp hmac-400 400 "$(hmac alice "$KEY_A")"
through "HMAC door, give up after 1000 ms" otp hmac-1000 1000 "$(hmac bob "$KEY_B")"
check "the client was never penalised" [ "$(status penalised)" = 0 ]
check "in $late_runs of 4 runs a knock was logged again after a knock two later" \
	[ "$late_runs" -ge 1 ]

check "SIGTERM exits 0" kw_stop
show_on_failure
done_testing
