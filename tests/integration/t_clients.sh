#!/bin/sh
# t_clients.sh — the clients of clients/ derive what knockwatch derives:
# clients/knock.py (Python, standard library) and clients/web/knockwatch.js
# (under node) on every row of doc/protocol.md's test vectors and on a few
# hundred random parameter sets against `knockwatch sequence`
# (tests/clients/agree.py); the two agree on the canonical text of tricky
# --bind spellings; knock.py's command line behaves as knockwatch's (output,
# exit codes, key files); knock.html embeds knockwatch.js unchanged and the
# module's browser checks (blocked ports, static sequences) hold. No
# packets leave the machine: knock runs only against loopback.
set -u
KW_TOP=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KW_BUILD=${KW_BUILD:-$KW_TOP/build}
export KW_TOP KW_BUILD
KW=$KW_BUILD/knockwatch
# shellcheck source=tests/lib/common.sh
. "$KW_TOP/tests/lib/common.sh"
pass=0
fail=0
KNOCKPY=$KW_TOP/clients/knock.py
AGREE=$KW_TOP/tests/clients/agree.py

if ! command -v python3 >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "skip: python3 and node are needed (tests/deps.sh installs them)"
	echo "0 passed, 0 failed, 31 skipped"
	exit 0
fi
[ -x "$KW" ] || { echo "$KW not built"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d /tmp/kwclients.XXXXXX)
trap 'rm -rf "$T"' EXIT
umask 077

# py39: knock.py's grammar is Python 3.9's (ast's feature_version check).
py39() {
	python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9))' "$KNOCKPY"
}
check "knock.py is Python 3.9 (grammar)" py39
check "knock.py: every test vector of doc/protocol.md" python3 "$AGREE" vectors py
check "knockwatch.js (node): every test vector of doc/protocol.md" python3 "$AGREE" vectors js
check "knock.py agrees with knockwatch sequence on 400 random parameter sets" \
	python3 "$AGREE" random py 400
check "knockwatch.js agrees with knockwatch sequence on 400 random parameter sets" \
	python3 "$AGREE" random js 400
check "knock.py and knockwatch.js: same canonical --bind text as knockwatch" \
	python3 "$AGREE" canon

# same_as_kw ARGS...: `knock.py ARGS` and `knockwatch ARGS` exit alike and
# print the same standard output.
same_as_kw() {
	"$KW" "$@" >"$T/kw.out" 2>"$T/kw.err" </dev/null
	s_krc=$?
	python3 "$KNOCKPY" "$@" >"$T/py.out" 2>"$T/py.err" </dev/null
	s_prc=$?
	if [ "$s_krc" -ne "$s_prc" ] || ! cmp -s "$T/kw.out" "$T/py.out"; then
		echo "  knockwatch $*: exit $s_krc: $(cat "$T/kw.out" "$T/kw.err" | head -n 2)"
		echo "  knock.py $*: exit $s_prc: $(cat "$T/py.out" "$T/py.err" | head -n 2)"
		return 1
	fi
}
# exits N ARGS...: knock.py ARGS exits N and says why on stderr.
exits() {
	e_want=$1
	shift
	python3 "$KNOCKPY" "$@" >/dev/null 2>"$T/py.err" </dev/null
	e_rc=$?
	[ "$e_rc" -eq "$e_want" ] && grep -q "^knock.py: " "$T/py.err"
}

K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf ' %s\n' "$K" >"$T/good.key"
printf '%s\n' "$K" >"$T/open.key"
chmod 644 "$T/open.key"
printf 'xyz\n' >"$T/bad.key"
chmod 600 "$T/good.key" "$T/bad.key"
check "--key-file read as knockwatch reads it" \
	same_as_kw sequence --key-file "$T/good.key" --door ssh --user alice --step 7
check "a key file others can read is refused (exit 66), as by knockwatch" \
	same_as_kw sequence --key-file "$T/open.key" --door ssh --user alice --step 7
check "(and knock.py says why)" exits 66 sequence --key-file "$T/open.key" --door ssh --user alice
check "a key file without a key is refused (66)" same_as_kw sequence --key-file "$T/bad.key" --door d --user u
check "a missing key file is refused (66)" same_as_kw sequence --key-file "$T/none.key" --door d --user u
check "a directory as key file is refused (66)" same_as_kw sequence --key-file "$T" --door d --user u
check "usage errors exit 64 as knockwatch's (no --user)" same_as_kw sequence --key "$K" --door d
check "--step and --time together: 64" same_as_kw sequence --key "$K" --door d --user u --step 1 --time 5
check "--time and --period derive the step as knockwatch" \
	same_as_kw sequence --key "$K" --door d --user u --time 1761600000 --period 60
check "abbreviated long options as getopt_long's" \
	same_as_kw sequence --ke "$K" --do d --us u --st 1 --len 3 --open=100-200
check "what follows -- is ignored, as by getopt_long" \
	same_as_kw sequence --key "$K" --door d --user u --step 1 -- junk --length 99
check "a -- that is an option's value is not the end of the options" \
	same_as_kw sequence --key "$K" --user u --step 1 --door -- --length 3
check "--bind-source belongs to knock only: 64" same_as_kw sequence --key "$K" --door d --user u --bind-source
check "an unknown option: 64" same_as_kw sequence --key "$K" --door d --user u --colour
check "knock without HOST: 64" same_as_kw knock --sequence 7000
check "knock --sequence with a key: 64" same_as_kw knock 127.0.0.1 --sequence 7000 --key "$K"
check "knock --sequence with a bad knock: 64" same_as_kw knock 127.0.0.1 --sequence "7000/icmp"
check "knock to a name that does not resolve: 68" \
	same_as_kw knock no-such-host.invalid --sequence "7000/tcp 8000/udp"
# Loopback only: closed ports answer with a RST, which counts as sent.
check "knock (static, loopback) exits 0 as knockwatch knock" \
	same_as_kw knock 127.0.0.1 --delay 0 --sequence "7000/tcp 8000/udp tcp/9000"
check "knock --bind-source -v: the same service port and the same derivation line" \
	same_as_kw knock 127.0.0.1 -v --delay 0 --key "$K" --door d --user u \
	--bind-source --step 5 --open-range 100-200
check "(the derivation line on stderr is knockwatch's)" cmp -s "$T/kw.err" "$T/py.err"
check "knock -6 --bind ::1 (IPv6 loopback) as knockwatch knock" \
	same_as_kw knock ::1 -6 -v --delay 0 --key "$K" --door d --user u \
	--bind 0:0:0:0:0:0:0:1 --step 5 --open-range 100-200
check "knock --bind and -4/-6 that disagree: 64" \
	same_as_kw knock 127.0.0.1 -4 --key "$K" --door d --user u --bind ::1

# embedded: knock.html carries knockwatch.js unchanged (clients/web/embed.sh).
embedded() {
	sed -n '/<script type="text\/plain" id="knockwatch-js">/,/<\/script>/p' \
		"$KW_TOP/clients/web/knock.html" | sed '1d;$d' >"$T/embedded.js"
	cmp "$KW_TOP/clients/web/knockwatch.js" "$T/embedded.js"
}
check "knock.html embeds clients/web/knockwatch.js unchanged" embedded
check "knockwatch.js: blocked ports and static sequences as documented" \
	node "$KW_TOP/tests/clients/web_unit.mjs"
done_testing
