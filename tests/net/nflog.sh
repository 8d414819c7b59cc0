# shellcheck shell=sh
# nflog.sh — shares net.netfilter.nf_log_all_netns (without which LOG lines
# of a network namespace never reach the kernel log) between concurrent
# users: the net tests and bench/latency.sh. Sourced. One file per live
# user (its PID) in NFLOG_DIR; "orig" holds the value before the first user
# set it, and the last live user puts it back.
NFLOG=/proc/sys/net/netfilter/nf_log_all_netns
NFLOG_DIR=/run/knockwatch-tests-nflog
NFLOG_HELD=0

nflog_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# nflog_lock / nflog_unlock: mkdir is atomic; a lock older than the
# deadline (a run killed inside the lock) is taken over.
nflog_lock() {
	l_end=$(($(nflog_now_ms) + 10000))
	until mkdir "$NFLOG_DIR.lock" 2>/dev/null; do
		if [ "$(nflog_now_ms)" -ge "$l_end" ]; then
			echo "warning: taking over stale $NFLOG_DIR.lock" >&2
			return 0
		fi
		sleep 0.05
	done
}
nflog_unlock() { rmdir "$NFLOG_DIR.lock" 2>/dev/null || true; }

# nflog_on: sets nf_log_all_netns to 1 and registers this run; the first
# run to register saves the previous value.
nflog_on() {
	nflog_lock
	mkdir -p "$NFLOG_DIR"
	[ -f "$NFLOG_DIR/orig" ] || cat "$NFLOG" >"$NFLOG_DIR/orig"
	: >"$NFLOG_DIR/$$"
	NFLOG_HELD=1
	echo 1 >"$NFLOG"
	nflog_unlock
}
# nflog_off: unregisters this run; the last live run restores the value
# saved by the first (runs that died without unregistering are dropped).
nflog_off() {
	[ "$NFLOG_HELD" -eq 1 ] || return 0
	NFLOG_HELD=0
	nflog_lock
	rm -f "$NFLOG_DIR/$$"
	n_live=0
	for n_f in "$NFLOG_DIR"/*; do
		n_p=${n_f##*/}
		case $n_p in '*' | orig | *[!0-9]*) continue ;; esac
		if kill -0 "$n_p" 2>/dev/null; then
			n_live=$((n_live + 1))
		else
			rm -f "$n_f"
		fi
	done
	if [ "$n_live" -eq 0 ]; then
		cat "$NFLOG_DIR/orig" >"$NFLOG" 2>/dev/null || echo 0 >"$NFLOG"
		rm -rf "$NFLOG_DIR"
	fi
	nflog_unlock
}
