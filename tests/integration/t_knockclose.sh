#!/bin/sh
# t_knockclose.sh — examples/knockd-equivalent.yaml as a user runs it: in a
# network namespace of its own with the real iptables, the openSSH knock
# adds the ACCEPT rule for the source and the closeSSH knock (the reverse
# sequence) removes it again. The close runs actions/iptables under another
# door's name, so it must name the opening door (--door openSSH).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 ||
	! command -v iptables >/dev/null 2>&1; then
	skip_all "needs root, ip and iptables"
fi
NS=kwclose$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
trap 'ip netns del "$NS" 2>/dev/null; cleanup' EXIT
mkdir -p "$T/state" "$T/run"
{
	printf 'runtime_dir: %s\n' "$T/run"
	sed -e "s#/usr/local/lib/knockwatch/actions#$KW_TOP/actions#g" \
	    -e "s#/var/lib/knockwatch#$T/state#" \
	    -e "s#/var/log/knock.log#$LOG#" "$KW_TOP/examples/knockd-equivalent.yaml"
} >"$T/kw.yaml"
rule() { ip netns exec "$NS" iptables -S INPUT | grep -q -- "-s 198.51.100.7/32 .*knockwatch-openSSH"; }
no_rule() { ! rule; }

KW_WRAP="ip netns exec $NS" start_kw
knock 198.51.100.7 tcp/7000 udp/8000 tcp/9000
check "openSSH's knock adds the ACCEPT rule for the source" wait_for 10 rule
knock 198.51.100.7 tcp/9000 udp/8000 tcp/7000
check "closeSSH's knock removes it" wait_for 10 no_rule
stop_kw
[ "$fail" -eq 0 ] || sed "s/^/    /" "$T/kw.err" | tail -20
done_testing
