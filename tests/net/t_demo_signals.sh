#!/bin/sh
# t_demo_signals.sh — `make demo` cut short by a closed terminal (HUP) or a
# closed pipe (`make demo | head`, PIPE) leaves nothing behind: no network
# namespace, no knockwatch daemon, and nf_log_all_netns no longer held by
# the demo (it used to leave all three).
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

net_require 8
T=$(mktemp -d /tmp/kwdemosig.XXXXXX)
trap 'rm -rf "$T"' EXIT

# demo_ns PID: the namespaces of the demo run PID exist.
demo_ns() { ip netns list | grep -q "^kwS$1\\b"; }
no_demo_left() {
	! ip netns list | grep -q -e "^kw[SCO]$1\\b" &&
		! pgrep -f "$KW_TOP/build/knockwatch -c /tmp/kwnetd" >/dev/null &&
		[ ! -e "$NFLOG_DIR/$1" ]
}
gone() { ! kill -0 "$1" 2>/dev/null; }

# HUP: the demo run in the background, hung up once its namespaces exist.
sh "$KW_TOP/tests/net/demo.sh" build >"$T/hup.out" 2>&1 &
p=$!
check "HUP: the demo builds its namespaces" wait_for 30 demo_ns "$p"
kill -HUP "$p"
check "HUP: the demo ends" wait_for 30 gone "$p"
check "HUP: namespaces, daemon and nf_log hold are gone" wait_for 10 no_demo_left "$p"

# PIPE: the demo's output into a pipe whose reader goes away.
mkfifo "$T/fifo"
sh -c 'echo $$ >"$1"; exec sh "$2/tests/net/demo.sh" build' sh "$T/pid" "$KW_TOP" >"$T/fifo" 2>/dev/null &
exec 3<"$T/fifo"
wait_for 10 test -s "$T/pid"
p=$(cat "$T/pid")
check "PIPE: the demo builds its namespaces" wait_for 30 demo_ns "$p"
exec 3<&-
check "PIPE: the demo ends once its reader is gone" wait_for 60 gone "$p"
check "PIPE: namespaces, daemon and nf_log hold are gone" wait_for 10 no_demo_left "$p"
done_testing
