#!/bin/sh
# t_journal.sh — the open-door journal and the slots it holds: a door whose
# start command failed is not kept open; a stop that can never succeed
# (exit 64, the shipped actions' usage error) is given up loudly, counted
# and frees its slot, across a restart too; a second HMAC open of the same
# door and source on another derived port opens that port; a door whose
# stop keeps failing and that a reload removed is still closed after a kill
# -9 and a restart (the journal carries its stop command); forged, old and
# unknown journal lines.
. "$(dirname "$0")/lib.sh"

# A stop that fails while $T/fail exists.
cat >"$T/failstop" <<EOS
#!/bin/sh
if [ -e "$T/fail" ]; then echo "failing on purpose"; exit 1; fi
exec "$KW_TOP/actions/log" --file "$ACT" close "\$@"
EOS
chmod 700 "$T/failstop"
# config_journal [extra]: with "extra", the door extra is configured.
config_journal() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$KW_TOP/actions/log, --file, $ACT, close]
    stop_after: 1
  badstart:
    sequence: [7300, 7400]
    start: [/bin/sh, -c, 'echo no firewall today; exit 1']
    stop: [$KW_TOP/actions/log, --file, $ACT, close]
    stop_after: 30
  usage:
    sequence: [7500, 7600]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$KW_TOP/actions/iptables, close, "%SRC%", "22/sctp"]
    stop_after: ${1:-1}
  ports:
    hmac: { length: 2, range: 30000-39999, open_range: 40000-49999 }
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%OPEN_PORT%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%OPEN_PORT%"]
    stop_after: 2
EOC
	if [ "${2-}" = extra ]; then
		cat >>"$T/kw.yaml" <<EOC
  extra:
    sequence: [7700, 7800]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [$T/failstop, "%SRC%"]
    stop_after: 1
EOC
	fi
}
doors_line() { status | grep "^doors open "; }
status_has() { doors_line | grep -q "$1"; }
no_line_for() { ! grep -q "^$1 $2 " "$T/state/open" 2>/dev/null; }

config_journal 1 extra
check "daemon starts" start_kw

# 1. A start command that fails: the door did not open.
knock 192.0.2.10 tcp/7300 tcp/7400
check "a failed start is logged" wait_for 10 grep -q "door badstart for 192.0.2.10: start command failed (exit 1): the door did not open" "$T/kw.err"
check "... counted in status" wait_for 5 status_has "start_failures 1 "
check "... holds no slot" wait_for 5 status_has "^doors open 0 "
check "... has no journal line" no_line_for badstart 192.0.2.10
check "... and no stop runs for it" sh -c "! grep -q 'door=badstart' '$ACT' 2>/dev/null"

# 2. A stop that exits 64 (the real iptables action refuses 22/sctp before
# it touches any firewall): given up at once, loudly, slot freed.
knock 192.0.2.11 tcp/7500 tcp/7600
check "door usage opens" wait_for 10 opened 192.0.2.11 usage
check "an unusable stop is logged loudly" wait_for 10 grep -q "DOOR MAY BE OPEN: door usage for 192.0.2.11: the stop command refused its arguments (exit 64, usage error)" "$T/kw.err"
check "... counted in status" wait_for 5 status_has "stop_unusable 1\$"
check "... not retried" sh -c "! grep -q 'DOOR STILL OPEN: door usage' '$T/kw.err'"
check "... and it frees its slot" wait_for 5 status_has "^doors open 0 "
check "... and its journal line" no_line_for usage 192.0.2.11

# 3. Two HMAC opens of one door from one source, two steps: two derived
# ports, two doors (they used to extend the first).
step=$(($(date +%s) / 30))
s1=$("$KW" sequence -c "$T/kw.yaml" --door ports --user alice --step "$step")
s2=$("$KW" sequence -c "$T/kw.yaml" --door ports --user alice --step $((step + 1)))
p1=${s1##*open=} p2=${s2##*open=}
# shellcheck disable=SC2086
knock 192.0.2.12 ${s1% open=*}
check "first open port $p1" wait_for 10 grep -q "event=start door=ports src=192.0.2.12 .* open_port=$p1 " "$ACT"
# shellcheck disable=SC2086
knock 192.0.2.12 ${s2% open=*}
if [ "$p1" != "$p2" ]; then
	check "second open port $p2 opens too" wait_for 10 grep -q "event=start door=ports src=192.0.2.12 .* open_port=$p2 " "$ACT"
	check "both close, each its own port" wait_for 10 sh -c \
		"grep -q 'event=stop door=ports src=192.0.2.12 .* open_port=$p1 ' '$ACT' && grep -q 'event=stop door=ports src=192.0.2.12 .* open_port=$p2 ' '$ACT'"
else
	echo "# the two steps derived the same port ($p1): second-port check skipped"
fi

# 4. Issue 17: door extra's stop keeps failing, a reload removes extra, the
# daemon is killed and restarted: the journal still closes it.
touch "$T/fail"
knock 192.0.2.13 tcp/7700 tcp/7800
check "door extra opens" wait_for 10 opened 192.0.2.13 extra
check "its stop fails and is retried" wait_for 10 grep -q "DOOR STILL OPEN: door extra for 192.0.2.13" "$T/kw.err"
check "the journal carries its stop command (format 3, no host)" sh -c \
	"head -1 '$T/state/open' | grep -qx 'knockwatch-journal 3' && grep -q '^extra 192.0.2.13 - - - [0-9]* [0-9]* $T/failstop 192.0.2.13\$' '$T/state/open'"
n=$(grep -c "reloaded:" "$T/kw.err")
config_journal 1
kill -HUP "$KWPID"
check "a reload removes door extra" wait_for 10 sh -c "[ \$(grep -c 'reloaded:' '$T/kw.err') -gt $n ]"
kill -9 "$KWPID"; wait "$KWPID" 2>/dev/null; KWPID=
check "the killed daemon's journal still names extra" grep -q "^extra 192.0.2.13 " "$T/state/open"
rm -f "$T/fail"
check "daemon restarts" start_kw
check "extra is closed with the stop command it opened with" wait_for 10 closed 192.0.2.13 extra
check "... saying the door is no longer configured" grep -q "door extra for 192.0.2.13 .*no longer configured" "$T/kw.err"
check "... and nothing says to close it by hand" sh -c "! grep -q 'DOOR MAY BE OPEN: journal names door extra' '$T/kw.err'"
check "the journal is empty once closed" wait_for 10 test ! -s "$T/state/open"

# 5. An unusable stop across a restart: door usage open, kill -9, restart
# after its deadline: the stop exits 64, is given up, the slot is free.
check "SIGTERM exits 0" stop_kw
config_journal 2
check "daemon starts" start_kw
knock 192.0.2.14 tcp/7500 tcp/7600
check "door usage opens" wait_for 10 opened 192.0.2.14 usage
kill -9 "$KWPID"; wait "$KWPID" 2>/dev/null; KWPID=
check "its journal line survives the kill" grep -q "^usage 192.0.2.14 " "$T/state/open"
dl=$(awk '$1 == "usage" && $2 == "192.0.2.14" { print $6 }' "$T/state/open")
check "its deadline passes while the daemon is down" wait_for 10 sh -c "[ \$(date +%s) -gt $dl ]"
check "daemon restarts" start_kw
check "the restart's stop is given up loudly" wait_for 10 grep -q "DOOR MAY BE OPEN: door usage for 192.0.2.14: the stop command refused its arguments" "$T/kw.err"
check "... and frees the slot" wait_for 5 status_has "^doors open 0 .*stop_unusable 1\$"
check "... and the journal line" wait_for 5 test ! -s "$T/state/open"
check "SIGTERM exits 0" stop_kw

# 6. Journal lines another hand wrote. The issue's forged line (format 1):
# user and port are not the static door's; an old-format line that is
# right is closed with today's stop command.
printf 'ssh 192.0.2.50 -evil_user -p 1\nssh 192.0.2.51 - - 1\n' >"$T/state/open"
chmod 600 "$T/state/open"
check "daemon starts with a forged journal" start_kw
check "the forged line is refused, saying why" grep -Eq "journal .*open: line 1 refused \((bad user name|user not of this door|bad port)\)" "$T/kw.err"
check "the journal is set aside as .bad" sh -c "ls '$T/state' | grep -q '^open.bad-'"
check "the right old-format line is closed" wait_for 10 closed 192.0.2.51
check "no stop ran for the forged line" sh -c "! grep -q 'src=192.0.2.50' '$ACT'"
check "SIGTERM exits 0" stop_kw
# Format 2 lines: an address in a non-canonical form, a port outside the
# open_range and a user of no door (the configuration changed since they
# opened: closed now with their own stop command), a user name that looks
# like an option, a stop program another user could change, a bad escape;
# and a journal of a format to come.
cp "$T/failstop" "$T/evilstop"
chmod 777 "$T/evilstop"
{
	echo "knockwatch-journal 2"
	echo "ssh 192.000.2.52 - - 1 10 $KW_TOP/actions/log --file $ACT close"
	echo "ports 192.0.2.53 alice 1 1 10 $KW_TOP/actions/log --file $ACT close"
	echo "ports 192.0.2.54 mallory 40001 $(($(date +%s) + 3600)) 10 $KW_TOP/actions/log --file $ACT close"
	echo "gone 192.0.2.55 - - 1 10 $T/evilstop"
	echo "ssh 192.0.2.56 - - 1 10 $KW_TOP/actions/log --file%ZZ $ACT close"
	echo "ssh 192.0.2.57 - - 1 10 $KW_TOP/actions/log --file $ACT close%20now"
	echo "ports 192.0.2.58 -evil 40001 1 10 $KW_TOP/actions/log --file $ACT close"
} >"$T/state/open"
rm -f "$T"/state/open.bad-*
check "daemon starts" start_kw
check "non-canonical address refused" grep -q "line 2 refused (address not in canonical form)" "$T/kw.err"
check "port outside open_range: closed now" grep -q "door ports for 192.0.2.53 user alice: port not in the door's open_range since it opened: closing it now" "$T/kw.err"
check "a revoked user's door, an hour before its deadline: closed now" grep -q "door ports for 192.0.2.54 user mallory: user not of this door since it opened: closing it now" "$T/kw.err"
check "... with the stop commands they opened with" wait_for 10 sh -c "grep -q 'event=stop door=ports src=192.0.2.53 ' '$ACT' && grep -q 'event=stop door=ports src=192.0.2.54 ' '$ACT'"
check "a user name like an option refused" grep -q "line 8 refused (bad user name)" "$T/kw.err"
check "a stop program others can write refused" grep -q "line 5 refused (stop program unknown, or writable by others)" "$T/kw.err"
check "a bad escape refused" grep -q "line 6 refused (bad escape)" "$T/kw.err"
check "the good line is closed, escapes undone" wait_for 10 grep -q "event=stop door=ssh src=192.0.2.57 .* args=close now\$" "$ACT"
check "nothing ran for the refused lines" sh -c "! grep -Eq 'src=192.0.2.5[2568] ' '$ACT'"
check "SIGTERM exits 0" stop_kw
printf 'knockwatch-journal 4\nwhatever comes next\n' >"$T/state/open"
check "daemon starts with a journal of an unknown format" start_kw
check "... says so and sets it aside" sh -c "grep -q 'unknown format' '$T/kw.err' && test ! -e '$T/state/open' -o ! -s '$T/state/open'"
check "SIGTERM exits 0" stop_kw
done_testing
