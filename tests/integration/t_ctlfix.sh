#!/bin/sh
# t_ctlfix.sh — the control clients tell the truth: `reload -c OTHER`
# refuses a file that is not the daemon's own (it would check OTHER and
# reload the daemon's file), `reload -S SOCKET` alone checks the daemon's
# file without reading /etc/knockwatch; a second `close` while the first
# close's stop command runs says "closing already" and exits 1.
. "$(dirname "$0")/lib.sh"

C=$T/kw.yaml
config_static 5 30
# The stop command waits for $T/go: the first close's stop keeps running.
cat >>"$C" <<EOC
  slow:
    sequence: [7100/tcp, 7200/tcp]
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
    stop: [/bin/sh, -c, "while [ ! -e $T/go ]; do sleep 0.05; done"]
    stop_after: 600
EOC
check "daemon starts" start_kw
run() {
	r_out=$1 r_err=$2
	shift 2
	"$@" >"$r_out" 2>"$r_err"
	rc=$?
}
SOCK=$T/run/knockwatch.sock

# --- reload: the daemon's own file, not another
cp "$C" "$T/other.yaml"
printf '  bogus: [\n' >>"$T/other.yaml"	# other.yaml does not load
run "$T/o" "$T/e" "$KW" reload -S "$SOCK" -c "$T/other.yaml"
check "reload -c OTHER (not the daemon's file): exit 1" [ "$rc" -eq 1 ]
check "... and says which file the daemon reloads" \
	grep -q "reloads $C, not $T/other.yaml: not reloaded" "$T/e"
cp "$C" "$T/copy.yaml"
run "$T/o" "$T/e" "$KW" reload -c "$T/copy.yaml"
check "reload -c COPY (a valid copy, another file): exit 1" [ "$rc" -eq 1 ]
check "no reload was asked for" sh -c \
	"! grep -q 'reload asked for through the control socket' '$T/kw.err'"
run "$T/o" "$T/e" "$KW" reload -S "$SOCK"
check "reload -S SOCKET alone: exit 0 (no /etc/knockwatch needed)" \
	[ "$rc" -eq 0 ]
check "... the daemon's answer names its file" grep -q "^reloaded $C" "$T/o"
run "$T/o" "$T/e" "$KW" reload -c "$T/./kw.yaml"
check "reload -c with the daemon's file (another spelling): exit 0" \
	[ "$rc" -eq 0 ]
printf '  bogus: [\n' >>"$C"
run "$T/o" "$T/e" "$KW" reload -S "$SOCK"
check "reload -S when the daemon's file is broken: 78, daemon not asked" \
	sh -c "[ $rc -eq 78 ] && [ \$(grep -c 'reload asked for' '$T/kw.err') -eq 2 ]"
cp "$T/copy.yaml" "$C"

# --- close twice while the stop command runs
run "$T/o" "$T/e" "$KW" open -S "$SOCK" slow 192.0.2.30
check "open slow" [ "$rc" -eq 0 ]
run "$T/o" "$T/e" "$KW" close -S "$SOCK" slow 192.0.2.30
check "the first close: exit 0, its stop command starts" \
	sh -c "[ $rc -eq 0 ] && grep -q 'stop command started' '$T/o'"
run "$T/o" "$T/e" "$KW" close -S "$SOCK" slow 192.0.2.30
check "a second close while the stop runs: exit 1" [ "$rc" -eq 1 ]
check "... says it is closing already" \
	grep -q "slow for 192.0.2.30: closing already (stop command running)" "$T/e"
touch "$T/go"
gone() { ! status | grep -q "open door slow src 192.0.2.30"; }
check "the stop ends: the door is gone" wait_for 10 gone
run "$T/o" "$T/e" "$KW" close -S "$SOCK" slow 192.0.2.30
check "a close after that: not open" grep -q "is not open for" "$T/e"

check "daemon stops" stop_kw
done_testing
