/* host.c — fleet mode's host names: canonical text for the host field of a
 * collector's line (an address as addr_ntop writes it, or a lower-case name
 * of a small alphabet that no option parser takes for a flag), and a table
 * allocated once that numbers the hosts. Never resolves a name. */
#include "host.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "hash.h"
#include "log.h"

struct host_ent {
	uint16_t len;
	char name[HOST_MAX + 1];
};

struct host_table {
	struct host_ent *ent;	/* ent[1..n]; ent[0] unused (HOST_NONE) */
	uint16_t *slot;		/* open addressing: ids, 0 = empty */
	uint32_t mask;
	unsigned n, cap;
	int warned;
	struct hash_key key;
};

/* 1 when [s, s + n) is IPv4 text in canonical form already: four decimal
 * numbers 0..255 without leading zeros (what %fromhost-ip% writes). */
static int
host_ip4_canonical(const char *s, size_t n)
{
	unsigned parts = 0, v = 0, digits = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || v > 255 || ++parts > 4)
				return 0;
			v = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			if (digits > 0 && v == 0)
				return 0;	/* a leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3)
				return 0;
		} else
			return 0;
	}
	return parts == 4;
}

int
host_canon(const char *s, size_t n, char *out, size_t outlen)
{
	struct kw_addr a;

	if (n == 0 || n > HOST_MAX || outlen < HOST_MAX + 1)
		return -1;
	/* The common case, checked by hand: the collector's template wrote
	 * the sender's IPv4 address. */
	if (host_ip4_canonical(s, n)) {
		memcpy(out, s, n);
		out[n] = '\0';
		return (int)n;
	}
	/* An address in any spelling inet_pton takes becomes its one text:
	 * the collector's %fromhost-ip% and a hosts: list then agree. */
	if (n < ADDR_STRLEN && addr_parse(s, n, &a) == 0) {
		addr_ntop(&a, out, outlen);
		return (int)strlen(out);
	}
	/* A name: it reaches argv (ssh's destination) and the HMAC door
	 * field, so never a leading '-' or '.', never a ':' (not an address
	 * after all), nothing outside the alphabet. */
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_'))
			return -1;
		out[i] = c;
	}
	out[n] = '\0';
	/* Digits and dots only, yet no address ("10.0.0.001"): a second
	 * spelling of some address, not a name. */
	if (strspn(out, "0123456789.") == n)
		return -1;
	return (int)n;
}

int
host_of_knock(int fleet, struct parse_knock *k, const char *line, char *buf)
{
	k->fleet_host = NULL;
	if (!fleet)
		return 0;
	if (line == NULL || k->hostlen == 0 ||
	    host_canon(line + k->host, k->hostlen, buf, HOST_MAX + 1) < 0)
		return -1;
	k->fleet_host = buf;
	return 0;
}

struct host_table *
host_new(unsigned cap)
{
	struct host_table *t;
	uint32_t nb = 16;

	if (cap > HOST_MAX_TRACKED)
		cap = HOST_MAX_TRACKED;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cap = cap;
	while (nb < cap * 2)
		nb <<= 1;
	t->mask = nb - 1;
	/* calloc: pages of names never seen stay unmapped. */
	t->ent = calloc((size_t)cap + 1, sizeof(*t->ent));
	t->slot = calloc(nb, sizeof(*t->slot));
	if (t->ent == NULL || t->slot == NULL) {
		host_free(t);
		return NULL;
	}
	hash_key_random(&t->key);
	return t;
}

void
host_free(struct host_table *t)
{
	if (t == NULL)
		return;
	free(t->ent);
	free(t->slot);
	free(t);
}

/* The slot of name: where it is, or the empty slot where it would go. */
static uint32_t
host_slot(const struct host_table *t, const char *name, size_t len)
{
	uint32_t i = (uint32_t)hash_bytes(&t->key, name, len) & t->mask;

	while (t->slot[i] != 0) {
		const struct host_ent *e = &t->ent[t->slot[i]];
		if (e->len == len && memcmp(e->name, name, len) == 0)
			break;
		i = (i + 1) & t->mask;
	}
	return i;
}

int
host_find(const struct host_table *t, const char *name)
{
	size_t len;

	if (name == NULL || (len = strlen(name)) == 0 || len > HOST_MAX)
		return HOST_NONE;
	return t->slot[host_slot(t, name, len)];
}

int
host_intern(struct host_table *t, const char *name)
{
	size_t len;
	uint32_t i;

	if (name == NULL || (len = strlen(name)) == 0)
		return HOST_NONE;
	if (len > HOST_MAX)
		return -1;
	i = host_slot(t, name, len);
	if (t->slot[i] != 0)
		return t->slot[i];
	if (t->n >= t->cap) {
		if (!t->warned) {
			t->warned = 1;
			log_warnx("fleet: %u hosts tracked already: lines of "
			    "further hosts are ignored (is the collector's "
			    "template writing the sender's address in the host "
			    "field?)", t->cap);
		}
		return -1;
	}
	t->n++;
	t->ent[t->n].len = (uint16_t)len;
	memcpy(t->ent[t->n].name, name, len);
	t->ent[t->n].name[len] = '\0';
	t->slot[i] = (uint16_t)t->n;
	return (int)t->n;
}

const char *
host_name(const struct host_table *t, int id)
{
	if (t == NULL || id <= 0 || (unsigned)id > t->n)
		return "";
	return t->ent[id].name;
}

unsigned
host_count(const struct host_table *t)
{
	return t->n;
}

size_t
host_bytes_per_host(void)
{
	return sizeof(struct host_ent) + 2 * sizeof(uint16_t);
}
