#!/bin/sh
# t_replay_why.sh — `knockwatch replay -v` answers "why didn't it open?":
# each knock line says what it did at each door it concerned (advance k/n,
# open, reset (expected ...), retransmit, repeat, expired, spent, denied,
# penalised, flags) and each ignored line why; and clients that repeat
# themselves (nmap's two probes per port, a browser's second connection
# and late retransmits) open, in replays of such interleavings.
. "$(dirname "$0")/lib.sh"

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
deny: [203.0.113.66/32]
penalty: { failures: 2, window: 60, ban: 600 }
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000, 9500]
    timeout: 10
    start: [/bin/true]
  web:
    sequence: [6000, 6500]
    tcp_flags: syn
    timeout: 10
    start: [/bin/true]
  otp:
    hmac:
      users: [alice]
      length: 3
      range: 20000-29999
    timeout: 20
    start: [/bin/true]
EOC
# line SECONDS SRC PROTO SPT DPT [FLAGS]: a kernel LOG line at 10:00:SECONDS
# (RFC 3339, so replay's clock is the file's).
line() {
	case $3 in
	tcp) printf '2026-11-23T10:%s+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=%s DST=192.0.2.254 LEN=60 TTL=64 PROTO=TCP SPT=%s DPT=%s WINDOW=1 RES=0x00 %s URGP=0\n' "$1" "$2" "$4" "$5" "${6:-SYN}" ;;
	udp) printf '2026-11-23T10:%s+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=%s DST=192.0.2.254 LEN=29 PROTO=UDP SPT=%s DPT=%s LEN=9\n' "$1" "$2" "$4" "$5" ;;
	esac
}

# 1. nmap's default scan, one run per knock: each port probed twice from
# two source ports ~100 ms apart (the interleaving nmap -Pn -p PORT sends).
L=$T/nmap.log
{
	line 00:00.000 192.0.2.1 tcp 51000 7000
	line 00:00.101 192.0.2.1 tcp 51001 7000
	line 00:01.000 192.0.2.1 udp 51002 8000
	line 00:01.102 192.0.2.1 udp 51003 8000
	line 00:02.000 192.0.2.1 tcp 51004 9000
	line 00:02.099 192.0.2.1 tcp 51005 9000
	line 00:03.000 192.0.2.1 tcp 51006 9500
	line 00:03.100 192.0.2.1 tcp 51007 9500
} >"$L"
"$KW" replay -v -c "$T/kw.yaml" "$L" >"$T/out" 2>&1
check "nmap's double probes open" grep -q " open door ssh for 192.0.2.1$" "$T/out"
check "the second probe is a repeat" grep -qx "line 2: knock 192.0.2.1 tcp/7000 sport 51001: ssh repeat" "$T/out"
check "nothing reset" grep -q " resets 0 .* repeats 3 " "$T/out"

# 2. A browser's fetch to each port, aborted after 400 ms: two connections
# per port (a backup connect job on a new source port) and SYNs
# retransmitted for seconds, so knock 1 arrives again after knock 3.
L=$T/browser.log
{
	line 01:00.000 192.0.2.2 tcp 40100 7000
	line 01:00.250 192.0.2.2 tcp 40101 7000
	line 01:00.400 192.0.2.2 udp 40102 8000
	line 01:00.800 192.0.2.2 tcp 40103 9000
	line 01:01.000 192.0.2.2 tcp 40100 7000
	line 01:01.050 192.0.2.2 tcp 40104 9000
	line 01:01.250 192.0.2.2 tcp 40101 7000
	line 01:01.400 192.0.2.2 udp 40102 8000
	line 01:02.800 192.0.2.2 tcp 40103 9000
	line 01:03.000 192.0.2.2 tcp 40100 7000
	line 01:03.200 192.0.2.2 tcp 40105 9500
	line 01:03.450 192.0.2.2 tcp 40106 9500
} >"$L"
"$KW" replay -v -c "$T/kw.yaml" "$L" >"$T/out" 2>&1
check "the browser's interleaving opens" grep -q " open door ssh for 192.0.2.2$" "$T/out"
check "a late retransmit of knock 1 is a repeat" grep -qx "line 5: knock 192.0.2.2 tcp/7000 sport 40100: ssh repeat" "$T/out"
check "no reset, no penalty" grep -q " resets 0 " "$T/out"

# 3. Every explanation, on real failures.
seq=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice \
	--time "$(date -u -d 2026-11-23T10:40:00Z +%s)")
L=$T/why.log
{
	line 02:00 192.0.2.3 tcp 1 7000                    # 1 advance 1/4
	line 02:01 192.0.2.3 tcp 1 7000                    # 2 retransmit
	line 02:02 192.0.2.3 tcp 2 9000                    # 3 reset (expected udp/8000)
	line 02:03 192.0.2.4 tcp 1 7000                    # 4
	line 02:20 192.0.2.4 udp 2 8000                    # 5 expired
	line 02:30 192.0.2.5 tcp 1 6000 ACK                # 6 flags
	line 02:31 203.0.113.66 tcp 1 7000                 # 7 denied
	line 02:40 198.51.100.9 tcp 1 7000                 # 8
	line 02:41 198.51.100.9 tcp 2 7001                 # 9 reset: failure 1
	line 02:42 198.51.100.9 tcp 3 7000                 # 10
	line 02:43 198.51.100.9 tcp 4 7002                 # 11 reset: failure 2, ban
	line 02:44 198.51.100.9 tcp 5 7000                 # 12 penalised
	echo "2026-11-23T10:02:45+00:00 fw kernel: OTHER: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.254 PROTO=TCP SPT=1 DPT=7000"   # 13
	echo "2026-11-23T10:02:46+00:00 fw sshd[12]: KNOCK: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.254 PROTO=TCP SPT=1 DPT=7000" # 14
	echo "garbage KNOCK: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.254 PROTO=TCP SPT=1 DPT=7000"                              # 15
	echo "2026-11-23T10:02:47+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.999 DST=192.0.2.254 PROTO=TCP SPT=1 DPT=7000" # 16
	echo "2026-11-23T10:02:48+00:00 fw kernel: KNOCK: IN=eth0 OUT= SRC=192.0.2.9 DST=192.0.2.254 PROTO=TCP SPT=1 DPT=70000" # 17
	for k in $seq; do line 40:00 192.0.2.20 "${k%/*}" 3 "${k#*/}"; done      # 18-20
	for k in $seq; do line 40:01 192.0.2.21 "${k%/*}" 4 "${k#*/}"; done      # 21-23 spent
} >"$L"
"$KW" replay -v -c "$T/kw.yaml" "$L" >"$T/out" 2>&1
want() { check "$1" grep -qxF "$2" "$T/out"; }
want "advance" "line 1: knock 192.0.2.3 tcp/7000 sport 1: ssh advance 1/4"
want "retransmit" "line 2: knock 192.0.2.3 tcp/7000 sport 1: ssh retransmit"
want "reset names the expected knock" "line 3: knock 192.0.2.3 tcp/9000 sport 2: ssh reset (expected udp/8000)"
want "expired, on its own line" "line 5: door ssh: attempt of 192.0.2.4 expired at 1/4"
want "a knock of no attempt" "line 5: knock 192.0.2.4 udp/8000 sport 2: nothing (no attempt, no door's first knock)"
want "flags" "line 6: knock 192.0.2.5 tcp/6000 sport 1: web flags"
want "denied" "line 7: knock 203.0.113.66 tcp/7000 sport 1: denied"
want "penalised, with the ban's time left" "line 12: knock 198.51.100.9 tcp/7000 sport 5: penalised (599 s left)"
want "no prefix" "line 13: ignored: no prefix"
want "not a kernel line" "line 14: ignored: not a kernel line"
want "header not recognised, and what to try" "line 15: ignored: header not recognised (for the kernel's lines try journalctl -k -o short, or dmesg or dmesg -T output)"
want "malformed SRC" "line 16: rejected: malformed SRC="
want "malformed DPT" "line 17: rejected: malformed DPT="
check "HMAC advance and open" grep -q "^line 20: knock 192.0.2.20 .*: otp open" "$T/out"
check "HMAC replay is spent" grep -q "^line 23: knock 192.0.2.21 .*: otp spent" "$T/out"
check "the line start is unchanged" grep -q "^line 1: knock 192.0.2.3 tcp/7000 sport 1" "$T/out"
done_testing
