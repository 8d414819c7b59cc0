#!/bin/sh
# soak.sh — `make soak`: the chaos soak (tests/soak/soak.c) against the
# plain build, as root with the real sandbox, for SOAK_SECONDS (default
# 180) at SOAK_RATE lines of scanner noise a second (default 3000).
# SOAK_SEED replays a schedule (as far as timing allows); SOAK_MARGIN_MS
# (default 3000) is how far the daemon may lag behind the log writer before
# a loss near a kill or a reload is put down to that event. The work directory (ground truth in
# `truth`, events, the daemon's log, the transcript) is kept in
# $BUILD/soak-last. To tell which kind of chaos a failure needs, take one
# out: SOAK_ROTATIONS="rename copytruncate" (default all three kinds, with
# delete), SOAK_GAP_ROTATION=0 (no rotation while no worker runs),
# SOAK_REMOVE_BEFORE_KILL=0 (no door removed by a reload, with doors of it
# open, just before the daemon kill).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-build}" && pwd) || exit 1
SECONDS_=${SOAK_SECONDS:-180}
RATE=${SOAK_RATE:-3000}
if [ "$(id -u)" -ne 0 ]; then
	echo "soak: must run as root (the daemon's sandbox: chroot, setuid)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
T=$(mktemp -d /tmp/kwsoak.XXXXXX)
mkdir -p "$T/log" "$T/keys" "$T/state"
chmod 700 "$T/keys"
echo "# soak: ${SECONDS_} s, ${RATE} noise lines/s, work directory $T"
"$BUILD/soakrun" "$TOP" "$BUILD/knockwatch" "$T" "$SECONDS_" "$RATE"
rc=$?
rm -rf "$BUILD/soak-last"
# The logs are large: keep all but them.
rm -f "$T/log/kern.log" "$T/log/kern.log.1"
cp -r "$T" "$BUILD/soak-last" 2>/dev/null
rm -rf "$T"
echo "# record kept in $BUILD/soak-last (truth, events, kw.err, actions.log)"
exit "$rc"
