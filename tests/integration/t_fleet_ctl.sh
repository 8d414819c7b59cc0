#!/bin/sh
# t_fleet_ctl.sh — fleet doors by hand and in status: `knockwatch open
# --host H` opens a door at host H (canonicalised as a fleet line's host;
# %HOST% gets it), a door with hosts: needs one of its hosts, --host is
# refused without a fleet source; status (text and --json) shows the host
# of an attempt in progress.
. "$(dirname "$0")/lib.sh"

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
    fleet: true
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 60
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", "%HOST%"]
  web:
    sequence: [6000, 6001]
    hosts: [10.0.0.1, gw.example]
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", "%HOST%"]
EOC
check "daemon starts" start_kw
SOCK=$T/run/knockwatch.sock
run() {
	r_out=$1 r_err=$2
	shift 2
	"$@" >"$r_out" 2>"$r_err"
	rc=$?
}

run "$T/o" "$T/e" "$KW" open -S "$SOCK" --host GW.Example web 192.0.2.40
check "open --host H of the door's hosts: exit 0, names the host" sh -c \
	"[ $rc -eq 0 ] && grep -q '^door web: start command run for 192.0.2.40 at host gw.example' '$T/o'"
check "... its start command got %HOST% (canonical)" wait_for 10 grep -q \
	"event=start door=web src=192.0.2.40 .*gw.example" "$ACT"
run "$T/o" "$T/e" "$KW" open -S "$SOCK" web 192.0.2.41
check "a door with hosts: without --host: exit 1, says to give one" sh -c \
	"[ $rc -eq 1 ] && grep -q 'opens for its hosts only: give one with --host' '$T/e'"
run "$T/o" "$T/e" "$KW" open -S "$SOCK" --host 10.0.0.9 web 192.0.2.41
check "a host not of the door's list: exit 1" sh -c \
	"[ $rc -eq 1 ] && grep -q 'host 10.0.0.9 is not one of its hosts' '$T/e'"
run "$T/o" "$T/e" "$KW" open -S "$SOCK" ssh 192.0.2.41
check "a door whose commands take %HOST%, without --host: exit 1, says so" sh -c \
	"[ $rc -eq 1 ] && grep -q \"commands take %HOST%: give the host with --host\" '$T/e'"
check "... and nothing ran for it" sh -c "! grep -q 'src=192.0.2.41 ' '$ACT'"
run "$T/o" "$T/e" "$KW" open -S "$SOCK" --host '-bad' ssh 192.0.2.41
check "a host that is no host name: usage, 64" [ "$rc" -eq 64 ]
run "$T/o" "$T/e" "$KW" open -S "$SOCK" --host 10.0.0.2 ssh 192.0.2.42
check "a door without hosts: --host accepted" [ "$rc" -eq 0 ]
check "... it opens at the host given" wait_for 10 grep -q \
	"event=start door=ssh src=192.0.2.42 .*10.0.0.2" "$ACT"

# --- an attempt in progress at a fleet host: status shows its host
knock_line 192.0.2.43 tcp 40001 7000 | sed "s/ fw kernel: / 10.0.0.5 kernel: /" >>"$LOG"
listed() { status | grep -q "^attempt 192.0.2.43 host 10.0.0.5 door ssh stage 1/3 left"; }
check "status text: the attempt's host" wait_for 10 listed
check "status --json: the attempt's host" sh -c "'$KW' status -S '$SOCK' --json |
	jq -e '.attempts[] | select(.source == \"192.0.2.43\" and .host == \"10.0.0.5\")' >/dev/null"

# --- no fleet source: --host is refused
check "daemon stops" stop_kw
sed -i '/fleet: true/d; /hosts:/d' "$T/kw.yaml"
check "daemon starts without a fleet source" start_kw
run "$T/o" "$T/e" "$KW" open -S "$SOCK" --host 10.0.0.2 ssh 192.0.2.44
check "--host without a fleet source: exit 1" sh -c \
	"[ $rc -eq 1 ] && grep -q 'no source has fleet: true' '$T/e'"
check "daemon stops" stop_kw
done_testing
