#!/bin/sh
# t_ncheck.sh — issue 13 §5: `knockwatch -n` warns about what loads and
# then silently never opens (a file source that does not exist, a prefix
# longer than iptables' 29 characters, a static door of one or two
# knocks), and stays quiet about a sound configuration. The rate-limited
# LOG rule warning is tested on a real UFW in tests/net/t_ufw.sh.
. "$(dirname "$0")/lib.sh"

ncheck() { "$KW" -n -c "$T/kw.yaml" >"$T/out" 2>&1; }

config_static 5 1
: >"$LOG"
ncheck
check "a sound configuration: exit 0" test $? -eq 0
check_not "a sound configuration: no warning of these" \
	grep -E "does not exist|No such file|iptables' LOG|static sequence" "$T/out"

rm -f "$LOG"
ncheck
check "missing file source: still OK" test $? -eq 0
check "missing file source: warned" grep -q "source $LOG: No such file or directory" "$T/out"
: >"$LOG"

sed 's|prefix: "KNOCK: "|prefix: "KNOCKWATCH-SSH-DOOR-PREFIX-30: "|' "$T/kw.yaml" >"$T/k2"
mv "$T/k2" "$T/kw.yaml"
ncheck
check "long prefix: warned with its length" grep -q "is 31 characters: iptables' LOG --log-prefix allows 29" "$T/out"

config_static 5 1
sed 's|sequence: \[7000/tcp, 8000/udp, 9000\]|sequence: [7000/tcp]|' "$T/kw.yaml" >"$T/k2"
mv "$T/k2" "$T/kw.yaml"
ncheck
check "one-knock door: warned" grep -q "door ssh: a static sequence of 1 knock: one SYN" "$T/out"
config_static 5 1
sed 's|sequence: \[7000/tcp, 8000/udp, 9000\]|sequence: [7000/tcp, 8000/udp]|' "$T/kw.yaml" >"$T/k2"
mv "$T/k2" "$T/kw.yaml"
ncheck
check "two-knock door: warned" grep -q "door ssh: a static sequence of 2 knocks" "$T/out"
done_testing
