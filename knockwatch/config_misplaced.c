/* config_misplaced.c — a key that an indentation slip moved out of the
 * block it belongs to (a door's stop_after dedented to the top level, a
 * source's prefix under sources:): said as such, with where the block
 * started, before the checks report what the slip left missing. */
#include "config_check.h"

#include <string.h>

static int
is_word(const char *const *words, const char *s)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], s) == 0)
			return 1;
	return 0;
}

/* The last entry of mapping m (a door, say) that starts before line, or
 * -1: the block a key below it was meant to be in. */
static long
block_before(const struct cnode *m, unsigned line)
{
	long found = -1;
	size_t i;

	for (i = 0; m != NULL && m->type == CN_MAP && i + 1 < m->nkid; i += 2)
		if (m->kid[i]->line < line && m->kid[i + 1]->type == CN_MAP)
			found = (long)i;
	return found;
}

/* "'K' landed outside door 'D' (line N)...": k is the stray key, name the
 * door's name node, body its mapping, what "door" or "the hmac section of
 * door". */
static int
landed(struct cctx *x, const struct cnode *k, const char *at,
    const char *what, const struct cnode *name, const struct cnode *body)
{
	if (body->nkid == 0)
		return cerr(x, k, "'%.64s' landed outside %s '%s' (line %u), "
		    "%s: indent it under '%s'", k->s, what, name->s,
		    name->line, at, name->s);
	return cerr(x, k, "'%.64s' landed outside %s '%s' (line %u), %s "
	    "(column %u): indent it to column %u, like its other keys (line "
	    "%u)", k->s, what, name->s, name->line, at, k->col,
	    body->kid[0]->col, body->kid[0]->line);
}

/* Door keys (and an hmac door's hmac keys) dedented into the doors map,
 * or into the door. */
static int
misplaced_in_doors(struct cctx *x, const struct cnode *doors)
{
	const struct cnode *k, *v, *hm;
	long p;
	size_t i, j;

	for (i = 0; i + 1 < doors->nkid; i += 2) {
		k = doors->kid[i];
		v = doors->kid[i + 1];
		if (k->type != CN_SCALAR)
			continue;
		if (v->type != CN_MAP && is_word(config_check_door_keys, k->s)) {
			if ((p = block_before(doors, k->line)) == -1)
				return cerr(x, k, "'%.64s' is a key of a door "
				    "but sits directly under 'doors:', where "
				    "door names go: put it inside a door",
				    k->s);
			return landed(x, k, "where door names go", "door",
			    doors->kid[p], doors->kid[p + 1]);
		}
		if (v->type != CN_MAP ||
		    (hm = cnode_get(v, "hmac")) == NULL || hm->type != CN_MAP)
			continue;
		for (j = 0; j + 1 < v->nkid; j += 2) {
			k = v->kid[j];
			if (k->type == CN_SCALAR && !is_word(config_check_door_keys, k->s) &&
			    is_word(config_check_hmac_keys, k->s) && hm->line < k->line)
				return landed(x, k, "among the door's keys",
				    "the hmac section of door", doors->kid[i],
				    hm);
		}
	}
	return 0;
}

int
config_misplaced(struct cctx *x, const struct cnode *root,
    const char *const *top_keys)
{
	const struct cnode *k, *doors, *src;
	long p;
	size_t i;

	if (root->type != CN_MAP)
		return 0;
	doors = cnode_get(root, "doors");
	src = cnode_get(root, "sources");
	for (i = 0; i + 1 < root->nkid; i += 2) {
		k = root->kid[i];
		if (k->type != CN_SCALAR || is_word(top_keys, k->s))
			continue;
		if (is_word(config_check_door_keys, k->s) &&
		    (p = block_before(doors, k->line)) != -1)
			return landed(x, k, "at the top level", "door",
			    doors->kid[p], doors->kid[p + 1]);
		if (is_word(config_check_source_keys, k->s) && src != NULL &&
		    src->type == CN_SEQ && src->line < k->line)
			return cerr(x, k, "'%.64s' landed outside the sources "
			    "list (line %u), at the top level: indent it like "
			    "the other keys of its source", k->s, src->line);
	}
	if (doors != NULL && doors->type == CN_MAP)
		return misplaced_in_doors(x, doors);
	return 0;
}
