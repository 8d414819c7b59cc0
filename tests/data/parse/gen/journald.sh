#!/bin/sh
# journald.sh OUTDIR — how fmt-journal.txt was made (run as root on Debian
# 12; not part of the test run). In a private mount namespace (so /run and
# the journal are its own) it starts systemd-journald, makes the kernel log
# a TCP and a UDP SYN to loopback in INPUT and a TCP SYN in OUTPUT
# ("IN= OUT=lo") with iptables LOG rules (removed again), has `logger -t
# kernel` forge one line, and writes OUTDIR/out.FORMAT (TZ=UTC) and
# OUTDIR/tz.FORMAT (TZ=Europe/Berlin) with `journalctl -o FORMAT`.
# Usage: unshare -m sh journald.sh /tmp/out
set -u
out=$1
mount --make-rprivate /
mount -t tmpfs none /run
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald >"$out/journald.log" 2>&1 &
jp=$!
sleep 1
P="KW13F$$: "
rules() {
	iptables "$1" INPUT -i lo -p tcp --dport 47013 -j LOG --log-prefix "$P"
	iptables "$1" INPUT -i lo -p udp --dport 47014 -j LOG --log-prefix "$P"
	iptables "$1" OUTPUT -o lo -p tcp --dport 47015 -j LOG --log-prefix "$P"
}
rules -I
nc -z -w1 127.0.0.1 47013
echo x | nc -u -w1 127.0.0.1 47014
nc -z -w1 127.0.0.1 47015
logger -u /run/systemd/journal/dev-log -t kernel "$P IN=eth0 OUT= SRC=192.0.2.66 DST=192.0.2.1 LEN=60 PROTO=TCP SPT=1234 DPT=47013 WINDOW=1 RES=0x00 SYN URGP=0 "
sleep 1
rules -D
dir=$(find /run/log/journal -mindepth 1 -maxdepth 1 -type d | head -n 1)
for f in short short-precise short-iso short-iso-precise short-full \
    short-monotonic short-unix with-unit; do
	TZ=UTC journalctl --directory="$dir" -o "$f" --no-pager -g "$P" >"$out/out.$f"
	TZ=Europe/Berlin journalctl --directory="$dir" -o "$f" --no-pager -g "$P" >"$out/tz.$f"
done
kill "$jp"
