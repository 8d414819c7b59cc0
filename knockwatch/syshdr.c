/* syshdr.c — reads the header of a syslog line (stamp, host, busybox
 * facility, tag) for the parser: which formats count and where the host
 * and the kernel message are. Untrusted bytes: fixed places, bounded runs,
 * nothing allocated. */
#include "syshdr.h"

#include <string.h>

/* The length of the token at s (up to a space), or 0 when it holds a byte
 * outside '!'..'~' or is longer than max. */
static size_t
syshdr_token(const char *s, const char *end, size_t max)
{
	const char *q;

	for (q = s; q < end && *q != ' '; q++)
		if ((size_t)(q - s) >= max || *q <= ' ' || *q > '~')
			return 0;
	return (size_t)(q - s);
}

/* Whether the n bytes at s are busybox's "facility.priority" ("kern.warn",
 * "local7.info"): lower-case letters and digits, one '.' inside, no ':'
 * (a tag ends in one). */
static int
syshdr_facpri(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	if (dot == NULL || dot == s || dot == s + n - 1 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s + i == dot))
			return 0;
	return 1;
}

int
syshdr_scan(const char *s, size_t n, struct syshdr *h)
{
	const char *end = s + n, *q;
	size_t len, t;

	memset(h, 0, sizeof(*h));
	if ((h->kind = stamp_scan(s, n, &len)) == STAMP_NONE || len >= n ||
	    s[len] != ' ')
		return 0;
	h->stamplen = len;
	q = s + len + 1;
	if (h->kind != STAMP_CTIME) {
		if ((t = syshdr_token(q, end, SYSHDR_MAX_HOST)) == 0 ||
		    q + t == end)
			return 0;
		h->host = (size_t)(q - s);
		h->hostlen = t;
		q += t + 1;
	}
	/* busybox syslogd and OpenWrt logread show the facility: only the
	 * kernel's own lines are "kern.*"; a program may call itself
	 * "kernel" under another facility. */
	t = syshdr_token(q, end, 16);
	if (t > 0 && q + t < end && syshdr_facpri(q, t)) {
		if (t < 5 || memcmp(q, "kern.", 5) != 0)
			return 1;
		q += t + 1;
	}
	if (end - q >= 8 && memcmp(q, "kernel: ", 8) == 0) {
		h->kernel = 1;
		h->msg = (size_t)(q + 8 - s);
	}
	return 1;
}
