#!/bin/sh
# run.sh [BUILD] — `make bench`: runs every benchmark in one go (throughput,
# latency, scale, idle, hmac, fleet), then prints the table and writes bench/results.md
# (bench/report.sh). BENCH_ONLY="throughput idle ..." runs a subset. A
# section that fails is reported as such; the others still run.
set -u
KW_TOP=$(cd "$(dirname "$0")/.." && pwd)
KW_BUILD=$(cd "${1:-$KW_TOP/build}" && pwd)
export KW_TOP KW_BUILD
OUT=${BENCH_OUT:-$KW_BUILD/bench/out}
export BENCH_OUT="$OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
RES=$OUT/results.env
ONLY=${BENCH_ONLY:-throughput scale hmac latency idle fleet}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (apt-get, network namespaces, sysctl, strace)" >&2
	exit 77
fi
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "nproc=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "kernel=$(uname -srm)"
	echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "v_knockwatch=$("$KW_BUILD/knockwatch" --version 2>&1 | head -n 1)"
	echo "v_grep=$(grep --version | head -n 1), PCRE2 $(pkg-config --modversion libpcre2-8 2>/dev/null)"
	echo "v_cc=$(${CC:-cc} --version | head -n 1)"
	echo "v_knockd=knockd $(dpkg-query -W -f '${Version}' knockd 2>/dev/null)"
	echo "v_rsyslog=$(rsyslogd -v 2>/dev/null | head -n 1 | sed 's/ (aka.*//')"
	echo "v_strace=$(strace -V 2>/dev/null | head -n 1)"
} >"$RES"

failed=
for s in $ONLY; do
	echo "== bench: $s" >&2
	t0=$(date +%s)
	if sh "$KW_TOP/bench/$s.sh"; then
		echo "sec_${s}=ok $(($(date +%s) - t0)) s" >>"$RES"
	else
		echo "sec_${s}=FAILED (exit $?) $(($(date +%s) - t0)) s" >>"$RES"
		failed="$failed $s"
	fi
done
# After the throughput section, which installs it if missing.
echo "v_fail2ban=$(fail2ban-regex --version 2>/dev/null | head -n 1)" >>"$RES"
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES"
sh "$KW_TOP/bench/report.sh" "$RES" "$OUT/commands.txt" >"$OUT/results.md"
cp "$OUT/results.md" "$KW_TOP/bench/results.md"
sed -n '/^## Results/,/^## Notes/p' "$OUT/results.md" | sed '$d'
echo "bench: wrote bench/results.md (raw figures: $RES)"
[ -z "$failed" ] || { echo "bench: failed sections:$failed" >&2; exit 1; }
