#!/bin/sh
# t_nftables.sh — real packets, nftables: the server logs and drops the
# knock range with nft "log prefix", a private rsyslogd writes the kernel's
# knock lines to a kern.log that knockwatch tails (file source), and doors
# open through actions/nftables (set element + mark 0x4b57, exempted by the
# server's own drop rule). From the client namespace: an HMAC door opened by
# `knockwatch knock -c` for the client only; the same knocks replayed do not
# open; a bind_source sequence copied to another host does not open there;
# examples/knock.sh over IPv6; plain nc knocks on a static door; stop_after
# closes every time.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

# elements: the open4 and open6 elements of actions/nftables' table.
elements() {
	S nft list table inet knockwatch 2>/dev/null |
		sed -n 's/.*elements = { \(.*\) }.*/\1/p'
}
no_elements() { [ -z "$(elements)" ]; }
# one_element SRC: exactly the element "SRC . tcp . SVC" (with a timeout).
one_element() {
	case $(elements) in
	"$1 . tcp . $SVC timeout "* | "$1 . tcp . $SVC expires "*) ;;
	*) return 1 ;;
	esac
	case $(elements) in *,*) return 1 ;; esac
}
config_ok() { "$KW" -n -c "$1" >/dev/null; }

net_require 34 rsyslog
net_setup n || { echo "cannot build the namespaces"; exit 1; }
fw_nft || { echo "cannot load the server's nftables rules"; exit 1; }

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY_B=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $T/kern.log
    prefix: "$PREFIX"
users:
  alice: { key: "$KEY_A" }
  bob: { key: "$KEY_B" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 15
    start: [$ACTIONS/nftables, open, "%SRC%", $SVC/tcp, --timeout, 3]
    stop: [$ACTIONS/nftables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  otp:
    hmac:
      users: [alice, bob]
      length: 4
      range: 20000-29999
      bind_source: true
    timeout: 20
    start: [$ACTIONS/nftables, open, "%SRC%", $SVC/tcp, --timeout, 3]
    stop: [$ACTIONS/nftables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
EOC
check "config checks" config_ok "$T/kw.yaml"
check "a private rsyslogd reads the kernel log" rsyslog_start
check "daemon starts in the server namespace (kern.log source)" kw_start "$T/kw.yaml"

probe c4 "$NS_C" "$S4"
probe o4 "$NS_O" "$S4"
probe c6 "$NS_C" "$S6"
probes_wait
check "service closed to the client (IPv4)" probed c4 closed
check "service closed to the other host (IPv4)" probed o4 closed
check "service closed to the client (IPv6)" probed c6 closed

# HMAC door, alice, with `knockwatch knock -c` at a fixed step so that the
# replay below sends exactly the same knocks.
step=$(($(date +%s) / 30))
seq_a=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice --bind "$C4" --step "$step")
m=$(log_mark)
C "$KW" knock "$S4" -c "$T/kw.yaml" --door otp --user alice --step "$step" >/dev/null 2>&1
check "knockwatch knock -c (HMAC, bind_source): the start command ran" \
	wait_for 15 opened_since "$m" otp "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "the knocks came through nft log and rsyslog (kern.log)" \
	grep -q "kernel: ${PREFIX}IN=kwbr0 .*SRC=$C4 " "$T/kern.log"
check "the door is one nft element for the client" one_element "$C4"
probe o4 "$NS_O" "$S4"
probe c4 "$NS_C" "$S4"
probes_wait
check "the other host on the link still cannot connect" probed o4 closed
check "(the door was open for the client meanwhile)" probed c4 open
check "stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$S4"
check "the element is gone" no_elements

# The same four knocks again (a sniffer replaying them from the client's
# address): refused as a replay.
r0=$(status replays)
C "$KW" knock "$S4" --sequence "$seq_a" >/dev/null 2>&1
check "the replay is recognised" wait_for 15 status_ge replays $((${r0:-0} + 1))
check "the replay does not open" cannot_connect "$NS_C" "$S4"
check "no element after the replay" no_elements

# Bob's sequence for the client's address, copied by the other host: the
# derivation binds it to the client, so from elsewhere it is wrong.
k0=$(status knocks)
seq_b=$("$KW" sequence -c "$T/kw.yaml" --door otp --user bob --bind "$C4")
O "$KW" knock "$S4" --sequence "$seq_b" >/dev/null 2>&1
check "the daemon read the other host's four knocks" wait_for 15 status_ge knocks $((${k0:-0} + 4))
check "a bind_source sequence sent from another address does not open" \
	cannot_connect "$NS_O" "$S4"

# examples/knock.sh (openssl + nc) for bob over IPv6.
m=$(log_mark)
C sh "$KW_TOP/examples/knock.sh" --key "$KEY_B" --door otp --user bob \
	--bind "$C6" --length 4 --range 20000-29999 "$S6" >/dev/null 2>&1
check "examples/knock.sh over IPv6: the start command ran" wait_for 20 opened_since "$m" otp "$C6"
check "the client can connect over IPv6" can_connect "$NS_C" "$S6"
check "the user was bob" logged_since "$m" "door otp opens for $C6 user bob"
check_ipv6_door

# The static door with plain netcat knocks, through the nft log rule.
m=$(log_mark)
nc_knock "$NS_C" "$S4" tcp/7000 udp/8000 tcp/9000
check "nc knocks on the static door: the start command ran" wait_for 15 opened_since "$m" ssh "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "the other host cannot connect" cannot_connect "$NS_O" "$S4"
check "stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$S4"

# A wrong static sequence.
k0=$(status knocks)
nc_knock "$NS_C" "$S4" udp/7000 udp/8000 tcp/9000
check "the daemon read the three wrong knocks" wait_for 15 status_ge knocks $((${k0:-0} + 3))
check "a wrong sequence (tcp/7000 sent as udp) does not open" cannot_connect "$NS_C" "$S4"

check "SIGTERM exits 0" kw_stop
check "no element is left" no_elements
show_on_failure
done_testing
