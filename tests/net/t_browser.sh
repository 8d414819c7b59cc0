#!/bin/sh
# t_browser.sh — a real browser knocks: Debian's Chromium, headless, runs in
# the client namespace, opens clients/web/knock.html from a file, and
# tests/clients/cdp.mjs (DevTools protocol over a pipe) types the door into
# the page's form and presses Knock, as a person would. The page's fetch()
# knocks open a static door and two HMAC doors (without bind_source, and
# with it and the client's address typed in), over IPv4 and over IPv6; the
# client then connects and the other host cannot. The page refuses, and
# sends nothing for, a static door with a UDP knock, an HMAC door with
# tcp,udp and a range holding ports browsers block. A screenshot of each
# finished page is kept in $KW_BUILD/test-output/t_browser/ (the only
# thing left behind). Without Chromium the scenario is skipped, never
# passed.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source=tests/net/browser.sh
. "$(dirname "$0")/browser.sh"

N=61
net_require $N
browser_require $N "$KW_BUILD/test-output/t_browser"
net_setup b || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }
browser_shots

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY_B=b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf
kw_config_iptables 3
cat >>"$T/kw.yaml" <<EOC
  web:
    sequence: [7100/tcp, 7200/tcp, 7300/tcp]
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  plain:
    hmac:
      users: [alice, bob]
      length: 4
      range: 11000-14999
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  bound:
    hmac:
      users: [alice, bob]
      length: 4
      range: 20000-29999
      open_range: 15000-15999
      bind_source: true
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
users:
  alice: { key: "$KEY_A" }
  bob: { key: "$KEY_B" }
EOC
check "config checks" "$KW" -n -c "$T/kw.yaml"
check "daemon starts in the server namespace" kw_start "$T/kw.yaml"

# opens DESC DOOR SRC SERVER STEPS: the page knocks with STEPS and the
# door opens for SRC; the client connects, the other host cannot, and
# stop_after closes it again.
opens() {
	o_desc=$1 o_door=$2 o_src=$3 o_srv=$4
	o_m=$(log_mark)
	check "$o_desc: the page says it knocked" browse "$5" "done" "$6"
	check "$o_desc: the start command ran for $o_src" \
		wait_for 15 opened_since "$o_m" "$o_door" "$o_src"
	probe o "$NS_O" "$o_srv"
	probe c "$NS_C" "$o_srv"
	probes_wait
	check "$o_desc: the client then connects" probed c open
	check "$o_desc: the other host cannot" probed o closed
	check "$o_desc: stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$o_srv"
	check "$o_desc: a screenshot of the finished page" test -s "$SHOTS/$5.png"
}
# knocks_seen: the daemon's knock counter.
knocks_seen() { status knocks; }

opens "static door, IPv4" web "$C4" "$S4" static-ipv4 \
	'[["click","kind-static"],["type","server","'"$S4"'"],["type","sequence","7100 7200/tcp tcp/7300"]]'
opens "static door, IPv6" web "$C6" "$S6" static-ipv6 \
	'[["click","kind-static"],["type","server","['"$S6"']"],["type","sequence","7100 7200 7300"]]'
opens "HMAC door, IPv4" plain "$C4" "$S4" hmac-ipv4 \
	'[["type","server","'"$S4"'"],["type","door","plain"],["type","user","alice"],["type","key","'"$KEY_A"'"],["type","range","11000-14999"]]'
opens "HMAC door, IPv6" plain "$C6" "$S6" hmac-ipv6 \
	'[["type","server","'"$S6"'"],["type","door","plain"],["type","user","bob"],["type","key","'"$KEY_B"'"],["type","range","11000-14999"]]'
opens "bind_source HMAC door, IPv6, the address typed in" bound "$C6" "$S6" bound-ipv6 \
	'[["type","server","'"$S6"'"],["type","door","bound"],["type","user","bob"],["type","key","'"$KEY_B"'"],["type","range","20000-29999"],["type","open-range","15000-15999"],["select","bind-mode","typed"],["type","bind","FD42:4B57:1:0::0002"]]'
check "the page shows the door's service port" \
	grep -q "connect now, to port 1[5][0-9][0-9][0-9]\." "$T/bound-ipv6.json"
opens "bind_source HMAC door, IPv4, the address typed in" bound "$C4" "$S4" bound-ipv4 \
	'[["type","server","'"$S4"'"],["type","door","bound"],["type","user","alice"],["type","key","'"$KEY_A"'"],["type","range","20000-29999"],["type","open-range","15000-15999"],["select","bind-mode","typed"],["type","bind","'"$C4"'"],["click","remember"],["click","remember-key"]]'

# The page served over plain http by a static host (Python's http.server
# on the server): not a secure context, so no WebCrypto; the page offers
# static doors only (it picks "static" itself) and knocks them.
bg_ns "$NS_S" python3 -m http.server 30080 --bind "$S4" \
	--directory "$KW_TOP/clients/web" >"$T/http.log" 2>&1
check "a static web server for the page" wait_for 10 can_connect "$NS_C" "$S4" 30080
URL=http://$S4:30080/knock.html
opens "served over http, static door" web "$C4" "$S4" served-static \
	'[["type","server","'"$S4"'"],["type","sequence","7100 7200 7300"]]'
URL=
check "(the page came from the web server)" grep -q "GET /knock.html" "$T/http.log"
check "(and said it can knock static doors only there)" grep -q "\"noCrypto\":true" "$T/served-static.json"
check "(opened as a file, it offers HMAC doors)" grep -q "\"noCrypto\":false" "$T/hmac-ipv4.json"

# Remembering: bound-ipv4 ticked both boxes, hmac-ipv4 neither. The same
# browser profiles open the page again (and pick tcp,udp, so that nothing
# is knocked).
TCPUDP='[["select","protocols","tcp,udp"]]'
# form_has NAME TEXT...: the page's form in $T/NAME.json holds each TEXT.
form_has() {
	f_n=$1
	shift
	for f_t in "$@"; do
		grep -qF -e "$f_t" "$T/$f_n.json" || return 1
	done
}
PROFILE=bound-ipv4
browse restored refused "$TCPUDP" >/dev/null
check "ticked: the settings and the key are restored" form_has restored \
	"\"server\":\"$S4\"" '"door":"bound"' '"user":"alice"' "\"bind\":\"$C4\"" \
	'"key":"64 hex digits"' '"remember-key":true' '"remember":true'
PROFILE=bound-ipv4
browse forget refused \
	'[["click","remember-key"],["select","protocols","tcp,udp"]]' >/dev/null
PROFILE=bound-ipv4
browse forgotten refused "$TCPUDP" >/dev/null
check "unticking the key's box deletes the stored key, not the settings" \
	form_has forgotten '"key":""' '"remember-key":false' '"door":"bound"'
PROFILE=hmac-ipv4
browse not-remembered refused "$TCPUDP" >/dev/null
PROFILE=
check "unticked: neither the settings nor the key are stored" \
	form_has not-remembered '"key":""' '"server":""' '"user":""'

# What a browser cannot do: refused before any knock.
k0=$(knocks_seen)
check "a static door with a UDP knock is refused" browse refuse-udp refused \
	'[["click","kind-static"],["type","server","'"$S4"'"],["type","sequence","7000/tcp 8000/udp 9000/tcp"]]'
check "(it says the knock is UDP)" grep -q "Knock 2 (udp/8000) is UDP" "$T/refuse-udp.json"
check "an HMAC door with tcp,udp is refused" browse refuse-tcpudp refused \
	'[["type","server","'"$S4"'"],["type","user","alice"],["type","key","'"$KEY_A"'"],["select","protocols","tcp,udp"]]'
check "an HMAC door whose range holds blocked ports is refused" browse refuse-range refused \
	'[["type","server","'"$S4"'"],["type","user","alice"],["type","key","'"$KEY_A"'"],["type","range","1024-65535"]]'
check "(it names the blocked ports and the browsers)" \
	grep -q "1719 (Chromium, Firefox), .*4190 (Firefox)" "$T/refuse-range.json"
check "a bound door without the address is not knocked" browse refuse-nobind error \
	'[["type","server","'"$S4"'"],["type","door","bound"],["type","user","alice"],["type","key","'"$KEY_A"'"],["select","bind-mode","typed"]]'
check "the refused doors sent no knock" [ "$(knocks_seen)" = "$k0" ]
no_knock_listed() { grep -q '"knocks":\[\]' "$T/refuse-udp.json" && grep -q '"knocks":\[\]' "$T/refuse-range.json"; }
check "refusals list no knock on the page" no_knock_listed

check "SIGTERM exits 0" kw_stop
echo "screenshots: $SHOTS"
show_on_failure
done_testing
