/* test_addr.c — the canonical address text of knockwatch/2 (doc/protocol.md):
 * IPv4 dotted decimal, IPv6 RFC 5952 in hexadecimal only, never a dotted
 * IPv4 tail; and that every form of one address prints the same. Then
 * addr_parse on odd forms (untrusted log text: bounded by its length, never
 * read past it), and CIDR parsing and matching (allow/deny lists). */
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

/* Odd forms a log line may carry: every one refused, nothing read past
 * len, nothing canonicalised into something else. */
static const char *const odd[] = {
	"", " 192.0.2.7", "192.0.2.7 ", "192.0.2", "192.0.2.7.8", "192.0.2.",
	".192.0.2.7", "192..2.7", "256.0.0.1", "192.0.2.256", "01.2.3.4",
	"1.2.3.00", "0x7f.0.0.1", "127.1", "1.2.3.-1", "+1.2.3.4", "1e1.0.0.1",
	"1234567890123456", "255.255.255.2555", "192.0.2.7/24", "192,0,2,7",
	"1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1:", ":::", "[::1]",
	"::1%lo", "fe80::1%", "12345::", "g::", "::1.2.3", "::ffff:256.1.1.1",
	"::01.2.3.4", "1.2.3.4::", "::1 ", " ::1", "2001:db8::7/64",
	"::ffff:1.2.3.4.5", "0000:0000:0000:0000:0000:ffff:255.255.255.2555",
};

static void
test_odd(void)
{
	struct kw_addr a;
	char buf[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		T_OK(addr_parse(odd[i], strlen(odd[i]), &a) == -1,
		    "'%s' accepted", odd[i]);
	/* Only len bytes count: an address followed by more text. */
	T_OK(addr_parse("192.0.2.7xyz", 9, &a) == 0 && a.family == AF_INET,
	    "prefix of 192.0.2.7xyz");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "192.0.2.7");
	T_OK(addr_parse("2001:db8::7/64", 11, &a) == 0 &&
	    a.family == AF_INET6, "prefix of 2001:db8::7/64");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "2001:db8::7");
	T_OK(addr_parse("192.0.2.7", 8, &a) == -1, "'192.0.2.' accepted");
	T_OK(addr_parse("192.0.2.17", 9, &a) == 0, "192.0.2.1 refused");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "192.0.2.1");
	/* A NUL inside the length is refused, not a shorter address. */
	T_OK(addr_parse("::1\0abc", 7, &a) == -1, "'::1\\0abc' read as ::1");
	/* A NUL inside an IPv4 text. */
	T_OK(addr_parse("1.2.3.4\0", 8, &a) == -1, "1.2.3.4 NUL accepted");
	/* The longest text there is (45 bytes) is taken; 46 bytes never,
	 * whatever they say. */
	T_OK(addr_parse("0000:0000:0000:0000:0000:ffff:255.255.255.255", 45,
	    &a) == 0, "45-byte address refused");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "::ffff:ffff:ffff");
	T_OK(addr_parse("0000:0000:0000:0000:0000:0000:0000:0000:0000::", 46,
	    &a) == -1, "46 bytes accepted");
	{
		char huge[4096];

		memset(huge, '1', sizeof(huge));
		T_OK(addr_parse(huge, sizeof(huge), &a) == -1,
		    "4096 digits accepted");
	}
	/* 15 bytes of IPv4 and no colon: the hand parser; the same bytes
	 * with a colon: inet_pton. Both agree on the edges. */
	T_OK(addr_parse("255.255.255.255", 15, &a) == 0, "broadcast");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "255.255.255.255");
	T_OK(addr_parse("1:2:3:4:5:6:7::", 15, &a) == 0, "trailing ::");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "1:2:3:4:5:6:7:0");
	T_OK(addr_parse("1:2:3:4:5:6:1.2.3.4", 19, &a) == 0, "dotted tail");
	T_STREQ(addr_ntop(&a, buf, sizeof(buf)), "1:2:3:4:5:6:102:304");
	/* The family decides equality: ::ffff:192.0.2.7 is not 192.0.2.7. */
	{
		struct kw_addr b;

		addr_parse("192.0.2.7", 9, &a);
		addr_parse("::ffff:192.0.2.7", 16, &b);
		T_OK(!addr_eq(&a, &b), "mapped address equals IPv4");
		T_INTEQ(addr_len(&a), 4);
		T_INTEQ(addr_len(&b), 16);
	}
}

/* "text" -> prefix, or -1 when addr_cidr_parse refuses it. */
static const struct {
	const char *in;
	int prefix;
} cidrs[] = {
	{ "192.0.2.0/24", 24 }, { "192.0.2.7", 32 }, { "192.0.2.7/32", 32 },
	{ "0.0.0.0/0", 0 }, { "10.0.0.0/9", 9 }, { "2001:db8::/32", 32 },
	{ "::/0", 0 }, { "2001:db8::1", 128 }, { "2001:db8::1/128", 128 },
	{ "2001:db8:0:0:8000::/65", 65 },
	{ "192.0.2.1/24", -1 },		/* host bits set */
	{ "1.0.0.0/0", -1 }, { "10.128.0.0/8", -1 }, { "2001:db8::1/64", -1 },
	{ "192.0.2.0/33", -1 }, { "2001:db8::/129", -1 }, { "192.0.2.0/", -1 },
	{ "/24", -1 }, { "192.0.2.0/+24", -1 }, { "192.0.2.0/-1", -1 },
	{ "192.0.2.0/ 24", -1 }, { "192.0.2.0/24 ", -1 },
	{ "192.0.2.0/24/8", -1 }, { "192.0.2.0/0024", -1 },
	{ "192.0.2.0/99999999999999999999", -1 }, { "192.0.2.0/0x18", -1 },
	{ "host.example/24", -1 }, { "", -1 },
};

static int
in(const char *addr, const char *net)
{
	struct kw_addr a;
	struct kw_cidr c;

	if (addr_parse(addr, strlen(addr), &a) == -1 ||
	    addr_cidr_parse(net, &c) == -1)
		return -1;
	return addr_in_cidr(&a, &c);
}

static void
test_cidr(void)
{
	struct kw_cidr c, v[2];
	struct kw_addr a;
	size_t i;

	for (i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++) {
		int rc = addr_cidr_parse(cidrs[i].in, &c);

		if (cidrs[i].prefix < 0) {
			T_OK(rc == -1, "cidr '%s' accepted", cidrs[i].in);
			continue;
		}
		T_OK(rc == 0, "cidr '%s' refused", cidrs[i].in);
		if (rc == 0)
			T_OK(c.prefix == cidrs[i].prefix, "cidr '%s': /%u",
			    cidrs[i].in, c.prefix);
	}
	/* Matching at the edges of each network. */
	T_INTEQ(in("192.0.2.0", "192.0.2.0/24"), 1);
	T_INTEQ(in("192.0.2.255", "192.0.2.0/24"), 1);
	T_INTEQ(in("192.0.3.0", "192.0.2.0/24"), 0);
	T_INTEQ(in("192.0.1.255", "192.0.2.0/24"), 0);
	T_INTEQ(in("10.127.255.255", "10.0.0.0/9"), 1);
	T_INTEQ(in("10.128.0.0", "10.0.0.0/9"), 0);
	T_INTEQ(in("192.0.2.7", "192.0.2.7"), 1);
	T_INTEQ(in("192.0.2.8", "192.0.2.7"), 0);
	T_INTEQ(in("203.0.113.9", "0.0.0.0/0"), 1);
	T_INTEQ(in("2001:db8:0:0:8000::1", "2001:db8:0:0:8000::/65"), 1);
	T_INTEQ(in("2001:db8:0:0:7fff::1", "2001:db8:0:0:8000::/65"), 0);
	T_INTEQ(in("2001:db8:ffff::1", "2001:db8::/32"), 1);
	T_INTEQ(in("2001:db9::", "2001:db8::/32"), 0);
	T_INTEQ(in("2001:db8::1", "2001:db8::1"), 1);
	T_INTEQ(in("2001:db8::2", "2001:db8::1"), 0);
	/* One family never matches the other's networks, not even /0, and
	 * a mapped IPv4 address is IPv6. */
	T_INTEQ(in("::", "0.0.0.0/0"), 0);
	T_INTEQ(in("192.0.2.7", "::/0"), 0);
	T_INTEQ(in("::ffff:192.0.2.7", "192.0.2.0/24"), 0);
	T_INTEQ(in("::ffff:192.0.2.7", "::ffff:192.0.2.0/120"), 1);
	/* addr_in_any: none of nothing, any of several. */
	addr_parse("2001:db8::5", 11, &a);
	T_INTEQ(addr_in_any(&a, v, 0), 0);
	addr_cidr_parse("192.0.2.0/24", &v[0]);
	addr_cidr_parse("2001:db8::/64", &v[1]);
	T_INTEQ(addr_in_any(&a, v, 1), 0);
	T_INTEQ(addr_in_any(&a, v, 2), 1);
}

int
main(void)
{
	test_cases();
	test_random();
	test_odd();
	test_cidr();
	return t_done();
}
