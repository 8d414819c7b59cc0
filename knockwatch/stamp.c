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

enum stamp_kind
stamp_scan(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, lim;

	if (n >= 15 && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'a' && s[1] <= 'z' && s[2] >= 'a' && s[2] <= 'z' &&
	    s[3] == ' ' && (s[4] == ' ' || stamp_digit(s[4])) &&
	    stamp_digit(s[5]) && s[6] == ' ' &&
	    stamp_digit(s[7]) && stamp_digit(s[8]) && s[9] == ':' &&
	    stamp_digit(s[10]) && stamp_digit(s[11]) && s[12] == ':' &&
	    stamp_digit(s[13]) && stamp_digit(s[14])) {
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

int
stamp_fields(const char *s, size_t len, enum stamp_kind kind,
    struct stamp_fields *f)
{
	memset(f, 0, sizeof(*f));
	switch (kind) {
	case STAMP_CLASSIC:
		f->tm.tm_mon = -1;
		for (int m = 0; m < 12; m++)
			if (memcmp(s, stamp_months[m], 3) == 0)
				f->tm.tm_mon = m;
		f->tm.tm_mday = s[4] == ' ' ? stamp_num(s + 5, 1) :
		    stamp_num(s + 4, 2);
		f->tm.tm_hour = stamp_num(s + 7, 2);
		f->tm.tm_min = stamp_num(s + 10, 2);
		f->tm.tm_sec = stamp_num(s + 13, 2);
		break;
	case STAMP_RFC3339:
		f->tm.tm_year = stamp_num(s, 4) - 1900;
		f->tm.tm_mon = stamp_num(s + 5, 2) - 1;
		f->tm.tm_mday = stamp_num(s + 8, 2);
		f->tm.tm_hour = stamp_num(s + 11, 2);
		f->tm.tm_min = stamp_num(s + 14, 2);
		f->tm.tm_sec = stamp_num(s + 17, 2);
		if (f->tm.tm_year < 0 || stamp_zone(s, len, &f->ms, &f->utc_off) == -1)
			return -1;	/* before 1900, or a bad offset */
		break;
	case STAMP_NONE:	/* no default: a new kind must be handled */
		return -1;
	}
	if (f->tm.tm_mon < 0 || f->tm.tm_mday < 0 || f->tm.tm_hour < 0 ||
	    f->tm.tm_min < 0 || f->tm.tm_sec < 0)
		return -1;
	return 0;
}
