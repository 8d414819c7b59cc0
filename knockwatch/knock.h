/* knock.h — the per-(host, source, door) knock state machine over a capped
 * table (the host: fleet mode's, host.h; none otherwise). */
#ifndef KW_KNOCK_H
#define KW_KNOCK_H

#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "parse.h"

/* A completed sequence: the door is to be opened for src. */
struct knock_open {
	int door;		/* index into the config's doors */
	struct kw_addr src;
	int user;		/* index into the config's users, -1 for static doors */
	uint16_t open_port;	/* 0 when the door has no open_range */
	uint64_t step;		/* HMAC time step that opened, 0 for static */
	const char *host;	/* the fleet host that saw the sequence, or ""
				 * (valid during the callback) */
};

typedef void (*knock_open_cb)(void *arg, const struct knock_open *ev);

struct knock_stats {
	uint64_t knocks;	/* knocks fed */
	uint64_t advances;	/* expected next knocks */
	uint64_t resets;	/* attempts ended by a wrong knock */
	uint64_t retransmits;	/* repeated SYNs ignored */
	uint64_t expired;	/* attempts ended by their timeout */
	uint64_t evictions;	/* attempts evicted because the table was full */
	uint64_t opens;		/* completed sequences */
	uint64_t replays;	/* HMAC sequences refused as spent */
	uint64_t denied;	/* knocks from sources outside allow/deny */
	uint64_t penalties;	/* sources put on penalty */
	uint64_t penalised;	/* knocks ignored from penalised sources */
	uint64_t nohost;	/* fleet knocks ignored: too many hosts */
	uint32_t tracked;	/* attempts in the table now */
	uint32_t capacity;
};

struct knock_table;

/* Builds the table for a loaded config (which must outlive it), with room
 * for max_tracked attempts, allocated once. Returns NULL on out-of-memory. */
struct knock_table *knock_new(const struct config *c);
/* Feeds one knock seen at monotonic time now and wall time wall. Calls cb
 * for every door the knock completes. k->host (canonical, host_of_knock)
 * names the fleet host, or is NULL: attempts, penalties and HMAC
 * sequences are per (host, source), and a door with hosts: opens only
 * for a host of its list. Allocates nothing (a new host takes a slot of
 * the table allocated once). */
void knock_feed(struct knock_table *t, const struct parse_knock *k,
    kw_ms now, time_t wall, knock_open_cb cb, void *arg);
/* On reload: copies into t (new, empty) the attempts in progress of old at
 * static doors that keep their name and sequence (stage kept; deadline =
 * first knock + the new timeout), as far as t has room, the penalties and
 * bans, and the counters (tracked and capacity are t's own). HMAC
 * attempts start over. old is not changed; the caller frees it. */
void knock_carry(struct knock_table *t, const struct knock_table *old);
/* Ends attempts whose timeout passed. */
void knock_expire(struct knock_table *t, kw_ms now);
/* Earliest attempt deadline, or KW_MS_NEVER. */
kw_ms knock_deadline(const struct knock_table *t);
void knock_stats(const struct knock_table *t, struct knock_stats *st);
/* Bytes of table memory per tracked attempt (for documentation and -n -v). */
size_t knock_bytes_per_attempt(void);
void knock_free(struct knock_table *t);
/* Attempts of door by stage: counts[s] = attempts with s knocks done. */
void knock_stages(const struct knock_table *t, int door, uint32_t *counts,
    unsigned n);
/* Spent HMAC steps to and from path (see otp_save/otp_load). 0 or -1. */
int knock_save_spent(const struct knock_table *t, const char *path,
    char *err, size_t errlen);
int knock_load_spent(struct knock_table *t, const char *path,
    char *err, size_t errlen);

#endif
