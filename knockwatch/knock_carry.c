/* knock_carry.c — a reload: the new knock table takes over the old one's
 * attempts at static doors that knock the same, its penalties (hosts
 * mapped by name) and, through otp_carry, the spent HMAC steps. Runs once
 * per reload, never on the per-knock path. */
#include <string.h>

#include "host.h"
#include "knock_table.h"
#include "log.h"
#include "penalty.h"

/* The key in t of old's key ok: the same source, the host by its name.
 * -1 when t has no room for the host (or no fleet). */
static int
carry_key(struct knock_table *t, const struct knock_table *old,
    const struct knock_key *ok, struct knock_key *key)
{
	int id = HOST_NONE;

	*key = *ok;
	if (ok->host != HOST_NONE && (t->hosts == NULL ||
	    (id = host_intern(t->hosts, host_name(old->hosts, ok->host))) < 0))
		return -1;
	key->host = (uint16_t)id;
	return 0;
}

/* pen_carry's rekey: a penalty of old's source, in t's key and hash. */
struct carry_ctx {
	struct knock_table *t;
	const struct knock_table *old;
};

static int
pen_rekey(void *arg, const struct kw_addr *src, uint16_t *host, uint64_t *h)
{
	struct carry_ctx *cc = arg;
	struct knock_key ok, key;

	ok.src = *src;
	ok.host = *host;
	if (carry_key(cc->t, cc->old, &ok, &key) == -1)
		return -1;
	*host = key.host;
	*h = knock_src_hash(cc->t, &key);
	return 0;
}

/* A static door of the new config that knocks exactly like door od of the
 * old one (same name and sequence; the timeout may differ), or -1. */
static int
same_static_door(const struct config *nc, const struct config_door *od)
{
	int nd = config_door_index(nc, od->name);
	const struct config_door *d;

	if (nd < 0 || od->is_hmac)
		return -1;
	d = &nc->doors[nd];
	if (d->is_hmac || d->nseq != od->nseq ||
	    memcmp(d->seq, od->seq, (size_t)od->nseq * sizeof(od->seq[0])) != 0)
		return -1;
	return nd;
}

void
knock_carry(struct knock_table *t, const struct knock_table *old)
{
	uint32_t moved = 0;

	otp_carry(t->otp, old->otp);
	for (int od = 0; od < old->cfg->ndoors; od++) {
		int nd = same_static_door(t->cfg, &old->cfg->doors[od]);
		kw_ms shift;

		if (nd < 0)
			continue;
		/* The timeout counts from the first knock: a changed timeout
		 * moves every deadline of the door by the same amount, so the
		 * list stays in order (an attempt past its new deadline
		 * expires at the next tick). */
		shift = ((kw_ms)t->cfg->doors[nd].timeout -
		    (kw_ms)old->cfg->doors[od].timeout) * 1000;
		/* Oldest first, so each door's list stays in deadline order. */
		for (uint32_t i = old->lists[od].head; i != KNOCK_NIL;
		    i = old->pool[i].next) {
			const struct attempt *oa = &old->pool[i];
			struct attempt *a;

			if (t->st.tracked >= t->cap)
				break;
			struct knock_key key;

			if (carry_key(t, old, &oa->key, &key) == -1)
				continue;
			uint64_t h = knock_src_hash(t, &key);

			if (knock_lookup(t, &key, h, (uint16_t)nd) != KNOCK_NIL)
				continue;
			a = knock_alloc_attempt(t, &key, h, (uint16_t)nd,
			    oa->deadline);
			a->stage = oa->stage;
			a->last_proto = oa->last_proto;
			a->last_sport = oa->last_sport;
			a->last_dport = oa->last_dport;
			a->k2_port = oa->k2_port;
			a->k2_proto = oa->k2_proto;
			a->deadline = oa->deadline + shift;
			moved++;
		}
	}
	if (t->pen != NULL && old->pen != NULL) {
		struct carry_ctx cc = { t, old };

		pen_carry(t->pen, old->pen, pen_rekey, &cc);
	}
	/* The counters go on: status reports them since start. */
	{
		uint32_t tracked = t->st.tracked, capacity = t->st.capacity;

		t->st = old->st;
		t->st.tracked = tracked;
		t->st.capacity = capacity;
	}
	if (moved > 0)
		log_debug("reload: %u attempts in progress kept", (unsigned)moved);
}
