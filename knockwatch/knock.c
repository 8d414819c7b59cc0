/* knock.c — the knock state machine: one attempt per (host, source, door)
 * in a table allocated once and capped at max_tracked entries. Pure: time comes
 * in as arguments, opened doors go out through a callback, and the per-knock
 * path allocates nothing. */
#include "knock.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "host.h"
#include "knock_table.h"
#include "log.h"
#include "otp.h"
#include "penalty.h"

/* After a door opens for a source, that source's late knocks to the door
 * (a browser's retransmits of aborted fetches, which walk new attempts
 * that reset or end as spent) count no penalty failure for the door's
 * timeout, and at least for the life of an unanswered SYN on Linux with
 * the default tcp_syn_retries of 6 (1+2+4+8+16+32 s). Only an open earns
 * it: a replay from another source is no open. */
#define KNOCK_SPARE_MS ((kw_ms)64 * 1000)

size_t
knock_bytes_per_attempt(void)
{
	/* One pool entry plus about two bucket slots. */
	return sizeof(struct attempt) + 2 * sizeof(uint32_t);
}

struct knock_table *
knock_new(const struct config *c)
{
	struct knock_table *t;
	uint32_t nb = 16;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cfg = c;
	t->cap = c->max_tracked;
	while (nb < t->cap * 2 && nb < (1u << 30))
		nb <<= 1;
	t->mask = nb - 1;
	/* calloc leaves untouched pages unmapped: memory grows with use, up to
	 * the cap, and never past it. */
	t->pool = calloc(t->cap, sizeof(*t->pool));
	t->buckets = malloc((size_t)nb * sizeof(*t->buckets));
	t->lists = calloc((size_t)c->ndoors, sizeof(*t->lists));
	if (t->pool == NULL || t->buckets == NULL || t->lists == NULL)
		goto fail;
	memset(t->buckets, 0xff, (size_t)nb * sizeof(*t->buckets));
	for (int d = 0; d < c->ndoors; d++)
		t->lists[d].head = t->lists[d].tail = KNOCK_NIL;
	t->freelist = KNOCK_NIL;
	t->st.capacity = t->cap;
	hash_key_random(&t->key);
	if (c->fleet && (t->hosts = host_new(HOST_MAX_TRACKED)) == NULL)
		goto fail;
	if ((t->otp = otp_new(c, t->hosts)) == NULL)
		goto fail;
	if (c->penalty_failures > 0 && (t->pen = pen_new(t->cap)) == NULL)
		goto fail;
	return t;
fail:
	knock_free(t);
	return NULL;
}

void
knock_set_events(struct knock_table *t, knock_event_cb cb, void *arg)
{
	t->evcb = cb;
	t->evarg = arg;
}

static unsigned
knock_seq_length(const struct config_door *d)
{
	return d->is_hmac ? d->hmac.length : (unsigned)d->nseq;
}

/* Builds and reports one event; callers test t->evcb first, so the path
 * without a listener builds nothing. */
static void
event(struct knock_table *t, enum knock_what what, int door,
    const struct kw_addr *src, const struct parse_knock *k, unsigned stage)
{
	struct knock_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.what = what;
	ev.door = door;
	ev.src = src;
	ev.k = k;
	ev.stage = stage;
	ev.now = t->now;
	if (door >= 0)
		ev.length = knock_seq_length(&t->cfg->doors[door]);
	t->evcb(t->evarg, &ev);
}

#define EVENT(t, what, door, src, k, stage) do { if ((t)->evcb != NULL) \
	event((t), (what), (door), (src), (k), (stage)); } while (0)

void
knock_free(struct knock_table *t)
{
	if (t == NULL)
		return;
	otp_free(t->otp);
	host_free(t->hosts);
	pen_free(t->pen);
	free(t->pool);
	free(t->buckets);
	free(t->lists);
	free(t);
}

static int
key_eq(const struct knock_key *x, const struct knock_key *y)
{
	return x->host == y->host && addr_eq(&x->src, &y->src);
}

/* The keyed hash of a (host, source), computed once per knock; the buckets
 * of its attempts and its penalty slot are cheap mixes of it. */
uint64_t
knock_src_hash(const struct knock_table *t, const struct knock_key *key)
{
	uint8_t buf[19];

	memcpy(buf, key->src.a, 16);
	buf[16] = key->src.family;
	buf[17] = (uint8_t)(key->host >> 8);
	buf[18] = (uint8_t)key->host;
	return hash_bytes(&t->key, buf, sizeof(buf));
}

static uint32_t
bucket_of(const struct knock_table *t, uint64_t h, uint16_t door)
{
	h ^= (uint64_t)(door + 1) * 0x9e3779b97f4a7c15ULL;
	h *= 0xff51afd7ed558ccdULL;
	return (uint32_t)(h >> 32) & t->mask;
}

/* Door door opened for key: its knocks to the door are spared. */
static void
spare(struct knock_table *t, int door, const struct knock_key *key,
    kw_ms now)
{
	kw_ms len = (kw_ms)t->cfg->doors[door].timeout * 1000;

	if (t->pen != NULL)
		pen_spare(t->pen, &key->src, key->host, knock_src_hash(t, key), door,
		    now + (len > KNOCK_SPARE_MS ? len : KNOCK_SPARE_MS), now);
}

/* Is k, a knock of key, one to the door key opened lately (a port of a
 * static door's sequence, or in an HMAC door's range)? */
static int
spared(struct knock_table *t, const struct parse_knock *k,
    const struct knock_key *key, uint64_t h,
    kw_ms now)
{
	const struct config_door *d;
	int door = -1;

	if (t->pen != NULL)
		door = pen_spared_door(t->pen, &key->src, key->host, h, now);
	if (door < 0 || door >= t->cfg->ndoors)
		return 0;
	d = &t->cfg->doors[door];
	if (d->is_hmac)
		return otp_relevant(t->otp, door, k);
	for (int j = 0; j < d->nseq; j++)
		if (d->seq[j].port == k->dport && d->seq[j].proto == k->proto)
			return 1;
	return 0;
}

/* Counts one failure of src: a knock that ended attempts of src (a reset
 * or a replay) and advanced or completed none, or an attempt that had
 * advanced past its first knock and ran out of time. */
static void
failed(struct knock_table *t, const struct knock_key *key, kw_ms now)
{
	if (t->pen != NULL && pen_fail(t->pen, t->cfg, &key->src, key->host,
	    key->host != HOST_NONE ? host_name(t->hosts, key->host) : NULL,
	    knock_src_hash(t, key), now))
		t->st.penalties++;
}

uint32_t
knock_lookup(const struct knock_table *t, const struct knock_key *key,
    uint64_t h, uint16_t door)
{
	uint32_t i = t->buckets[bucket_of(t, h, door)];

	while (i != KNOCK_NIL) {
		const struct attempt *a = &t->pool[i];
		if (a->door == door && key_eq(&a->key, key))
			return i;
		i = a->hnext;
	}
	return KNOCK_NIL;
}

static void
unlink_attempt(struct knock_table *t, uint32_t i)
{
	struct attempt *a = &t->pool[i];
	struct door_list *l = &t->lists[a->door];
	uint32_t *pp = &t->buckets[a->bucket];

	while (*pp != i)
		pp = &t->pool[*pp].hnext;
	*pp = a->hnext;
	if (a->prev != KNOCK_NIL)
		t->pool[a->prev].next = a->next;
	else
		l->head = a->next;
	if (a->next != KNOCK_NIL)
		t->pool[a->next].prev = a->prev;
	else
		l->tail = a->prev;
	a->hnext = t->freelist;
	t->freelist = i;
	t->st.tracked--;
}

/* The attempt that started first, across all doors: the eviction victim. */
static uint32_t
oldest(const struct knock_table *t)
{
	uint32_t best = KNOCK_NIL;
	kw_ms best_start = KW_MS_NEVER;

	for (int d = 0; d < t->cfg->ndoors; d++) {
		uint32_t h = t->lists[d].head;
		if (h == KNOCK_NIL)
			continue;
		kw_ms start = t->pool[h].deadline -
		    (kw_ms)t->cfg->doors[d].timeout * 1000;
		if (start < best_start) {
			best_start = start;
			best = h;
		}
	}
	return best;
}

struct attempt *
knock_alloc_attempt(struct knock_table *t, const struct knock_key *key,
    uint64_t h, uint16_t door, kw_ms now)
{
	uint32_t i, b;
	struct attempt *a;
	struct door_list *l = &t->lists[door];

	if (t->freelist == KNOCK_NIL && t->hiwater == t->cap) {
		/* Full: the oldest attempt makes room. A flood of forged
		 * sources cycles through the table but never grows it. */
		unlink_attempt(t, oldest(t));
		t->st.evictions++;
	}
	if (t->freelist != KNOCK_NIL) {
		i = t->freelist;
		t->freelist = t->pool[i].hnext;
	} else
		i = t->hiwater++;
	a = &t->pool[i];
	memset(a, 0, sizeof(*a));
	a->key = *key;
	a->door = door;
	a->deadline = now + (kw_ms)t->cfg->doors[door].timeout * 1000;
	b = bucket_of(t, h, door);
	a->bucket = b;
	a->hnext = t->buckets[b];
	t->buckets[b] = i;
	a->next = KNOCK_NIL;
	a->prev = l->tail;
	if (l->tail != KNOCK_NIL)
		t->pool[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	t->st.tracked++;
	return a;
}

static int
flags_ok(const struct config_door *d, const struct parse_knock *k)
{
	if (!d->has_flags || k->proto != IPPROTO_TCP || !k->has_flags)
		return 1;
	return (k->tcp_flags & d->flags_set) == d->flags_set &&
	    (k->tcp_flags & d->flags_clear) == 0;
}

static int
is_retransmit(const struct attempt *a, const struct parse_knock *k)
{
	/* Same source port and destination: the client's TCP stack resending
	 * the SYN nobody answered, not a new knock. */
	return k->sport != 0 && a->last_sport == k->sport &&
	    a->last_dport == k->dport && a->last_proto == k->proto;
}

static void
remember(struct attempt *a, const struct parse_knock *k)
{
	a->last_sport = k->sport;
	a->last_dport = k->dport;
	a->last_proto = k->proto;
	if (a->stage == 2) {
		a->k2_port = k->dport;
		a->k2_proto = k->proto;
	}
}

/* Is k, which does not continue attempt a, a knock to the port and
 * protocol of a stage a has already passed (from any source port)? Such a
 * knock is a client repeating itself (nmap's second probe, a browser's
 * second connection or late retransmit) and is ignored: it neither
 * advances nor resets. It cannot walk a sequence, since only the expected
 * knock advances, and it tells a prober nothing it did not send. before:
 * the attempt's HMAC candidates as they were before this knock. */
static int
is_repeat(struct knock_table *t, const struct attempt *a,
    const struct otp_cands *before, const struct parse_knock *k)
{
	const struct config_door *d = &t->cfg->doors[a->door];

	if (k->dport == a->last_dport && k->proto == a->last_proto)
		return 1;
	if (!d->is_hmac) {
		for (unsigned j = 0; j < a->stage; j++)
			if (d->seq[j].port == k->dport &&
			    d->seq[j].proto == k->proto)
				return 1;
		return 0;
	}
	if (a->stage >= 2 && k->dport == a->k2_port &&
	    k->proto == a->k2_proto)
		return 1;
	return otp_passed(t->otp, a->door, a->key.host, &a->key.src, a->stage,
	    before, k);
}

static int
static_match(const struct config_door *d, unsigned stage,
    const struct parse_knock *k)
{
	return stage < (unsigned)d->nseq && d->seq[stage].port == k->dport &&
	    d->seq[stage].proto == k->proto;
}

/* Does knock k continue attempt a (stage a->stage)? For HMAC doors this
 * narrows a->cands to the candidates it continues. */
static int
advance_ok(struct knock_table *t, int door, struct attempt *a,
    const struct parse_knock *k, time_t wall)
{
	const struct config_door *d = &t->cfg->doors[door];

	if (!d->is_hmac)
		return static_match(d, a->stage, k);
	return otp_next(t->otp, door, a->key.host, &a->key.src, a->stage, k,
	    wall, &a->cands) > 0;
}

/* Reports a completed sequence; HMAC doors first spend the step, and a
 * spent step (a replay) opens nothing. */
static void
complete(struct knock_table *t, int door, const struct knock_key *key,
    const struct otp_cands *cands, time_t wall, knock_open_cb cb, void *arg)
{
	struct knock_open ev;

	memset(&ev, 0, sizeof(ev));
	ev.door = door;
	ev.src = key->src;
	ev.host = host_name(t->hosts, key->host);
	ev.user = -1;
	if (t->cfg->doors[door].is_hmac &&
	    otp_complete(t->otp, door, key->host, &key->src, cands, wall,
	    &ev.user, &ev.step, &ev.open_port) != 0) {
		t->st.replays++;
		t->lost = 1;
		EVENT(t, KNOCK_SPENT, door, &key->src, t->feeding,
		    knock_seq_length(&t->cfg->doors[door]));
		return;
	}
	t->st.opens++;
	t->progress = 1;
	spare(t, door, key, t->now);
	EVENT(t, KNOCK_OPEN, door, &key->src, t->feeding,
	    knock_seq_length(&t->cfg->doors[door]));
	cb(arg, &ev);
}

/* Starts an attempt if k is a first knock for the door: 1 when it did
 * (or completed the door), 0 when k is no first knock there. */
static int
start(struct knock_table *t, int door, const struct parse_knock *k,
    const struct knock_key *key, uint64_t h, kw_ms now, time_t wall,
    knock_open_cb cb, void *arg)
{
	const struct config_door *d = &t->cfg->doors[door];
	struct otp_cands cands;
	struct attempt *a;

	if (d->is_hmac) {
		/* knockwatch/2: one look-up, whatever the source. */
		if (otp_first(t->otp, door, key->host, k, wall, &cands) <= 0)
			return 0;
	} else if (!static_match(d, 0, k))
		return 0;
	else
		memset(&cands, 0, sizeof(cands));
	if (knock_seq_length(d) == 1) {
		complete(t, door, key, &cands, wall, cb, arg);
		return 1;
	}
	a = knock_alloc_attempt(t, key, h, (uint16_t)door, now);
	a->stage = 1;
	a->cands = cands;
	remember(a, k);
	EVENT(t, KNOCK_ADVANCE, door, &k->src, k, 1);
	return 1;
}

/* A wrong knock ended attempt a: the event names what it expected. */
static void
reset_event(struct knock_table *t, const struct attempt *a,
    const struct parse_knock *k)
{
	const struct config_door *d = &t->cfg->doors[a->door];
	struct knock_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.what = KNOCK_RESET;
	ev.door = a->door;
	ev.src = &k->src;
	ev.k = k;
	ev.stage = a->stage;
	ev.now = t->now;
	ev.length = knock_seq_length(d);
	if (!d->is_hmac && a->stage < (unsigned)d->nseq)
		ev.expected = d->seq[a->stage];
	t->evcb(t->evarg, &ev);
}

/* The key of knock k: its source, and its host's id (host.h; interned on
 * first sight) when a fleet source named one. -1 when the host table is
 * full. */
static int
key_of(struct knock_table *t, const struct parse_knock *k,
    struct knock_key *key)
{
	int id = HOST_NONE;

	memset(key, 0, sizeof(*key));
	key->src = k->src;
	if (t->hosts != NULL && k->fleet_host != NULL &&
	    (id = host_intern(t->hosts, k->fleet_host)) < 0)
		return -1;
	key->host = (uint16_t)id;
	return 0;
}

/* 1 when door d (with a hosts: list) may open on host id. */
static int
host_allowed(const struct knock_table *t, const struct config_door *d,
    int id)
{
	const char *name = host_name(t->hosts, id);

	if (id == HOST_NONE)
		return 0;
	for (int i = 0; i < d->nhosts; i++)
		if (strcmp(d->hosts[i], name) == 0)
			return 1;
	return 0;
}

void
knock_feed(struct knock_table *t, const struct parse_knock *k, kw_ms now,
    time_t wall, knock_open_cb cb, void *arg)
{
	struct knock_key key;
	uint64_t h;
	kw_ms until;
	int nofirst, quiet;	/* for KNOCK_NOFIRST: knock.h */

	t->st.knocks++;
	t->now = now;
	/* The penalty rule: a knock counts one failure of its source at most,
	 * and only when it ended attempts and advanced or completed none.
	 * With many HMAC doors nearly every in-range knock is some door's
	 * first knock, so each knock of a genuine sequence starts attempts at
	 * other doors that its next knock resets: counting those banned
	 * genuine users. A sweep advances nothing, so it still fails at every
	 * knock that ends an attempt. */
	/* A knock that was a forgiven repeat at some door is no failure
	 * either, whatever it ended at other doors: a client repeating its
	 * knock 1 must not be banned because that port is not another
	 * door's next knock. */
	t->lost = t->progress = t->forgiven = 0;
	t->feeding = k;
	/* Denied and penalised sources never allocate state. */
	if (!config_acl_ok(&t->cfg->acl, &k->src)) {
		t->st.denied++;
		EVENT(t, KNOCK_DENIED, -1, &k->src, k, 0);
		return;
	}
	if (key_of(t, k, &key) == -1) {
		t->st.nohost++;
		return;
	}
	h = knock_src_hash(t, &key);
	if (t->pen != NULL &&
	    (until = pen_banned(t->pen, &key.src, key.host, h, now)) != 0) {
		t->st.penalised++;
		if (t->evcb != NULL) {
			struct knock_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.what = KNOCK_PENALISED;
			ev.door = -1;
			ev.src = &k->src;
			ev.k = k;
			ev.now = now;
			ev.left_s = (uint64_t)((until - now + 999) / 1000);
			t->evcb(t->evarg, &ev);
		}
		return;
	}
	nofirst = -1;
	quiet = 0;
	for (int door = 0; door < t->cfg->ndoors; door++) {
		const struct config_door *d = &t->cfg->doors[door];
		uint32_t i;
		struct attempt *a;

		if (!flags_ok(d, k)) {
			EVENT(t, KNOCK_FLAGS, door, &k->src, k, 0);
			continue;
		}
		if (d->acl.nallow + d->acl.ndeny > 0 &&
		    !config_acl_ok(&d->acl, &k->src)) {
			EVENT(t, KNOCK_DENIED, door, &k->src, k, 0);
			continue;
		}
		if (d->nhosts > 0 && !host_allowed(t, d, key.host))
			continue;
		if (d->is_hmac && !otp_relevant(t->otp, door, k))
			continue;
		i = knock_lookup(t, &key, h, (uint16_t)door);
		if (i != KNOCK_NIL && t->pool[i].deadline <= now) {
			int advanced = t->pool[i].stage >= 2;

			EVENT(t, KNOCK_EXPIRED, door, &k->src, k,
			    t->pool[i].stage);
			unlink_attempt(t, i);
			t->st.expired++;
			if (advanced)
				failed(t, &key, now);
			i = KNOCK_NIL;
		}
		if (i != KNOCK_NIL) {
			struct otp_cands before;

			a = &t->pool[i];
			if (is_retransmit(a, k)) {
				quiet = 1;
				t->st.retransmits++;
				EVENT(t, KNOCK_RETRANSMIT, door, &k->src, k,
				    a->stage);
				continue;
			}
			/* An HMAC advance_ok narrows the candidates even when
			 * it fails: a repeat must find them as they were. */
			if (d->is_hmac)
				before = a->cands;
			if (advance_ok(t, door, a, k, wall)) {
				t->st.advances++;
				a->stage++;
				remember(a, k);
				if (a->stage < knock_seq_length(d)) {
					t->progress = 1;
					EVENT(t, KNOCK_ADVANCE, door, &k->src,
					    k, a->stage);
				} else {
					struct otp_cands c = a->cands;
					unlink_attempt(t, i);
					complete(t, door, &key, &c, wall,
					    cb, arg);
				}
				continue;
			}
			if (is_repeat(t, a, &before, k)) {
				if (d->is_hmac)
					a->cands = before;
				t->st.repeats++;
				t->forgiven = 1;
				EVENT(t, KNOCK_REPEAT, door, &k->src, k,
				    a->stage);
				continue;
			}
			/* A wrong knock ends the attempt: this is what makes
			 * sweeping the port range useless. */
			if (t->evcb != NULL)
				reset_event(t, a, k);
			unlink_attempt(t, i);
			t->st.resets++;
			t->lost = 1;
			quiet = 1;	/* the reset says it */
		}
		if (start(t, door, k, &key, h, now, wall, cb, arg))
			quiet = 1;
		else if (d->is_hmac && nofirst < 0)
			nofirst = door;
	}
	/* Nor is a late knock of a source to the door it has just opened. */
	if (t->lost && !t->progress && !t->forgiven &&
	    !spared(t, k, &key, h, now))
		failed(t, &key, now);
	/* Only for a listener (-v, replay -v): the knock did nothing. */
	if (nofirst >= 0 && t->evcb != NULL && !quiet && !t->progress &&
	    !t->forgiven) {
		struct knock_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.what = KNOCK_NOFIRST;
		ev.door = nofirst;
		ev.src = &k->src;
		ev.k = k;
		ev.now = now;
		ev.length = knock_seq_length(&t->cfg->doors[nofirst]);
		ev.step = (uint64_t)wall / t->cfg->doors[nofirst].hmac.period;
		t->evcb(t->evarg, &ev);
	}
	t->feeding = NULL;
}

void
knock_expire(struct knock_table *t, kw_ms now)
{
	t->now = now;
	for (int d = 0; d < t->cfg->ndoors; d++) {
		uint32_t h;

		while ((h = t->lists[d].head) != KNOCK_NIL &&
		    t->pool[h].deadline <= now) {
			struct knock_key key = t->pool[h].key;
			/* An attempt that never got past its first knock is no
			 * failure: with many doors each genuine knock is some
			 * other door's first knock too, and is left behind. */
			int advanced = t->pool[h].stage >= 2;

			if (t->evcb != NULL)
				event(t, KNOCK_EXPIRED, d, &key.src, NULL,
				    t->pool[h].stage);
			unlink_attempt(t, h);
			t->st.expired++;
			if (advanced)
				failed(t, &key, now);
		}
	}
}

kw_ms
knock_deadline(const struct knock_table *t)
{
	kw_ms min = KW_MS_NEVER;

	for (int d = 0; d < t->cfg->ndoors; d++) {
		uint32_t h = t->lists[d].head;
		if (h != KNOCK_NIL && t->pool[h].deadline < min)
			min = t->pool[h].deadline;
	}
	return min;
}

void
knock_stats(const struct knock_table *t, struct knock_stats *st)
{
	*st = t->st;
}

int
knock_save_spent(const struct knock_table *t, const char *path, char *err,
    size_t errlen)
{
	return otp_save(t->otp, path, err, errlen);
}

int
knock_unspend(struct knock_table *t, const char *door, const char *user,
    const char *host, uint64_t step)
{
	int d = config_door_index(t->cfg, door);
	int u = config_user_index(t->cfg, user);
	int h = HOST_NONE;

	if (host[0] != '\0' && (t->hosts == NULL ||
	    (h = host_find(t->hosts, host)) == HOST_NONE))
		return -1;
	if (d < 0 || u < 0)
		return -1;
	return otp_unspend(t->otp, d, h, u, step);
}

int
knock_load_spent(struct knock_table *t, const char *path, char *err,
    size_t errlen)
{
	return otp_load(t->otp, path, err, errlen);
}

void
knock_stages(const struct knock_table *t, int door, uint32_t *counts,
    unsigned n)
{
	memset(counts, 0, n * sizeof(*counts));
	for (uint32_t i = t->lists[door].head; i != KNOCK_NIL;
	    i = t->pool[i].next)
		if (t->pool[i].stage < n)
			counts[t->pool[i].stage]++;
}

uint32_t
knock_attempts(const struct knock_table *t, uint32_t max, knock_attempt_cb cb,
    void *arg)
{
	uint32_t listed = 0;

	for (int d = 0; d < t->cfg->ndoors && listed < max; d++)
		for (uint32_t i = t->lists[d].head; i != KNOCK_NIL &&
		    listed < max; i = t->pool[i].next) {
			const struct attempt *a = &t->pool[i];
			struct knock_attempt ka;

			ka.door = d;
			ka.src = a->key.src;
			ka.host = host_name(t->hosts, a->key.host);
			ka.stage = a->stage;
			ka.length = knock_seq_length(&t->cfg->doors[d]);
			ka.deadline = a->deadline;
			cb(arg, &ka);
			listed++;
		}
	return t->st.tracked;
}

/* knock_penalties' walk: each live ban, at most max of them listed. */
struct pen_list {
	const struct knock_table *t;
	uint32_t n, max;
	knock_penalty_cb cb;
	void *arg;
};

static void
pen_list_one(void *arg, const struct kw_addr *src, uint16_t host,
    kw_ms until)
{
	struct pen_list *pl = arg;
	struct knock_penalty kp;

	if (pl->n++ >= pl->max)
		return;
	kp.src = *src;
	kp.host = host_name(pl->t->hosts, host);
	kp.until = until;
	pl->cb(pl->arg, &kp);
}

uint32_t
knock_penalties(const struct knock_table *t, kw_ms now, uint32_t max,
    knock_penalty_cb cb, void *arg)
{
	struct pen_list pl = { t, 0, max, cb, arg };

	if (t->pen != NULL)
		pen_walk_bans(t->pen, now, pen_list_one, &pl);
	return pl.n;
}
