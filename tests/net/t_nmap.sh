#!/bin/sh
# t_nmap.sh — a real nmap client, as examples/clients.md shows it: one
# `nmap -Pn -p PORT` run per knock with nmap's default retries. The server
# drops the knock range, so nmap probes each port a second time from a new
# source port about 100 ms later; knockwatch ignores that repeat (same port
# and protocol as a stage the attempt passed) instead of resetting, and the
# door opens. Without forgiving repeats the second probe of knock 1 started
# over and the second probe of knock 2 reset the attempt: it never opened.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"

net_require 7 nmap
net_setup m || { echo "cannot build the namespaces"; exit 1; }
fw_iptables || { echo "cannot load the server's iptables rules"; exit 1; }

kw_config_iptables 30
check "daemon starts in the server namespace (kmsg source)" kw_start "$T/kw.yaml"
check "service closed to the client" cannot_connect "$NS_C" "$S4"

m=$(log_mark)
r0=$(status repeats)
# -Pn: no host discovery (the server answers no ping on the knock range);
# -n: no DNS. As root nmap sends a SYN scan (and -sU a UDP scan).
C nmap -Pn -n -p 7000 "$S4" >"$T/nmap.out" 2>&1
C nmap -Pn -n -sU -p 8000 "$S4" >>"$T/nmap.out" 2>&1
C nmap -Pn -n -p 9000 "$S4" >>"$T/nmap.out" 2>&1
check "nmap ran (the knock ports are filtered)" grep -q "7000/tcp filtered" "$T/nmap.out"
check "nmap's knocks open the door" wait_for 15 opened_since "$m" ssh "$C4"
check "the client can connect" can_connect "$NS_C" "$S4"
check "nmap's second probes were repeats" status_ge repeats $((${r0:-0} + 1))
check "no reset for the client" sh -c "! tail -n +$((m + 1)) '$T/kw.err' | grep -q 'attempt: $C4 door ssh reset'"
done_testing
