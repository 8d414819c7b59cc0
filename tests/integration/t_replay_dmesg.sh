#!/bin/sh
# t_replay_dmesg.sh — `knockwatch replay` reads dmesg output, the log a
# host on kmsg: true has: plain dmesg ("[  12.345678] KNOCK: ..."; its
# time is this host's boot plus those seconds) and dmesg -T ("[Sun Nov 29
# 10:00:00 2026] KNOCK: ...", local time). The data are real output of
# both (tests/data/dmesg/README). A line of no known header says to try
# journalctl -k -o short.
. "$(dirname "$0")/lib.sh"

D=$KW_TOP/tests/data/dmesg
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "KWFIXC: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    start: [/bin/true]
EOC
check "the config loads" sh -c "'$KW' -n -c '$T/kw.yaml' >/dev/null 2>&1"

TZ=UTC "$KW" replay -c "$T/kw.yaml" "$D/dmesg-T.txt" >"$T/o" 2>&1
check "dmesg -T: the sequence opens, at the line's own (local) time" \
	grep -q "^2026-11-29T11:24:49Z open door ssh for 127.0.0.1$" "$T/o"
TZ=Europe/Paris "$KW" replay -c "$T/kw.yaml" "$D/dmesg-T.txt" >"$T/o" 2>&1
check "dmesg -T: the time is local (TZ)" \
	grep -q "^2026-11-29T10:24:49Z open door ssh for 127.0.0.1$" "$T/o"
"$KW" replay -v -c "$T/kw.yaml" "$D/dmesg-T.txt" >"$T/o" 2>&1
check "dmesg -T -v: each knock, and the other prefix's line" sh -c \
	"grep -q '^line 1: ignored: no prefix' '$T/o' &&
	 grep -q '^line 2: knock 127.0.0.1 tcp/7000 sport 47454: ssh advance 1/3' '$T/o' &&
	 grep -q '^line 3: knock 127.0.0.1 udp/8000 sport 53879: ssh advance 2/3' '$T/o' &&
	 grep -q '^line 4: knock 127.0.0.1 tcp/9000 sport 51010: ssh open' '$T/o'"
# dmesg -T pads a day below 10 with a space, as ctime does.
sed 's/Nov 29/Nov  9/' "$D/dmesg-T.txt" >"$T/day9.txt"
TZ=UTC "$KW" replay -c "$T/kw.yaml" "$T/day9.txt" >"$T/o" 2>&1
check "dmesg -T with a one-digit day" \
	grep -q "^2026-11-09T11:24:49Z open door ssh for 127.0.0.1$" "$T/o"

"$KW" replay -c "$T/kw.yaml" "$D/dmesg.txt" >"$T/o" 2>&1
check "plain dmesg: the sequence opens" \
	grep -q "open door ssh for 127.0.0.1$" "$T/o"
# Its time: this host's boot (now - uptime) + 14730.860 s.
boot_at() {
	t=$(sed -n 's/^\([0-9-]*T[0-9:]*Z\) open door ssh.*/\1/p' "$T/o")
	got=$(date -u -d "$t" +%s)
	want=$(($(date +%s) - $(cut -d. -f1 /proc/uptime) + 14730))
	[ $((got - want)) -ge -3 ] && [ $((got - want)) -le 3 ]
}
check "plain dmesg: the time is this host's boot plus the seconds" boot_at
"$KW" replay -v -c "$T/kw.yaml" "$D/dmesg.txt" >"$T/o" 2>&1
check "plain dmesg -v: each knock" sh -c \
	"grep -q '^line 1: ignored: no prefix' '$T/o' &&
	 grep -q '^line 4: knock 127.0.0.1 tcp/9000 sport 51010: ssh open' '$T/o'"
check "replay's summary counts 3 knocks" grep -q "knocks 3" "$T/o"

printf 'garbage KWFIXC: IN=lo SRC=127.0.0.1\n' >"$T/bad.txt"
"$KW" replay -v -c "$T/kw.yaml" "$T/bad.txt" >"$T/o" 2>&1
check "header not recognised: try journalctl -k -o short" grep -q \
	"^line 1: ignored: header not recognised (for the kernel's lines try journalctl -k -o short" "$T/o"
done_testing
