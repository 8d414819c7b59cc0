#!/bin/sh
# t_forward.sh — real packets, actions/forward: an HMAC door with an
# open_range. After `knockwatch knock -c`, the client reaches the service
# (port 22) on the derived open port, which the action redirects for the
# client's address only; port 22 itself stays closed to direct connects,
# the other host on the link cannot use the open port, and stop_after
# removes both rules. IPv4 (alice, knock -c) and IPv6 (bob, knock --key);
# kmsg source, iptables LOG rule.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

config_ok() { "$KW" -n -c "$1" >/dev/null; }
no_rules_left() { [ -z "$(S "$ACTIONS/iptables" list)" ]; }
# redirect_for CMD SRC/LEN PORT: CMD's nat PREROUTING holds the action's
# REDIRECT of PORT to the service for SRC, and nothing else of ours.
redirect_for() {
	r_rules=$(S "$1" -w -t nat -S PREROUTING | grep -e '--comment knockwatch')
	[ "$(printf '%s\n' "$r_rules" | grep -c .)" -eq 1 ] &&
		printf '%s\n' "$r_rules" |
		grep -q -e "-s $2 .*--dport $3 .*-j REDIRECT --to-ports $SVC"
}

net_require 22
net_setup f || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }

KEY_B=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "$PREFIX"
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
  bob: { key: "$KEY_B" }
doors:
  web:
    hmac:
      users: [alice, bob]
      length: 3
      range: 20000-29999
      bind_source: true
      open_range: 40000-40099
    timeout: 20
    start: [$ACTIONS/forward, open, "%SRC%", "%OPEN_PORT%/tcp", $SVC]
    stop: [$ACTIONS/forward, close, "%SRC%", "%OPEN_PORT%/tcp", $SVC]
    stop_after: 3
EOC
check "config checks" config_ok "$T/kw.yaml"
check "daemon starts in the server namespace (kmsg source)" kw_start "$T/kw.yaml"

# IPv4, alice. The derived port, as the client computes it.
step=$(($(date +%s) / 30))
line=$("$KW" sequence -c "$T/kw.yaml" --door web --user alice --bind "$C4" --step "$step")
port=${line##*open=}
check "the sequence names an open port in 40000-40099" \
	test "$port" -ge 40000 -a "$port" -le 40099
probe p "$NS_C" "$S4" "$port"
probe s "$NS_C" "$S4"
probes_wait
check "before: the open port is closed to the client" probed p closed
check "before: the service port is closed to the client" probed s closed

m=$(log_mark)
out=$(C "$KW" knock "$S4" -c "$T/kw.yaml" --door web --user alice --step "$step" 2>&1)
check "knockwatch knock prints the open port" test "$out" = "open=$port"
check "the start command (forward open) ran" wait_for 15 opened_since "$m" web "$C4"
check "the REDIRECT is for the client and the open port only" redirect_for iptables "$C4/32" "$port"
probe p "$NS_C" "$S4" "$port"
probe s "$NS_C" "$S4"
probe o "$NS_O" "$S4" "$port"
probes_wait
check "the client reaches the service on the open port" probed p open
check "the service port stays closed to direct connects" probed s closed
check "the other host cannot use the open port" probed o closed
check "stop_after closes the open port" wait_for 20 cannot_connect "$NS_C" "$S4" "$port"
check "both rules are removed" wait_for 10 no_rules_left

# IPv6, bob.
line=$("$KW" sequence -c "$T/kw.yaml" --door web --user bob --bind "$C6" --step "$step")
port6=${line##*open=}
m=$(log_mark)
# Bob knocks without a configuration: --key and the door's parameters,
# --bind-source (the address the kernel picks towards the server).
out=$(C "$KW" knock -6 "$S6" --key "$KEY_B" --door web --user bob --length 3 \
	--range 20000-29999 --open-range 40000-40099 --bind-source --step "$step" 2>&1)
check "IPv6: knockwatch knock --key prints bob's open port" test "$out" = "open=$port6"
check "IPv6: the start command ran" wait_for 15 opened_since "$m" web "$C6"
check "IPv6: the ip6tables REDIRECT is for the client only" redirect_for ip6tables "$C6/128" "$port6"
probe p "$NS_C" "$S6" "$port6"
probe s "$NS_C" "$S6"
probe o "$NS_O" "$S6" "$port6"
probes_wait
check "IPv6: the client reaches the service on the open port" probed p open
check "IPv6: the service port stays closed to direct connects" probed s closed
check "IPv6: the other host cannot use the open port" probed o closed
check "IPv6: stop_after closes the open port" wait_for 20 cannot_connect "$NS_C" "$S6" "$port6"
check "IPv6: both rules are removed" wait_for 10 no_rules_left

check "SIGTERM exits 0" kw_stop
show_on_failure
done_testing
