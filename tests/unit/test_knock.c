/* test_knock.c — the knock state machine, fed knocks and times directly:
 * no files, no clock, no sleeping. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "fixture.h"
#include "knock.h"
#include "seq.h"

#define MAX_EV 64
static struct knock_open evs[MAX_EV];
static int nev;

static void
on_open(void *arg, const struct knock_open *ev)
{
	(void)arg;
	if (nev < MAX_EV)
		evs[nev] = *ev;
	nev++;
}

static struct parse_knock
mk(const char *src, int proto, unsigned sport, unsigned dport)
{
	struct parse_knock k;

	memset(&k, 0, sizeof(k));
	addr_parse(src, strlen(src), &k.src);
	k.proto = (uint8_t)proto;
	k.sport = (uint16_t)sport;
	k.dport = (uint16_t)dport;
	k.has_flags = proto == IPPROTO_TCP;
	k.tcp_flags = PARSE_TCP_SYN;
	return k;
}

static struct config_door doors[4];
static struct config cfg;

static void
static_config(unsigned max_tracked)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	doors[0].name = "ssh";
	doors[0].nseq = 3;
	doors[0].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[0].seq[1] = (struct config_knock){ 8000, IPPROTO_UDP };
	doors[0].seq[2] = (struct config_knock){ 9000, IPPROTO_TCP };
	doors[0].timeout = 10;
	doors[1].name = "web";
	doors[1].nseq = 2;
	doors[1].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 7500, IPPROTO_TCP };
	doors[1].timeout = 5;
	doors[1].has_flags = 1;
	doors[1].flags_set = PARSE_TCP_SYN;
	doors[1].flags_clear = PARSE_TCP_ACK;
	cfg.doors = doors;
	cfg.ndoors = 2;
	cfg.max_tracked = max_tracked;
}

static void
feed(struct knock_table *t, const char *src, int proto, unsigned sport,
    unsigned dport, kw_ms now)
{
	struct parse_knock k = mk(src, proto, sport, dport);

	knock_feed(t, &k, now, 1761600000, on_open, NULL);
}

static void
test_static(void)
{
	struct knock_table *t;
	struct knock_stats st;
	char buf[ADDR_STRLEN];

	static_config(1024);
	t = knock_new(&cfg);
	T_OK(t != NULL, "knock_new");

	/* The right sequence opens, once, for the right source. */
	nev = 0;
	feed(t, "192.0.2.1", IPPROTO_TCP, 40001, 7000, 0);
	feed(t, "192.0.2.1", IPPROTO_UDP, 40002, 8000, 1000);
	feed(t, "192.0.2.1", IPPROTO_TCP, 40003, 9000, 2000);
	T_INTEQ(nev, 1);
	T_INTEQ(evs[0].door, 0);
	T_STREQ(addr_ntop(&evs[0].src, buf, sizeof(buf)), "192.0.2.1");
	T_INTEQ(evs[0].user, -1);

	/* Wrong protocol or wrong order does not. */
	nev = 0;
	feed(t, "192.0.2.2", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.2", IPPROTO_TCP, 2, 8000, 10);
	feed(t, "192.0.2.2", IPPROTO_TCP, 3, 9000, 20);
	feed(t, "192.0.2.3", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.3", IPPROTO_TCP, 3, 9000, 10);
	feed(t, "192.0.2.3", IPPROTO_UDP, 2, 8000, 20);
	T_INTEQ(nev, 0);

	/* A sweep of every port (both protocols) from 6990 to 9010 never
	 * walks the sequence: each wrong knock resets. */
	nev = 0;
	for (unsigned p = 6990; p <= 9010; p++) {
		feed(t, "198.51.100.9", IPPROTO_TCP, 30000 + p, p, p);
		feed(t, "198.51.100.9", IPPROTO_UDP, 30000 + p, p, p);
	}
	T_INTEQ(nev, 0);
	knock_stats(t, &st);
	T_OK(st.resets > 0, "sweep counted resets");

	/* A retransmitted SYN (same source port) does not break a sequence,
	 * and neither does a new connection to the port just knocked (a
	 * repeat, see test_knock_repeat.c). */
	nev = 0;
	feed(t, "192.0.2.4", IPPROTO_TCP, 5000, 7000, 0);
	feed(t, "192.0.2.4", IPPROTO_TCP, 5000, 7000, 1000);
	feed(t, "192.0.2.4", IPPROTO_UDP, 5001, 8000, 1500);
	feed(t, "192.0.2.4", IPPROTO_UDP, 5001, 8000, 2500);
	feed(t, "192.0.2.4", IPPROTO_TCP, 5002, 9000, 3000);
	T_INTEQ(nev, 1);
	nev = 0;
	feed(t, "192.0.2.5", IPPROTO_TCP, 5000, 7000, 0);
	feed(t, "192.0.2.5", IPPROTO_UDP, 5001, 8000, 100);
	feed(t, "192.0.2.5", IPPROTO_UDP, 5009, 8000, 200);
	feed(t, "192.0.2.5", IPPROTO_TCP, 5002, 9000, 300);
	T_INTEQ(nev, 1);

	/* The timeout counts from the first knock, and expiry comes from the
	 * deadline alone, without another packet. */
	nev = 0;
	feed(t, "192.0.2.6", IPPROTO_TCP, 1, 7000, 100000);
	T_INTEQ(knock_deadline(t) <= 110000, 1);
	feed(t, "192.0.2.6", IPPROTO_UDP, 2, 8000, 105000);
	knock_expire(t, 110000);
	feed(t, "192.0.2.6", IPPROTO_TCP, 3, 9000, 110001);
	T_INTEQ(nev, 0);
	knock_stats(t, &st);
	T_OK(st.expired >= 1, "expired counted");

	/* Two sources interleaved, and one source at stages of two doors. */
	nev = 0;
	feed(t, "192.0.2.7", IPPROTO_TCP, 1, 7000, 200000);
	feed(t, "2001:db8::7", IPPROTO_TCP, 1, 7000, 200001);
	feed(t, "192.0.2.7", IPPROTO_UDP, 2, 8000, 200002);
	feed(t, "2001:db8::7", IPPROTO_UDP, 2, 8000, 200003);
	feed(t, "2001:db8::7", IPPROTO_TCP, 3, 9000, 200004);
	feed(t, "192.0.2.7", IPPROTO_TCP, 3, 9000, 200005);
	T_INTEQ(nev, 2);
	T_STREQ(addr_ntop(&evs[0].src, buf, sizeof(buf)), "2001:db8::7");
	T_STREQ(addr_ntop(&evs[1].src, buf, sizeof(buf)), "192.0.2.7");
	nev = 0;
	feed(t, "192.0.2.8", IPPROTO_TCP, 1, 7000, 300000);	/* both doors */
	feed(t, "192.0.2.8", IPPROTO_TCP, 2, 7500, 300001);	/* web opens */
	T_INTEQ(nev, 1);
	T_INTEQ(evs[0].door, 1);

	/* tcp_flags: a knock without SYN, or with ACK, is not a knock for
	 * the web door. */
	nev = 0;
	struct parse_knock k = mk("192.0.2.9", IPPROTO_TCP, 1, 7000);
	knock_feed(t, &k, 400000, 0, on_open, NULL);
	k = mk("192.0.2.9", IPPROTO_TCP, 2, 7500);
	k.tcp_flags = PARSE_TCP_SYN | PARSE_TCP_ACK;
	knock_feed(t, &k, 400001, 0, on_open, NULL);
	T_INTEQ(nev, 0);
	knock_free(t);
}

/* What the README and knockwatch(8) say about resets: any logged knock
 * from a source that does not continue its attempt at a static door resets
 * that attempt, whichever door's port (or no door's) it is for; so one
 * source cannot knock two doors' sequences interleaved. */
static void
test_cross_door_reset(void)
{
	struct knock_table *t;

	static_config(64);
	doors[1].seq[0] = (struct config_knock){ 6000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 6500, IPPROTO_TCP };
	t = knock_new(&cfg);
	nev = 0;
	/* ssh's first knock, then web's first knock: ssh's attempt is reset,
	 * so the rest of ssh's sequence opens nothing. */
	feed(t, "192.0.2.40", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.40", IPPROTO_TCP, 2, 6000, 10);
	feed(t, "192.0.2.40", IPPROTO_UDP, 3, 8000, 20);
	feed(t, "192.0.2.40", IPPROTO_TCP, 4, 9000, 30);
	T_INTEQ(nev, 0);
	/* web's attempt, begun by the second knock, was reset by the third. */
	feed(t, "192.0.2.40", IPPROTO_TCP, 5, 6500, 40);
	T_INTEQ(nev, 0);
	/* A knock of a port no door uses resets too. */
	feed(t, "192.0.2.41", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.41", IPPROTO_TCP, 2, 12345, 10);
	feed(t, "192.0.2.41", IPPROTO_UDP, 3, 8000, 20);
	feed(t, "192.0.2.41", IPPROTO_TCP, 4, 9000, 30);
	T_INTEQ(nev, 0);
	/* Another source's knocks reset nothing of this one's. */
	feed(t, "192.0.2.42", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.43", IPPROTO_TCP, 1, 6000, 5);
	feed(t, "192.0.2.42", IPPROTO_UDP, 2, 8000, 10);
	feed(t, "192.0.2.42", IPPROTO_TCP, 3, 9000, 20);
	T_INTEQ(nev, 1);
	/* The doors one after the other both open. */
	feed(t, "192.0.2.44", IPPROTO_TCP, 1, 6000, 0);
	feed(t, "192.0.2.44", IPPROTO_TCP, 2, 6500, 10);
	feed(t, "192.0.2.44", IPPROTO_TCP, 3, 7000, 20);
	feed(t, "192.0.2.44", IPPROTO_UDP, 4, 8000, 30);
	feed(t, "192.0.2.44", IPPROTO_TCP, 5, 9000, 40);
	T_INTEQ(nev, 3);
	knock_free(t);
}

/* A reload carries an attempt at a static door that keeps its name and
 * sequence, also when its timeout changed; the deadline then counts the
 * new timeout from the first knock. */
static void
test_carry(void)
{
	struct knock_table *t, *t2;
	struct config_door odoors[4];
	struct config ocfg;

	/* The old tables run on a copy of the config (timeout 10 s); cfg
	 * is then changed into the reloaded one. */
	static_config(64);
	doors[1].seq[0] = (struct config_knock){ 6000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 6500, IPPROTO_TCP };
	memcpy(odoors, doors, sizeof(odoors));
	ocfg = cfg;
	ocfg.doors = odoors;

	/* Same timeout: carried. */
	nev = 0;
	t = knock_new(&ocfg);
	feed(t, "192.0.2.52", IPPROTO_TCP, 1, 7000, 1000);
	t2 = knock_new(&cfg);
	knock_carry(t2, t);
	feed(t2, "192.0.2.52", IPPROTO_UDP, 2, 8000, 3000);
	feed(t2, "192.0.2.52", IPPROTO_TCP, 3, 9000, 4000);
	T_INTEQ(nev, 1);
	knock_free(t2);
	knock_free(t);

	/* Timeout 10 s -> 30 s: carried, and the deadline is now 31 s. */
	nev = 0;
	t = knock_new(&ocfg);
	feed(t, "192.0.2.50", IPPROTO_TCP, 1, 7000, 1000);
	feed(t, "192.0.2.50", IPPROTO_UDP, 2, 8000, 2000);
	feed(t, "192.0.2.51", IPPROTO_TCP, 1, 7000, 1000);
	doors[0].timeout = 30;
	t2 = knock_new(&cfg);
	knock_carry(t2, t);
	T_INTEQ(knock_deadline(t2), 31000);
	knock_expire(t2, 20000);
	feed(t2, "192.0.2.50", IPPROTO_TCP, 3, 9000, 20000);
	T_INTEQ(nev, 1);
	feed(t2, "192.0.2.51", IPPROTO_UDP, 2, 8000, 30000);
	feed(t2, "192.0.2.51", IPPROTO_TCP, 3, 9000, 30500);
	T_INTEQ(nev, 2);
	knock_free(t2);
	knock_free(t);

	/* Timeout 10 s -> 2 s: carried with deadline 3 s, so a knock at 5 s
	 * is too late. */
	nev = 0;
	t = knock_new(&ocfg);
	feed(t, "192.0.2.53", IPPROTO_TCP, 1, 7000, 1000);
	feed(t, "192.0.2.53", IPPROTO_UDP, 2, 8000, 2000);
	doors[0].timeout = 2;
	t2 = knock_new(&cfg);
	knock_carry(t2, t);
	T_INTEQ(knock_deadline(t2), 3000);
	feed(t2, "192.0.2.53", IPPROTO_TCP, 3, 9000, 5000);
	T_INTEQ(nev, 0);
	knock_free(t2);
	knock_free(t);

	/* A changed sequence starts over. */
	nev = 0;
	t = knock_new(&ocfg);
	feed(t, "192.0.2.54", IPPROTO_TCP, 1, 7000, 1000);
	doors[0].timeout = 10;
	doors[0].seq[2] = (struct config_knock){ 9001, IPPROTO_TCP };
	t2 = knock_new(&cfg);
	knock_carry(t2, t);
	T_INTEQ(knock_deadline(t2), KW_MS_NEVER);
	knock_free(t2);
	knock_free(t);
}

static void
test_cap(void)
{
	struct knock_table *t;
	struct knock_stats st;
	char src[64];

	static_config(16);
	cfg.ndoors = 1;
	t = knock_new(&cfg);
	nev = 0;
	feed(t, "203.0.113.250", IPPROTO_TCP, 1, 7000, 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(src, sizeof(src), "10.%d.%d.1", i / 250, i % 250);
		feed(t, src, IPPROTO_TCP, 1, 7000, i + 1);
	}
	knock_stats(t, &st);
	T_INTEQ(st.tracked, 16);
	T_INTEQ(st.evictions, 5001 - 16);
	/* A genuine client knocking in the middle of the flood still opens. */
	feed(t, "203.0.113.1", IPPROTO_TCP, 1, 7000, 6000);
	feed(t, "10.0.0.1", IPPROTO_TCP, 1, 7000, 6001);
	feed(t, "203.0.113.1", IPPROTO_UDP, 2, 8000, 6002);
	feed(t, "10.0.1.1", IPPROTO_TCP, 1, 7000, 6003);
	feed(t, "203.0.113.1", IPPROTO_TCP, 3, 9000, 6004);
	T_INTEQ(nev, 1);
	knock_free(t);
}

static void
test_acl_penalty(void)
{
	struct knock_table *t;
	struct knock_stats st;
	struct kw_cidr deny[2], allow[1], c;
	struct kw_addr a;

	/* CIDR parsing and matching. */
	T_INTEQ(addr_cidr_parse("192.0.2.0/24", &c), 0);
	addr_parse("192.0.2.77", 10, &a);
	T_INTEQ(addr_in_cidr(&a, &c), 1);
	addr_parse("192.0.3.1", 9, &a);
	T_INTEQ(addr_in_cidr(&a, &c), 0);
	T_INTEQ(addr_cidr_parse("192.0.2.1/24", &c), -1);	/* host bits */
	T_INTEQ(addr_cidr_parse("192.0.2.0/33", &c), -1);
	T_INTEQ(addr_cidr_parse("1.2.3.4;id", &c), -1);
	T_INTEQ(addr_cidr_parse("2001:db8::/33", &c), 0);
	addr_parse("2001:db8:7fff::1", 16, &a);
	T_INTEQ(addr_in_cidr(&a, &c), 1);
	addr_parse("2001:db8:8000::1", 16, &a);
	T_INTEQ(addr_in_cidr(&a, &c), 0);
	T_INTEQ(addr_cidr_parse("0.0.0.0/0", &c), 0);
	addr_parse("2001:db8::1", 11, &a);
	T_INTEQ(addr_in_cidr(&a, &c), 0);	/* other family */

	/* Global deny: no state at all; per-door allow: only that door. */
	static_config(64);
	addr_cidr_parse("198.51.100.0/24", &deny[0]);
	addr_cidr_parse("2001:db8:bad::/48", &deny[1]);
	cfg.acl.deny = deny;
	cfg.acl.ndeny = 2;
	addr_cidr_parse("192.0.2.0/25", &allow[0]);
	doors[1].acl.allow = allow;
	doors[1].acl.nallow = 1;
	t = knock_new(&cfg);
	nev = 0;
	feed(t, "198.51.100.1", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "2001:db8:bad::1", IPPROTO_TCP, 1, 7000, 0);
	knock_stats(t, &st);
	T_INTEQ(st.tracked, 0);
	T_INTEQ(st.denied, 2);
	feed(t, "192.0.2.200", IPPROTO_TCP, 1, 7000, 0);	/* ssh only */
	feed(t, "192.0.2.200", IPPROTO_TCP, 2, 7500, 1);
	T_INTEQ(nev, 0);
	feed(t, "192.0.2.20", IPPROTO_TCP, 1, 7000, 0);
	feed(t, "192.0.2.20", IPPROTO_TCP, 2, 7500, 1);
	T_INTEQ(nev, 1);
	knock_free(t);

	/* Penalty: 3 failures within 60 s, ignored for 100 s, then free. */
	static_config(64);
	cfg.penalty_failures = 3;
	cfg.penalty_window = 60;
	cfg.penalty_ban = 100;
	t = knock_new(&cfg);
	nev = 0;
	for (int i = 0; i < 4; i++) {
		feed(t, "192.0.2.30", IPPROTO_TCP, 10 + i, 7000, i * 10);
		feed(t, "192.0.2.30", IPPROTO_TCP, 20 + i, 7001, i * 10 + 1);
	}
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 1);
	T_OK(st.penalised > 0, "penalised knocks counted");
	feed(t, "192.0.2.30", IPPROTO_TCP, 1, 7000, 50000);
	feed(t, "192.0.2.30", IPPROTO_UDP, 2, 8000, 50001);
	feed(t, "192.0.2.30", IPPROTO_TCP, 3, 9000, 50002);
	T_INTEQ(nev, 0);
	/* Others are not affected. */
	feed(t, "192.0.2.31", IPPROTO_TCP, 1, 7000, 50000);
	feed(t, "192.0.2.31", IPPROTO_UDP, 2, 8000, 50001);
	feed(t, "192.0.2.31", IPPROTO_TCP, 3, 9000, 50002);
	T_INTEQ(nev, 1);
	/* After the ban the source can knock again. */
	feed(t, "192.0.2.30", IPPROTO_TCP, 1, 7000, 200000);
	feed(t, "192.0.2.30", IPPROTO_UDP, 2, 8000, 200001);
	feed(t, "192.0.2.30", IPPROTO_TCP, 3, 9000, 200002);
	T_INTEQ(nev, 2);
	knock_free(t);
}

/* HMAC doors: two users, sequences computed with seq_derive as a client
 * would. */
static struct config_user users[2];
static int door_users[2] = { 0, 1 };

static void
hmac_config(int bind)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	memset(users, 0, sizeof(users));
	fix_user(&users[0], "alice", 1, 0);
	fix_user(&users[1], "bob", 1, 0xa0);
	fix_hmac_door(&doors[0], "otp", door_users, 2, 20000, 20999);
	doors[0].hmac.bind_source = bind;
	doors[0].hmac.has_open = 1;
	doors[0].hmac.open_lo = 40000;
	doors[0].hmac.open_hi = 40099;
	cfg.doors = doors;
	cfg.ndoors = 1;
	cfg.users = users;
	cfg.nusers = 2;
	cfg.max_tracked = 1024;
}

static void
derive(int user, uint64_t step, const char *bind, struct config_knock *seq,
    uint16_t *open)
{
	struct seq_params p;

	seq_params_from(&p, &cfg, 0, user, step, bind);
	T_INTEQ(seq_derive(users[user].key, 32, &p, seq, open), 0);
}

static void
knock_seq(struct knock_table *t, const char *src, const struct config_knock *s,
    kw_ms now, time_t wall)
{
	for (int i = 0; i < 4; i++) {
		struct parse_knock k = mk(src, s[i].proto, 1000 + i, s[i].port);
		knock_feed(t, &k, now + i, wall, on_open, NULL);
	}
}

static void
test_hmac(void)
{
	struct knock_table *t;
	struct config_knock seq[KW_MAX_SEQ];
	uint16_t open;
	time_t wall = 1761600000;	/* step 58720000 */
	uint64_t step = (uint64_t)wall / 30;
	char tmpl[] = "/tmp/kwspentXXXXXX", path[64], err[256];

	hmac_config(0);
	t = knock_new(&cfg);
	T_OK(t != NULL, "knock_new hmac");

	/* Bob's sequence opens with user bob and his derived open port. */
	nev = 0;
	derive(1, step, "", seq, &open);
	knock_seq(t, "192.0.2.10", seq, 0, wall);
	T_INTEQ(nev, 1);
	T_INTEQ(evs[0].user, 1);
	T_INTEQ(evs[0].open_port, open);
	T_INTEQ(evs[0].step, step);

	/* Replay of the same knocks, from the same or another source: no. */
	knock_seq(t, "192.0.2.10", seq, 100, wall);
	knock_seq(t, "192.0.2.11", seq, 200, wall + 5);
	T_INTEQ(nev, 1);
	/* An earlier step of bob's is spent too. */
	derive(1, step - 1, "", seq, &open);
	knock_seq(t, "192.0.2.12", seq, 300, wall);
	T_INTEQ(nev, 1);

	/* Skew: alice's sequence for step+1 opens; step+2 does not. */
	derive(0, step + 2, "", seq, &open);
	knock_seq(t, "192.0.2.13", seq, 400, wall);
	T_INTEQ(nev, 1);
	derive(0, step + 1, "", seq, &open);
	knock_seq(t, "192.0.2.13", seq, 500, wall);
	T_INTEQ(nev, 2);
	T_INTEQ(evs[1].user, 0);

	/* A reload carries spent steps in memory too (even if the state file
	 * could not be written). */
	{
		struct knock_table *t2 = knock_new(&cfg);
		int before = nev;

		knock_carry(t2, t);
		derive(1, step, "", seq, &open);
		knock_seq(t2, "192.0.2.15", seq, 550, wall);
		T_INTEQ(nev, before);
		knock_free(t2);
	}

	/* Spent steps survive through the state file. */
	int fd = mkstemp(tmpl);
	close(fd);
	snprintf(path, sizeof(path), "%s", tmpl);
	T_INTEQ(knock_save_spent(t, path, err, sizeof(err)), 0);
	knock_free(t);
	t = knock_new(&cfg);
	T_INTEQ(knock_load_spent(t, path, err, sizeof(err)), 0);
	derive(1, step, "", seq, &open);
	knock_seq(t, "192.0.2.14", seq, 600, wall);
	T_INTEQ(nev, 2);
	/* ... while the next step of bob's is still good. */
	derive(1, step + 1, "", seq, &open);
	knock_seq(t, "192.0.2.14", seq, 700, wall + 30);
	T_INTEQ(nev, 3);
	unlink(path);

	/* A sweep of the whole range does not open. */
	for (unsigned p = 20000; p <= 20999; p++) {
		struct parse_knock k = mk("198.51.100.20", IPPROTO_TCP, p, p);
		knock_feed(t, &k, 800, wall + 60, on_open, NULL);
	}
	T_INTEQ(nev, 3);
	knock_free(t);

	/* bind_source: the sequence computed for the knocking address opens;
	 * one computed for another address does not. */
	hmac_config(1);
	t = knock_new(&cfg);
	nev = 0;
	derive(0, step, "203.0.113.7", seq, &open);
	knock_seq(t, "203.0.113.8", seq, 0, wall);
	T_INTEQ(nev, 0);
	knock_seq(t, "203.0.113.7", seq, 100, wall);
	T_INTEQ(nev, 1);
	derive(1, step, "2001:db8::7", seq, &open);
	knock_seq(t, "2001:0db8:0000:0000:0000:0000:0000:0007", seq, 200, wall);
	T_INTEQ(nev, 2);
	T_INTEQ(evs[1].user, 1);

	/* knockwatch/2: a flood of forged first knocks, every one of them a
	 * user's real knock 1 (which no budget rations any more), costs a
	 * look-up each; a genuine client in the same second still opens. */
	struct config_knock a1[KW_MAX_SEQ], b1[KW_MAX_SEQ];
	char src[64];
	derive(0, step + 1, "", a1, &open);
	derive(1, step + 1, "", b1, &open);
	for (int i = 0; i < 20000; i++) {
		struct parse_knock k;
		const struct config_knock *f = i % 2 ? &a1[0] : &b1[0];

		snprintf(src, sizeof(src), "10.%d.%d.%d", i / 65536,
		    (i / 256) % 256, i % 256);
		k = mk(src, f->proto, 1, f->port);
		knock_feed(t, &k, 1000, wall + 1, on_open, NULL);
		if (i == 10000) {
			derive(0, step + 1, "203.0.113.9", seq, &open);
			knock_seq(t, "203.0.113.9", seq, 1000, wall + 1);
		}
	}
	T_INTEQ(nev, 3);
	T_INTEQ(evs[2].user, 0);
	T_INTEQ(evs[2].open_port, open);
	knock_free(t);
}

/* Many users in a small range: first knocks (and some second knocks)
 * are shared by several (user, step) candidates; each user's own
 * sequence still opens as that user, bound or not. */
static void
test_hmac_collisions(void)
{
	static struct config_user many[40];
	static int many_idx[40];
	static char names[40][8];
	struct config_knock seq[KW_MAX_SEQ];
	time_t wall = 1761600000;
	uint64_t step = (uint64_t)wall / 30;
	struct knock_table *t;
	int bad = 0, bind;

	for (bind = 0; bind <= 1; bind++) {
		hmac_config(bind);
		memset(many, 0, sizeof(many));
		for (int u = 0; u < 40; u++) {
			snprintf(names[u], sizeof(names[u]), "u%02d", u);
			many[u].name = names[u];
			for (int i = 0; i < 32; i++)
				many[u].key[i] = (unsigned char)(u * 7 + i);
			many[u].keylen = 32;
			many_idx[u] = u;
		}
		cfg.users = many;
		cfg.nusers = 40;
		doors[0].hmac.users = many_idx;
		doors[0].hmac.nusers = 40;
		/* 30 ports for 120 first knocks: about four candidates
		 * for each. */
		doors[0].hmac.hi = 20029;
		doors[0].hmac.has_open = 0;
		t = knock_new(&cfg);
		nev = 0;
		for (int u = 0; u < 40; u++) {
			struct seq_params p;
			char src[32];
			uint16_t op;

			snprintf(src, sizeof(src), "192.0.2.%d", u + 1);
			seq_params_from(&p, &cfg, 0, u, step + (unsigned)u % 3 - 1,
			    src);
			if (seq_derive(many[u].key, 32, &p, seq, &op) != 0) {
				bad++;
				continue;
			}
			knock_seq(t, src, seq, 1000 * u, wall);
			if (nev != u + 1 || evs[u].user != u) {
				fprintf(stderr, "bind %d user %d: nev %d user %d\n",
				    bind, u, nev, nev > u ? evs[u].user : -1);
				bad++;
			}
			nev = u + 1;
		}
		T_INTEQ(bad, 0);
		knock_free(t);
	}
}

/* Two users whose sequences share knocks 1 and 2 in some step: knock 2
 * keeps both candidates (not cached), knock 3 tells them apart, and each
 * one's own sequence opens as that user, bound and unbound. */
static void
test_hmac_shared_prefix(void)
{
	struct config_knock a[KW_MAX_SEQ], b[KW_MAX_SEQ];
	struct knock_table *t;
	uint64_t step = 0;
	uint16_t op;
	int found = 0, bind;

	for (bind = 0; bind <= 1; bind++) {
		const char *src = bind ? "198.51.100.9" : "198.51.100.8";

		hmac_config(bind);
		doors[0].hmac.hi = 20009;	/* 10 ports: shared pairs are common */
		doors[0].hmac.has_open = 0;
		found = 0;
		for (step = 58720000; step < 58730000 && !found; step++) {
			struct seq_params pa, pb;

			seq_params_from(&pa, &cfg, 0, 0, step, src);
			seq_params_from(&pb, &cfg, 0, 1, step, src);
			if (seq_derive(users[0].key, 32, &pa, a, &op) != 0 ||
			    seq_derive(users[1].key, 32, &pb, b, &op) != 0)
				break;
			found = a[0].port == b[0].port && a[1].port == b[1].port &&
			    a[2].port != b[2].port;
		}
		T_OK(found, "no step with a shared prefix (bind %d)", bind);
		if (!found)
			continue;
		step--;
		for (int u = 0; u <= 1; u++) {
			t = knock_new(&cfg);
			nev = 0;
			knock_seq(t, src, u == 0 ? a : b, 0, (time_t)(step * 30));
			T_INTEQ(nev, 1);
			T_INTEQ(evs[0].user, u);
			T_INTEQ(evs[0].step, step);
			knock_free(t);
		}
	}
}

int
main(void)
{
	T_INTEQ(seq_init(), 0);
	test_static();
	test_cross_door_reset();
	test_carry();
	test_cap();
	test_acl_penalty();
	test_hmac();
	test_hmac_collisions();
	test_hmac_shared_prefix();
	return t_done();
}
