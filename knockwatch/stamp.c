/* stamp.c — the one recogniser of syslog timestamps, shared by the parser
 * and `replay`, so that a format added for one is not missing from the
 * other. It reads untrusted bytes: only fixed positions and a bounded
 * run, nothing allocated, no locale. */
#include "stamp.h"

#include <stdint.h>
#include <string.h>

static const char stamp_months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The bytes that may follow the seconds of an RFC 3339 stamp: digits and
 * ".:+-TZ". A table: this runs on every line, twice under replay. */
static const unsigned char stamp_tail[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1, [':'] = 1,
	['.'] = 1, ['+'] = 1, ['T'] = 1, ['Z'] = 1,
};

static inline int
stamp_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* The n digits at s as a number, or -1. */
static int
stamp_num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!stamp_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Whether the 8 bytes at s hold digits where dmask has 0xff bytes and
 * exactly the bytes of lit elsewhere: three compares instead of eight. */
static inline int
stamp_word(const char *s, uint64_t dmask, uint64_t lit)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL, zero = 0x3030303030303030ULL;
	uint64_t w, d;

	memcpy(&w, s, sizeof(w));
	if ((w & ~dmask) != lit)
		return 0;
	d = w & dmask;
	/* '0'..'9' is 0x30..0x39: high nibble 3, and still 3 after +6. */
	return (d & hi) == (zero & dmask) &&
	    ((d + (0x0606060606060606ULL & dmask)) & hi) == (zero & dmask);
}

/* "YYYY-MM-DDThh:mm:ss" at s, which has 19 bytes. */
static inline int
stamp_rfc_head(const char *s)
{
	return stamp_word(s, 0x00ffff00ffffffffULL, 0x2d00002d00000000ULL) &&
	    stamp_word(s + 8, 0xffff00ffff00ffffULL, 0x00003a0000540000ULL) &&
	    stamp_word(s + 11, 0xffff00ffff00ffffULL, 0x00003a00003a0000ULL);
}
#else
static inline int
stamp_rfc_head(const char *s)
{
	return stamp_digit(s[0]) && stamp_digit(s[1]) &&
	    stamp_digit(s[2]) && stamp_digit(s[3]) && s[4] == '-' &&
	    stamp_digit(s[5]) && stamp_digit(s[6]) && s[7] == '-' &&
	    stamp_digit(s[8]) && stamp_digit(s[9]) && s[10] == 'T' &&
	    stamp_digit(s[11]) && stamp_digit(s[12]) && s[13] == ':' &&
	    stamp_digit(s[14]) && stamp_digit(s[15]) && s[16] == ':' &&
	    stamp_digit(s[17]) && stamp_digit(s[18]);
}
#endif

/* "Mmm dd hh:mm:ss" or "Mmm  d hh:mm:ss" at s, which has 15 bytes: the
 * month only shaped like one (stamp_fields checks the name). */
static int
stamp_classic(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'a' && s[1] <= 'z' && s[2] >= 'a' && s[2] <= 'z' &&
	    s[3] == ' ' && (s[4] == ' ' || stamp_digit(s[4])) &&
	    stamp_digit(s[5]) && s[6] == ' ' &&
	    stamp_digit(s[7]) && stamp_digit(s[8]) && s[9] == ':' &&
	    stamp_digit(s[10]) && stamp_digit(s[11]) && s[12] == ':' &&
	    stamp_digit(s[13]) && stamp_digit(s[14]);
}

/* A weekday's shape "Www " at s, which has 4 bytes. */
static int
stamp_wday(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' &&
	    s[2] >= 'a' && s[2] <= 'z' && s[3] == ' ';
}

/* The number of digits at s, reading at most max + 1 of the n bytes. */
static size_t
stamp_run(const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i <= max && stamp_digit(s[i]); i++)
		;
	return i;
}

/* "digits.digits" at s: 1..imax digits, '.', 1..9 digits; its length,
 * or 0. */
static size_t
stamp_decimal(const char *s, size_t n, size_t imax)
{
	size_t i, f;

	i = stamp_run(s, n, imax);
	if (i == 0 || i > imax || i >= n || s[i] != '.')
		return 0;
	f = stamp_run(s + i + 1, n - i - 1, 9);
	if (f == 0 || f > 9)
		return 0;
	return i + 1 + f;
}

enum stamp_kind
stamp_scan(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, lim, f;

	if (n >= 15 && stamp_classic(s)) {
		/* -o short-precise: ".f", microseconds in practice. */
		if (n > 16 && s[15] == '.' &&
		    (f = stamp_run(s + 16, n - 16, 9)) > 0 && f <= 9) {
			*len = 16 + f;
			return STAMP_CLASSIC;
		}
		*len = 15;
		return STAMP_CLASSIC;
	}
	if (n >= 19 && stamp_rfc_head(s)) {
		/* The fraction and offset: up to the first other byte, 8 at a
		 * time while the line is long enough; one byte past
		 * STAMP_MAX is enough to know the stamp is too long. */
		lim = n < STAMP_MAX + 1 ? n : STAMP_MAX + 1;
		for (i = 19; i + 8 <= lim && (stamp_tail[u[i]] &
		    stamp_tail[u[i + 1]] & stamp_tail[u[i + 2]] &
		    stamp_tail[u[i + 3]] & stamp_tail[u[i + 4]] &
		    stamp_tail[u[i + 5]] & stamp_tail[u[i + 6]] &
		    stamp_tail[u[i + 7]]); i += 8)
			;
		for (; i < lim && stamp_tail[u[i]]; i++)
			;
		if (i > STAMP_MAX)
			return STAMP_NONE;
		*len = i;
		return STAMP_RFC3339;
	}
	if (n >= 24 && stamp_wday(s) && stamp_classic(s + 4) &&
	    s[19] == ' ' && stamp_run(s + 20, n - 20, 4) == 4 &&
	    (n == 24 || !stamp_digit(s[24]))) {
		*len = 24;
		return STAMP_CTIME;
	}
	if (n >= 25 && stamp_wday(s) && stamp_digit(s[4]) &&
	    stamp_digit(s[5]) && stamp_digit(s[6]) && stamp_digit(s[7]) &&
	    s[8] == '-' && stamp_digit(s[9]) && stamp_digit(s[10]) &&
	    s[11] == '-' && stamp_digit(s[12]) && stamp_digit(s[13]) &&
	    s[14] == ' ' && stamp_digit(s[15]) && stamp_digit(s[16]) &&
	    s[17] == ':' && stamp_digit(s[18]) && stamp_digit(s[19]) &&
	    s[20] == ':' && stamp_digit(s[21]) && stamp_digit(s[22]) &&
	    s[23] == ' ') {
		/* The zone: a name ("UTC", "CET") or a number ("+03"). */
		for (i = 24; i < n && i < 33 && ((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || stamp_digit(s[i]) ||
		    s[i] == '+' || s[i] == '-'); i++)
			;
		if (i == 24 || i == 33)
			return STAMP_NONE;
		*len = i;
		return STAMP_FULL;
	}
	if (n >= 3 && stamp_digit(s[0]) && (i = stamp_decimal(s, n, 12)) > 0) {
		*len = i;
		return STAMP_UNIX;
	}
	if (n >= 4 && s[0] == '[') {
		for (i = 1; i < n && i < 16 && s[i] == ' '; i++)
			;
		if ((f = stamp_decimal(s + i, n - i, 10)) > 0 && i + f < n &&
		    s[i + f] == ']') {
			*len = i + f + 1;
			return STAMP_MONO;
		}
	}
	return STAMP_NONE;
}

/* RFC 3339 after the seconds: ".fff" (any number of digits, the first
 * three count), then "Z", "+hh:mm" or "+hhmm" (or '-'). */
int
stamp_zone(const char *s, size_t len, int *ms, int *utc_off)
{
	size_t i = 19;
	int digits = 0, hh, mm;

	*ms = *utc_off = 0;
	if (i < len && s[i] == '.') {
		for (i++; i < len && stamp_digit(s[i]); i++)
			if (digits++ < 3)
				*ms = *ms * 10 + (s[i] - '0');
		for (; digits < 3; digits++)
			*ms *= 10;
	}
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (i + 6 <= len && s[i + 3] == ':') {
			hh = stamp_num(s + i + 1, 2);
			mm = stamp_num(s + i + 4, 2);
		} else if (i + 5 <= len) {
			hh = stamp_num(s + i + 1, 2);
			mm = stamp_num(s + i + 3, 2);
		} else
			return -1;
		if (hh < 0 || mm < 0)
			return -1;
		*utc_off = (hh * 60 + mm) * 60 * (s[i] == '+' ? 1 : -1);
	}
	return 0;
}

/* The month named at s (3 bytes), 0..11, or -1. */
static int
stamp_month(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (memcmp(s, stamp_months[m], 3) == 0)
			return m;
	return -1;
}

/* Milliseconds of the ".f" at s (s[0] == '.'), of n bytes in all. */
int
stamp_fraction_ms(const char *s, size_t n)
{
	int ms = 0, digits = 0;

	for (size_t i = 1; i < n && stamp_digit(s[i]) && digits < 3; i++) {
		ms = ms * 10 + (s[i] - '0');
		digits++;
	}
	for (; digits < 3; digits++)
		ms *= 10;
	return ms;
}

/* "Mmm dd hh:mm:ss" at s into f->tm. */
static void
stamp_classic_tm(const char *s, struct stamp_fields *f)
{
	f->tm.tm_mon = stamp_month(s);
	f->tm.tm_mday = s[4] == ' ' ? stamp_num(s + 5, 1) :
	    stamp_num(s + 4, 2);
	f->tm.tm_hour = stamp_num(s + 7, 2);
	f->tm.tm_min = stamp_num(s + 10, 2);
	f->tm.tm_sec = stamp_num(s + 13, 2);
}

/* A full stamp's zone of n bytes at z: fixed or the reader's. */
static int
stamp_zone_name(const char *z, size_t n, struct stamp_fields *f)
{
	int hh, mm = 0;

	if ((n == 3 && (memcmp(z, "UTC", 3) == 0 || memcmp(z, "GMT", 3) == 0))
	    || (n == 1 && z[0] == 'Z')) {
		f->tz = STAMP_TZ_FIXED;
		return 0;
	}
	if ((z[0] == '+' || z[0] == '-') && (n == 3 || n == 5)) {
		if ((hh = stamp_num(z + 1, 2)) < 0 ||
		    (n == 5 && (mm = stamp_num(z + 3, 2)) < 0))
			return -1;
		f->utc_off = (hh * 60 + mm) * 60 * (z[0] == '+' ? 1 : -1);
		f->tz = STAMP_TZ_FIXED;
		return 0;
	}
	f->tz = STAMP_TZ_LOCAL;
	return 0;
}

int
stamp_fields(const char *s, size_t len, enum stamp_kind kind,
    struct stamp_fields *f)
{
	int64_t v;
	size_t i;

	memset(f, 0, sizeof(*f));
	switch (kind) {
	case STAMP_CLASSIC:
		stamp_classic_tm(s, f);
		if (len > 15)
			f->ms = stamp_fraction_ms(s + 15, len - 15);
		f->tz = STAMP_TZ_LOCAL;
		break;
	case STAMP_CTIME:
		stamp_classic_tm(s + 4, f);
		f->tm.tm_year = stamp_num(s + 20, 4) - 1900;
		f->has_year = 1;
		f->tz = STAMP_TZ_LOCAL;
		break;
	case STAMP_FULL:
		f->tm.tm_year = stamp_num(s + 4, 4) - 1900;
		f->tm.tm_mon = stamp_num(s + 9, 2) - 1;
		f->tm.tm_mday = stamp_num(s + 12, 2);
		f->tm.tm_hour = stamp_num(s + 15, 2);
		f->tm.tm_min = stamp_num(s + 18, 2);
		f->tm.tm_sec = stamp_num(s + 21, 2);
		f->has_year = 1;
		if (stamp_zone_name(s + 24, len - 24, f) == -1)
			return -1;
		break;
	case STAMP_RFC3339:
		f->tm.tm_year = stamp_num(s, 4) - 1900;
		f->tm.tm_mon = stamp_num(s + 5, 2) - 1;
		f->tm.tm_mday = stamp_num(s + 8, 2);
		f->tm.tm_hour = stamp_num(s + 11, 2);
		f->tm.tm_min = stamp_num(s + 14, 2);
		f->tm.tm_sec = stamp_num(s + 17, 2);
		f->has_year = 1;
		f->tz = STAMP_TZ_FIXED;
		if (stamp_zone(s, len, &f->ms, &f->utc_off) == -1)
			return -1;	/* a bad offset */
		break;
	case STAMP_UNIX:
		for (i = 0, v = 0; i < len && stamp_digit(s[i]); i++)
			v = v * 10 + (s[i] - '0');
		f->epoch = v;
		f->ms = stamp_fraction_ms(s + i, len - i);
		f->tz = STAMP_TZ_EPOCH;
		return 0;
	case STAMP_MONO:
		f->tz = STAMP_TZ_NONE;
		return 0;
	case STAMP_NONE:	/* no default: a new kind must be handled */
		return -1;
	}
	if (f->tm.tm_year < 0 || f->tm.tm_mon < 0 || f->tm.tm_mday < 0 ||
	    f->tm.tm_hour < 0 || f->tm.tm_min < 0 || f->tm.tm_sec < 0)
		return -1;
	return 0;
}
