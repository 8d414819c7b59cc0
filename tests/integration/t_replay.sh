#!/bin/sh
# t_replay.sh — `knockwatch replay`: a dry run of a log (plain and gzip) with
# the file's own timestamps; exact opens and counters, no action run.
. "$(dirname "$0")/lib.sh"

config_static 10 5
L=$T/replay.log
{
	echo "2026-11-23T10:00:00.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "2026-11-23T10:00:01.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.254 LEN=29 PROTO=UDP SPT=2 DPT=8000 LEN=9"
	echo "2026-11-23T10:00:02.000000+00:00 fw sshd[1]: Invalid user KNOCK: SRC=192.0.2.2 DST=192.0.2.254 PROTO=TCP SPT=3 DPT=7000"
	echo "2026-11-23T10:00:02.500000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=3 DPT=9000 WINDOW=1 RES=0x00 SYN URGP=0"
	# Timeout measured with the file's clock: 9000 comes 11 s after 7000.
	echo "2026-11-23T10:01:00.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.3 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "2026-11-23T10:01:05.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.3 DST=192.0.2.254 LEN=29 PROTO=UDP SPT=2 DPT=8000 LEN=9"
	echo "2026-11-23T10:01:11.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.3 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=3 DPT=9000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "2026-11-23T10:02:00.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.4 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "2026-11-23T10:02:01.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.4 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=2 DPT=7001 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "2026-11-23T10:02:02.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.4 DST=192.0.2.254 LEN=29 PROTO=UDP SPT=3 DPT=8000 LEN=9"
	echo "2026-11-23T10:02:03.000000+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.4 DST=192.0.2.254 LEN=60 PROTO=TCP SPT=4 DPT=9000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "Nov 23 10:03:00 fw kernel: [ 1.000000] KNOCK: IN=eth0 OUT= SRC=fd77:0000:0000:0000:0000:0000:0000:0002 DST=fd77::1 LEN=80 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0"
	echo "Nov 23 10:03:01 fw kernel: [ 2.000000] KNOCK: IN=eth0 OUT= SRC=fd77:0000:0000:0000:0000:0000:0000:0002 DST=fd77::1 LEN=49 PROTO=UDP SPT=2 DPT=8000 LEN=9"
	echo "Nov 23 10:03:02 fw kernel: [ 3.000000] KNOCK: IN=eth0 OUT= SRC=fd77:0000:0000:0000:0000:0000:0000:0002 DST=fd77::1 LEN=80 PROTO=TCP SPT=3 DPT=9000 WINDOW=1 RES=0x00 SYN URGP=0"
} >"$L"
"$KW" replay -c "$T/kw.yaml" "$L" >"$T/out" 2>&1
rc=$?
check "replay exits 0" test "$rc" -eq 0
check "opens for 192.0.2.1 at the file's time" grep -qx "2026-11-23T10:00:02Z open door ssh for 192.0.2.1" "$T/out"
check "IPv6 written expanded opens, canonical" grep -q "open door ssh for fd77::2\$" "$T/out"
check "exactly two opens (timeout by the file's clock, reset by 7001)" \
	test "$(grep -c ' open door ' "$T/out")" -eq 2
check "summary counts" grep -qx "lines 14 matched 13 ignored 1 rejected 0 overlong 0 knocks 13 resets 1 retransmits 0 repeats 0 expired 1 evictions 0 replays 0 opens 2" "$T/out"
check "no action ran" test ! -e "$ACT"
gzip -c "$L" >"$L.1.gz"
"$KW" replay -c "$T/kw.yaml" "$L.1.gz" >"$T/outgz" 2>&1
check "a rotated .gz file gives the same result" cmp -s "$T/out" "$T/outgz"
"$KW" replay -v -c "$T/kw.yaml" "$L" >"$T/outv" 2>&1
check "-v prints per-line results" grep -q "^line 3: ignored" "$T/outv"
check "-v prints knocks" grep -q "^line 1: knock 192.0.2.1 tcp/7000 sport 1" "$T/outv"
"$KW" replay -c "$T/kw.yaml" "$T/missing.log" >/dev/null 2>&1
rc=$?
check "missing file exits 66" test "$rc" -eq 66
done_testing
