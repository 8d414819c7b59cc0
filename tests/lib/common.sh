# shellcheck shell=sh
# common.sh — the helpers every shell suite shares (sourced, POSIX sh): the
# integration scenarios (tests/integration/lib.sh), the network-namespace
# rig (tests/net/lib.sh), the benchmarks (bench/lib.sh) and the few scripts
# that stand alone. It only defines functions and KW_POLL: no trap, no
# temporary file, no `set`; each library keeps its own.
#
# KW_POLL is the one poll interval of every wait loop, in seconds: short
# enough that a condition is seen within 50 ms of becoming true, long enough
# that a test polling `knockwatch status` or `nc -z` does not load the two
# shared cores. Nothing may depend on it for timing: tests never assert
# times, and the benchmarks time with their own clocks, never with a poll.
KW_POLL=0.05

# now_ms: the wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS CMD...: polls CMD (its output discarded) every KW_POLL
# until it succeeds (returns 0) or SECONDS have passed (returns 1).
wait_for() {
	w_end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$w_end" ] && return 1
		sleep "$KW_POLL"
	done
	return 0
}

# The test counters: ok/not_ok print one "ok - ..."/"not ok - ..." line and
# count it in $pass/$fail (the sourcing script sets both to 0); skipped
# counts tests that cannot run here in $skip; done_testing prints the
# "N passed, N failed" line tests/run.sh reads (", N skipped" when any
# were), last, and fails if anything did.
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
# skipped [N] DESC: N tests (1 when N is not given) that cannot run here.
skipped() {
	if [ $# -gt 1 ]; then
		skip=$((${skip:-0} + $1))
		shift
	else
		skip=$((${skip:-0} + 1))
	fi
	echo "skip - $1"
}
# check DESC CMD...: one test that passes when CMD succeeds. When $check_out
# names a file, CMD's stdout goes there and its stderr to $check_out.err
# instead of the test's own, and their first 10 lines are shown under a
# failure: for scripts whose commands talk a lot.
check() {
	c_desc=$1
	shift
	if [ -z "${check_out:-}" ]; then
		if "$@"; then ok "$c_desc"; else not_ok "$c_desc"; fi
	elif "$@" >"$check_out" 2>"$check_out.err"; then
		ok "$c_desc"
	else
		not_ok "$c_desc"
		sed 's/^/     | /' "$check_out" "$check_out.err" | head -n 10
	fi
}
# check_not DESC CMD...: one test that passes when CMD fails ($check_out as
# for check).
check_not() {
	c_desc=$1
	shift
	if [ -z "${check_out:-}" ]; then
		if "$@"; then not_ok "$c_desc"; else ok "$c_desc"; fi
	elif "$@" >"$check_out" 2>"$check_out.err"; then
		not_ok "$c_desc"
		sed 's/^/     | /' "$check_out" "$check_out.err" | head -n 10
	else
		ok "$c_desc"
	fi
}
# print_counts: the result line alone; fails if anything failed (for a
# library that wraps done_testing, as tests/net/lib.sh does).
print_counts() {
	if [ "${skip:-0}" -gt 0 ]; then
		printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
	else
		printf '%d passed, %d failed\n' "$pass" "$fail"
	fi
	[ "$fail" -eq 0 ]
}
done_testing() { print_counts; }
# skip_all N REASON: the rest of the scenario (N tests) cannot run here:
# counts them, prints the result line and exits (0 unless a check failed).
skip_all() {
	skipped "$1" "$2"
	done_testing
	exit
}
