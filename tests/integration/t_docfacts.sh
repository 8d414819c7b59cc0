#!/bin/sh
# t_docfacts.sh — statements of the README, examples and man pages that an
# outside review found wrong, checked against the code and each other: the
# knock LOG rules log only NEW packets and are rate-limited, examples never
# mix the iptables and nftables actions, paths name both install prefixes,
# the README's exit statuses and --help agree with the binary.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
cd "$KW_TOP" || exit 1

# Every rule that logs or jumps to the knock ports (a --dports/dport with
# the knock ranges) matches only NEW packets: replies to this host's own
# connections arrive on its ephemeral ports (32768-60999), inside the HMAC
# range 20000-59999, and would be counted as knocks.
grep -n -e '--dports.*-j \(LOG\|KNOCK\)' README.md examples/*.rules \
	>"$T/logrules" 2>/dev/null
check "knock LOG rules found ($(wc -l <"$T/logrules"))" test -s "$T/logrules"
check "every knock LOG rule matches --ctstate NEW only" sh -c \
	'! grep -v -e "--ctstate NEW" "$1"' sh "$T/logrules"
check "the README's LOG rules are rate-limited and dropped" sh -c \
	'grep -q -- "-j KNOCK" README.md && grep -q -- "-A KNOCK -m hashlimit" README.md &&
	 grep -q -- "-A KNOCK -j DROP" README.md'
check "nftables-knock.nft logs new packets only, with a per-source limit" sh -c \
	'grep -q "ct state new tcp dport" examples/nftables-knock.nft &&
	 grep -q "limit rate over" examples/nftables-knock.nft'

# README on `knockwatch open`: a bad address is a usage error, as the binary says.
"$KW" open -S "$T/none.sock" ssh 192.0.2.x >/dev/null 2>&1
rc=$?
check "knockwatch open with a bad address exits 64 ($rc)" test "$rc" -eq 64
check "... and the README says 64 for it" sh -c \
	'flat() { tr "\n" " " <"$1" | tr -s " " " "; }
	 flat README.md | grep -q "a bad address included, is exit status 64"'

# --help: one -v prints debug lines (nothing more with two); open, close
# and reload take -S as knockwatch(8) says.
"$KW" --help >"$T/help" 2>&1
check "--help does not ask to repeat -v for debug" sh -c '! grep -q "repeat for debug" "$1"' sh "$T/help"
for c in open close reload; do
	check "--help shows -S for $c" sh -c \
		'grep "knockwatch $2 " "$1" | grep -q -- "-S SOCKET"' sh "$T/help" "$c"
done

# The unit's comments stay readable once make install substitutes it.
check "the unit's comments name no @...@ placeholder" sh -c \
	'! grep "^#" systemd/knockwatch.service | grep -q "@[a-z]*@"'
check "the unit says key files must be readable by root without DAC override" sh -c \
	'grep "^#" systemd/knockwatch.service | grep -q "CAP_DAC_OVERRIDE"'

# knockwatch(8)'s status text names the worker's last counter as it is.
last=$(sed -n '/^\.Ql lines$/,/are the worker.s own/p' man/knockwatch.8 |
	sed -n 's/^\.Ql \([a-z_]*\)$/\1/p' | tail -1)
check "knockwatch(8)'s last worker counter '$last' is in the status line" sh -c \
	'test -n "$1" && grep -q " $1 %llu" knockwatch/worker.c' sh "$last"

# examples/clients.md: a repeat of a passed port is ignored, not wrong.
check "clients.md does not call a repeated port a wrong knock" sh -c \
	'! tr "\n" " " <examples/clients.md | tr -s " " " " |
	 grep -q "takes a repeated port as a wrong knock"'

# The sample marks the values that are not defaults.
check "the sample does not claim every value is a default" sh -c \
	'! grep -q "^# Every key is shown, with its default" knockwatch.yaml.sample'
for k in "stop_after: 30" "bind_source: true" "timeout: 20"; do
	check "the sample marks '$k' as an example" sh -c \
		'grep -F -- "$1" knockwatch.yaml.sample | grep -q "example"' sh "$k"
done

# Security notes: busybox syslogd and logread keep a client's facility (a
# local user forges kernel lines there); a web knock through an HTTP proxy
# comes from the proxy; nftables element timeouts are not extended; key
# files under the unit need no DAC override.
check "README: busybox/logread lines are forgeable, in the security table and Log formats" sh -c \
	'test "$(grep -c "busybox syslogd and OpenWrt.s .logread. \(keep\|have no such\)" README.md)" -ge 2 &&
	 grep "^| local user" README.md | grep -q "busybox syslogd"'
check "knockwatch.yaml(5): busybox/logread forgeable, use kmsg: true" sh -c \
	'tr "\n" " " <man/knockwatch.yaml.5 | grep -q "busybox syslogd and OpenWrt .Nm logread keep the facility.*use .Ql kmsg: true"'
check "clients.md and knock.html: a proxy knocks from its own address" sh -c \
	'grep -q "HTTP proxies" examples/clients.md && grep -q "Behind an HTTP proxy" clients/web/knock.html'
check "open-ssh-5min.yaml and knockwatch.yaml(5): extensions do not refresh the nft timeout" sh -c \
	'grep -q "not the kernel element" examples/open-ssh-5min.yaml &&
	 tr "\n" " " <man/knockwatch.yaml.5 | grep -q "does not refresh the element.s timeout"'
check "knockwatch.yaml(5): key_file under the unit needs no DAC override" sh -c \
	'tr "\n" " " <man/knockwatch.yaml.5 | grep -q "Under the systemd unit it must be root.s"'

# A worker account that does not exist: -n says how to create it.
mkdir -p "$T/state"
printf 'state_dir: %s\nuser: kwnouser%s\nsources: [{kmsg: true}]\ndoors:\n  d:\n    sequence: [7000, 8000, 9000]\n    start: [/bin/true]\n' \
	"$T/state" "$$" >"$T/nouser.yaml"
"$KW" -n -c "$T/nouser.yaml" >"$T/nouser.out" 2>&1
check "-n: a missing user: comes with the useradd line" \
	grep -q "does not exist: create it with useradd -r -s /usr/sbin/nologin kwnouser$$" "$T/nouser.out"

# A configuration uses actions/iptables or actions/nftables, never both
# (README: the nft drop rule drops what iptables accepts).
sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' man/knockwatch.yaml.5 >"$T/m5ex"
for f in "$T/m5ex" examples/*.yaml knockwatch.yaml.sample; do
	check "$(basename "$f"): actions/iptables and actions/nftables not mixed" sh -c \
		'! { grep -q "actions/iptables," "$1" && grep -q "actions/nftables," "$1"; }' sh "$f"
done
# Both install prefixes are named where the actions' path is given.
for f in man/knockwatch.8 man/knockwatch.yaml.5 examples/open-ssh-5min.yaml \
	examples/knockd-equivalent.yaml; do
	check "$f names /usr/lib/knockwatch/actions (the package) too" \
		grep -q "/usr/lib/knockwatch/actions" "$f"
done
check "the .deb ships README.md and the clients" sh -c \
	'grep -qx README.md debian/knockwatch.docs && grep -q "clients/knock.py" debian/rules &&
	 grep -q "clients/web/knock.html" debian/rules'
# examples/client.yaml is the installed sample's HMAC door, and the README
# says to copy in the generated key.
check "client.yaml's door is the sample's ssh-otp" sh -c \
	'grep -q "^  ssh-otp:" examples/client.yaml && grep -q "^  ssh-otp:" knockwatch.yaml.sample &&
	 grep -q -- "-c client.yaml --door ssh-otp" README.md'
check "the README says to copy the key make install generated into client.yaml" sh -c \
	'tr "\n" " " <README.md | tr -s " " " " | grep -q "client.yaml. holds the sample.s .ssh-otp. door: copy in alice.s key"'

done_testing
