#!/bin/sh
# gen.sh — writes synthetic but realistic rsyslog lines for the benchmarks,
# deterministically (same arguments, same bytes). It only prints; it never
# touches the firewall or a real log.
#
# usage: gen.sh mix N            a mixed syslog file: knock-prefix LOG lines
#                                (scanners, plus complete 7000/tcp 8000/udp
#                                9000/tcp sequences), other LOG prefixes,
#                                other kernel messages, sshd/cron/systemd/
#                                postfix lines; RFC 3339 and classic stamps
#        gen.sh first N [LO HI]  N first knocks from N distinct sources
#                                (IPv4 and expanded IPv6), destination ports
#                                uniform in LO..HI (default 7000 only)
#
# Shares for "mix" (percent of lines, env): GEN_KNOCK=55 GEN_OTHERLOG=8
# GEN_KERNEL=4 (the rest is non-kernel); GEN_V6=20 (of LOG lines),
# GEN_UDP=25, GEN_SEQ=1 (per mille of lines that start a full sequence).
# The prefix is GEN_PREFIX ("KNOCK: "). Lines are spread evenly over
# GEN_SPAN seconds (72000) from midnight yesterday. Stamps are UTC: run
# readers with TZ=UTC.
set -eu

mode=${1:?usage: gen.sh mix|first N [LO HI]}
n=${2:?usage: gen.sh mix|first N [LO HI]}
lo=${3:-7000}
hi=${4:-$lo}
# Yesterday, so that classic stamps (no year) read as this year, in the past.
day=$(TZ=UTC date -d yesterday +%Y-%m-%d)
mon=$(TZ=UTC LC_ALL=C date -d yesterday +%b)
mday=$(TZ=UTC date -d yesterday +%e)

exec awk -v mode="$mode" -v n="$n" -v lo="$lo" -v hi="$hi" \
    -v day="$day" -v mon="$mon" -v mday="$mday" \
    -v pknock="${GEN_KNOCK:-55}" -v potherlog="${GEN_OTHERLOG:-8}" \
    -v pkernel="${GEN_KERNEL:-4}" -v pv6="${GEN_V6:-20}" \
    -v pudp="${GEN_UDP:-25}" -v pseq="${GEN_SEQ:-1}" \
    -v prefix="${GEN_PREFIX:-KNOCK: }" -v span="${GEN_SPAN:-72000}" '
function rnd(k) { return int(rand() * k) }
# The stamp of line i: lines spread evenly over span seconds; half
# the lines (in runs, as when a host switches templates) RFC 3339.
function stamp(i,   t, h, m, s, us) {
	t = int(i * span / n)
	h = int(t / 3600); m = int(t / 60) % 60; s = t % 60
	us = (i * 7919) % 1000000
	if (int(i / 1000) % 2 == 0)
		return sprintf("%sT%02d:%02d:%02d.%06d+00:00", day, h, m, s, us)
	return sprintf("%s %2d %02d:%02d:%02d", mon, mday, h, m, s)
}
function kts(i) {
	# rsyslog imklog lines carry the printk time, imkmsg/journald ones not.
	if (i % 3 == 0)
		return ""
	return sprintf("[%6d.%06d] ", 1000 + int(i / 50), (i * 31) % 1000000)
}
function v4(k) {
	return sprintf("%d.%d.%d.%d", 1 + (k * 37) % 222, (k * 101) % 256,
	    int(k / 256) % 256, 1 + k % 254)
}
# ip6tables prints addresses expanded: eight groups of four hex digits.
function v6(k) {
	return sprintf("2001:0db8:%04x:%04x:0000:0000:%04x:%04x", (k * 7) % 65536,
	    int(k / 65536) % 65536, (k * 13) % 65536, k % 65536)
}
function mac() { return "52:54:00:12:34:56:52:54:00:65:43:21" }
# One kernel LOG line body (after the prefix).
function logbody(six, src, proto, sport, dport,   b, dst, flags) {
	if (six)
		b = sprintf("IN=eth0 OUT= MAC=%s:86:dd SRC=%s DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=80 TC=0 HOPLIMIT=%d FLOWLBL=%d ",
		    mac(), src, 40 + rnd(24), rnd(1048576))
	else if (rnd(10) == 0)	# a WireGuard/tun interface has no MAC
		b = sprintf("IN=wg0 OUT= SRC=%s DST=10.8.0.1 LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d DF ",
		    src, proto == "UDP" ? 29 : 60, 40 + rnd(24), rnd(65536))
	else
		b = sprintf("IN=eth0 OUT= MAC=%s:08:00 SRC=%s DST=192.0.2.1 LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d %s",
		    mac(), src, proto == "UDP" ? 29 : 60, 40 + rnd(24), rnd(65536),
		    rnd(4) ? "DF " : "")
	if (proto == "UDP")
		return b sprintf("PROTO=UDP SPT=%d DPT=%d LEN=9", sport, dport)
	flags = (forcesyn || rnd(20)) ? "SYN " : (rnd(2) ? "ACK RST " : "ACK FIN ")
	if (rnd(8) == 0)	# --log-tcp-sequence
		return b sprintf("PROTO=TCP SPT=%d DPT=%d SEQ=%d ACK=0 WINDOW=%d RES=0x00 %sURGP=0",
		    sport, dport, rnd(2147483647), 1024 + rnd(64000), flags)
	return b sprintf("PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 %sURGP=0",
	    sport, dport, 1024 + rnd(64000), flags)
}
function kline(i, pfx, six, src, proto, sport, dport) {
	printf "%s fw kernel: %s%s%s\n", stamp(i), kts(i), pfx,
	    logbody(six, src, proto, sport, dport)
}
function scanport(   r) {
	r = rnd(10)
	if (r < 2) return ports[1 + rnd(nports)]
	return 1 + rnd(65535)
}
function other_kernel(i,   r) {
	r = rnd(6)
	if (r == 0) return "e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None"
	if (r == 1) return sprintf("audit: type=1400 audit(%d.%03d:%d): apparmor=\"DENIED\" operation=\"open\" profile=\"/usr/sbin/ntpd\" name=\"/proc/%d/status\" pid=%d comm=\"ntpd\" requested_mask=\"r\" denied_mask=\"r\"", 1700000000 + i, i % 1000, i, rnd(50000), rnd(50000))
	if (r == 2) return "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters."
	if (r == 3) return sprintf("nf_conntrack: nf_conntrack: table full, dropping packet")
	if (r == 4) return sprintf("EXT4-fs (vda1): re-mounted %08x-1f2e-4d3c-8b7a-6c5d4e3f2a1b. Quota mode: none.", rnd(2147483647))
	return sprintf("perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d", 2500 + rnd(100), 2500, 79000)
}
function other_line(i,   r, ip) {
	r = rnd(10); ip = v4(rnd(30000))
	if (r < 4) return sprintf("sshd[%d]: Failed password for invalid user %s from %s port %d ssh2", 1000 + rnd(60000), users[1 + rnd(nusers)], ip, 1024 + rnd(64000))
	if (r == 4) return sprintf("sshd[%d]: Connection closed by authenticating user root %s port %d [preauth]", 1000 + rnd(60000), ip, 1024 + rnd(64000))
	if (r == 5) return sprintf("sshd[%d]: Accepted publickey for deploy from %s port %d ssh2: ED25519 SHA256:Vx1mK0N7q3fWbq2Bv6yZpL8cX4hJt9rD5sE2aG0uQwI", 1000 + rnd(60000), ip, 1024 + rnd(64000))
	if (r == 6) return sprintf("CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", 1000 + rnd(60000))
	if (r == 7) return "systemd[1]: Started session-4711.scope - Session 4711 of User deploy."
	if (r == 8) return sprintf("postfix/smtpd[%d]: connect from unknown[%s]", 1000 + rnd(60000), ip)
	# A local program quoting a knock line: must not count.
	return sprintf("logger[%d]: %sIN=eth0 OUT= SRC=%s DST=192.0.2.1 LEN=60 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0", 1000 + rnd(60000), prefix, ip)
}
BEGIN {
	srand(20261123)
	nports = split("22 23 80 443 445 3389 5900 8080 8443 3306", ports, " ")
	nusers = split("admin test oracle ubuntu pi user guest postgres git ftp", users, " ")
	if (mode == "first") {
		forcesyn = 1
		for (i = 0; i < n; i++) {
			six = (i % 5 == 4)
			src = six ? v6(i) : sprintf("%d.%d.%d.%d", 11 + int(i / 16777216),
			    int(i / 65536) % 256, int(i / 256) % 256, i % 256)
			dport = lo + (hi > lo ? rnd(hi - lo + 1) : 0)
			kline(i, prefix, six, src, "TCP", 1024 + i % 60000, dport)
		}
		exit
	}
	for (i = 0; i < n; i++) {
		r = rnd(1000)
		if (r < pseq && i + 3 <= n) {
			# A real client completing the door: three lines.
			six = rnd(100) < pv6
			src = six ? v6(900000 + i) : sprintf("198.51.100.%d", 1 + i % 254)
			forcesyn = 1
			kline(i, prefix, six, src, "TCP", 40001, 7000); i++
			kline(i, prefix, six, src, "UDP", 40002, 8000); i++
			kline(i, prefix, six, src, "TCP", 40003, 9000)
			forcesyn = 0
			continue
		}
		r = rnd(100)
		if (r < pknock + potherlog) {
			six = rnd(100) < pv6
			k = rnd(25000)
			src = six ? v6(k) : v4(k)
			proto = rnd(100) < pudp ? "UDP" : "TCP"
			kline(i, r < pknock ? prefix : "[UFW BLOCK] ", six, src,
			    proto, 1024 + rnd(64000), scanport())
		} else if (r < pknock + potherlog + pkernel)
			printf "%s fw kernel: %s%s\n", stamp(i), kts(i), other_kernel(i)
		else
			printf "%s fw %s\n", stamp(i), other_line(i)
	}
}'
