#!/bin/sh
# t_hostile.sh — hostile log text fed to the running daemon through its log
# file: binary garbage, NUL bytes, 1 MiB lines, invalid UTF-8, missing
# fields, out-of-range ports, SRC= values that are not addresses or carry
# shell text, two SRC= fields, forged tags. Every hostile case is a whole
# sequence (7000/tcp 8000/udp 9000/tcp) from its own 198.51.100.x source, so
# a parser that let one through would open a door. Afterwards the daemon
# must still run, still open for a genuine knock, and the transcript must
# hold only the genuine sources (192.0.2.x).
# shellcheck disable=SC2016 # perl expressions are literal
. "$(dirname "$0")/lib.sh"

config_static 10 30
check "daemon starts" start_kw
barrier 192.0.2.1
check "genuine knock opens before the hostile lines" opened 192.0.2.1

# hostile SRC PERL-SUBSTITUTION: the three knocks of SRC, each line passed
# through the perl expression (which may write any byte).
hostile() {
	h_src=$1; h_expr=$2
	{
		knock_line "$h_src" tcp 41001 7000
		knock_line "$h_src" udp 41002 8000
		knock_line "$h_src" tcp 41003 9000
	} | perl -pe "$h_expr" >>"$LOG"
}
# The daemon has read at least this much by the end (see wait at the end).
before=$(rchar)

# Binary garbage, alone and around knock lines.
head -c 65536 /dev/urandom >>"$LOG"
printf '\n' >>"$LOG"
hostile 198.51.100.1 's/^/\x00\xff\x1b[2J/'
perl -e 'print map { chr(int(rand(256))) } 1..8192; print "\n"' >>"$LOG"

# NUL bytes: inside the address, the port, the prefix, the tag.
hostile 198.51.100.2 's/SRC=(\S+)/SRC=$1\x00/'
hostile 198.51.100.3 's/DPT=(\d\d)/DPT=$1\x00/'
hostile 198.51.100.4 's/KNOCK: /KNO\x00CK: /'
hostile 198.51.100.5 's/ kernel: / ker\x00nel: /'
hostile 198.51.100.6 's/SRC=198\.51\.100\.6/SRC=198.51.100.6\x00.1/'

# 1 MiB lines: the knock text at the end of an overlong line is not a line.
for port in tcp/7000 udp/8000 tcp/9000; do
	perl -e 'print "A" x 1048576' >>"$LOG"
	knock_line 198.51.100.7 "${port%/*}" 41000 "${port#*/}" >>"$LOG"
done
# ... and a valid knock with 1 MiB of padding after it.
hostile 198.51.100.8 's/$/ PAD=@{["X" x 1048576]}/'

# Invalid UTF-8 and look-alike digits.
hostile 198.51.100.9 's/SRC=(\S+)/SRC=$1\xc0\xaf/'
hostile 198.51.100.10 's/SRC=198\.51\.100\.10/SRC=\xef\xbc\x91\xef\xbc\x99\xef\xbc\x98.51.100.10/'
hostile 198.51.100.11 's/KNOCK: /KNOCK:\xff /'
hostile 198.51.100.12 's/IN=eth0/IN=eth\xff0/'

# Missing fields.
hostile 198.51.100.13 's/ SRC=\S+//'
hostile 198.51.100.14 's/ DPT=\d+//'
hostile 198.51.100.15 's/ PROTO=\S+//'
hostile 198.51.100.16 's/ SRC=/ SRC= /'
hostile 198.51.100.17 's/ DPT=/ DPT= /'
hostile 198.51.100.18 's/^.*kernel: //'

# Out-of-range ports, including values that wrap to 7000/8000/9000 mod 2^16.
hostile 198.51.100.19 's/DPT=(\d+)/"DPT=" . ($1 + 65536)/e'
hostile 198.51.100.20 's/DPT=(\d+)/"DPT=" . ($1 + 4294967296)/e'
hostile 198.51.100.21 's/DPT=(\d+)/DPT=0$1/'
hostile 198.51.100.22 's/DPT=(\d+)/DPT=-$1/'
hostile 198.51.100.23 's/DPT=(\d+)/DPT=$1x/'
hostile 198.51.100.24 's/DPT=(\d+)/DPT=+$1/'
hostile 198.51.100.25 's/DPT=(\d+)/DPT=0x1b58/'

# SRC= values that are not addresses.
hostile 198.51.100.26 's/SRC=\S+/SRC=example.com/'
hostile 198.51.100.27 's/SRC=\S+/SRC=198.51.100/'
hostile 198.51.100.28 's/SRC=\S+/SRC=198.51.100.300/'
hostile 198.51.100.29 's/SRC=\S+/SRC=198.051.100.29/'
hostile 198.51.100.30 's/SRC=\S+/SRC=0xc6.51.100.30/'
hostile 198.51.100.31 's/SRC=\S+/SRC=fe80::1%eth0/'
hostile 198.51.100.32 's/SRC=\S+/SRC=1:2:3:4:5:6:7:8:9/'
hostile 198.51.100.33 's/SRC=\S+/SRC=::ffff:198.51.100.33.1/'
hostile 198.51.100.34 's/SRC=\S+/"SRC=" . ("1" x 300)/e'

# Addresses with shell text: nothing may run, nothing may open.
hostile 198.51.100.35 "s|SRC=(\\S+)|SRC=\$1;touch\\\${IFS}$T/pwned|"
hostile 198.51.100.36 "s|SRC=(\\S+)|SRC=\\\$(touch $T/pwned)|"
hostile 198.51.100.37 "s|SRC=(\\S+)|SRC=\`touch $T/pwned\`|"
hostile 198.51.100.38 "s|SRC=(\\S+)|SRC=\$1\\|touch|"
hostile 198.51.100.39 's/SRC=(\S+)/SRC=$1\nNov 23 20:17:53 fw kernel: X/'

# Two SRC= fields, in both orders; and SRC= hidden in the prefix position.
hostile 198.51.100.40 's/SRC=(\S+)/SRC=$1 SRC=198.51.100.41/'
hostile 198.51.100.42 's/ DST=/ SRC=198.51.100.43 DST=/'
hostile 198.51.100.44 's/KNOCK: /KNOCK: SRC=198.51.100.45 /'

# Forged lines: other tags, a tag that only starts with "kernel", and a
# kernel tag written by a process.
hostile 198.51.100.46 's/ kernel: / sshd[812]: /'
hostile 198.51.100.47 's/ kernel: / root: kernel: /'
hostile 198.51.100.48 's/ kernel: / kernelx: /'
hostile 198.51.100.49 's/ kernel: / kernel[1234]: /'
hostile 198.51.100.50 's/ fw kernel: / fw sshd[1]: Invalid user kernel: /'

# CR and other control characters.
hostile 198.51.100.51 's/SRC=(\S+)/SRC=$1\r/'
hostile 198.51.100.52 's/ DPT=/\r DPT=/'
hostile 198.51.100.53 's/\n$/\r\n/; s/DPT=(\d+)/DPT=$1\x08/'

size=$(stat -c %s "$LOG")
# The genuine knocks after all this, from two sources.
barrier 192.0.2.2
check "daemon still runs after the hostile lines" kill -0 "$KWPID"
check "a genuine knock after them opens" opened 192.0.2.2
check "the daemon read the whole file" read_since "$before" $((size / 2))
knock 192.0.2.3 tcp/7000 udp/8000 tcp/9000
check "and another genuine source opens too" wait_for 10 opened 192.0.2.3

check "no hostile source reached an action" \
	sh -c "! grep -q '198\\.51\\.100\\.' '$ACT'"
others=$(grep -v -c -E 'src=192\.0\.2\.[123] ' "$ACT")
check "the transcript holds only the genuine sources (others: $others)" \
	test "$others" -eq 0
check "exactly three opens" test "$(grep -c 'event=start' "$ACT")" -eq 3
check "no shell text ran" test ! -e "$T/pwned"

status >"$T/status.out"
rejected=$(awk '/^lines / { for (i = 1; i < NF; i++) if ($i == "rejected") print $(i + 1) }' "$T/status.out")
overlong=$(awk '/^lines / { for (i = 1; i < NF; i++) if ($i == "overlong") print $(i + 1) }' "$T/status.out")
echo "# status: $(head -n 1 "$T/status.out")"
check "malformed knock lines were counted as rejected ($rejected)" \
	test "${rejected:-0}" -gt 0
check "the 1 MiB lines were counted as overlong ($overlong)" \
	test "${overlong:-0}" -ge 6
check "SIGTERM exits 0" stop_kw
done_testing
