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

/* What a knock (or the clock) did to one door's attempt: the record behind
 * `replay -v` and the daemon's -v lines, so that neither re-derives the
 * state machine's decisions. */
enum knock_what {
	KNOCK_ADVANCE,		/* stage of length knocks done; 1: started */
	KNOCK_OPEN,		/* completed: the open callback follows */
	KNOCK_RESET,		/* a wrong knock ended it (expected: see below) */
	KNOCK_RETRANSMIT,	/* the last knock again, same source port */
	KNOCK_REPEAT,		/* a port the attempt had passed: ignored */
	KNOCK_EXPIRED,		/* its timeout passed (k is NULL from knock_expire) */
	KNOCK_SPENT,		/* completed, but the user's step had opened */
	KNOCK_DENIED,		/* outside allow/deny (door -1: the global list) */
	KNOCK_PENALISED,	/* the source serves a penalty (door -1) */
	KNOCK_FLAGS,		/* tcp_flags of the door not met */
	/* In an HMAC door's range, no attempt of the source there, and no
	 * user's first knock of steps step-skew..step+skew; reported once
	 * per knock (the first such door), only when the knock did nothing
	 * anywhere else: a wrong key, door name or client clock. */
	KNOCK_NOFIRST,
};

struct knock_event {
	enum knock_what what;
	int door;		/* index into the config's doors, or -1 */
	const struct kw_addr *src;
	const struct parse_knock *k;	/* the knock, NULL for expiry by time */
	kw_ms now;		/* the time fed with it */
	unsigned stage;		/* knocks accepted (before a reset/expiry) */
	unsigned length;	/* knocks in the door's sequence */
	/* KNOCK_RESET at a static door: the knock the attempt expected
	 * (port 0 at an HMAC door, whose next knock is not one port). */
	struct config_knock expected;
	/* KNOCK_PENALISED: seconds of the ban left. KNOCK_NOFIRST: this
	 * host's step now (wall time / the door's period). */
	uint64_t left_s, step;
};

/* Called for every event while set; the record and its pointers live only
 * for the call. Must not call back into the table. */
typedef void (*knock_event_cb)(void *arg, const struct knock_event *ev);

struct knock_stats {
	uint64_t knocks;	/* knocks fed */
	uint64_t advances;	/* expected next knocks */
	uint64_t resets;	/* attempts ended by a wrong knock */
	uint64_t retransmits;	/* repeated SYNs ignored */
	uint64_t repeats;	/* knocks to a port already passed, ignored */
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
/* Sets (cb non-NULL) or clears the event callback. Without one the state
 * machine does not build event records. */
void knock_set_events(struct knock_table *t, knock_event_cb cb, void *arg);

/* One attempt in progress, as knock_attempts reports it. */
struct knock_attempt {
	int door;
	struct kw_addr src;
	const char *host;	/* the fleet host, "" for none */
	unsigned stage, length;
	kw_ms deadline;		/* monotonic, as fed */
};
typedef void (*knock_attempt_cb)(void *arg, const struct knock_attempt *a);
/* Walks the attempts in progress, door by door, oldest first, calling cb
 * for at most max of them. Returns how many attempts there are in all
 * (so the caller can say how many it did not list). Allocates nothing. */
uint32_t knock_attempts(const struct knock_table *t, uint32_t max,
    knock_attempt_cb cb, void *arg);
/* One source serving a penalty, as knock_penalties reports it. */
struct knock_penalty {
	struct kw_addr src;
	const char *host;	/* the fleet host, "" for none */
	kw_ms until;		/* monotonic end of the ban */
};
typedef void (*knock_penalty_cb)(void *arg, const struct knock_penalty *p);
/* Calls cb for at most max of the sources whose ban runs at now (in the
 * table's order). Returns how many there are in all. Allocates nothing. */
uint32_t knock_penalties(const struct knock_table *t, kw_ms now,
    uint32_t max, knock_penalty_cb cb, void *arg);
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
/* The attempts in progress, door by door, oldest first: fn gets the door
 * index, the source, the knocks done and the attempt's deadline, for at
 * most max of them. Returns how many there are in all. */
uint32_t knock_walk(const struct knock_table *t, void (*fn)(void *arg,
    int door, const struct kw_addr *src, unsigned stage, kw_ms deadline),
    void *arg, uint32_t max);
/* Spent HMAC steps to and from path (see otp_save/otp_load). 0 or -1. */
int knock_save_spent(const struct knock_table *t, const char *path,
    char *err, size_t errlen);
/* The parent refused an HMAC open (door, user, fleet host or "", by name;
 * step): see otp_unspend. 0, or -1 when nothing was given back. */
int knock_unspend(struct knock_table *t, const char *door, const char *user,
    const char *host, uint64_t step);
int knock_load_spent(struct knock_table *t, const char *path,
    char *err, size_t errlen);

#endif
