#!/bin/sh
# t_demo_signals.sh — `make demo` cut short by a closed terminal (HUP) or a
# closed pipe (`make demo | head`, PIPE) leaves nothing behind: no network
# namespace, no knockwatch daemon, and nf_log_all_netns no longer held by
# the demo (it used to leave all three), no nc listener; also when SIGPIPE
# was ignored before the demo started (a shell cannot trap it then: a
# failed write ends the demo).
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

net_require 16
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
check "HUP: namespaces, daemon and nf_log hold are gone" wait_for 30 no_demo_left "$p"

# PIPE: the demo's output into a pipe whose reader goes away.
mkfifo "$T/fifo"
sh -c 'echo $$ >"$1"; exec sh "$2/tests/net/demo.sh" build' sh "$T/pid" "$KW_TOP" >"$T/fifo" 2>/dev/null &
exec 3<"$T/fifo"
wait_for 10 test -s "$T/pid"
p=$(cat "$T/pid")
check "PIPE: the demo builds its namespaces" wait_for 30 demo_ns "$p"
exec 3<&-
check "PIPE: the demo ends once its reader is gone" wait_for 60 gone "$p"
check "PIPE: namespaces, daemon and nf_log hold are gone" wait_for 30 no_demo_left "$p"
# `make demo | head`, as a user types it: the names of what the demo is
# removing are on its stderr; none of them, and no listener of its
# namespaces, is left once the pipeline returns. Listeners of other runs
# (other namespaces, started before) are not counted.
nc_before=$(pgrep -x nc | sort)
# leaked_nc NAMES: nc processes new since nc_before in one of NAMES or in
# no named namespace (one whose name was deleted while it still ran).
leaked_nc() {
	for l_p in $(pgrep -x nc); do
		echo "$nc_before" | grep -qx "$l_p" && continue
		l_ns=$(ip netns identify "$l_p" 2>/dev/null) || continue
		case " $1 " in *" $l_ns "*) echo "$l_p" ;; esac
		[ -z "$l_ns" ] && echo "$l_p"
	done
}
no_daemon() { ! pgrep -f "$KW_TOP/build/knockwatch -c /tmp/kwnetd" >/dev/null; }
nothing_left() {
	for n_n in $1; do ip netns list | grep -q "^$n_n\b" && return 1; done
	[ -z "$(leaked_nc "$1")" ]
}
for how in default ignored; do
	if [ "$how" = ignored ]; then
		(trap '' PIPE; make -s --no-print-directory -C "$KW_TOP" demo 2>"$T/$how.err" | head -12 >"$T/$how.out")
		why="output closed (write failed)"
	else
		(make -s --no-print-directory -C "$KW_TOP" demo 2>"$T/$how.err" | head -12 >"$T/$how.out")
		why="output closed (SIGPIPE)"
	fi
	names=$(sed -n "s/^demo: $why: stopping and removing *//p" "$T/$how.err")
	check "make demo | head -12 (SIGPIPE $how): the demo says it stops and what it removes ($names)" \
		sh -c "echo '$names' | grep -Eq '^kwS[0-9]+ kwC[0-9]+ kwO[0-9]+\$'"
	check "... it had shown its first lines" grep -q "^== 1. three network namespaces" "$T/$how.out"
	check "... no namespace and no nc listener of it left" wait_for 10 nothing_left "$names"
	check "... no daemon left" wait_for 10 no_daemon
done
done_testing
