#!/bin/sh
# tests/integration/t_actions.sh — checks the actions/ scripts: shellcheck,
# --help, refusal of bad arguments (exit 64, nothing changed), the log
# line format, and, as root, each firewall action inside private network
# namespaces (rules/sets/elements after open, open twice, close, close
# twice), plus real traffic over a veth pair between two private
# namespaces.  It never touches the host's own firewall or interfaces.
# Last line: "N passed, N failed" (", N skipped" when parts cannot run).
# Every firewall action runs under "ip netns exec" (inns, S, or explicitly).
# shellcheck disable=SC2016 # sh -c scripts and hostile test strings are literal
set -u
top=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
act=$top/actions
scripts="log iptables nftables ipset forward"
pass=0 fail=0
tmp=$(mktemp -d)
check_out=$tmp/out	# check/check_not keep CMD's output there
ns="" srv="" cli="" pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in $ns $srv $cli; do
		# actions/ipset's owner records of this namespace go with it.
		r=$(ip netns exec "$n" readlink /proc/self/ns/net 2>/dev/null)
		r=$(printf '%s' "$r" | tr -c 'A-Za-z0-9' '_')
		[ -z "$r" ] || rm -rf "/run/knockwatch-actions/ipset/$r"
		ip netns del "$n" 2>/dev/null
	done
	rmdir /run/knockwatch-actions/ipset /run/knockwatch-actions 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check_eq DESC WANT GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '     | want: %s\n     | got:  %s\n' "$2" "$3"
	fi
}

# inns CMD...: runs CMD in the test namespace (directly when there is none,
# which only happens for non-root runs that cannot change anything).
inns() {
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# refuse DESC CMD...: CMD must exit 64 with a message on stderr.
refuse() {
	desc=$1
	shift
	rc=0
	inns "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq 64 ] && [ -s "$tmp/err" ]; then
		ok "refuses: $desc"
	else
		not_ok "refuses: $desc (exit $rc)"
	fi
}

# ---------------------------------------------------------------- static
for s in $scripts; do
	f=$act/$s
	check "$s: exists and is executable" test -x "$f"
	check_eq "$s: #!/bin/sh" '#!/bin/sh' "$(head -n 1 "$f")"
	check "$s: set -eu" grep -qx 'set -eu' "$f"
	check "$s: header documents usage" grep -q '^# Usage:' "$f"
	if command -v shellcheck >/dev/null 2>&1; then
		check "$s: shellcheck clean" shellcheck -s sh "$f"
	else
		skipped 1 "$s: shellcheck not installed"
	fi
	check "$s: --help exits 0" sh -c '"$1" --help >"$2" 2>/dev/null && grep -q "^usage:" "$2"' \
		sh "$f" "$tmp/help"
done

# ---------------------------------------------------------------- log
logenv() {
	env -i PATH=/usr/bin:/bin LANG=C KNOCK_EVENT=start KNOCK_SRC=192.0.2.10 \
		KNOCK_DOOR=ssh KNOCK_USER=alice KNOCK_OPEN_PORT=40001 \
		KNOCK_FAMILY=inet "$@"
}
lf=$tmp/log.txt
logenv "$act/log" --file "$lf" 192.0.2.10 ssh >"$tmp/out" 2>&1
check_eq "log: writes nothing to stdout/stderr with --file" "" "$(cat "$tmp/out")"
check_eq "log: exact line format" \
	"event=start door=ssh src=192.0.2.10 family=inet user=alice open_port=40001 args=192.0.2.10 ssh" \
	"$(cut -d' ' -f2- "$lf")"
check "log: first field is UTC ISO 8601" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z ' "$lf"
env -i KNOCK_EVENT=stop KNOCK_SRC=2001:db8::1 KNOCK_DOOR=web KNOCK_USER= \
	KNOCK_OPEN_PORT= KNOCK_FAMILY=inet6 "$act/log" --file="$lf" >/dev/null 2>&1
check_eq "log: appends, empty values and no args" \
	"event=stop door=web src=2001:db8::1 family=inet6 user= open_port= args=" \
	"$(sed -n 2p "$lf" | cut -d' ' -f2-)"
check_eq "log: file mode 0600" "600" "$(stat -c %a "$lf")"
got=$(logenv "$act/log" a 2>&1 >/dev/null | cut -d' ' -f2-)
check_eq "log: default is stderr" \
	"event=start door=ssh src=192.0.2.10 family=inet user=alice open_port=40001 args=a" "$got"
got=$(env -i "$act/log" 2>&1 | cut -d' ' -f2-)
check_eq "log: unset variables print empty" \
	"event= door= src= family= user= open_port= args=" "$got"
nl='
'
tab='	'
env -i KNOCK_EVENT=start KNOCK_DOOR="ssh${nl}event=forged" KNOCK_USER="a${tab}b" \
	"$act/log" --file "$tmp/ctl.txt" "x${nl}y" 'semi;$(id)' >/dev/null 2>&1
check_eq "log: control characters never split a line" 1 "$(wc -l <"$tmp/ctl.txt")"
check_eq "log: control characters become ?, other text as is" \
	"event=start door=ssh?event=forged src= family= user=a?b open_port= args=x?y semi;\$(id)" \
	"$(cut -d' ' -f2- "$tmp/ctl.txt")"
got=$(env -i "$act/log" -- --x '' y 2>&1 | cut -d' ' -f2-)
check_eq "log: -- passes dashed ARGS, joined by single spaces" \
	"event= door= src= family= user= open_port= args=--x  y" "$got"
rc=0; "$act/log" --bogus 2>/dev/null || rc=$?
check_eq "log: unknown option exits 64" 64 "$rc"
rc=0; "$act/log" --file 2>/dev/null || rc=$?
check_eq "log: --file without value exits 64" 64 "$rc"
rc=0; "$act/log" --file "$tmp/nodir/x" 2>/dev/null || rc=$?
check_eq "log: unwritable file is a failure (1), not usage" 1 "$rc"

# ---------------------------------------------------------------- root?
root=1
why=""
if [ "$(id -u)" -ne 0 ]; then
	root=0 why="not root"
elif ! command -v ip >/dev/null 2>&1; then
	root=0 why="ip(8) not installed"
else
	ns=kwact$$
	if ! ip netns add "$ns" 2>"$tmp/err"; then
		root=0 why="cannot create a network namespace: $(cat "$tmp/err")"
		ns=""
	fi
fi
for t in iptables ip6tables nft ipset; do
	if [ "$root" -eq 1 ] && ! command -v "$t" >/dev/null 2>&1 &&
		! [ -x "/usr/sbin/$t" ]; then
		root=0 why="$t not installed"
	fi
done
if [ "$root" -eq 1 ]; then
	inns ip link set lo up
fi

# snapshot: the whole firewall state of the test namespace.
snapshot() {
	{
		inns iptables-save | grep -v '^#'
		inns ip6tables-save | grep -v '^#'
		inns nft list ruleset
		inns ipset list
	} 2>&1 | sed -E 's/expires [0-9hms]+//'
}

# ---------------------------------------------------------------- bad args
# As root these run inside the namespace, so even a validation bug cannot
# touch the host firewall; as non-root no firewall command can succeed.
[ "$root" -eq 1 ] && snapshot >"$tmp/before"
while IFS= read -r bad; do
	refuse "iptables SRC '$bad'" "$act/iptables" open "$bad" 22
	refuse "nftables SRC '$bad'" "$act/nftables" open "$bad" 22
	refuse "ipset SRC '$bad'" "$act/ipset" open "$bad"
	refuse "forward SRC '$bad'" "$act/forward" open "$bad" 40001 22
	refuse "iptables close SRC '$bad'" "$act/iptables" close "$bad" 22
done <<'EOF'
1.2.3.4;id
$(id)
`id`
999.1.1.1
256.0.0.1
1.2.3.4.5
1.2.3
01.2.3.4
1.2.3.04
1.2.3.4/32
1.2.3.4 
 1.2.3.4
1..3.4
::g
::1%lo
::1/128
1:2:3:4:5:6:7:8:9
1:2:3:4:5:6:7
1::2::3
:1::2
1:::2
12345::1
::ffff:1.2.3.4
fe80::1;reboot
*
-s
--chain
0x01020304
EOF
refuse "iptables SRC empty" "$act/iptables" open "" 22
refuse "iptables SRC with newline" "$act/iptables" open "1.2.3.4${nl}" 22
refuse "nftables SRC with newline" "$act/nftables" open "::1${nl}" 22
for bad in 0 65536 99999 abc 022 -1 '+22' '22/icmp' '22/' '/tcp' '22/tcp/udp' \
	'22/TCP' '1e3' ' 22' '22 ' ''; do
	refuse "iptables PORT '$bad'" "$act/iptables" open 1.2.3.4 "$bad"
	refuse "nftables PORT '$bad'" "$act/nftables" open 1.2.3.4 "$bad"
	refuse "forward OPEN_PORT '$bad'" "$act/forward" open 1.2.3.4 "$bad" 22
	case $bad in
	*/*) ;;
	*) refuse "forward SERVICE_PORT '$bad'" "$act/forward" open 1.2.3.4 40001 "$bad" ;;
	esac
done
refuse "forward SERVICE_PORT with proto" "$act/forward" open 1.2.3.4 40001 22/tcp
refuse "forward equal ports" "$act/forward" open 1.2.3.4 22 22
for s in iptables nftables ipset forward; do
	refuse "$s: no arguments" "$act/$s"
	refuse "$s: unknown command" "$act/$s" opne 1.2.3.4 22
	refuse "$s: open without SRC" "$act/$s" open
	refuse "$s: unknown option" "$act/$s" open 1.2.3.4 22 --bogus
done
refuse "iptables: missing PORT" "$act/iptables" open 1.2.3.4
refuse "iptables: extra argument" "$act/iptables" open 1.2.3.4 22 23
refuse "iptables: list with arguments" "$act/iptables" list 1.2.3.4
refuse "iptables: --chain without value" "$act/iptables" open 1.2.3.4 22 --chain
refuse "iptables: --chain 'a;b'" "$act/iptables" open 1.2.3.4 22 --chain 'a;b'
refuse "iptables: --chain '-j'" "$act/iptables" open 1.2.3.4 22 --chain=-j
refuse "nftables: missing PORT" "$act/nftables" open 1.2.3.4
refuse "nftables: extra argument" "$act/nftables" open 1.2.3.4 22 23
for bad in 0 -1 abc 2147484 '' 010 '1 2'; do
	refuse "nftables: --timeout '$bad'" "$act/nftables" open 1.2.3.4 22 --timeout "$bad"
done
for bad in 'a b' 'x;y' 'inet}' '' '9abc' '$(id)'; do
	refuse "nftables: --table '$bad'" "$act/nftables" open 1.2.3.4 22 --table "$bad"
done
refuse "ipset: extra argument" "$act/ipset" open 1.2.3.4 22
for bad in -1 abc 2147484 '' 010; do
	refuse "ipset: --timeout '$bad'" "$act/ipset" open 1.2.3.4 --timeout "$bad"
done
for bad in '../x' 'a b' 'x;y' '' 'abcdefghijabcdefghijabcdefghijk'; do
	refuse "ipset: --set '$bad'" "$act/ipset" open 1.2.3.4 --set "$bad"
done
refuse "forward: missing SERVICE_PORT" "$act/forward" open 1.2.3.4 40001
refuse "forward: extra argument" "$act/forward" open 1.2.3.4 40001 22 23
refuse "forward: --chain 'a b'" "$act/forward" open 1.2.3.4 40001 22 --chain 'a b'
if [ "$root" -eq 1 ]; then
	snapshot >"$tmp/after"
	check "bad arguments changed no firewall state" cmp -s "$tmp/before" "$tmp/after"
else
	skipped 1 "bad arguments change nothing: $why"
fi

if [ "$root" -eq 0 ]; then
	skipped 5 "iptables, nftables, ipset, forward, traffic checks: $why"
	done_testing
	exit
fi

# ---------------------------------------------------------------- iptables
# count CMD TABLE CHAIN PATTERN: rules in CHAIN matching the fixed string.
count() {
	inns "$1" -w -t "$2" -S "$3" 2>/dev/null | grep -cF -- "$4"
}
r4='-s 10.9.8.7/32 -p tcp -m tcp --dport 2222 -m comment --comment knockwatch -j ACCEPT'
u4='-s 10.9.8.7/32 -p udp -m udp --dport 2222 -m comment --comment knockwatch -j ACCEPT'
r6='-s fd42::7/128 -p tcp -m tcp --dport 2222 -m comment --comment knockwatch -j ACCEPT'
I=$act/iptables
check "iptables: open v4" inns "$I" open 10.9.8.7 2222
check_eq "iptables: one v4 rule" 1 "$(count iptables filter INPUT "$r4")"
check "iptables: open v4 again" inns "$I" open 10.9.8.7 2222/tcp
check_eq "iptables: still one v4 rule" 1 "$(count iptables filter INPUT "$r4")"
check "iptables: open v4 udp" inns "$I" open 10.9.8.7 2222/udp
check_eq "iptables: udp rule separate" 1 "$(count iptables filter INPUT "$u4")"
check_eq "iptables: v4 rule not in ip6tables" 0 "$(count ip6tables filter INPUT knockwatch)"
check "iptables: close v4 tcp" inns "$I" close 10.9.8.7 2222
check_eq "iptables: tcp rule gone" 0 "$(count iptables filter INPUT "$r4")"
check_eq "iptables: udp rule kept" 1 "$(count iptables filter INPUT "$u4")"
check "iptables: close twice succeeds" inns "$I" close 10.9.8.7 2222
check "iptables: open v6" inns "$I" open fd42::7 2222
check "iptables: open v6 again" inns "$I" open fd42::7 2222
check_eq "iptables: one v6 rule" 1 "$(count ip6tables filter INPUT "$r6")"
check "iptables: close v6" inns "$I" close fd42::7 2222
check_eq "iptables: v6 rule gone" 0 "$(count ip6tables filter INPUT "$r6")"
check "iptables: close v6 twice succeeds" inns "$I" close fd42::7 2222
inns iptables -w -N KWTEST
check "iptables: open --chain KWTEST" inns "$I" open 10.9.8.8 22 --chain KWTEST
check_eq "iptables: rule in KWTEST" 1 "$(count iptables filter KWTEST '-s 10.9.8.8/32')"
check_eq "iptables: not in INPUT" 0 "$(count iptables filter INPUT '-s 10.9.8.8/32')"
for a in 0.0.0.0 255.255.255.255 :: ::1 1:: fe80::1:2 1:2:3:4:5:6:7:: \
	2001:db8:0:0:0:0:0:1 FD42::A; do
	check "iptables: accepts and closes $a" sh -c \
		'ip netns exec "$1" "$2" open "$3" 7 && ip netns exec "$1" "$2" close "$3" 7' \
		sh "$ns" "$I" "$a"
done
inns iptables -w -A INPUT -p tcp --dport 9 -j DROP
inns "$I" open fd42::7 2222
inns "$act/forward" open 10.9.8.9 40001 22
check "iptables: list" inns "$I" list
cp "$tmp/out" "$tmp/list"
check_eq "iptables: list shows the 5 tagged rules" 5 "$(grep -c -- '--comment knockwatch' "$tmp/list")"
check "iptables: list lines recreate the rule" grep -qxF -- "iptables -t filter -A INPUT $u4" "$tmp/list"
check "iptables: flush" inns "$I" flush
check_eq "iptables: flush removed every tagged rule" 0 \
	"$( (inns iptables-save; inns ip6tables-save) | grep -c knockwatch)"
check_eq "iptables: flush kept the admin's rule" 1 \
	"$(count iptables filter INPUT '-p tcp -m tcp --dport 9 -j DROP')"
check "iptables: flush with nothing to do" inns "$I" flush
check_eq "iptables: list empty after flush" "" "$(inns "$I" list)"
inns iptables -w -F INPUT
inns iptables -w -X KWTEST
# Each door owns its rule (KNOCK_DOOR, as knockwatch passes it, or --door):
# two doors, one source and port, two rules; closing one keeps the other.
d_ssh='-s 10.9.8.7/32 -p tcp -m tcp --dport 22 -m comment --comment knockwatch-ssh -j ACCEPT'
d_otp='-s 10.9.8.7/32 -p tcp -m tcp --dport 22 -m comment --comment "knockwatch-ssh-otp.2" -j ACCEPT'
check "iptables: door ssh opens (KNOCK_DOOR)" inns env KNOCK_DOOR=ssh "$I" open 10.9.8.7 22
check "iptables: door ssh-otp.2 opens the same (--door)" inns "$I" open 10.9.8.7 22 --door ssh-otp.2
check_eq "iptables: a rule for each door" 2 \
	"$(($(count iptables filter INPUT "$d_ssh") + $(count iptables filter INPUT "$d_otp")))"
check "iptables: door ssh closes" inns env KNOCK_DOOR=ssh "$I" close 10.9.8.7 22
check_eq "iptables: ssh's rule gone" 0 "$(count iptables filter INPUT "$d_ssh")"
check_eq "iptables: ssh-otp.2's rule kept" 1 "$(count iptables filter INPUT "$d_otp")"
check "iptables: list shows a door's rule" sh -c \
	'ip netns exec "$1" "$2" list | grep -qF -- "--comment \"knockwatch-ssh-otp.2\""' sh "$ns" "$I"
check "iptables: flush removes a door's (quoted) rule" inns "$I" flush
check_eq "iptables: nothing tagged left" 0 "$(inns iptables-save | grep -c knockwatch)"
refuse "iptables: bad door name" env KNOCK_DOOR='a b' "$I" open 10.9.8.7 22
refuse "iptables: --door too long" "$I" close 10.9.8.7 22 --door \
	"$(printf '%065d' 0)"

# ---------------------------------------------------------------- nftables
N=$act/nftables
nset() { inns nft list set inet "${2:-knockwatch}" "$1" 2>/dev/null; }
check "nftables: close with no table succeeds" inns "$N" close 10.9.8.7 2222
check_eq "nftables: close created nothing" 0 "$(inns nft list tables | grep -c 'inet knockwatch')"
check "nftables: open v4 --timeout 120" inns "$N" open 10.9.8.7 2222 --timeout 120
check_eq "nftables: one v4 element" 1 "$(nset open4 | grep -o '10\.9\.8\.7 \. tcp \. 2222' | wc -l)"
nset open4 >"$tmp/set"
check "nftables: element has the timeout" \
	grep -q '10\.9\.8\.7 \. tcp \. 2222 timeout 2m expires' "$tmp/set"
check "nftables: open v4 again (default timeout)" inns "$N" open 10.9.8.7 2222
check_eq "nftables: still one v4 element" 1 "$(nset open4 | grep -o '10\.9\.8\.7 \. tcp \. 2222' | wc -l)"
check "nftables: re-open refreshed the timeout to 1h" sh -c \
	'ip netns exec "$1" nft list set inet knockwatch open4 | grep -q "2222 timeout 1h"' sh "$ns"
check "nftables: set has flags timeout" sh -c \
	'ip netns exec "$1" nft list set inet knockwatch open4 | grep -q "flags timeout"' sh "$ns"
inns nft list chain inet knockwatch input >"$tmp/chain" 2>&1
check "nftables: base chain on input before filter" \
	grep -q 'type filter hook input priority filter - 10; policy accept;' "$tmp/chain"
check_eq "nftables: exactly two marking accept rules" 2 \
	"$(grep -c 'saddr \. meta l4proto \. th dport @open[46] meta mark set 0x00004b57 accept' "$tmp/chain")"
check "nftables: close v4" inns "$N" close 10.9.8.7 2222
check_eq "nftables: v4 element gone" 0 "$(nset open4 | grep -c '10\.9\.8\.7')"
check "nftables: close twice succeeds" inns "$N" close 10.9.8.7 2222
check "nftables: open v6 udp" inns "$N" open fd42::7 2222/udp --timeout=600
check_eq "nftables: one v6 element" 1 "$(nset open6 | grep -o 'fd42::7 \. udp \. 2222 timeout 10m' | wc -l)"
check "nftables: open v6 again" inns "$N" open fd42::7 2222/udp --timeout=600
check_eq "nftables: still one v6 element" 1 "$(nset open6 | grep -o 'fd42::7 \. udp \. 2222' | wc -l)"
check "nftables: close v6" inns "$N" close fd42::7 2222/udp
check_eq "nftables: v6 element gone" 0 "$(nset open6 | grep -c 'fd42::7')"
check_eq "nftables: open twice did not add rules" 2 \
	"$(inns nft list chain inet knockwatch input | grep -c 'mark set')"
check "nftables: open --timeout 1" inns "$N" open 10.9.8.9 22 --timeout 1
check "nftables: the kernel expires the element" wait_for 5 sh -c \
	'! ip netns exec "$1" nft list set inet knockwatch open4 | grep -q 10.9.8.9' sh "$ns"
check "nftables: open in --table kwother" inns "$N" open 10.9.8.7 22 --table kwother
check_eq "nftables: element in kwother" 1 "$(nset open4 kwother | grep -c '10\.9\.8\.7 \. tcp \. 22 ')"
inns "$N" open 10.9.8.7 2222 >/dev/null 2>&1
check "nftables: list" inns "$N" list
cp "$tmp/out" "$tmp/list"
check "nftables: list shows the element" grep -q '10\.9\.8\.7 \. tcp \. 2222' "$tmp/list"
check "nftables: flush" inns "$N" flush
check_eq "nftables: flush emptied the set" 0 "$(nset open4 | grep -c '10\.9\.8\.7')"
inns nft delete table inet knockwatch
inns nft delete table inet kwother
# Each door has its own sets: closing one door keeps another's element.
check "nftables: door ssh opens (KNOCK_DOOR)" inns env KNOCK_DOOR=ssh "$N" open 10.9.8.7 22
check "nftables: door ssh-otp.2 opens the same (--door)" inns "$N" open 10.9.8.7 22 --door ssh-otp.2
check_eq "nftables: an element in each door's set" 2 \
	"$( (nset d4_ssh; nset d4_ssh_dotp_o2) | grep -c '10\.9\.8\.7 \. tcp \. 22 ')"
check "nftables: a door opening again adds no rule" inns env KNOCK_DOOR=ssh "$N" open 10.9.8.8 22
check_eq "nftables: two marking rules per door" 4 \
	"$(inns nft list chain inet knockwatch input | grep -c '@d[46]_ssh.* mark set')"
check "nftables: door ssh closes" inns env KNOCK_DOOR=ssh "$N" close 10.9.8.7 22
check_eq "nftables: ssh's element gone" 0 "$(nset d4_ssh | grep -c '10\.9\.8\.7 ')"
check_eq "nftables: ssh-otp.2's element kept" 1 "$(nset d4_ssh_dotp_o2 | grep -c '10\.9\.8\.7 ')"
check "nftables: closing a door never opened succeeds" inns "$N" close 10.9.8.7 22 --door never
check "nftables: flush empties every door's set" sh -c \
	'ip netns exec "$1" "$2" flush && ! ip netns exec "$1" nft list table inet knockwatch | grep -q "elements ="' sh "$ns" "$N"
refuse "nftables: bad door name" "$N" open 10.9.8.7 22 --door 'x;y'
inns nft delete table inet knockwatch

# ---------------------------------------------------------------- ipset
P=$act/ipset
members() { inns ipset list "$1" 2>/dev/null | sed '1,/^Members:/d'; }
check "ipset: close with no set succeeds" inns "$P" close 10.9.8.7
check "ipset: open v4" inns "$P" open 10.9.8.7
check "ipset: open v4 again with --timeout 120" inns "$P" open 10.9.8.7 --timeout 120
check_eq "ipset: one v4 member" 1 "$(members knockwatch4 | grep -c '^10\.9\.8\.7 ')"
members knockwatch4 >"$tmp/mem"
check "ipset: member has the timeout" \
	grep -Eq '^10\.9\.8\.7 timeout 1[12][0-9]$' "$tmp/mem"
check "ipset: set is hash:ip family inet with timeout" sh -c \
	'ip netns exec "$1" ipset list knockwatch4 | grep -Eq "^Header: family inet .*timeout 0"' sh "$ns"
check "ipset: close v4" inns "$P" close 10.9.8.7
check_eq "ipset: v4 member gone" 0 "$(members knockwatch4 | grep -c '10\.9\.8\.7')"
check "ipset: close twice succeeds" inns "$P" close 10.9.8.7
check "ipset: open v6" inns "$P" open fd42::7
check "ipset: open v6 again" inns "$P" open fd42::7
check_eq "ipset: one v6 member" 1 "$(members knockwatch6 | grep -c '^fd42::7 ')"
check "ipset: v6 set is family inet6" sh -c \
	'ip netns exec "$1" ipset list knockwatch6 | grep -q "^Header: family inet6 "' sh "$ns"
check "ipset: close v6" inns "$P" close fd42::7
check_eq "ipset: v6 member gone" 0 "$(members knockwatch6 | grep -c 'fd42::7')"
check "ipset: --set kwx" inns "$P" open 10.9.8.7 --set kwx
check_eq "ipset: member in kwx4" 1 "$(members kwx4 | grep -c '^10\.9\.8\.7 ')"
check "ipset: flush --set kwx" inns "$P" flush --set kwx
check_eq "ipset: kwx4 empty" "" "$(members kwx4)"
# One entry, owned by the doors that opened it: closing one door leaves
# the entry while another owns it, and never shortens its timeout.
check "ipset: door ssh opens for 600 s" inns env KNOCK_DOOR=ssh "$P" open 10.9.8.7 --timeout 600
check "ipset: door otp opens the same for 30 s" inns "$P" open 10.9.8.7 --timeout 30 --door otp
members knockwatch4 >"$tmp/mem"
check "ipset: the shorter open kept ssh's timeout" \
	grep -Eq '^10\.9\.8\.7 timeout (59[0-9]|600)$' "$tmp/mem"
check "ipset: door ssh closes" inns env KNOCK_DOOR=ssh "$P" close 10.9.8.7
check_eq "ipset: the entry stays for door otp" 1 "$(members knockwatch4 | grep -c '^10\.9\.8\.7 ')"
check "ipset: door otp closes" inns "$P" close 10.9.8.7 --door otp
check_eq "ipset: then the entry goes" 0 "$(members knockwatch4 | grep -c '10\.9\.8\.7')"
refuse "ipset: bad door name" "$P" open 10.9.8.7 --door 'a/b'
inns ipset destroy

# ---------------------------------------------------------------- forward
F=$act/forward
nat4='-s 10.9.8.7/32 -p tcp -m tcp --dport 40001 -m comment --comment knockwatch -j REDIRECT --to-ports 22'
acc4='-s 10.9.8.7/32 -p tcp -m tcp --dport 22 -m conntrack --ctstate DNAT --ctorigdstport 40001 -m comment --comment knockwatch -j ACCEPT'
nat6='-s fd42::7/128 -p udp -m udp --dport 40001 -m comment --comment knockwatch -j REDIRECT --to-ports 53'
acc6='-s fd42::7/128 -p udp -m udp --dport 53 -m conntrack --ctstate DNAT --ctorigdstport 40001 -m comment --comment knockwatch -j ACCEPT'
check "forward: close with nothing there" inns "$F" close 10.9.8.7 40001 22
check "forward: open v4" inns "$F" open 10.9.8.7 40001 22
check "forward: open v4 again" inns "$F" open 10.9.8.7 40001/tcp 22
check_eq "forward: one redirect" 1 "$(count iptables nat PREROUTING "$nat4")"
check_eq "forward: one conntrack accept" 1 "$(count iptables filter INPUT "$acc4")"
check "forward: close v4" inns "$F" close 10.9.8.7 40001 22
check_eq "forward: redirect gone" 0 "$(count iptables nat PREROUTING knockwatch)"
check_eq "forward: accept gone" 0 "$(count iptables filter INPUT knockwatch)"
check "forward: close v4 twice" inns "$F" close 10.9.8.7 40001 22
check "forward: open v6 udp" inns "$F" open fd42::7 40001/udp 53
check "forward: open v6 again" inns "$F" open fd42::7 40001/udp 53
check_eq "forward: one v6 redirect" 1 "$(count ip6tables nat PREROUTING "$nat6")"
check_eq "forward: one v6 accept" 1 "$(count ip6tables filter INPUT "$acc6")"
check "forward: close v6" inns "$F" close fd42::7 40001/udp 53
check_eq "forward: v6 rules gone" 0 \
	"$( (inns ip6tables-save) | grep -c knockwatch)"
check "forward: --chain KWF" sh -c 'ip netns exec "$1" iptables -w -N KWF &&
	ip netns exec "$1" "$2" open 10.9.8.7 40001 22 --chain KWF &&
	ip netns exec "$1" iptables -w -S KWF | grep -q ctorigdstport &&
	ip netns exec "$1" "$2" close 10.9.8.7 40001 22 --chain KWF &&
	! ip netns exec "$1" iptables-save | grep -q knockwatch' sh "$ns" "$F"
check "forward: two doors, one source and port" sh -c \
	'ip netns exec "$1" env KNOCK_DOOR=a "$2" open 10.9.8.7 40001 22 &&
	ip netns exec "$1" env KNOCK_DOOR=b "$2" open 10.9.8.7 40001 22' sh "$ns" "$F"
check_eq "forward: each door has its two rules" 4 \
	"$(inns iptables-save | grep -c 'comment knockwatch-[ab] ')"
check "forward: door a closes" inns env KNOCK_DOOR=a "$F" close 10.9.8.7 40001 22
check_eq "forward: door b's two rules kept" 2 "$(inns iptables-save | grep -c 'comment knockwatch-b ')"
check_eq "forward: door a's gone" 0 "$(inns iptables-save | grep -c 'comment knockwatch-a ')"
inns "$act/iptables" flush

# ---------------------------------------------------------------- traffic
# Two more namespaces joined by a veth pair that is created inside them;
# addresses 10.201.0.0/24 and fd42:4b57::/64 exist only there.
if ! command -v nc >/dev/null 2>&1 || ! command -v ss >/dev/null 2>&1; then
	skipped 1 "traffic checks: nc or ss not installed"
	done_testing
	exit
fi
srv=kwacs$$ cli=kwacc$$
setup_traffic() {
	ip netns add "$srv" && ip netns add "$cli" &&
		ip -n "$srv" link add kwv0 type veth peer name kwv1 netns "$cli" &&
		ip -n "$srv" link set lo up && ip -n "$cli" link set lo up &&
		ip -n "$srv" addr add 10.201.0.1/24 dev kwv0 &&
		ip -n "$cli" addr add 10.201.0.2/24 dev kwv1 &&
		ip -n "$srv" addr add fd42:4b57::1/64 dev kwv0 nodad &&
		ip -n "$cli" addr add fd42:4b57::2/64 dev kwv1 nodad &&
		ip -n "$srv" link set kwv0 up && ip -n "$cli" link set kwv1 up
}
if ! setup_traffic 2>"$tmp/err"; then
	not_ok "traffic: set up veth pair: $(cat "$tmp/err")"
	done_testing
	exit 1
fi
for addr in 10.201.0.1 fd42:4b57::1; do
	ip netns exec "$srv" nc -l -k "$addr" 5555 </dev/null >/dev/null 2>&1 &
	pids="$pids $!"
done
listening() { [ "$(ip netns exec "$srv" ss -Htln 'sport = :5555' | wc -l)" -ge 2 ]; }
check "traffic: listeners up" wait_for 5 listening
S() { ip netns exec "$srv" "$@"; }
reach() { ip netns exec "$cli" nc -z -w 1 "$1" "$2"; }
check "traffic: v4 reachable before any rule" reach 10.201.0.1 5555
check "traffic: v6 reachable before any rule" reach fd42:4b57::1 5555

# iptables action against a plain admin drop rule.
S iptables -w -A INPUT -p tcp --dport 5555 -j DROP
S ip6tables -w -A INPUT -p tcp --dport 5555 -j DROP
check_not "traffic/iptables: v4 dropped" reach 10.201.0.1 5555
check_not "traffic/iptables: v6 dropped" reach fd42:4b57::1 5555
check "traffic/iptables: open v4" S "$I" open 10.201.0.2 5555/tcp
check "traffic/iptables: v4 gets in" reach 10.201.0.1 5555
check_not "traffic/iptables: v6 still dropped" reach fd42:4b57::1 5555
check "traffic/iptables: open v6" S "$I" open fd42:4b57::2 5555/tcp
check "traffic/iptables: v6 gets in" reach fd42:4b57::1 5555
check "traffic/iptables: close v4" S "$I" close 10.201.0.2 5555
check "traffic/iptables: close v6" S "$I" close fd42:4b57::2 5555
check_not "traffic/iptables: v4 dropped again" reach 10.201.0.1 5555
check_not "traffic/iptables: v6 dropped again" reach fd42:4b57::1 5555

# nftables action: its accept alone does not beat another table's drop;
# the admin's drop rule must exempt the mark.
check "traffic/nftables: open v4" S "$N" open 10.201.0.2 5555 --timeout 300
check_not "traffic/nftables: plain iptables DROP still drops (why the mark)" \
	reach 10.201.0.1 5555
S iptables -w -F INPUT
S ip6tables -w -F INPUT
S iptables -w -A INPUT -p tcp --dport 5555 -m mark ! --mark 0x4b57 -j DROP
S ip6tables -w -A INPUT -p tcp --dport 5555 -m mark ! --mark 0x4b57 -j DROP
check "traffic/nftables: v4 gets in past iptables '! --mark 0x4b57' drop" \
	reach 10.201.0.1 5555
check_not "traffic/nftables: v6 (not opened) dropped" reach fd42:4b57::1 5555
check "traffic/nftables: close v4" S "$N" close 10.201.0.2 5555
check_not "traffic/nftables: v4 dropped after close" reach 10.201.0.1 5555
S iptables -w -F INPUT
S ip6tables -w -F INPUT
S nft -f - <<'EOF'
table inet admin {
	chain input {
		type filter hook input priority filter; policy accept;
		meta mark != 0x4b57 tcp dport 5555 drop
	}
}
EOF
check_not "traffic/nftables: admin nft drop drops v6" reach fd42:4b57::1 5555
check "traffic/nftables: open v6" S "$N" open fd42:4b57::2 5555/tcp
check "traffic/nftables: v6 gets in past nft 'meta mark != 0x4b57' drop" \
	reach fd42:4b57::1 5555
check_not "traffic/nftables: v4 (not opened) dropped" reach 10.201.0.1 5555
check "traffic/nftables: close v6" S "$N" close fd42:4b57::2 5555/tcp
check_not "traffic/nftables: v6 dropped after close" reach fd42:4b57::1 5555
S nft delete table inet admin
S nft delete table inet knockwatch

# ipset action with the documented admin rules.
S "$P" open 10.201.0.2 && S "$P" close 10.201.0.2
S "$P" open fd42:4b57::2 && S "$P" close fd42:4b57::2
S iptables -w -A INPUT -p tcp --dport 5555 -m set --match-set knockwatch4 src -j ACCEPT
S iptables -w -A INPUT -p tcp --dport 5555 -j DROP
S ip6tables -w -A INPUT -p tcp --dport 5555 -m set --match-set knockwatch6 src -j ACCEPT
S ip6tables -w -A INPUT -p tcp --dport 5555 -j DROP
check_not "traffic/ipset: v4 dropped" reach 10.201.0.1 5555
check "traffic/ipset: open v4" S "$P" open 10.201.0.2 --timeout 300
check "traffic/ipset: open v6" S "$P" open fd42:4b57::2
check "traffic/ipset: v4 gets in" reach 10.201.0.1 5555
check "traffic/ipset: v6 gets in" reach fd42:4b57::1 5555
check "traffic/ipset: close v4" S "$P" close 10.201.0.2
check "traffic/ipset: close v6" S "$P" close fd42:4b57::2
check_not "traffic/ipset: v4 dropped again" reach 10.201.0.1 5555
check_not "traffic/ipset: v6 dropped again" reach fd42:4b57::1 5555
S iptables -w -F INPUT
S ip6tables -w -F INPUT

# forward action: the derived port reaches the service, the service port
# itself stays dropped.
S iptables -w -A INPUT -p tcp --dport 5555 -j DROP
S ip6tables -w -A INPUT -p tcp --dport 5555 -j DROP
check_not "traffic/forward: open port closed before open" reach 10.201.0.1 40001
check "traffic/forward: open v4" S "$F" open 10.201.0.2 40001 5555
check "traffic/forward: open v6" S "$F" open fd42:4b57::2 40001/tcp 5555
check "traffic/forward: v4 open port reaches the service" reach 10.201.0.1 40001
check "traffic/forward: v6 open port reaches the service" reach fd42:4b57::1 40001
check_not "traffic/forward: v4 service port still dropped" reach 10.201.0.1 5555
check_not "traffic/forward: v6 service port still dropped" reach fd42:4b57::1 5555
check "traffic/forward: close v4" S "$F" close 10.201.0.2 40001 5555
check "traffic/forward: close v6" S "$F" close fd42:4b57::2 40001/tcp 5555
check_not "traffic/forward: v4 open port closed again" reach 10.201.0.1 40001
check_not "traffic/forward: v6 open port closed again" reach fd42:4b57::1 40001

done_testing
