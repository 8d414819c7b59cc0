#!/bin/sh
# t_knocksh.sh — the knockwatch/2 vectors (shared/spec/sequence-v2.md)
# through `knockwatch sequence` and `examples/knock.sh --print`; both must
# print the expected line. Then argument checks, --bind canonicalisation and
# real knocks, which go to 127.0.0.1 only. Without $KW_BUILD/knockwatch the
# binary's checks count as failed and knock.sh is still tested.
set -u
top=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
build=${KW_BUILD:-$top/build}
kw=$build/knockwatch
ks=$top/examples/knock.sh
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
pass=0 fail=0
tmp=$(mktemp -d)
# Knocks are remembered per step (cli_last.c): this run's own cache, so a
# step knocked by an earlier run is no "knocked already" here.
XDG_CACHE_HOME=$tmp/cache
export XDG_CACHE_HOME
listener=''

cleanup() {
	[ -z "$listener" ] || kill "$listener" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

have_kw=1
if [ ! -x "$kw" ]; then
	have_kw=0
	printf 'note: %s missing; its checks count as failed\n' "$kw"
fi

# expect NAME EXPECTED TOOL ARGS...: TOOL is kw or sh.
expect() {
	name=$1 want=$2 tool=$3
	shift 3
	if [ "$tool" = kw ]; then
		if [ "$have_kw" -eq 0 ]; then
			bad "$name (kw): no binary"
			return
		fi
		got=$("$kw" sequence "$@" 2>&1)
	else
		got=$(sh "$ks" --print "$@" 2>&1)
	fi
	if [ "$got" = "$want" ]; then
		ok
	else
		bad "$name ($tool): got '$got', want '$want'"
	fi
}

# expect_rc NAME RC TOOL ARGS...: only the exit status counts.
expect_rc() {
	name=$1 want=$2 tool=$3
	shift 3
	if [ "$tool" = kw ]; then
		if [ "$have_kw" -eq 0 ]; then
			bad "$name (kw): no binary"
			return
		fi
		"$kw" "$@" >"$tmp/out" 2>&1
	else
		sh "$ks" "$@" >"$tmp/out" 2>&1
	fi
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok
	else
		bad "$name ($tool): exit $rc, want $want: $(head -n 1 "$tmp/out")"
	fi
}

# The spec's vectors: door user step bind length range protocols open
# expected ("-" for an empty field).
vectors='ssh alice 58720000 - 4 20000-59999 tcp - tcp/39776 tcp/42025 tcp/31751 tcp/22516
ssh alice 58720001 203.0.113.7 4 20000-59999 tcp - tcp/41268 tcp/30438 tcp/46076 tcp/25589
ssh alice 58720001 203.0.113.8 4 20000-59999 tcp - tcp/41268 tcp/59159 tcp/26836 tcp/57745
ssh bob 58720000 - 6 1024-65535 tcp,udp - tcp/58885 tcp/19330 tcp/16592 udp/38043 tcp/13935 udp/40220
ssh bob 58720000 198.51.100.20 6 1024-65535 tcp,udp - tcp/58885 udp/42466 tcp/57967 udp/19547 tcp/36308 udp/15836
web alice 58720000 2001:db8::7 3 40000-40009 tcp 50000-50099 tcp/40005 tcp/40002 tcp/40009 open=50003
ssh alice 58720000 - 8 7000-7007 tcp - tcp/7000 tcp/7003 tcp/7001 tcp/7007 tcp/7006 tcp/7004 tcp/7005 tcp/7002
ssh@web2 alice 58720000 - 4 20000-59999 tcp - tcp/48216 tcp/42091 tcp/58764 tcp/40220'

n=0
while read -r door user step bind length range protocols open want; do
	n=$((n + 1))
	set -- --key "$key" --door "$door" --user "$user" --step "$step" \
	    --length "$length" --range "$range" --protocols "$protocols"
	[ "$bind" = - ] || set -- "$@" --bind "$bind"
	[ "$open" = - ] || set -- "$@" --open-range "$open"
	for tool in kw sh; do
		expect "vector $n" "$want" "$tool" "$@"
	done
done <<EOF
$vectors
EOF

# doc/protocol.md carries the same vectors: every row of its table must be
# what `knockwatch sequence` derives.
trim() { printf '%s' "$1" | sed 's/^ *//; s/ *$//'; }
if [ "$have_kw" -eq 1 ]; then
	rows=0
	grep -E '^\| [a-z@0-9]+ \| [a-z]+ \| [0-9]+ \|' "$top/doc/protocol.md" \
	    >"$tmp/docrows"
	while IFS='|' read -r _ door user step bind length range protocols open want _; do
		rows=$((rows + 1))
		door=$(trim "$door") user=$(trim "$user") step=$(trim "$step")
		bind=$(trim "$bind") length=$(trim "$length")
		range=$(trim "$range") protocols=$(trim "$protocols")
		open=$(trim "$open")
		want=$(trim "$want" | sed 's/, open port / open=/')
		set -- --key "$key" --door "$door" --user "$user" --step "$step" \
		    --length "$length" --range "$range" --protocols "$protocols"
		[ -z "$bind" ] || set -- "$@" --bind "$bind"
		[ -z "$open" ] || set -- "$@" --open-range "$open"
		expect "doc/protocol.md row $rows" "$want" kw "$@"
	done <"$tmp/docrows"
	if [ "$rows" -eq 8 ]; then
		ok
	else
		bad "doc/protocol.md: $rows vector rows, want 8"
	fi
fi

v1='tcp/39776 tcp/42025 tcp/31751 tcp/22516'
v4='tcp/40005 tcp/40002 tcp/40009 open=50003'
printf '%s\n' "$key" >"$tmp/key"
chmod 600 "$tmp/key"
for tool in kw sh; do
	# Defaults (length 4, 20000-59999, tcp, period 30) and --time.
	expect "defaults" "$v1" "$tool" --key "$key" --door ssh \
	    --user alice --time 1761600000
	expect "time in step" "$v1" "$tool" --key "$key" --door ssh \
	    --user alice --time 1761600029
	expect "period" "$v1" "$tool" --key "$key" --door ssh \
	    --user alice --time $((58720000 * 60 + 59)) --period 60
	expect "key file" "$v1" "$tool" --key-file "$tmp/key" --door ssh \
	    --user alice --step 58720000
	# An expanded, upper-case IPv6 --bind is canonicalised first.
	for b in 2001:0DB8:0:0:0:0:0:7 2001:db8:0::0007 2001:DB8::7; do
		expect "bind $b" "$v4" "$tool" --key "$key" --door web \
		    --user alice --step 58720000 --bind "$b" --length 3 \
		    --range 40000-40009 --open-range 50000-50099
	done
done

# The canonical address text is hexadecimal only: a mapped or compatible
# address in dotted form derives what its hexadecimal form does.
for tool in kw sh; do
	for pair in ::ffff:192.0.2.7=::ffff:c000:207 ::FFFF:192.0.2.7=::ffff:c000:207 \
	    ::1.2.3.4=::102:304 0:0:0:0:0:0:102:304=::102:304 \
	    2001:0db8::0007=2001:db8::7; do
		if [ "$tool" = kw ] && [ "$have_kw" -eq 0 ]; then
			bad "bind ${pair%=*} (kw): no binary"
			continue
		fi
		if [ "$tool" = kw ]; then
			want=$("$kw" sequence --key "$key" --door d --user u \
			    --step 1 --bind "${pair#*=}" 2>&1)
		else
			want=$(sh "$ks" --print --key "$key" --door d --user u \
			    --step 1 --bind "${pair#*=}" 2>&1)
		fi
		expect "bind ${pair%=*}" "$want" "$tool" --key "$key" --door d \
		    --user u --step 1 --bind "${pair%=*}"
	done
done

# Both tools canonicalise addresses alike (RFC 5952, hexadecimal only).
if [ "$have_kw" -eq 1 ]; then
	for b in ::1 :: ::ffff:1.2.3.4 ::FFFF:0102:0304 ::1.2.3.4 ::1:0 1:: \
	    1:0:0:1:0:0:0:1 0:0:1:0:0:0:0:1 fe80::1:2:3:4 1:2:3:4:5:6:7:: \
	    ::2:3:4:5:6:7:8 64:ff9b::192.0.2.33 0:0:0:0:1:0:0:0 10.1.2.3; do
		x=$("$kw" sequence --key "$key" --door d --user u --step 1 \
		    --bind "$b" 2>&1)
		y=$(sh "$ks" --print --key "$key" --door d --user u --step 1 \
		    --bind "$b" 2>&1)
		if [ -n "$x" ] && [ "$x" = "$y" ]; then
			ok
		else
			bad "bind $b: knockwatch '$x', knock.sh '$y'"
		fi
	done
else
	bad "bind canonicalisation: no binary"
fi

# Usage errors exit 64 in both.
for tool in kw sh; do
	if [ "$tool" = kw ]; then
		pre=sequence
	else
		pre=--print
	fi
	expect_rc "bad door" 64 "$tool" "$pre" --key "$key" --door 'a|b' \
	    --user alice --step 1
	expect_rc "no user" 64 "$tool" "$pre" --key "$key" --door ssh --step 1
	expect_rc "short key" 64 "$tool" "$pre" --key 0001 --door ssh \
	    --user alice --step 1
	expect_rc "length > range" 64 "$tool" "$pre" --key "$key" --door ssh \
	    --user alice --length 5 --range 7000-7003
	expect_rc "open range used up" 64 "$tool" "$pre" --key "$key" \
	    --door ssh --user alice --range 7000-7007 --open-range 7000-7003
	expect_rc "bad bind" 64 "$tool" "$pre" --key "$key" --door ssh \
	    --user alice --bind 1.2.3.04
	expect_rc "step and time" 64 "$tool" "$pre" --key "$key" --door ssh \
	    --user alice --step 1 --time 1
	expect_rc "bad protocols" 64 "$tool" "$pre" --key "$key" --door ssh \
	    --user alice --protocols udp
done

# The parameters knockwatch/2 calls invalid are refused with the reason.
# expect_why NAME TEXT ARGS...: `knockwatch sequence ARGS` exits 64 and
# says TEXT.
expect_why() {
	name=$1 text=$2
	shift 2
	if [ "$have_kw" -eq 0 ]; then
		bad "$name (kw): no binary"
		return
	fi
	"$kw" sequence "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 64 ] && grep -q "$text" "$tmp/out"; then
		ok
	else
		bad "$name: exit $rc, '$(head -n 1 "$tmp/out")'"
	fi
}
expect_why "length 1" "2 to 16 knocks" --key "$key" --door ssh \
    --user alice --length 1
expect_why "length 17" "2 to 16 knocks" --key "$key" --door ssh \
    --user alice --length 17
expect_why "length > range" "never repeats a port" --key "$key" \
    --door ssh --user alice --length 5 --range 7000-7003
expect_why "the spec's invalid open range" "could use up every one" \
    --key "$key" --door ssh --user alice --step 1 --open-range 30000-30003

# Knocks, to loopback only. An unresolvable name fails before sending.
expect_rc "knock unresolvable" 68 kw knock no-such-host.invalid \
    --sequence 7000/tcp
expect_rc "knock unresolvable" 68 sh --key "$key" --door ssh --user alice \
    no-such-host.invalid
expect_rc "knock no host" 64 kw knock --sequence 7000/tcp
expect_rc "knock bad sequence" 64 kw knock 127.0.0.1 --sequence 7000/icmp

# The derived knocks are the printed sequence (closed loopback ports answer
# with a reset; the knock still counts as sent).
if [ "$have_kw" -eq 1 ]; then
	want=$("$kw" sequence --key "$key" --door ssh --user alice \
	    --step 58720000 --length 3 --range 45000-45099 2>&1)
	got=$("$kw" knock 127.0.0.1 -v --delay 0 --key "$key" --door ssh \
	    --user alice --step 58720000 --length 3 --range 45000-45099 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$got" = "knocking 127.0.0.1: $want" ]; then
		ok
	else
		bad "knock -v: exit $rc, '$got'"
	fi
	# --bind-source derives with the kernel's source address.
	want=$("$kw" sequence --key "$key" --door web --user alice \
	    --step 1 --bind 127.0.0.1 2>&1)
	got=$("$kw" knock 127.0.0.1 -v --delay 0 --key "$key" --door web \
	    --user alice --step 1 --bind-source 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] &&
	    [ "$got" = "knocking 127.0.0.1 from 127.0.0.1: $want" ]; then
		ok
	else
		bad "knock --bind-source: exit $rc, '$got'"
	fi
else
	bad "knock -v: no binary"
	bad "knock --bind-source: no binary"
fi

# One UDP knock must arrive at a local listener (OpenBSD nc: -W 1 ends it
# after one datagram). The knock is repeated until the listener, which may
# still be starting, has it.
port=$((41000 + $$ % 4000))
received() {
	"$@" >/dev/null 2>&1
	[ -s "$tmp/udp" ]
}
udp_check() {
	name=$1
	shift
	: >"$tmp/udp"
	timeout 15 nc -u -l -W 1 127.0.0.1 "$port" >"$tmp/udp" 2>/dev/null &
	listener=$!
	if wait_for 10 received "$@"; then
		ok
	else
		bad "$name: no datagram at 127.0.0.1:$port"
	fi
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	listener=''
}
if command -v nc >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
	if [ "$have_kw" -eq 1 ]; then
		udp_check "knockwatch knock udp" "$kw" knock 127.0.0.1 \
		    --delay 0 --sequence "$port/udp"
	else
		bad "knockwatch knock udp: no binary"
	fi
	# knock.sh with a two-port range: find a step where a knock to $port
	# is UDP.
	step=0
	while [ "$step" -lt 50 ]; do
		line=$(sh "$ks" --print --key "$key" --door ssh --user alice \
		    --step "$step" --length 2 --range "$port-$((port + 1))" \
		    --protocols tcp,udp)
		case $line in
		"udp/$port "* | *" udp/$port") break ;;
		esac
		step=$((step + 1))
	done
	udp_check "knock.sh udp" sh "$ks" --key "$key" --door ssh \
	    --user alice --step "$step" --length 2 \
	    --range "$port-$((port + 1))" --protocols tcp,udp --delay 0 \
	    127.0.0.1
else
	bad "udp knocks: nc or timeout missing"
fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
