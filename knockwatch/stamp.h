/* stamp.h — recognises the timestamp that opens a syslog line, for the
 * parser (which skips it) and for replay (which reads the time from it):
 * one definition of which formats count. */
#ifndef KW_STAMP_H
#define KW_STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STAMP_MAX	40	/* RFC 3339 with nanoseconds and offset */

enum stamp_kind {
	STAMP_NONE = 0,
	STAMP_CLASSIC,	/* "Nov 23 16:53:16" (rsyslog, busybox, journalctl
			 * -o short), "Nov 23 16:53:16.912253" (-o
			 * short-precise): local time, no year */
	STAMP_RFC3339,	/* "2026-11-23T16:53:16.123456+01:00" (rsyslog),
			 * "2026-11-23T16:53:16.912253+0100" (-o short-iso,
			 * short-iso-precise) */
	STAMP_FULL,	/* "Sun 2026-11-29 10:19:37 CET" (-o short-full,
			 * with-unit): the zone is a name or "+hh[mm]" */
	STAMP_CTIME,	/* "Mon Dec 25 13:31:15 2017" (OpenWrt logread):
			 * local time with a year */
	STAMP_UNIX,	/* "1795947577.912253" (-o short-unix): UTC */
	STAMP_MONO,	/* "[10818.575793]" (-o short-monotonic): time since
			 * boot, no wall-clock time at all */
};

/* How the wall-clock time of a stamp is known. */
enum stamp_zone_kind {
	STAMP_TZ_LOCAL = 0,	/* a local time: in the zone of the reader */
	STAMP_TZ_FIXED,		/* tm at utc_off seconds east of UTC */
	STAMP_TZ_EPOCH,		/* epoch seconds, in epoch */
	STAMP_TZ_NONE,		/* no wall-clock time (monotonic) */
};

/* The fields of a recognised stamp. */
struct stamp_fields {
	struct tm tm;	/* year (when has_year), month, day, time; the
			 * rest zero */
	int ms;		/* milliseconds of the fraction, or 0 */
	int utc_off;	/* seconds east of UTC (STAMP_TZ_FIXED), or 0 */
	int has_year;	/* tm_year is the stamp's */
	enum stamp_zone_kind tz;
	int64_t epoch;	/* seconds since the epoch (STAMP_TZ_EPOCH) */
};

/* Whether [s, s + n) opens with a syslog timestamp: its kind, with its
 * length in *len (where a space should follow), or STAMP_NONE. Classic:
 * "Mmm dd hh:mm:ss" or "Mmm  d hh:mm:ss", 15 bytes (the month only
 * shaped like one), or with ".f" of 1..9 digits. RFC 3339:
 * "YYYY-MM-DDThh:mm:ss" with digits in their places, then the fraction
 * and offset characters [0-9.:+-TZ], at most STAMP_MAX bytes in all.
 * Full: "Www YYYY-MM-DD hh:mm:ss ZONE", ZONE 1..8 of [A-Za-z0-9+-]. Ctime:
 * "Www Mmm dd hh:mm:ss YYYY", 24 bytes. Unix: 1..12 digits, '.', 1..9
 * digits. Monotonic: '[', spaces, 1..10 digits, '.', 1..9 digits, ']'. s need not be NUL-terminated; pure, allocates
 * nothing, reads no byte past s + n. */
enum stamp_kind stamp_scan(const char *s, size_t n, size_t *len);
/* The fields of the stamp of kind and len (from stamp_scan) at s. Returns
 * 0, or -1 when a month name is none of Jan..Dec, a year is before 1900
 * or an RFC 3339 offset is not "+hh:mm" or "+hhmm". A full stamp's zone
 * "UTC", "GMT", "Z" or "+hh[mm]" is fixed; any other name is taken as the
 * reader's local zone (STAMP_TZ_LOCAL). */
int stamp_fields(const char *s, size_t len, enum stamp_kind kind,
    struct stamp_fields *f);
/* Only the fraction (*ms) and offset (*utc_off, seconds east of UTC) of an
 * RFC 3339 stamp of len bytes at s, for a caller that knows its date and
 * time already: 0, or -1 for an offset of another shape. */
int stamp_zone(const char *s, size_t len, int *ms, int *utc_off);
/* The milliseconds of a fraction ".f" (s[0] == '.') of n bytes: its first
 * three digits, 0 when it has none. */
int stamp_fraction_ms(const char *s, size_t n);

#endif
