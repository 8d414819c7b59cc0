#!/bin/sh
# t_flood_v2.sh — knockwatch/2 against a flood of spoofed first knocks on a
# bind_source door: 1,000 users, 100,000 in-range first knocks from 100,000
# forged sources in one burst (half of them real first knocks of the
# current step, so each one starts an attempt), and a genuine user's
# sequence spread through the middle of the burst: it opens. Under
# knockwatch/1 each first knock cost users x 3 HMACs out of a shared
# budget, and the genuine user was shut out. Run it on the plain build as
# root: the worker then runs under the real sandbox (seccomp filter,
# chroot, dropped privileges).
. "$(dirname "$0")/lib.sh"

USERS=${FLOOD_USERS:-1000}
FLOOD_N=${FLOOD_N:-100000}
GENUINE=u0500

{
	config_users "$USERS"
	cat <<EOC
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  bound:
    hmac:
      bind_source: true
      length: 4
      range: 20000-59999
    timeout: 120
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
EOC
} >"$T/kw.yaml"
chmod 600 "$T/kw.yaml"
check "daemon starts with $USERS users" start_kw
# The sanitizer builds drop the filter: there this run is a memory check,
# not the scale test (which `make check` runs on the plain build as root).
if grep -q 'sanitizer build' "$T/kw.err"; then
	echo "# sanitizer build: no seccomp filter in this run"
elif [ "$(id -u)" -eq 0 ]; then
	check "the worker runs as nobody under the real filter" \
		grep -q 'worker as nobody' "$T/kw.err"
fi

# field NAME: the value after NAME in the status report.
field() { status | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }

# Every user's first knock for this step (it never depends on the
# source), and the genuine user's sequence bound to its address.
step=$(($(date +%s) / 30))
i=1
while [ "$i" -le "$USERS" ]; do
	"$KW" sequence --key "$(user_key "$i")" --door bound \
		--user "$(printf 'u%04d' "$i")" --step "$step" | cut -d' ' -f1
	i=$((i + 1))
done | sed 's#^tcp/##' >"$T/first"
gen=$("$KW" sequence -c "$T/kw.yaml" --door bound --user "$GENUINE" \
	--bind 192.0.2.77 --step "$step")
check "$USERS first knocks derived" test "$(wc -l <"$T/first")" -eq "$USERS"

# The burst, written straight into the tailed log: line i comes from
# 10.a.b.c; even lines knock a user's real first port, odd lines a port
# of the range. The genuine knocks come after 50,000, 50,100, 50,200 and
# 50,300 of them.
knocks0=$(field knocks)
t0=$(now_ms)
awk -v n="$FLOOD_N" -v ts="$(date '+%b %e %H:%M:%S')" -v gen="$gen" '
function line(src, dpt) {
	printf "%s fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts, src, 1024 + i % 60000, dpt
}
{ first[nf++] = $1 }
END {
	split(gen, g, " ")
	g0 = int(n / 2)
	for (i = 0; i < n; i++) {
		for (j = 1; j <= 4; j++)
			if (i == g0 + (j - 1) * 100) {
				sub("tcp/", "", g[j])
				line("192.0.2.77", g[j])
			}
		if (i % 2 == 0)
			p = first[int(i / 2) % nf]
		else
			p = 20000 + (i * 7919) % 40000
		line("10." int(i / 65536) "." int(i / 256) % 256 "." i % 256, p)
	}
}' "$T/first" >>"$LOG"
echo "# burst: $FLOOD_N first knocks + 4 genuine, written in $(($(now_ms) - t0)) ms"
check "the genuine user's sequence opens in the middle of the burst" \
	wait_for 60 opened 192.0.2.77 bound
check "as $GENUINE" grep -q "door=bound src=192.0.2.77 family=inet user=$GENUINE " "$ACT"
barrier 192.0.2.1
knocks=$(field knocks)
echo "# processed in $(($(now_ms) - t0)) ms (until the barrier opened)"
check "every line of the burst was read ($((knocks - knocks0)) knocks)" \
	test $((knocks - knocks0)) -ge $((FLOOD_N + 4))
check "no spoofed source opened" sh -c "! grep -q 'door=bound src=10\.' '$ACT'"
check "the worker never restarted" sh -c "! grep -q 'killed by signal' '$T/kw.err'"
check "SIGTERM exits 0" stop_kw
done_testing
