#!/bin/sh
# runs inside unshare -m
set -u
mount --make-rprivate /
mount -t tmpfs none /run
mkdir -p /run/systemd/journal /var/log/journal
mount -t tmpfs none /var/log/journal
/lib/systemd/systemd-journald >/tmp/fmt13/jd.log 2>&1 &
JP=$!
sleep 1
P="KW13F$$: "
iptables -I INPUT -i lo -p tcp --dport 47013 -j LOG --log-prefix "$P"
iptables -I INPUT -i lo -p udp --dport 47014 -j LOG --log-prefix "$P"
iptables -I OUTPUT -o lo -p tcp --dport 47015 -j LOG --log-prefix "$P"
nc -z -w1 127.0.0.1 47013
echo x | nc -u -w1 127.0.0.1 47014
nc -z -w1 127.0.0.1 47015
logger -u /run/systemd/journal/dev-log -t kernel "$P IN=eth0 OUT= SRC=192.0.2.66 DST=192.0.2.1 LEN=60 PROTO=TCP SPT=1234 DPT=47013 WINDOW=1 RES=0x00 SYN URGP=0 "
sleep 1
iptables -D INPUT -i lo -p tcp --dport 47013 -j LOG --log-prefix "$P"
iptables -D INPUT -i lo -p udp --dport 47014 -j LOG --log-prefix "$P"
iptables -D OUTPUT -o lo -p tcp --dport 47015 -j LOG --log-prefix "$P"
for f in short short-precise short-iso short-iso-precise short-full short-monotonic short-unix with-unit; do
  journalctl --directory=$(ls -d /run/log/journal/* | head -1) -o $f --no-pager -g "$P" > /tmp/fmt13/out.$f 2>&1
  journalctl --directory=$(ls -d /run/log/journal/* | head -1) -k -o $f --no-pager -g "$P" > /tmp/fmt13/outk.$f 2>&1
  TZ=Europe/Berlin journalctl --directory=$(ls -d /run/log/journal/* | head -1) -o $f --no-pager -g "$P" > /tmp/fmt13/tz.$f 2>&1
done
ls -R /run/log >> /tmp/fmt13/jd.log; kill $JP
