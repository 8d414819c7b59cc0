#!/bin/sh
# t_docs.sh — the operator's files: man pages lint clean and name every
# config key and option the code knows; examples load (nft, iptables in a
# throwaway network namespace, rsyslog, logrotate, shellcheck); `make
# install` lays out what it should and `make uninstall` removes it; the
# installed systemd unit passes `systemd-analyze verify`. Prints
# "N passed, N failed, N skipped" last.
# The sh -c '...' bodies take their values as "$1"..., on purpose:
# shellcheck disable=SC2016,SC2013
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KW_BUILD=${KW_BUILD:-$KW_TOP/build}
KW=$KW_BUILD/knockwatch
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
# Configs hold inline keys: knockwatch refuses them when others can read.
umask 077
T=$(mktemp -d /tmp/kwdoc.XXXXXX)
NS=
RSPID=
pass=0
fail=0
skip=0

cleanup() {
	if [ -n "$RSPID" ]; then kill "$RSPID" 2>/dev/null; fi
	if [ -n "$NS" ]; then ip netns del "$NS" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skipped() { skip=$((skip + 1)); echo "skipped - $1"; }
have() { command -v "$1" >/dev/null 2>&1; }
# quiet DESC CMD...: CMD succeeds and prints nothing, but for the warning
# about this host's nf_log_all_netns (net tests set it to 1 while they run)
# and the one about a state_dir under /tmp (this test puts it there).
quiet() {
	desc=$1; shift
	if "$@" >"$T/q.all" 2>&1 &&
		! grep -v -e "warning: net.netfilter.nf_log_all_netns is 1 " \
			-e "warning: state_dir /tmp/.* is under a temporary directory" \
			"$T/q.all" >"$T/q.out"; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/    /' "$T/q.out"
	fi
}
# map FILE: installed/example paths to the repository and temp dirs.
map() {
	sed -e "s#/usr/local/lib/knockwatch/actions#$KW_TOP/actions#g" \
	    -e "s#/var/lib/knockwatch#$T/state#" \
	    -e "s#/var/log/knock.log#$T/knock.log#" "$1"
}
# The examples' log exists (-n warns about a file source that does not).
: >"$T/knock.log"

M8=$KW_TOP/man/knockwatch.8
M5=$KW_TOP/man/knockwatch.yaml.5

# --- man pages ---------------------------------------------------------
for m in "$M8" "$M5"; do
	if have mandoc; then
		quiet "mandoc -T lint -W warning $(basename "$m")" \
			mandoc -T lint -W warning "$m"
	else
		skipped "mandoc lint of $(basename "$m") (mandoc not installed)"
	fi
	if have man; then
		# man-db prints troff warnings (e.g. unbreakable lines) on stderr.
		quiet "man --warnings $(basename "$m")" \
			sh -c 'MANWIDTH=80 man --warnings -l "$1" >/dev/null' sh "$m"
	else
		skipped "man --warnings of $(basename "$m") (man not installed)"
	fi
done

# Every key the config loader accepts appears in knockwatch.yaml(5) as a key.
keys=$(cd "$KW_TOP/knockwatch" && awk '/_keys\[\] = \{/ { on = 1 }
	on { print } /NULL \};/ { on = 0 }' config.c config_check.c key.c |
	grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
check "config key tables found ($(echo "$keys" | wc -l) keys)" \
	test "$(echo "$keys" | wc -l)" -ge 20
missing=
for k in $keys; do
	grep -Eq "^\.It Cm $k( |$)|^\.It Cm [a-z_]+ , $k " "$M5" ||
		missing="$missing $k"
done
check "knockwatch.yaml(5) documents every config key (missing:${missing:- none})" \
	test -z "$missing"
for p in SRC IP DOOR USER OPEN_PORT HOST; do
	grep -q "%$p%" "$M5" || missing="$missing %$p%"
done
for e in KNOCK_EVENT KNOCK_SRC KNOCK_DOOR KNOCK_USER KNOCK_OPEN_PORT \
    KNOCK_FAMILY KNOCK_HOST PATH LANG; do
	grep -q "^\.It Ev $e" "$M5" || missing="$missing $e"
done
check "knockwatch.yaml(5) documents placeholders and environment (missing:${missing:- none})" \
	test -z "$missing"

# Every option of main.c and every subcommand appear in knockwatch(8).
missing=
for o in $(grep -o '{ "[a-z-]*", [a-z_]*argument, NULL, '"'"'[a-zA-Z]'"'" \
    "$KW_TOP/knockwatch/main.c" | sed "s/.*'\\(.\\)'/\\1/"); do
	grep -q "^\.It Fl $o " "$M8" || missing="$missing -$o"
done
for s in $(grep -o 'strcmp(argv\[1\], "[a-z]*")' "$KW_TOP/knockwatch/main.c" |
    sed 's/.*"\(.*\)")/\1/'); do
	grep -q "^\.Ss $s\$" "$M8" || missing="$missing $s"
done
for w in SIGHUP SIGUSR1 SIGTERM SIGINT; do
	grep -q "Dv $w" "$M8" || missing="$missing $w"
done
for x in 0 64 78 70; do
	grep -q "^\.It $x\$" "$M8" || missing="$missing exit$x"
done
check "knockwatch(8) documents options, subcommands, signals, exit statuses (missing:${missing:- none})" \
	test -z "$missing"

# The configuration in knockwatch.yaml(5)'s EXAMPLES loads.
if have mandoc; then
	mandoc -T ascii "$M5" | col -bx |
		sed -n '/^EXAMPLES/,/^     More/p' | sed '1,3d;$d' |
		sed 's/^           //' >"$T/man5.yaml"
	printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
		>"$T/alice.key"
	map "$T/man5.yaml" | sed "s#/etc/knockwatch/alice.key#$T/alice.key#" \
		>"$T/man5m.yaml"
	quiet "knockwatch.yaml(5) EXAMPLES passes -n" sh -c \
		'"$1" -n -c "$2" >/dev/null' sh "$KW" "$T/man5m.yaml"
else
	skipped "knockwatch.yaml(5) EXAMPLES (mandoc not installed)"
fi

# --- examples ----------------------------------------------------------
for f in "$KW_TOP"/examples/*.yaml; do
	[ -f "$f" ] || continue
	map "$f" >"$T/ex.yaml"
	quiet "example $(basename "$f") passes -n" sh -c \
		'"$1" -n -c "$2" >/dev/null' sh "$KW" "$T/ex.yaml"
done
if have shellcheck; then
	for f in "$KW_TOP"/examples/*.sh; do
		[ -f "$f" ] || continue
		quiet "shellcheck $(basename "$f")" shellcheck "$f"
	done
else
	skipped "shellcheck examples/*.sh (shellcheck not installed)"
fi

if [ "$(id -u)" -ne 0 ] || ! have ip; then
	skipped "nft -c examples/nftables-knock.nft (needs root and ip netns)"
	skipped "iptables-restore --test examples/iptables-knock.rules (needs root)"
elif ! ip netns add "kwdoc$$" 2>/dev/null; then
	skipped "nft/iptables checks: cannot create a network namespace"
	skipped "iptables-restore --test (no network namespace)"
else
	NS=kwdoc$$
	if have nft; then
		quiet "nft -c -f examples/nftables-knock.nft" \
			ip netns exec "$NS" nft -c -f "$KW_TOP/examples/nftables-knock.nft"
		# Loading it twice shows it replaces only its own table.
		check "nftables-knock.nft loads and reloads" sh -c \
			'ip netns exec "$1" nft -f "$2" && ip netns exec "$1" nft -f "$2" &&
			 ip netns exec "$1" nft list table inet knockfilter |
			 grep -q "log prefix \"KNOCK: \""' sh "$NS" \
			"$KW_TOP/examples/nftables-knock.nft"
	else
		skipped "nft -c (nft not installed)"
	fi
	if have iptables-restore; then
		quiet "iptables-restore --test examples/iptables-knock.rules" \
			ip netns exec "$NS" iptables-restore --test \
			"$KW_TOP/examples/iptables-knock.rules"
	else
		skipped "iptables-restore --test (iptables not installed)"
	fi
	ip netns del "$NS"
	NS=
fi

# The prefix the rules log with is the prefix the example configs expect.
check "LOG rules use the prefix the example configs read" sh -c \
	'grep -q -- "--log-prefix \"KNOCK: \"" "$1/examples/iptables-knock.rules" &&
	 grep -q "log prefix \"KNOCK: \"" "$1/examples/nftables-knock.nft" &&
	 grep -q "prefix: \"KNOCK: \"" "$1/examples/open-ssh-5min.yaml"' sh "$KW_TOP"

RS=$KW_TOP/examples/rsyslog-knockwatch.conf
if have rsyslogd; then
	quiet "rsyslogd -N1 accepts rsyslog-knockwatch.conf" sh -c \
		'out=$(rsyslogd -N1 -f "$1" 2>&1) || { echo "$out"; exit 1; }
		 echo "$out" | grep -v "^rsyslogd: \(version\|End of config\)" || :' \
		sh "$RS"
	# A private rsyslogd on its own socket: a local program's message with
	# facility kern and the prefix must not reach the knock file; the same
	# rule with the input and facility tests pointed at the socket shows
	# that the message test matches real knock lines and nothing else.
	sed -e "s#/var/log/knock.log#$T/knock.log#" -e 's/fileOwner="root" fileGroup="adm"//' \
		"$RS" >"$T/rule.conf"
	sed -e "s/'imklog'/'imuxsock'/" -e "s/== 'kern'/== 'user'/" \
		-e "s#$T/knock.log#$T/knock-user.log#" "$T/rule.conf" >"$T/rule-user.conf"
	cat >"$T/rs.conf" <<EOF
global(workDirectory="$T")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock")
include(file="$T/rule.conf")
if \$msg contains 'FORGED' then { action(type="omfile" file="$T/rest.log") stop }
include(file="$T/rule-user.conf")
action(type="omfile" file="$T/rest.log")
EOF
	rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" >"$T/rs.out" 2>&1 &
	RSPID=$!
	if wait_for 10 test -S "$T/log.sock"; then
		logger -u "$T/log.sock" -p kern.warning -t kernel \
			"[  109.780091] KNOCK: IN=eth0 SRC=192.0.2.9 FORGED"
		logger -u "$T/log.sock" -p user.warning -t kernel \
			"[  109.780091] KNOCK: IN=eth0 SRC=192.0.2.10 DPT=7000"
		logger -u "$T/log.sock" -p user.warning -t kernel \
			"KNOCK: IN=eth0 SRC=192.0.2.11 DPT=7000"
		logger -u "$T/log.sock" -p user.warning -t kernel \
			"[  109.780091] OTHER: KNOCK: IN=eth0 SRC=192.0.2.12"
		logger -u "$T/log.sock" -p user.warning -t x "LAST"
		wait_for 10 grep -q LAST "$T/rest.log"
		check "rsyslog: a local program's kern message never reaches the knock file" \
			sh -c '! grep -q FORGED "$1"/knock*.log 2>/dev/null &&
			       grep -q FORGED "$1/rest.log"' sh "$T"
		check "rsyslog: the prefix test takes knock lines with and without the kernel time stamp" \
			sh -c 'grep -q "kernel: \[  109.780091\] KNOCK: .*192.0.2.10 " "$1" &&
			       grep -q "kernel: KNOCK: .*192.0.2.11 " "$1"' sh "$T/knock-user.log"
		check "rsyslog: the prefix test is anchored (another rule's line stays out)" \
			sh -c '! grep -q 192.0.2.12 "$1/knock-user.log" &&
			       grep -q 192.0.2.12 "$1/rest.log"' sh "$T"
	else
		not_ok "rsyslog: private rsyslogd did not start"
		sed 's/^/    /' "$T/rs.out"
	fi
	kill "$RSPID" 2>/dev/null
	wait "$RSPID" 2>/dev/null
	RSPID=
else
	skipped "rsyslog checks (rsyslogd not installed)"
fi

if have logrotate; then
	cp "$KW_TOP/examples/logrotate-knockwatch" "$T/lr.conf"
	chmod 0644 "$T/lr.conf"
	quiet "logrotate -d accepts logrotate-knockwatch" sh -c \
		'logrotate -d -s "$1" "$2" >"$1.out" 2>&1 || cat "$1.out"' \
		sh "$T/lr.state" "$T/lr.conf"
else
	skipped "logrotate -d (logrotate not installed)"
fi

# The unit sets MemoryDenyWriteExecute=yes. prctl(PR_SET_MDWE) (Linux 6.3+)
# imposes the same rule: with a custom pattern (the built-in format is read
# without PCRE2) the daemon must warn once that PCRE2 JIT is unavailable
# and still open a door on the interpreter.
cat >"$T/mdwe.c" <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	(void)argc;
	if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */,
	    0L, 0L, 0L) == -1)
		return 77;
	execv(argv[1], argv + 1);
	return 127;
}
EOF
if ! cc -o "$T/mdwe" "$T/mdwe.c" 2>/dev/null || ! "$T/mdwe" /bin/true; then
	skipped "MemoryDenyWriteExecute: no cc, or the kernel lacks PR_SET_MDWE"
else
	mkdir -p "$T/mdw"
	cat >"$T/mdw/kw.yaml" <<EOF
state_dir: $T/mdw/state
runtime_dir: $T/mdw/run
sources:
  - file: $T/mdw/kern.log
    prefix: "KNOCK: "
    pattern: 'SRC=(?<src>[0-9a-fA-F.:]+) .*PROTO=(?<proto>TCP|UDP) .*DPT=(?<dport>[0-9]+)'
doors:
  ssh:
    sequence: [7000/tcp, 9000/tcp]
    start: [$KW_TOP/actions/log, --file, $T/mdw/act.log, open, "%SRC%"]
EOF
	: >"$T/mdw/kern.log"
	"$T/mdwe" "$KW" -c "$T/mdw/kw.yaml" 2>"$T/mdw/err" &
	mpid=$!
	wait_for 10 grep -q "started:" "$T/mdw/err"
	for port in 7000 9000; do
		printf '%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=192.0.2.5 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=4%s DPT=%s WINDOW=64240 RES=0x00 SYN URGP=0\n' \
			"$(date '+%b %e %H:%M:%S')" "$port" "$port" >>"$T/mdw/kern.log"
	done
	wait_for 10 grep -q "event=start door=ssh src=192.0.2.5 " "$T/mdw/act.log"
	kill "$mpid" 2>/dev/null
	wait "$mpid"
	# (The config checks compile a custom pattern too: the warning comes
	# from each process that compiles it.)
	check "MemoryDenyWriteExecute: a JIT warning, and a door still opens" \
		sh -c 'grep -q "PCRE2 JIT unavailable" "$1/err" &&
		       grep -q "event=start door=ssh src=192.0.2.5 " "$1/act.log"' \
		sh "$T/mdw"
fi

# --- make install / uninstall -------------------------------------------
D=$T/destdir
mk() { make -s --no-print-directory -C "$KW_TOP" BUILD="$KW_BUILD" "$@"; }
if mk install DESTDIR="$D" PREFIX=/usr/local >"$T/install.out" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr/local"
else
	not_ok "make install DESTDIR=... PREFIX=/usr/local"
	sed 's/^/    /' "$T/install.out"
fi
(cd "$D" && find . -type f -exec stat -c '%a %n' {} + | sort -k2) >"$T/files"
echo "  installed:"
sed 's/^/    /' "$T/files"
cat >"$T/want" <<EOF
600 ./etc/knockwatch/knockwatch.yaml
755 ./usr/local/lib/knockwatch/actions/forward
755 ./usr/local/lib/knockwatch/actions/ipset
755 ./usr/local/lib/knockwatch/actions/iptables
755 ./usr/local/lib/knockwatch/actions/log
755 ./usr/local/lib/knockwatch/actions/nftables
644 ./usr/local/lib/systemd/system/knockwatch.service
755 ./usr/local/sbin/knockwatch
644 ./usr/local/share/man/man5/knockwatch.yaml.5
644 ./usr/local/share/man/man8/knockwatch.8
EOF
# Actions added later are installed too: compare against the tree.
for a in "$KW_TOP"/actions/*; do
	grep -q "/actions/${a##*/}\$" "$T/want" ||
		echo "755 ./usr/local/lib/knockwatch/actions/${a##*/}" >>"$T/want"
done
sort -k2 "$T/want" >"$T/want.s"
check "install layout and modes" diff -u "$T/want.s" "$T/files"
U=$D/usr/local/lib/systemd/system/knockwatch.service
check "unit has sbindir and sysconfdir filled in" sh -c \
	'grep -q "^ExecStart=/usr/local/sbin/knockwatch -c /etc/knockwatch/knockwatch.yaml\$" "$1" &&
	 grep -q "^ExecStartPre=/usr/local/sbin/knockwatch -n -c /etc/knockwatch/knockwatch.yaml\$" "$1" &&
	 ! grep -q @ "$1"' sh "$U"
C=$D/etc/knockwatch/knockwatch.yaml
check "installed config does not carry the sample's published key" \
	sh -c '! grep -q 000102030405060708090a0b0c0d0e0f "$1" &&
	       grep -Eq "key: \"[0-9a-f]{64}\"" "$1"' sh "$C"
map "$C" >"$T/inst.yaml"
quiet "installed config passes -n" sh -c '"$1" -n -c "$2" >/dev/null' sh \
	"$KW" "$T/inst.yaml"
echo "# local change" >>"$C"
mk install DESTDIR="$D" PREFIX=/usr/local >"$T/install2.out" 2>&1
check "make install keeps an existing config" grep -q "^# local change" "$C"
cmp -s "$D/usr/local/sbin/knockwatch" "$KW" || not_ok "installed binary differs from the build"

# systemd-analyze verify on the installed unit, with its paths pointed at
# the DESTDIR copies (ExecStart binaries and man: pages must exist).
if have systemd-analyze; then
	mkdir -p "$T/unit"
	sed -e "s#/usr/local/sbin/#$D/usr/local/sbin/#g" \
	    -e "s#/etc/knockwatch/#$D/etc/knockwatch/#g" "$U" \
		>"$T/unit/knockwatch.service"
	quiet "systemd-analyze verify (installed unit, DESTDIR paths)" \
		env MANPATH="$D/usr/local/share/man" SYSTEMD_LOG_COLOR=0 \
		systemd-analyze verify "$T/unit/knockwatch.service"
	# The control: the same check fails when the binary is missing, so
	# the pass above means something.
	mkdir -p "$T/unit2"
	sed "s#$D/usr/local/sbin/#$T/nonexistent/#g" "$T/unit/knockwatch.service" \
		>"$T/unit2/knockwatch.service"
	check "systemd-analyze verify fails for a missing ExecStart binary" sh -c \
		'! env MANPATH="$1" systemd-analyze verify "$2" >/dev/null 2>&1' sh \
		"$D/usr/local/share/man" "$T/unit2/knockwatch.service"
else
	skipped "systemd-analyze verify (systemd-analyze not installed)"
	skipped "systemd-analyze negative control"
fi

mk uninstall DESTDIR="$D" PREFIX=/usr/local >"$T/uninstall.out" 2>&1
(cd "$D" && find . -type f | sort) >"$T/left"
check "make uninstall leaves only the config" \
	test "$(cat "$T/left")" = "./etc/knockwatch/knockwatch.yaml"

# PREFIX=/usr: unit in /lib/systemd/system, paths follow the prefix.
D2=$T/destdir-usr
mk install DESTDIR="$D2" PREFIX=/usr >"$T/install3.out" 2>&1
check "PREFIX=/usr: binary, actions, man pages under /usr, unit in /lib/systemd/system" \
	sh -c 'test -x "$1/usr/sbin/knockwatch" &&
	       test -x "$1/usr/lib/knockwatch/actions/iptables" &&
	       test -f "$1/usr/share/man/man8/knockwatch.8" &&
	       grep -q "^ExecStart=/usr/sbin/knockwatch " "$1/lib/systemd/system/knockwatch.service"' \
	sh "$D2"
check "PREFIX=/usr: config points at /usr/lib/knockwatch/actions" sh -c \
	'grep -q "/usr/lib/knockwatch/actions/iptables" "$1" &&
	 ! grep -q /usr/local/lib "$1"' sh "$D2/etc/knockwatch/knockwatch.yaml"
mk uninstall DESTDIR="$D2" PREFIX=/usr >/dev/null 2>&1
check "PREFIX=/usr: uninstall leaves only the config" \
	test "$(cd "$D2" && find . -type f)" = "./etc/knockwatch/knockwatch.yaml"

if [ "$skip" -gt 0 ]; then
	printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
else
	printf '%d passed, %d failed\n' "$pass" "$fail"
fi
[ "$fail" -eq 0 ]
