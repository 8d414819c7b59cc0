#!/bin/sh
# demo-sim.sh — `make demo` without packets (tests/demo.sh runs it when the
# real-packet demo, tests/net/demo.sh, cannot run): replays knock lines into
# a temporary kernel log and shows a door opening and closing through the log
# action.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
KW=$top/$build/knockwatch
T=$(mktemp -d /tmp/kwdemo.XXXXXX)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$T"' EXIT
# Signals end it through the EXIT trap (the daemon stopped, $T removed);
# HUP and PIPE (`make demo | head`) too, ignored from then on.
trap 'exit 130' INT TERM
trap 'trap "" HUP PIPE; exit 129' HUP
trap 'trap "" HUP PIPE; exit 141' PIPE

step() { printf '\n== %s\n' "$*"; }
line() {
	printf '%s fw kernel: [ 4242.000001] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=%s SPT=%s DPT=%s WINDOW=64240 RES=0x00 SYN URGP=0\n' \
	    "$(date '+%b %e %H:%M:%S')" "$1" "$2" "$3" "$4"
}

cat >"$T/knockwatch.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $T/kern.log
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 10
    start: [$top/actions/log, --file, $T/doors.log, open, "%SRC%", 22/tcp]
    stop:  [$top/actions/log, --file, $T/doors.log, close, "%SRC%", 22/tcp]
    stop_after: 3
EOC
step "configuration ($T/knockwatch.yaml), checked with knockwatch -n"
"$KW" -n -c "$T/knockwatch.yaml"
: >"$T/kern.log"
step "starting: knockwatch -c $T/knockwatch.yaml"
"$KW" -c "$T/knockwatch.yaml" 2>"$T/daemon.log" &
pid=$!
wait_for 10 grep -q started: "$T/daemon.log"
step "a scanner sweeps ports 6990-9010 from 198.51.100.9 (every wrong knock resets)"
p=6990
while [ $p -le 9010 ]; do line 198.51.100.9 TCP $((30000 + p)) $p; p=$((p + 1)); done >>"$T/kern.log"
step "203.0.113.7 knocks tcp/7000 udp/8000 tcp/9000 (as the firewall's LOG rule writes it)"
{
	line 203.0.113.7 TCP 40001 7000
	line 203.0.113.7 UDP 40002 8000
	line 203.0.113.7 TCP 40003 9000
} >>"$T/kern.log"
tail -n 3 "$T/kern.log" | cut -c1-160
wait_for 10 grep -q event=start "$T/doors.log"
step "the start command ran (actions/log transcript):"
cat "$T/doors.log"
step "waiting for stop_after (3 s)..."
wait_for 10 grep -q event=stop "$T/doors.log"
cat "$T/doors.log"
step "daemon log:"
kill -TERM "$pid"; wait "$pid" || true; pid=
cat "$T/daemon.log"
if grep -q "198.51.100.9" "$T/doors.log"; then echo "demo: the sweep opened a door!" >&2; exit 1; fi
step "done: the sweep opened nothing; the right sequence opened the door for 203.0.113.7 and closed it"
