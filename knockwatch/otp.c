/* otp.c — matches knocks against HMAC (knockwatch/2) doors. Knock 1 never
 * depends on the source, so for every HMAC door, bound or not, the first
 * knocks of every user for the steps in the window are derived once per
 * time step and indexed by (port, protocol): a first knock is one look-up,
 * whatever the number of users or sources. Only knock 2 spends HMACs, on
 * the candidates of that attempt alone; knocks 3.. compare with what the
 * attempt cached. No budget a flood could use up, nothing allocated per
 * knock, never logs or copies key material. */
#include "otp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"
#include "seq.h"
#include "state.h"

/* One user's first knock in one step slot. */
struct otp_entry {
	uint32_t upos;		/* position in the door's user list */
	uint16_t port;
	uint8_t proto;
	uint8_t slot;
};

struct otp_slot {
	uint64_t step;		/* UINT64_MAX: not derived */
	struct config_knock *k1;	/* nusers first knocks */
};

struct otp_door {
	int active;
	unsigned nsl;		/* 2 * skew + 1 slots */
	struct otp_slot *slots;
	/* The index: entries grouped by bucket (a counting sort, rebuilt
	 * once per step); bucket b holds index[head[b] .. head[b + 1]). */
	struct otp_entry *index;
	uint32_t *head;
	uint32_t mask;		/* buckets - 1 */
	uint64_t cur_step;	/* step the index was built for */
	uint64_t *spent;	/* per user position: last spent step + 1 */
};

struct otp {
	const struct config *cfg;
	struct otp_door *doors;
	/* Fleet mode: each host of an HMAC door has its own sequences
	 * (door field NAME@HOST), index and spent steps: hd[door][host],
	 * made when the host first knocks there (HOST_MAX_TRACKED at most). */
	struct host_table *hosts;
	struct otp_door **hd[KW_MAX_DOORS];
	char dname[KW_NAME_MAX + 1 + HOST_MAX + 1];	/* NAME@HOST */
	/* The spent-steps file exists but could not be read (permission,
	 * I/O): which steps are spent is unknown, so no HMAC door opens
	 * (a replay must never open) and the file is never overwritten. */
	int spent_unknown;
	uint64_t warned_step;	/* last step the refusal was logged, + 1 */
};

/* The parameters of (door, host, user position, step); p->door borrows
 * o->dname for a host's NAME@HOST, so p is good until the next call. */
static struct seq_params *
params(struct otp *o, int door, int host, uint32_t upos, uint64_t step,
    const char *bind, struct seq_params *p)
{
	const struct config_door *d = &o->cfg->doors[door];

	seq_params_from(p, o->cfg, door, d->hmac.users[upos], step, bind);
	if (host != HOST_NONE) {
		snprintf(o->dname, sizeof(o->dname), "%s@%s", d->name,
		    host_name(o->hosts, host));
		p->door = o->dname;
	}
	return p;
}

static const struct config_user *
user_of(const struct otp *o, int door, uint32_t upos)
{
	return &o->cfg->users[o->cfg->doors[door].hmac.users[upos]];
}

static void
otp_door_free(struct otp_door *od)
{
	if (od->slots != NULL)
		for (unsigned s = 0; s < od->nsl; s++)
			free(od->slots[s].k1);
	free(od->slots);
	free(od->index);
	free(od->head);
	free(od->spent);
}

/* Sets up od for HMAC door d: 0, or -1 when out of memory (the caller
 * frees what was allocated with otp_door_free). */
static int
otp_door_init(const struct config_door *d, struct otp_door *od)
{
	size_t nu = (size_t)d->hmac.nusers, n;
	uint32_t nb = 16, keys;

	od->active = 1;
	od->nsl = 2 * d->hmac.skew + 1;
	od->cur_step = UINT64_MAX;
	n = od->nsl * nu;
	/* About one entry per bucket, and no more buckets than
	 * (port, protocol) keys. */
	keys = 2 * ((uint32_t)d->hmac.hi - d->hmac.lo + 1);
	while (nb < n && nb < keys)
		nb <<= 1;
	od->mask = nb - 1;
	od->spent = calloc(nu + 1, sizeof(*od->spent));
	od->slots = calloc(od->nsl, sizeof(*od->slots));
	od->index = calloc(n + 1, sizeof(*od->index));
	od->head = calloc((size_t)nb + 1, sizeof(*od->head));
	if (od->spent == NULL || od->slots == NULL ||
	    od->index == NULL || od->head == NULL)
		goto fail;
	for (unsigned s = 0; s < od->nsl; s++) {
		od->slots[s].step = UINT64_MAX;
		od->slots[s].k1 = calloc(nu + 1,
		    sizeof(struct config_knock));
		if (od->slots[s].k1 == NULL)
			goto fail;
	}
	return 0;
fail:
	return -1;
}

struct otp *
otp_new(const struct config *c, struct host_table *hosts)
{
	struct otp *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->cfg = c;
	o->hosts = hosts;
	if ((o->doors = calloc((size_t)c->ndoors + 1, sizeof(*o->doors))) == NULL)
		goto fail;
	for (int i = 0; i < c->ndoors; i++) {
		if (!c->doors[i].is_hmac)
			continue;
		if (otp_door_init(&c->doors[i], &o->doors[i]) == -1)
			goto fail;
		if (c->fleet && (o->hd[i] = calloc(HOST_MAX_TRACKED + 1,
		    sizeof(*o->hd[i]))) == NULL)
			goto fail;
	}
	return o;
fail:
	otp_free(o);
	return NULL;
}

/* The tables of (door, host): the door's own for HOST_NONE, else the
 * host's, made on first use. NULL when out of memory (logged once). */
static struct otp_door *
door_of(struct otp *o, int door, int host)
{
	struct otp_door *od;

	if (host == HOST_NONE)
		return &o->doors[door];
	if (o->hd[door] == NULL || host < 0 || host > HOST_MAX_TRACKED)
		return NULL;
	if ((od = o->hd[door][host]) != NULL)
		return od;
	if ((od = calloc(1, sizeof(*od))) == NULL ||
	    otp_door_init(&o->cfg->doors[door], od) == -1) {
		if (od != NULL) {
			otp_door_free(od);
			free(od);
		}
		log_warnx("door %s: out of memory for host %s",
		    o->cfg->doors[door].name, host_name(o->hosts, host));
		return NULL;
	}
	o->hd[door][host] = od;
	return od;
}

/* The same, never making one (NULL when the host has none yet). */
static const struct otp_door *
door_if(const struct otp *o, int door, int host)
{
	if (host == HOST_NONE)
		return &o->doors[door];
	if (o->hd[door] == NULL || host < 0 || host > HOST_MAX_TRACKED)
		return NULL;
	return o->hd[door][host];
}

void
otp_free(struct otp *o)
{
	if (o == NULL)
		return;
	if (o->doors != NULL)
		for (int i = 0; i < o->cfg->ndoors; i++)
			otp_door_free(&o->doors[i]);
	for (int i = 0; i < o->cfg->ndoors; i++) {
		if (o->hd[i] == NULL)
			continue;
		for (int h = 0; h <= HOST_MAX_TRACKED; h++)
			if (o->hd[i][h] != NULL) {
				otp_door_free(o->hd[i][h]);
				free(o->hd[i][h]);
			}
		free(o->hd[i]);
	}
	free(o->doors);
	free(o);
}

static uint64_t
step_of(const struct config_door *d, time_t wall)
{
	return wall < 0 ? 0 : (uint64_t)wall / d->hmac.period;
}

/* The bucket of a (port, protocol) of the door's range. The ports are
 * HMAC outputs nobody can choose, so the low bits spread them evenly. */
static uint32_t
bucket(const struct config_door *d, const struct otp_door *od, uint16_t port,
    uint8_t proto)
{
	return ((uint32_t)(port - d->hmac.lo) << 1 | (proto == IPPROTO_UDP)) &
	    od->mask;
}

/* Derives the first knocks of the slots the window now needs and rebuilds
 * the index: once per time step, not per knock. A counting sort: no
 * comparison sort (qsort may make system calls the sandbox refuses) and
 * nothing allocated. */
static void
refresh(struct otp *o, int door, int host, struct otp_door *od, time_t wall)
{
	const struct config_door *d = &o->cfg->doors[door];
	uint64_t now = step_of(d, wall), lo, hi;
	uint32_t nu = (uint32_t)d->hmac.nusers;
	struct seq_params p;

	if (now == od->cur_step)
		return;
	lo = now >= d->hmac.skew ? now - d->hmac.skew : 0;
	hi = now + d->hmac.skew;
	for (uint64_t s = lo; s <= hi; s++) {
		struct otp_slot *sl = &od->slots[s % od->nsl];
		if (sl->step == s)
			continue;
		sl->step = s;
		for (uint32_t u = 0; u < nu; u++)
			if (seq_first(user_of(o, door, u)->key,
			    user_of(o, door, u)->keylen,
			    params(o, door, host, u, s, "", &p), &sl->k1[u]) != 0) {
				log_warnx("door %s: cannot derive a sequence",
				    d->name);
				sl->step = UINT64_MAX;
				break;
			}
	}
	memset(od->head, 0, ((size_t)od->mask + 2) * sizeof(*od->head));
	for (unsigned s = 0; s < od->nsl; s++) {
		const struct otp_slot *sl = &od->slots[s];
		if (sl->step == UINT64_MAX || sl->step < lo || sl->step > hi)
			continue;
		for (uint32_t u = 0; u < nu; u++)
			od->head[bucket(d, od, sl->k1[u].port,
			    sl->k1[u].proto)]++;
	}
	/* head[b] = end of bucket b; placing each entry at --head[b] leaves
	 * head[b] at its start, and head[nb] is the total. */
	for (uint32_t b = 1; b <= od->mask + 1; b++)
		od->head[b] += od->head[b - 1];
	for (unsigned s = 0; s < od->nsl; s++) {
		const struct otp_slot *sl = &od->slots[s];
		if (sl->step == UINT64_MAX || sl->step < lo || sl->step > hi)
			continue;
		for (uint32_t u = 0; u < nu; u++) {
			uint32_t b = bucket(d, od, sl->k1[u].port,
			    sl->k1[u].proto);
			struct otp_entry *e = &od->index[--od->head[b]];

			e->upos = u;
			e->port = sl->k1[u].port;
			e->proto = sl->k1[u].proto;
			e->slot = (uint8_t)s;
		}
	}
	od->cur_step = now;
}

int
otp_relevant(const struct otp *o, int door, const struct parse_knock *k)
{
	const struct config_door *d = &o->cfg->doors[door];

	return k->dport >= d->hmac.lo && k->dport <= d->hmac.hi;
}

int
otp_first(struct otp *o, int door, int host, const struct parse_knock *k,
    time_t wall, struct otp_cands *out)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od;
	uint32_t b, i, n = 0;

	memset(out, 0, sizeof(*out));
	if (k->dport < d->hmac.lo || k->dport > d->hmac.hi ||
	    (od = door_of(o, door, host)) == NULL)
		return 0;
	refresh(o, door, host, od, wall);
	b = bucket(d, od, k->dport, k->proto);
	for (i = od->head[b]; i < od->head[b + 1]; i++)
		if (od->index[i].port == k->dport &&
		    od->index[i].proto == k->proto)
			n++;
	if (n == 0)
		return 0;
	out->step_hi = (uint32_t)(step_of(d, wall) + d->hmac.skew);
	out->k1_port = k->dport;
	out->flags = k->proto == IPPROTO_UDP ? OTP_K1_UDP : 0;
	return (int)n;
}

static uint32_t
cand_user(const struct otp_cand *c)
{
	return c->v >> 8;
}

static uint64_t
cand_step(const struct otp_cands *cs, const struct otp_cand *c)
{
	return (uint64_t)cs->step_hi - (c->v & 0xff);
}

/* The whole sequence of candidate c for source src (its knock 1 is the
 * attempt's): knocks 2.. and the open port from the bound stream. */
static int
cand_derive(struct otp *o, int door, int host, const struct kw_addr *src,
    const struct otp_cands *cs, const struct otp_cand *c,
    struct config_knock *seq, uint16_t *open)
{
	const struct config_door *d = &o->cfg->doors[door];
	const struct config_user *u = user_of(o, door, cand_user(c));
	char bind[ADDR_STRLEN] = "";
	struct seq_params p;

	if (d->hmac.bind_source)
		addr_ntop(src, bind, sizeof(bind));
	seq[0].port = cs->k1_port;
	seq[0].proto = cs->flags & OTP_K1_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	*open = 0;
	return seq_rest(u->key, u->keylen, params(o, door, host, cand_user(c),
	    cand_step(cs, c), bind, &p), seq, open);
}

/* One candidate left: keep its knocks 3.. and open port in the attempt. */
static void
cache_one(const struct config_door *d, struct otp_cands *cs,
    const struct config_knock *seq, uint16_t open)
{
	cs->u.one.udp = 0;
	for (unsigned j = 0; j < d->hmac.length; j++) {
		if (seq[j].proto == IPPROTO_UDP)
			cs->u.one.udp |= (uint16_t)(1u << j);
		if (j >= 2)
			cs->u.one.port[j - 2] = seq[j].port;
	}
	cs->u.one.open = open;
	cs->flags |= OTP_CACHED;
}

static int
otp_knock_is(const struct config_knock *want, const struct parse_knock *k)
{
	return want->port == k->dport && want->proto == k->proto;
}

int
otp_next(struct otp *o, int door, int host, const struct kw_addr *src,
    unsigned stage, const struct parse_knock *k, time_t wall,
    struct otp_cands *c)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = door_of(o, door, host);
	struct config_knock seq[KW_MAX_SEQ], first[KW_MAX_SEQ];
	struct otp_cand keep[OTP_KEEP];
	uint16_t open, first_open = 0;
	unsigned n = 0, tried = 0;
	int rc;

	if (od == NULL || stage == 0 || stage >= d->hmac.length)
		return 0;
	if (c->flags & OTP_CACHED) {
		struct config_knock want;

		if (stage < 2)
			return 0;
		want.port = c->u.one.port[stage - 2];
		want.proto = c->u.one.udp & (1u << stage) ? IPPROTO_UDP :
		    IPPROTO_TCP;
		return otp_knock_is(&want, k) ? 1 : 0;
	}
	if (c->n == 0) {
		/* Knock 2: the candidates are the index entries of knock 1
		 * (looked up again: the index may have moved on a step, and
		 * a step that left the window could not complete anyway). */
		uint16_t p1 = c->k1_port;
		uint8_t pr1 = c->flags & OTP_K1_UDP ? IPPROTO_UDP : IPPROTO_TCP;
		uint32_t b, i;

		if (stage != 1)
			return 0;
		refresh(o, door, host, od, wall);
		b = bucket(d, od, p1, pr1);
		for (i = od->head[b]; i < od->head[b + 1] && n < OTP_KEEP;
		    i++) {
			const struct otp_entry *e = &od->index[i];
			uint64_t st = od->slots[e->slot].step;
			struct otp_cand cd;

			if (e->port != p1 || e->proto != pr1 ||
			    st > c->step_hi || c->step_hi - st > 0xff)
				continue;
			if (tried++ >= OTP_MAX_DERIVE)
				break;
			cd.v = e->upos << 8 | (uint32_t)(c->step_hi - st);
			if (cand_derive(o, door, host, src, c, &cd, seq, &open) != 0 ||
			    !otp_knock_is(&seq[1], k))
				continue;
			if (n == 0) {
				memcpy(first, seq, sizeof(seq));
				first_open = open;
			}
			keep[n++] = cd;
		}
	} else {
		/* Several survivors of knock 2 (rare): derive each again. */
		for (uint8_t i = 0; i < c->n; i++) {
			if (cand_derive(o, door, host, src, c, &c->u.c[i], seq,
			    &open) != 0 || !otp_knock_is(&seq[stage], k))
				continue;
			if (n == 0) {
				memcpy(first, seq, sizeof(seq));
				first_open = open;
			}
			keep[n++] = c->u.c[i];
		}
	}
	c->n = (uint8_t)n;
	memset(&c->u, 0, sizeof(c->u));
	memcpy(c->u.c, keep, n * sizeof(keep[0]));
	if (n == 1)
		cache_one(d, c, first, first_open);
	rc = (int)n;
	explicit_bzero(seq, sizeof(seq));
	explicit_bzero(first, sizeof(first));
	return rc;
}

int
otp_passed(struct otp *o, int door, int host, const struct kw_addr *src,
    unsigned stage, const struct otp_cands *c, const struct parse_knock *k)
{
	struct config_knock want, seq[KW_MAX_SEQ];
	uint16_t open;
	int rc = 0;

	want.port = c->k1_port;
	want.proto = c->flags & OTP_K1_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	if (otp_knock_is(&want, k))
		return 1;
	if (stage < 3)
		return 0;
	if (c->flags & OTP_CACHED) {
		for (unsigned j = 2; j < stage; j++) {
			want.port = c->u.one.port[j - 2];
			want.proto = c->u.one.udp & (1u << j) ? IPPROTO_UDP :
			    IPPROTO_TCP;
			if (otp_knock_is(&want, k))
				return 1;
		}
		return 0;
	}
	/* Several survivors (rare): they share every knock so far, so the
	 * first one's derivation tells. */
	if (c->n == 0 || cand_derive(o, door, host, src, c, &c->u.c[0], seq,
	    &open) != 0)
		return 0;
	for (unsigned j = 2; j < stage && !rc; j++)
		rc = otp_knock_is(&seq[j], k);
	explicit_bzero(seq, sizeof(seq));
	return rc;
}

int
otp_complete(struct otp *o, int door, int host, const struct kw_addr *src,
    const struct otp_cands *c, time_t wall, int *user, uint64_t *step,
    uint16_t *open_port)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = door_of(o, door, host);
	uint64_t now = step_of(d, wall);
	struct config_knock buf[KW_MAX_SEQ];

	if (o->spent_unknown) {
		if (o->warned_step != now + 1) {
			o->warned_step = now + 1;
			log_warnx("door %s: HMAC open refused: the spent-steps "
			    "file could not be read, so a replay could not be "
			    "told apart (see the earlier message)", d->name);
		}
		return -1;
	}
	if (od == NULL)
		return -1;

	for (uint8_t i = 0; i < c->n; i++) {
		const struct otp_cand *cd = &c->u.c[i];
		uint64_t st = cand_step(c, cd);
		uint32_t upos = cand_user(cd);
		uint16_t open = 0;

		/* Spent: this step or an earlier one has opened already. */
		if (st < od->spent[upos])
			continue;
		if (st + d->hmac.skew < now || st > now + d->hmac.skew)
			continue;
		if (c->flags & OTP_CACHED)
			open = c->u.one.open;
		else if (cand_derive(o, door, host, src, c, cd, buf, &open) != 0)
			continue;
		od->spent[upos] = st + 1;
		*user = d->hmac.users[upos];
		*step = st;
		*open_port = d->hmac.has_open ? open : 0;
		return 0;
	}
	return -1;
}

int
otp_unspend(struct otp *o, int door, int host, int user, uint64_t step)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od;

	if (!d->is_hmac || (od = door_of(o, door, host)) == NULL)
		return -1;
	for (int u = 0; u < d->hmac.nusers; u++)
		if (d->hmac.users[u] == user && od->spent[u] == step + 1) {
			od->spent[u] = step;	/* earlier steps stay spent */
			return 0;
		}
	return -1;
}

/* Appends the spent steps of od (door i, host name or "") to *buf as
 * "DOOR[@HOST] USER STEP" lines. 0, or -1 when out of memory. */
static int
save_door(const struct config *c, int i, const char *host,
    const struct otp_door *od, char **buf, size_t *cap, size_t *len)
{
	for (int u = 0; u < c->doors[i].hmac.nusers; u++) {
		char line[KW_NAME_MAX * 2 + HOST_MAX + 32];
		int n;

		if (od->spent[u] == 0)
			continue;
		n = snprintf(line, sizeof(line), "%s%s%s %s %llu\n",
		    c->doors[i].name, host[0] ? "@" : "", host,
		    c->users[c->doors[i].hmac.users[u]].name,
		    (unsigned long long)(od->spent[u] - 1));
		if (n < 0 || (size_t)n >= sizeof(line))
			continue;
		while (*len + (size_t)n + 1 > *cap) {
			char *nb = realloc(*buf, *cap * 2);
			if (nb == NULL)
				return -1;
			*buf = nb;
			*cap *= 2;
		}
		memcpy(*buf + *len, line, (size_t)n);
		*len += (size_t)n;
	}
	return 0;
}

int
otp_save(const struct otp *o, const char *path, char *err, size_t errlen)
{
	const struct config *c = o->cfg;
	size_t cap = 4096, len = 0;
	char *buf = NULL;
	int rc = -1;

	if (o->spent_unknown) {
		/* Writing now would throw away the steps we could not read. */
		snprintf(err, errlen, "%s: not written: it could not be read",
		    path);
		errno = EACCES;
		return -1;
	}
	if ((buf = malloc(cap)) == NULL)
		goto out;
	for (int i = 0; i < c->ndoors; i++) {
		if (!o->doors[i].active)
			continue;
		/* The door's own steps, then each host's (NAME@HOST). */
		for (int h = 0; h <= HOST_MAX_TRACKED; h++) {
			const struct otp_door *od = door_if(o, i, h);

			if (od == NULL)
				continue;
			if (save_door(c, i, h == HOST_NONE ? "" :
			    host_name(o->hosts, h), od, &buf, &cap, &len) == -1)
				goto out;
			if (o->hd[i] == NULL)
				break;
		}
	}
	if (state_write_atomic(path, buf, len) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc == -1 && buf == NULL)
		snprintf(err, errlen, "out of memory");
	free(buf);
	return rc;
}

/* Fills pos (nusers + 1 entries of the config c) so that pos[user index]
 * is that user's position in the HMAC user list h plus one, 0 for users
 * not of it: a position is then one look-up, not a scan of the list. */
static void
otp_positions(uint32_t *pos, const struct config *c,
    const struct config_hmac *h)
{
	memset(pos, 0, ((size_t)c->nusers + 1) * sizeof(*pos));
	for (int i = 0; i < h->nusers; i++)
		pos[h->users[i]] = (uint32_t)i + 1;
}

/* The position of user index u in h, through pos when there is one (see
 * otp_positions), else by a scan (out of memory: slow, still right);
 * -1 when u is not of h. */
static int
otp_position(const uint32_t *pos, const struct config_hmac *h, int u)
{
	if (pos != NULL)
		return (int)pos[u] - 1;
	for (int i = 0; i < h->nusers; i++)
		if (h->users[i] == u)
			return i;
	return -1;
}

int
otp_load(struct otp *o, const char *path, char *err, size_t errlen)
{
	const struct config *c = o->cfg;
	size_t len;
	char *buf, *line, *save = NULL;
	uint32_t *map;
	int lineno = 0, map_door = -1;

	o->spent_unknown = 0;
	if ((buf = state_read(path, &len)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		/* Too large, not a regular file, a link: not a file we wrote,
		 * set aside by the caller. Anything else (a permission, an
		 * I/O error) says nothing about the file: it is kept, and
		 * until it can be read no HMAC door opens. */
		if (errno == EFBIG || errno == EINVAL || errno == ELOOP)
			return -1;
		o->spent_unknown = 1;
		log_warnx("spent steps: %s: cannot be read, so every HMAC "
		    "open is refused until it can (the file is kept; give it "
		    "to the worker's user: chown USER FILE, chmod 600 FILE, "
		    "then reload or restart)", err);
		return 0;
	}
	map = calloc((size_t)c->nusers + 1, sizeof(*map));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char dn[KW_NAME_MAX + 1 + HOST_MAX + 1], un[KW_NAME_MAX + 1];
		char hn[HOST_MAX + 1], *at;
		unsigned long long st;
		int d, u, pos = -1, host = HOST_NONE;
		struct otp_door *od;

		lineno++;
		if (sscanf(line, "%320s %64s %llu", dn, un, &st) != 3) {
			snprintf(err, errlen, "%s:%d: malformed line", path,
			    lineno);
			free(map);
			free(buf);
			return -1;
		}
		/* NAME@HOST: a fleet host's own steps. */
		if ((at = strchr(dn, '@')) != NULL) {
			*at++ = '\0';
			if (host_canon(at, strlen(at), hn, sizeof(hn)) < 0)
				continue;
		}
		if ((d = config_door_index(c, dn)) < 0 || !o->doors[d].active ||
		    (u = config_user_index(c, un)) < 0)
			continue;	/* door or user no longer configured */
		if (at != NULL && (o->hd[d] == NULL || o->hosts == NULL ||
		    (host = host_intern(o->hosts, hn)) <= 0))
			continue;	/* no longer fleet, or too many hosts */
		if ((od = door_of(o, d, host)) == NULL)
			continue;
		/* The file is written door by door: one table per door. */
		if (map != NULL && d != map_door) {
			otp_positions(map, c, &c->doors[d].hmac);
			map_door = d;
		}
		pos = otp_position(map, &c->doors[d].hmac, u);
		if (pos >= 0 && st + 1 > od->spent[pos])
			od->spent[pos] = st + 1;
	}
	free(map);
	free(buf);
	return 0;
}

void
otp_carry(struct otp *o, const struct otp *old)
{
	const struct config *c = o->cfg, *oc = old->cfg;
	/* pos[old user index] = position in the old door's user list + 1:
	 * each new user is then one binary search by name (the config's
	 * users are sorted) and one look-up, so a reload of n users costs
	 * n log n, not n x n string comparisons. */
	uint32_t *pos = calloc((size_t)oc->nusers + 1, sizeof(*pos));

	for (int d = 0; d < c->ndoors; d++) {
		int od = config_door_index(oc, c->doors[d].name);
		const struct config_hmac *oh;

		if (!o->doors[d].active || od < 0 || !old->doors[od].active)
			continue;
		oh = &oc->doors[od].hmac;
		if (pos != NULL)
			otp_positions(pos, oc, oh);
		/* The door's own steps, then each fleet host's, by name. */
		for (int h = 0; h <= HOST_MAX_TRACKED; h++) {
			const struct otp_door *from = door_if(old, od, h);
			struct otp_door *to;
			int nh = HOST_NONE;

			if (h != HOST_NONE && from != NULL &&
			    (o->hd[d] == NULL || o->hosts == NULL ||
			    (nh = host_intern(o->hosts,
			    host_name(old->hosts, h))) <= 0))
				continue;
			if (from == NULL || (to = door_of(o, d, nh)) == NULL) {
				if (old->hd[od] == NULL)
					break;
				continue;
			}
			for (int u = 0; u < c->doors[d].hmac.nusers; u++) {
				const char *name =
				    c->users[c->doors[d].hmac.users[u]].name;
				int ui = config_user_index(oc, name), ou;

				if (ui < 0)
					continue;
				ou = otp_position(pos, oh, ui);
				if (ou >= 0 && from->spent[ou] > to->spent[u])
					to->spent[u] = from->spent[ou];
			}
			if (old->hd[od] == NULL)
				break;
		}
	}
	free(pos);
}
