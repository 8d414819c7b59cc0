#!/bin/sh
# report.sh RESULTS.ENV COMMANDS.TXT — prints bench/results.md: machine,
# versions, the table with ratios and targets, every figure, the commands.
# Pure formatting: it measures nothing.
set -u
RES=$1
CMDS=$2
v() { sed -n "s/^$1=//p" "$RES" | tail -n 1; }
# calc EXPR: awk arithmetic on numbers (prints "-" if any input is empty).
calc() { awk "BEGIN { $1 }" 2>/dev/null || echo "-"; }
ms() { [ -n "${1:-}" ] && calc "printf \"%.1f\", $1 / 1e6" || echo "-"; }
num() { [ -n "${1:-}" ] && echo "$1" | sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|[,.]\)/\1,\2\3/;ta' || echo "-"; }
yes_no() { calc "print ($1) ? \"**met**\" : \"**missed**\""; }
have() { [ -n "$(v "$1")" ]; }

cat <<EOH
# knockwatch benchmarks

Produced by \`make bench\` (bench/run.sh); every figure below was measured
in that one run, on this machine, side by side. Absolute times on a shared
machine are noisy: the ratios, measured in the same run, are what count.

- Date: $(v date)
- Machine: $(v nproc) CPUs, $(v cpu), $(v mem); $(v kernel); $(v os)
- Load average at start / end: $(v load) / $(v load_end) (other work shares this machine)
- Versions: $(v v_knockwatch); $(v v_grep); $(v v_fail2ban); $(v v_knockd); $(v v_rsyslog); $(v v_cc); $(v v_strace)
- Sections: throughput $(v sec_throughput); scale $(v sec_scale); hmac $(v sec_hmac); latency $(v sec_latency); idle $(v sec_idle); fleet $(v sec_fleet)

## Results

| # | Measure | knockwatch | Compared with | Ratio | Target | |
|---|---|---|---|---|---|---|
EOH

if have tp_kw_ns; then
	kw=$(v tp_kw_ns) gr=$(v tp_grep_ns) fb=$(v tp_f2b_scaled_ns) lb=$(v tp_lb_ns)
	echo "| 1 | Throughput, \`knockwatch replay\`, $(num "$(v tp_lines)") lines | $(num "$(v tp_kw_lps)") lines/s ($(ms "$kw") ms) | \`grep -cP\`: $(num "$(v tp_grep_lps)") lines/s ($(ms "$gr") ms) | $(v tp_ratio_grep)x grep's speed | ≥ 1x | $(yes_no "$gr / $kw >= 1") |"
	echo "| 1 | Throughput vs fail2ban | (same) | \`fail2ban-regex\`: $(num "$(v tp_f2b_lps)") lines/s ($(ms "$fb") ms, scaled from $(num "$(v tp_f2b_lines)") lines) | $(v tp_ratio_f2b)x | ≥ 30x | $(yes_no "$fb / $kw >= 30") |"
	echo "| 1 | Throughput, daemon per-line path (linebench: parser + state machine, no replay stamp conversion) | $(num "$(v tp_lb_lps)") lines/s ($(ms "$lb") ms) | \`grep -cP\` | $(v tp_ratio_grep_lb)x grep's speed | (diagnosis) | |"
fi
if have lat_knockd_median_ms; then
	kd=$(v lat_knockd_median_ms) km=$(v lat_kw_kmsg_median_ms)
	kf=$(v lat_kw_file_median_ms) rs=$(v lat_rsyslog_median_ms)
	echo "| 2 | Latency, last knock → start command, kmsg source (median / p95, n=$(v lat_kw_kmsg_n)) | $km / $(v lat_kw_kmsg_p95_ms) ms | knockd: $kd / $(v lat_knockd_p95_ms) ms (n=$(v lat_knockd_n)) | $(calc "printf \"%.2f\", $km / $kd")x knockd | ≤ 1x at the median | $(yes_no "$km <= $kd") |"
	if have lat_floor_median_ms; then
		fl=$(v lat_floor_median_ms)
		echo "| 2 | Latency floor: kmsg source vs a bare /dev/kmsg reader that forks and execs the same stamp command (bench/kmsgfloor.c; median / p95, n=$(v lat_floor_n)) | $km / $(v lat_kw_kmsg_p95_ms) ms | floor: $fl / $(v lat_floor_p95_ms) ms | $(calc "printf \"%.2f\", $km / $fl")x the floor; $(calc "printf \"%+.2f\", $km - $fl") ms | ≤ 1.05x the floor (issue 19) | $(yes_no "$km <= 1.05 * $fl") |"
	fi
	echo "| 2 | Latency, rsyslog file source (median / p95, n=$(v lat_kw_file_n)) | $kf / $(v lat_kw_file_p95_ms) ms | knockd $kd ms; rsyslog's own write delay (line in file) $rs / $(v lat_rsyslog_p95_ms) ms | $(calc "printf \"%.2f\", $kf / $kd")x knockd; $(calc "printf \"%+.1f\", $kf - $kd") ms vs knockd | ≤ knockd + rsyslog's delay ($(calc "printf \"%.1f\", $kd + $rs") ms) | $(yes_no "$kf <= $kd + $rs") |"
fi
if have rss_cap; then
	for n in 10000 100000 1000000; do
		have "rss_${n}_after_kb" || continue
		echo "| 3 | RSS, $(num $n) tracked sources (daemon, max_tracked $(num "$(v rss_cap)")) | $(num "$(v "rss_${n}_after_kb")") KiB (VmHWM $(num "$(v "rss_${n}_hwm_kb")")); before: $(num "$(v "rss_${n}_before_kb")") KiB | daemon's own figure: $(v rss_claimed) B/source | **$(v rss_${n}_bytes_per_source) B/source** | grows with sources only | |"
	done
fi
if have hmac_step_static_ns_per_line; then
	s=$(v hmac_step_static_ns_per_line)
	a=$(v hmac_step_1000_ns_per_line) b=$(v hmac_step_10000_ns_per_line)
	echo "| 3 | HMAC door, no bind_source, $(num "$(v hmac_lines)") first knocks in range within one time step (index lookup) | 1k users: $(num "$a") ns/line; 10k: $(num "$b") ns/line | static door: $(num "$s") ns/line | 10k/1k: $(calc "printf \"%.2f\", $b / $a") | flat (≤ 1.5) | $(yes_no "$b / $a <= 1.5") |"
	s=$(v hmac_10min_static_ns_per_line)
	a=$(v hmac_10min_1000_ns_per_line) b=$(v hmac_10min_10000_ns_per_line)
	# Per time step: the extra time of the 10-minute file over the
	# one-step file, less the static door's, over its 20 steps.
	st() { calc "printf \"%.1f\", (($(v "hmac_10min_$1_total_ns") - $(v "hmac_step_$1_total_ns")) - ($(v hmac_10min_static_total_ns) - $(v hmac_step_static_total_ns))) / 20 / 1e6"; }
	echo "| 3 | Same knocks spread over 10 min of file time (20 steps, each derives every user's next sequence) | 1k users: $(num "$a") ns/line; 10k: $(num "$b") ns/line | per step: 1k users $(st 1000) ms, 10k users $(st 10000) ms | 10k/1k per line: $(calc "printf \"%.2f\", $b / $a") | flat (≤ 1.5) | $(yes_no "$b / $a <= 1.5") |"
fi
if have bind_1000_ns_per_line; then
	a=$(v bind_1000_ns_per_line) b=$(v bind_10000_ns_per_line)
	echo "| 3 | HMAC door, bind_source, per first knock in range (knockwatch/2: one look-up) | 1k users: $(num "$a") ns; 10k: $(num "$b") ns | (knockwatch/1 spent users × 3 HMACs here) | 10k/1k: $(calc "printf \"%.2f\", $b / $a") | flat (≤ 1.5) | $(yes_no "$b / $a <= 1.5") |"
fi
if have hmac_v2_burst_bound_ns; then
	a=$(v hmac_v2_burst_bound_ns) b=$(v hmac_v2_burst_unbound_ns)
	echo "| 5 | knockwatch/2: burst of $(num "$(v hmac_v2_burst)") spoofed first knocks from as many sources, 1,000 users (linebench) | bind_source: $(ms "$a") ms | without bind_source: $(ms "$b") ms | $(v hmac_v2_burst_ratio) | ≈ 1 (0.8–1.25) | $(yes_no "$a / $b >= 0.8 && $a / $b <= 1.25") |"
	f=''
	for u in $(v hmac_v2_users); do
		f="$f${f:+; }$(num "$u"): $(num "$(v "hmac_v2_first_${u}_ns_per_knock")")"
	done
	lo=$(v hmac_v2_first_1000_ns_per_knock) hi=$(v hmac_v2_first_10000_ns_per_knock)
	echo "| 5 | knockwatch/2: one first knock on a bind_source door (each starts an attempt), ns by users | $f | | 10k/1k: $(calc "printf \"%.2f\", $hi / $lo") | flat (≤ 1.5) | $(yes_no "$hi / $lo <= 1.5") |"
	have hmac_v2_second_ns_per_knock &&
	    echo "| 5 | knockwatch/2: a forged second knock after a real first knock (derives the candidates' bound stream), 1,000 users, bind_source | $(num "$(v hmac_v2_second_ns_per_knock)") ns | one first knock: $(num "$lo") ns | | (diagnosis) | |"
fi
if have fleet_one_ns; then
	echo "| 6 | Fleet: $(num "$(v fleet_lines)") lines as $(v fleet_hosts) hosts' interleaved streams in one collector file (linebench, fleet: true) | $(num "$(v fleet_fleet_lps)") lines/s ($(ms "$(v fleet_fleet_ns)") ms; $(num "$(v fleet_fleet_opens)") opens) | the same lines as one host's log: $(num "$(v fleet_one_lps)") lines/s ($(ms "$(v fleet_one_ns)") ms; $(num "$(v fleet_one_opens)") opens) | $(v fleet_ratio)x the single-host speed | ≥ 0.75x | $(yes_no "$(v fleet_ratio) >= 0.75") |"
	echo "| 6 | Fleet: memory per tracked (host, source), $(num "$(v fleet_mem_fleet_tracked)") pairs ($(v fleet_hosts) hosts) | **$(v fleet_mem_fleet_bytes_per_key) B/pair** (peak RSS +$(num "$(v fleet_mem_fleet_kb)") KiB) | one host, $(num "$(v fleet_mem_one_tracked)") sources: $(v fleet_mem_one_bytes_per_key) B/source | | ≈ the per-source figure | |"
fi
if have idle_seconds; then
	for k in file kmsg; do
		c=$(v idle_${k}_syscalls) m=$(v idle_${k}_kernel_msgs)
		b=$(v idle_${k}_breakdown)
		# A kmsg source must read each kernel message of the host (one
		# wake-up: epoll_wait, read, read until EAGAIN).
		# The worker's liveness ping (alive.c, every KW_PING_MS = 5 s):
		# at most 8 calls each (the parent's wake and send; the worker's
		# wake, read to EAGAIN and answer; the parent's wake and read to
		# EAGAIN), allowed.
		p=$((8 * ($(v idle_seconds) / 5 + 1)))
		if [ "$k" = kmsg ] && [ "$c" -gt 0 ] && [ "$c" -le $((3 * ${m:-0} + p)) ]; then
			met="**met** (every call reads one of the $m kernel messages, or is the liveness ping)"
		else
			met=$(yes_no "$c <= $p")
		fi
		echo "| 4 | Idle system calls in $(v idle_seconds) s, $k source | $c${b:+ ($b)} | kernel messages (any) meanwhile: $m | | 0 without pending deadlines (but the liveness ping: 8 calls / 5 s) | $met |"
	done
fi

cat <<EOH

## Notes

- Throughput input: \`bench/gen.sh mix N\` — N rsyslog lines, deterministic:
  ~55 % knock-prefix LOG lines (scanners from 25,000 sources, IPv4 and
  expanded IPv6, 75 % TCP / 25 % UDP, some with SEQ/ACK, some without MAC),
  0.1 % of lines start a complete 7000/tcp 8000/udp 9000/tcp sequence, ~8 %
  LOG lines with another prefix, ~4 % other kernel messages, the rest sshd,
  CRON, systemd, postfix and a logger line quoting a knock line;
  RFC 3339 and classic stamps alternate in runs of 1000 lines.
- The three tools agree on what a knock line is: knockwatch matched
  $(num "$(v tp_kw_matched)"), \`grep -cP\` counted $(num "$(v tp_grep_matched)");
  on the $(num "$(v tp_f2b_lines)")-line prefix knockwatch $(num "$(v tp_kw_head_matched)"),
  fail2ban-regex $(num "$(v tp_f2b_matched)").
- fail2ban-regex ran on the first $(num "$(v tp_f2b_lines)") lines (best
  $(ms "$(v tp_f2b_ns)") ms); its start-up alone (one line) took $(ms "$(v tp_f2b_startup_ns)") ms;
  the 1M-line figure is start-up + (rest × N / $(num "$(v tp_f2b_lines)")).
- \`knockwatch replay\` converts every line's own timestamp (libc mktime /
  timegm); the daemon does not (it reads the clock once per wake-up).
  linebench is the daemon's per-line path alone, for the diagnosis.
- Latency: wall time from just before the client starts the nc of the last
  knock (bash \$EPOCHREALTIME, in the client namespace) to the start of the
  start command (bench/stamp.sh: \`date +%s%N\`). Both ends include a
  process start (nc; sh + date), for every tool alike; knockd runs its
  command through /bin/sh -c. One warm-up round per tool is not counted;
  each round knocks from its own address. "rsyslog's own write delay" is
  the time until the line is in the file, read by an inotify reader that
  does nothing else (bench/filewatch.c), with knockwatch not running.
  The floor is what any daemon reading /dev/kmsg pays: the kernel's
  delivery of the record, one fork and one execve of the same stamp.sh
  (bench/kmsgfloor.c: no sequence, no state, no privilege separation), run
  alone right after knockwatch's kmsg rounds.
- Scale: RSS is the worker's VmRSS (the process that holds the table) before and after N first knocks from N
  distinct sources (file source; status socket polled until "tracked N");
  before includes the preallocated hash buckets for max_tracked. HMAC
  per-line times are \`knockwatch replay\` best-of-3, less the same config
  on a one-line file (config load, key setup, first derivation).
  bind_source first knocks are one per second of file time (under
  knockwatch/2 a first knock is one index look-up on every door).
- knockwatch/2 (bench/hmac.sh, also on its own: \`sh bench/hmac.sh\`):
  linebench (parser + state machine, no sandbox), best of 3; the burst is
  half real first knocks of the step (each starts an attempt) and half
  other ports of the range, each line from its own source; "one first
  knock" feeds only real first knocks, after an untimed one-line warm-up
  that derives every user's first knock for the window. With one user
  every line knocks the same port (a best case for caches).
- Fleet (bench/fleet.sh, also on its own: \`sh bench/fleet.sh\`): the
  throughput lines once as one host's log and once with the host field of
  each line set to one of 100 hosts by its source (so the same sequences
  complete: the opens agree), linebench best of 3 each, run alternately.
  Memory: linebench's peak RSS after 2,000 sources' first knocks at each
  of 100 hosts, less its peak after one line, per tracked pair; the host
  table itself is allocated once (4,096 hosts at most).
- Idle: \`strace -f -tt -p PID\` for the whole window; the epoll_wait in
  progress at attach/detach is not a completed call and is not counted.
  Kernel messages are counted by /dev/kmsg sequence numbers: other work on
  this machine logs some, and a kmsg source must read each one.

## Every figure

\`\`\`
$(cat "$RES")
\`\`\`

## Commands

\`\`\`
make bench        # = sh bench/run.sh build
$(cat "$CMDS" 2>/dev/null)
\`\`\`
EOH
