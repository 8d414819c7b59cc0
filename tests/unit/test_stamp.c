/* test_stamp.c — the one syslog-timestamp recogniser: the formats it takes
 * and their lengths, what it refuses, the fields it reads, and that the
 * parser takes a knock line under exactly the stamps stamp_scan knows
 * (the parser and replay can no longer disagree on a format). */
#include <string.h>

#include "parse.h"
#include "stamp.h"
#include "test.h"

static const char body[] = " fw kernel: KNOCK: IN=eth0 OUT= "
    "SRC=192.0.2.7 DST=192.0.2.1 LEN=60 TTL=64 PROTO=TCP SPT=40001 "
    "DPT=7000 WINDOW=64240 RES=0x00 SYN URGP=0";

static const struct {
	const char *s;
	enum stamp_kind kind;
	size_t len;
} cases[] = {
	{ "Nov 23 16:53:16", STAMP_CLASSIC, 15 },
	{ "Nov  3 06:03:09", STAMP_CLASSIC, 15 },
	{ "Foo 23 16:53:16", STAMP_CLASSIC, 15 },	/* shaped like one */
	{ "nov 23 16:53:16", STAMP_NONE, 0 },
	{ "Nov 23 16:53:1", STAMP_NONE, 0 },
	{ "Nov 23 16.53:16", STAMP_NONE, 0 },
	{ "2026-11-23T16:53:16", STAMP_RFC3339, 19 },
	{ "2026-11-23T16:53:16Z", STAMP_RFC3339, 20 },
	{ "2026-11-23T16:53:16.1+00:00", STAMP_RFC3339, 27 },
	{ "2026-11-23T16:53:16.123456+01:00", STAMP_RFC3339, 32 },
	{ "2026-11-23T16:53:16.123456789-0530", STAMP_RFC3339, 34 },
	{ "2026-11-23T16:53:16,123", STAMP_RFC3339, 19 },	/* ends at ',' */
	{ "2026-11-23T16:53:16.12345678901234567+00", STAMP_RFC3339, 40 },
	{ "2026-11-23T16:53:16.123456789012345678+00", STAMP_NONE, 0 },
	{ "2026-11-2xT16:53:16", STAMP_NONE, 0 },
	{ "2026-11-23 16:53:16", STAMP_NONE, 0 },
	{ "2026-11-23T16:53:1", STAMP_NONE, 0 },
	{ "x026-11-23T16:53:16", STAMP_NONE, 0 },
	/* journalctl -o short-precise, short-full/with-unit, short-unix,
	 * short-monotonic; OpenWrt logread (issue 13). */
	{ "Nov 29 10:19:53.512041", STAMP_CLASSIC, 22 },
	{ "Nov 29 10:19:53.", STAMP_CLASSIC, 15 },	/* then no space */
	{ "Sun 2026-11-29 10:19:53 UTC", STAMP_FULL, 27 },
	{ "Sun 2026-11-29 11:19:53 CET", STAMP_FULL, 27 },
	{ "Sun 2026-11-29 13:19:53 +03", STAMP_FULL, 27 },
	{ "Sun 2026-11-29 10:19:53", STAMP_NONE, 0 },
	{ "Sun 2026-11-29 10:19:53 ABCDEFGHI", STAMP_NONE, 0 },
	{ "1795947593.512041", STAMP_UNIX, 17 },
	{ "1795947593", STAMP_NONE, 0 },
	{ "1795947593123.5", STAMP_NONE, 0 },
	{ "[10834.177393]", STAMP_MONO, 14 },
	{ "[    5.123456]", STAMP_MONO, 14 },
	{ "[10834]", STAMP_NONE, 0 },
	{ "Mon Dec 25 13:31:15 2017", STAMP_CTIME, 24 },
	{ "Mon Dec  5 13:31:15 2017", STAMP_CTIME, 24 },
	{ "Mon Dec 25 13:31:15 201", STAMP_NONE, 0 },
	{ "", STAMP_NONE, 0 },
};

int
main(void)
{
	struct stamp_fields f;
	struct parse_knock k;
	struct parser *p;
	char line[512], err[256];
	size_t len;

	p = parse_new("KNOCK: ", NULL, err, sizeof(err));
	T_OK(p != NULL, "parse_new: %s", err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].s;
		enum stamp_kind kind;
		enum parse_result want, got;

		len = 0;
		kind = stamp_scan(s, strlen(s), &len);
		T_OK(kind == cases[i].kind, "%s: kind %d", s, (int)kind);
		if (kind != STAMP_NONE)
			T_OK(len == cases[i].len, "%s: length %zu", s, len);
		/* The parser takes the line when the whole token before the
		 * space is a stamp, and only then. */
		want = kind != STAMP_NONE && len == strlen(s) ? PARSE_KNOCK :
		    PARSE_NOMATCH;
		/* OpenWrt's ctime stamp is followed by no host. */
		snprintf(line, sizeof(line), "%s%s", s, kind == STAMP_CTIME ?
		    body + 3 : body);
		got = parse_line(p, line, strlen(line), &k);
		T_OK(got == want, "%s: parse_line %d, expected %d", s, got, want);
	}
	parse_free(p);

	/* No byte past n is read: a stamp cut short is none. */
	T_INTEQ(stamp_scan("2026-11-23T16:53:16", 18, &len), STAMP_NONE);
	T_INTEQ(stamp_scan("Nov 23 16:53:16", 14, &len), STAMP_NONE);
	T_INTEQ(stamp_scan("2026-11-23T16:53:16.5+01:00", 21, &len),
	    STAMP_RFC3339);
	T_INTEQ(len, 21);

	T_INTEQ(stamp_fields("Nov  3 06:03:09", 15, STAMP_CLASSIC, &f), 0);
	T_INTEQ(f.tm.tm_mon, 10);
	T_INTEQ(f.tm.tm_mday, 3);
	T_INTEQ(f.tm.tm_hour, 6);
	T_INTEQ(f.tm.tm_min, 3);
	T_INTEQ(f.tm.tm_sec, 9);
	T_INTEQ(stamp_fields("Foo 23 16:53:16", 15, STAMP_CLASSIC, &f), -1);
	T_INTEQ(stamp_fields("2026-11-23T16:53:16.123456+01:30", 32,
	    STAMP_RFC3339, &f), 0);
	T_INTEQ(f.tm.tm_year, 126);
	T_INTEQ(f.tm.tm_mon, 10);
	T_INTEQ(f.tm.tm_mday, 23);
	T_INTEQ(f.tm.tm_sec, 16);
	T_INTEQ(f.ms, 123);
	T_INTEQ(f.utc_off, 5400);
	T_INTEQ(stamp_fields("2026-11-23T16:53:16.1-0530", 26, STAMP_RFC3339,
	    &f), 0);
	T_INTEQ(f.ms, 100);
	T_INTEQ(f.utc_off, -19800);
	T_INTEQ(stamp_fields("2026-11-23T16:53:16Z", 20, STAMP_RFC3339, &f), 0);
	T_INTEQ(f.ms, 0);
	T_INTEQ(f.utc_off, 0);
	T_INTEQ(stamp_fields("2026-11-23T16:53:16+01", 22, STAMP_RFC3339, &f),
	    -1);
	T_INTEQ(stamp_fields("1899-11-23T16:53:16", 19, STAMP_RFC3339, &f), -1);
	T_INTEQ(stamp_zone("2026-11-23T16:53:16.98+00:00", 28, &f.ms,
	    &f.utc_off), 0);
	T_INTEQ(f.ms, 980);

	/* The zone of each new kind, and what replay gets from it. */
	T_INTEQ(stamp_fields("Nov 29 10:19:53.512041", 22, STAMP_CLASSIC, &f),
	    0);
	T_INTEQ(f.ms, 512);
	T_INTEQ(f.tz, STAMP_TZ_LOCAL);
	T_INTEQ(f.has_year, 0);
	T_INTEQ(stamp_fields("Sun 2026-11-29 10:19:53 UTC", 27, STAMP_FULL, &f),
	    0);
	T_INTEQ(f.tz, STAMP_TZ_FIXED);
	T_INTEQ(f.utc_off, 0);
	T_INTEQ(f.tm.tm_year, 126);
	T_INTEQ(f.tm.tm_mon, 10);
	T_INTEQ(f.tm.tm_mday, 29);
	T_INTEQ(f.tm.tm_hour, 10);
	T_INTEQ(stamp_fields("Sun 2026-11-29 13:19:53 +0300", 29, STAMP_FULL,
	    &f), 0);
	T_INTEQ(f.tz, STAMP_TZ_FIXED);
	T_INTEQ(f.utc_off, 10800);
	T_INTEQ(stamp_fields("Sun 2026-11-29 11:19:53 CET", 27, STAMP_FULL, &f),
	    0);
	T_INTEQ(f.tz, STAMP_TZ_LOCAL);
	T_INTEQ(stamp_fields("Mon Dec 25 13:31:15 2017", 24, STAMP_CTIME, &f),
	    0);
	T_INTEQ(f.tz, STAMP_TZ_LOCAL);
	T_INTEQ(f.has_year, 1);
	T_INTEQ(f.tm.tm_year, 117);
	T_INTEQ(f.tm.tm_mon, 11);
	T_INTEQ(f.tm.tm_mday, 25);
	T_INTEQ(stamp_fields("1795947593.512041", 17, STAMP_UNIX, &f), 0);
	T_INTEQ(f.tz, STAMP_TZ_EPOCH);
	T_OK(f.epoch == 1795947593, "epoch %lld", (long long)f.epoch);
	T_INTEQ(f.ms, 512);
	T_INTEQ(stamp_fields("[10834.177393]", 14, STAMP_MONO, &f), 0);
	T_INTEQ(f.tz, STAMP_TZ_NONE);
	return t_done();
}
