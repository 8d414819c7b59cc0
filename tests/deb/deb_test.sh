#!/bin/sh
# deb_test.sh DEB — the Debian package as an administrator meets it (issue
# 16; `make deb-test`, which .ci/run calls and `make check` does not: it
# changes the system). As root it:
#   - lints DEB (lintian's default profile: no error, no warning);
#   - installs it with `apt install ./knockwatch_*.deb`, checks the layout,
#     the conffile (0600, no door, no published key or sequence), the
#     worker's account and the state directory, and that the unit is not
#     enabled; `knockwatch -n` on the installed config names the one thing
#     missing, a door;
#   - configures a door from the conffile's template, checks it with -n,
#     starts the daemon as the unit would (under systemd: the unit itself,
#     with a runtime drop-in that puts it in the rig's server namespace;
#     without systemd as PID 1: the unit's ExecStartPre and ExecStart lines
#     run by hand, with its directories, umask and environment, but not its
#     sandbox), and knocks the door on the network-namespace rig
#     (tests/net/lib.sh);
#   - `apt remove`: the daemon stops and closes the door (no rule left);
#   - `apt purge`: no file, account, group, state directory or rule is left,
#     and no package the install pulled in.
# It refuses to run where knockwatch is installed already (it would remove
# it). Prints "N passed, N failed" last.
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/net/lib.sh
. "$KW_TOP/tests/net/lib.sh"

DEB=${1:-}
UNIT=/lib/systemd/system/knockwatch.service
CONF=/etc/knockwatch/knockwatch.yaml
DROPIN=/run/systemd/system/knockwatch.service.d/kwtest$ID.conf
# What the package installs or makes, every one of which purge removes.
PATHS="/usr/sbin/knockwatch /usr/lib/knockwatch /etc/knockwatch
/var/lib/knockwatch /run/knockwatch /usr/share/doc/knockwatch $UNIT
/usr/share/man/man8/knockwatch.8.gz /usr/share/man/man5/knockwatch.yaml.5.gz
/var/lib/dpkg/info/knockwatch.list"
# apt_do ARGS: apt as an administrator runs it (waiting for the dpkg lock
# other work on this machine may hold).
apt_do() {
	echo "# apt $*" >>"$TD/apt.log"
	apt -y -q -o DPkg::Lock::Timeout=300 "$@" >>"$TD/apt.log" 2>&1 && return 0
	tail -n 30 "$TD/apt.log" | sed 's/^/    /'
	return 1
}
export DEBIAN_FRONTEND=noninteractive
INSTALLED=0
SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1

[ "$(id -u)" -eq 0 ] || skip_all 1 "needs root (installs a package)"
case $DEB in
/*.deb | ./*.deb) ;;
*.deb) DEB=./$DEB ;;
*) echo "usage: deb_test.sh build/knockwatch_VERSION_ARCH.deb" >&2; exit 64 ;;
esac
[ -f "$DEB" ] || { echo "no $DEB (make deb)" >&2; exit 66; }
if dpkg-query -W -f '${Status}' knockwatch 2>/dev/null | grep -qv "not-installed" ||
	getent passwd _knockwatch >/dev/null || [ -e /etc/knockwatch ]; then
	not_ok "knockwatch is not installed on this machine already (this test would remove it)"
	done_testing
	exit 1
fi
# The rig's prerequisites, with the installed daemon as the one to run.
KW=/usr/bin/true
net_require 1

# pkgs: the installed packages, one a line.
pkgs() { dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
# exited PID: the child PID has exited (gone, or a zombie not yet reaped).
exited() { ! ps -o stat= -p "$1" 2>/dev/null | grep -qv Z; }
# leftovers: every path outside /proc, /sys, /tmp and /work whose name holds
# "knockwatch" (compared before install and after purge).
# The test rig's own nf_log_all_netns holds (tests/net/nflog.sh's
# NFLOG_DIR, and its lock) are the test's, not the package's: they exist
# while the rig is up and go with it.
leftovers() {
	find / -xdev \( -path /proc -o -path /sys -o -path /tmp -o -path /work \
		-o -path "$NFLOG_DIR" -o -path "$NFLOG_DIR.lock" \) \
		-prune -o -name '*knockwatch*' -print 2>/dev/null | sort
}

# drop_account: the worker's account and group, if left.
drop_account() {
	if getent passwd _knockwatch >/dev/null; then
		deluser --system --quiet _knockwatch 2>/dev/null
	fi
	if getent group _knockwatch >/dev/null; then
		delgroup --system --quiet _knockwatch
	fi
}
# deb_cleanup: the EXIT trap. The rig's cleanup (the daemon, if still
# running, gets SIGTERM and closes its doors), the test's drop-in, then the
# package purged if this test installed it and anything left of it.
deb_cleanup() {
	net_cleanup
	if [ -f "$DROPIN" ]; then
		systemctl stop knockwatch 2>/dev/null
		rm -f "$DROPIN"
		rmdir "$(dirname "$DROPIN")" 2>/dev/null
		systemctl daemon-reload
	fi
	if [ "$INSTALLED" -eq 1 ]; then
		echo "# cleanup: purging what the test installed"
		apt_do purge knockwatch || drop_account
		drop_account
		apt_do purge knockwatch
	fi
	[ -n "${TD:-}" ] && rm -rf "$TD"
}
TD=$(mktemp -d /tmp/kwdeb.XXXXXX)

# --- the package itself
lintian --fail-on error,warning "$DEB" >"$TD/lintian" 2>&1
l_rc=$?
grep -v '^running with root privileges' "$TD/lintian" >"$TD/lintian.tags"
lint_clean() { [ "$l_rc" -eq 0 ] && ! grep -q '^[EW]: ' "$TD/lintian.tags"; }
check "lintian (default profile): no error, no warning" lint_clean
sed 's/^/    /' "$TD/lintian.tags"
dpkg-deb -f "$DEB" Depends >"$TD/depends"
for l_lib in libpcre2-8-0 libyaml-0-2 libgcrypt20 libseccomp2; do
	check "Depends (from shlibs) names $l_lib" grep -q "$l_lib" "$TD/depends"
done
check "Recommends iptables | nftables, ipset" \
	[ "$(dpkg-deb -f "$DEB" Recommends)" = "iptables | nftables, ipset" ]

# --- apt install
pkgs >"$TD/pkgs.before"
leftovers >"$TD/left.before"
trap deb_cleanup EXIT
trap 'exit 130' INT TERM
INSTALLED=1
check "apt install $DEB" apt_do install "$DEB"
pkgs >"$TD/pkgs.installed"
version=$(dpkg-query -W -f '${Version}' knockwatch)
check "knockwatch --version is the package's version ($version)" \
	[ "$(knockwatch --version)" = "knockwatch $version" ]
check "the daemon is /usr/sbin/knockwatch" [ -x /usr/sbin/knockwatch ]
for a in forward ipset iptables log nftables; do
	check "action $a in /usr/lib/knockwatch/actions" [ -x "/usr/lib/knockwatch/actions/$a" ]
done
check "knockwatch(8)" [ -f /usr/share/man/man8/knockwatch.8.gz ]
check "knockwatch.yaml(5)" [ -f /usr/share/man/man5/knockwatch.yaml.5.gz ]
check "the unit" [ -f "$UNIT" ]
check "the unit runs /usr/sbin/knockwatch on $CONF" grep -qx "ExecStart=/usr/sbin/knockwatch -c $CONF" "$UNIT"
check "examples under /usr/share/doc/knockwatch" [ -f /usr/share/doc/knockwatch/examples/iptables-knock.rules ]
check "the protocol under /usr/share/doc/knockwatch" [ -f /usr/share/doc/knockwatch/protocol.md.gz ]
check "$CONF is a conffile" grep -qx "$CONF" /var/lib/dpkg/info/knockwatch.conffiles
check "$CONF is root's, mode 0600" [ "$(stat -c '%U:%G %a' "$CONF")" = "root:root 600" ]
check_not "$CONF has no door" grep -q '^doors:' "$CONF"
check_not "$CONF holds no published demo key" grep -q 000102030405060708090a0b0c0d0e0f "$CONF"
check_not "$CONF holds no sample sequence" grep -q '7000/tcp' "$CONF"
has_account() { getent passwd _knockwatch >/dev/null; }
check "the worker's account _knockwatch exists" has_account
uid=$(id -u _knockwatch)
check "_knockwatch is a system account" [ "$uid" -lt 1000 ]
check "_knockwatch has no shell" [ "$(getent passwd _knockwatch | cut -d: -f7)" = /usr/sbin/nologin ]
check "the config's worker user is _knockwatch" grep -q '^user: _knockwatch' "$CONF"
check "state directory /var/lib/knockwatch, root's, 0700" \
	[ "$(stat -c '%U %a' /var/lib/knockwatch)" = "root 700" ]
check_not "the unit is not enabled" [ -e /etc/systemd/system/multi-user.target.wants/knockwatch.service ]
knockwatch -n -c "$CONF" >"$TD/n.out" 2>&1
n_rc=$?
only_door_missing() {
	[ "$n_rc" -ne 0 ] && grep -q "no doors configured" "$TD/n.out" &&
		[ "$(wc -l <"$TD/n.out")" -eq 1 ]
}
check "knockwatch -n on the installed config: only the door is missing" only_door_missing
sed 's/^/    /' "$TD/n.out"

# --- a door, configured as the conffile's comments say
net_setup deb
s_rc=$?
trap deb_cleanup EXIT
[ "$s_rc" -eq 0 ] || { not_ok "the rig starts"; done_testing; exit 1; }
fw_iptables || { not_ok "the rig's firewall"; done_testing; exit 1; }
S iptables -S >"$TD/fw4.before"
S ip6tables -S >"$TD/fw6.before"
# The template door uncommented, with the rig's ports, a stop_after that
# only the stop on remove can beat, and the kernel log as the source.
awk -v prefix="$PREFIX" '
	/^  - file: \/var\/log\/knock.log/ { print "  - kmsg: true"; next }
	/^    prefix: "KNOCK: "/ { print "    prefix: \"" prefix "\""; next }
	/^# doors:/ { door = 1; print "doors:"; next }
	door && /^#   ssh-otp:/ { door = 0 }
	door && /^#/ { sub(/^# ?/, ""); }
	door && /stop_after:/ { sub(/[0-9]+/, "3600") }
	{ gsub(/PORT1/, "7100"); gsub(/PORT2/, "8100"); gsub(/PORT3/, "9100"); print }
' "$CONF" >"$TD/kw.yaml"
cat "$TD/kw.yaml" >"$CONF"
knockwatch -n -c "$CONF" >"$TD/n.out" 2>&1
check "knockwatch -n accepts the configured door" grep -q "ssh" "$TD/n.out"
sed 's/^/    /' "$TD/n.out"

# --- the daemon, as the unit starts it
: >"$T/kw.err"
k_mark=$(log_mark)
if [ "$SYSTEMD" -eq 1 ]; then
	echo "# systemd is PID 1: systemctl start knockwatch, in the rig's namespace (drop-in $DROPIN)"
	mkdir -p "$(dirname "$DROPIN")"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\nStandardError=append:%s\n' \
		"$NS_S" "$T/kw.err" >"$DROPIN"
	systemctl daemon-reload
	check "systemctl start knockwatch" systemctl start knockwatch
	KWUNIT=$(systemctl show -p MainPID --value knockwatch)
else
	echo "# systemd is not PID 1 ($(ps -o comm= -p 1)): the unit's ExecStartPre and ExecStart run by hand,"
	echo "# as root with its directories, UMask=0077 and empty environment, without its sandbox"
	install -d -m 0700 /var/lib/knockwatch /run/knockwatch
	pre_ok=1
	sed -n 's/^ExecStartPre=+\{0,1\}//p' "$UNIT" >"$TD/pre"
	while read -r line; do
		set -f
		# shellcheck disable=SC2086 # the unit's own command line, in words
		set -- $line
		set +f
		"$@" >>"$T/kw.err" 2>&1 </dev/null || pre_ok=0
	done <"$TD/pre"
	check "the unit's ExecStartPre lines (with knockwatch -n) succeed" [ "$pre_ok" -eq 1 ]
	line=$(sed -n 's/^ExecStart=//p' "$UNIT")
	set -f
	# shellcheck disable=SC2086 # the unit's own command line, in words
	set -- $line
	set +f
	ip netns exec "$NS_S" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c 'umask 077 && exec "$@"' sh "$@" 2>>"$T/kw.err" </dev/null &
	KWPID=$!
	KWUNIT=$KWPID
fi
check "the daemon starts" wait_for 20 logged_since "$k_mark" "started:"
worker=$(pgrep -P "$KWUNIT" -x kw-worker | head -n 1)
check "its worker runs as _knockwatch" [ "$(ps -o uid= -p "${worker:-0}" | tr -d ' ')" = "$uid" ]

# --- a knock
check_not "before the knock the client cannot connect" can_connect "$NS_C" "$S4"
k_mark=$(log_mark)
nc_knock "$NS_C" "$S4" tcp/7100 udp/8100 tcp/9100
check "the knock opens the door" wait_for 20 opened_since "$k_mark" ssh "$C4"
check "the client connects" wait_for 10 can_connect "$NS_C" "$S4"
check_not "the other host still cannot" can_connect "$NS_O" "$S4"

# --- apt remove
k_mark=$(log_mark)
check "apt remove knockwatch" apt_do remove knockwatch
if [ "$SYSTEMD" -eq 1 ]; then
	check "the daemon stopped" wait_for 10 sh -c "! kill -0 $KWUNIT"
else
	# prerm has stopped it (never wait for one it did not: the trap
	# stops that); reap it.
	if wait_for 100 exited "$KWPID"; then
		wait "$KWPID"
		check "the daemon stopped with exit 0" [ $? -eq 0 ]
		KWPID=
	else
		not_ok "the daemon stopped with exit 0"
	fi
fi
check "it ran the door's stop command" logged_since "$k_mark" "door ssh stop for $C4: exit 0"
check "the door is closed" cannot_connect "$NS_C" "$S4"
S iptables -S >"$TD/fw4.after"
S ip6tables -S >"$TD/fw6.after"
check "no firewall rule is left (IPv4)" cmp -s "$TD/fw4.before" "$TD/fw4.after"
check "no firewall rule is left (IPv6)" cmp -s "$TD/fw6.before" "$TD/fw6.after"
# ns_has_kw: a daemon or worker still runs in the server's namespace.
ns_has_kw() {
	for n_p in $(ip netns pids "$NS_S"); do
		case $(cat "/proc/$n_p/comm" 2>/dev/null) in
		knockwatch | kw-worker) return 0 ;;
		esac
	done
	return 1
}
check_not "no knockwatch process is left in the namespace" ns_has_kw
check_not "the binary is gone" [ -e /usr/sbin/knockwatch ]
check "the conffile stays until purge" [ -f "$CONF" ]

# --- apt purge
if apt_do purge knockwatch; then
	ok "apt purge knockwatch"
	INSTALLED=0
else
	not_ok "apt purge knockwatch"
fi
check "dpkg knows no knockwatch" sh -c "! dpkg-query -W -f '\${Status}' knockwatch 2>/dev/null | grep -q ."
for p in $PATHS; do
	check_not "purge left no $p" [ -e "$p" ]
done
leftovers >"$TD/left.after"
comm -13 "$TD/left.before" "$TD/left.after" >"$TD/left.new"
check "nothing named knockwatch is left that was not there before" [ ! -s "$TD/left.new" ]
sed 's/^/    left: /' "$TD/left.new"
check_not "no _knockwatch account" has_account
check_not "no _knockwatch group" sh -c 'getent group _knockwatch >/dev/null'
# Packages the install pulled in as dependencies (automatic ones): none
# should be new, as make deb-test's deps put the Recommends there; if any
# is, it is purged and the check fails.
comm -13 "$TD/pkgs.before" "$TD/pkgs.installed" | grep -vx knockwatch >"$TD/pulled"
check "the install pulled in no other package" [ ! -s "$TD/pulled" ]
if [ -s "$TD/pulled" ]; then
	sed 's/^/    pulled in: /' "$TD/pulled"
	# shellcheck disable=SC2046 # package names, one a word
	apt_do purge $(cat "$TD/pulled") >/dev/null 2>&1
fi
show_on_failure
done_testing
