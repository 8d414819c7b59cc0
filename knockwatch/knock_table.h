/* knock_table.h — the knock state machine's table, private to knock.c
 * and knock_carry.c (a reload's carry): nothing else may include it. */
#ifndef KW_KNOCK_TABLE_H
#define KW_KNOCK_TABLE_H

#include <stdint.h>

#include "hash.h"
#include "knock.h"
#include "otp.h"

#define KNOCK_NIL UINT32_MAX

/* Who knocks: the source address, and in fleet mode the host whose log
 * saw it (an id of the table's host_table; HOST_NONE otherwise). The one
 * key of attempts and penalties: knocks at two hosts never meet. */
struct knock_key {
	struct kw_addr src;
	uint16_t host;
};

struct attempt {
	kw_ms deadline;		/* first knock + door timeout */
	uint32_t hnext;		/* hash chain, or free list */
	uint32_t bucket;	/* its bucket, so unlinking needs no hash */
	uint32_t prev, next;	/* the door's list, oldest first */
	struct knock_key key;
	uint8_t stage;		/* knocks accepted so far */
	uint8_t last_proto;	/* last accepted knock, to spot retransmits */
	uint8_t k2_proto;	/* knock 2, kept for repeats (an HMAC door's */
	uint16_t last_sport, last_dport;
	uint16_t door;
	uint16_t k2_port;	/* cands hold knocks 1 and 3.. only) */
	struct otp_cands cands;	/* HMAC doors: users/steps still possible */
};

/* Members ordered largest first: no padding holes in the one structure
 * there are max_tracked of (the fleet host's 2 bytes took it from 96 to
 * 104 with the alignment of deadline). */
_Static_assert(sizeof(struct attempt) <= 104, "struct attempt grew");

struct door_list {
	uint32_t head, tail;
};

struct knock_table {
	const struct config *cfg;
	struct attempt *pool;
	uint32_t cap, hiwater, freelist;
	uint32_t *buckets;
	uint32_t mask;
	struct door_list *lists;
	struct otp *otp;
	struct host_table *hosts;	/* fleet mode, else NULL */
	struct penalties *pen;	/* NULL: no penalties configured */
	struct hash_key key;
	kw_ms now;		/* of the knock being fed */
	/* The knock being fed ended an attempt (reset, replay) / advanced
	 * or completed one: it is a failure when it did the first only. */
	int lost, progress;
	int forgiven;		/* ... and was a repeat at some door */
	const struct parse_knock *feeding;	/* for event records */
	knock_event_cb evcb;	/* NULL: no event records built */
	void *evarg;
	struct knock_stats st;
};

/* The keyed hash of a (host, source), computed once per knock. */
uint64_t knock_src_hash(const struct knock_table *t,
    const struct knock_key *key);
/* The attempt of key at door (hash h), or KNOCK_NIL. */
uint32_t knock_lookup(const struct knock_table *t,
    const struct knock_key *key, uint64_t h, uint16_t door);
/* A new attempt of key at door, deadline now + the door's timeout; the
 * oldest attempt is evicted when the table is full. Never NULL. */
struct attempt *knock_alloc_attempt(struct knock_table *t,
    const struct knock_key *key, uint64_t h, uint16_t door, kw_ms now);

#endif
