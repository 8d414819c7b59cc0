#!/bin/sh
# t_mapped.sh — an IPv4-mapped IPv6 source (::ffff:a.b.c.d, which the kernel
# logs for an IPv6 packet with that source) is its IPv4 address to allow
# and deny lists: a top-level deny of an IPv4 range refuses it, a door's
# IPv4 allow list lets it through, and one outside that list stays
# refused. The action still gets the canonical IPv6 text.
. "$(dirname "$0")/lib.sh"

cat >"$T/kw.yaml" <<EOC
state_dir: $T/state
runtime_dir: $T/run
sources:
  - file: $LOG
    prefix: "KNOCK: "
deny: [198.51.100.128/25]
doors:
  ssh:
    sequence: [7000/tcp, 8000/udp, 9000]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
    allow: [198.51.100.0/24]
  web:
    sequence: [7100/tcp, 8100/udp, 9100]
    start: [$KW_TOP/actions/log, --file, $ACT, open]
EOC
check "daemon starts" start_kw

knock ::ffff:198.51.100.200 tcp/7100 udp/8100 tcp/9100
knock ::ffff:203.0.113.5 tcp/7000 udp/8000 tcp/9000
knock ::ffff:198.51.100.9 tcp/7000 udp/8000 tcp/9000
knock ::ffff:203.0.113.6 tcp/7100 udp/8100 tcp/9100
check "a mapped source in the door's IPv4 allow list opens" \
	wait_for 10 opened ::ffff:c633:6409 ssh
check "a mapped source outside any list opens a door without one" \
	wait_for 10 opened ::ffff:cb00:7106 web
barrier 198.51.100.10
check "a mapped source in the top-level IPv4 deny list is refused" \
	sh -c "! grep -q 'src=::ffff:c633:64c8 ' '$ACT'"
check "a mapped source outside the door's IPv4 allow list is refused" \
	sh -c "! grep -q 'src=::ffff:cb00:7105 ' '$ACT'"
check "SIGTERM exits 0" stop_kw
done_testing
