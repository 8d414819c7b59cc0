#!/bin/sh
# t_nat.sh — real packets, actions/iptables: bob, carol and alice open the
# HMAC door ssh-otp from one address (behind one NAT). They share one
# firewall rule: when bob's stop_after runs out the rule stays for carol and
# alice (the client still connects, status lists their two doors), and at
# SIGTERM the rule is deleted once, with no stop failing (the three
# identical stops used to run in parallel: "iptables: Bad rule", DOOR STILL
# OPEN, and the first one closed port 22 for the others long before).
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

net_require 10
net_setup n || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }

# config_nat STOP_AFTER
config_nat() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "$PREFIX"
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
  bob: { key: "101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f" }
  carol: { key: "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" }
doors:
  ssh-otp:
    hmac:
      users: [alice, bob, carol]
      length: 3
      range: 20000-29999
    timeout: 20
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: $1
EOC
}
ipt_rules() { S iptables -w -S INPUT | grep -e '--comment knockwatch'; }
one_rule() { [ "$(ipt_rules | grep -c "^-A INPUT -s $C4/32 .*--dport $SVC ")" -eq 1 ]; }
no_ipt_rules() { [ -z "$(ipt_rules)" ]; }
open_doors() {
	[ "$("$KW" status -S "$T/run/knockwatch.sock" |
		grep -c "^open door ssh-otp src $C4 ")" -eq "$1" ]
}
# knock_as USER: USER's sequence from the client, with the client.
knock_as() {
	C "$KW" knock "$S4" -c "$T/kw.yaml" --door ssh-otp --user "$1" >/dev/null 2>&1
}

config_nat 4
check "the daemon starts" kw_start "$T/kw.yaml"
m=$(log_mark)
knock_as bob
check "bob opens ssh-otp" wait_for 15 opened_since "$m" ssh-otp "$C4"
# carol and alice get 300 s: bob's door closes first, theirs stay.
config_nat 300
kill -HUP "$KWPID"
check "reloaded" wait_for 10 logged_since "$m" "reloaded"
for u in carol alice; do
	knock_as "$u"
	check "$u opens ssh-otp from the same address" wait_for 15 logged_since "$m" \
		"door ssh-otp for $C4 user $u shares the firewall rule"
done
check "status: three open doors" open_doors 3
check "iptables: one rule" one_rule
check "bob's door closes, the rule stays" wait_for 20 logged_since "$m" \
	"door ssh-otp closed for $C4 user bob (the firewall rule stays"
check "iptables: the rule is still there" one_rule
check "the client still connects (carol's and alice's doors)" can_connect "$NS_C" "$S4"
check "status: two open doors" open_doors 2
check "the other host still cannot connect" cannot_connect "$NS_O" "$S4"
check "SIGTERM closes both and exits 0" kw_stop
check "no stop failed" sh -c \
	"! tail -n +$((m + 1)) '$T/kw.err' | grep -q -e 'DOOR STILL OPEN' -e 'Bad rule' -e 'stop command failed'"
check "the stop ran once" test "$(tail -n "+$((m + 1))" "$T/kw.err" |
	grep -c "door ssh-otp stop for $C4 .*: exit ")" -eq 1
check "no knockwatch rule is left" no_ipt_rules
check "the client cannot connect any more" cannot_connect "$NS_C" "$S4"
show_on_failure
done_testing
