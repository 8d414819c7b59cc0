/* otp.c — matches knocks against HMAC doors. For doors without bind_source
 * the sequences of every user for the steps in the window are derived once
 * per time step and indexed by first knock, so a knock costs a binary search
 * whatever the number of users; bind_source doors derive per source. Never
 * logs or copies key material. */
#include "otp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seq.h"
#include "state.h"

struct otp_entry {
	uint16_t port;
	uint8_t proto;
	uint8_t slot;
	uint32_t upos;		/* position in the door's user list */
};

struct otp_slot {
	uint64_t step;		/* UINT64_MAX: not derived */
	struct config_knock *seq;	/* nusers * length */
	uint16_t *open;		/* nusers */
};

/* HMACs per second a bind_source door may spend on first knocks: each costs
 * users * (2 skew + 1) derivations, so a flood of forged sources in the
 * range could otherwise buy unbounded CPU. Past it, first knocks are
 * ignored (counted, logged once per second) until the next second. */
#define OTP_BIND_BUDGET 50000

struct otp_door {
	int active;
	time_t budget_sec;	/* the second the budget below is for */
	uint64_t budget_used;
	unsigned nsl;		/* 2 * skew + 1 slots */
	struct otp_slot *slots;
	struct otp_entry *index;	/* sorted by (port, proto) */
	size_t nindex;
	uint64_t cur_step;	/* step the index was built for */
	uint64_t *spent;	/* per user position: last spent step + 1 */
};

struct otp {
	const struct config *cfg;
	struct otp_door *doors;
	uint64_t throttled;
};

static int
derive(struct otp *o, int door, uint32_t upos, uint64_t step,
    const char *bind, struct config_knock *seq, uint16_t *open)
{
	const struct config_door *d = &o->cfg->doors[door];
	const struct config_user *u = &o->cfg->users[d->hmac.users[upos]];
	struct seq_params p;

	seq_params_from(&p, o->cfg, door, d->hmac.users[upos], step, bind);
	return seq_derive(u->key, u->keylen, &p, seq, open);
}

static void
door_free(struct otp_door *od)
{
	if (od->slots != NULL)
		for (unsigned s = 0; s < od->nsl; s++) {
			free(od->slots[s].seq);
			free(od->slots[s].open);
		}
	free(od->slots);
	free(od->index);
	free(od->spent);
}

struct otp *
otp_new(const struct config *c)
{
	struct otp *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->cfg = c;
	if ((o->doors = calloc((size_t)c->ndoors + 1, sizeof(*o->doors))) == NULL)
		goto fail;
	for (int i = 0; i < c->ndoors; i++) {
		const struct config_door *d = &c->doors[i];
		struct otp_door *od = &o->doors[i];
		size_t nu = (size_t)d->hmac.nusers;

		if (!d->is_hmac)
			continue;
		od->active = 1;
		od->nsl = 2 * d->hmac.skew + 1;
		od->cur_step = UINT64_MAX;
		if ((od->spent = calloc(nu + 1, sizeof(*od->spent))) == NULL)
			goto fail;
		if (d->hmac.bind_source)
			continue;
		od->slots = calloc(od->nsl, sizeof(*od->slots));
		od->index = calloc(od->nsl * nu + 1, sizeof(*od->index));
		if (od->slots == NULL || od->index == NULL)
			goto fail;
		for (unsigned s = 0; s < od->nsl; s++) {
			od->slots[s].step = UINT64_MAX;
			od->slots[s].seq = calloc(nu * d->hmac.length + 1,
			    sizeof(struct config_knock));
			od->slots[s].open = calloc(nu + 1, sizeof(uint16_t));
			if (od->slots[s].seq == NULL || od->slots[s].open == NULL)
				goto fail;
		}
	}
	return o;
fail:
	otp_free(o);
	return NULL;
}

void
otp_free(struct otp *o)
{
	if (o == NULL)
		return;
	if (o->doors != NULL)
		for (int i = 0; i < o->cfg->ndoors; i++)
			door_free(&o->doors[i]);
	free(o->doors);
	free(o);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct otp_entry *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->upos < y->upos ? -1 : x->upos > y->upos;
}

static uint64_t
step_of(const struct config_door *d, time_t wall)
{
	return wall < 0 ? 0 : (uint64_t)wall / d->hmac.period;
}

/* Derives the slots the window now needs and rebuilds the first-knock
 * index: once per time step, not per knock. */
static void
refresh(struct otp *o, int door, time_t wall)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = &o->doors[door];
	uint64_t now = step_of(d, wall), lo;
	size_t n = 0;

	if (now == od->cur_step)
		return;
	lo = now >= d->hmac.skew ? now - d->hmac.skew : 0;
	for (uint64_t s = lo; s <= now + d->hmac.skew; s++) {
		struct otp_slot *sl = &od->slots[s % od->nsl];
		if (sl->step == s)
			continue;
		sl->step = s;
		for (uint32_t u = 0; u < (uint32_t)d->hmac.nusers; u++)
			if (derive(o, door, u, s, "",
			    &sl->seq[(size_t)u * d->hmac.length],
			    &sl->open[u]) != 0) {
				log_warnx("door %s: cannot derive a sequence",
				    d->name);
				sl->step = UINT64_MAX;
				break;
			}
	}
	for (unsigned s = 0; s < od->nsl; s++) {
		struct otp_slot *sl = &od->slots[s];
		if (sl->step == UINT64_MAX || sl->step < lo ||
		    sl->step > now + d->hmac.skew)
			continue;
		for (uint32_t u = 0; u < (uint32_t)d->hmac.nusers; u++) {
			const struct config_knock *k =
			    &sl->seq[(size_t)u * d->hmac.length];
			od->index[n].port = k->port;
			od->index[n].proto = k->proto;
			od->index[n].slot = (uint8_t)s;
			od->index[n].upos = u;
			n++;
		}
	}
	qsort(od->index, n, sizeof(*od->index), entry_cmp);
	od->nindex = n;
	od->cur_step = now;
}

int
otp_relevant(const struct otp *o, int door, const struct parse_knock *k)
{
	const struct config_door *d = &o->cfg->doors[door];

	return k->dport >= d->hmac.lo && k->dport <= d->hmac.hi;
}

static void
add_cand(struct otp_cands *out, uint32_t upos, uint64_t step)
{
	if (out->n >= OTP_MAX_CAND)
		return;
	out->c[out->n].user = upos;
	out->c[out->n].step = (uint32_t)step;
	out->n++;
}

/* The sequence (and open port) of one candidate: from the step tables when
 * they still hold it, else derived afresh. */
static const struct config_knock *
cand_seq(struct otp *o, int door, const struct kw_addr *src,
    const struct otp_cand *c, struct config_knock *buf, uint16_t *open)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = &o->doors[door];
	char bind[ADDR_STRLEN] = "";

	if (!d->hmac.bind_source) {
		struct otp_slot *sl = &od->slots[c->step % od->nsl];
		if (sl->step == c->step) {
			*open = sl->open[c->user];
			return &sl->seq[(size_t)c->user * d->hmac.length];
		}
	} else
		addr_ntop(src, bind, sizeof(bind));
	if (derive(o, door, c->user, c->step, bind, buf, open) != 0)
		return NULL;
	return buf;
}

int
otp_first(struct otp *o, int door, const struct kw_addr *src,
    const struct parse_knock *k, time_t wall, struct otp_cands *out)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = &o->doors[door];
	uint64_t now = step_of(d, wall);
	uint64_t lo = now >= d->hmac.skew ? now - d->hmac.skew : 0;

	out->n = 0;
	if (d->hmac.bind_source) {
		/* The sequence depends on the source: derive each user's for
		 * each step of the window (nusers * (2 skew + 1) HMACs). */
		struct config_knock seq[KW_MAX_SEQ];
		char bind[ADDR_STRLEN];
		uint16_t open;

		uint64_t cost = (uint64_t)d->hmac.nusers * (2 * d->hmac.skew + 1);
		if (od->budget_sec != wall) {
			od->budget_sec = wall;
			od->budget_used = 0;
		}
		if (od->budget_used + cost > OTP_BIND_BUDGET) {
			if (o->throttled++ == 0 || od->budget_used <=
			    OTP_BIND_BUDGET)
				log_warnx("door %s: more first knocks than %d "
				    "HMACs a second allow; ignoring them until "
				    "the next second", d->name, OTP_BIND_BUDGET);
			od->budget_used = OTP_BIND_BUDGET + 1;
			return 0;
		}
		od->budget_used += cost;
		addr_ntop(src, bind, sizeof(bind));
		for (uint32_t u = 0; u < (uint32_t)d->hmac.nusers; u++)
			for (uint64_t s = lo; s <= now + d->hmac.skew; s++)
				if (derive(o, door, u, s, bind, seq, &open) == 0 &&
				    seq[0].port == k->dport &&
				    seq[0].proto == k->proto)
					add_cand(out, u, s);
		return out->n;
	}
	refresh(o, door, wall);
	size_t a = 0, b = od->nindex;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		const struct otp_entry *e = &od->index[m];
		if (e->port < k->dport ||
		    (e->port == k->dport && e->proto < k->proto))
			a = m + 1;
		else
			b = m;
	}
	for (; a < od->nindex && od->index[a].port == k->dport &&
	    od->index[a].proto == k->proto; a++)
		add_cand(out, od->index[a].upos,
		    od->slots[od->index[a].slot].step);
	return out->n;
}

int
otp_next(struct otp *o, int door, const struct kw_addr *src, unsigned stage,
    const struct parse_knock *k, struct otp_cands *c)
{
	struct config_knock buf[KW_MAX_SEQ];
	uint8_t keep = 0;
	uint16_t open;

	for (uint8_t i = 0; i < c->n; i++) {
		const struct config_knock *seq =
		    cand_seq(o, door, src, &c->c[i], buf, &open);
		if (seq != NULL && seq[stage].port == k->dport &&
		    seq[stage].proto == k->proto)
			c->c[keep++] = c->c[i];
	}
	c->n = keep;
	return keep;
}

int
otp_complete(struct otp *o, int door, const struct kw_addr *src,
    const struct otp_cands *c, time_t wall, int *user, uint64_t *step,
    uint16_t *open_port)
{
	const struct config_door *d = &o->cfg->doors[door];
	struct otp_door *od = &o->doors[door];
	uint64_t now = step_of(d, wall);
	struct config_knock buf[KW_MAX_SEQ];

	for (uint8_t i = 0; i < c->n; i++) {
		const struct otp_cand *cd = &c->c[i];
		uint16_t open = 0;

		/* Spent: this step or an earlier one has opened already. */
		if ((uint64_t)cd->step < od->spent[cd->user])
			continue;
		if (cd->step + d->hmac.skew < now || cd->step > now + d->hmac.skew)
			continue;
		if (cand_seq(o, door, src, cd, buf, &open) == NULL)
			continue;
		od->spent[cd->user] = (uint64_t)cd->step + 1;
		*user = d->hmac.users[cd->user];
		*step = cd->step;
		*open_port = d->hmac.has_open ? open : 0;
		return 0;
	}
	return -1;
}

uint64_t
otp_throttled(const struct otp *o)
{
	return o->throttled;
}

int
otp_save(const struct otp *o, const char *path, char *err, size_t errlen)
{
	const struct config *c = o->cfg;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int rc = -1;

	if (buf == NULL)
		goto out;
	for (int i = 0; i < c->ndoors; i++) {
		const struct otp_door *od = &o->doors[i];
		if (!od->active)
			continue;
		for (int u = 0; u < c->doors[i].hmac.nusers; u++) {
			char line[256];
			int n;

			if (od->spent[u] == 0)
				continue;
			n = snprintf(line, sizeof(line), "%s %s %llu\n",
			    c->doors[i].name,
			    c->users[c->doors[i].hmac.users[u]].name,
			    (unsigned long long)(od->spent[u] - 1));
			if (len + (size_t)n + 1 > cap) {
				char *nb = realloc(buf, cap * 2);
				if (nb == NULL)
					goto out;
				buf = nb;
				cap *= 2;
			}
			memcpy(buf + len, line, (size_t)n);
			len += (size_t)n;
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

int
otp_load(struct otp *o, const char *path, char *err, size_t errlen)
{
	const struct config *c = o->cfg;
	size_t len;
	char *buf, *line, *save = NULL;
	int lineno = 0;

	if ((buf = state_read(path, &len)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char dn[KW_NAME_MAX + 1], un[KW_NAME_MAX + 1];
		unsigned long long st;
		int d, u, pos = -1;

		lineno++;
		if (sscanf(line, "%64s %64s %llu", dn, un, &st) != 3) {
			snprintf(err, errlen, "%s:%d: malformed line", path,
			    lineno);
			free(buf);
			return -1;
		}
		if ((d = config_door_index(c, dn)) < 0 || !o->doors[d].active ||
		    (u = config_user_index(c, un)) < 0)
			continue;	/* door or user no longer configured */
		for (int i = 0; i < c->doors[d].hmac.nusers; i++)
			if (c->doors[d].hmac.users[i] == u)
				pos = i;
		if (pos >= 0 && st + 1 > o->doors[d].spent[pos])
			o->doors[d].spent[pos] = st + 1;
	}
	free(buf);
	return 0;
}

void
otp_carry(struct otp *o, const struct otp *old)
{
	const struct config *c = o->cfg, *oc = old->cfg;

	for (int d = 0; d < c->ndoors; d++) {
		int od = config_door_index(oc, c->doors[d].name);

		if (!o->doors[d].active || od < 0 || !old->doors[od].active)
			continue;
		for (int u = 0; u < c->doors[d].hmac.nusers; u++) {
			const char *name = c->users[c->doors[d].hmac.users[u]].name;

			for (int ou = 0; ou < oc->doors[od].hmac.nusers; ou++)
				if (strcmp(name, oc->users[oc->doors[od].hmac.
				    users[ou]].name) == 0 &&
				    old->doors[od].spent[ou] > o->doors[d].spent[u])
					o->doors[d].spent[u] =
					    old->doors[od].spent[ou];
		}
	}
}
