/* addr.h — numeric IPv4/IPv6 addresses in one canonical binary form. */
#ifndef KW_ADDR_H
#define KW_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ADDR_STRLEN INET6_ADDRSTRLEN	/* 46, includes the NUL */

struct kw_addr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t a[16];		/* network order; IPv4 uses a[0..3], rest zero */
};

/* Parses len bytes of numeric address text (never a host name). Untrusted
 * input: at most ADDR_STRLEN-1 bytes, copied to a bounded buffer and given to
 * inet_pton. Returns 0 and fills *out, or -1. */
int addr_parse(const char *s, size_t len, struct kw_addr *out);
/* Canonical text (knockwatch/2, doc/protocol.md): IPv4 dotted decimal, IPv6
 * RFC 5952 in hexadecimal only, never with a dotted IPv4 tail
 * ("::ffff:c000:207", "::102:304"). buf has at least ADDR_STRLEN bytes
 * (else it gets ""). The one text used for bind, %SRC%, KNOCK_SRC, the
 * journal, status and logs. Returns buf. */
const char *addr_ntop(const struct kw_addr *a, char *buf, size_t len);
int addr_eq(const struct kw_addr *x, const struct kw_addr *y);
/* Address length in bytes for the family: 4 or 16. */
size_t addr_len(const struct kw_addr *a);

struct kw_cidr {
	struct kw_addr net;	/* host bits cleared */
	uint8_t prefix;		/* 0..32 or 0..128 */
};

/* Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a host
 * prefix). Returns 0, or -1 for bad text or host bits set. */
int addr_cidr_parse(const char *s, struct kw_cidr *out);
/* 1 when a lies inside c (same family), else 0. */
int addr_in_cidr(const struct kw_addr *a, const struct kw_cidr *c);
/* 1 when a lies inside any of the n networks. */
int addr_in_any(const struct kw_addr *a, const struct kw_cidr *v, int n);

#endif
