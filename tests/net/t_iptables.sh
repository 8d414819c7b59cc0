#!/bin/sh
# t_iptables.sh — real packets, iptables: the server logs and drops the
# knock range with "-j LOG --log-prefix", knockwatch reads /dev/kmsg and
# opens the service with actions/iptables. From the client namespace:
# closed at first; `knockwatch knock --sequence` and plain nc knocks (one
# with -w3, so its SYN is retransmitted) open it for the client only, the
# other host on the link still cannot connect, stop_after closes it; a wrong
# sequence does not open; IPv6 works; forged LOG lines written to /dev/kmsg
# by a process do not open; after kill -9 a restarted daemon closes the
# journaled door (on time, or at once when its time ran out); SIGTERM
# closes an open door and leaves no rule.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

# only_rule_for SRC/LEN: the knockwatch rules in the server's INPUT chain
# (iptables, or ip6tables for an address with a colon) are exactly one
# ACCEPT of the service port for SRC.
only_rule_for() {
	o_cmd=iptables
	case $1 in *:*) o_cmd=ip6tables ;; esac
	o_rules=$(S "$o_cmd" -w -S INPUT | grep -e '--comment knockwatch')
	[ "$(printf '%s\n' "$o_rules" | grep -c .)" -eq 1 ] &&
		printf '%s\n' "$o_rules" | grep -q -e "-s $1 .*--dport $SVC .*-j ACCEPT"
}
no_rules_left() { [ -z "$(S "$ACTIONS/iptables" list)" ]; }

net_require 49
net_setup i || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }

kw_config_iptables 3
cat >>"$T/kw.yaml" <<EOC
  long:
    sequence: [7100/tcp, 7200/tcp, 7300/tcp]
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 300
EOC
config_ok() { "$KW" -n -c "$1" >/dev/null; }
check "config checks" config_ok "$T/kw.yaml"
check "daemon starts in the server namespace (kmsg source)" kw_start "$T/kw.yaml"

probe c4 "$NS_C" "$S4"
probe o4 "$NS_O" "$S4"
probe c6 "$NS_C" "$S6"
probes_wait
check "service closed to the client (IPv4)" probed c4 closed
check "service closed to the other host (IPv4)" probed o4 closed
check "service closed to the client (IPv6)" probed c6 closed

# knockwatch knock with a static sequence.
m=$(log_mark)
C "$KW" knock "$S4" --sequence "7000/tcp 8000/udp 9000/tcp" >/dev/null 2>&1
check "knockwatch knock --sequence: the start command ran" wait_for 15 opened_since "$m" ssh "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "the door is one ACCEPT rule for the client's address" only_rule_for "$C4/32"
probe o4 "$NS_O" "$S4"
probe c4 "$NS_C" "$S4"
probes_wait
check "the other host on the link still cannot connect" probed o4 closed
check "(the door was open for the client meanwhile)" probed c4 open
check "stop_after closes it again" wait_for 20 cannot_connect "$NS_C" "$S4"
check "no knockwatch rule is left after the close" no_rules_left

# Plain netcat knocks; the first with -w3 retransmits its SYN (same source
# port), which must not count as a new knock.
r0=$(status retransmits)
m=$(log_mark)
nc_knock "$NS_C" "$S4" tcp/7000:3 udp/8000 tcp/9000
check "nc knocks (nc -z -w3, echo | nc -u, nc -z): the start command ran" \
	wait_for 15 opened_since "$m" ssh "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "the other host still cannot connect" cannot_connect "$NS_O" "$S4"
check "the retransmitted SYN was seen and ignored" status_ge retransmits $((${r0:-0} + 1))
check "stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$S4"

# A wrong order: wait until the daemon has read all three knocks.
k0=$(status knocks)
nc_knock "$NS_C" "$S4" tcp/7000 tcp/9000 udp/8000
check "the daemon read the three wrong knocks" wait_for 15 status_ge knocks $((${k0:-0} + 3))
check "a wrong sequence does not open" cannot_connect "$NS_C" "$S4"

# IPv6: the client knocks over IPv6; ip6tables opens for its v6 address.
m=$(log_mark)
C "$KW" knock -6 "$S6" --sequence "7000/tcp 8000/udp 9000/tcp" >/dev/null 2>&1
check "IPv6 knocks: the start command ran for the client's IPv6 address" \
	wait_for 15 opened_since "$m" ssh "$C6"
check "the client can connect over IPv6" can_connect "$NS_C" "$S6"
check "the door is one ip6tables ACCEPT rule for the client" only_rule_for "$C6/128"
check_ipv6_door

# Forged kernel lines: a process writes three LOG-looking records with our
# prefix for the other host's address to /dev/kmsg. The kernel stores them
# with facility user; only facility kernel counts.
for p in 7000/TCP 8000/UDP 9000/TCP; do
	printf '%sIN=kwbr0 OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:08:00 SRC=%s DST=%s LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=%s SPT=4%s DPT=%s WINDOW=64240 RES=0x00 SYN URGP=0\n' \
		"$PREFIX" "$O4" "$S4" "${p#*/}" "${p%/*}" "${p%/*}" >/dev/kmsg
done
# forged_in_kmsg: three records with our prefix and the other host's
# address, all of facility user (PRI / 8 == 1), none of facility kernel.
forged_in_kmsg() {
	[ "$(dd if=/dev/kmsg iflag=nonblock bs=8192 2>/dev/null |
		grep -e ";$PREFIX.*SRC=$O4 " |
		awk -F, '{ print int($1 / 8) }' | sort | uniq -c |
		awk '{ print $2 ":" $1 }')" = 1:3 ]
}
check "the forged records are in the kernel log, as facility user" forged_in_kmsg
# Barrier: a real knock from the client, logged after the forged records.
m=$(log_mark)
C "$KW" knock "$S4" --sequence "7000/tcp 8000/udp 9000/tcp" >/dev/null 2>&1
check "a real knock after them opens for the client" wait_for 15 opened_since "$m" ssh "$C4"
check "the forged records opened nothing for the other host" cannot_connect "$NS_O" "$S4"
check "no rule names the forged address" sh -c "! ip netns exec '$NS_S' iptables -w -S INPUT | grep -q -- '-s $O4/32'"
check "stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$S4"

# A crash (kill -9) with the door open: the rule stays; a daemon started at
# once finds the door in its journal and still closes it on time.
m=$(log_mark)
C "$KW" knock "$S4" --sequence "7000/tcp 8000/udp 9000/tcp" >/dev/null 2>&1
check "before the crash: the door opens" wait_for 15 opened_since "$m" ssh "$C4"
kill -KILL "$KWPID"
wait "$KWPID" 2>/dev/null
KWPID=
check "after kill -9 the door is still open (nobody closed it)" can_connect "$NS_C" "$S4"
m=$(log_mark)
check "the daemon restarts" kw_start "$T/kw.yaml"
check "its journal names the open door" \
	logged_since "$m" "journal: door ssh for $C4 still open: keeping its deadline"
check "the restarted daemon closes it at its deadline" wait_for 20 cannot_connect "$NS_C" "$S4"
check "no rule is left" no_rules_left

# The same crash, restarted only after the deadline passed (read from the
# journal): the door is closed at start-up.
m=$(log_mark)
C "$KW" knock "$S4" --sequence "7000/tcp 8000/udp 9000/tcp" >/dev/null 2>&1
check "before the second crash: the door opens" wait_for 15 opened_since "$m" ssh "$C4"
kill -KILL "$KWPID"
wait "$KWPID" 2>/dev/null
KWPID=
deadline=$(awk -v s="$C4" '$1 == "ssh" && $2 == s { print $6 }' "$T/state/open")
past_deadline() { [ "$(date +%s)" -gt "${deadline:-0}" ]; }
check "the journal holds the door's deadline" test -n "$deadline"
wait_for 20 past_deadline
check "down past the deadline, the door is still open" can_connect "$NS_C" "$S4"
m=$(log_mark)
check "the daemon restarts" kw_start "$T/kw.yaml"
check "it closes the expired door at start-up" \
	logged_since "$m" "journal: door ssh for $C4 expired while we were down: closing"
check "the client cannot connect any more" wait_for 20 cannot_connect "$NS_C" "$S4"
check "no rule is left" no_rules_left

# SIGTERM closes a door that is open (the long one, stop_after 300).
m=$(log_mark)
nc_knock "$NS_C" "$S4" tcp/7100 tcp/7200 tcp/7300
check "the long door opens" wait_for 15 opened_since "$m" long "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "SIGTERM exits 0" kw_stop
check "after SIGTERM no knockwatch rule is left" no_rules_left
check "... and the client cannot connect" cannot_connect "$NS_C" "$S4"
show_on_failure
done_testing
