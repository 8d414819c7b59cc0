#!/bin/sh
# t_ufw.sh — issue 13 §5 on a real UFW (Debian's ufw package) in the server
# namespace: UFW's own LOG rules share one "-m limit 3/min, burst 10"
# bucket, so after a dozen scanner SYNs the client's three knocks are not
# logged at all and a door reading "[UFW BLOCK] " never opens; `-n` warns
# that this prefix belongs to a rate-limited rule. With the dedicated LOG
# rule of examples/ufw-after.rules in after.rules the same scan and knocks
# open the door, knocked with nmap and with hping3 as examples/clients.md
# says. UFW runs on copies of /etc/ufw and /etc/default/ufw bind-mounted
# in a private mount namespace (the host's UFW files, rules and sysctls
# are never touched); its rules live and die with the namespace.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

N=9
for t in ufw nmap hping3 dmesg; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$N" "$t not installed (tests/deps.sh)"
done
net_require "$N"
net_setup U || { echo "cannot build the namespaces"; exit 1; }

# ufw_s ARGS...: ufw in the server namespace, on our copies of its files.
mkdir -p "$T/ufw"
cp -a /etc/ufw "$T/ufw/etc"
sed "s|^IPT_SYSCTL=.*|IPT_SYSCTL=$T/ufw/sysctl|" /etc/default/ufw >"$T/ufw/default"
: >"$T/ufw/sysctl"
ufw_s() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	S unshare -m sh -c 'mount --make-rprivate / &&
	    mount -t tmpfs none /run &&
	    mount --bind "$0/etc" /etc/ufw &&
	    mount --bind "$0/default" /etc/default/ufw &&
	    exec ufw "$@"' "$T/ufw" "$@" >>"$T/ufw.log" 2>&1
}
if ! ufw_s --force enable || ! ufw_s logging low; then
	echo "cannot enable ufw in the namespace"
	cat "$T/ufw.log"
	exit 1
fi

# ufw_lines SINCE PREFIX: kernel log lines after uptime SINCE that carry
# PREFIX and come from the client to a knock port.
ufw_lines() {
	dmesg | awk -v t0="$1" -v p="$2" -v c="SRC=$C4 " '
	    { s = $0; sub(/^\[ */, "", s); split(s, a, "]") }
	    a[1] + 0 > t0 && index($0, p) && index($0, c) &&
	    $0 ~ / DPT=(7000|8000|9000) / { n++ } END { print n + 0 }'
}
# scan: twelve SYNs from the other host to ports nobody knocks.
scan() {
	for p in 1001 1002 1003 1004 1005 1006 1007 1008 1009 1010 1011 1012; do
		O hping3 -S -c 1 -p "$p" "$S4" >/dev/null 2>&1
	done
}
# barrier: a door of the other host's, knocked through an unlimited LOG
# rule with the daemon's prefix; once it opens, every line before it has
# been read.
barrier_rule() {
	S iptables -w -I INPUT -p tcp --dport 65001:65003 -j LOG --log-prefix "$1"
}
barrier() {
	b_m=$(log_mark)
	for p in 65001 65002 65003; do O hping3 -S -c 1 -p "$p" "$S4" >/dev/null 2>&1; done
	wait_for 15 opened_since "$b_m" barrier "$O4"
}
kw_config_ufw() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - kmsg: true
    prefix: "$1"
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 15
    start: [$ACTIONS/iptables, open, "%SRC%", $SVC/tcp]
    stop: [$ACTIONS/iptables, close, "%SRC%", $SVC/tcp]
    stop_after: 3
  barrier:
    sequence: [65001/tcp, 65002/tcp, 65003/tcp]
    start: [/bin/true]
EOC
}

# UFW's own prefix: -n warns, and after a scan the knocks are not logged.
kw_config_ufw "[UFW BLOCK] "
S "$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1
check "-n warns: [UFW BLOCK] belongs to a rate-limited LOG rule" \
	grep -q 'prefix "\[UFW BLOCK\] " belongs to a rate-limited LOG rule (iptables-save: -A ufw-.*-m limit --limit 3/min' "$T/n.out"
barrier_rule "[UFW BLOCK] "
kw_start "$T/kw.yaml" || { echo "daemon did not start"; exit 1; }
t0=$(cut -d' ' -f1 /proc/uptime)
m=$(log_mark)
scan
nc_knock "$NS_C" "$S4" tcp/7000 udp/8000 tcp/9000
check "(barrier: the daemon has read every line up to here)" barrier
check "after 12 scanner SYNs UFW logged none of the 3 knocks" \
	test "$(ufw_lines "$t0" "[UFW BLOCK] ")" -eq 0
check_not "so the door did not open" opened_since "$m" ssh "$C4"
kw_stop

# The dedicated rule of examples/ufw-after.rules, with our prefix.
sed -n '/^-A ufw-after-input/p' "$KW_TOP/examples/ufw-after.rules" |
	sed "s|\"KNOCK: \"|\"$PREFIX\"|" >"$T/knock.rules"
awk -v f="$T/knock.rules" '{ print } /^# End required lines/ {
	while ((getline l < f) > 0) print l }' "$T/ufw/etc/after.rules" >"$T/after"
cp "$T/after" "$T/ufw/etc/after.rules"
ufw_s reload || { echo "ufw reload failed"; cat "$T/ufw.log"; exit 1; }
kw_config_ufw "$PREFIX"
S "$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1
check_not "-n: the dedicated rule is not rate-limited" grep -q "rate-limited" "$T/n.out"
barrier_rule "$PREFIX"
kw_start "$T/kw.yaml" || { echo "daemon did not start"; exit 1; }
scan
m=$(log_mark)
for k in "-sS -p 7000" "-sU -p 8000" "-sS -p 9000"; do
	# shellcheck disable=SC2086 # the options are words
	C nmap -n -Pn --max-retries 0 $k "$S4" >/dev/null 2>&1
done
check "with the dedicated rule, nmap knocks after the scan open the door" \
	wait_for 15 opened_since "$m" ssh "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "stop_after closes it" wait_for 20 cannot_connect "$NS_C" "$S4"
m=$(log_mark)
C hping3 -S -c 1 -p 7000 "$S4" >/dev/null 2>&1
C hping3 --udp -c 1 -p 8000 "$S4" >/dev/null 2>&1
C hping3 -S -c 1 -p 9000 "$S4" >/dev/null 2>&1
check "hping3 knocks (-S, --udp) open the door" wait_for 15 opened_since "$m" ssh "$C4"
kw_stop
done_testing
