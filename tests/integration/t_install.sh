#!/bin/sh
# t_install.sh — `make install` never installs a door that opens on a
# published sequence or a published key: the installed config gets a random
# static sequence and a new key, says so, and what it prints is what the
# file holds; the result passes -n.
. "$(dirname "$0")/lib.sh"
mk() { make -s --no-print-directory -C "$KW_TOP" BUILD="$KW_BUILD" "$@"; }

for n in 1 2; do
	if mk install DESTDIR="$T/d$n" PREFIX=/usr/local >"$T/out$n" 2>&1; then
		ok "make install DESTDIR=d$n"
	else
		not_ok "make install DESTDIR=d$n"
		sed 's/^/    /' "$T/out$n"
	fi
done
C=$T/d1/etc/knockwatch/knockwatch.yaml
check "no published key in the installed config" sh -c "! grep -q 000102030405060708090a0b0c0d0e0f '$C'"
check "no published sequence (7000/tcp, 8000/udp, 9000)" sh -c "! grep -Eq '7000|8000/udp|9000' '$C'"
check "no 'PUBLISHED' warning left to mislead" sh -c "! grep -q PUBLISHED '$C'"
seq=$(sed -n 's/^    sequence: \[\([^]]*\)\].*/\1/p' "$C")
echo "  installed sequence: $seq"
check "four knocks" test "$(echo "$seq" | tr ',' '\n' | grep -c '/tcp')" -eq 4
check "four different ports in 1024-19999 (below the HMAC door's range)" sh -c "
	echo '$seq' | tr ',' '\n' | tr -d ' ' | sed 's#/tcp##' >'$T/ports'
	test \$(sort -u '$T/ports' | wc -l) -eq 4 &&
	awk '\$1 < 1024 || \$1 > 19999 { bad = 1 } END { exit bad }' '$T/ports'"
check "it prints the sequence it installed" grep -qF "door ssh: the sequence [$seq] (random)" "$T/out1"
check "... and the ports to log" grep -qF "log these knock ports with your firewall's LOG rule: tcp $(echo "$seq" | sed 's#/tcp##g; s# ##g')" "$T/out1"
check "... and where" grep -qxF "$C is the sample, with:" "$T/out1"
check "... and the install command it ran" grep -qxF "install -D -m 0600 $KW_BUILD/knockwatch.yaml $C" "$T/out1"
check "... mode 0600" test "$(stat -c %a "$C")" = 600
key1=$(grep -o 'key: "[0-9a-f]*"' "$C")
key2=$(grep -o 'key: "[0-9a-f]*"' "$T/d2/etc/knockwatch/knockwatch.yaml")
seq2=$(sed -n 's/^    sequence: \[\([^]]*\)\].*/\1/p' "$T/d2/etc/knockwatch/knockwatch.yaml")
check "a second install draws another key and sequence" sh -c "[ '$key1' != '$key2' ] && [ '$seq' != '$seq2' ]"
sed -e "s#/usr/local/lib/knockwatch/actions#$KW_TOP/actions#g" \
    -e "s#/var/lib/knockwatch#$T/state#" -e "s#/run/knockwatch#$T/run#" "$C" >"$T/inst.yaml"
mkdir -p "$T/state"
"$KW" -n -c "$T/inst.yaml" >"$T/n.out" 2>&1
rc=$?
check "the installed config passes -n (exit $rc)" test "$rc" -eq 0
check "... with the printed sequence" grep -q "^door ssh: static $(echo "$seq" | sed 's#\([0-9]*\)/tcp#tcp/\1#g; s#,##g')" "$T/n.out"
done_testing
