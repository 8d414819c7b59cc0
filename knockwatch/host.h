/* host.h — fleet mode's host names: the canonical text of the host field a
 * collector's log line carries, and the capped table that gives each host a
 * small number for the knock table's (host, source) key. */
#ifndef KW_HOST_H
#define KW_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

#define HOST_MAX	255	/* bytes of a host name (sequence-v2.md) */
#define HOST_MAX_TRACKED 4096	/* hosts one worker tells apart */
#define HOST_NONE	0	/* the id of "no host": a source without fleet */

/* Canonical text of the n bytes of untrusted host text at s into out
 * (outlen >= HOST_MAX + 1): an IPv4 or IPv6 address as addr_ntop writes it,
 * else a name of [A-Za-z0-9_.-] (lower-cased) that starts with a letter or
 * digit, at most HOST_MAX bytes. Returns the length, or -1 (nothing a
 * collector's template writes: the line names no host we can trust). */
int host_canon(const char *s, size_t n, char *out, size_t outlen);
/* For a fleet source: the canonical text of the host field of line (the
 * span parse_line left in k->host, k->hostlen) into buf (HOST_MAX + 1
 * bytes), and k->fleet_host = buf. For another source k->fleet_host =
 * NULL (the knock has no host). Returns 0, or -1 when a fleet line has no
 * valid host (drop it). */
int host_of_knock(int fleet, struct parse_knock *k, const char *line,
    char *buf);

struct host_table;

/* A table of at most cap (<= HOST_MAX_TRACKED) hosts, allocated once.
 * NULL when out of memory. */
struct host_table *host_new(unsigned cap);
void host_free(struct host_table *t);
/* The id (1..cap) of canonical name (NUL-terminated, from host_canon),
 * added if new; HOST_NONE for NULL or ""; -1 when the table is full (the
 * first refusal is logged). Allocates nothing. */
int host_intern(struct host_table *t, const char *name);
/* The id of name if known, else HOST_NONE (names never added). */
int host_find(const struct host_table *t, const char *name);
/* The name of id ("" for HOST_NONE or an unknown id). */
const char *host_name(const struct host_table *t, int id);
/* Hosts in the table. */
unsigned host_count(const struct host_table *t);
/* Bytes the table holds per host (for documentation and the bench). */
size_t host_bytes_per_host(void);

#endif
