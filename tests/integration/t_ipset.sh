#!/bin/sh
# tests/integration/t_ipset.sh — actions/ipset with real ipset in a private
# network namespace (as t_actions.sh): two doors opening the same
# IPv4-mapped or IPv4-compatible IPv6 source (which ipset prints as
# ::ffff:192.0.2.7 and ::1.2.3.4, knockwatch as ::ffff:c000:207 and
# ::102:304) keep the kernel-side timeout of the longer open, and an add
# that fails (a full set) leaves no owner record behind, so a later close
# of another door deletes the entry. It never touches the host's sets.
# Last line: "N passed, N failed" (", N skipped" when it cannot run).
# shellcheck disable=SC2016 # sh -c scripts are literal
set -u
top=${KW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/common.sh
. "$top/tests/lib/common.sh"
P=$top/actions/ipset
pass=0 fail=0
tmp=$(mktemp -d)
check_out=$tmp/out	# check/check_not keep CMD's output there
ns=""

cleanup() {
	if [ -n "$ns" ]; then
		# actions/ipset's owner records of this namespace go with it.
		r=$(ip netns exec "$ns" readlink /proc/self/ns/net 2>/dev/null)
		r=$(printf '%s' "$r" | tr -c 'A-Za-z0-9' '_')
		[ -z "$r" ] || rm -rf "/run/knockwatch-actions/ipset/$r"
		ip netns del "$ns" 2>/dev/null
	fi
	rmdir /run/knockwatch-actions/ipset /run/knockwatch-actions 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || skip_all 1 "not root"
command -v ip >/dev/null 2>&1 || skip_all 1 "ip(8) not installed"
command -v ipset >/dev/null 2>&1 || [ -x /usr/sbin/ipset ] ||
	skip_all 1 "ipset not installed"
ns=kwips$$
ip netns add "$ns" 2>"$tmp/err" || {
	ns=""
	skip_all 1 "cannot create a network namespace: $(cat "$tmp/err")"
}
inns() { ip netns exec "$ns" "$@"; }
# timeout_of SET ADDR-AS-IPSET-PRINTS-IT: the entry's timeout left, or
# nothing when the entry is missing.
timeout_of() {
	inns ipset list "$1" -o save |
		awk -v a="$2" '$1 == "add" && $3 == a && $4 == "timeout" { print $5 }'
}
long() { t=$(timeout_of knockwatch6 "$1"); [ -n "$t" ] && [ "$t" -ge 590 ]; }
entries() { inns ipset list "$1" -o save | grep -c '^add ' || true; }

for pair in ::ffff:c000:207=::ffff:192.0.2.7 ::102:304=::1.2.3.4; do
	src=${pair%%=*} shown=${pair#*=}
	check "$src: door ssh opens for 600 s" \
		inns "$P" open "$src" --timeout 600 --door ssh
	check "$src: ipset shows it as $shown with a timeout" long "$shown"
	check "$src: door otp opens the same for 30 s" \
		inns "$P" open "$src" --timeout 30 --door otp
	# Before the fix the entry's timeout was not found under the
	# canonical text and the second open set "timeout 0" (no expiry).
	check "$src: the entry keeps ssh's 600 s (kernel-side expiry)" long "$shown"
	check "$src: door ssh closes" inns "$P" close "$src" --door ssh
	check "$src: the entry stays for door otp" long "$shown"
	check "$src: door otp closes" inns "$P" close "$src" --door otp
	check "$src: then the entry goes" test -z "$(timeout_of knockwatch6 "$shown")"
done

# A failed add: in a mount namespace of its own the action finds an ipset
# whose "add" fails (a wrapper bound over the real one), as a full set or
# a kernel error would make it fail.
real=$(command -v ipset) || real=/usr/sbin/ipset
real=$(readlink -f "$real")
cp "$real" "$tmp/ipset.real"
cat >"$tmp/ipset.fail" <<EOW
#!/bin/sh
[ "\$1" = add ] && { echo "ipset: add fails (test)" >&2; exit 1; }
exec $tmp/ipset.real "\$@"
EOW
chmod 755 "$tmp/ipset.fail"
failing() {
	unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
		sh "$tmp/ipset.fail" "$real" ip netns exec "$ns" "$@"
}
check "door otp opens 192.0.2.9" inns "$P" open 192.0.2.9 --timeout 600 --door otp
check "door otp closes 192.0.2.9" inns "$P" close 192.0.2.9 --door otp
check_not "door ssh's open of 192.0.2.9 fails (add fails)" \
	failing "$P" open 192.0.2.9 --timeout 600 --door ssh
check "192.0.2.9 is not in the set" sh -c \
	'! ip netns exec "$1" ipset test knockwatch4 192.0.2.9 2>/dev/null' sh "$ns"
check "door otp opens 192.0.2.9 again" \
	inns "$P" open 192.0.2.9 --timeout 600 --door otp
check "door otp closes 192.0.2.9 again" inns "$P" close 192.0.2.9 --door otp
# Before the fix the failed open had left door ssh's owner record, so
# this close kept the entry ("another door still owns it") for good.
check "the entry is gone: the failed open left no owner" sh -c \
	'! ip netns exec "$1" ipset test knockwatch4 192.0.2.9 2>/dev/null' sh "$ns"

done_testing
