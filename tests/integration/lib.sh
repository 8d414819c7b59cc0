# shellcheck shell=sh
# lib.sh — shared helpers for the integration scenarios (sourced, POSIX sh).
# Each scenario gets a temporary directory, a log file the daemon tails and
# a transcript written by actions/log; it polls with deadlines, never a
# fixed sleep, and prints "N passed, N failed" last. wait_for, now_ms and
# the ok/not_ok/check/done_testing counters come from tests/lib/common.sh.
set -u
# Configs hold inline keys: knockwatch refuses them when others can read.
umask 077
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KW_BUILD=${KW_BUILD:-$KW_TOP/build}
KW=$KW_BUILD/knockwatch
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
T=$(mktemp -d /tmp/kwit.XXXXXX)
LOG=$T/kern.log
ACT=$T/actions.log
KWPID=
pass=0
fail=0

cleanup() {
	if [ -n "$KWPID" ]; then kill -9 "$KWPID" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# knock_line SRC PROTO SPORT DPORT [PREFIX]: a kernel LOG line as rsyslog's
# classic format writes it.
knock_line() {
	l_prefix=${5-KNOCK: }
	case $2 in
	tcp) printf '%s fw kernel: [  109.780091] %sIN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=%s DPT=%s WINDOW=64240 RES=0x00 SYN URGP=0\n' "$(date '+%b %e %H:%M:%S')" "$l_prefix" "$1" "$3" "$4" ;;
	udp) printf '%s fw kernel: [  109.780091] %sIN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=29 TOS=0x00 PREC=0x00 TTL=64 ID=54322 DF PROTO=UDP SPT=%s DPT=%s LEN=9\n' "$(date '+%b %e %H:%M:%S')" "$l_prefix" "$1" "$3" "$4" ;;
	esac
}
# knock SRC PROTO/PORT...: appends one line per knock to $LOG.
knock() {
	k_src=$1; shift
	k_sp=40000
	for k in "$@"; do
		k_sp=$((k_sp + 1))
		knock_line "$k_src" "${k%/*}" "$k_sp" "${k#*/}" >>"$LOG"
	done
}

# user_key I: user uI's key in config_users (I in 64 hex digits).
user_key() { printf '%064x' "$1"; }
# config_users N: a config's head (state_dir, runtime_dir, the test log as
# its source) and N users u0001.. with inline keys (user_key); the caller
# appends its doors.
config_users() {
	cat <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
EOC
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "  u%04d: { key: \"%064x\" }\n", i, i }'
}

# config_static [TIMEOUT] [STOP_AFTER]: the static door used by most scenarios.
config_static() {
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: ${1:-5}
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%SRC%", 22/tcp]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%SRC%", 22/tcp]
    stop_after: ${2:-1}
EOC
}

# start_kw: runs the daemon on $T/kw.yaml and waits until it tails $LOG
# (a new "started:" line: kw.err keeps those of earlier runs). KW_WRAP, when
# set, is a command the daemon runs under (valgrind ...).
start_kw() {
	: >>"$LOG"
	s_n=$(grep -c "started:" "$T/kw.err" 2>/dev/null) || s_n=0
	${KW_WRAP:-} "$KW" -c "$T/kw.yaml" -vv 2>>"$T/kw.err" &
	KWPID=$!
	wait_for 10 started_after "$s_n"
}
started_after() { [ "$(grep -c "started:" "$T/kw.err")" -gt "$1" ]; }
stop_kw() {
	[ -n "$KWPID" ] || return 0
	kill -TERM "$KWPID" 2>/dev/null
	wait "$KWPID"
	s_rc=$?
	KWPID=
	return $s_rc
}

# has_open PID FILE: process PID has FILE open.
has_open() {
	for h_f in "/proc/$1/fd"/*; do
		[ "$(readlink "$h_f")" = "$2" ] && return 0
	done
	return 1
}
# worker_pid: the daemon's worker (the process that reads the logs).
worker_pid() { pgrep -P "$KWPID" -x kw-worker; }
# rchar: bytes the daemon has read so far (all descriptors, both processes;
# a restarted worker starts from 0).
rchar() {
	r_w=$(worker_pid) || r_w=
	# shellcheck disable=SC2086
	awk '/^rchar:/ { s += $2 } END { print s + 0 }' "/proc/$KWPID/io" \
		${r_w:+/proc/$r_w/io}
}
# read_since BYTES N: the daemon read at least N bytes since rchar was BYTES.
read_since() { [ $(($(rchar) - $1)) -ge "$2" ]; }

# status: the running daemon's report through its socket.
status() { "$KW" status -S "$T/run/knockwatch.sock"; }

# opened SRC / closed SRC: the transcript shows the start / stop event.
opened() { grep -q "event=start door=${2:-ssh} src=$1 " "$ACT" 2>/dev/null; }
closed() { grep -q "event=stop door=${2:-ssh} src=$1 " "$ACT" 2>/dev/null; }
count_opens() { grep -c "event=start door=${2:-ssh} src=$1 " "$ACT" 2>/dev/null || true; }
# barrier SRC: knocks the right sequence from SRC and waits for it to open,
# so every line written before has been processed.
barrier() {
	knock "$1" tcp/7000 udp/8000 tcp/9000
	wait_for 10 opened "$1"
}
