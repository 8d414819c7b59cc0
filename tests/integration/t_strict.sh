#!/bin/sh
# t_strict.sh — what root trusts must be root's (StrictModes): a state_dir
# or runtime_dir that is a system directory shared with others (/var/lib,
# /run, ...) or holds entries knockwatch does not keep; start/stop programs
# that group or others can write, or that another user owns; a key_file
# another user owns (root's or the worker user's only). Each is refused by
# -n and at start (exit 78) with an error (not a warning) that gives the
# remedy; a reload re-checks state_dir and fails (the daemon keeps running)
# when it went bad; a state_dir under /tmp is warned about.
. "$(dirname "$0")/lib.sh"

nobody=$(id -u nobody)
# config_with START_PROG [KEYFILE]: a static door running START_PROG and,
# with KEYFILE, an HMAC door whose user's key is in KEYFILE.
config_with() {
	cat >"$T/kw.yaml" <<EOC
state_dir: ${SD:-$T/state}
runtime_dir: ${RD:-$T/run}
sources:
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$1, --file, $ACT, open]
    stop: [$KW_TOP/actions/log, --file, $ACT, close]
    stop_after: 1
EOC
	[ -n "${2:-}" ] && cat >>"$T/kw.yaml" <<EOC
  otp:
    hmac:
      users: [alice]
      range: 20000-29999
    start: [$KW_TOP/actions/log, --file, $ACT, open]
users:
  alice: { key_file: $2 }
EOC
	return 0
}
# refused_n TEXT: -n exits 78 with an error saying TEXT.
refused_n() {
	"$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1
	[ $? -eq 78 ] && grep -qF -e "error: $1" "$T/n.out"
}
# refused TEXT: the daemon exits 78 saying TEXT, and so does -n.
refused() {
	refused_n "$1" || return 1
	"$KW" -c "$T/kw.yaml" >"$T/d.out" 2>&1
	[ $? -eq 78 ] && grep -qF -e "error: $1" "$T/d.out"
}
accepted() { "$KW" -n -c "$T/kw.yaml" >"$T/n.out" 2>&1; }

config_with "$KW_TOP/actions/log"
check "a good config passes -n" accepted
check "-n warns about a state_dir under /tmp" grep -q \
	"warning: state_dir $T/state is under a temporary directory" "$T/n.out"

# System directories: -n only (the daemon must never be tried on them).
for d in /var/lib /run /var/lib/ / /tmp /etc /usr /var; do
	SD=$d config_with "$KW_TOP/actions/log"
	check "state_dir: $d is refused by -n" refused_n "state_dir refused: $d is a system directory"
done
RD=/run config_with "$KW_TOP/actions/log"
check "runtime_dir: /run is refused by -n" refused_n "runtime_dir refused: /run is a system directory"

# A state_dir holding something knockwatch does not keep.
mkdir -p "$T/shared"
: >"$T/shared/other-daemon.db"
SD=$T/shared config_with "$KW_TOP/actions/log"
check "a state_dir holding other-daemon.db is refused" refused \
	"state_dir refused: $T/shared holds 'other-daemon.db'"
check "... and nothing was created in it" test ! -e "$T/shared/worker"

# Programs root runs.
cp "$KW_TOP/actions/log" "$T/prog"
chmod 775 "$T/prog"
config_with "$T/prog"
check "a group-writable start program is refused, with the remedy" refused \
	"door ssh: start command refused: $T/prog is writable by group or others (mode 0775): they could change what root runs or trusts (chmod go-w $T/prog)"
chmod 755 "$T/prog"
chown nobody "$T/prog"
check "a start program owned by nobody is refused" refused \
	"door ssh: start command refused: $T/prog is owned by uid $nobody"
chown root "$T/prog"
mkdir -m 777 "$T/open"
cp "$T/prog" "$T/open/prog"
config_with "$T/open/prog"
check "a program in a world-writable directory is refused" refused \
	"door ssh: start command refused: $T/open is writable by group or others (mode 0777)"

# Key files: root's or the worker user's only.
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$T/alice.key"
chmod 600 "$T/alice.key"
useradd_ok=0
if command -v useradd >/dev/null && useradd -r -M -s /usr/sbin/nologin -d /nonexistent "kws$$" 2>/dev/null; then
	useradd_ok=1
	trap 'cleanup; userdel "kws$$" 2>/dev/null' EXIT
fi
config_with "$KW_TOP/actions/log" "$T/alice.key"
check "a root key_file passes" accepted
chown nobody "$T/alice.key"
check "a key_file of the worker user (nobody) passes" accepted
if [ "$useradd_ok" -eq 1 ]; then
	chown "kws$$" "$T/alice.key"
	check "a key_file of another user is refused" refused \
		"user alice: key_file refused: $T/alice.key is owned by uid $(id -u "kws$$")"
fi
chown root "$T/alice.key"

# The label and the remedy for a bad state_dir; a reload re-checks it.
config_with "$KW_TOP/actions/log"
mkdir -p "$T/state"
chmod 775 "$T/state"
check "a group-writable state_dir: an error with the chmod to run" refused \
	"state_dir refused: $T/state is writable by group or others (mode 0775): another user could plant links or files there (chmod go-w $T/state)"
chmod 700 "$T/state"
check "daemon starts" start_kw
chmod 775 "$T/state"
kill -HUP "$KWPID"
check "the reload fails on the group-writable state_dir" wait_for 10 grep -q \
	"reload failed, keeping the running config" "$T/kw.err"
check "... saying why" grep -qF "error: state_dir refused: $T/state is writable by group or others" "$T/kw.err"
check "the daemon still runs" kill -0 "$KWPID"
chmod 700 "$T/state"
kill -HUP "$KWPID"
check "once fixed, the reload succeeds" wait_for 10 grep -q "reloaded" "$T/kw.err"
check "SIGTERM exits 0" stop_kw
done_testing
