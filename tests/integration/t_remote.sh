#!/bin/sh
# t_remote.sh — fleet mode's ssh actions without a network: actions/remote
# refuses every argument that is not a host, an address and a port (exit
# 64, nothing started), and actions/remote-host, the forced command,
# passes exactly "open|close ADDRESS PORT[/PROTO]" to the host's action
# with the options authorized_keys gave, and refuses everything else. The
# round trip over real ssh is tests/net/t_fleet_net.sh.
. "$(dirname "$0")/lib.sh"

R=$KW_TOP/actions/remote
RH=$KW_TOP/actions/remote-host
cat >"$T/fake" <<'EOS'
#!/bin/sh
printf '%s\n' "$*" >>"${0%/*}/fake.out"
EOS
chmod 755 "$T/fake"

# remote: refused before ssh runs (the control directory is never made).
for bad in "open -oProxyCommand=x 192.0.2.7 22" "open root@h 192.0.2.7 22" \
	"open h:22 192.0.2.7 22" "open .h 192.0.2.7 22" "open h 192.0.2.007 22" \
	"open h 192.0.2.7 0" "open h 192.0.2.7 22/icmp" "list h 192.0.2.7 22" \
	"open h 192.0.2.7" "open h 192.0.2.7 22 --login -x" \
	"open h 192.0.2.7 22 --ssh-port 99999" "open h 192.0.2.7 22 --key rel/key" \
	"open h 192.0.2.7 22 --bogus 1"; do
	# shellcheck disable=SC2086
	"$R" $bad --control-dir "$T/cdir" >/dev/null 2>&1
	rc=$?
	check "remote refuses '$bad' (64)" test "$rc" -eq 64
done
check "... and started nothing" test ! -e "$T/cdir"
check "remote --help" sh -c "'$R' --help | grep -q 'open|close HOST SRC'"

# remote-host: what the collector may send.
rh() { SSH_ORIGINAL_COMMAND=$1 "$RH" "$T/fake" --chain KNOCK >/dev/null 2>&1; }
check "open ADDRESS PORT/PROTO runs the action" rh "open 192.0.2.7 22/tcp"
check "close with an IPv6 address and a bare port" rh "close 2001:db8::7 22"
check "... as ACTION VERB ADDRESS PORT/PROTO OPTIONS" sh -c \
	"printf 'open 192.0.2.7 22/tcp --chain KNOCK\nclose 2001:db8::7 22/tcp --chain KNOCK\n' | cmp -s - '$T/fake.out'"
# shellcheck disable=SC2016 # the $(id) is the point
for bad in "" "list" "open 192.0.2.7" "open 192.0.2.7 22 x" "open  192.0.2.7 22" \
	" open 192.0.2.7 22" "open 192.0.2.7 22/tcp; reboot" 'open $(id) 22' \
	"open 192.0.2.007 22" "open ::g 22" "open 192.0.2.7 65536" "open 192.0.2.7 22/icmp" \
	"flush 192.0.2.7 22" "open 192.0.2.7 -22" "open 192.0.2.7 22/tcp
close 192.0.2.8 22"; do
	SSH_ORIGINAL_COMMAND=$bad "$RH" "$T/fake" >/dev/null 2>&1
	rc=$?
	check "remote-host refuses '$bad' (64)" test "$rc" -eq 64
done
check "... and ran the action for none of them" test "$(wc -l <"$T/fake.out")" -eq 2
SSH_ORIGINAL_COMMAND="open 192.0.2.7 22" "$RH" relative/action >/dev/null 2>&1
check "remote-host refuses a relative action" test $? -eq 64
done_testing
