#!/bin/sh
# busybox.sh OUTDIR — how fmt-busybox.txt was made (run as root on Debian
# 12 with the busybox package; not part of the test run). In a private
# mount namespace with its own /dev (so /dev/log is its own) it runs
# `busybox syslogd -n -O OUTDIR/bb.log` and sends it the kernel messages of
# OUTDIR/out.short (from journald.sh) exactly as busybox klogd does
# ("<4>kernel: MSG": facility kern, level warning), then the first one as a
# user program would ("<13>logger: ..." and the forged "<13>kernel: ...").
# Usage: unshare -m sh busybox.sh /tmp/out
set -u
out=$1
mount --make-rprivate /
mount -t tmpfs none /dev
mknod -m 666 /dev/null c 1 3
busybox syslogd -n -O "$out/bb.log" &
bp=$!
sleep 0.5
python3 - "$out/out.short" <<'PY'
import socket, sys
msgs = [l.split(' kernel: ', 1)[1].rstrip('\n') for l in open(sys.argv[1])
        if ' kernel: ' in l]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in msgs:
    s.sendto(('<4>kernel: ' + m).encode(), '/dev/log')
s.sendto(('<13>logger: ' + msgs[0]).encode(), '/dev/log')
s.sendto(('<13>kernel: ' + msgs[0]).encode(), '/dev/log')
PY
sleep 0.5
kill "$bp"
