/* fixture.h — the configuration pieces the state-machine unit tests build
 * by hand (no YAML): a user with a 32-byte key, an HMAC door with the
 * loader's defaults. Header-only, for tests/unit/ only. */
#ifndef KW_TEST_FIXTURE_H
#define KW_TEST_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "config.h"

/* User name whose key byte i is mul * i + add. */
static inline void
fix_user(struct config_user *u, char *name, unsigned mul, unsigned add)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	for (unsigned i = 0; i < 32; i++)
		u->key[i] = (unsigned char)(mul * i + add);
	u->keylen = 32;
}

/* An HMAC door name of users[0..nusers), knocks in lo-hi: length 4,
 * period 30 s, skew 1, timeout 20 s; the rest zero. */
static inline void
fix_hmac_door(struct config_door *d, char *name, int *users, int nusers,
    uint16_t lo, uint16_t hi)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->is_hmac = 1;
	d->timeout = 20;
	d->hmac.users = users;
	d->hmac.nusers = nusers;
	d->hmac.length = 4;
	d->hmac.lo = lo;
	d->hmac.hi = hi;
	d->hmac.period = 30;
	d->hmac.skew = 1;
}

#endif
