# shellcheck shell=sh
# lib.sh — the network-namespace rig of the end-to-end tests (sourced,
# POSIX sh). It builds three namespaces of its own: a server (bridge kwbr0
# with 10.203.1.1/24 and fd42:4b57:1::1/64), a client (.2/::2) and another
# host on the same link (.3/::3), joined by veth pairs; it never touches the
# host's interfaces or firewall and sends only to these addresses. The
# kernel's LOG lines of every namespace reach /dev/kmsg while
# net.netfilter.nf_log_all_netns is 1, so each run uses its own LOG prefix
# ("KW<tag><pid>: ") and the daemon only ever sees its own knocks.
# Everything it starts is stopped by PID, everything it creates is removed,
# on success, failure and interruption alike. Scenarios poll with deadlines
# (wait_for), never a fixed sleep, and print "N passed, N failed" last; as
# non-root (or without netns) they print why and "0 passed, 0 failed, N
# skipped". wait_for, now_ms and the ok/not_ok/check/check_not counters come
# from tests/lib/common.sh.
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KW_BUILD=${KW_BUILD:-$KW_TOP/build}
KW=$KW_BUILD/knockwatch
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
# shellcheck disable=SC2034 # used by the scenarios that source this file
ACTIONS=$KW_TOP/actions
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

ID=$$
NS_S=kwS$ID
NS_C=kwC$ID
NS_O=kwO$ID
S4=10.203.1.1
C4=10.203.1.2
O4=10.203.1.3
S6=fd42:4b57:1::1
C6=fd42:4b57:1::2
O6=fd42:4b57:1::3
SVC=22
# nf_log_all_netns, shared with concurrent runs (NFLOG, nflog_on/off).
. "$KW_TOP/tests/net/nflog.sh"

# Configs hold inline keys: knockwatch refuses them when others can read.
umask 077
pass=0
fail=0
T=
KWPID=
PIDS=
RSPID=
NETS=

# done_testing: as common.sh's, with a warning first if nf_log_all_netns
# was reset during the run.
done_testing() {
	if [ "$NFLOG_HELD" -eq 1 ] && [ "$(cat "$NFLOG")" != 1 ]; then
		echo "warning: another process reset $NFLOG during the run; LOG lines of the namespaces were lost from then on"
		echo "warning: (scripts that need it should register in $NFLOG_DIR as tests/net/lib.sh does)"
	fi
	print_counts
}

# net_why [rsyslog]: fails, with the reason in $WHY, unless the rig can
# run: root, the built daemon, a working "ip netns", the firewall tools,
# OpenBSD netcat, the nf_log_all_netns switch (and rsyslogd when asked).
net_why() {
	WHY=
	if [ "$(id -u)" -ne 0 ]; then
		WHY="needs root (network namespaces, firewall rules, /dev/kmsg, nf_log_all_netns)"
		return 1
	fi
	if [ ! -x "$KW" ]; then
		WHY="$KW not built (run make)"
		return 1
	fi
	for r_t in ip iptables ip6tables nft nc "$@"; do
		[ "$r_t" = rsyslog ] && r_t=rsyslogd
		if ! command -v "$r_t" >/dev/null 2>&1; then
			WHY="$r_t not installed"
			return 1
		fi
	done
	if ! nc -h 2>&1 | grep -q -- '-z.*Zero-I/O'; then
		WHY="nc is not OpenBSD netcat (apt-get install netcat-openbsd)"
		return 1
	fi
	if [ ! -w "$NFLOG" ]; then
		WHY="$NFLOG is missing or read-only: LOG lines of a namespace cannot reach the kernel log"
		return 1
	fi
	if [ ! -r /dev/kmsg ]; then
		WHY="/dev/kmsg is not readable"
		return 1
	fi
	if ! r_err=$(ip netns add "kwprobe$ID" 2>&1); then
		WHY="cannot create a network namespace: $r_err"
		return 1
	fi
	ip netns del "kwprobe$ID"
}
# net_require N [rsyslog]: skips the scenario (N checks) unless net_why.
net_require() {
	r_n=$1
	shift
	net_why "$@" || skip_all "$r_n" "$WHY"
}

# in_ns NS CMD...: runs CMD in namespace NS.
in_ns() {
	i_ns=$1
	shift
	ip netns exec "$i_ns" "$@"
}
S() { in_ns "$NS_S" "$@"; }
C() { in_ns "$NS_C" "$@"; }
O() { in_ns "$NS_O" "$@"; }

# bg_ns NS CMD...: starts CMD in NS in the background, remembers its PID
# (ip netns exec execs CMD, so $! is CMD itself).
bg_ns() {
	b_ns=$1
	shift
	ip netns exec "$b_ns" "$@" </dev/null &
	PIDS="$PIDS $!"
}

# net_cleanup: the EXIT trap. Stops the daemon (SIGTERM so it closes its
# doors, SIGKILL after 5 s), our rsyslogd and listeners, any process left in
# our namespaces, deletes the namespaces, restores nf_log_all_netns.
net_cleanup() {
	trap - EXIT INT TERM
	if [ -n "$KWPID" ]; then
		kill -TERM "$KWPID" 2>/dev/null
		c_end=$(($(now_ms) + 5000))
		while kill -0 "$KWPID" 2>/dev/null && [ "$(now_ms)" -lt "$c_end" ]; do
			sleep "$KW_POLL"
		done
		kill -KILL "$KWPID" 2>/dev/null
		wait "$KWPID" 2>/dev/null
		KWPID=
	fi
	rsyslog_stop
	for c_p in $PIDS; do kill "$c_p" 2>/dev/null; done
	for c_n in $NETS; do
		for c_p in $(ip netns pids "$c_n" 2>/dev/null); do
			kill -KILL "$c_p" 2>/dev/null
		done
	done
	for c_p in $PIDS; do wait "$c_p" 2>/dev/null; done
	PIDS=
	for c_n in $NETS; do ip netns del "$c_n" 2>/dev/null; done
	NETS=
	nflog_off
	if [ -n "$T" ]; then rm -rf "$T"; fi
}

# net_setup TAG: the temporary directory, the three namespaces, the LOG
# prefix "KW<TAG><pid>: " in $PREFIX, nf_log_all_netns on, and TCP
# listeners on the service port of the server's two addresses.
net_setup() {
	T=$(mktemp -d "/tmp/kwnet$1.XXXXXX")
	PREFIX="KW$1$ID: "
	trap net_cleanup EXIT
	trap 'exit 130' INT TERM
	for s_n in "$NS_S" "$NS_C" "$NS_O"; do
		ip netns add "$s_n" || return 1
		NETS="$NETS $s_n"
		ip -n "$s_n" link set lo up || return 1
	done
	# The server's bridge is the link; the client and the other host
	# each plug into it with a veth pair created inside the namespaces.
	ip -n "$NS_S" link add kwbr0 type bridge forward_delay 0 stp_state 0 || return 1
	ip link add kwc0 netns "$NS_S" type veth peer name eth0 netns "$NS_C" || return 1
	ip link add kwo0 netns "$NS_S" type veth peer name eth0 netns "$NS_O" || return 1
	for s_l in kwc0 kwo0; do
		ip -n "$NS_S" link set "$s_l" master kwbr0 up || return 1
	done
	ip -n "$NS_S" link set kwbr0 up || return 1
	ip -n "$NS_C" link set eth0 up || return 1
	ip -n "$NS_O" link set eth0 up || return 1
	ip -n "$NS_S" addr add "$S4/24" dev kwbr0 &&
		ip -n "$NS_S" addr add "$S6/64" dev kwbr0 nodad &&
		ip -n "$NS_C" addr add "$C4/24" dev eth0 &&
		ip -n "$NS_C" addr add "$C6/64" dev eth0 nodad &&
		ip -n "$NS_O" addr add "$O4/24" dev eth0 &&
		ip -n "$NS_O" addr add "$O6/64" dev eth0 nodad || return 1
	nflog_on
	bg_ns "$NS_S" nc -dlk "$S4" "$SVC"
	bg_ns "$NS_S" nc -dlk "$S6" "$SVC"
	# The rig works once, before any firewall rule, both hosts reach the
	# service on both families.
	wait_for 10 can_connect "$NS_C" "$S4" && wait_for 10 can_connect "$NS_O" "$S4" &&
		wait_for 10 can_connect "$NS_C" "$S6" && wait_for 10 can_connect "$NS_O" "$S6"
}

# fw_iptables: the server's iptables/ip6tables rules: established traffic
# passes, the service port is dropped, the knock range 7000-29999 (tcp and
# udp) is logged with $PREFIX and dropped.
fw_iptables() {
	for f_c in iptables ip6tables; do
		S "$f_c" -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
			S "$f_c" -w -A INPUT -p tcp --dport "$SVC" -j DROP || return 1
		for f_p in tcp udp; do
			S "$f_c" -w -A INPUT -p "$f_p" --dport 7000:29999 \
				-j LOG --log-prefix "$PREFIX" &&
				S "$f_c" -w -A INPUT -p "$f_p" --dport 7000:29999 -j DROP ||
				return 1
		done
	done
}

# fw_nft: the same with nftables "log prefix"; the service drop exempts
# the mark of actions/nftables (0x4b57), as its header asks.
fw_nft() {
	S nft -f - <<EOF
table inet kwtest {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
		meta mark != 0x4b57 tcp dport $SVC drop
		meta l4proto { tcp, udp } th dport 7000-29999 log prefix "$PREFIX" drop
	}
}
EOF
}

# kw_start CONF: runs the daemon in the server namespace (so its actions
# change the server's firewall) and waits until it has started.
kw_start() {
	: >>"$T/kw.err"
	k_mark=$(log_mark)
	ip netns exec "$NS_S" "$KW" -c "$1" -vv 2>>"$T/kw.err" </dev/null &
	KWPID=$!
	wait_for 20 logged_since "$k_mark" "started:"
}
# kw_stop: SIGTERM (every open door is closed), returns the exit status.
kw_stop() {
	[ -n "$KWPID" ] || return 0
	kill -TERM "$KWPID" 2>/dev/null
	wait "$KWPID"
	k_rc=$?
	KWPID=
	return $k_rc
}

# log_mark: the daemon log's line count, for logged_since.
log_mark() { wc -l <"$T/kw.err" | tr -d ' '; }
# logged_since MARK TEXT: the daemon logged TEXT after line MARK.
logged_since() { tail -n "+$(($1 + 1))" "$T/kw.err" | grep -qF -e "$2"; }
# opened_since MARK DOOR SRC: the door's start command for SRC ran and
# exited 0 after line MARK of the daemon log ("door D start for SRC[ user
# U]: exit 0 in N ms").
opened_since() {
	tail -n "+$(($1 + 1))" "$T/kw.err" |
		grep -F -e "door $2 start for $3: " -e "door $2 start for $3 user " |
		grep -q ": exit 0 in "
}

# status FIELD: the daemon's counter FIELD from a fresh SIGUSR1 report.
status() {
	s_before=$(grep -c "status: reloads" "$T/kw.err")
	kill -USR1 "$KWPID" 2>/dev/null || return 1
	s_end=$(($(now_ms) + 10000))
	while [ "$(grep -c "status: reloads" "$T/kw.err")" -le "$s_before" ]; do
		[ "$(now_ms)" -ge "$s_end" ] && return 1
		sleep "$KW_POLL"
	done
	grep "status: .* $1 [0-9]" "$T/kw.err" | tail -n 1 |
		sed -E "s/.* $1 ([0-9]+).*/\\1/"
}
# status_ge FIELD N: the counter has reached N.
status_ge() {
	s_v=$(status "$1") || return 1
	[ -n "$s_v" ] && [ "$s_v" -ge "$2" ]
}

# can_connect NS ADDR [PORT]: a TCP connect from NS to ADDR:PORT (default
# the service port) succeeds within a second; cannot_connect the opposite.
can_connect() { in_ns "$1" nc -z -w1 "$2" "${3:-$SVC}" 2>/dev/null; }
cannot_connect() { ! can_connect "$@"; }

# probe NAME NS ADDR [PORT]: a can_connect in the background, so that
# several take one second together, inside a door's stop_after; after
# probes_wait, "probed NAME open|closed" tells the result. Probing the
# client together with the others shows the door was open meanwhile.
PROBES=
probe() {
	p_name=$1
	shift
	if can_connect "$@"; then echo open; else echo closed; fi >"$T/probe.$p_name" &
	PROBES="$PROBES $!"
}
probes_wait() {
	for p_pid in $PROBES; do wait "$p_pid"; done
	PROBES=
}
probed() { [ "$(cat "$T/probe.$1" 2>/dev/null)" = "$2" ]; }

# nc_knock NS ADDR PROTO/PORT[:WAIT]...: plain netcat knocks, as a user
# without the client types them (TCP: nc -z -wWAIT, one SYN and, with a
# WAIT of 2 or more, its retransmission; UDP: one datagram).
nc_knock() {
	n_ns=$1 n_addr=$2
	shift 2
	for n_k in "$@"; do
		n_w=1
		case $n_k in *:*) n_w=${n_k#*:} n_k=${n_k%:*} ;; esac
		case $n_k in
		udp/*) echo | in_ns "$n_ns" nc -u -w"$n_w" "$n_addr" "${n_k#udp/}" ;;
		*) in_ns "$n_ns" nc -z -w"$n_w" "$n_addr" "${n_k#tcp/}" ;;
		esac
	done >/dev/null 2>&1
	return 0
}

# rsyslog_start: a private rsyslogd that reads /dev/kmsg (imkmsg: every
# reader has its own position, so it steals nothing from a system rsyslogd
# or another test) and writes only kernel messages carrying $PREFIX to
# $T/kern.log, as the rsyslog rule knockwatch recommends.
rsyslog_start() {
	mkdir -p "$T/rsyslog"
	cat >"$T/rsyslog.conf" <<EOF
global(workDirectory="$T/rsyslog")
module(load="imkmsg")
if \$syslogfacility-text == "kern" and \$msg contains "$PREFIX" then {
	action(type="omfile" file="$T/kern.log")
}
EOF
	: >"$T/kern.log"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog/rsyslogd.pid" \
		</dev/null >>"$T/rsyslog.err" 2>&1 &
	RSPID=$!
	# Alive, and has opened /dev/kmsg.
	wait_for 10 has_kmsg_open "$RSPID"
}
# has_kmsg_open PID: the process holds /dev/kmsg open.
has_kmsg_open() {
	for h_f in /proc/"$1"/fd/*; do
		[ "$(readlink "$h_f" 2>/dev/null)" = /dev/kmsg ] && return 0
	done
	return 1
}
# rsyslog_stop: stops only the rsyslogd this run started.
rsyslog_stop() {
	[ -n "$RSPID" ] || return 0
	kill -TERM "$RSPID" 2>/dev/null
	wait "$RSPID" 2>/dev/null
	RSPID=
}

# show_on_failure: prints the daemon's log when a check failed.
show_on_failure() {
	[ "$fail" -eq 0 ] && return 0
	echo "--- daemon log ($T/kw.err), last 60 lines"
	tail -n 60 "$T/kw.err" 2>/dev/null
}

# kw_config_iptables STOP_AFTER: $T/kw.yaml with the kmsg source and the
# static ssh door run by actions/iptables (tests may append more doors).
kw_config_iptables() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "$PREFIX"
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: $1
EOC
}

# check_ipv6_door: with a door just opened for the client's IPv6 address,
# the other host and the client's IPv4 address stay closed while it is open,
# and stop_after closes it.
check_ipv6_door() {
	probe o6 "$NS_O" "$S6"
	probe c4 "$NS_C" "$S4"
	probe c6 "$NS_C" "$S6"
	probes_wait
	check "the other host cannot connect over IPv6" probed o6 closed
	check "the IPv6 door is not an IPv4 door" probed c4 closed
	check "(the IPv6 door was open for the client meanwhile)" probed c6 open
	check "stop_after closes the IPv6 door" wait_for 20 cannot_connect "$NS_C" "$S6"
}
