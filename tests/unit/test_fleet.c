/* test_fleet.c — fleet mode: host names (host.c), and the knock table keyed
 * by (host, source): split sequences, hosts: lists, HMAC doors deriving with
 * NAME@HOST and spending steps per NAME@HOST and user. Knocks and times are
 * fed directly. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "fixture.h"
#include "host.h"
#include "knock.h"
#include "seq.h"

#define MAX_EV 64
static struct knock_open evs[MAX_EV];
static char ev_host[MAX_EV][HOST_MAX + 1];
static int nev;

static void
on_open(void *arg, const struct knock_open *ev)
{
	(void)arg;
	if (nev < MAX_EV) {
		evs[nev] = *ev;
		snprintf(ev_host[nev], sizeof(ev_host[nev]), "%s", ev->host);
	}
	nev++;
}

static void
feed(struct knock_table *t, const char *host, const char *src, int proto,
    unsigned sport, unsigned dport, kw_ms now, time_t wall)
{
	struct parse_knock k;
	char buf[HOST_MAX + 1];

	memset(&k, 0, sizeof(k));
	addr_parse(src, strlen(src), &k.src);
	k.proto = (uint8_t)proto;
	k.sport = (uint16_t)sport;
	k.dport = (uint16_t)dport;
	/* The "line" is the host's name alone: its span starts at 0. */
	k.host = 0;
	k.hostlen = host ? (uint16_t)strlen(host) : 0;
	T_INTEQ(host_of_knock(host != NULL, &k, host, buf), 0);
	knock_feed(t, &k, now, wall, on_open, NULL);
}

static void
test_canon(void)
{
	char out[HOST_MAX + 1], big[HOST_MAX + 2];
	struct host_table *t;
	int a, b;

	T_INTEQ(host_canon("10.0.0.2", 8, out, sizeof(out)), 8);
	T_STREQ(out, "10.0.0.2");
	T_OK(host_canon("2001:DB8:0::7", 13, out, sizeof(out)) > 0, "v6");
	T_STREQ(out, "2001:db8::7");
	T_OK(host_canon("Web1.Example.ORG", 16, out, sizeof(out)) > 0, "name");
	T_STREQ(out, "web1.example.org");
	/* What must never reach argv or the door field. */
	T_INTEQ(host_canon("-oProxyCommand=x", 16, out, sizeof(out)), -1);
	T_INTEQ(host_canon(".x", 2, out, sizeof(out)), -1);
	T_INTEQ(host_canon("a b", 3, out, sizeof(out)), -1);
	T_INTEQ(host_canon("a;b", 3, out, sizeof(out)), -1);
	T_INTEQ(host_canon("1:2:3", 5, out, sizeof(out)), -1);
	T_INTEQ(host_canon("10.0.0.001", 10, out, sizeof(out)), -1);
	T_INTEQ(host_canon("10.0.0.256", 10, out, sizeof(out)), -1);
	T_INTEQ(host_canon("10.0.0", 6, out, sizeof(out)), -1);
	T_INTEQ(host_canon("10.0.0.1.2", 10, out, sizeof(out)), -1);
	T_INTEQ(host_canon("10..0.1", 7, out, sizeof(out)), -1);
	T_INTEQ(host_canon("0.0.0.0", 7, out, sizeof(out)), 7);
	T_INTEQ(host_canon("255.255.255.255", 15, out, sizeof(out)), 15);
	T_STREQ(out, "255.255.255.255");
	T_INTEQ(host_canon("1234", 4, out, sizeof(out)), -1);
	T_INTEQ(host_canon("a\0b", 3, out, sizeof(out)), -1);
	T_INTEQ(host_canon("", 0, out, sizeof(out)), -1);
	memset(big, 'a', sizeof(big));
	T_INTEQ(host_canon(big, HOST_MAX, out, sizeof(out)), HOST_MAX);
	T_INTEQ(host_canon(big, HOST_MAX + 1, out, sizeof(out)), -1);

	t = host_new(2);
	T_OK(t != NULL, "host_new");
	a = host_intern(t, "10.0.0.1");
	b = host_intern(t, "10.0.0.2");
	T_INTEQ(a, 1);
	T_INTEQ(b, 2);
	T_INTEQ(host_intern(t, "10.0.0.1"), 1);
	T_INTEQ(host_intern(t, ""), HOST_NONE);
	/* Full: a third host is refused, never an old one reused. */
	T_INTEQ(host_intern(t, "10.0.0.3"), -1);
	T_STREQ(host_name(t, 2), "10.0.0.2");
	T_STREQ(host_name(t, 3), "");
	T_INTEQ(host_find(t, "10.0.0.2"), 2);
	T_INTEQ(host_count(t), 2);
	host_free(t);
}

static struct config_door doors[2];
static struct config cfg;
static char *web_hosts[] = { "10.0.0.1", NULL };

static void
static_config(void)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	doors[0].name = "ssh";
	doors[0].nseq = 3;
	doors[0].seq[0] = (struct config_knock){ 7000, IPPROTO_TCP };
	doors[0].seq[1] = (struct config_knock){ 8000, IPPROTO_TCP };
	doors[0].seq[2] = (struct config_knock){ 9000, IPPROTO_TCP };
	doors[0].timeout = 10;
	doors[1].name = "web";
	doors[1].nseq = 2;
	doors[1].seq[0] = (struct config_knock){ 6000, IPPROTO_TCP };
	doors[1].seq[1] = (struct config_knock){ 6001, IPPROTO_TCP };
	doors[1].timeout = 10;
	doors[1].hosts = web_hosts;
	doors[1].nhosts = 1;
	cfg.doors = doors;
	cfg.ndoors = 2;
	cfg.max_tracked = 1024;
	cfg.fleet = 1;
	cfg.penalty_failures = 3;
	cfg.penalty_window = 60;
	cfg.penalty_ban = 300;
}

static void
test_static(void)
{
	struct knock_table *t;
	time_t wall = 1761600000;

	static_config();
	t = knock_new(&cfg);
	T_OK(t != NULL, "knock_new fleet");
	nev = 0;
	/* The whole sequence at host 2: opens there, and says so. */
	feed(t, "10.0.0.2", "192.0.2.7", IPPROTO_TCP, 1, 7000, 0, wall);
	feed(t, "10.0.0.2", "192.0.2.7", IPPROTO_TCP, 2, 8000, 1, wall);
	feed(t, "10.0.0.2", "192.0.2.7", IPPROTO_TCP, 3, 9000, 2, wall);
	T_INTEQ(nev, 1);
	T_STREQ(ev_host[0], "10.0.0.2");
	T_INTEQ(evs[0].door, 0);

	/* Split across two hosts: no host saw the whole sequence. */
	feed(t, "10.0.0.1", "192.0.2.8", IPPROTO_TCP, 1, 7000, 10, wall);
	feed(t, "10.0.0.2", "192.0.2.8", IPPROTO_TCP, 2, 8000, 11, wall);
	feed(t, "10.0.0.3", "192.0.2.8", IPPROTO_TCP, 3, 9000, 12, wall);
	T_INTEQ(nev, 1);
	/* Interleaved at two hosts, each whole: each opens on its own. */
	feed(t, "10.0.0.1", "192.0.2.9", IPPROTO_TCP, 1, 7000, 20, wall);
	feed(t, "10.0.0.3", "192.0.2.9", IPPROTO_TCP, 1, 7000, 20, wall);
	feed(t, "10.0.0.1", "192.0.2.9", IPPROTO_TCP, 2, 8000, 21, wall);
	feed(t, "10.0.0.3", "192.0.2.9", IPPROTO_TCP, 2, 8000, 21, wall);
	feed(t, "10.0.0.3", "192.0.2.9", IPPROTO_TCP, 3, 9000, 22, wall);
	feed(t, "10.0.0.1", "192.0.2.9", IPPROTO_TCP, 3, 9000, 22, wall);
	T_INTEQ(nev, 3);
	T_STREQ(ev_host[1], "10.0.0.3");
	T_STREQ(ev_host[2], "10.0.0.1");

	/* hosts: [10.0.0.1]: the door opens there only. */
	feed(t, "10.0.0.2", "192.0.2.10", IPPROTO_TCP, 1, 6000, 30, wall);
	feed(t, "10.0.0.2", "192.0.2.10", IPPROTO_TCP, 2, 6001, 31, wall);
	T_INTEQ(nev, 3);
	feed(t, NULL, "192.0.2.10", IPPROTO_TCP, 3, 6000, 32, wall);
	feed(t, NULL, "192.0.2.10", IPPROTO_TCP, 4, 6001, 33, wall);
	T_INTEQ(nev, 3);
	feed(t, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 5, 6000, 34, wall);
	feed(t, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 6, 6001, 35, wall);
	T_INTEQ(nev, 4);
	T_INTEQ(evs[3].door, 1);
	T_STREQ(ev_host[3], "10.0.0.1");

	/* Penalties are per (host, source): a sweep at host 3 bans the
	 * source there, not at host 2. */
	for (unsigned p = 7001; p < 7010; p++) {
		feed(t, "10.0.0.3", "192.0.2.20", IPPROTO_TCP, 1, 7000, 40, wall);
		feed(t, "10.0.0.3", "192.0.2.20", IPPROTO_TCP, 2, p, 40, wall);
	}
	feed(t, "10.0.0.3", "192.0.2.20", IPPROTO_TCP, 1, 7000, 50, wall);
	feed(t, "10.0.0.3", "192.0.2.20", IPPROTO_TCP, 2, 8000, 51, wall);
	feed(t, "10.0.0.3", "192.0.2.20", IPPROTO_TCP, 3, 9000, 52, wall);
	T_INTEQ(nev, 4);
	feed(t, "10.0.0.2", "192.0.2.20", IPPROTO_TCP, 1, 7000, 50, wall);
	feed(t, "10.0.0.2", "192.0.2.20", IPPROTO_TCP, 2, 8000, 51, wall);
	feed(t, "10.0.0.2", "192.0.2.20", IPPROTO_TCP, 3, 9000, 52, wall);
	T_INTEQ(nev, 5);
	T_STREQ(ev_host[4], "10.0.0.2");

	/* A reload carries an attempt in progress at its host. */
	{
		struct knock_table *t2;

		feed(t, "10.0.0.4", "192.0.2.30", IPPROTO_TCP, 1, 7000, 60, wall);
		feed(t, "10.0.0.4", "192.0.2.30", IPPROTO_TCP, 2, 8000, 61, wall);
		t2 = knock_new(&cfg);
		knock_carry(t2, t);
		feed(t2, "10.0.0.2", "192.0.2.30", IPPROTO_TCP, 3, 9000, 62, wall);
		T_INTEQ(nev, 5);
		feed(t2, "10.0.0.4", "192.0.2.30", IPPROTO_TCP, 3, 9000, 62, wall);
		T_INTEQ(nev, 6);
		T_STREQ(ev_host[5], "10.0.0.4");
		knock_free(t2);
	}
	knock_free(t);
}

static struct config_user users[1];
static int door_users[1] = { 0 };

static void
hmac_config(void)
{
	memset(doors, 0, sizeof(doors));
	memset(&cfg, 0, sizeof(cfg));
	memset(users, 0, sizeof(users));
	fix_user(&users[0], "alice", 1, 0);
	fix_hmac_door(&doors[0], "ssh", door_users, 1, 20000, 59999);
	cfg.doors = doors;
	cfg.ndoors = 1;
	cfg.users = users;
	cfg.nusers = 1;
	cfg.max_tracked = 1024;
	cfg.fleet = 1;
}

/* The knocks of "ssh@host" (door field NAME@HOST) for alice at step. */
static void
derive(const char *host, uint64_t step, struct config_knock *seq)
{
	struct seq_params p;
	char door[KW_NAME_MAX + HOST_MAX + 2];
	uint16_t open;

	seq_params_from(&p, &cfg, 0, 0, step, "");
	if (host != NULL) {
		snprintf(door, sizeof(door), "ssh@%s", host);
		p.door = door;
	}
	T_INTEQ(seq_derive(users[0].key, 32, &p, seq, &open), 0);
}

static void
knock_seq(struct knock_table *t, const char *host, const char *src,
    const struct config_knock *s, kw_ms now, time_t wall)
{
	for (int i = 0; i < 4; i++)
		feed(t, host, src, s[i].proto, 1000 + i, s[i].port, now + i,
		    wall);
}

static void
test_hmac(void)
{
	struct knock_table *t;
	struct config_knock w1[KW_MAX_SEQ], w2[KW_MAX_SEQ], plain[KW_MAX_SEQ];
	time_t wall = 1761600000;	/* step 58720000 */
	uint64_t step = (uint64_t)wall / 30;
	char tmpl[] = "/tmp/kwfleetXXXXXX", err[256];
	int fd;

	T_INTEQ(seq_init(), 0);
	hmac_config();
	/* The spec's vector for ssh@web2. */
	derive("web2", step, w2);
	T_INTEQ(w2[0].port, 48216);
	T_INTEQ(w2[1].port, 42091);
	T_INTEQ(w2[2].port, 58764);
	T_INTEQ(w2[3].port, 40220);

	t = knock_new(&cfg);
	T_OK(t != NULL, "knock_new fleet hmac");
	nev = 0;
	derive("web1", step, w1);
	derive("web2", step, w2);
	derive(NULL, step, plain);
	/* ssh@web1's sequence knocked at web2 (sniffed there, say): no. */
	knock_seq(t, "web2", "192.0.2.7", w1, 0, wall);
	T_INTEQ(nev, 0);
	/* The door's plain sequence at a host: no. */
	knock_seq(t, "web2", "192.0.2.7", plain, 10, wall);
	T_INTEQ(nev, 0);
	/* ... and ssh@HOST without a host (a local source): no. */
	knock_seq(t, NULL, "192.0.2.7", w1, 20, wall);
	T_INTEQ(nev, 0);
	/* The same user opens web1 and web2 within one step. */
	knock_seq(t, "web1", "192.0.2.7", w1, 30, wall);
	knock_seq(t, "web2", "192.0.2.7", w2, 40, wall);
	T_INTEQ(nev, 2);
	T_STREQ(ev_host[0], "web1");
	T_STREQ(ev_host[1], "web2");
	T_INTEQ(evs[1].user, 0);
	T_INTEQ(evs[1].step, step);
	/* The local door (no host) still opens with the plain sequence. */
	knock_seq(t, NULL, "192.0.2.7", plain, 50, wall);
	T_INTEQ(nev, 3);
	T_STREQ(ev_host[2], "");
	/* Spent per NAME@HOST: a replay at web1 is refused. */
	knock_seq(t, "web1", "192.0.2.8", w1, 60, wall);
	T_INTEQ(nev, 3);

	/* Spent steps through the state file: "ssh@web1 alice STEP". */
	fd = mkstemp(tmpl);
	close(fd);
	T_INTEQ(knock_save_spent(t, tmpl, err, sizeof(err)), 0);
	{
		FILE *fp = fopen(tmpl, "r");
		char buf[512] = "";
		size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
		char want[128];

		buf[n] = '\0';
		snprintf(want, sizeof(want), "ssh@web1 alice %llu\n",
		    (unsigned long long)step);
		T_OK(strstr(buf, want) != NULL, "spent file has %s: %s", want,
		    buf);
		if (fp)
			fclose(fp);
	}
	knock_free(t);
	t = knock_new(&cfg);
	T_INTEQ(knock_load_spent(t, tmpl, err, sizeof(err)), 0);
	unlink(tmpl);
	knock_seq(t, "web2", "192.0.2.9", w2, 100, wall);
	knock_seq(t, "web1", "192.0.2.9", w1, 110, wall);
	T_INTEQ(nev, 3);
	/* A host never seen before this run is not spent. */
	derive("web3", step, w1);
	knock_seq(t, "web3", "192.0.2.9", w1, 120, wall);
	T_INTEQ(nev, 4);
	T_STREQ(ev_host[3], "web3");
	/* A reload keeps each host's spent steps. */
	{
		struct knock_table *t2 = knock_new(&cfg);

		knock_carry(t2, t);
		knock_seq(t2, "web3", "192.0.2.10", w1, 130, wall);
		T_INTEQ(nev, 4);
		knock_free(t2);
	}
	knock_free(t);
	seq_free();
}

/* The parser leaves the header's host field as a span of the line (for an
 * admin's pattern too); host_of_knock makes it canonical, or refuses it. */
static void
test_parse(void)
{
	char err[256], buf[HOST_MAX + 1];
	struct parser *p = parse_new("KNOCK: ", NULL, err, sizeof(err));
	struct parser *c = parse_new(NULL, "knock from (?<src>[^ ]+) to "
	    "(?<dport>[0-9]+)", err, sizeof(err));
	const char *l4 = "Nov 23 16:53:16 10.0.0.3 kernel: knock from "
	    "192.0.2.9 to 7000";
	const char *l1 = "2026-11-23T16:53:16.1+00:00 10.0.0.2 kernel: KNOCK: "
	    "IN=eth0 OUT= SRC=192.0.2.7 DST=10.0.0.2 LEN=60 PROTO=TCP "
	    "SPT=40001 DPT=7000 SYN URGP=0";
	const char *l2 = "Nov 23 16:53:16 Web-1 kernel: KNOCK: IN=eth0 OUT= "
	    "SRC=192.0.2.7 DST=10.0.0.2 LEN=60 PROTO=TCP SPT=40001 DPT=7000 "
	    "SYN URGP=0";
	const char *l3 = "Nov 23 16:53:16 -x kernel: KNOCK: IN=eth0 OUT= "
	    "SRC=192.0.2.7 DST=10.0.0.2 LEN=60 PROTO=TCP SPT=40001 DPT=7000 "
	    "SYN URGP=0";
	struct parse_knock k;

	T_OK(p != NULL && c != NULL, "parsers");
	if (p == NULL || c == NULL)
		return;
	T_INTEQ(parse_line(p, l1, strlen(l1), &k), PARSE_KNOCK);
	T_OK(k.host == 28 && k.hostlen == 8, "RFC 3339 host span");
	T_INTEQ(host_of_knock(1, &k, l1, buf), 0);
	T_STREQ(k.fleet_host, "10.0.0.2");
	T_INTEQ(parse_line(p, l2, strlen(l2), &k), PARSE_KNOCK);
	T_OK(k.host == 16 && k.hostlen == 5, "classic host span");
	T_INTEQ(host_of_knock(1, &k, l2, buf), 0);
	T_STREQ(k.fleet_host, "web-1");
	/* Not a fleet source: no host. */
	T_INTEQ(parse_line(p, l2, strlen(l2), &k), PARSE_KNOCK);
	T_INTEQ(host_of_knock(0, &k, l2, buf), 0);
	T_OK(k.fleet_host == NULL, "no host without fleet");
	T_INTEQ(parse_line(p, l3, strlen(l3), &k), PARSE_KNOCK);
	T_INTEQ(host_of_knock(1, &k, l3, buf), -1);
	/* kmsg records have no header, so no host. */
	T_INTEQ(parse_kmsg(p, l1 + 45, strlen(l1 + 45), &k), PARSE_KNOCK);
	T_OK(k.hostlen == 0, "kmsg: no host");
	T_INTEQ(host_of_knock(1, &k, NULL, buf), -1);
	/* An admin's pattern: the host is the header's too. */
	T_INTEQ(parse_line(c, l4, strlen(l4), &k), PARSE_KNOCK);
	T_INTEQ(host_of_knock(1, &k, l4, buf), 0);
	T_STREQ(k.fleet_host, "10.0.0.3");
	parse_free(p);
	parse_free(c);
}

int
main(void)
{
	test_canon();
	test_parse();
	test_static();
	test_hmac();
	return t_done();
}
