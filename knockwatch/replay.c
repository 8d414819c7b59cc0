/* replay.c — `knockwatch replay FILE [-c CONFIG] [-v]`, the fail2ban-regex
 * of knockwatch: runs a log file (plain or gzip) through the configured
 * sources' parsers and the doors' state machines with the file's own
 * timestamps, and prints what would have happened. Runs no action and
 * writes no state. */
#include "replay.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "config.h"
#include "knock.h"
#include "kwlimits.h"
#include "log.h"
#include "host.h"
#include "parse.h"
#include "seq.h"
#include "stamp.h"

#define REPLAY_CHUNK (1u << 20)
#define KW_DEFAULT_CONFIG "/etc/knockwatch/knockwatch.yaml"

struct replay {
	const struct config *cfg;
	struct knock_table *knock;
	struct parser **parsers;	/* one per source that reads lines */
	int nparsers;
	int verbose;
	time_t year_base;	/* for classic syslog stamps without a year */
	int year;		/* its year, for classic stamps */
	char stamp_key[20];	/* the date and time of the last converted */
	size_t stamp_keylen;	/* stamp, and its seconds: consecutive lines */
	int64_t stamp_secs;	/* share them, and mktime is slow */
	kw_ms now;
	time_t wall;
	uint64_t lines, matched, ignored, rejected, overlong, opens;
};

/* Seconds of a broken-down time, converted once per distinct stamp. */
static int64_t
stamp_secs(struct replay *r, const char *key, size_t keylen, struct tm *tm,
    int utc)
{
	if (r->stamp_keylen == keylen && memcmp(r->stamp_key, key, keylen) == 0)
		return r->stamp_secs;
	memcpy(r->stamp_key, key, keylen);
	r->stamp_keylen = keylen;
	r->stamp_secs = utc ? (int64_t)timegm(tm) : (int64_t)mktime(tm);
	return r->stamp_secs;
}

/* The line's own time, from the stamp that opens it (stamp_scan: the
 * formats the parser knows): RFC 3339 with its offset, or classic syslog
 * in local time, this year. Returns 0 and fills *ms (milliseconds since
 * the epoch), or -1. */
static int
line_time(struct replay *r, const char *l, size_t len, int64_t *ms)
{
	struct stamp_fields f;
	enum stamp_kind kind;
	size_t slen, keylen;

	if ((kind = stamp_scan(l, len, &slen)) == STAMP_NONE)
		return -1;
	/* Same second as the line before (the usual case): the date and
	 * time are known; only an RFC 3339 fraction and offset are new. */
	keylen = kind == STAMP_RFC3339 ? 19 : slen;
	if (r->stamp_keylen == keylen &&
	    memcmp(r->stamp_key, l, keylen) == 0) {
		if (kind != STAMP_RFC3339) {
			*ms = r->stamp_secs * 1000;
			return 0;
		}
		if (stamp_zone(l, slen, &f.ms, &f.utc_off) == -1)
			return -1;
		*ms = (r->stamp_secs - f.utc_off) * 1000 + f.ms;
		return 0;
	}
	if (stamp_fields(l, slen, kind, &f) == -1)
		return -1;
	switch (kind) {
	case STAMP_RFC3339:
		*ms = (stamp_secs(r, l, 19, &f.tm, 1) - f.utc_off) * 1000 +
		    f.ms;
		return 0;
	case STAMP_CLASSIC:
		f.tm.tm_year = r->year;
		f.tm.tm_isdst = -1;
		*ms = stamp_secs(r, l, slen, &f.tm, 0) * 1000;
		return 0;
	case STAMP_NONE:
		break;
	}
	return -1;
}

static void
print_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
on_open(void *arg, const struct knock_open *ev)
{
	struct replay *r = arg;
	char ts[32], src[ADDR_STRLEN];

	r->opens++;
	print_time(r->wall, ts, sizeof(ts));
	printf("%s open door %s for %s", ts, r->cfg->doors[ev->door].name,
	    addr_ntop(&ev->src, src, sizeof(src)));
	if (ev->user >= 0)
		printf(" user %s", r->cfg->users[ev->user].name);
	if (ev->open_port != 0)
		printf(" open_port %u", ev->open_port);
	if (ev->host != NULL && ev->host[0] != '\0')
		printf(" host %s", ev->host);
	printf("\n");
}

static void
line(struct replay *r, const char *l, size_t len)
{
	struct parse_knock k;
	enum parse_result res = PARSE_NOMATCH;
	char host[HOST_MAX + 1];
	int64_t ms, from = -1;

	r->lines++;
	if (line_time(r, l, len, &ms) == 0 && ms / 1000 * 1000 >= 0) {
		/* Time never runs backwards inside the state machine. */
		if (ms > r->now)
			r->now = ms;
		r->wall = (time_t)(r->now / 1000);
	}
	knock_expire(r->knock, r->now);
	for (int i = 0; i < r->nparsers && res != PARSE_KNOCK; i++) {
		enum parse_result p = parse_line(r->parsers[i], l, len, &k);
		if (p != PARSE_NOMATCH)
			res = p;
		if (p == PARSE_KNOCK)
			from = i;
	}
	/* A fleet source's line without a host it can trust is dropped. */
	if (res == PARSE_KNOCK &&
	    host_of_knock(r->cfg->sources[from].fleet, &k, host) == -1)
		res = PARSE_REJECT;
	if (res == PARSE_KNOCK) {
		r->matched++;
		if (r->verbose) {
			char src[ADDR_STRLEN];
			printf("line %llu: knock %s %s/%u sport %u\n",
			    (unsigned long long)r->lines,
			    addr_ntop(&k.src, src, sizeof(src)),
			    k.proto == IPPROTO_UDP ? "udp" : "tcp", k.dport,
			    k.sport);
		}
		knock_feed(r->knock, &k, r->now, r->wall, on_open, r);
		return;
	}
	if (res == PARSE_REJECT)
		r->rejected++;
	else
		r->ignored++;
	if (r->verbose)
		printf("line %llu: %s\n", (unsigned long long)r->lines,
		    res == PARSE_REJECT ? "rejected" : "ignored");
}

/* Reads the file in large chunks and cuts it into lines: the same bounds
 * as the daemon (KW_MAX_LINE), no allocation per line. */
static int
run(struct replay *r, gzFile gz)
{
	char *buf = malloc(REPLAY_CHUNK + KW_MAX_LINE + 1);
	size_t have = 0;
	int skipping = 0;

	if (buf == NULL)
		return -1;
	for (;;) {
		int n = gzread(gz, buf + have, REPLAY_CHUNK);
		char *p = buf, *end, *nl;

		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		end = buf + have + n;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (!skipping)
				line(r, p, (size_t)(nl - p));
			skipping = 0;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have > KW_MAX_LINE) {
			/* Overlong: dropped whole, up to its newline. */
			if (!skipping)
				r->overlong++;
			skipping = 1;
			have = 0;
		} else
			memmove(buf, p, have);
	}
	if (have > 0 && !skipping)
		line(r, buf, have);
	free(buf);
	return 0;
}

int
replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = KW_DEFAULT_CONFIG;
	struct replay r;
	struct config *cfg;
	struct knock_stats ks;
	char err[1024];
	gzFile gz;
	int ch, rc = 0;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'h':
			printf("usage: knockwatch replay [-v] [-c CONFIG] FILE\n");
			return 0;
		default:
			fprintf(stderr, "usage: knockwatch replay [-v] "
			    "[-c CONFIG] FILE\n");
			return 64;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: knockwatch replay [-v] [-c CONFIG] FILE\n");
		return 64;
	}
	log_init(0, 0);
	if (seq_init() != 0)
		return 70;
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "knockwatch: %s\n", err);
		return 78;
	}
	r.cfg = cfg;
	r.year_base = time(NULL);
	{
		struct tm now;
		localtime_r(&r.year_base, &now);
		r.year = now.tm_year;
	}
	r.parsers = calloc((size_t)cfg->nsources + 1, sizeof(*r.parsers));
	if (r.parsers == NULL || (r.knock = knock_new(cfg)) == NULL) {
		fprintf(stderr, "knockwatch: out of memory\n");
		rc = 70;
		goto out;
	}
	for (int i = 0; i < cfg->nsources; i++) {
		const struct config_source *s = &cfg->sources[i];
		if ((r.parsers[r.nparsers] = parse_new(s->prefix, s->pattern,
		    err, sizeof(err))) == NULL) {
			fprintf(stderr, "knockwatch: %s\n", err);
			rc = 78;
			goto out;
		}
		r.nparsers++;
	}
	if ((gz = gzopen(argv[optind], "rb")) == NULL) {
		fprintf(stderr, "knockwatch: %s: %s\n", argv[optind],
		    strerror(errno ? errno : ENOMEM));
		rc = 66;
		goto out;
	}
	gzbuffer(gz, 1u << 17);
	if (run(&r, gz) == -1) {
		int zerr;
		fprintf(stderr, "knockwatch: %s: %s\n", argv[optind],
		    gzerror(gz, &zerr));
		rc = 66;
	}
	gzclose(gz);
	knock_stats(r.knock, &ks);
	printf("lines %llu matched %llu ignored %llu rejected %llu overlong "
	    "%llu knocks %llu resets %llu retransmits %llu expired %llu "
	    "evictions %llu replays %llu opens %llu\n",
	    (unsigned long long)r.lines, (unsigned long long)r.matched,
	    (unsigned long long)r.ignored, (unsigned long long)r.rejected,
	    (unsigned long long)r.overlong, (unsigned long long)ks.knocks,
	    (unsigned long long)ks.resets, (unsigned long long)ks.retransmits,
	    (unsigned long long)ks.expired, (unsigned long long)ks.evictions,
	    (unsigned long long)ks.replays, (unsigned long long)r.opens);
out:
	for (int i = 0; i < r.nparsers; i++)
		parse_free(r.parsers[i]);
	free(r.parsers);
	knock_free(r.knock);
	config_free(cfg);
	return rc;
}
