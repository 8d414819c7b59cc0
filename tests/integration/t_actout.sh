#!/bin/sh
# t_actout.sh — the output of an action command is logged line by line
# through the daemon's one line splitter: lines as written, control bytes
# shown as '?', a line over 511 bytes cut to its first 511, and a last line
# without a newline logged when the command ends.
. "$(dirname "$0")/lib.sh"

cat >"$T/say" <<'EOS'
#!/bin/sh
echo "first line from $1"
printf 'a\001b\177c\n'
printf '%0600d\n' 7
printf 'last without newline'
EOS
chmod 755 "$T/say"
cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    timeout: 5
    start: [$T/say, "%SRC%"]
EOC
check "daemon starts" start_kw
knock 192.0.2.1 tcp/7000 udp/8000 tcp/9000
L="door ssh start for 192.0.2.1"
check "the command's exit is logged" wait_for 10 grep -q "$L: exit 0" "$T/kw.err"
check "a line as written" grep -q "$L: first line from 192.0.2.1\$" "$T/kw.err"
check "control bytes as '?'" grep -q "$L: a?b?c\$" "$T/kw.err"
cut511=$(printf '%0511d' 0)
check "a 600-byte line cut to 511 bytes" grep -q "$L: $cut511\$" "$T/kw.err"
check "nothing of the cut line's rest" \
	test "$(grep -c "$L: 0000" "$T/kw.err")" -eq 1
check "the last line without its newline" \
	grep -q "$L: last without newline\$" "$T/kw.err"
check "SIGTERM exits 0" stop_kw
done_testing
