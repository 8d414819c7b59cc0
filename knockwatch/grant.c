/* grant.c — what the worker may ask the root parent for, decided against
 * the parent's own configs. Pure functions of (configs, request): the
 * worker is untrusted, so nothing in a request is believed that the config
 * does not confirm. */
#include "grant.h"

#include <limits.h>
#include <string.h>

#include "host.h"

/* 1 when p is a file source of a config or, with dirs, a directory above
 * one (the worker watches those to see the file appear). */
int
grant_path(const struct config *const *cfgs, const char *p, int dirs)
{
	char buf[PATH_MAX], *s;

	for (int k = 0; k < 2; k++) {
		const struct config *c = cfgs[k];
		for (int i = 0; c != NULL && i < c->nsources; i++) {
			const struct config_source *src = &c->sources[i];
			if (src->kind != CONFIG_SRC_FILE)
				continue;
			if (strcmp(p, src->path) == 0)
				return 1;
			if (!dirs || strlen(src->path) >= sizeof(buf))
				continue;
			strcpy(buf, src->path);
			while ((s = strrchr(buf, '/')) != NULL) {
				if (s == buf)
					s[1] = '\0';
				else
					*s = '\0';
				if (strcmp(p, buf) == 0)
					return 1;
				if (s == buf)
					break;
			}
		}
	}
	return 0;
}

int
grant_key(const struct config *const *cfgs, const char *p)
{
	for (int k = 0; k < 2; k++) {
		const struct config *c = cfgs[k];
		for (int i = 0; c != NULL && i < c->nusers; i++)
			if (c->users[i].key_file != NULL &&
			    strcmp(c->users[i].key_file, p) == 0)
				return 1;
	}
	return 0;
}

int
grant_kmsg(const struct config *const *cfgs)
{
	for (int k = 0; k < 2; k++) {
		const struct config *c = cfgs[k];
		for (int i = 0; c != NULL && i < c->nsources; i++)
			if (c->sources[i].kind == CONFIG_SRC_KMSG)
				return 1;
	}
	return 0;
}

/* The one request that acts: "event E for door D, source S, user U, open
 * port P". Everything is checked against the parent's config before
 * door_open runs; a request that fails a check was not sent by an honest
 * worker. Returns NULL when it is acceptable, else what is wrong. */
const char *
grant_door(const struct config *c, const struct msg_door *r, time_t wall,
    struct door_req *ev)
{
	const struct config_door *d;
	int u = -1, di;

	if (c == NULL)
		return "a door request before any config";
	if (r->event != MSG_EVENT_START || r->pad != 0)
		return "a door request with an event it may not ask for";
	if (memchr(r->door, '\0', sizeof(r->door)) == NULL ||
	    memchr(r->user, '\0', sizeof(r->user)) == NULL ||
	    memchr(r->src, '\0', sizeof(r->src)) == NULL ||
	    memchr(r->host, '\0', sizeof(r->host)) == NULL)
		return "a door request with an unterminated field";
	if ((di = config_door_index(c, r->door)) < 0)
		return "a request for a door that does not exist";
	d = &c->doors[di];
	memset(ev, 0, sizeof(*ev));
	if (addr_parse(r->src, strlen(r->src), &ev->src) == -1)
		return "a door request whose source is not an address";
	if (!config_acl_ok(&c->acl, &ev->src) ||
	    !config_acl_ok(&d->acl, &ev->src))
		return "a door request for a denied source";
	if (d->is_hmac) {
		uint64_t now = (uint64_t)wall / d->hmac.period;
		int member = 0;

		if ((u = config_user_index(c, r->user)) < 0)
			return "a door request for an unknown user";
		for (int i = 0; i < d->hmac.nusers; i++)
			if (d->hmac.users[i] == u)
				member = 1;
		if (!member)
			return "a door request for a user not of that door";
		if (r->step + d->hmac.skew + 1 < now ||
		    r->step > now + d->hmac.skew + 1)
			return "a door request for a time step out of range";
		if (d->hmac.has_open ? r->open_port < d->hmac.open_lo ||
		    r->open_port > d->hmac.open_hi : r->open_port != 0)
			return "a door request with an open port out of range";
	} else if (r->user[0] != '\0' || r->open_port != 0 || r->step != 0)
		return "a door request with a user, port or step for a static "
		    "door";
	if (r->host[0] != '\0') {
		/* The host reaches argv (%HOST%, ssh's destination): only
		 * a canonical name, only with a fleet source, only one the
		 * door's hosts: list names. */
		int ok = 0;

		if (!c->fleet)
			return "a door request with a host, and no fleet source";
		if (host_canon(r->host, strlen(r->host), ev->host,
		    sizeof(ev->host)) < 0 || strcmp(ev->host, r->host) != 0)
			return "a door request whose host is not canonical";
		for (int i = 0; i < d->nhosts; i++)
			if (strcmp(d->hosts[i], r->host) == 0)
				ok = 1;
		if (d->nhosts > 0 && !ok)
			return "a door request for a host the door does not "
			    "serve";
	} else if (d->nhosts > 0)
		return "a door request without a host for a door with hosts";
	ev->door = di;
	ev->user = u;
	ev->open_port = r->open_port;
	ev->step = r->step;
	return NULL;
}

