/* penalty.h — the penalty cache of knock.c: failed attempts per source,
 * bans, and the spare a source earns by opening a door, in a
 * direct-mapped table keyed by knock.c's secret source hash (so a flood of
 * forged sources cannot pick which entries it overwrites). Pure: time
 * comes in as arguments. */
#ifndef KW_PENALTY_H
#define KW_PENALTY_H

#include <stdint.h>

#include "addr.h"
#include "clock.h"
#include "config.h"

struct penalties;

/* A cache sized for a knock table of cap attempts, or NULL (no memory). */
struct penalties *pen_new(uint32_t cap);
void pen_free(struct penalties *p);
/* A source is (src, host): its address and its fleet host id (HOST_NONE
 * outside fleet mode); h is knock.c's keyed hash of the pair. */

/* The end of the ban the source is serving at now, or 0 (none). */
kw_ms pen_banned(const struct penalties *p, const struct kw_addr *src,
    uint16_t host, uint64_t h, kw_ms now);
/* Calls cb for each source serving a ban at now, in the table's order. */
void pen_walk_bans(const struct penalties *p, kw_ms now,
    void (*cb)(void *arg, const struct kw_addr *src, uint16_t host,
    kw_ms until), void *arg);
/* Counts one failure of the source under c's penalty rule; 1 when it
 * started a ban (logged once, with hostname unless it is NULL). */
int pen_fail(struct penalties *p, const struct config *c,
    const struct kw_addr *src, uint16_t host, const char *hostname,
    uint64_t h, kw_ms now);
/* Door door opened for the source: spared until `until`
 * (pen_spared_door). A slot holding another source's live ban is kept. */
void pen_spare(struct penalties *p, const struct kw_addr *src, uint16_t host,
    uint64_t h, int door, kw_ms until, kw_ms now);
/* The door the source opened and is still spared for, or -1. */
int pen_spared_door(const struct penalties *p, const struct kw_addr *src,
    uint16_t host, uint64_t h, kw_ms now);
/* Copies old's failures and bans into p (after a reload): rekey(arg, src,
 * &host, &h) maps each source's host id to p's table and gives its hash
 * there, or returns -1 to drop it. Spares are not carried (door numbers
 * change with the config). */
void pen_carry(struct penalties *p, const struct penalties *old,
    int (*rekey)(void *arg, const struct kw_addr *src, uint16_t *host,
    uint64_t *h), void *arg);

#endif
