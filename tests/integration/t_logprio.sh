#!/bin/sh
# t_logprio.sh — under systemd (JOURNAL_STREAM names stderr) every stderr
# line carries sd-daemon's "<N>" priority prefix, so that
# `journalctl -u knockwatch -p warning` shows DOOR STILL OPEN and failed
# reloads; with stderr elsewhere (JOURNAL_STREAM stale) lines stay plain.
. "$(dirname "$0")/lib.sh"

write_config() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    stop: [/bin/false]
    stop_after: 1
EOC
}
write_config
: >"$T/kw.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/kw.err")
export JOURNAL_STREAM
check "daemon starts" start_kw
check "the start line is info (<6>)" grep -q '^<6>knockwatch: started:' "$T/kw.err"
barrier 192.0.2.1
check "a failing stop is DOOR STILL OPEN at warning (<4>)" \
	wait_for 15 grep -q '^<4>knockwatch: warning: DOOR STILL OPEN: door ssh for 192.0.2.1' "$T/kw.err"
echo "doors: [" >"$T/kw.yaml"
kill -HUP "$KWPID"
check "a failed reload is a warning (<4>)" \
	wait_for 10 grep -q '^<4>knockwatch: warning: reload failed' "$T/kw.err"
check "the worker's lines too (debug, <7>)" grep -q '^<7>knockwatch: debug: ' "$T/kw.err"
stop_kw
check "every line has its priority" sh -c "! grep -v '^<[0-7]>knockwatch: ' '$T/kw.err'"

# knockwatch -n under systemd (ExecStartPre): its error is <3>.
"$KW" -n -c "$T/kw.yaml" 2>>"$T/kw.err" >/dev/null
check "-n's config error is an error (<3>)" grep -q '^<3>knockwatch: ' "$T/kw.err"

# stderr redirected elsewhere: JOURNAL_STREAM no longer names it.
write_config
mv "$T/kw.err" "$T/kw.err.journal"
: >"$T/kw.err"
check "daemon starts with stderr elsewhere" start_kw
stop_kw
check "no prefix when stderr is not the journal" sh -c "! grep -q '^<' '$T/kw.err'"
check "but the lines are there" grep -q '^knockwatch: started:' "$T/kw.err"
done_testing
