#!/bin/sh
# t_shared.sh — real packets, two doors that open the same port for the same
# source (as the sample's ssh and ssh-otp do), with the shipped actions on a
# real rule set, iptables then nftables: each door owns its rule, so when
# the short door closes the client keeps the long door's access, and at
# SIGTERM the two stops both succeed (they used to race for one shared
# rule, and the first close took the other door's access away).
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

net_require 28
net_setup x || { echo "cannot build the namespaces"; exit 1; }

# config_shared ACTION [ARGS...]: doors short (stop_after 3) and long
# (stop_after 300), both opening $SVC/tcp for %SRC% with ACTION.
config_shared() {
	c_act=$1
	shift
	c_extra=""
	for c_a in "$@"; do c_extra="$c_extra, $c_a"; done
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "$PREFIX"
doors:
  short:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 15
    start: [$ACTIONS/$c_act, open, "%SRC%", $SVC/tcp$c_extra]
    stop: [$ACTIONS/$c_act, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  long:
    sequence: [7100/tcp, 7200/tcp, 7300/tcp]
    timeout: 15
    start: [$ACTIONS/$c_act, open, "%SRC%", $SVC/tcp$c_extra]
    stop: [$ACTIONS/$c_act, close, "%SRC%", $SVC/tcp]
    stop_after: 300
EOC
}
# ipt_rules: the knockwatch rules of the server's INPUT chain.
ipt_rules() { S iptables -w -S INPUT | grep -e '--comment knockwatch'; }
two_rules() {
	[ "$(ipt_rules | grep -c "^-A INPUT -s $C4/32 .*--dport $SVC ")" -eq 2 ] &&
		ipt_rules | grep -q -e '--comment knockwatch-short ' &&
		ipt_rules | grep -q -e '--comment knockwatch-long '
}
only_long_rule() {
	[ "$(ipt_rules | grep -c .)" -eq 1 ] &&
		ipt_rules | grep -q -e '--comment knockwatch-long '
}
no_ipt_rules() { [ -z "$(ipt_rules)" ]; }
no_nft_elements() {
	! S nft list table inet knockwatch 2>/dev/null | grep -q "elements ="
}
# scenario LABEL: the shared-port scenario with the running daemon.
scenario() {
	m=$(log_mark)
	nc_knock "$NS_C" "$S4" tcp/7100 tcp/7200 tcp/7300
	check "$1: the long door opens" wait_for 15 opened_since "$m" long "$C4"
	m=$(log_mark)
	nc_knock "$NS_C" "$S4" tcp/7000 udp/8000 tcp/9000
	check "$1: the short door opens the same port for the same source" \
		wait_for 15 opened_since "$m" short "$C4"
	check "$1: the client can connect" can_connect "$NS_C" "$S4"
	"$1"_both
	check "$1: the short door closes at its stop_after" \
		wait_for 20 logged_since "$m" "door short closed for $C4"
	"$1"_after_short
	check "$1: the client still connects through the long door" can_connect "$NS_C" "$S4"
	check "$1: the other host still cannot connect" cannot_connect "$NS_O" "$S4"
	m=$(log_mark)
	nc_knock "$NS_C" "$S4" tcp/7000 udp/8000 tcp/9000
	check "$1: the short door opens again" wait_for 15 opened_since "$m" short "$C4"
	check "$1: SIGTERM closes both and exits 0" kw_stop
	check "$1: both stops succeeded, no stop failed" sh -c \
		"! tail -n +$((m + 1)) '$T/kw.err' | grep -q -e 'DOOR STILL OPEN' -e 'stop for .*failed'"
	check "$1: the client cannot connect any more" cannot_connect "$NS_C" "$S4"
}
iptables_both() { check "iptables: a rule for each door" two_rules; }
iptables_after_short() { check "iptables: the long door's rule is left" only_long_rule; }
# nft_has SET: the server's knockwatch table holds the client's element in
# SET.
nft_has() {
	S nft list set inet knockwatch "$1" 2>/dev/null |
		grep -q "elements = { $C4 \. tcp \. $SVC "
}
nft_both() { nft_has d4_short && nft_has d4_long; }
nft_only_long() { ! nft_has d4_short && nft_has d4_long; }
nftables_both() { check "nftables: an element in each door's set" nft_both; }
nftables_after_short() { check "nftables: the long door's element is left" nft_only_long; }

fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }
config_shared iptables
check "iptables: the daemon starts" kw_start "$T/kw.yaml"
scenario iptables
check "iptables: no knockwatch rule is left" no_ipt_rules

S iptables -w -F INPUT
S ip6tables -w -F INPUT
fw_nft || { echo "cannot load the server's nftables rules"; exit 1; }
config_shared nftables --timeout 600
check "nftables: the daemon starts" kw_start "$T/kw.yaml"
scenario nftables
check "nftables: no element is left" no_nft_elements
show_on_failure
done_testing
