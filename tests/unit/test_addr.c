/* test_addr.c — the canonical address text of knockwatch/2 (doc/protocol.md):
 * IPv4 dotted decimal, IPv6 RFC 5952 in hexadecimal only, never a dotted
 * IPv4 tail; and that every form of one address prints the same. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "test.h"

/* text -> canonical text (NULL: refused by addr_parse). */
static const struct {
	const char *in, *out;
} cases[] = {
	{ "192.0.2.7", "192.0.2.7" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "::ffff:192.0.2.7", "::ffff:c000:207" },
	{ "::FFFF:192.0.2.7", "::ffff:c000:207" },
	{ "::ffff:c000:0207", "::ffff:c000:207" },
	{ "0000:0000:0000:0000:0000:0000:0102:0304", "::102:304" },
	{ "::1.2.3.4", "::102:304" },
	{ "2001:0db8::0007", "2001:db8::7" },
	{ "2001:DB8:0:0:0:0:0:7", "2001:db8::7" },
	{ "::", "::" },
	{ "::1", "::1" },
	{ "1::", "1::" },
	{ "::2", "::2" },
	{ "::0.0.0.2", "::2" },
	/* One zero group is not shortened (RFC 5952 4.2.2). */
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
	/* The longest run wins; the first of two equal runs. */
	{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
	{ "fe80::1:2:3:4", "fe80::1:2:3:4" },
	{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
	{ "1:0:0:0:0:0:0:0", "1::" },
	{ "0:0:0:0:0:0:0:1", "::1" },
	{ "::ffff:0.0.0.0", "::ffff:0:0" },
	{ "64:ff9b::192.0.2.33", "64:ff9b::c000:221" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "1.2.3.04", NULL },
	{ "fe80::1%eth0", NULL },
	{ "host.example", NULL },
};

static void
test_cases(void)
{
	struct kw_addr a;
	char buf[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = addr_parse(cases[i].in, strlen(cases[i].in), &a);

		if (cases[i].out == NULL) {
			T_OK(rc == -1, "%s accepted", cases[i].in);
			continue;
		}
		T_OK(rc == 0, "%s refused", cases[i].in);
		if (rc == 0)
			T_STREQ(addr_ntop(&a, buf, sizeof(buf)), cases[i].out);
	}
	/* Too small a buffer gives "", never a cut address. */
	addr_parse("2001:db8::7", 11, &a);
	T_STREQ(addr_ntop(&a, buf, 8), "");
}

/* Random addresses, many with zero groups: the text parses back to the
 * same bytes, is hexadecimal only, and equals inet_ntop's wherever
 * inet_ntop writes no dotted tail. */
static void
test_random(void)
{
	struct kw_addr a, b;
	char buf[ADDR_STRLEN], ref[ADDR_STRLEN];
	unsigned i, j, bad = 0, same = 0;

	srandom(12);
	for (i = 0; i < 200000; i++) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		for (j = 0; j < 8; j++) {
			unsigned w = random() % 3 ? 0 :
			    (unsigned)random() & (random() % 2 ? 0xffff : 0xf);
			a.a[2 * j] = (uint8_t)(w >> 8);
			a.a[2 * j + 1] = (uint8_t)w;
		}
		addr_ntop(&a, buf, sizeof(buf));
		if (strchr(buf, '.') != NULL || strpbrk(buf, "ABCDEF") ||
		    addr_parse(buf, strlen(buf), &b) != 0 || !addr_eq(&a, &b))
			bad++;
		if (inet_ntop(AF_INET6, a.a, ref, sizeof(ref)) != NULL &&
		    strchr(ref, '.') == NULL) {
			if (strcmp(ref, buf) != 0)
				bad++;
			else
				same++;
		}
	}
	T_INTEQ(bad, 0);
	T_OK(same > 100000, "only %u compared with inet_ntop", same);
}

int
main(void)
{
	test_cases();
	test_random();
	return t_done();
}
