/* test_penalty.c — the penalty rule of the knock state machine: a knock
 * is one failure of its source at most, and only when it ended attempts
 * and advanced or completed none; an attempt that never got past its
 * first knock expires without a failure. Genuine sequences whose knocks
 * are other doors' first knocks are never penalised; a sweep still is. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "test.h"
#include "knock.h"
#include "seq.h"

static int nev;

static void
on_open(void *arg, const struct knock_open *ev)
{
	(void)arg;
	(void)ev;
	nev++;
}

static struct config_door doors[3];
static struct config cfg;

/* ssh: 7000 8000 9000; b: 8000 100; c: 9000 200. Each knock of ssh after
 * the first is the first knock of another door, as with many HMAC doors
 * (where nearly every port of the range is some door's first knock). */
static void
overlap_config(void)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	doors[0].name = "ssh";
	doors[0].nseq = 3;
	doors[0].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[0].seq[1] = (struct config_knock){ 8000, IPPROTO_TCP };
	doors[0].seq[2] = (struct config_knock){ 9000, IPPROTO_TCP };
	doors[1].name = "b";
	doors[1].nseq = 2;
	doors[1].seq[0] = (struct config_knock){ 8000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 100, IPPROTO_TCP };
	doors[2].name = "c";
	doors[2].nseq = 2;
	doors[2].seq[0] = (struct config_knock){ 9000, IPPROTO_TCP };
	doors[2].seq[1] = (struct config_knock){ 200, IPPROTO_TCP };
	for (int d = 0; d < 3; d++)
		doors[d].timeout = 10;
	cfg.doors = doors;
	cfg.ndoors = 3;
	cfg.max_tracked = 1024;
	cfg.penalty_failures = 3;
	cfg.penalty_window = 600;
	cfg.penalty_ban = 1000;
}

static void
feed(struct knock_table *t, const char *src, unsigned sport, unsigned dport,
    kw_ms now)
{
	struct parse_knock k;

	memset(&k, 0, sizeof(k));
	addr_parse(src, strlen(src), &k.src);
	k.proto = IPPROTO_TCP;
	k.sport = (uint16_t)sport;
	k.dport = (uint16_t)dport;
	knock_feed(t, &k, now, 1761600000, on_open, NULL);
}

/* A genuine sequence, repeated: its second and third knocks reset the
 * attempts its earlier knocks started at b and c, and the attempt its last
 * knock starts at c expires. None of that is a failure. */
static void
test_genuine(void)
{
	struct knock_table *t;
	struct knock_stats st;

	overlap_config();
	t = knock_new(&cfg);
	nev = 0;
	for (int r = 0; r < 10; r++) {
		kw_ms at = (kw_ms)r * 20000;

		knock_expire(t, at);
		feed(t, "192.0.2.1", 1, 7000, at);
		feed(t, "192.0.2.1", 2, 8000, at + 10);
		feed(t, "192.0.2.1", 3, 9000, at + 20);
		T_INTEQ(nev, r + 1);
	}
	knock_expire(t, 400000);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 0);
	/* Back to back, the first knock resets what the previous sequence's
	 * last knock started at c: one failure per sequence, no more (three
	 * sequences: two failures, under the three that ban). */
	for (int r = 0; r < 3; r++) {
		kw_ms at = 500000 + (kw_ms)r * 100;

		feed(t, "192.0.2.2", 1, 7000, at);
		feed(t, "192.0.2.2", 2, 8000, at + 10);
		feed(t, "192.0.2.2", 3, 9000, at + 20);
	}
	T_INTEQ(nev, 13);
	knock_stats(t, &st);
	T_INTEQ(st.penalised, 0);
	T_OK(st.resets >= 10, "resets %llu: the overlap was exercised",
	    (unsigned long long)st.resets);
	T_OK(st.expired >= 10, "expired %llu",
	    (unsigned long long)st.expired);
	knock_free(t);
}

/* A sweep of the ports from 6990 to 9010 advances nothing: it fails at
 * each knock after 7000, 8000 and 9000 (three failures: penalised), and
 * its knocks after that are ignored. */
static void
test_sweep(void)
{
	struct knock_table *t;
	struct knock_stats st;

	overlap_config();
	t = knock_new(&cfg);
	nev = 0;
	for (unsigned p = 6990; p <= 9010; p++)
		feed(t, "198.51.100.7", p, p, p);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 1);
	T_OK(st.penalised > 0, "the sweep's later knocks ignored");
	/* Banned: the right sequence now opens nothing. */
	feed(t, "198.51.100.7", 1, 7000, 20000);
	feed(t, "198.51.100.7", 2, 8000, 20001);
	feed(t, "198.51.100.7", 3, 9000, 20002);
	T_INTEQ(nev, 0);
	knock_free(t);
}

/* One wrong knock that ends attempts at several doors is one failure. */
static void
test_one_per_knock(void)
{
	struct knock_table *t;
	struct knock_stats st;

	overlap_config();
	doors[1].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[2].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	t = knock_new(&cfg);
	/* 7000 starts three attempts, 7001 resets them: one failure each
	 * time, so the third time bans (failures: 3). */
	feed(t, "203.0.113.5", 1, 7000, 0);
	feed(t, "203.0.113.5", 2, 7001, 1);
	feed(t, "203.0.113.5", 3, 7000, 2);
	feed(t, "203.0.113.5", 4, 7001, 3);
	knock_stats(t, &st);
	T_INTEQ(st.resets, 6);
	T_INTEQ(st.penalties, 0);
	feed(t, "203.0.113.5", 5, 7000, 4);
	feed(t, "203.0.113.5", 6, 7001, 5);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 1);
	/* An attempt that advanced and then ran out of time is a failure. */
	feed(t, "203.0.113.6", 1, 7000, 0);
	feed(t, "203.0.113.6", 2, 8000, 10);
	knock_expire(t, 60000);
	feed(t, "203.0.113.6", 3, 7000, 60001);
	feed(t, "203.0.113.6", 4, 8000, 60010);
	knock_expire(t, 120000);
	feed(t, "203.0.113.6", 5, 7000, 120001);
	feed(t, "203.0.113.6", 6, 8000, 120010);
	knock_expire(t, 180000);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 2);
	knock_free(t);
}

int
main(void)
{
	T_INTEQ(seq_init(), 0);
	test_genuine();
	test_sweep();
	test_one_per_knock();
	return t_done();
}
