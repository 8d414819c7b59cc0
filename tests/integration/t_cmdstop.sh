#!/bin/sh
# shellcheck disable=SC2317 # functions run through check and wait_for
# t_cmdstop.sh — a command source that does not die when killed (issue 12,
# section 6): the parent ends command sources with SIGKILL and must never
# wait for one in the root loop. A process frozen by the cgroup v1 freezer
# ignores SIGKILL until it is thawed, as one stuck in uninterruptible sleep
# (a hung NFS or FUSE read) would: with the worker killed, the parent kills
# the frozen command and must go on answering, start a fresh worker and
# command, name the stuck process, and reap it once it can die.
. "$(dirname "$0")/lib.sh"

FRZ=/sys/fs/cgroup/freezer
CG=$FRZ/kwtest.$$
if [ "$(id -u)" -ne 0 ] || [ ! -d "$FRZ" ] || ! mkdir "$CG" 2>/dev/null; then
	skipped "a command that ignores SIGKILL (needs root and the cgroup v1 freezer)"
	done_testing
	exit
fi
thaw() {
	[ -d "$CG" ] || return 0
	echo THAWED >"$CG/freezer.state"
	wait_for 10 grep -q THAWED "$CG/freezer.state"
}
# Thawed before the daemon is killed, and the cgroup removed once empty.
trap 'thaw; cleanup; rmdir "$CG" 2>/dev/null' EXIT

CLOG=$T/cmd.log
: >"$CLOG"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
  - command: [tail, -n, "0", -F, $CLOG]
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 5
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%"]
EOC
check "daemon starts" start_kw
cmd_pids() { pgrep -f "^tail -n 0 -F $CLOG"; }
check "the command runs" wait_for 10 cmd_pids
C=$(cmd_pids)
echo "$C" >"$CG/cgroup.procs"
echo FROZEN >"$CG/freezer.state"
check "the command is frozen" wait_for 10 grep -q FROZEN "$CG/freezer.state"
W=$(worker_pid)
kill -9 "$W"
# The parent kills the frozen command as the worker goes; it must not wait.
# (A parent stuck in waitpid would accept the connection and never answer.)
status_ok() {
	timeout 5 "$KW" status -S "$T/run/knockwatch.sock" | grep -q "^worker pid [1-9]"
}
check "the parent still answers status" wait_for 10 status_ok
new_worker() { w_n=$(worker_pid) && [ "$w_n" != "$W" ]; }
check "a new worker starts" wait_for 10 new_worker
new_cmd() { for p in $(cmd_pids); do [ "$p" != "$C" ] && return 0; done; return 1; }
check "a new command starts beside the stuck one" wait_for 10 new_cmd
barrier 192.0.2.1
check "knocks open the door meanwhile" opened 192.0.2.1
check "the stuck command is named" wait_for 15 grep -q \
	"command source 2: pid $C has not ended 5 s after SIGKILL" "$T/kw.err"
check "the stuck command is still there, killed but not dead" test -d "/proc/$C"
thaw
gone() { [ ! -d "/proc/$C" ]; }
check "once it can die, it is reaped (no zombie left)" wait_for 10 gone
check "SIGTERM exits 0" stop_kw
done_testing
