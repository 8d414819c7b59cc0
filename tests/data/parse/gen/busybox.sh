#!/bin/sh
set -u
mount --make-rprivate /
mount -t tmpfs none /dev
mknod -m 666 /dev/null c 1 3
busybox syslogd -n -O /tmp/fmt13/bb.log &
BP=$!
sleep 0.5
python3 - <<'PY'
import socket
msgs=[l.split(' kernel: ',1)[1].rstrip('\n') for l in open('/tmp/fmt13/out.short') if ' kernel: ' in l]
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in msgs:
    s.sendto(('<4>kernel: '+m).encode(), '/dev/log')
s.sendto(b'<13>logger: '+msgs[0].encode(), '/dev/log')
s.sendto(b'<13>kernel: '+msgs[0].encode(), '/dev/log')
PY
sleep 0.5
kill $BP
