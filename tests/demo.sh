#!/bin/sh
# demo.sh — `make demo`: as root, with network namespaces, the real-packet
# demo (tests/net/demo.sh: a firewall, netcat knocks, a door opening and
# closing); otherwise says what that needs and runs the simulated demo
# (tests/demo-sim.sh: knock lines replayed into a temporary log).
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
if why=$(sh "$top/tests/net/demo.sh" --why "$build" 2>&1); then
	exec sh "$top/tests/net/demo.sh" "$build"
fi
echo "The real-packet demo (tests/net/demo.sh) cannot run here: $why."
echo "(It uses network namespaces, iptables, nftables and OpenBSD netcat, as"
echo "root: sudo make demo.)"
echo "Showing the simulated demo instead: knock lines written to a temporary log."
exec sh "$top/tests/demo-sim.sh" "$build"
