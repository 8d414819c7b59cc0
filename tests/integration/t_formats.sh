#!/bin/sh
# t_formats.sh — issue 13 §1, §2, §4: every header format a user's log may
# have, replayed from the real lines in tests/data/parse/fmt-*.txt with each
# format's own time; lines the host sent (IN= empty) never knock; pattern:
# sources need the kernel tag and honour tcp_flags through a flags group;
# a journalctl -o the parser cannot read is refused; a source of unknown
# format warns once.
. "$(dirname "$0")/lib.sh"

D=$KW_TOP/tests/data/parse
# section FILE TITLE: the "line:" texts of the section "## TITLE" of FILE.
section() {
	awk -v t="## $2" '$0 == t { on = 1; next } /^## / { if (n) on = 0 }
	    on && sub(/^line: /, "") { n++; print }' "$1"
}

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KW13F3124: "
doors:
  lo:
    sequence: [47013/tcp, 47014/udp]
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
EOC

# §1: each journalctl -o format, rendered in UTC and in Europe/Berlin: the
# door opens once, at the lines' own time (10:19:53 UTC), read from the
# stamp's offset or zone name, as a Unix time, or as local time under TZ.
for tz in UTC Europe/Berlin; do
	title=UTC
	[ "$tz" = UTC ] || title="TZ=$tz"
	for f in short short-precise short-iso short-iso-precise short-full \
	    short-unix with-unit; do
		[ "$tz" = UTC ] || [ "$f" != short-unix ] || continue
		section "$D/fmt-journal.txt" "journalctl -o $f ($title)" \
		    >"$T/$f.log"
		TZ=$tz "$KW" replay -c "$T/kw.yaml" "$T/$f.log" >"$T/out" 2>&1
		check "journalctl -o $f ($title): opens at the line's time" \
		    grep -qx "2026-11-29T10:19:53Z open door lo for 127.0.0.1" \
		    "$T/out"
		check "journalctl -o $f ($title): 2 knocks, 1 open" grep -q \
		    "matched 2 ignored 2 .* opens 1\$" "$T/out"
	done
done
# short-monotonic has no wall-clock time: the knocks count, in order.
section "$D/fmt-journal.txt" "journalctl -o short-monotonic (UTC)" >"$T/mono.log"
"$KW" replay -c "$T/kw.yaml" "$T/mono.log" >"$T/out" 2>&1
check "journalctl -o short-monotonic: 1 open" grep -q "matched 2 .* opens 1\$" "$T/out"

# busybox syslogd: kern.warn lines open; user.notice "kernel:" is forged.
sed -n 's/^line: //p' "$D/fmt-busybox.txt" >"$T/bb.log"
TZ=UTC "$KW" replay -c "$T/kw.yaml" "$T/bb.log" >"$T/out" 2>&1
check "busybox syslogd: opens at the line's time" \
	grep -qx "2026-11-29T10:22:11Z open door lo for 127.0.0.1" "$T/out"
check "busybox syslogd: the user.notice kernel: line is no knock" \
	grep -q "lines 7 matched 2 ignored 5 " "$T/out"

# OpenWrt logread: a year and no host; the prefix glued to IN=.
cat >"$T/wrt.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "REJECT(src wan)"
doors:
  wrt:
    sequence: [21027/udp, 21028/udp, 21029/udp]
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
EOC
l=$(section "$D/fmt-public.txt" "OpenWrt logread (no host; \"facility.priority\"; LOG prefix glued to IN=)." | head -1)
for p in 21027 21028 21029; do
	printf '%s\n' "$l" | sed "s/DPT=21027/DPT=$p/"
done >"$T/wrt.log"
TZ=UTC "$KW" replay -c "$T/wrt.yaml" "$T/wrt.log" >"$T/out" 2>&1
check "OpenWrt logread: opens at the line's time (2017)" \
	grep -qx "2017-12-25T13:31:15Z open door wrt for 192.168.13.117" "$T/out"

# §2: the host's own packets (IN= empty) never knock, with no prefix and
# with UFW's AUDIT prefix: before, the host opened the door for itself.
for pfx in "" "[UFW AUDIT] "; do
	if [ -z "$pfx" ]; then
		sed '/prefix: "KW13F3124: "/d' "$T/kw.yaml"
	else
		sed "s|prefix: \"KW13F3124: \"|prefix: \"$pfx\"|" "$T/kw.yaml"
	fi >"$T/nopfx.yaml"
	{
		echo "Nov 29 10:19:53 vm kernel: ${pfx}IN= OUT=eth0 SRC=192.0.2.1 DST=198.51.100.9 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=47013 WINDOW=64240 RES=0x00 SYN URGP=0 "
		echo "Nov 29 10:19:53 vm kernel: ${pfx}IN= OUT=eth0 SRC=192.0.2.1 DST=198.51.100.9 LEN=30 TOS=0x00 PREC=0x00 TTL=64 ID=2 DF PROTO=UDP SPT=40001 DPT=47014 LEN=10 "
	} >"$T/out.log"
	"$KW" replay -c "$T/nopfx.yaml" "$T/out.log" >"$T/out" 2>&1
	check "outgoing packets (prefix '$pfx') are no knocks" \
		grep -q "matched 0 ignored 2 .* opens 0\$" "$T/out"
done

# §4: a pattern source counts kernel lines only, and its flags group lets
# tcp_flags apply: an ACK to the first port is no knock of a syn door.
cat >"$T/pat.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    pattern: 'KNOCK: .*SRC=(?<src>[^ ]*) .*PROTO=(?<proto>[^ ]*) SPT=(?<spt>[^ ]*) DPT=(?<dport>[^ ]*)(?: .*RES=0x[0-9a-f]+ (?<flags>(?:[A-Z]{3} )*)URGP=)?'
doors:
  ssh:
    sequence: [7000/tcp, 8000/tcp]
    tcp_flags: syn,!ack
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
EOC
pl() { # SRC DPORT FLAGS [TAG]
	echo "Nov 29 10:19:53 vm ${4:-kernel}: KNOCK: IN=eth0 OUT= SRC=$1 DST=192.0.2.1 LEN=60 PROTO=TCP SPT=4000 DPT=$2 WINDOW=1 RES=0x00 $3 URGP=0 "
}
{ pl 192.0.2.7 7000 "SYN"; pl 192.0.2.7 8000 "SYN"; } >"$T/p1.log"
"$KW" replay -c "$T/pat.yaml" "$T/p1.log" >"$T/out" 2>&1
check "pattern source: SYN knocks open" grep -q "opens 1\$" "$T/out"
{ pl 192.0.2.8 7000 "ACK"; pl 192.0.2.8 8000 "SYN"; } >"$T/p2.log"
"$KW" replay -c "$T/pat.yaml" "$T/p2.log" >"$T/out" 2>&1
check "pattern source: tcp_flags applies (ACK is no knock)" grep -q "opens 0\$" "$T/out"
{ pl 192.0.2.9 7000 "SYN" "kernel[812]"; pl 192.0.2.9 8000 "SYN" "logger"; } >"$T/p3.log"
"$KW" replay -c "$T/pat.yaml" "$T/p3.log" >"$T/out" 2>&1
check "pattern source: logger lines do not count" grep -q "matched 0 .* opens 0\$" "$T/out"

# §1: -n refuses a journalctl whose -o it cannot read, accepts the others.
jcfg() {
	cat >"$T/j.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - command: [journalctl, $1]
doors:
  lo:
    sequence: [47013/tcp, 47014/udp, 47015/tcp]
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
EOC
}
for a in "-k, -f, -o, json" "-kfojson" "--output=cat" "-k, --output, verbose"; do
	jcfg "$a"
	"$KW" -n -c "$T/j.yaml" >"$T/out" 2>&1
	rc=$?
	check "-n refuses journalctl $a (exit 78)" test "$rc" -eq 78
	check "-n says why ($a)" grep -q "cannot read" "$T/out"
done
for a in "-k, -f" "-k, -f, -o, short-precise" "-kfoshort-monotonic" \
    "--output=with-unit" "-u, ossh, -o, short-unix"; do
	jcfg "$a"
	"$KW" -n -c "$T/j.yaml" >"$T/out" 2>&1
	rc=$?
	check "-n accepts journalctl $a" test "$rc" -eq 0
done

# §1: a source of an unknown format warns once after 1,000 lines, quoting
# one, escaped.
config_static 5 1
start_kw
awk 'BEGIN { for (i = 0; i < 1100; i++)
	printf "{\"MESSAGE\":\"KNOCK: IN=eth0 \\u001b[31m %d\"}\n", i }' >>"$LOG"
wait_for 10 grep -q "not one syslog header" "$T/kw.err"
check "unknown format: warned" grep -q "not one syslog header" "$T/kw.err"
check "unknown format: the line quoted" grep -q 'a line: "{"MESSAGE":"KNOCK: IN=eth0' "$T/kw.err"
awk 'BEGIN { for (i = 0; i < 1100; i++) print "more " i }' >>"$LOG"
knock 192.0.2.50 7000/tcp 8000/udp 9000/tcp
wait_for 10 opened 192.0.2.50
check "unknown format: warned once" test "$(grep -c "not one syslog header" "$T/kw.err")" -eq 1
stop_kw
done_testing
