/* linebench.c — the daemon's per-line path alone, for bench/throughput.sh:
 * each line of FILE goes through the configured sources' parsers and, when
 * it is a knock, knock_feed, with the clock read once per 1 MiB chunk (as
 * the daemon reads it once per wake-up). Unlike `knockwatch replay` it does
 * not convert each line's own timestamp. Prints "lines N knocks N ns N".
 * Bench tool only: it runs no action and writes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "knock.h"
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

int
main(int argc, char **argv)
{
	struct parser *parsers[16];
	unsigned long long lines = 0, knocks = 0, opens = 0;
	struct knock_table *t;
	struct config *cfg;
	char err[1024], *buf;
	size_t have = 0;
	int np = 0, rc = 1;
	long long t0;
	FILE *fp;

	if (argc != 3) {
		fprintf(stderr, "usage: linebench CONFIG FILE\n");
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
			np++;
	if ((t = knock_new(cfg)) == NULL ||
	    (buf = malloc(LB_CHUNK + KW_MAX_LINE + 1)) == NULL ||
	    (fp = fopen(argv[2], "r")) == NULL) {
		fprintf(stderr, "linebench: %s\n", strerror(errno));
		return 70;
	}
	t0 = ns_now();
	for (;;) {
		size_t n = fread(buf + have, 1, LB_CHUNK, fp);
		char *p = buf, *end = buf + have + n, *nl;
		kw_ms now = clock_now_ms();
		time_t wall = time(NULL);

		if (n == 0)
			break;
		knock_expire(t, now);
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			struct parse_knock k;

			lines++;
			for (int i = 0; i < np; i++)
				if (parse_line(parsers[i], p, (size_t)(nl - p),
				    &k) == PARSE_KNOCK) {
					knocks++;
					knock_feed(t, &k, now, wall, on_open,
					    &opens);
					break;
				}
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have > KW_MAX_LINE)
			have = 0;
		else
			memmove(buf, p, have);
	}
	printf("lines %llu knocks %llu opens %llu ns %lld\n", lines, knocks,
	    opens, ns_now() - t0);
	rc = 0;
	fclose(fp);
	free(buf);
	knock_free(t);
	for (int i = 0; i < np; i++)
		parse_free(parsers[i]);
	config_free(cfg);
	return rc;
}
