#!/bin/sh
# t_import.sh — `knockwatch import-knockd`: Debian's shipped knockd.conf and
# knockd(1)'s examples (tests/data/knockd/README says where each comes
# from) become knockwatch configurations that pass `knockwatch -n` once
# state_dir and sources are added; commands that need a shell, one-time
# sequences and options without an equivalent are named, never guessed.
. "$(dirname "$0")/lib.sh"
D=$KW_TOP/tests/data/knockd
mkdir -p "$T/state"

# imp NAME: imports D/NAME.conf into T/NAME.yaml (stderr T/NAME.err), sets rc.
imp() {
	"$KW" import-knockd "$D/$1.conf" >"$T/$1.yaml" 2>"$T/$1.err"
	rc=$?
}
# completed NAME: T/NAME.yaml with state_dir and sources added, as the
# header asks; T/NAME.full.yaml.
completed() {
	{ cat "$T/$1.yaml"; printf 'state_dir: %s\nsources:\n  - kmsg: true\n' "$T/state"; } >"$T/$1.full.yaml"
}
has() { grep -qxF -- "$2" "$T/$1.yaml"; }

imp debian-knockd
check "Debian's knockd.conf: every door converted (exit $rc)" test "$rc" -eq 0
check "... nothing on stderr" test ! -s "$T/debian-knockd.err"
syslog_commented() {
	grep -q "^# log: syslog .*knockd.s UseSyslog; under systemd keep" "$1" &&
		! grep -q "^log:" "$1"
}
check "... UseSyslog is a commented log: syslog (the unit wants stderr)" \
	syslog_commented "$T/debian-knockd.yaml"
check "... openSSH's sequence, tcp by default" has debian-knockd "    sequence: [7000/tcp, 8000/tcp, 9000/tcp]"
check "... seq_timeout is timeout" has debian-knockd "    timeout: 5"
check "... tcpflags is tcp_flags" has debian-knockd "    tcp_flags: syn"
check "... command is start, split into argv, %IP% is %SRC%" has debian-knockd \
	'    start: [/sbin/iptables, -A, INPUT, -s, "%SRC%", -p, tcp, --dport, 22, -j, ACCEPT]'
check "... no %IP% left outside comments" sh -c "! grep -v '^ *#' '$T/debian-knockd.yaml' | grep -q '%IP%'"
check "... three doors" test "$(grep -c '^  [A-Za-z]*:$' "$T/debian-knockd.yaml")" -eq 3
completed debian-knockd
"$KW" -n -c "$T/debian-knockd.full.yaml" >"$T/n.out" 2>&1
rc=$?
# openHTTPS runs Debian's example program /usr/local/sbin/knock_add, which
# no package installs: -n names it, and passes once it exists.
check "... -n refuses only the missing knock_add (exit $rc)" sh -c \
	"test $rc -eq 78 && grep -q \"'start' in door 'openHTTPS'.*/usr/local/sbin/knock_add\" '$T/n.out'"
printf '#!/bin/sh\nexit 0\n' >"$T/knock_add"
chmod 755 "$T/knock_add"
sed -i "s#/usr/local/sbin/knock_add#$T/knock_add#" "$T/debian-knockd.full.yaml"
"$KW" -n -c "$T/debian-knockd.full.yaml" >"$T/n.out" 2>&1
rc=$?
check "... -n passes with state_dir and sources set (exit $rc)" test "$rc" -eq 0
check "... -n: the three doors" grep -q "^door openSSH: static tcp/7000 tcp/8000 tcp/9000 tcp_flags syn timeout 5s" "$T/n.out"

imp man-example1
check "knockd(1) example 1 (command): converted (exit $rc)" test "$rc" -eq 0
check "... logfile becomes a comment that says what to do" grep -q "^# knockd's logfile (line 2): knockwatch logs to stderr" "$T/man-example1.yaml"
completed man-example1
check "... -n passes" sh -c "'$KW' -n -c '$T/man-example1.full.yaml' >/dev/null 2>&1"

imp man-example2
check "knockd(1) example 2 (start/stop_command): converted (exit $rc)" test "$rc" -eq 0
check "... :udp/:tcp knocks" has man-example2 "    sequence: [2222/udp, 3333/tcp, 4444/udp]"
check "... timeout 15, flags syn,ack" sh -c "grep -qx '    timeout: 15' '$T/man-example2.yaml' && grep -qx '    tcp_flags: \"syn,ack\"' '$T/man-example2.yaml'"
check "... start_command is start" has man-example2 '    start: [/usr/sbin/iptables, -A, INPUT, -s, "%SRC%", -p, tcp, --syn, -j, ACCEPT]'
check "... stop_command is stop" has man-example2 '    stop: [/usr/sbin/iptables, -D, INPUT, -s, "%SRC%", -p, tcp, --syn, -j, ACCEPT]'
check "... cmd_timeout is stop_after" grep -qx "    stop_after: 5  *# knockd's cmd_timeout" "$T/man-example2.yaml"
completed man-example2
"$KW" -n -c "$T/man-example2.full.yaml" >"$T/n2.out" 2>&1
rc=$?
check "... -n passes (exit $rc)" test "$rc" -eq 0
check "... -n reads it as knockd did" grep -q "^door opencloseSSH: static udp/2222 tcp/3333 udp/4444 tcp_flags syn,ack timeout 15s" "$T/n2.out"

imp man-example4
check "knockd(1) example 4 (one_time_sequences): exit 1, door left for a hand" test "$rc" -eq 1
check "... stderr says HMAC doors replace one-time sequences" grep -q "man-example4.conf:4: door 'opencloseSMTP' left commented out: it uses one_time_sequences (line 5): knockwatch's HMAC doors replace them" "$T/man-example4.err"
check "... the door is there, commented out, converted otherwise" grep -qx "  #     tcp_flags: \"fin,!ack\"" "$T/man-example4.yaml"
completed man-example4
check "... with no door left, -n says so" sh -c "'$KW' -n -c '$T/man-example4.full.yaml' 2>&1 | grep -q 'no doors configured'"
check "... start_command_6 says what to do" grep -q "start_command_6/stop_command_6 (line 9): knockwatch runs start and stop for IPv4 and IPv6" "$T/man-example4.yaml"

imp shell-syntax
check "commands that need a shell: exit 1" test "$rc" -eq 1
for w in "door 'piped' left commented out: its start command (line 15) uses a pipe '|' at character 22; knockwatch runs one program with arguments, never a shell" \
	"door 'listed' left commented out: its start command (line 19) uses '&&' (a command list)" \
	"door 'substituted' left commented out: its start command (line 23) uses a command substitution '\$(...)'" \
	"door 'globbed' left commented out: its start command (line 27) uses a glob" \
	"door 'redirected' left commented out: its start command (line 31) uses a redirection '>'"; do
	check "... $w" grep -qF -- "$w" "$T/shell-syntax.err"
done
check "... quotes and backslashes split as sh splits them" has shell-syntax \
	'    start: [/usr/bin/logger, -t, "knock door", "opened for %SRC%", "a b"]'
check "... interface becomes a comment about the LOG rule" grep -q "^# on one interface only, match it in the LOG rule (iptables -i eth1 ...)" "$T/shell-syntax.yaml"
check "... an unknown option is kept as a comment" grep -qx "# unknown to knockwatch (line 7), left out: Color = blue" "$T/shell-syntax.yaml"
check "... an unknown door directive too" grep -qx "  #     # unknown to knockwatch (line 32), left out: Frobnicate = 3" "$T/shell-syntax.yaml"
completed shell-syntax
check "... the converted door passes -n" sh -c "'$KW' -n -c '$T/shell-syntax.full.yaml' >/dev/null 2>&1"

# Bounded input, clear errors, exit 78 (64 for usage).
head -c 1048577 /dev/zero | tr '\0' '#' >"$T/big.conf"
"$KW" import-knockd "$T/big.conf" >/dev/null 2>"$T/big.err"
rc=$?
check "a file over 1 MiB: exit 78 ($rc)" test "$rc" -eq 78
check "... saying so" grep -q "big.conf: larger than 1048576 bytes: not a knockd.conf" "$T/big.err"
{ printf '[a]\nsequence = 1\ncommand = /bin/true '; head -c 5000 /dev/zero | tr '\0' x; printf '\n'; } >"$T/long.conf"
"$KW" import-knockd "$T/long.conf" >/dev/null 2>"$T/long.err"
rc=$?
check "a line over 4096 bytes: exit 78 ($rc), FILE:LINE" sh -c "test $rc -eq 78 && grep -q 'long.conf:3: line longer than 4096 bytes' '$T/long.err'"
printf 'sequence = 1\n' >"$T/nosec.conf"
"$KW" import-knockd "$T/nosec.conf" >/dev/null 2>"$T/nosec.err"
rc=$?
check "a directive outside a section: exit 78 ($rc)" sh -c "test $rc -eq 78 && grep -q 'nosec.conf:1: a directive outside any \[section\]' '$T/nosec.err'"
"$KW" import-knockd >/dev/null 2>&1
rc=$?
check "no file: exit 64 ($rc)" test "$rc" -eq 64
"$KW" import-knockd "$T/absent.conf" >/dev/null 2>"$T/abs.err"
rc=$?
check "a missing file: exit 78 ($rc), named" sh -c "test $rc -eq 78 && grep -q 'absent.conf: No such file' '$T/abs.err'"

# A "knock to close" section that calls a knockwatch action: the action
# tags each rule with its door, so the close names the opening door.
imp action-close
check "close with an action: converted (exit $rc)" test "$rc" -eq 0
check "... the close names the door that opened (--door openSSH)" has action-close \
	'    start: [/usr/lib/knockwatch/actions/iptables, close, "%SRC%", 22/tcp, --door, openSSH]'
check "... the open is left as it was" has action-close \
	'    start: [/usr/lib/knockwatch/actions/iptables, open, "%SRC%", 22/tcp]'
check "... a close no door opens with is flagged" grep -q "WARNING: this closes with an action that tags each rule with its door" "$T/action-close.yaml"

done_testing
