/* test_knock_repeat.c — the state machine forgives repeats (a knock to a
 * port and protocol the attempt has already passed, from any source port)
 * the way real clients send them, and repeats never walk a sequence. Also
 * the event records that replay -v and the daemon's -v lines print. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "test.h"
#include "fixture.h"
#include "knock.h"
#include "seq.h"

static int nopen;
static struct knock_event last_ev[8];
static int nlast;
static int nrepeat, nreset, nadvance;

static void
on_open(void *arg, const struct knock_open *ev)
{
	(void)arg;
	(void)ev;
	nopen++;
}

static void
on_event(void *arg, const struct knock_event *ev)
{
	(void)arg;
	if (nlast < 8)
		last_ev[nlast++] = *ev;
	nrepeat += ev->what == KNOCK_REPEAT;
	nreset += ev->what == KNOCK_RESET;
	nadvance += ev->what == KNOCK_ADVANCE;
}

static struct config_door doors[2];
static struct config cfg;
static struct config_user users[1];
static int door_users[1] = { 0 };

/* ssh: tcp/7000 udp/8000 tcp/9000 tcp/9500; web: tcp/7000 tcp/7500. */
static void
static_config(void)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	doors[0].name = "ssh";
	doors[0].nseq = 4;
	doors[0].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[0].seq[1] = (struct config_knock){ 8000, IPPROTO_UDP };
	doors[0].seq[2] = (struct config_knock){ 9000, IPPROTO_TCP };
	doors[0].seq[3] = (struct config_knock){ 9500, IPPROTO_TCP };
	doors[0].timeout = 30;
	doors[1].name = "web";
	doors[1].nseq = 2;
	doors[1].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 7500, IPPROTO_TCP };
	doors[1].timeout = 30;
	cfg.doors = doors;
	cfg.ndoors = 2;
	cfg.max_tracked = 256;
	/* One failure bans: a forgiven repeat must never count as one. */
	cfg.penalty_failures = 1;
	cfg.penalty_window = 60;
	cfg.penalty_ban = 600;
}

static void
feed(struct knock_table *t, const char *src, int proto, unsigned sport,
    unsigned dport, kw_ms now)
{
	struct parse_knock k;

	memset(&k, 0, sizeof(k));
	addr_parse(src, strlen(src), &k.src);
	k.proto = (uint8_t)proto;
	k.sport = (uint16_t)sport;
	k.dport = (uint16_t)dport;
	k.has_flags = proto == IPPROTO_TCP;
	k.tcp_flags = PARSE_TCP_SYN;
	nlast = 0;
	knock_feed(t, &k, now, 1761600000, on_open, NULL);
}

/* nmap's default scan: each unanswered port probed twice, from two source
 * ports about 100 ms apart. Fails without forgiving repeats (the second
 * probe reset the attempt, and with penalties banned the client). */
static void
test_nmap(void)
{
	struct knock_table *t;
	struct knock_stats st;

	static_config();
	t = knock_new(&cfg);
	nopen = 0;
	feed(t, "192.0.2.1", IPPROTO_TCP, 41000, 7000, 0);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41001, 7000, 100);
	feed(t, "192.0.2.1", IPPROTO_UDP, 41002, 8000, 1000);
	feed(t, "192.0.2.1", IPPROTO_UDP, 41003, 8000, 1100);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41004, 9000, 2000);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41005, 9000, 2100);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41006, 9500, 3000);
	T_INTEQ(nopen, 1);
	knock_stats(t, &st);
	T_INTEQ(st.resets, 1);	/* web's attempt, by udp/8000: no failure */
	T_INTEQ(st.repeats, 4);	/* 7000 twice (both doors), 8000, 9000 */
	T_INTEQ(st.penalties, 0);
	/* The same client knocks again at once: not banned. */
	feed(t, "192.0.2.1", IPPROTO_TCP, 41007, 9500, 3100);	/* nothing */
	feed(t, "192.0.2.1", IPPROTO_TCP, 41010, 7000, 4000);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41011, 7000, 4100);
	feed(t, "192.0.2.1", IPPROTO_TCP, 41012, 7500, 4200);
	T_INTEQ(nopen, 2);
	knock_free(t);
}

/* A browser: two connections per port (a backup connect job on a new
 * source port), and the SYNs of aborted fetches retransmitted for seconds,
 * so that retransmits of knock 1 arrive after knock 3. */
static void
test_browser(void)
{
	struct knock_table *t;
	struct knock_stats st;

	static_config();
	t = knock_new(&cfg);
	nopen = 0;
	feed(t, "192.0.2.2", IPPROTO_TCP, 50000, 7000, 0);
	feed(t, "192.0.2.2", IPPROTO_TCP, 50001, 7000, 250);
	feed(t, "192.0.2.2", IPPROTO_UDP, 50002, 8000, 400);
	feed(t, "192.0.2.2", IPPROTO_TCP, 50000, 7000, 1000);	/* retransmit */
	feed(t, "192.0.2.2", IPPROTO_TCP, 50003, 9000, 800);
	feed(t, "192.0.2.2", IPPROTO_TCP, 50004, 9000, 1050);
	feed(t, "192.0.2.2", IPPROTO_TCP, 50001, 7000, 1250);	/* retransmit */
	feed(t, "192.0.2.2", IPPROTO_UDP, 50002, 8000, 1400);
	feed(t, "192.0.2.2", IPPROTO_TCP, 50000, 7000, 3000);	/* retransmit */
	feed(t, "192.0.2.2", IPPROTO_TCP, 50005, 9500, 3200);
	T_INTEQ(nopen, 1);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 0);
	knock_free(t);
}

/* Repeats never advance: after knock 1, any number of knocks to tcp/7000
 * from new source ports leave the attempt at stage 1, and a client that
 * only repeats what it passed never opens. */
static void
test_never_advance(void)
{
	struct knock_table *t;
	struct knock_stats st;
	uint32_t stages[KW_MAX_SEQ + 1];

	static_config();
	cfg.penalty_failures = 0;
	t = knock_new(&cfg);
	knock_set_events(t, on_event, NULL);
	nopen = 0;
	feed(t, "198.51.100.1", IPPROTO_TCP, 1, 7000, 0);
	for (unsigned i = 0; i < 200; i++)
		feed(t, "198.51.100.1", IPPROTO_TCP, 2 + i, 7000, 1 + i);
	knock_stages(t, 0, stages, KW_MAX_SEQ + 1);
	T_INTEQ(stages[1], 1);
	T_INTEQ(stages[2], 0);
	knock_stats(t, &st);
	T_INTEQ(st.advances, 0);
	T_INTEQ(st.repeats, 400);	/* both doors, each knock */
	/* Knocks 1 and 2 passed; repeating them, in any order, from any
	 * source port, stays at stage 2 and never opens. */
	feed(t, "198.51.100.1", IPPROTO_UDP, 300, 8000, 300);
	for (unsigned i = 0; i < 200; i++)
		feed(t, "198.51.100.1", i & 1 ? IPPROTO_UDP : IPPROTO_TCP,
		    400 + i, i & 1 ? 8000 : 7000, 301 + i);
	knock_stages(t, 0, stages, KW_MAX_SEQ + 1);
	T_INTEQ(stages[2], 1);
	T_INTEQ(stages[3], 0);
	T_INTEQ(nopen, 0);
	/* The protocol is part of the port: tcp/8000 is no repeat of udp/8000
	 * and resets. */
	nreset = 0;
	feed(t, "198.51.100.1", IPPROTO_TCP, 999, 8000, 600);
	T_INTEQ(nreset, 1);
	T_INTEQ(last_ev[0].what, KNOCK_RESET);
	T_INTEQ(last_ev[0].expected.port, 9000);
	T_INTEQ(last_ev[0].expected.proto, IPPROTO_TCP);
	knock_stages(t, 0, stages, KW_MAX_SEQ + 1);
	T_INTEQ(stages[2], 0);
	knock_free(t);
}

/* Repeats help no prober: an attacker who knows knock 1 and sweeps every
 * port of both protocols, probing each twice from two source ports (as
 * nmap does) and re-sending knock 1 between probes, opens nothing; every
 * wrong probe still resets. Compared against a reference model of the
 * rule: for random streams over the door's ports and others, the table
 * opens exactly when the model does. */
static unsigned
model(unsigned *stage, unsigned port, int proto)
{
	const struct config_door *d = &doors[0];

	if (port == d->seq[*stage].port && proto == d->seq[*stage].proto) {
		if (++*stage == (unsigned)d->nseq) {
			*stage = 0;
			return 1;
		}
		return 0;
	}
	for (unsigned j = 0; j < *stage; j++)
		if (d->seq[j].port == port && d->seq[j].proto == proto)
			return 0;	/* repeat: nothing */
	*stage = port == d->seq[0].port && proto == d->seq[0].proto;
	return 0;
}

static void
test_probe(void)
{
	static const struct config_knock alphabet[] = {
		{ 7000, IPPROTO_TCP }, { 8000, IPPROTO_UDP },
		{ 9000, IPPROTO_TCP }, { 9500, IPPROTO_TCP },
		{ 8000, IPPROTO_TCP }, { 9000, IPPROTO_UDP }, { 7001, IPPROTO_TCP },
	};
	struct knock_table *t;
	struct knock_stats st;
	unsigned wrong = 0, opens_model = 0;
	kw_ms now = 0;

	static_config();
	cfg.ndoors = 1;
	cfg.penalty_failures = 0;
	t = knock_new(&cfg);
	nopen = 0;
	for (unsigned p = 6000; p <= 10000; p++)
		for (int pr = 0; pr < 2; pr++) {
			int proto = pr ? IPPROTO_UDP : IPPROTO_TCP;
			int right = (p == 8000 && proto == IPPROTO_UDP);

			feed(t, "203.0.113.9", IPPROTO_TCP, 1, 7000, now++);
			feed(t, "203.0.113.9", proto, 2, p, now++);
			feed(t, "203.0.113.9", proto, 3, p, now++);
			wrong += !right && !(p == 7000 && !pr);
		}
	T_INTEQ(nopen, 0);
	knock_stats(t, &st);
	T_INTEQ(st.resets, wrong);
	knock_free(t);

	/* The reference model, 20000 random knocks of one source. */
	t = knock_new(&cfg);
	nopen = 0;
	srand(13);
	for (unsigned i = 0, stage = 0; i < 20000; i++) {
		const struct config_knock *k =
		    &alphabet[(unsigned)rand() % (sizeof(alphabet) /
		    sizeof(alphabet[0]))];

		opens_model += model(&stage, k->port, k->proto);
		feed(t, "203.0.113.10", k->proto, 1 + (unsigned)rand() % 60000,
		    k->port, (kw_ms)i);
		if ((unsigned)nopen != opens_model) {
			T_OK(0, "knock %u: table opened %d, model %u", i,
			    nopen, opens_model);
			break;
		}
	}
	T_OK(opens_model > 0, "the random stream opened sometimes");
	T_INTEQ((unsigned)nopen, opens_model);
	knock_free(t);
}

/* HMAC doors: repeats of knock 1 (before and after knock 2, whose
 * derivation narrows the candidates) and of knock 2 and 3 are forgiven;
 * the sequence then opens. */
static void
test_hmac(void)
{
	struct knock_table *t;
	struct config_knock s[KW_MAX_SEQ];
	struct seq_params p;
	uint16_t open;
	time_t wall = 1761600000;
	struct parse_knock k;
	static const int order[] = { 0, 0, 1, 0, 1, 2, 0, 1, 2, 3 };

	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	memset(users, 0, sizeof(users));
	fix_user(&users[0], "alice", 7, 0);
	fix_hmac_door(&doors[0], "otp", door_users, 1, 20000, 20999);
	cfg.doors = doors;
	cfg.ndoors = 1;
	cfg.users = users;
	cfg.nusers = 1;
	cfg.max_tracked = 64;
	cfg.penalty_failures = 1;
	cfg.penalty_window = 60;
	cfg.penalty_ban = 600;
	seq_params_from(&p, &cfg, 0, 0, (uint64_t)wall / 30, "");
	T_INTEQ(seq_derive(users[0].key, 32, &p, s, &open), 0);
	t = knock_new(&cfg);
	knock_set_events(t, on_event, NULL);
	nopen = nrepeat = 0;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		memset(&k, 0, sizeof(k));
		addr_parse("192.0.2.50", 10, &k.src);
		k.proto = s[order[i]].proto;
		k.dport = s[order[i]].port;
		k.sport = (uint16_t)(30000 + i);
		knock_feed(t, &k, (kw_ms)i * 100, wall, on_open, NULL);
	}
	T_INTEQ(nopen, 1);
	T_INTEQ(nrepeat, 6);
	/* After the open, the browser's late retransmits of knocks 1 to 4
	 * (and of 1 and 3 once more) walk a new attempt that ends as spent,
	 * and reset one: no penalty failure for the source that opened. */
	static const int late[] = { 0, 1, 2, 3, 0, 2 };
	struct knock_stats st;
	for (unsigned i = 0; i < sizeof(late) / sizeof(late[0]); i++) {
		memset(&k, 0, sizeof(k));
		addr_parse("192.0.2.50", 10, &k.src);
		k.proto = s[late[i]].proto;
		k.dport = s[late[i]].port;
		k.sport = (uint16_t)(31000 + i);
		knock_feed(t, &k, 3000 + (kw_ms)i * 1000, wall, on_open, NULL);
	}
	knock_stats(t, &st);
	T_INTEQ(nopen, 1);
	T_INTEQ(st.replays, 1);
	T_INTEQ(st.penalties, 0);
	/* The same sequence replayed from another source is no open of its
	 * own: its spent refusal is a failure (and bans, at one failure). */
	for (unsigned i = 0; i < 4; i++) {
		memset(&k, 0, sizeof(k));
		addr_parse("192.0.2.51", 10, &k.src);
		k.proto = s[i].proto;
		k.dport = s[i].port;
		k.sport = (uint16_t)(32000 + i);
		knock_feed(t, &k, 10000 + (kw_ms)i * 100, wall, on_open, NULL);
	}
	knock_stats(t, &st);
	T_INTEQ(nopen, 1);
	T_INTEQ(st.replays, 2);
	T_INTEQ(st.penalties, 1);
	knock_free(t);
}

/* Static door: after it opened, the browser's late retransmits of knock 1
 * start new attempts that its retransmits of knock 3 reset; the source
 * that opened the door is spared for those, not for other ports, and
 * another source is not spared at all. */
static void
test_late_after_open(void)
{
	struct knock_table *t;
	struct knock_stats st;

	static_config();
	t = knock_new(&cfg);
	nopen = 0;
	feed(t, "192.0.2.3", IPPROTO_TCP, 50000, 7000, 0);
	feed(t, "192.0.2.3", IPPROTO_UDP, 50001, 8000, 500);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50002, 9000, 1000);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50003, 9500, 1500);
	T_INTEQ(nopen, 1);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50000, 7000, 3000);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50002, 9000, 5000);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50000, 7000, 7000);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50002, 9000, 9000);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 0);
	/* A port outside the door's sequence still fails. */
	feed(t, "192.0.2.3", IPPROTO_TCP, 50009, 7000, 10000);
	feed(t, "192.0.2.3", IPPROTO_TCP, 50010, 7777, 10100);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 1);
	/* Another source that never opened is not spared. */
	feed(t, "192.0.2.4", IPPROTO_TCP, 50000, 7000, 11000);
	feed(t, "192.0.2.4", IPPROTO_TCP, 50002, 9000, 11100);
	knock_stats(t, &st);
	T_INTEQ(st.penalties, 2);
	knock_free(t);
}

/* The records: started, advanced, open, and the expiry by time. */
static void
test_events(void)
{
	struct knock_table *t;

	static_config();
	cfg.ndoors = 1;
	t = knock_new(&cfg);
	knock_set_events(t, on_event, NULL);
	feed(t, "192.0.2.3", IPPROTO_TCP, 1, 7000, 0);
	T_INTEQ(nlast, 1);
	T_INTEQ(last_ev[0].what, KNOCK_ADVANCE);
	T_INTEQ(last_ev[0].stage, 1);
	T_INTEQ(last_ev[0].length, 4);
	feed(t, "192.0.2.3", IPPROTO_TCP, 1, 7000, 10);
	T_INTEQ(last_ev[0].what, KNOCK_RETRANSMIT);
	feed(t, "192.0.2.3", IPPROTO_UDP, 2, 8000, 20);
	feed(t, "192.0.2.3", IPPROTO_TCP, 3, 9000, 30);
	feed(t, "192.0.2.3", IPPROTO_TCP, 4, 9500, 40);
	T_INTEQ(last_ev[0].what, KNOCK_OPEN);
	feed(t, "192.0.2.4", IPPROTO_TCP, 1, 7000, 50);
	nlast = 0;
	knock_expire(t, 50 + 30 * 1000);
	T_INTEQ(nlast, 1);
	T_INTEQ(last_ev[0].what, KNOCK_EXPIRED);
	T_OK(last_ev[0].k == NULL, "expiry by time has no knock");
	knock_free(t);
}

/* knock_attempts lists at most max attempts and counts them all. */
static int nlisted;

static void
on_attempt(void *arg, const struct knock_attempt *a)
{
	(void)arg;
	T_INTEQ(a->stage, 1);
	nlisted++;
}

static void
test_attempts(void)
{
	struct knock_table *t;
	char src[32];

	static_config();
	t = knock_new(&cfg);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "192.0.2.%u", 100 + i);
		feed(t, src, IPPROTO_TCP, 1, 7000, i);
	}
	nlisted = 0;
	T_INTEQ(knock_attempts(t, 5, on_attempt, NULL), 20);
	T_INTEQ(nlisted, 5);
	knock_free(t);
}

int
main(void)
{
	T_INTEQ(seq_init(), 0);
	test_nmap();
	test_browser();
	test_never_advance();
	test_probe();
	test_hmac();
	test_late_after_open();
	test_events();
	test_attempts();
	return t_done();
}
