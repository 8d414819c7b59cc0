/* addr.c — parses and prints numeric addresses; the canonicalisation step
 * (inet_pton then inet_ntop) every address from a log line goes through.
 * Never resolves a name. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Dotted-quad IPv4 by hand, as strict as inet_pton: four decimal parts of
 * 0..255 without leading zeros. The common case on the per-line path. */
static int
addr_parse4(const char *s, size_t len, struct kw_addr *out)
{
	unsigned part = 0, val = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (digits == 0 || part > 3)
				return -1;
			out->a[part++] = (uint8_t)val;
			val = digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || (digits == 1 && val == 0))
			return -1;
		val = val * 10 + (unsigned)(s[i] - '0');
		if (val > 255 || ++digits > 3)
			return -1;
	}
	return part == 4 ? 0 : -1;
}

int
addr_parse(const char *s, size_t len, struct kw_addr *out)
{
	char buf[ADDR_STRLEN];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (len <= 15 && memchr(s, ':', len) == NULL) {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		return addr_parse4(s, len, out);
	}
	/* A NUL inside would make inet_pton read a shorter text than the
	 * caller handed in ("::1\0abc" as ::1). */
	if (memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (memchr(buf, ':', len) != NULL) {
		out->family = AF_INET6;
		return inet_pton(AF_INET6, buf, out->a) == 1 ? 0 : -1;
	}
	out->family = AF_INET;
	return inet_pton(AF_INET, buf, out->a) == 1 ? 0 : -1;
}

/* RFC 5952 text in hexadecimal only: lower case, no leading zeros, the
 * longest run of two or more zero groups (the first if tied) as "::", and
 * never a dotted IPv4 tail (inet_ntop writes "::ffff:192.0.2.7" and
 * "::1.2.3.4"; the knockwatch/2 canonical form is "::ffff:c000:207" and
 * "::102:304"). buf has at least ADDR_STRLEN bytes. */
static void
addr_ntop6(const uint8_t a[16], char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8], i, best = 8, bestlen = 0, run = 0;
	char *p = buf;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i++) {
		run = w[i] == 0 ? run + 1 : 0;
		if (run > bestlen) {
			bestlen = run;
			best = i + 1 - run;
		}
	}
	if (bestlen < 2)
		best = 8;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		if (w[i] >= 0x1000)
			*p++ = hex[w[i] >> 12];
		if (w[i] >= 0x100)
			*p++ = hex[w[i] >> 8 & 15];
		if (w[i] >= 0x10)
			*p++ = hex[w[i] >> 4 & 15];
		*p++ = hex[w[i] & 15];
	}
	*p = '\0';
}

const char *
addr_ntop(const struct kw_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (a->family == AF_INET6) {
		if (len < ADDR_STRLEN)
			buf[0] = '\0';
		else
			addr_ntop6(a->a, buf);
		return buf;
	}
	if (inet_ntop(a->family, a->a, buf, len) == NULL)
		buf[0] = '\0';
	return buf;
}

int
addr_eq(const struct kw_addr *x, const struct kw_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

size_t
addr_len(const struct kw_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

int
addr_cidr_parse(const char *s, struct kw_cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix;
	char *end;
	size_t max;

	memset(out, 0, sizeof(*out));
	if (addr_parse(s, alen, &out->net) == -1)
		return -1;
	max = addr_len(&out->net) * 8;
	if (slash == NULL)
		prefix = max;
	else {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max || end - slash > 4)
			return -1;
	}
	out->prefix = (uint8_t)prefix;
	for (size_t bit = prefix; bit < max; bit++)
		if (out->net.a[bit / 8] & (0x80 >> (bit % 8)))
			return -1;	/* host bits set: a typo, refuse it */
	return 0;
}

int
addr_in_cidr(const struct kw_addr *a, const struct kw_cidr *c)
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (a->family != c->net.family)
		return 0;
	if (memcmp(a->a, c->net.a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->a[full] ^ c->net.a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
addr_in_any(const struct kw_addr *a, const struct kw_cidr *v, int n)
{
	for (int i = 0; i < n; i++)
		if (addr_in_cidr(a, &v[i]))
			return 1;
	return 0;
}
