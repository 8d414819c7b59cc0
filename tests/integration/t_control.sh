#!/bin/sh
# t_control.sh — control through the status socket, as an administrator
# types it: `knockwatch open` runs the start command and journals the door,
# `close` runs the stop command; refusals (unknown door, bad address, door
# not open) are one line and a non-zero exit; `status --json` is one valid
# JSON document with the open doors and the attempts in progress; `reload`
# waits for the daemon's answer and fails when the reload did; status, open
# and close still work while the file on disk is broken; a socket whose
# daemon is not root's is refused.
. "$(dirname "$0")/lib.sh"

C=$T/kw.yaml
config_static 5 30
cp "$C" "$T/good.yaml"
check "daemon starts" start_kw

# run OUT ERR CMD...: runs CMD with its stdout and stderr in files; its
# exit status in $rc.
run() {
	r_out=$1 r_err=$2
	shift 2
	"$@" >"$r_out" 2>"$r_err"
	rc=$?
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
# jqt FILTER FILE: the JSON in FILE passes FILTER (jq -e), quietly.
jqt() { jq -e "$@" >/dev/null; }
journal_has() { grep -q "^ssh $1 - " "$T/state/open"; }

# --- open, as if the sequence had completed
run "$T/o" "$T/e" "$KW" open -c "$C" ssh 192.0.2.9
check "open exits 0" [ "$rc" -eq 0 ]
check "open says the door opens and for how long" \
	grep -q "^door ssh opens for 192.0.2.9: closes in 30 s$" "$T/o"
check "the start command ran" wait_for 10 opened 192.0.2.9
check "the journal has the door, with no user (-)" journal_has 192.0.2.9
check "the log says it was opened by hand" \
	grep -q "control: door ssh opened by hand for 192.0.2.9" "$T/kw.err"

# --- status --json
json() { "$KW" status -c "$C" --json; }
json >"$T/j" 2>"$T/je"
check "status --json is one valid JSON document" jqt . "$T/j"
V=$("$KW" -V | cut -d' ' -f2)
# shellcheck disable=SC2016
check "it has the version ($V) and the uptime" \
	jqt --arg v "$V" '.version == $v and .uptime >= 0' "$T/j"
check "it lists the open door (door, source, user, port, seconds left)" \
	jqt '.open_doors[] | select(.door == "ssh" and
	    .source == "192.0.2.9" and .user == null and .port == null and
	    .seconds_left > 0 and .seconds_left <= 30)' "$T/j"
check "it has the parent's counters" jqt '.counters.doors.opened == 1' \
	"$T/j"
check "it has the worker (pid, counters)" \
	jqt ".worker.pid == $(worker_pid) and .worker.answered and
	    (.worker.counters.lines | type == \"number\")" "$T/j"
# An attempt in progress: the first knock of three.
knock 192.0.2.50 tcp/7000
in_progress() {
	json | jq -e '.attempts[] | select(.door == "ssh" and
	    .source == "192.0.2.50" and .knocks == 1 and .of == 3 and
	    .seconds_left <= 5)'
}
check "the attempt in progress is listed (knocks 1 of 3)" \
	wait_for 10 in_progress
check "and counted" sh -c "'$KW' status -c '$C' --json |
	jq -e '.worker.attempts_in_progress >= 1' >/dev/null"
check "the text form stays (no JSON; attempts as people read them)" \
	sh -c "'$KW' status -c '$C' | grep -q '^open door ssh src 192.0.2.9 user - port - closes in' &&
	'$KW' status -c '$C' | grep -Eq '^attempt [0-9a-f.:]+ door ssh stage 1/3 left [0-9]+s$' &&
	! '$KW' status -c '$C' | grep -q '^attempt door '"

# --- refusals: one line, non-zero
run "$T/o" "$T/e" "$KW" open -c "$C" nosuch 192.0.2.9
check "unknown door: exit 1" [ "$rc" -eq 1 ]
check "unknown door: one line that says so" sh -c \
	"grep -q \"^knockwatch: no door 'nosuch' in the running configuration$\" '$T/e'"
check "unknown door: only that line" one_line "$T/e"
run "$T/o" "$T/e" "$KW" open -c "$C" ssh 300.1.2.3
check "bad address: exit 64" [ "$rc" -eq 64 ]
check "bad address: one line naming it" sh -c \
	"grep -q '^knockwatch open: not a numeric IPv4 or IPv6 address: 300.1.2.3 ' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
run "$T/o" "$T/e" "$KW" open -c "$C" --for 0 ssh 192.0.2.9
check "--for 0: exit 64" [ "$rc" -eq 64 ]
run "$T/o" "$T/e" "$KW" open -c "$C" --for 86401 ssh 192.0.2.9
check "--for over its limit (86400): exit 64, one line" \
	sh -c "[ $rc -eq 64 ] && grep -q -- '--for: 1 to 86400' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
run "$T/o" "$T/e" "$KW" open -c "$C" --port 2222 ssh 192.0.2.9
check "--port on a door without open_range: exit 1" [ "$rc" -eq 1 ]
run "$T/o" "$T/e" "$KW" close -c "$C" ssh 192.0.2.77
check "close of a door not open: exit 1, one line" sh -c \
	"[ $rc -eq 1 ] && grep -q '^knockwatch: door ssh is not open for 192.0.2.77$' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"

# --- addresses are canonicalised: the journal and %SRC% get one spelling
run "$T/o" "$T/e" "$KW" open -c "$C" --for 20 ssh ::FFFF:192.0.2.7
check "an IPv6 spelling opens under its canonical text" \
	grep -q "^door ssh opens for ::ffff:c000:207: closes in 20 s$" "$T/o"
check "its start command ran with that text" wait_for 10 opened ::ffff:c000:207

# --- close
run "$T/o" "$T/e" "$KW" close -c "$C" ssh 192.0.2.9
check "close exits 0" [ "$rc" -eq 0 ]
check "close says so" grep -q "^door ssh closes for 192.0.2.9" "$T/o"
check "the stop command ran" wait_for 10 closed 192.0.2.9
gone() { ! journal_has 192.0.2.9; }
check "the journal no longer has it" wait_for 10 gone
check "status --json no longer lists it" sh -c "'$KW' status -c '$C' --json |
	jq -e '[.open_doors[] | select(.source == \"192.0.2.9\")] | length == 0' >/dev/null"

# --- the configuration on disk is broken: status, open and close still work
printf 'state_dir: %s\nruntime_dir: %s\n\tdoors: [\n' "$T/state" "$T/run" >"$C"
check "the broken file does not load (-n exits 78)" sh -c \
	"'$KW' -n -c '$C' >/dev/null 2>&1; [ \$? -eq 78 ]"
run "$T/o" "$T/e" "$KW" status -c "$C"
check "status -c on the broken file: exit 0" [ "$rc" -eq 0 ]
check "status -c on the broken file: the report" \
	grep -q "^doors open " "$T/o"
check "status -c on the broken file: a one-line warning" sh -c \
	"grep -q '^knockwatch: warning: .*asking the running daemon at $T/run' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
run "$T/o" "$T/e" "$KW" open -c "$C" ssh 192.0.2.10
check "open with the broken file: exit 0" [ "$rc" -eq 0 ]
check "and the door opened" wait_for 10 opened 192.0.2.10
run "$T/o" "$T/e" "$KW" close -c "$C" ssh 192.0.2.10
check "close with the broken file: exit 0" [ "$rc" -eq 0 ]
check "and the door closed" wait_for 10 closed 192.0.2.10
run "$T/o" "$T/e" "$KW" reload -c "$C"
check "reload of the broken file: exit 78, the daemon not asked" sh -c \
	"[ $rc -eq 78 ] && grep -q '(not reloaded)' '$T/e' &&
	! grep -q 'reload asked for' '$T/kw.err'"

# --- a reload that fails in the daemon: non-zero, with its reason
sed "s|^state_dir: .*|state_dir: $T/state2|" "$T/good.yaml" >"$C"
run "$T/o" "$T/e" "$KW" reload -c "$C"
check "a reload the daemon refuses exits 1" [ "$rc" -eq 1 ]
check "and prints the daemon's reason in one line" sh -c \
	"grep -q '^knockwatch: state_dir, runtime_dir and user cannot change on reload' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
check "status counts the failed reload" sh -c "'$KW' status -c '$C' --json |
	jq -e '.counters.reload_failures == 1 and .counters.reloads == 0' >/dev/null"

cp "$T/good.yaml" "$C"
# --- a reload that succeeds: the daemon answers once the worker took it
cat >>"$C" <<EOC
  web:
    sequence: [7100, 7200, 7300]
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 80/tcp]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%SRC%", 80/tcp]
    stop_after: 30
EOC
run "$T/o" "$T/e" "$KW" reload -c "$C"
check "a good reload exits 0" [ "$rc" -eq 0 ]
check "and says the worker confirmed it" \
	grep -q "^reloaded $C: 2 doors, 1 sources (the worker confirmed it)$" \
	"$T/o"
run "$T/o" "$T/e" "$KW" open -c "$C" web 192.0.2.11
check "the new door opens by hand" sh -c "[ $rc -eq 0 ] && grep -q 'door web opens' '$T/o'"
check "its start command ran" wait_for 10 opened 192.0.2.11 web

# --- the systemd unit reloads with it
check "systemd's ExecReload runs knockwatch reload" \
	grep -q '^ExecReload=@sbindir@/knockwatch reload -c @sysconfdir@/knockwatch/knockwatch.yaml$' \
	"$KW_TOP/systemd/knockwatch.service"

# --- the command line: options first work, a typo is one line
run "$T/o" "$T/e" "$KW" -c "$C" status
check "knockwatch -c FILE status works (the order users try)" \
	sh -c "[ $rc -eq 0 ] && grep -q '^doors open ' '$T/o'"
run "$T/o" "$T/e" "$KW" -c "$C" close web 192.0.2.11
check "knockwatch -c FILE close DOOR ADDRESS works" [ "$rc" -eq 0 ]
check "... and the stop ran" wait_for 10 closed 192.0.2.11 web
run "$T/o" "$T/e" "$KW" -c "$C" stauts
check "a misspelt subcommand: exit 64, one line with a hint" sh -c \
	"[ $rc -eq 64 ] && grep -q '^knockwatch: unexpected argument stauts (a subcommand comes first' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
# help SUB WORD...: `knockwatch SUB --help` exits 0 on stdout and
# describes each option WORD.
help() {
	h_sub=$1
	shift
	"$KW" "$h_sub" --help >"$T/h" 2>"$T/he" || return 1
	[ ! -s "$T/he" ] && grep -q "^usage: knockwatch $h_sub" "$T/h" || return 1
	for h_w in "$@"; do
		grep -q -- "^  $h_w" "$T/h" || grep -q -- "^  .*, $h_w" "$T/h" ||
			return 1
	done
}
check "status --help describes its options" help status --json --socket --config
check "open --help describes its options" help open --for --port
check "close --help describes its options" help close -c
check "reload --help describes its options" help reload --config --socket
check "sequence --help describes its options" help sequence --config --step --bind
check "knock --help describes its options" help knock --delay --sequence --bind-source
check "replay --help describes its options" help replay --config --verbose
check "genkey --help" help genkey
# err1 CODE CMD...: CMD exits CODE with one line on stderr that starts
# with the program's name, and nothing on stdout.
err1() {
	e_code=$1
	shift
	"$@" >"$T/o" 2>"$T/e"
	[ $? -eq "$e_code" ] && [ ! -s "$T/o" ] && one_line "$T/e" &&
		grep -q "^knockwatch" "$T/e"
}
check "knockwatch --bogus: one line, 64" err1 64 "$KW" --bogus
check "knockwatch open --bogus: one line, 64" err1 64 "$KW" open --bogus ssh 192.0.2.1
check "knockwatch open (no arguments): one line, 64" err1 64 "$KW" open
check "knockwatch status --for 3: one line, 64" err1 64 "$KW" status --for 3
check "knockwatch sequence --bogus: one line, 64" err1 64 "$KW" sequence --bogus
check "knockwatch knock (no host): one line, 64" err1 64 "$KW" knock
check "knockwatch knock --delay (no value): one line, 64" err1 64 "$KW" knock h --delay
check "knockwatch genkey x: one line, 64" err1 64 "$KW" genkey x
check "knockwatch replay (no file): one line, 64" err1 64 "$KW" replay
check "knockwatch replay --bogus: one line, 64" err1 64 "$KW" replay --bogus f

# --- an HMAC door with an open_range: --port in the range, journaled with
# the user "-", and a restart after a crash keeps it open
check "daemon stops" stop_kw
{
	config_users 1
	cat <<EOC
doors:
  ports:
    hmac: { users: [u0001], length: 2, range: 30000-39999, open_range: 40000-40099 }
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", "%OPEN_PORT%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%SRC%", "%OPEN_PORT%"]
    stop_after: 600
EOC
} >"$C"
check "daemon starts with an HMAC door" start_kw
run "$T/o" "$T/e" "$KW" open -c "$C" ports 192.0.2.20
check "an open_range door without --port: exit 1, says to give one" sh -c \
	"[ $rc -eq 1 ] && grep -q 'open_range 40000-40099: give one with --port' '$T/e'"
run "$T/o" "$T/e" "$KW" open -c "$C" --port 39999 ports 192.0.2.20
check "a port outside the open_range: exit 1" [ "$rc" -eq 1 ]
run "$T/o" "$T/e" "$KW" open -c "$C" --port 40050 ports 192.0.2.20
check "a port in the open_range opens" [ "$rc" -eq 0 ]
check "its start command got the port" wait_for 10 grep -q \
	"event=start door=ports src=192.0.2.20 .*40050" "$ACT"
check "the journal has it with user - and the port" \
	grep -q "^ports 192.0.2.20 - - 40050 " "$T/state/open"
kill -9 "$KWPID"
wait "$KWPID" 2>/dev/null
KWPID=
check "the daemon starts again after a crash" start_kw
still_open() {
	"$KW" status -c "$C" --json | jq -e '.open_doors[] |
	    select(.door == "ports" and .source == "192.0.2.20" and
	    .port == 40050 and .user == null and .state == "open" and
	    .seconds_left > 300)' >/dev/null
}
check "the restart keeps the door opened by hand (not stale)" still_open
check "... and ran no stop for it" sh -c \
	"! grep -q 'event=stop door=ports src=192.0.2.20' '$ACT'"
run "$T/o" "$T/e" "$KW" close -c "$C" ports 192.0.2.20
check "close runs its stop command" wait_for 10 closed 192.0.2.20 ports

# --- a socket whose daemon is not root's is not talked to
# (nobody may pass through $T to reach its own directory; nothing in $T
# is readable by others: umask 077.)
FAKE=$T/fake
chmod 711 "$T"
mkdir "$FAKE" && chown 65534:65534 "$FAKE"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	nc -lkU "$FAKE/knockwatch.sock" </dev/null >/dev/null 2>&1 &
NCPID=$!
check "a stranger's socket is listening" wait_for 10 test -S "$FAKE/knockwatch.sock"
run "$T/o" "$T/e" "$KW" status -S "$FAKE/knockwatch.sock"
check "status refuses it: exit 69, one line" sh -c \
	"[ $rc -eq 69 ] && grep -q 'not root' '$T/e' && [ \$(wc -l <'$T/e') -eq 1 ]"
kill "$NCPID" 2>/dev/null
wait "$NCPID" 2>/dev/null

check "daemon stops" stop_kw
done_testing
