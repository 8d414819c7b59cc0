/* linebench.c — the daemon's per-line path alone, for bench/throughput.sh:
 * each line of FILE goes through the configured sources' parsers and, when
 * it is a knock (with its host, for a fleet source), knock_feed, with the
 * clock read once per 1 MiB chunk (as the daemon reads it once per
 * wake-up). Unlike `knockwatch replay` it does not convert each line's own
 * timestamp. Prints "lines N knocks N opens N
 * tracked N maxrss_kb N ns N".
 * An optional WARMUP file is fed first and not timed (bench/hmac.sh: the
 * per-step derivation of every user's first knock happens there).
 * `linebench --first CONFIG DOOR STEP` prints every user's first knock of
 * an HMAC door for that step, "PORT PROTO" a line (knockwatch/2: it does
 * not depend on the source). Bench tool only: it runs no action and writes
 * nothing. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include <sys/resource.h>

#include "config.h"
#include "host.h"
#include "knock.h"
#include "kwlimits.h"
#include "linebuf.h"
#include "log.h"
#include "parse.h"
#include "seq.h"

#define LB_CHUNK (1u << 20)

static void
on_open(void *arg, const struct knock_open *ev)
{
	(void)ev;
	(*(unsigned long long *)arg)++;
}

static long long
ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What one chunk's lines are fed with (lb_line). */
struct lb_feed {
	struct parser **parsers;
	const int *fleet;	/* per parser: its source is fleet: true */
	int np;
	struct knock_table *t;
	kw_ms now;
	time_t wall;
	unsigned long long *knocks, *opens;
};

/* linebuf_cb: the daemon's per-line work for one line. */
static int
lb_line(void *arg, char *line, size_t len)
{
	struct lb_feed *f = arg;
	struct parse_knock k;
	char host[HOST_MAX + 1];

	for (int i = 0; i < f->np; i++)
		if (parse_line(f->parsers[i], line, len, &k) == PARSE_KNOCK) {
			/* As source.c: a fleet line's host. */
			if (host_of_knock(f->fleet[i], &k, line, host) == -1)
				break;
			(*f->knocks)++;
			knock_feed(f->t, &k, f->now, f->wall, on_open, f->opens);
			break;
		}
	return 0;
}

/* Feeds every line of fp, cut by the daemon's splitter (linebuf, with
 * its bounds); returns the number of lines, counts knocks. */
static unsigned long long
feed(FILE *fp, char *buf, char *lbuf, struct parser **parsers,
    const int *fleet, int np, struct knock_table *t,
    unsigned long long *knocks, unsigned long long *opens)
{
	struct lb_feed f = { .parsers = parsers, .fleet = fleet, .np = np,
	    .t = t, .knocks = knocks, .opens = opens };
	struct linebuf lb;
	size_t n;

	linebuf_init(&lb, lbuf, KW_MAX_LINE, LINEBUF_DROP);
	while ((n = fread(buf, 1, LB_CHUNK, fp)) > 0) {
		f.now = clock_now_ms();
		f.wall = time(NULL);
		knock_expire(t, f.now);
		(void)linebuf_feed(&lb, buf, n, lb_line, &f);
	}
	(void)linebuf_flush(&lb, lb_line, &f);
	return lb.lines;
}

/* --first CONFIG DOOR STEP */
static int
first_knocks(const char *path, const char *door, const char *stepstr)
{
	struct config *cfg;
	char err[1024];
	int d;
	unsigned long long step = strtoull(stepstr, NULL, 10);

	if (seq_init() != 0 || (cfg = config_load(path, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "linebench: %s\n", err);
		return 78;
	}
	if ((d = config_door_index(cfg, door)) < 0 || !cfg->doors[d].is_hmac) {
		fprintf(stderr, "linebench: no HMAC door %s\n", door);
		return 64;
	}
	for (int u = 0; u < cfg->doors[d].hmac.nusers; u++) {
		int ui = cfg->doors[d].hmac.users[u];
		struct seq_params p;
		struct config_knock k1;

		seq_params_from(&p, cfg, d, ui, step, "");
		if (seq_first(cfg->users[ui].key, cfg->users[ui].keylen, &p,
		    &k1) != 0)
			return 70;
		printf("%u %s\n", k1.port, k1.proto == IPPROTO_UDP ? "UDP" :
		    "TCP");
	}
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct parser *parsers[16];
	int fleet[16];
	struct knock_stats st;
	struct rusage ru;
	unsigned long long lines = 0, knocks = 0, opens = 0, wk = 0, wo = 0;
	struct knock_table *t;
	struct config *cfg;
	char err[1024], *buf, *lbuf;
	int np = 0, rc = 1;
	long long t0;
	FILE *fp;

	if (argc == 5 && strcmp(argv[1], "--first") == 0)
		return first_knocks(argv[2], argv[3], argv[4]);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: linebench CONFIG FILE [WARMUP]\n"
		    "       linebench --first CONFIG DOOR STEP\n");
		return 64;
	}
	log_init(0, 0);
	if (seq_init() != 0 || (cfg = config_load(argv[1], err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "linebench: %s\n", err);
		return 78;
	}
	for (int i = 0; i < cfg->nsources && np < 16; i++)
		if ((parsers[np] = parse_new(cfg->sources[i].prefix,
		    cfg->sources[i].pattern, err, sizeof(err))) != NULL)
			fleet[np++] = cfg->sources[i].fleet;
	if ((t = knock_new(cfg)) == NULL ||
	    (buf = malloc(LB_CHUNK)) == NULL ||
	    (lbuf = malloc(KW_MAX_LINE + 1)) == NULL) {
		fprintf(stderr, "linebench: %s\n", strerror(errno));
		return 70;
	}
	if (argc == 4) {
		if ((fp = fopen(argv[3], "r")) == NULL) {
			fprintf(stderr, "linebench: %s: %s\n", argv[3],
			    strerror(errno));
			return 70;
		}
		feed(fp, buf, lbuf, parsers, fleet, np, t, &wk, &wo);
		fclose(fp);
	}
	if ((fp = fopen(argv[2], "r")) == NULL) {
		fprintf(stderr, "linebench: %s: %s\n", argv[2],
		    strerror(errno));
		return 70;
	}
	t0 = ns_now();
	lines = feed(fp, buf, lbuf, parsers, fleet, np, t, &knocks, &opens);
	t0 = ns_now() - t0;
	knock_stats(t, &st);
	getrusage(RUSAGE_SELF, &ru);
	/* "ns N" stays last: the scripts read it there. */
	printf("lines %llu knocks %llu opens %llu tracked %u maxrss_kb %ld "
	    "ns %lld\n", lines, knocks, opens, st.tracked, ru.ru_maxrss, t0);
	rc = 0;
	fclose(fp);
	free(buf);
	free(lbuf);
	knock_free(t);
	for (int i = 0; i < np; i++)
		parse_free(parsers[i]);
	config_free(cfg);
	return rc;
}
