/* key.h — users and their keys: hex key text, and the users section of
 * the configuration. */
#ifndef KW_KEY_H
#define KW_KEY_H

#include <stddef.h>

#include "config.h"

enum key_result {
	KEY_OK = 0,
	KEY_BADCHAR,		/* *bad gets the offset */
	KEY_ODD,		/* odd number of digits */
	KEY_SHORT,		/* fewer than KW_MIN_KEY bytes */
	KEY_LONG,		/* more than KW_MAX_KEY bytes */
};

/* Decodes len hex digits (either case, nothing else) into key and sets
 * *keylen. On any error key is wiped. */
enum key_result key_from_hex(const char *s, size_t len,
    unsigned char key[KW_MAX_KEY], size_t *keylen, size_t *bad);

struct cctx;
struct cnode;

/* Loads the users section n into x->c (sorted by name), reading inline keys
 * and key files (x->o says whether and how). Returns 0, or -1 with the error
 * in x->err. */
int key_load_users(struct cctx *x, const struct cnode *n);

#endif
