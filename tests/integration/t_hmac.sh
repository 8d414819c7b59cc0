#!/bin/sh
# t_hmac.sh — HMAC doors over a temporary log file: two users, knocks from
# `knockwatch sequence`, the right KNOCK_USER, replays refused (also from
# another source and after a restart), bind_source with an IPv6 source
# written expanded, and the derived open port; IPv4-mapped and
# IPv4-compatible sources reach actions in the canonical hexadecimal form
# (::ffff:c000:207, ::102:304), and `sequence --bind` canonicalises.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/keys"
printf 'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n' >"$T/keys/bob.key"
chmod 600 "$T/keys/bob.key"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
users:
  alice: { key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
  bob: { key_file: $T/keys/bob.key }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
  otp:
    hmac:
      users: [alice, bob]
      length: 4
      range: 20000-29999
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%USER%"]
    stop_after: 1
  bound:
    hmac:
      length: 3
      range: 30000-39999
      protocols: [tcp, udp]
      bind_source: true
      open_range: 40000-40099
    timeout: 20
    start: [$KW_TOP/actions/log, --file, $ACT, open, "%USER%", "%OPEN_PORT%"]
    stop: [$KW_TOP/actions/log, --file, $ACT, close, "%USER%", "%OPEN_PORT%"]
    stop_after: 1
EOC
check "daemon starts" start_kw

# knock_seq SRC "tcp/1 udp/2 ...": writes the knocks as LOG lines.
knock_seq() {
	ks_src=$1
	# shellcheck disable=SC2086
	knock "$ks_src" $2
}
seq_a=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice)
seq_b=$("$KW" sequence -c "$T/kw.yaml" --door otp --user bob)
check "sequence prints 4 knocks" test "$(echo "$seq_a" | wc -w)" -eq 4
knock_seq 192.0.2.1 "$seq_a"
check "alice's sequence opens" wait_for 10 opened 192.0.2.1 otp
check "KNOCK_USER is alice" grep -q "door=otp src=192.0.2.1 family=inet user=alice " "$ACT"
knock_seq 192.0.2.2 "$seq_b"
check "bob's sequence opens" wait_for 10 opened 192.0.2.2 otp
check "KNOCK_USER is bob" grep -q "door=otp src=192.0.2.2 family=inet user=bob " "$ACT"
check "alice's door closes" wait_for 10 closed 192.0.2.1 otp
check "spent steps are on disk" grep -q "^otp alice " "$T/state/worker/spent"

# Replays: the same knocks again, from the same and from another source.
knock_seq 192.0.2.1 "$seq_a"
knock_seq 192.0.2.3 "$seq_a"
barrier 192.0.2.200
check "replay from the same source opens nothing" test "$(count_opens 192.0.2.1 otp)" -eq 1
check "replay from another source opens nothing" sh -c "! grep -q 'door=otp src=192.0.2.3 ' '$ACT'"

# A sweep of part of the range from one source does not open.
for p in $(seq 20000 21500); do knock_line 198.51.100.7 tcp "$p" "$p"; done >>"$LOG"
barrier 192.0.2.201
check "a sweep of the range does not open" sh -c "! grep -q 'door=otp src=198.51.100.7 ' '$ACT'"

# After a restart, the replay is still refused.
check "SIGTERM exits 0" stop_kw
check "daemon restarts" start_kw
knock_seq 192.0.2.4 "$seq_a"
barrier 192.0.2.202
check "replay after a restart opens nothing" sh -c "! grep -q 'door=otp src=192.0.2.4 ' '$ACT'"

# bind_source: computed for the compressed address, knocked from the
# expanded form ip6tables writes; another address's sequence fails.
seq_c=$("$KW" sequence -c "$T/kw.yaml" --door bound --user alice --bind 2001:db8::7)
seq_d=$("$KW" sequence -c "$T/kw.yaml" --door bound --user bob --bind 2001:db8::8)
open_c=${seq_c##*open=}
knock_seq 2001:0db8:0000:0000:0000:0000:0000:0008 "${seq_c% open=*}"
knock_seq 2001:0db8:0000:0000:0000:0000:0000:0007 "${seq_d% open=*}"
barrier 192.0.2.203
check "a sequence bound to another address does not open" \
	sh -c "! grep -q 'door=bound src=2001:db8::7 ' '$ACT'"
check "the sequence knocked from the wrong address does not open" \
	sh -c "! grep -q 'door=bound src=2001:db8::8 ' '$ACT'"
knock_seq 2001:0db8:0000:0000:0000:0000:0000:0007 "${seq_c% open=*}"
check "bound sequence opens for its own address" wait_for 10 opened 2001:db8::7 bound
check "the action gets the derived open port" \
	grep -q "door=bound src=2001:db8::7 family=inet6 user=alice open_port=$open_c args=open alice $open_c" "$ACT"

# Canonical address text (knockwatch/2; bob, whose step on the bound door
# is not spent yet): --bind in any spelling derives
# the same sequence; the mapped source opens as ::ffff:c000:207 and the
# action (whose argument check refuses ::ffff:192.0.2.7) gets that form.
# The spellings are compared at one fixed --time: two derivations at "now"
# straddle a step boundary when the run is slow (valgrind).
seq_m=$("$KW" sequence -c "$T/kw.yaml" --door bound --user bob --bind ::FFFF:192.0.2.7)
at=$(date +%s)
check "--bind ::FFFF:192.0.2.7 is --bind ::ffff:c000:207" test \
	"$("$KW" sequence -c "$T/kw.yaml" --door bound --user bob --time "$at" --bind ::FFFF:192.0.2.7)" = \
	"$("$KW" sequence -c "$T/kw.yaml" --door bound --user bob --time "$at" --bind ::ffff:c000:207)"
check "--bind 2001:0db8::0007 is --bind 2001:db8::7" test \
	"$("$KW" sequence -c "$T/kw.yaml" --door bound --user alice --time "$at" --bind 2001:db8::7)" = \
	"$("$KW" sequence -c "$T/kw.yaml" --door bound --user alice --time "$at" --bind 2001:0db8::0007)"
knock_seq 0000:0000:0000:0000:0000:ffff:c000:0207 "${seq_m% open=*}"
check "a mapped source opens as ::ffff:c000:207" wait_for 10 opened ::ffff:c000:207 bound
check "no dotted form reaches the action" sh -c "! grep -q 'src=::ffff:192' '$ACT'"
# An IPv4-compatible source on the static door: %SRC% is ::102:304, and
# the shipped iptables action accepts it (a usage error would exit 64).
knock_seq 0000:0000:0000:0000:0000:0000:0102:0304 "tcp/7000 udp/8000 tcp/9000"
check "an IPv4-compatible source opens as ::102:304" wait_for 10 opened ::102:304 ssh
# The shipped firewall actions take the canonical forms (in a private
# network namespace, as root): a usage error would be exit 64.
not_usage() { unshare -n "$@" >/dev/null 2>&1; [ $? -ne 64 ]; }
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	for a in iptables nftables; do
		for s in ::102:304 ::ffff:c000:207; do
			check "actions/$a open $s is no usage error" \
				not_usage "$KW_TOP/actions/$a" open "$s" 22/tcp
		done
	done
fi
check "SIGTERM exits 0" stop_kw
done_testing
