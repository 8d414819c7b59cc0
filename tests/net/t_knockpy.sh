#!/bin/sh
# t_knockpy.sh — clients/knock.py as a user runs it, real packets: from the
# client namespace it opens the iptables rig's static door (--sequence), an
# HMAC door without bind_source and an HMAC door with bind_source
# (--bind-source, and --bind with a non-canonical spelling), each over IPv4
# and over IPv6; the client then connects, the other host cannot, and
# stop_after closes the door before the next case. A wrong key opens
# nothing.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

KNOCKPY=$KW_TOP/clients/knock.py
net_require 39
command -v python3 >/dev/null 2>&1 || skip_all 39 "python3 not installed"
net_setup p || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY_B=b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
printf '%s\n' "$KEY_A" >"$T/alice.key"
printf '%s\n' "$KEY_B" >"$T/bob.key"
kw_config_iptables 3
# Two HMAC doors with ranges of their own inside the logged 7000-29999.
cat >>"$T/kw.yaml" <<EOC
  plain:
    hmac:
      users: [alice, bob]
      length: 4
      range: 10000-14999
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  bound:
    hmac:
      users: [alice, bob]
      length: 5
      range: 20000-29999
      protocols: [tcp, udp]
      open_range: 15000-15999
      bind_source: true
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
users:
  alice: { key_file: $T/alice.key }
  bob: { key_file: $T/bob.key }
EOC
check "config checks" "$KW" -n -c "$T/kw.yaml"
check "daemon starts in the server namespace" kw_start "$T/kw.yaml"
check "service closed to the client (IPv4)" cannot_connect "$NS_C" "$S4"
check "service closed to the client (IPv6)" cannot_connect "$NS_C" "$S6"

# opens_for DESC DOOR SRC SERVER KNOCKPY-ARGS...: knock.py from the client
# opens DOOR for SRC, the client connects, the other host cannot, and the
# door closes again.
opens_for() {
	o_desc=$1 o_door=$2 o_src=$3 o_srv=$4
	shift 4
	o_m=$(log_mark)
	C python3 "$KNOCKPY" knock "$o_srv" "$@" >"$T/knockpy.out" 2>"$T/knockpy.err"
	o_rc=$?
	check "$o_desc: knock.py exits 0" [ "$o_rc" -eq 0 ]
	check "$o_desc: the start command ran for $o_src" \
		wait_for 15 opened_since "$o_m" "$o_door" "$o_src"
	probe o "$NS_O" "$o_srv"
	probe c "$NS_C" "$o_srv"
	probes_wait
	check "$o_desc: the client can connect" probed c open
	check "$o_desc: the other host cannot" probed o closed
	check "$o_desc: stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$o_srv"
	if [ -s "$T/knockpy.err" ]; then sed 's/^/  knock.py: /' "$T/knockpy.err"; fi
}

opens_for "static door, IPv4" ssh "$C4" "$S4" --sequence "7000/tcp 8000/udp 9000/tcp"
opens_for "static door, IPv6" ssh "$C6" "$S6" --sequence "tcp/7000,udp/8000,9000" --delay 50
opens_for "HMAC door, IPv4" plain "$C4" "$S4" --key-file "$T/alice.key" \
	--door plain --user alice --range 10000-14999
opens_for "HMAC door, IPv6" plain "$C6" "$S6" --key "$KEY_B" \
	--door plain --user bob --range 10000-14999
# The users' first sequences of the bound door are spent by now only for
# the other door; each (door, user) opens once per step, so alice takes
# IPv4 and bob IPv6.
# A fixed step, so that the service port can be compared with knockwatch's.
step=$(($(date +%s) / 30))
opens_for "bind_source door, IPv4, --bind-source" bound "$C4" "$S4" \
	--key-file "$T/alice.key" --door bound --user alice --bind-source \
	--step "$step" \
	--length 5 --range 20000-29999 --protocols tcp,udp --open-range 15000-15999
check "it prints the derived service port, as knockwatch sequence does" \
	grep -qx "open=$("$KW" sequence --key "$KEY_A" --door bound --user alice \
		--bind "$C4" --step "$step" --length 5 \
		--range 20000-29999 --protocols tcp,udp --open-range 15000-15999 |
		sed 's/.* open=//')" "$T/knockpy.out"
opens_for "bind_source door, IPv6, --bind spelled fd42:4b57:1:0:0:0:0:0002" bound "$C6" "$S6" \
	--key-file "$T/bob.key" --door bound --user bob \
	--bind fd42:4b57:1:0:0:0:0:0002 -v --length 5 --range 20000-29999 \
	--protocols tcp,udp --open-range 15000-15999
check "-v shows the canonical address it derived for" \
	grep -q "^knocking $S6 from $C6: " "$T/knockpy.err"

# A wrong key: the knocks arrive and open nothing.
k0=$(status knocks)
C python3 "$KNOCKPY" knock "$S4" --key "$KEY_B$KEY_B" --door plain \
	--user alice --range 10000-14999 >/dev/null 2>&1
check "the daemon read the four knocks of a wrong key" \
	wait_for 15 status_ge knocks $((${k0:-0} + 4))
check "a wrong key opens nothing" cannot_connect "$NS_C" "$S4"

check "SIGTERM exits 0" kw_stop
show_on_failure
done_testing
