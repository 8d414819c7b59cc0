/* penalty.c — the penalty cache (see penalty.h): one slot per source hash,
 * a failure window, a ban, and the door a source opened lately. */
#include "penalty.h"

#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"

/* The slot e holds (src, host). */
#define SAME(e, src, host) ((e)->host == (host) && addr_eq(&(e)->src, (src)))

struct penalty {
	struct kw_addr src;
	uint16_t host;		/* fleet host id, or HOST_NONE */
	uint16_t failures;
	uint16_t spare_door;	/* the door src opened lately ... */
	kw_ms window_start;
	kw_ms banned_until;
	kw_ms spare_until;	/* ... and until when it is spared */
};

struct penalties {
	uint32_t mask;
	struct penalty slot[];
};

struct penalties *
pen_new(uint32_t cap)
{
	uint32_t np = 1024;
	struct penalties *p;

	while (np < cap / 4 && np < (1u << 22))
		np <<= 1;
	p = calloc(1, sizeof(*p) + (size_t)np * sizeof(p->slot[0]));
	if (p != NULL)
		p->mask = np - 1;
	return p;
}

void
pen_free(struct penalties *p)
{
	free(p);
}

static struct penalty *
slot_of(const struct penalties *p, uint64_t h)
{
	return (struct penalty *)&p->slot[(uint32_t)h & p->mask];
}

kw_ms
pen_banned(const struct penalties *p, const struct kw_addr *src,
    uint16_t host, uint64_t h, kw_ms now)
{
	const struct penalty *e = slot_of(p, h);

	return e->banned_until > now && SAME(e, src, host) ?
	    e->banned_until : 0;
}

void
pen_walk_bans(const struct penalties *p, kw_ms now,
    void (*cb)(void *arg, const struct kw_addr *src, uint16_t host,
    kw_ms until), void *arg)
{
	for (uint32_t i = 0; i <= p->mask; i++)
		if (p->slot[i].banned_until > now)
			cb(arg, &p->slot[i].src, p->slot[i].host,
			    p->slot[i].banned_until);
}

int
pen_fail(struct penalties *p, const struct config *c,
    const struct kw_addr *src, uint16_t host, const char *hostname,
    uint64_t h, kw_ms now)
{
	struct penalty *e = slot_of(p, h);
	char buf[ADDR_STRLEN];

	if (!SAME(e, src, host) || now - e->window_start >
	    (kw_ms)c->penalty_window * 1000) {
		if (!SAME(e, src, host) && e->banned_until > now)
			return 0;	/* the slot holds a live ban: keep it */
		if (!SAME(e, src, host))
			e->spare_until = 0;
		e->src = *src;
		e->host = host;
		e->failures = 0;
		e->window_start = now;
		e->banned_until = 0;
	}
	if (++e->failures < c->penalty_failures || e->banned_until > now)
		return 0;
	e->banned_until = now + (kw_ms)c->penalty_ban * 1000;
	/* Logged once per ban, not per line. */
	log_info("source %s%s%s: %u failed attempts within %u s, "
	    "ignored for %u s", addr_ntop(src, buf, sizeof(buf)),
	    hostname != NULL ? " at host " : "",
	    hostname != NULL ? hostname : "", (unsigned)e->failures,
	    c->penalty_window, c->penalty_ban);
	return 1;
}

void
pen_spare(struct penalties *p, const struct kw_addr *src, uint16_t host,
    uint64_t h, int door, kw_ms until, kw_ms now)
{
	struct penalty *e = slot_of(p, h);

	if (!SAME(e, src, host)) {
		if (e->banned_until > now)
			return;
		memset(e, 0, sizeof(*e));
		e->src = *src;
		e->host = host;
		e->window_start = now;
	}
	e->spare_door = (uint16_t)door;
	e->spare_until = until;
}

int
pen_spared_door(const struct penalties *p, const struct kw_addr *src,
    uint16_t host, uint64_t h, kw_ms now)
{
	const struct penalty *e = slot_of(p, h);

	if (e->spare_until <= now || !SAME(e, src, host))
		return -1;
	return e->spare_door;
}

void
pen_carry(struct penalties *p, const struct penalties *old,
    int (*rekey)(void *arg, const struct kw_addr *src, uint16_t *host,
    uint64_t *h), void *arg)
{
	for (uint32_t i = 0; i <= old->mask; i++) {
		const struct penalty *oe = &old->slot[i];
		struct penalty *e;
		uint16_t host = oe->host;
		uint64_t h;

		if (oe->failures == 0 && oe->banned_until == 0)
			continue;
		if (rekey(arg, &oe->src, &host, &h) == -1)
			continue;
		e = slot_of(p, h);
		if (e->banned_until == 0 || oe->banned_until > 0) {
			*e = *oe;
			e->host = host;
			e->spare_until = 0;
		}
	}
}
