/* replay.c — `knockwatch replay FILE [-c CONFIG] [-v]`, the fail2ban-regex
 * of knockwatch: runs a log file (plain or gzip) through the configured
 * sources' parsers and the doors' state machines with the file's own
 * timestamps, and prints what would have happened. Runs no action and
 * writes no state. */
#include "replay.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "config.h"
#include "knock.h"
#include "kwlimits.h"
#include "linebuf.h"
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
	struct tm stamp_key;	/* the date and time of the last converted */
	int stamp_local;	/* stamp, and its seconds: consecutive lines */
	int64_t stamp_secs;	/* share them, and mktime is slow */
	char line_key[STAMP_MAX];	/* the date and time bytes of the last */
	size_t line_keylen;	/* line's stamp, its kind, and its seconds */
	enum stamp_kind line_kind;	/* (before an RFC 3339 offset): the */
	int64_t line_secs;	/* next line of the same second skips the rest */
	kw_ms now;
	time_t wall;
	int64_t boot_ms;	/* this host's boot, wall clock: plain dmesg */
	uint64_t lines, matched, ignored, rejected, overlong, opens;
	/* -v: the line being explained, and the opens its knock made (printed
	 * after it); fixed buffers, so the per-line path allocates nothing. */
	char vline[1024], vopen[1024];
	size_t vlen, vopenlen;
	unsigned nev;		/* events appended to vline */
};

static void vput(char *, size_t *, size_t, const char *, ...)
    KW_PRINTF(4, 5);

/* Appends to a fixed buffer; what does not fit is cut. */
static void
vput(char *buf, size_t *len, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

static const char *
proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Seconds of a broken-down time, local or UTC, converted once per
 * distinct date and time. */
static int64_t
stamp_secs(struct replay *r, struct tm *tm, int local)
{
	struct tm *k = &r->stamp_key;

	if (r->stamp_local == local + 1 && k->tm_sec == tm->tm_sec &&
	    k->tm_min == tm->tm_min && k->tm_hour == tm->tm_hour &&
	    k->tm_mday == tm->tm_mday && k->tm_mon == tm->tm_mon &&
	    k->tm_year == tm->tm_year)
		return r->stamp_secs;
	*k = *tm;
	r->stamp_local = local + 1;
	tm->tm_isdst = -1;
	r->stamp_secs = local ? (int64_t)mktime(tm) : (int64_t)timegm(tm);
	return r->stamp_secs;
}

/* Remembers the date and time bytes of a converted stamp and its seconds. */
static void
line_keep(struct replay *r, const char *l, size_t keylen,
    enum stamp_kind kind, int64_t secs)
{
	if (keylen == 0 || keylen > sizeof(r->line_key))
		return;
	memcpy(r->line_key, l, keylen);
	r->line_keylen = keylen;
	r->line_kind = kind;
	r->line_secs = secs;
}

/* The line's own time, from the stamp that opens it (stamp_scan: the
 * formats the parser knows): a stamp with an offset or "UTC" at it, a
 * Unix time as it is, one without in local time (TZ), one without a year
 * in this year (the year before when that would put it more than a day
 * ahead of now). A monotonic stamp has no wall-clock time: such lines
 * keep the time of the line before. Returns 0 and fills *ms
 * (milliseconds since the epoch), or -1. */
static int
line_time(struct replay *r, const char *l, size_t len, int64_t *ms)
{
	struct stamp_fields f;
	enum stamp_kind kind;
	struct tm tm;
	size_t slen, keylen;
	int64_t secs;

	if ((kind = stamp_scan(l, len, &slen)) == STAMP_NONE)
		return -1;
	/* Same date and time as the line before (the usual case): only a
	 * fraction, and an RFC 3339 offset, are new. */
	keylen = kind == STAMP_RFC3339 ? 19 : kind == STAMP_CLASSIC ? 15 :
	    kind == STAMP_FULL || kind == STAMP_CTIME ? slen : 0;
	if (keylen > 0 && kind == r->line_kind && keylen == r->line_keylen &&
	    memcmp(l, r->line_key, keylen) == 0) {
		if (kind == STAMP_RFC3339) {
			if (stamp_zone(l, slen, &f.ms, &f.utc_off) == -1)
				return -1;
			*ms = (r->line_secs - f.utc_off) * 1000 + f.ms;
		} else
			*ms = r->line_secs * 1000 + (kind == STAMP_CLASSIC &&
			    slen > 15 ? stamp_fraction_ms(l + 15, slen - 15) :
			    0);
		return 0;
	}
	if (stamp_fields(l, slen, kind, &f) == -1)
		return -1;
	r->line_keylen = 0;
	switch (f.tz) {
	case STAMP_TZ_NONE:
		return -1;
	case STAMP_TZ_EPOCH:
		*ms = f.epoch * 1000 + f.ms;
		return 0;
	case STAMP_TZ_FIXED:
		secs = stamp_secs(r, &f.tm, 0);
		/* The offset of a full stamp is part of its key. */
		if (kind == STAMP_FULL)
			secs -= f.utc_off;
		line_keep(r, l, keylen, kind, secs);
		*ms = (secs - (kind == STAMP_FULL ? 0 : f.utc_off)) * 1000 +
		    f.ms;
		return 0;
	case STAMP_TZ_LOCAL:
		if (!f.has_year)
			f.tm.tm_year = r->year;
		tm = f.tm;
		secs = stamp_secs(r, &tm, 1);
		if (!f.has_year && secs > (int64_t)r->year_base + 86400) {
			f.tm.tm_year--;
			secs = stamp_secs(r, &f.tm, 1);
		}
		line_keep(r, l, keylen, kind, secs);
		*ms = secs * 1000 + f.ms;
		return 0;
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
	char ts[32], src[ADDR_STRLEN], *b = r->vopen;
	size_t *n = &r->vopenlen, size = sizeof(r->vopen);

	r->opens++;
	print_time(r->wall, ts, sizeof(ts));
	vput(b, n, size, "%s open door %s for %s", ts,
	    r->cfg->doors[ev->door].name,
	    addr_ntop(&ev->src, src, sizeof(src)));
	if (ev->user >= 0)
		vput(b, n, size, " user %s", r->cfg->users[ev->user].name);
	if (ev->open_port != 0)
		vput(b, n, size, " open_port %u", ev->open_port);
	if (ev->host != NULL && ev->host[0] != '\0')
		vput(b, n, size, " host %s", ev->host);
	vput(b, n, size, "\n");
	if (!r->verbose) {
		fputs(b, stdout);
		*n = 0;
	}
}

/* -v: what the state machine did, appended to the line being explained
 * for each door the knock concerned; an attempt that ran out of time
 * before this line gets its own line. */
static void
on_event(void *arg, const struct knock_event *ev)
{
	struct replay *r = arg;
	char *b = r->vline;
	size_t *n = &r->vlen, size = sizeof(r->vline);
	const char *door = ev->door >= 0 ? r->cfg->doors[ev->door].name : "";

	if (ev->k == NULL) {
		char src[ADDR_STRLEN];

		printf("line %llu: door %s: attempt of %s expired at %u/%u\n",
		    (unsigned long long)r->lines, door,
		    addr_ntop(ev->src, src, sizeof(src)), ev->stage,
		    ev->length);
		return;
	}
	vput(b, n, size, "%s%s%s", r->nev++ ? ", " : ": ", door,
	    ev->door >= 0 ? " " : "");
	switch (ev->what) {
	case KNOCK_ADVANCE:
		vput(b, n, size, "advance %u/%u", ev->stage, ev->length);
		break;
	case KNOCK_OPEN:
		vput(b, n, size, "open");
		break;
	case KNOCK_RESET:
		if (ev->expected.port != 0)
			vput(b, n, size, "reset (expected %s/%u)",
			    proto_name(ev->expected.proto), ev->expected.port);
		else
			vput(b, n, size, "reset (at %u/%u)", ev->stage,
			    ev->length);
		break;
	case KNOCK_RETRANSMIT:
		vput(b, n, size, "retransmit");
		break;
	case KNOCK_REPEAT:
		vput(b, n, size, "repeat");
		break;
	case KNOCK_EXPIRED:
		vput(b, n, size, "expired");
		break;
	case KNOCK_SPENT:
		vput(b, n, size, "spent");
		break;
	case KNOCK_DENIED:
		vput(b, n, size, "denied");
		break;
	case KNOCK_PENALISED:
		vput(b, n, size, "penalised (%llu s left)",
		    (unsigned long long)ev->left_s);
		break;
	case KNOCK_NOFIRST:
		vput(b, n, size, "no user's first knock of steps %llu..%llu "
		    "(wrong key or door name, or the client's clock is off)",
		    (unsigned long long)(ev->step -
		    r->cfg->doors[ev->door].hmac.skew),
		    (unsigned long long)(ev->step +
		    r->cfg->doors[ev->door].hmac.skew));
		break;
	case KNOCK_FLAGS:
		vput(b, n, size, "flags");
		break;
	}
}

/* dmesg output, which has no syslog header: "[  12.345678] TEXT" (plain
 * dmesg: seconds since this host's boot, so the time is this host's boot
 * plus them, as dmesg -T computes it: replay it on the host, and in the
 * boot, it came from) or "[Sun Nov 29 10:00:00 2026] TEXT" (dmesg -T:
 * local time). Fills *msg, *mlen with what parse_kmsg reads and *ms with
 * the line's time; 0, or -1 when the line is neither. */
static int
dmesg_line(struct replay *r, const char *l, size_t len, const char **msg,
    size_t *mlen, int64_t *ms)
{
	const char *close = len > 1 && l[0] == '[' ? memchr(l, ']',
	    len < 40 ? len : 40) : NULL;
	size_t slen, in;
	int64_t secs = 0, frac = 0, scale = 1000;
	int dot = 0, digits = 0;

	if (close == NULL)
		return -1;
	in = (size_t)(close - l) - 1;
	if (stamp_scan(l + 1, in, &slen) == STAMP_CTIME && slen == in) {
		if (line_time(r, l + 1, in, ms) == -1)
			return -1;
		*msg = close + 1;
		*mlen = len - (size_t)(close + 1 - l);
		if (*mlen > 0 && **msg == ' ') {
			(*msg)++;
			(*mlen)--;
		}
		return 0;
	}
	for (const char *p = l + 1; p < close; p++) {
		if (*p == ' ' && digits == 0 && !dot)
			continue;
		if (*p == '.' && !dot && digits > 0)
			dot = 1;
		else if (*p >= '0' && *p <= '9' && !dot && digits++ < 10)
			secs = secs * 10 + (*p - '0');
		else if (*p >= '0' && *p <= '9' && dot) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		} else
			return -1;
	}
	if (!dot || digits == 0 || digits > 10)
		return -1;
	*ms = r->boot_ms + secs * 1000 + frac;
	*msg = l;	/* parse_kmsg skips the "[...] " itself */
	*mlen = len;
	return 0;
}

static void
line(struct replay *r, const char *l, size_t len)
{
	struct parse_knock k;
	enum parse_result res = PARSE_NOMATCH;
	const char *why = NULL;
	char host[HOST_MAX + 1];
	const char *dm = NULL;
	size_t dmlen = 0;
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
		/* The reason shown: the first parser's, or the one that
		 * rejected the line. */
		if (i == 0 || p == PARSE_REJECT)
			why = parse_why(r->parsers[i]);
	}
	/* No syslog header: dmesg's own output, as a kmsg source reads it. */
	if (res == PARSE_NOMATCH && r->nparsers > 0 &&
	    dmesg_line(r, l, len, &dm, &dmlen, &ms) == 0) {
		if (ms > r->now)
			r->now = ms;
		r->wall = (time_t)(r->now / 1000);
		knock_expire(r->knock, r->now);
		for (int i = 0; i < r->nparsers && res != PARSE_KNOCK; i++) {
			enum parse_result p = parse_kmsg(r->parsers[i], dm,
			    dmlen, &k);
			if (p != PARSE_NOMATCH)
				res = p;
			if (p == PARSE_KNOCK)
				from = i;
			if (i == 0 || p == PARSE_REJECT)
				why = parse_why(r->parsers[i]);
		}
	}
	/* A fleet source's line without a host it can trust is dropped. */
	if (res == PARSE_KNOCK && host_of_knock(r->cfg->sources[from].fleet &&
	    dm == NULL, &k, l, host) == -1) {
		res = PARSE_REJECT;
		why = "fleet source: no valid host field";
	}
	if (res == PARSE_KNOCK) {
		r->matched++;
		if (!r->verbose) {
			knock_feed(r->knock, &k, r->now, r->wall, on_open, r);
			return;
		}
		char src[ADDR_STRLEN];

		r->vlen = 0;
		r->nev = 0;
		vput(r->vline, &r->vlen, sizeof(r->vline),
		    "line %llu: knock %s %s/%u sport %u",
		    (unsigned long long)r->lines,
		    addr_ntop(&k.src, src, sizeof(src)), proto_name(k.proto),
		    k.dport, k.sport);
		knock_feed(r->knock, &k, r->now, r->wall, on_open, r);
		if (r->nev == 0)
			vput(r->vline, &r->vlen, sizeof(r->vline),
			    ": nothing (no attempt, no door's first knock)");
		printf("%s\n%s", r->vline, r->vopen);
		r->vopenlen = 0;
		r->vopen[0] = '\0';
		return;
	}
	if (res == PARSE_REJECT)
		r->rejected++;
	else
		r->ignored++;
	if (r->verbose)
		printf("line %llu: %s: %s%s\n", (unsigned long long)r->lines,
		    res == PARSE_REJECT ? "rejected" : "ignored",
		    why != NULL ? why : "no source", why != NULL &&
		    strcmp(why, "header not recognised") == 0 ? " (for the "
		    "kernel's lines try journalctl -k -o short, or dmesg or "
		    "dmesg -T output)" : "");
}

/* linebuf_cb: one line of the file. */
static int
replay_line(void *arg, char *l, size_t len)
{
	line(arg, l, len);
	return 0;
}

/* Reads the file in large chunks and cuts it into lines with the
 * daemon's splitter and bounds (linebuf, KW_MAX_LINE: an overlong line is
 * dropped whole and counted), no allocation per line. */
static int
run(struct replay *r, gzFile gz)
{
	char *buf = malloc(REPLAY_CHUNK), *lbuf = malloc(KW_MAX_LINE + 1);
	struct linebuf lb;
	int n, rc = -1;

	if (buf == NULL || lbuf == NULL)
		goto out;
	linebuf_init(&lb, lbuf, KW_MAX_LINE, LINEBUF_DROP);
	while ((n = gzread(gz, buf, REPLAY_CHUNK)) > 0)
		(void)linebuf_feed(&lb, buf, (size_t)n, replay_line, r);
	if (n == 0) {
		(void)linebuf_flush(&lb, replay_line, r);
		rc = 0;
	}
	r->overlong = lb.overlong;
out:
	free(buf);
	free(lbuf);
	return rc;
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
	opterr = 0;	/* one line of ours instead */
	while ((ch = getopt_long(argc, argv, ":c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'h':
			printf("usage: knockwatch replay [-v] [-c CONFIG] FILE\n"
			    "  A dry run: FILE (.gz too) through the configured "
			    "parsers and state\n  machines, with the file's own "
			    "timestamps; prints what would have\n  opened and a "
			    "summary. No command runs.\n"
			    "  -c, --config FILE  the configuration (default "
			    "%s)\n  -v, --verbose      one result per line\n"
			    "  -h, --help         this text\n"
			    "  Exit: 0, 64 usage, 66 FILE unreadable, 78 config.\n",
			    path);
			return 0;
		default:
			fprintf(stderr, "knockwatch replay: %s %s (knockwatch "
			    "replay --help)\n", ch == ':' ? "option needs a "
			    "value:" : "unknown option", argv[optind - 1]);
			return 64;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "knockwatch replay: %s (knockwatch replay "
		    "--help)\n", optind == argc ? "no log FILE given" :
		    "one log FILE only");
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
		/* This host's boot on the wall clock, as dmesg -T takes it. */
		struct timespec rt, bt;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_BOOTTIME, &bt);
		r.boot_ms = ((int64_t)rt.tv_sec - bt.tv_sec) * 1000 +
		    ((int64_t)rt.tv_nsec - bt.tv_nsec) / 1000000;
	}
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
	if (r.verbose)
		knock_set_events(r.knock, on_event, &r);
	if (run(&r, gz) == -1) {
		int zerr;
		fprintf(stderr, "knockwatch: %s: %s\n", argv[optind],
		    gzerror(gz, &zerr));
		rc = 66;
	}
	gzclose(gz);
	knock_stats(r.knock, &ks);
	printf("lines %llu matched %llu ignored %llu rejected %llu overlong "
	    "%llu knocks %llu resets %llu retransmits %llu repeats %llu "
	    "expired %llu evictions %llu replays %llu opens %llu\n",
	    (unsigned long long)r.lines, (unsigned long long)r.matched,
	    (unsigned long long)r.ignored, (unsigned long long)r.rejected,
	    (unsigned long long)r.overlong, (unsigned long long)ks.knocks,
	    (unsigned long long)ks.resets, (unsigned long long)ks.retransmits,
	    (unsigned long long)ks.repeats,
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
