#!/bin/sh
# t_fleet.sh — fleet mode over a collector's log file (simulated lines; the
# real rsyslog + ssh rig is tests/net/t_fleet_net.sh): the host field keys
# attempts, a sequence split across hosts never opens, hosts: limits a door,
# %HOST% and KNOCK_HOST reach actions, HMAC doors derive per NAME@HOST (one
# user opens two hosts in one step; a sequence for one host opens no other),
# a host field that is no host is dropped, and the journal keeps the host so
# a restart closes each door on its own host.
. "$(dirname "$0")/lib.sh"

# A stub action that also records KNOCK_HOST.
cat >"$T/envlog" <<'EOS'
#!/bin/sh
f=$1; shift
printf 'event=%s door=%s src=%s host=%s args=%s\n' "$KNOCK_EVENT" "$KNOCK_DOOR" "$KNOCK_SRC" "$KNOCK_HOST" "$*" >>"$f"
EOS
chmod 755 "$T/envlog"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
    fleet: true
users:
  alice: { key: "$(user_key 1)" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$T/envlog, $ACT, open, "%HOST%"]
    stop: [$T/envlog, $ACT, close, "%HOST%"]
    stop_after: 3
  web:
    sequence: [6000, 6001]
    hosts: [10.0.0.1]
    start: [$T/envlog, $ACT, open, "%HOST%"]
  otp:
    hmac: { users: [alice], range: 20000-29999 }
    timeout: 20
    start: [$T/envlog, $ACT, open, "%HOST%", "%USER%"]
EOC
check "-n accepts fleet: true and hosts:" "$KW" -n -c "$T/kw.yaml"
check "daemon starts" start_kw

# hknock HOST SRC PROTO/PORT...: knock lines as the collector writes them,
# with HOST in the header's host field.
hknock() {
	h_host=$1 h_src=$2; shift 2
	h_sp=40000
	for k in "$@"; do
		h_sp=$((h_sp + 1))
		knock_line "$h_src" "${k%/*}" "$h_sp" "${k#*/}" |
			sed "s/ fw kernel: / $h_host kernel: /" >>"$LOG"
	done
}
hopened() { grep -q "event=start door=$1 src=$2 host=$3 " "$ACT" 2>/dev/null; }

hknock 10.0.0.2 192.0.2.7 tcp/7000 udp/8000 tcp/9000
check "a whole sequence at host 10.0.0.2 opens there" wait_for 10 hopened ssh 192.0.2.7 10.0.0.2
check "... with %HOST% and KNOCK_HOST" grep -q "event=start door=ssh src=192.0.2.7 host=10.0.0.2 args=open 10.0.0.2\$" "$ACT"
check "... and on no other host" sh -c "[ \$(grep -c 'event=start door=ssh src=192.0.2.7 ' '$ACT') -eq 1 ]"
check "it closes on time on its host" wait_for 10 grep -q "event=stop door=ssh src=192.0.2.7 host=10.0.0.2 args=close 10.0.0.2\$" "$ACT"

hknock 10.0.0.1 192.0.2.8 tcp/7000
hknock 10.0.0.2 192.0.2.8 udp/8000
hknock 10.0.0.3 192.0.2.8 tcp/9000
# hosts: [10.0.0.1]: the web door's sequence at 10.0.0.3 does nothing ...
hknock 10.0.0.3 192.0.2.9 tcp/6000 tcp/6001
# ... and at 10.0.0.1 opens (a barrier: every earlier line was read).
hknock 10.0.0.1 192.0.2.9 tcp/6000 tcp/6001
check "a door with hosts: opens where allowed" wait_for 10 hopened web 192.0.2.9 10.0.0.1
check "... and nowhere else" sh -c "[ \$(grep -c 'door=web src=192.0.2.9 ' '$ACT') -eq 1 ]"
check "a sequence split across three hosts does not open" sh -c "! grep -q 'src=192.0.2.8 ' '$ACT'"

# Host fields that are no host: dropped, never a door.
hknock -oProxyCommand=x 192.0.2.10 tcp/7000 udp/8000 tcp/9000
hknock 'a;b' 192.0.2.10 tcp/7000 udp/8000 tcp/9000
hknock 10.0.0.1 192.0.2.11 tcp/6000 tcp/6001
check "barrier after the bad host fields" wait_for 10 hopened web 192.0.2.11 10.0.0.1
check "a bad host field opens nothing" sh -c "! grep -q 'src=192.0.2.10 ' '$ACT'"
status >"$T/status.out"
check "... and is counted as rejected" grep -Eq "rejected [1-9]" "$T/status.out"

# HMAC: otp@10.0.0.1's sequence knocked at 10.0.0.2 opens nothing; alice
# opens both hosts within one step.
s1=$("$KW" sequence -c "$T/kw.yaml" --door otp@10.0.0.1 --user alice)
s2=$("$KW" sequence -c "$T/kw.yaml" --door otp@10.0.0.2 --user alice)
s0=$("$KW" sequence -c "$T/kw.yaml" --door otp --user alice)
check "sequences differ per host" sh -c "[ '$s1' != '$s2' ] && [ '$s1' != '$s0' ]"
# shellcheck disable=SC2086
hknock 10.0.0.2 192.0.2.20 $s1
# shellcheck disable=SC2086
hknock 10.0.0.1 192.0.2.20 $s1
check "otp@10.0.0.1 opens at 10.0.0.1" wait_for 10 hopened otp 192.0.2.20 10.0.0.1
# shellcheck disable=SC2086
hknock 10.0.0.2 192.0.2.20 $s2
check "... and otp@10.0.0.2 at 10.0.0.2 in the same step" wait_for 10 hopened otp 192.0.2.20 10.0.0.2
check "otp@10.0.0.1 knocked at 10.0.0.2 opened nothing" sh -c "[ \$(grep -c 'door=otp src=192.0.2.20 ' '$ACT') -eq 2 ]"
check "spent steps are kept per NAME@HOST" grep -q "^otp@10.0.0.2 alice [0-9]*\$" "$T/state/worker/spent"

# The clients agree on NAME@HOST: knockwatch knock (to loopback) and
# examples/knock.sh print what knockwatch sequence derives.
t0=1761600000
want=$("$KW" sequence -c "$T/kw.yaml" --door otp@10.0.0.1 --user alice --time $t0)
got=$("$KW" knock 127.0.0.1 -v -c "$T/kw.yaml" --door otp@10.0.0.1 --user alice --time $t0 2>&1 | sed -n 's/^knocking 127.0.0.1: //p')
check "knockwatch knock --door otp@10.0.0.1 knocks that sequence" test "$got" = "$want"
got=$(sh "$KW_TOP/examples/knock.sh" --print --key "$(user_key 1)" --door otp@10.0.0.1 --user alice --range 20000-29999 --time $t0)
check "examples/knock.sh --door otp@10.0.0.1 derives it too" test "$got" = "$want"
check "--door NAME@HOST: the host is canonicalised" sh -c "[ \"\$('$KW' sequence -c '$T/kw.yaml' --door otp@WEB1 --user alice --time $t0)\" = \"\$('$KW' sequence -c '$T/kw.yaml' --door otp@web1 --user alice --time $t0)\" ]"
check "replay names the host of each open" sh -c "'$KW' replay -c '$T/kw.yaml' '$LOG' | grep -q 'open door ssh for 192.0.2.7 host 10.0.0.2\$'"

# The journal keeps the host; a restart closes each door on its host.
hknock 10.0.0.1 192.0.2.30 tcp/7000 udp/8000 tcp/9000
hknock 10.0.0.3 192.0.2.30 tcp/7000 udp/8000 tcp/9000
check "two hosts open for one source" wait_for 10 sh -c "hopened() { grep -q \"event=start door=\$1 src=\$2 host=\$3 \" '$ACT'; }; hopened ssh 192.0.2.30 10.0.0.1 && hopened ssh 192.0.2.30 10.0.0.3"
check "the journal (format 3) records each host" sh -c "head -1 '$T/state/open' | grep -qx 'knockwatch-journal 3' && grep -q '^ssh 192.0.2.30 10.0.0.1 ' '$T/state/open' && grep -q '^ssh 192.0.2.30 10.0.0.3 ' '$T/state/open'"
kill -9 "$KWPID"; wait "$KWPID" 2>/dev/null; KWPID=
check "daemon restarts" start_kw
check "each closes on its own host" wait_for 10 sh -c "grep -q 'event=stop door=ssh src=192.0.2.30 host=10.0.0.1 args=close 10.0.0.1\$' '$ACT' && grep -q 'event=stop door=ssh src=192.0.2.30 host=10.0.0.3 args=close 10.0.0.3\$' '$ACT'"
check "SIGTERM exits 0" stop_kw

# Journal lines of format 3 another hand wrote: a host that is no host is
# refused; a good one is closed on its host.
{
	echo "knockwatch-journal 3"
	echo "ssh 192.0.2.40 -oProxyCommand=x - - 1 10 $T/envlog $ACT close -oProxyCommand=x"
	echo "ssh 192.0.2.41 10.0.0.9 - - 1 10 $T/envlog $ACT close 10.0.0.9"
} >"$T/state/open"
chmod 600 "$T/state/open"
check "daemon starts with a written journal" start_kw
check "a bad host is refused" grep -q "line 2 refused (bad host)" "$T/kw.err"
check "a good line closes on its host" wait_for 10 grep -q "event=stop door=ssh src=192.0.2.41 host=10.0.0.9 args=close 10.0.0.9\$" "$ACT"
check "nothing ran for the bad host" sh -c "! grep -q 'src=192.0.2.40 ' '$ACT'"
check "SIGTERM exits 0" stop_kw
done_testing
