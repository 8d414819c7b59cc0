#!/bin/sh
# t_fleet_net.sh — fleet mode with the real parts: network namespaces for a
# client, three hosts and a collector on one link. Each host logs and drops
# the knock range with a LOG prefix of its own (the namespaces share one
# kernel log), runs its own rsyslogd that forwards its kernel lines over TCP
# with examples/rsyslog-fleet-sender.conf, and its own sshd whose
# authorized_keys restricts the collector's key to actions/remote-host.
# The collector runs rsyslogd with examples/rsyslog-fleet-collector.conf
# (the host field is %fromhost-ip%) and knockwatch, whose doors open and
# close port 22 on the host that was knocked with actions/remote (ssh, one
# reused connection per host). Checks: a knock at host 2 opens host 2 only,
# and it closes on time there; a sequence split across hosts opens nothing;
# a door with hosts: opens only where allowed; an HMAC sequence for
# otp@host1 knocked at host 2 opens nothing, and one user opens host 1 and
# host 2 within one step; a line sent by host 3 naming host 2 in its header
# is host 3's; the collector killed with doors open on two hosts and
# restarted closes each on its own host on time (the journal names them).
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

NCHECKS=29
net_require "$NCHECKS" rsyslog
for f_t in /usr/sbin/sshd ssh ssh-keygen; do
	command -v "$f_t" >/dev/null 2>&1 ||
		skip_all "$NCHECKS" "$f_t not installed (apt-get install openssh-server openssh-client)"
done

NS_K=kwFc$ID	# the collector
NS_CL=kwFk$ID	# the client
NET=10.205.1
K4=$NET.1
CL4=$NET.2
H1=$NET.11 H2=$NET.12 H3=$NET.13
RPORT=10514	# the examples' imtcp port
SSHP=2222	# each host's sshd (management); port 22 is the door
R=$ACTIONS/remote
RH=$ACTIONS/remote-host

H() {
	h_n=$1
	shift
	in_ns "kwF$h_n$ID" "$@"
}
hns() { echo "kwF$1$ID"; }
hprefix() { echo "KWF${ID}h$1: "; }

fleet_setup() {
	T=$(mktemp -d /tmp/kwnetfleet.XXXXXX)
	trap net_cleanup EXIT
	trap 'exit 130' INT TERM
	for s_n in "$NS_K" "$NS_CL" "$(hns 1)" "$(hns 2)" "$(hns 3)"; do
		ip netns add "$s_n" || return 1
		NETS="$NETS $s_n"
		ip -n "$s_n" link set lo up || return 1
	done
	ip -n "$NS_K" link add kwfb0 type bridge forward_delay 0 stp_state 0 || return 1
	ip -n "$NS_K" link set kwfb0 up &&
		ip -n "$NS_K" addr add "$K4/24" dev kwfb0 || return 1
	for s_i in k 1 2 3; do
		s_ns=$(hns "$s_i")
		s_a=$CL4
		case $s_i in
		k) s_ns=$NS_CL ;;
		*) s_a=$NET.1$s_i ;;
		esac
		ip link add "kwf$s_i" netns "$NS_K" type veth peer name eth0 netns "$s_ns" || return 1
		ip -n "$NS_K" link set "kwf$s_i" master kwfb0 up &&
			ip -n "$s_ns" link set eth0 up &&
			ip -n "$s_ns" addr add "$s_a/24" dev eth0 || return 1
	done
	nflog_on
	ssh-keygen -q -t ed25519 -N '' -C knockwatch@collector -f "$T/id" || return 1
	: >"$T/known_hosts"
	for s_i in 1 2 3; do
		host_setup "$s_i" || return 1
	done
	collector_setup
}

# host_setup N: host N's firewall, door service, sshd and rsyslogd.
host_setup() {
	h_d=$T/h$1 h_a=$NET.1$1
	mkdir -p "$h_d/rs"
	for h_p in tcp udp; do
		H "$1" iptables -w -A INPUT -p "$h_p" --dport 7000:29999 \
			-j LOG --log-prefix "$(hprefix "$1")" &&
			H "$1" iptables -w -A INPUT -p "$h_p" --dport 7000:29999 -j DROP ||
			return 1
	done
	H "$1" iptables -w -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
		H "$1" iptables -w -A INPUT -p tcp --dport 22 -j DROP || return 1
	bg_ns "$(hns "$1")" nc -dlk "$h_a" 22
	# sshd: its own key, config and authorized_keys with the forced
	# command; as root, forced commands only.
	ssh-keygen -q -t ed25519 -N '' -f "$h_d/host_key" || return 1
	printf '[%s]:%s %s\n' "$h_a" "$SSHP" "$(cut -d' ' -f1,2 "$h_d/host_key.pub")" >>"$T/known_hosts"
	printf 'restrict,command="%s %s" %s\n' "$RH" "$ACTIONS/iptables" "$(cat "$T/id.pub")" >"$h_d/authorized_keys"
	cat >"$h_d/sshd_config" <<EOF
Port $SSHP
ListenAddress $h_a
HostKey $h_d/host_key
PidFile $h_d/sshd.pid
AuthorizedKeysFile $h_d/authorized_keys
PermitRootLogin forced-commands-only
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
	# Debian's sshd wants its privilege-separation directory.
	[ -d /run/sshd ] || mkdir -m 755 /run/sshd
	bg_ns "$(hns "$1")" /usr/sbin/sshd -D -E "$h_d/sshd.log" -f "$h_d/sshd_config"
	# rsyslogd: the shipped sender config with this host's prefix and
	# the collector's address, under a wrapper that reads /dev/kmsg.
	sed -e "s/KNOCK: /$(hprefix "$1")/" -e "s/collector.example.org/$K4/" \
		"$KW_TOP/examples/rsyslog-fleet-sender.conf" >"$h_d/sender.conf"
	cat >"$h_d/rsyslog.conf" <<EOF
global(workDirectory="$h_d/rs")
module(load="imkmsg")
include(file="$h_d/sender.conf")
EOF
	bg_ns "$(hns "$1")" rsyslogd -n -f "$h_d/rsyslog.conf" -i "$h_d/rs/pid" 2>>"$h_d/rsyslog.err"
}

collector_setup() {
	mkdir -p "$T/k/rs"
	sed -e "s#/var/log/knockwatch-fleet.log#$T/fleet.log#" \
		"$KW_TOP/examples/rsyslog-fleet-collector.conf" >"$T/k/collector.conf"
	cat >"$T/k/rsyslog.conf" <<EOF
global(workDirectory="$T/k/rs")
include(file="$T/k/collector.conf")
EOF
	: >"$T/fleet.log"
	bg_ns "$NS_K" rsyslogd -n -f "$T/k/rsyslog.conf" -i "$T/k/rs/pid" 2>>"$T/k/rsyslog.err"
	O="--key $T/id --known-hosts $T/known_hosts --ssh-port $SSHP --control-dir $T/ssh"
	# shellcheck disable=SC2086 # O is words
	o_yaml=$(printf ', %s' $O)
	cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $T/fleet.log
    fleet: true
users:
  alice: { key: "$(printf '%064x' 7)" }
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000/tcp]
    timeout: 15
    start: [$R, open, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop: [$R, close, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop_after: 4
  web:
    sequence: [7100/tcp, 7200/tcp]
    hosts: [$H1]
    start: [$R, open, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop: [$R, close, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop_after: 4
  long:
    sequence: [7300/tcp, 7400/tcp]
    start: [$R, open, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop: [$R, close, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop_after: 15
  otp:
    hmac: { users: [alice], range: 20000-29999 }
    timeout: 20
    start: [$R, open, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop: [$R, close, "%HOST%", "%SRC%", 22/tcp$o_yaml]
    stop_after: 12
EOC
}

# kw_start_k: the daemon on the collector.
kw_start_k() {
	: >>"$T/kw.err"
	k_mark=$(log_mark)
	ip netns exec "$NS_K" "$KW" -c "$T/kw.yaml" -vv 2>>"$T/kw.err" </dev/null &
	KWPID=$!
	wait_for 20 logged_since "$k_mark" "started:"
}
# host_open N / host_closed N: the client can / cannot connect to host N's
# port 22.
host_open() { can_connect "$NS_CL" "$NET.1$1" 22; }
host_closed() { ! host_open "$1"; }
# opened_at MARK DOOR SRC HOST: the daemon opened DOOR for SRC at HOST
# since MARK, and its start command (the ssh) exited 0.
opened_at() {
	tail -n "+$(($1 + 1))" "$T/kw.err" |
		grep -F "door $2 start for $3" | grep -F "at host $4:" | grep -q ": exit 0 in "
}
closed_at() {
	tail -n "+$(($1 + 1))" "$T/kw.err" |
		grep -F "door $2 stop for $3" | grep -F "at host $4:" | grep -q ": exit 0 in "
}
opens_at() {
	tail -n "+$(($1 + 1))" "$T/kw.err" | grep -F "door $2 opens for $3" | grep -qF "at host $4"
}
sshd_up() { H "$1" ss -Htln "sport = :$SSHP" | grep -q .; }

fleet_setup || { echo "cannot build the fleet rig"; exit 1; }
all_up() {
	in_ns "$NS_K" ss -Htln "sport = :$RPORT" | grep -q . &&
		sshd_up 1 && sshd_up 2 && sshd_up 3
}
check "collector rsyslogd and each host's sshd listening" wait_for 20 all_up
check "-n accepts the collector's config" "$KW" -n -c "$T/kw.yaml"
check "knockwatch starts on the collector" kw_start_k
for i in 1 2 3; do
	host_closed "$i" || not_ok "host $i's port 22 is closed at first"
done

# 1. A knock at host 2 opens host 2 only, and closes on time there.
m=$(log_mark)
nc_knock "$NS_CL" "$H2" tcp/7000 udp/8000 tcp/9000
check "a knock at host 2 opens host 2 (over ssh)" wait_for 20 opened_at "$m" ssh "$CL4" "$H2"
check "... the client connects to host 2" host_open 2
probe h1 "$NS_CL" "$H1" 22
probe h3 "$NS_CL" "$H3" 22
probes_wait
check "... and to no other host" sh -c "[ \"\$(cat '$T/probe.h1')\" = closed ] && [ \"\$(cat '$T/probe.h3')\" = closed ]"
check "it closes on time on host 2" wait_for 20 closed_at "$m" ssh "$CL4" "$H2"
check "... the client cannot connect any more" host_closed 2
check "one ssh login served open and close (ControlPersist)" sh -c \
	"[ \$(grep -c 'Accepted publickey' '$T/h2/sshd.log') -eq 1 ]"

# 2. A sequence split across two hosts; a door with hosts: [host 1].
m=$(log_mark)
k0=$(status knocks)
nc_knock "$NS_CL" "$H1" tcp/7000
nc_knock "$NS_CL" "$H3" udp/8000 tcp/9000
nc_knock "$NS_CL" "$H3" tcp/7100 tcp/7200
check "the collector read the split knocks and web at host 3" wait_for 20 status_ge knocks $((k0 + 5))
check "a sequence split across two hosts opens nothing" sh -c "! tail -n +$((m + 1)) '$T/kw.err' | grep -q 'opens for'"
nc_knock "$NS_CL" "$H1" tcp/7100 tcp/7200
check "web (hosts: [host 1]) opens at host 1" wait_for 20 opened_at "$m" web "$CL4" "$H1"
check "... and did not at host 3" sh -c "! tail -n +$((m + 1)) '$T/kw.err' | grep -F 'door web opens' | grep -qF 'at host $H3'"
check "web closes at host 1" wait_for 20 closed_at "$m" web "$CL4" "$H1"

# 3. HMAC: otp@host1 knocked at host 2 opens nothing; alice opens host 1
# and host 2 within one step.
now=$(date +%s)
s1=$("$KW" sequence -c "$T/kw.yaml" --door "otp@$H1" --user alice --time "$now")
s2=$("$KW" sequence -c "$T/kw.yaml" --door "otp@$H2" --user alice --time "$now")
m=$(log_mark)
k0=$(status knocks)
# shellcheck disable=SC2086
nc_knock "$NS_CL" "$H2" $s1
check "the collector read otp@host1's knocks at host 2" wait_for 20 status_ge knocks $((k0 + 4))
check "otp@host1's sequence at host 2 opens nothing" sh -c "! tail -n +$((m + 1)) '$T/kw.err' | grep -q 'door otp opens'"
# shellcheck disable=SC2086
nc_knock "$NS_CL" "$H1" $s1
# shellcheck disable=SC2086
nc_knock "$NS_CL" "$H2" $s2
check "alice opens host 1 ..." wait_for 20 opened_at "$m" otp "$CL4 user alice" "$H1"
check "... and host 2 in the same step" wait_for 20 opened_at "$m" otp "$CL4 user alice" "$H2"
check "... and both connect" sh -c "ip netns exec '$NS_CL' nc -z -w1 $H1 22 && ip netns exec '$NS_CL' nc -z -w1 $H2 22"
check "they close on their hosts" wait_for 30 sh -c "tail -n +$((m + 1)) '$T/kw.err' | grep -F 'door otp stop for $CL4 user alice' | grep -c ': exit 0 in ' | grep -qx 2"

# 4. Host 3 sends the collector a line naming host 2 in its header.
m=$(log_mark)
forged() {
	printf '<4>%s %s kernel: %sIN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=%s DST=%s LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=%s SPT=%s DPT=%s WINDOW=64240 RES=0x00 SYN URGP=0\n' \
		"$(date '+%b %e %H:%M:%S')" "$H2" "$(hprefix 2)" "$NET.77" "$H2" "$1" "$2" "$3"
}
{ forged TCP 41001 7300; forged TCP 41002 7400; } |
	H 3 nc -N -w2 "$K4" "$RPORT" >/dev/null 2>&1
check "host 3's line naming host 2 is host 3's" wait_for 20 opens_at "$m" long "$NET.77" "$H3"
check "... and opens nothing at host 2" sh -c "! tail -n +$((m + 1)) '$T/kw.err' | grep -F 'opens for $NET.77' | grep -qF 'at host $H2' && ! ip netns exec kwF2$ID iptables -w -S INPUT | grep -q '$NET.77'"

# 5. Doors open on hosts 1 and 3, the collector killed and restarted: each
# closes on its own host, on time.
wait_for 20 closed_at "$m" long "$NET.77" "$H3"
m=$(log_mark)
nc_knock "$NS_CL" "$H1" tcp/7300 tcp/7400
nc_knock "$NS_CL" "$H3" tcp/7300 tcp/7400
check "long opens at hosts 1 and 3" wait_for 20 sh -c "tail -n +$((m + 1)) '$T/kw.err' | grep -F 'door long start for $CL4' | grep -c ': exit 0 in ' | grep -qx 2"
check "the journal names both hosts" sh -c "grep -q '^long $CL4 $H1 ' '$T/state/open' && grep -q '^long $CL4 $H3 ' '$T/state/open'"
kill -KILL "$KWPID"; wait "$KWPID" 2>/dev/null; KWPID=
check "knockwatch restarts" kw_start_k
check "... both doors still open meanwhile" sh -c "ip netns exec '$NS_CL' nc -z -w1 $H1 22 && ip netns exec '$NS_CL' nc -z -w1 $H3 22"
m=$(log_mark)
check "each closes on its own host" wait_for 30 sh -c "tail -n +$((m + 1)) '$T/kw.err' | grep -F 'door long stop for $CL4' | grep -F 'at host' | grep -c ': exit 0 in ' | grep -qx 2"
check "... and the client reaches neither" sh -c "! ip netns exec '$NS_CL' nc -z -w1 $H1 22 && ! ip netns exec '$NS_CL' nc -z -w1 $H3 22"
check "SIGTERM exits 0" kw_stop
show_on_failure
done_testing
