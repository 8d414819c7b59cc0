/* stamp.h — recognises the timestamp that opens a syslog line, for the
 * parser (which skips it) and for replay (which reads the time from it):
 * one definition of which formats count. */
#ifndef KW_STAMP_H
#define KW_STAMP_H

#include <stddef.h>
#include <time.h>

#define STAMP_MAX	40	/* RFC 3339 with nanoseconds and offset */

enum stamp_kind {
	STAMP_NONE = 0,
	STAMP_CLASSIC,	/* "Nov 23 16:53:16": local time, no year */
	STAMP_RFC3339,	/* "2026-11-23T16:53:16.123456+01:00" */
};

/* The fields of a recognised stamp. */
struct stamp_fields {
	struct tm tm;	/* year (RFC 3339 only), month, day, time; the
			 * rest zero */
	int ms;		/* milliseconds of the fraction (RFC 3339), or 0 */
	int utc_off;	/* seconds east of UTC (RFC 3339), or 0 */
};

/* Whether [s, s + n) opens with a syslog timestamp: its kind, with its
 * length in *len (where a space should follow), or STAMP_NONE. Classic:
 * "Mmm dd hh:mm:ss" or "Mmm  d hh:mm:ss", 15 bytes (the month only
 * shaped like one). RFC 3339: "YYYY-MM-DDThh:mm:ss" with digits in their
 * places, then the fraction and offset characters [0-9.:+-TZ], at most
 * STAMP_MAX bytes in all. s need not be NUL-terminated; pure, allocates
 * nothing, reads no byte past s + n. */
enum stamp_kind stamp_scan(const char *s, size_t n, size_t *len);
/* The fields of the stamp of kind and len (from stamp_scan) at s. Returns
 * 0, or -1 when a classic month name is none of Jan..Dec, an RFC 3339
 * year is before 1900 or its offset is not "+hh:mm" or "+hhmm". */
int stamp_fields(const char *s, size_t len, enum stamp_kind kind,
    struct stamp_fields *f);
/* Only the fraction (*ms) and offset (*utc_off, seconds east of UTC) of an
 * RFC 3339 stamp of len bytes at s, for a caller that knows its date and
 * time already: 0, or -1 for an offset of another shape. */
int stamp_zone(const char *s, size_t len, int *ms, int *utc_off);

#endif
