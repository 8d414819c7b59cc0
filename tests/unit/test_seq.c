/* test_seq.c — knockwatch/2 derivation: every spec vector, a naive
 * reference implementation for many random parameter sets (rejection
 * sampling included), no repeated ports, open port never a knock port, and
 * refusal of invalid parameters. */
#include "seq.h"

#include <gcrypt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static unsigned char key[32];

struct vector {
	const char *door, *user;
	uint64_t step;
	const char *bind;
	unsigned length;
	uint16_t lo, hi;
	int udp, has_open;
	uint16_t open_lo, open_hi;
	const char *expect;
};

/* shared/spec/sequence-v2.md (and doc/protocol.md), "Test vectors", in
 * seq_format's notation. */
static const struct vector vectors[] = {
	{ "ssh", "alice", 58720000, "", 4, 20000, 59999, 0, 0, 0, 0,
	  "tcp/39776 tcp/42025 tcp/31751 tcp/22516" },
	{ "ssh", "alice", 58720001, "203.0.113.7", 4, 20000, 59999, 0, 0, 0, 0,
	  "tcp/41268 tcp/30438 tcp/46076 tcp/25589" },
	{ "ssh", "alice", 58720001, "203.0.113.8", 4, 20000, 59999, 0, 0, 0, 0,
	  "tcp/41268 tcp/59159 tcp/26836 tcp/57745" },
	{ "ssh", "bob", 58720000, "", 6, 1024, 65535, 1, 0, 0, 0,
	  "tcp/58885 tcp/19330 tcp/16592 udp/38043 tcp/13935 udp/40220" },
	{ "ssh", "bob", 58720000, "198.51.100.20", 6, 1024, 65535, 1, 0, 0, 0,
	  "tcp/58885 udp/42466 tcp/57967 udp/19547 tcp/36308 udp/15836" },
	{ "web", "alice", 58720000, "2001:db8::7", 3, 40000, 40009, 0, 1,
	  50000, 50099, "tcp/40005 tcp/40002 tcp/40009 open=50003" },
	{ "ssh", "alice", 58720000, "", 8, 7000, 7007, 0, 0, 0, 0,
	  "tcp/7000 tcp/7003 tcp/7001 tcp/7007 tcp/7006 tcp/7004 tcp/7005 "
	  "tcp/7002" },
	{ "ssh@web2", "alice", 58720000, "", 4, 20000, 59999, 0, 0, 0, 0,
	  "tcp/48216 tcp/42091 tcp/58764 tcp/40220" },
};

static void
params(struct seq_params *p, const char *door, const char *user,
    uint64_t step, const char *bind, unsigned length, uint16_t lo,
    uint16_t hi)
{
	memset(p, 0, sizeof(*p));
	p->door = door;
	p->user = user;
	p->step = step;
	p->bind = bind;
	p->length = length;
	p->lo = lo;
	p->hi = hi;
}

/* The spec read literally, with a one-shot HMAC per block and no reuse of
 * anything from seq.c: a cross-check for the rejection sampling. */
struct ref {
	char msg[300];
	unsigned block, pos;
	unsigned char buf[32];
};

static void
ref_hmac(const char *msg, unsigned char out[32])
{
	gcry_mac_hd_t h;
	size_t len = 32;

	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0 ||
	    gcry_mac_setkey(h, key, sizeof(key)) != 0 ||
	    gcry_mac_write(h, msg, strlen(msg)) != 0 ||
	    gcry_mac_read(h, out, &len) != 0) {
		fprintf(stderr, "libgcrypt failed\n");
		exit(2);
	}
	gcry_mac_close(h);
}

static unsigned
ref_value(struct ref *r)
{
	char m[320];

	if (r->pos == 16) {
		snprintf(m, sizeof(m), "%s|%u", r->msg, r->block++);
		ref_hmac(m, r->buf);
		r->pos = 0;
	}
	r->pos++;
	return (unsigned)r->buf[2 * r->pos - 2] << 8 | r->buf[2 * r->pos - 1];
}

static unsigned
ref_draw(struct ref *r, unsigned lo, unsigned hi, const unsigned *ex,
    unsigned nex, unsigned *rejected)
{
	unsigned range = hi - lo + 1, limit = 65536 - 65536 % range, v, p, i;

	for (;;) {
		v = ref_value(r);
		if (v >= limit) {
			(*rejected)++;
			continue;
		}
		p = lo + v % range;
		for (i = 0; i < nex; i++)
			if (ex[i] == p)
				break;
		if (i == nex)
			return p;
	}
}

/* Derives p both ways and compares every knock and the open port. */
static int
ref_check(const struct seq_params *p, unsigned *rejected)
{
	struct config_knock k[KW_MAX_SEQ];
	unsigned ports[KW_MAX_SEQ], j, op = 0;
	unsigned char pu[32], pb[32];
	char m[320];
	uint16_t open_port = 0;
	struct ref ru, rb;

	memset(&ru, 0, sizeof(ru));
	ru.pos = 16;
	snprintf(ru.msg, sizeof(ru.msg), "knockwatch/2|%s|%s|%" PRIu64 "|",
	    p->door, p->user, p->step);
	rb = ru;
	snprintf(rb.msg, sizeof(rb.msg), "%s%s", ru.msg, p->bind);
	ports[0] = ref_draw(&ru, p->lo, p->hi, ports, 0, rejected);
	for (j = 1; j < p->length; j++)
		ports[j] = ref_draw(&rb, p->lo, p->hi, ports, j, rejected);
	if (p->has_open)
		op = ref_draw(&rb, p->open_lo, p->open_hi, ports, p->length,
		    rejected);
	snprintf(m, sizeof(m), "%s|proto", ru.msg);
	ref_hmac(m, pu);
	snprintf(m, sizeof(m), "%s|proto", rb.msg);
	ref_hmac(m, pb);

	if (seq_derive(key, sizeof(key), p, k, &open_port) != 0)
		return 0;
	for (j = 0; j < p->length; j++) {
		/* Knock j + 1: knock 1 takes pu[0], knock j + 1 > 1 takes
		 * pb[j] (the spec's pb[j-1] for knock j). */
		unsigned char bit = j == 0 ? pu[0] : pb[j];

		if (k[j].port != ports[j])
			return 0;
		if (k[j].proto != (p->udp && (bit & 1) ? IPPROTO_UDP :
		    IPPROTO_TCP))
			return 0;
	}
	return !p->has_open || open_port == op;
}

/* seq_first gives knock 1 of seq_derive whatever the bind; seq_rest from
 * that knock gives the rest. */
static void
test_first_rest(void)
{
	struct config_knock k[KW_MAX_SEQ], r[KW_MAX_SEQ], k1;
	static const char *const binds[] = { "", "192.0.2.7", "2001:db8::7",
	    "::ffff:c000:207" };
	struct seq_params p;
	unsigned bad = 0, i, j;
	uint16_t op, rop;

	for (i = 0; i < 200; i++) {
		params(&p, "ssh", "carol", 58720000 + i, binds[i % 4],
		    2 + i % 15, 20000, 20000 + 40 * (i % 5 + 1));
		p.udp = i % 2;
		p.has_open = i % 3 == 0;
		p.open_lo = 30000;
		p.open_hi = 30099;
		op = rop = 0;
		if (seq_derive(key, sizeof(key), &p, k, &op) != 0 ||
		    seq_first(key, sizeof(key), &p, &k1) != 0) {
			bad++;
			continue;
		}
		if (k1.port != k[0].port || k1.proto != k[0].proto)
			bad++;
		memset(r, 0, sizeof(r));
		r[0] = k1;
		if (seq_rest(key, sizeof(key), &p, r, &rop) != 0) {
			bad++;
			continue;
		}
		for (j = 0; j < p.length; j++)
			if (r[j].port != k[j].port || r[j].proto != k[j].proto)
				bad++;
		if (p.has_open && rop != op)
			bad++;
		/* Knock 1 never depends on the source address. */
		p.bind = "198.51.100.1";
		if (seq_first(key, sizeof(key), &p, &k1) != 0 ||
		    k1.port != k[0].port || k1.proto != k[0].proto)
			bad++;
	}
	T_INTEQ(bad, 0);
	/* seq_rest refuses a knock 1 outside the range. */
	params(&p, "ssh", "carol", 1, "", 4, 20000, 59999);
	r[0].port = 19999;
	r[0].proto = IPPROTO_TCP;
	T_INTEQ(seq_rest(key, sizeof(key), &p, r, NULL), -1);
}

static void
test_vectors(void)
{
	struct config_knock k[KW_MAX_SEQ];
	struct seq_params p;
	char buf[256];
	uint16_t op;
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		params(&p, v->door, v->user, v->step, v->bind, v->length,
		    v->lo, v->hi);
		p.udp = v->udp;
		p.has_open = v->has_open;
		p.open_lo = v->open_lo;
		p.open_hi = v->open_hi;
		op = 0;
		buf[0] = '\0';
		T_OK(seq_derive(key, sizeof(key), &p, k, &op) == 0,
		    "vector %zu: derive failed", i);
		T_OK(seq_format(k, p.length, p.has_open, op, buf,
		    sizeof(buf)) == 0, "vector %zu: format failed", i);
		T_STREQ(buf, v->expect);
		/* The same call again: the reused handle keeps no state. */
		T_OK(seq_derive(key, sizeof(key), &p, k, &op) == 0 &&
		    seq_format(k, p.length, p.has_open, op, buf,
		    sizeof(buf)) == 0 && strcmp(buf, v->expect) == 0,
		    "vector %zu: second derivation differs", i);
	}
}

/* Many parameter sets against the naive reference; ranges chosen so that
 * the modulo-bias rejection happens often (R = 40001: limit 40001, ~39% of
 * the values are discarded). */
static void
test_reference(void)
{
	static const struct { uint16_t lo, hi; } ranges[] = {
		{ 20000, 59999 }, { 1, 65535 }, { 1024, 65535 }, { 7000, 7002 },
		{ 30000, 30015 }, { 1, 40001 }, { 65535 - 21844, 65535 },
	};
	struct seq_params p;
	unsigned i, bad = 0, rejected = 0, n = 0;
	uint64_t step;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		for (step = 0; step < 60; step++) {
			unsigned size = ranges[i].hi - ranges[i].lo + 1u;

			params(&p, "door-1", "u.s_er", 58720000 + step * 7919,
			    step % 3 ? "" : "192.0.2.1", 2 + step % 15,
			    ranges[i].lo, ranges[i].hi);
			if (p.length > size)
				p.length = size;
			p.udp = step % 2;
			p.has_open = step % 4 == 0;
			p.open_lo = ranges[i].lo;
			p.open_hi = ranges[i].hi;
			if (p.has_open && size <= p.length)
				p.open_hi = (uint16_t)(p.open_lo + p.length);
			n++;
			if (!ref_check(&p, &rejected))
				bad++;
		}
	}
	T_OK(bad == 0, "%u of %u parameter sets differ from the reference",
	    bad, n);
	T_OK(rejected > 100, "only %u values rejected: bias rejection not "
	    "exercised", rejected);
}

static int
distinct(const struct config_knock *k, unsigned n, uint16_t lo, uint16_t hi)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		if (k[i].port < lo || k[i].port > hi)
			return 0;
		for (j = 0; j < i; j++)
			if (k[i].port == k[j].port)
				return 0;
	}
	return 1;
}

static void
test_no_repeats(void)
{
	struct config_knock k[KW_MAX_SEQ];
	struct seq_params p;
	unsigned bad = 0, fail = 0, perm = 0;
	uint64_t step;

	/* A range of exactly length ports: every sequence is a permutation. */
	for (step = 0; step < 300; step++) {
		params(&p, "ssh", "alice", step, "", 16, 40000, 40015);
		if (seq_derive(key, sizeof(key), &p, k, NULL) != 0)
			fail++;
		else if (!distinct(k, 16, 40000, 40015))
			bad++;
		params(&p, "ssh", "alice", step, "", 2, 9, 10);
		if (seq_derive(key, sizeof(key), &p, k, NULL) != 0)
			fail++;
		else if (!distinct(k, 2, 9, 10))
			bad++;
		else if (k[0].port == 10)
			perm++;
	}
	T_INTEQ(fail, 0);
	T_INTEQ(bad, 0);
	/* Both orders of 9,10 occur (300 tries: failing by chance ~2^-300). */
	T_OK(perm > 0 && perm < 300, "order 10,9 in %u of 300", perm);

	/* Small range, fewer knocks than ports. */
	bad = fail = 0;
	for (step = 0; step < 300; step++) {
		params(&p, "ssh", "bob", step, "10.0.0.1", 5, 100, 105);
		if (seq_derive(key, sizeof(key), &p, k, NULL) != 0)
			fail++;
		else if (!distinct(k, 5, 100, 105))
			bad++;
	}
	T_INTEQ(fail, 0);
	T_INTEQ(bad, 0);
}

static void
test_open_port(void)
{
	struct config_knock k[KW_MAX_SEQ];
	struct seq_params p;
	unsigned bad = 0, fail = 0, i;
	uint16_t op;
	uint64_t step;

	for (step = 0; step < 300; step++) {
		/* Open range equal to the knock range. */
		params(&p, "web", "alice", step, "", 8, 7000, 7009);
		p.has_open = 1;
		p.open_lo = 7000;
		p.open_hi = 7009;
		op = 0;
		if (seq_derive(key, sizeof(key), &p, k, &op) != 0) {
			fail++;
			continue;
		}
		for (i = 0; i < 8; i++)
			if (k[i].port == op)
				bad++;
		if (op < 7000 || op > 7009)
			bad++;
		/* Knocks use all of 7000-7007; only 7008 can be opened. */
		params(&p, "web", "alice", step, "", 8, 7000, 7007);
		p.has_open = 1;
		p.open_lo = 7000;
		p.open_hi = 7008;
		if (seq_derive(key, sizeof(key), &p, k, &op) != 0)
			fail++;
		else if (op != 7008)
			bad++;
	}
	T_INTEQ(fail, 0);
	T_INTEQ(bad, 0);
}

static void
test_invalid(void)
{
	struct config_knock k[KW_MAX_SEQ + 1];
	struct seq_params p, ok;
	char longname[KW_NAME_MAX + 2];
	uint16_t op;

	params(&ok, "ssh", "alice", 1, "", 4, 20000, 59999);
	T_INTEQ(seq_valid(sizeof(key), &ok), 1);
	T_INTEQ(seq_derive(key, sizeof(key), &ok, k, NULL), 0);
	T_INTEQ(seq_derive(key, KW_MIN_KEY, &ok, k, NULL), 0);

	T_INTEQ(seq_derive(key, KW_MIN_KEY - 1, &ok, k, NULL), -1);
	T_INTEQ(seq_derive(key, KW_MAX_KEY + 1, &ok, k, NULL), -1);

#define BAD(field, value) do {						\
	p = ok;								\
	p.field = value;						\
	T_OK(seq_derive(key, sizeof(key), &p, k, &op) == -1 &&		\
	    !seq_valid(sizeof(key), &p), "accepted %s = %s", #field,	\
	    #value);							\
} while (0)
	BAD(length, 0);
	BAD(length, 1);
	BAD(length, KW_MAX_SEQ + 1);
	BAD(lo, 0);
	BAD(lo, 60000);		/* lo > hi */
	BAD(hi, 20002);		/* 3 ports for 4 knocks */
	BAD(door, "");
	BAD(door, NULL);
	BAD(door, "a|b");
	BAD(door, "with space");
	BAD(user, "bob\n");
	BAD(user, "b/ob");
	BAD(bind, NULL);
	BAD(bind, "1.2.3.4|x");
	BAD(bind, "2001:DB8::1");	/* not canonical: inet_ntop is lower */
	BAD(bind, "1111:2222:3333:4444:5555:6666:123.123.123.123x");
	BAD(door, "ssh@");
	BAD(door, "@web2");
	BAD(door, "ssh@web 2");
	BAD(door, "ssh@web2@x");
	BAD(user, "alice@web2");
#undef BAD
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p = ok;
	p.door = longname;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, NULL), -1);
	longname[KW_NAME_MAX] = '\0';
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, NULL), 0);

	/* Open ranges. */
	p = ok;
	p.has_open = 1;
	p.open_lo = 0;
	p.open_hi = 10;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), -1);
	p.open_lo = 11;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), -1);
	p.open_lo = 10;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, NULL), -1);
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), 0);
	T_INTEQ(op, 10);
	/* Four knocks could cover all of 30000-30003: refused. */
	p.open_lo = 30000;
	p.open_hi = 30003;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), -1);
	p.open_hi = 30004;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), 0);
	/* Partly outside the knock range: always satisfiable. */
	p.open_lo = 59998;
	p.open_hi = 60000;
	T_INTEQ(seq_derive(key, sizeof(key), &p, k, &op), 0);
	T_OK(op >= 59998 && op <= 60000, "open port %u", op);
}

/* The spec's invalid parameters are refused with a reason. */
static void
test_check_reasons(void)
{
	struct seq_params p;
	char why[160];

	params(&p, "ssh", "alice", 1, "", 4, 20000, 59999);
	p.has_open = 1;
	p.open_lo = 30000;
	p.open_hi = 30003;
	why[0] = '\0';
	T_INTEQ(seq_check(sizeof(key), &p, why, sizeof(why)), 0);
	T_OK(strstr(why, "open range") != NULL, "reason: %s", why);
	p.has_open = 0;
	p.length = 17;
	T_INTEQ(seq_check(sizeof(key), &p, why, sizeof(why)), 0);
	T_OK(strstr(why, "2 to 16") != NULL, "reason: %s", why);
	p.length = 1;
	T_INTEQ(seq_check(sizeof(key), &p, why, sizeof(why)), 0);
	T_OK(strstr(why, "2 to 16") != NULL, "reason: %s", why);
	p.length = 4;
	p.hi = 20002;
	T_INTEQ(seq_check(sizeof(key), &p, why, sizeof(why)), 0);
	T_OK(strstr(why, "exceeds") != NULL, "reason: %s", why);
	p.hi = 20003;
	T_INTEQ(seq_check(sizeof(key), &p, why, sizeof(why)), 1);
	p.door = "ssh@web2.example.org";
	T_INTEQ(seq_check(sizeof(key), &p, NULL, 0), 1);
}

static void
test_format(void)
{
	struct config_knock k[2] = {
		{ 7000, IPPROTO_TCP }, { 65535, IPPROTO_UDP },
	};
	char buf[64];

	T_INTEQ(seq_format(k, 2, 0, 0, buf, sizeof(buf)), 0);
	T_STREQ(buf, "tcp/7000 udp/65535");
	T_INTEQ(seq_format(k, 2, 1, 1, buf, sizeof(buf)), 0);
	T_STREQ(buf, "tcp/7000 udp/65535 open=1");
	/* Exactly fits: 25 characters and the NUL. */
	T_INTEQ(seq_format(k, 2, 1, 1, buf, 26), 0);
	T_INTEQ(seq_format(k, 2, 1, 1, buf, 25), -1);
	T_INTEQ(seq_format(k, 2, 0, 0, buf, 8), -1);
	T_INTEQ(seq_format(k, 2, 0, 0, buf, 0), -1);
}

static void
test_params_from(void)
{
	struct config_door doors[2];
	struct config_user users[2];
	struct config c;
	struct seq_params p;
	struct config_knock k[KW_MAX_SEQ];
	char buf[256];
	uint16_t op = 0;

	memset(&c, 0, sizeof(c));
	memset(doors, 0, sizeof(doors));
	memset(users, 0, sizeof(users));
	doors[0].name = "ssh";
	doors[1].name = "web";
	doors[1].is_hmac = 1;
	doors[1].hmac.length = 3;
	doors[1].hmac.lo = 40000;
	doors[1].hmac.hi = 40009;
	doors[1].hmac.period = 30;
	doors[1].hmac.bind_source = 1;
	doors[1].hmac.has_open = 1;
	doors[1].hmac.open_lo = 50000;
	doors[1].hmac.open_hi = 50099;
	users[0].name = "bob";
	users[1].name = "alice";
	memcpy(users[1].key, key, sizeof(key));
	users[1].keylen = sizeof(key);
	c.doors = doors;
	c.ndoors = 2;
	c.users = users;
	c.nusers = 2;

	seq_params_from(&p, &c, 1, 1, 58720000, "2001:db8::7");
	T_STREQ(p.door, "web");
	T_STREQ(p.user, "alice");
	T_STREQ(p.bind, "2001:db8::7");
	T_INTEQ(p.udp, 0);
	T_OK(seq_derive(users[1].key, users[1].keylen, &p, k, &op) == 0 &&
	    seq_format(k, p.length, p.has_open, op, buf, sizeof(buf)) == 0,
	    "derive from config failed");
	T_STREQ(buf, vectors[5].expect);
	seq_params_from(&p, &c, 1, 1, 58720000, NULL);
	T_STREQ(p.bind, "");
	/* A door without bind_source ignores the source address. */
	doors[1].hmac.bind_source = 0;
	seq_params_from(&p, &c, 1, 1, 58720000, "2001:db8::7");
	T_STREQ(p.bind, "");
}

int
main(void)
{
	unsigned i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	{
		struct seq_params p;
		struct config_knock k[4];

		params(&p, "ssh", "alice", 1, "", 4, 20000, 59999);
		T_INTEQ(seq_derive(key, sizeof(key), &p, k, NULL), -1);
	}
	T_INTEQ(seq_init(), 0);
	T_INTEQ(seq_init(), 0);		/* idempotent */
	test_vectors();
	test_reference();
	test_no_repeats();
	test_open_port();
	test_first_rest();
	test_invalid();
	test_check_reasons();
	test_format();
	test_params_from();
	seq_free();
	T_INTEQ(seq_init(), 0);
	test_vectors();
	seq_free();
	return t_done();
}
