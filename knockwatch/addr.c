/* addr.c — parses and prints numeric addresses; the canonicalisation step
 * (inet_pton then inet_ntop) every address from a log line goes through.
 * Never resolves a name. */
#include "addr.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

int
addr_parse(const char *s, size_t len, struct kw_addr *out)
{
	char buf[ADDR_STRLEN];

	if (len == 0 || len >= sizeof(buf))
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

const char *
addr_ntop(const struct kw_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->a, buf, len) == NULL && len > 0)
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
