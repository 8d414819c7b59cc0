#!/bin/sh
# demo.sh — `make demo` with real packets (run by tests/demo.sh as root):
# builds three network namespaces on one link, hides port 22 of the server
# behind its firewall, knocks with netcat from the client, shows the port
# open for the client and still closed for another host, waits for the
# door to close, and removes everything. It touches nothing outside its
# namespaces except nf_log_all_netns, which it restores.
#
#   demo.sh [BUILD]   run the demo (BUILD: the build directory, default build)
#   demo.sh --why     exit 0 if the demo can run here, else print why, exit 1
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=build why=0
for a in "$@"; do
	case $a in
	--why) why=1 ;;
	*) build=$a ;;
	esac
done
KW_TOP=$top
KW_BUILD=$top/$build
# shellcheck source=tests/net/lib.sh
. "$top/tests/net/lib.sh"

if [ "$why" -eq 1 ]; then
	net_why && exit 0
	echo "$WHY"
	exit 1
fi

# A closed terminal (HUP) or a closed pipe (`make demo | head`: PIPE, or a
# failed write when SIGPIPE was ignored before the demo started, which a
# shell cannot trap) ends the demo as INT does: through the EXIT trap
# (net_cleanup), which stops the daemon, deletes the namespaces, stops the
# listeners and restores nf_log_all_netns. Both signals are ignored from
# then on, so the cleanup's own output cannot cut it short; one line on
# stderr says what happens.
gone() {
	trap "" HUP PIPE
	printf 'demo: %s: stopping and removing %s\n' "$1" \
		"${NETS:-nothing yet}" >&2 2>/dev/null
	exit "$2"
}
trap 'gone "terminal closed (HUP)" 129' HUP
trap 'gone "output closed (SIGPIPE)" 141' PIPE
lost() { gone "output closed (write failed)" 141; }

STOP_AFTER=5
step() { printf '\n== %s\n' "$*" || lost; }
say() { printf '   %s\n' "$*" || lost; }
# run_in LABEL NS CMD...: shows and runs a command in a namespace.
run_in() {
	r_label=$1 r_ns=$2
	shift 2
	printf '   %s$ %s\n' "$r_label" "$*" || lost
	ip netns exec "$r_ns" "$@" 2>&1 | sed 's/^/     /'
}
# try LABEL NS ADDR: a connect to the service, with the verdict.
try() {
	printf '   %s$ nc -z -w1 %s %s\n' "$1" "$3" "$SVC" || lost
	if can_connect "$2" "$3"; then
		printf '     -> connected: port %s is OPEN for %s\n' "$SVC" "$1"
		return 0
	fi
	printf '     -> no answer within 1 s: port %s is CLOSED for %s\n' "$SVC" "$1"
	return 1
}
die() {
	printf '\ndemo: %s\n' "$*" >&2
	if [ -s "$T/kw.err" ]; then
		echo "knockwatch's log:" >&2
		sed 's/^/   /' "$T/kw.err" >&2
	fi
	exit 1
}

echo "knockwatch demo with real packets (network namespaces; nothing outside them changes)" || lost

step "1. three network namespaces, one link (a bridge inside the server)"
net_setup d || die "cannot build the namespaces"
say "server  $NS_S  $S4  runs a TCP service on port $SVC (nc -lk) and knockwatch"
say "client  $NS_C  $C4  knows the knock sequence"
say "other   $NS_O  $O4  another host on the same link"
say "(nf_log_all_netns=1 for now, so the kernel logs firewall hits of namespaces)"

step "2. the server's firewall: port $SVC dropped, knock ports 7000-9999 logged and dropped"
for c in "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT" \
	"-A INPUT -p tcp --dport $SVC -j DROP" \
	"-A INPUT -p tcp --dport 7000:9999 -j LOG --log-prefix \"$PREFIX\"" \
	"-A INPUT -p tcp --dport 7000:9999 -j DROP" \
	"-A INPUT -p udp --dport 7000:9999 -j LOG --log-prefix \"$PREFIX\"" \
	"-A INPUT -p udp --dport 7000:9999 -j DROP"; do
	say "server# iptables $c"
done
fw_demo() {
	S iptables -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
		S iptables -w -A INPUT -p tcp --dport "$SVC" -j DROP || return 1
	for f_p in tcp udp; do
		S iptables -w -A INPUT -p "$f_p" --dport 7000:9999 -j LOG --log-prefix "$PREFIX" &&
			S iptables -w -A INPUT -p "$f_p" --dport 7000:9999 -j DROP || return 1
	done
}
fw_demo || die "cannot load the firewall rules"

step "3. knockwatch's configuration ($T/kw.yaml)"
kw_config_iptables "$STOP_AFTER"
sed 's/^/   | /' "$T/kw.yaml"
say "\$ knockwatch -n -c $T/kw.yaml"
"$KW" -n -c "$T/kw.yaml" 2>&1 | sed 's/^/     /'

step "4. starting knockwatch in the server namespace (it reads /dev/kmsg)"
say "server# knockwatch -c $T/kw.yaml"
kw_start "$T/kw.yaml" || die "knockwatch did not start"
sed 's/^/     /' "$T/kw.err"

step "5. before knocking"
try client "$NS_C" "$S4" && die "the port is open before any knock"

step "6. the client knocks with netcat: tcp/7000, udp/8000, tcp/9000"
m=$(log_mark)
say "client\$ nc -z -w1 $S4 7000"
nc_knock "$NS_C" "$S4" tcp/7000
say "client\$ echo | nc -u -w1 $S4 8000"
nc_knock "$NS_C" "$S4" udp/8000
say "client\$ nc -z -w1 $S4 9000"
nc_knock "$NS_C" "$S4" tcp/9000
wait_for 15 opened_since "$m" ssh "$C4" || die "the door did not open"

step "7. what the kernel logged (/dev/kmsg) and what knockwatch did"
dd if=/dev/kmsg iflag=nonblock bs=8192 2>/dev/null | grep -e ";$PREFIX" |
	sed -e 's/^[^;]*;/   kernel: /' -e 's/ MAC=[^ ]*//' -e 's/ TOS=.* PROTO=/ ... PROTO=/' \
		-e 's/ WINDOW=.*//' -e 's/ LEN=[0-9]* *$//'
tail -n "+$((m + 1))" "$T/kw.err" | grep -v debug: | sed 's/^/   /'

step "8. after the knock"
try client "$NS_C" "$S4" || die "the port is not open for the client"
try "other host" "$NS_O" "$S4" && die "the port is open for the other host"
say "the rule knockwatch added (actions/iptables list):"
S "$ACTIONS/iptables" list | sed 's/^/     /'

step "9. waiting for stop_after ($STOP_AFTER s) to close the door"
wait_for 30 cannot_connect "$NS_C" "$S4" || die "the door did not close"
tail -n 5 "$T/kw.err" | grep -e "closed for" | sed 's/^/   /'
try client "$NS_C" "$S4" && die "the port is still open"

step "10. cleaning up: knockwatch stopped, namespaces deleted, nf_log_all_netns restored"
kw_stop || die "knockwatch did not exit cleanly"
net_cleanup
echo
echo "done: the knock opened port $SVC for the client only, and it closed again."
