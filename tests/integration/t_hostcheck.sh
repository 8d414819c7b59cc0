#!/bin/sh
# t_hostcheck.sh — the warning about net.netfilter.nf_log_all_netns (issue
# 12, section 5): with the real sysctl set to 1 (shared with the net tests
# through tests/net/nflog.sh) and unprivileged user namespaces allowed, both
# `knockwatch -n` and the daemon's start warn, with the remedy, and neither
# refuses. When the sysctl is 0, or user namespaces are closed, it is quiet:
# test_hostcheck covers those cases over fake /proc/sys trees, since turning
# the sysctl off here would break net tests running alongside.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/net/nflog.sh
. "$KW_TOP/tests/net/nflog.sh"

if [ "$(id -u)" -ne 0 ] || [ ! -w "$NFLOG" ]; then
	skipped "nf_log_all_netns warning (needs root and $NFLOG)"
	done_testing
	exit
fi
trap 'nflog_off; cleanup' EXIT

# userns_open: this host lets unprivileged users make user namespaces.
userns_open() {
	c=$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null) || c=1
	m=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null) || m=0
	[ "$c" = 1 ] && [ "$m" -gt 0 ]
}
config_static 5
nflog_on
"$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>"$T/n.err"
check "-n with nf_log_all_netns=1 still accepts the config" \
	grep -q "configuration OK" "$T/n.out"
if userns_open; then
	check "-n warns about nf_log_all_netns=1 with user namespaces open" \
		grep -q "warning: net.netfilter.nf_log_all_netns is 1 and unprivileged user namespaces are allowed" "$T/n.err"
	check "the warning gives the remedy" \
		grep -q "set net.netfilter.nf_log_all_netns=0.*user.max_user_namespaces=0" "$T/n.err"
	check "the daemon starts anyway" start_kw
	check "the daemon warns at start" \
		grep -q "warning: net.netfilter.nf_log_all_netns is 1" "$T/kw.err"
	check "SIGTERM exits 0" stop_kw
else
	check "-n is quiet when user namespaces are closed" \
		sh -c "! grep -q nf_log_all_netns '$T/n.err'"
	skipped "the warning itself (user namespaces are closed on this host)"
fi
done_testing
