#!/bin/sh
# t_rsyslog_forge.sh — any local user can forge kernel lines through
# rsyslog's local socket: a raw datagram "<4>... kernel: KNOCK: ..." sent to
# imuxsock keeps facility kern and the "kernel:" tag (only util-linux
# logger rewrites kern to user; rsyslog does not), so a stock rsyslog's
# kern.log holds it exactly as a kernel line, and a knockwatch reading
# kern.log would count it. The shipped examples/rsyslog-knockwatch.conf
# selects only lines from imklog ($inputname == 'imklog'), so the forged
# line never reaches its knock file; the same rule pointed at imuxsock
# takes it (the input test is what keeps it out, not the facility).
# A private rsyslogd on its own socket, nothing of the host's is touched.
# imklog itself is not run: it reads /proc/kmsg, which consumes the
# kernel's messages (the host's or another test's syslog daemon would
# lose them), so the positive case of the rule (a real kernel line from
# imklog) is covered by `rsyslogd -N1` and t_docs.sh's message tests only.
# shellcheck disable=SC2016 # sh -c scripts are literal
. "$(dirname "$0")/lib.sh"

have() { command -v "$1" >/dev/null 2>&1; }
if ! have rsyslogd; then
	echo "# skipped: rsyslogd not installed"
	done_testing
	exit
fi
RS=$KW_TOP/examples/rsyslog-knockwatch.conf
check "rsyslogd -N1 accepts the shipped rule" sh -c \
	'rsyslogd -N1 -f "$1" >/dev/null 2>&1' sh "$RS"
check "the shipped rule selects imklog only" \
	grep -q "\$inputname == 'imklog'" "$RS"

# The shipped rule with the test's paths; a variant that takes imuxsock.
sed -e "s#/var/log/knock.log#$T/knock.log#" \
	-e 's/fileOwner="root" fileGroup="adm"//' "$RS" >"$T/rule.conf"
sed -e "s/'imklog'/'imuxsock'/" -e "s#$T/knock.log#$T/knock-uxsock.log#" \
	"$T/rule.conf" >"$T/rule-uxsock.conf"
# Debian's stock rules: kern.* to kern.log, in the classic format.
cat >"$T/rs.conf" <<EOF
global(workDirectory="$T")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock")
kern.* action(type="omfile" file="$T/kern-stock.log" template="RSYSLOG_TraditionalFileFormat")
include(file="$T/rule.conf")
include(file="$T/rule-uxsock.conf")
*.* action(type="omfile" file="$T/rest.log" template="RSYSLOG_TraditionalFileFormat")
EOF
rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" >"$T/rs.out" 2>&1 &
RSPID=$!
# send TEXT: one raw datagram to the private socket, as any local user can
# send one to /dev/log.
send() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])' "$T/log.sock" "$1"
}
if ! have python3; then
	not_ok "python3 (to send a raw datagram) is not installed"
elif ! wait_for 10 test -S "$T/log.sock"; then
	not_ok "private rsyslogd did not start"
	sed 's/^/# /' "$T/rs.out"
else
	send "<4>$(date '+%b %e %H:%M:%S') kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=192.0.2.66 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40001 DPT=7000 WINDOW=64240 RES=0x00 SYN URGP=0 FORGED"
	send "<14>$(date '+%b %e %H:%M:%S') x: LAST"
	wait_for 10 grep -q LAST "$T/rest.log"
	check "a raw datagram keeps facility kern: it is in the stock kern.log" \
		grep -q FORGED "$T/kern-stock.log"
	check "... with the kernel: tag, as a kernel line" \
		grep -q ' kernel: \[  109.780091\] KNOCK: .*SRC=192.0.2.66 .*FORGED' \
		"$T/kern-stock.log"
	# So knockwatch, reading that file, would take it as a knock.
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $T/kern-stock.log
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp]
    start: [/bin/true]
EOC
	check "knockwatch replay of that kern.log opens for the forged source" \
		sh -c '"$1" replay -c "$2" "$3" 2>&1 | grep -q "open.*192\.0\.2\.66"' \
		sh "$KW" "$T/kw.yaml" "$T/kern-stock.log"
	check "the shipped imklog-only rule keeps it out of the knock file" \
		sh -c '! grep -q FORGED "$1" 2>/dev/null' sh "$T/knock.log"
	check "the same rule on imuxsock takes it (the input test is what stops it)" \
		grep -q FORGED "$T/knock-uxsock.log"
fi
kill "$RSPID" 2>/dev/null
wait "$RSPID" 2>/dev/null
done_testing
