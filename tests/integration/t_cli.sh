#!/bin/sh
# t_cli.sh — the command line as an administrator meets it: -n on the sample
# config (actions at their installed path mapped to actions/), errors with
# file:line:column and exit 78, fingerprints instead of keys, usage errors.
. "$(dirname "$0")/lib.sh"

sed "s#/usr/local/lib/knockwatch/actions#$KW_TOP/actions#g; s#/var/lib/knockwatch#$T/state#" \
	"$KW_TOP/knockwatch.yaml.sample" >"$T/sample.yaml"
check "sample config passes -n" "$KW" -n -c "$T/sample.yaml"
"$KW" -n -c "$T/sample.yaml" >"$T/n.out" 2>&1
check "-n prints one line per door" test "$(grep -c '^door ' "$T/n.out")" -eq 2
"$KW" -n -v -c "$T/sample.yaml" >"$T/nv.out" 2>&1
check "-n -v prints a key fingerprint" grep -q "fingerprint" "$T/nv.out"
check "-n -v never prints the key" sh -c "! grep -q 000102030405060708090a0b0c0d0e0f '$T/nv.out'"

# An inline key in a config others can read is refused (like a 0644
# key_file), in -n and at start.
chmod 644 "$T/sample.yaml"
"$KW" -n -c "$T/sample.yaml" >"$T/n644.out" 2>&1
rc=$?
check "the sample at mode 0644 is refused by -n (exit $rc)" test "$rc" -eq 78
check "... saying why" grep -q "inline key of user 'alice' in a config that group or others can read (mode 0644)" "$T/n644.out"
"$KW" -c "$T/sample.yaml" >"$T/s644.out" 2>&1
rc=$?
check "... and the daemon does not start (exit $rc)" test "$rc" -eq 78
check "... saying why" grep -q "inline key of user 'alice'" "$T/s644.out"
chmod 600 "$T/sample.yaml"

printf 'state_dir: %s\nsources:\n  - file: /var/log/kern.log\ndoors:\n  ssh:\n    sequence: [7000, 70000]\n    start: [/bin/true]\n' "$T/state" >"$T/bad.yaml"
"$KW" -n -c "$T/bad.yaml" >"$T/bad.out" 2>&1
rc=$?
check "bad config exits 78" test "$rc" -eq 78
check "bad config error names file:line:column" grep -q "$T/bad.yaml:6:[0-9]*:" "$T/bad.out"

"$KW" --bogus >/dev/null 2>&1
rc=$?
check "unknown option exits 64" test "$rc" -eq 64
check "--version" sh -c "'$KW' --version | grep -q '^knockwatch [0-9]'"
check "--help" sh -c "'$KW' --help | grep -q 'usage: knockwatch'"
check "genkey prints 64 hex digits" sh -c "'$KW' genkey | grep -Eq '^[0-9a-f]{64}$'"
k1=$("$KW" genkey); k2=$("$KW" genkey)
check "genkey keys differ" test "$k1" != "$k2"
# --key-file is read as the daemon reads a key_file (one reader, key.c):
# the same mode check and the same size limit (4096 bytes).
printf '%s\n' "$k1" >"$T/k.key"
chmod 600 "$T/k.key"
want=$("$KW" sequence --key "$k1" --door d --user u --step 1)
got=$("$KW" sequence --key-file "$T/k.key" --door d --user u --step 1)
check "--key-file derives what --key does" test "$got" = "$want"
chmod 644 "$T/k.key"
"$KW" sequence --key-file "$T/k.key" --door d --user u --step 1 \
	>"$T/k644.out" 2>&1
rc=$?
check "--key-file at mode 0644 is refused (exit $rc)" test "$rc" -eq 66
check "... saying why" grep -q "k.key: group/world accessible (mode 0644); chmod 600 it" "$T/k644.out"
printf '%2000s%s\n' '' "$k1" >"$T/k2000.key"
chmod 600 "$T/k2000.key"
got=$("$KW" sequence --key-file "$T/k2000.key" --door d --user u --step 1)
check "--key-file: 2000 bytes of white space and a key are a key" \
	test "$got" = "$want"
printf '%5000s%s\n' '' "$k1" >"$T/k5000.key"
chmod 600 "$T/k5000.key"
"$KW" sequence --key-file "$T/k5000.key" --door d --user u --step 1 \
	>"$T/k5000.out" 2>&1
rc=$?
check "--key-file over 4096 bytes is refused (exit $rc)" test "$rc" -eq 66
printf 'state_dir: %s\nsources:\n  - file: /var/log/kern.log\nusers:\n  u: {key_file: %s}\ndoors:\n  d: {hmac: {}, start: [/bin/true]}\n' \
	"$T/state" "$T/k5000.key" >"$T/kbig.yaml"
"$KW" -n -c "$T/kbig.yaml" >"$T/kbig.out" 2>&1
rc=$?
check "... and so is such a key_file in a config (exit $rc)" test "$rc" -eq 78
check "... saying why" grep -q "k5000.key' of user 'u' is larger than 4096 bytes" "$T/kbig.out"
for f in "$KW_TOP"/examples/*.yaml; do
	[ -f "$f" ] || continue
	sed "s#/usr/local/lib/knockwatch/actions#$KW_TOP/actions#g; s#/var/lib/knockwatch#$T/state#" "$f" >"$T/ex.yaml"
	check "example $(basename "$f") passes -n" "$KW" -n -c "$T/ex.yaml"
done
done_testing
