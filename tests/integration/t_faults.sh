#!/bin/sh
# t_faults.sh — faults around the daemon: an action that hangs (its whole
# process group is killed at cmd_timeout), an action that leaves a
# background child (killed with the group), an action deleted after the
# config loaded (logged, the door's state stays right), the log file and
# its directory removed and re-created, a full state_dir (tmpfs, root only),
# and a storm of SIGHUPs while many sources knock.
. "$(dirname "$0")/lib.sh"

skip=0
skipped() { skip=$((skip + 1)); echo "skip - $1"; }
mkdir -p "$T/logdir" "$T/bin" "$T/state"
LOG=$T/logdir/kern.log
MNT=
trap '[ -n "$MNT" ] && umount "$MNT" 2>/dev/null; cleanup' EXIT

# hang: leader and two descendants (one ignores SIGTERM) that never exit;
# each writes its pid first.
cat >"$T/bin/hang" <<EOS
#!/bin/sh
sleep 1000 &
echo \$! >>"$T/hang.pids"
sh -c 'trap "" TERM; echo \$\$ >>"$T/hang.pids"; while :; do sleep 1; done' &
echo \$\$ >>"$T/hang.pids"
wait
EOS
# bg: leaves a child behind and exits 0 at once.
cat >"$T/bin/bg" <<EOS
#!/bin/sh
sleep 1000 &
echo \$! >"$T/bg.pid"
exit 0
EOS
printf '#!/bin/sh\nexit 0\n' >"$T/bin/gone"
chmod +x "$T/bin/hang" "$T/bin/bg" "$T/bin/gone"

logact() { echo "[$KW_TOP/actions/log, --file, $ACT, $1, \"%SRC%\", 22/tcp]"; }
config_static 10 1
cat >>"$T/kw.yaml" <<EOC
  hang:
    sequence: [7101, 7102]
    start: [$T/bin/hang, "%SRC%"]
    stop: $(logact close)
    stop_after: 1
    cmd_timeout: 1
  bg:
    sequence: [7201, 7202]
    start: [$T/bin/bg, "%SRC%"]
    stop: $(logact close)
    stop_after: 1
  gone:
    sequence: [7301, 7302]
    start: [$T/bin/gone, "%SRC%"]
    stop: $(logact close)
    stop_after: 1
EOC
check "daemon starts" start_kw

# gone PID...: none of the processes exists (a zombie waiting for a
# reaper counts as gone: it runs nothing).
gone() {
	for g in "$@"; do
		[ -e "/proc/$g" ] || continue
		[ "$(awk '{ print $3 }' "/proc/$g/stat" 2>/dev/null)" = Z ] || return 1
	done
	return 0
}
pids_count() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# 1. A hanging action: TERM at cmd_timeout, KILL after the grace, whole
# process group.
knock 192.0.2.10 tcp/7101 tcp/7102
check "hang action started, three pids written" wait_for 10 pids_count "$T/hang.pids" 3
check "hang action terminated at its run-time limit" \
	wait_for 10 grep -q "door hang start for 192.0.2.10: still running after 1 s, terminating" "$T/kw.err"
# shellcheck disable=SC2046 # one pid a line
check "no process of the hung action remains" wait_for 10 gone $(cat "$T/hang.pids")
check "its end is logged as killed" \
	wait_for 10 grep -q "door hang start for 192.0.2.10: killed by signal" "$T/kw.err"

# 2. An action that forks a background child and exits.
knock 192.0.2.11 tcp/7201 tcp/7202
check "bg action ran" wait_for 10 test -s "$T/bg.pid"
check "bg action exits 0" wait_for 10 grep -q "door bg start for 192.0.2.11: exit 0" "$T/kw.err"
check "its background child is gone" wait_for 10 gone "$(cat "$T/bg.pid")"
check "the bg door closes on time" wait_for 10 closed 192.0.2.11 bg

# 3. The start command deleted after the config was loaded: it fails, so
# the door never opened and is not kept open.
rm -f "$T/bin/gone"
knock 192.0.2.12 tcp/7301 tcp/7302
check "a missing action is logged" \
	wait_for 10 grep -q "door gone start for 192.0.2.12: failed with exit 127" "$T/kw.err"
check "the reason is logged" grep -q "cannot run $T/bin/gone" "$T/kw.err"
check "the door did not open, and says so" wait_for 10 grep -q "door gone for 192.0.2.12: start command failed (exit 127): the door did not open" "$T/kw.err"
barrier 192.0.2.13
check "the daemon keeps serving" opened 192.0.2.13
# ssh's stop_after is gone's: once 192.0.2.13 closed, a kept door would
# have closed too.
check "(the later door closes)" wait_for 10 closed 192.0.2.13
check "no stop runs for a door that never opened" sh -c "! grep -q 'event=stop door=gone ' '$ACT'"

# 4. The log file and its directory removed, then re-created.
rm -rf "$T/logdir"
check "the missing directory is logged" \
	wait_for 10 grep -q "directory $T/logdir does not exist; waiting for it" "$T/kw.err"
mkdir -p "$T/logdir"
check "the re-created directory is watched again" \
	wait_for 10 grep -q "watching directory $T/logdir" "$T/kw.err"
: >"$LOG"
barrier 192.0.2.14
check "knocks in the re-created file open" opened 192.0.2.14
check "the daemon still runs" kill -0 "$KWPID"

# 5. state_dir full (tmpfs of 64 KiB): the door opens all the same, and the
# journal failure is logged.
if [ "$(id -u)" -ne 0 ]; then
	skipped "full state_dir (needs root for mount)"
elif ! mount -t tmpfs -o size=64k,mode=0700 tmpfs "$T/state" 2>/dev/null; then
	skipped "full state_dir (mount -t tmpfs failed)"
else
	MNT=$T/state
	dd if=/dev/zero of="$T/state/fill" bs=4k 2>/dev/null
	check "state_dir is full" sh -c "! echo x 2>/dev/null >'$T/state/probe'"
	knock 192.0.2.15 tcp/7000 udp/8000 tcp/9000
	check "the door opens with state_dir full" wait_for 10 opened 192.0.2.15
	check "the journal failure is logged" \
		wait_for 10 grep -q "journal $T/state/open: cannot write" "$T/kw.err"
	check "and it closes on time" wait_for 10 closed 192.0.2.15
	rm -f "$T/state/fill"
	barrier 192.0.2.16
	check "with space again, the journal is written" \
		wait_for 10 grep -q "^ssh 192.0.2.16 " "$T/state/open"
fi

# 6. 200 SIGHUPs while 50 sources knock: each HUP is followed by one knock
# line (150 in all), so reloads fall between the knocks of every sequence.
printf '#!/bin/sh\nexit 0\n' >"$T/bin/gone"
chmod +x "$T/bin/gone"
reloads0=$(grep -c "SIGHUP: reloading" "$T/kw.err")
for i in $(seq 1 200); do
	kill -HUP "$KWPID"
	n=$((i - 1))
	src=192.0.2.$((101 + n % 50))
	case $((n / 50)) in
	0) knock_line "$src" tcp 41001 7000 ;;
	1) knock_line "$src" udp 41002 8000 ;;
	2) knock_line "$src" tcp 41003 9000 ;;
	esac >>"$LOG"
done
all_opened() {
	for i in $(seq 1 50); do opened "192.0.2.$((100 + i))" || return 1; done
}
check "every source opens during the HUP storm" wait_for 20 all_opened
check "the daemon survived the HUP storm" kill -0 "$KWPID"
reloads=$(($(grep -c "SIGHUP: reloading" "$T/kw.err") - reloads0))
failed_reloads=$(grep -c "reload failed" "$T/kw.err")
echo "# $reloads reloads for 200 SIGHUPs"
check "reloads ran during the storm ($reloads)" test "$reloads" -gt 1
check "no reload failed" test "$failed_reloads" -eq 0
doubles=0
for i in $(seq 1 50); do
	[ "$(count_opens "192.0.2.$((100 + i))")" -eq 1 ] || doubles=$((doubles + 1))
done
check "no source's start ran twice ($doubles did)" test "$doubles" -eq 0
all_closed() {
	for i in $(seq 1 50); do closed "192.0.2.$((100 + i))" || return 1; done
}
check "every door opened in the storm closes" wait_for 20 all_closed
doors_none() { status | grep -q "^doors open 0 "; }
check "no door is left open" wait_for 40 doors_none

check "SIGTERM exits 0" stop_kw
# shellcheck disable=SC2154 # pass and fail are lib.sh's
printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
[ "$fail" -eq 0 ]
