/* config_check.h — the sources and doors sections of the configuration;
 * internal to the config loader. */
#ifndef KW_CONFIG_CHECK_H
#define KW_CONFIG_CHECK_H

#include "cnode.h"

/* The tcp_flags words; bit i is PARSE_TCP_* (1 << i). NULL-terminated. */
extern const char *const flag_words[];

/* Each fills x->c from node n and returns 0, or -1 with the error in x->err.
 * load_doors needs the users loaded first (hmac doors name them). */
int load_sources(struct cctx *x, const struct cnode *n);
int load_doors(struct cctx *x, const struct cnode *n);
/* allow: and deny: of mapping m (the top level or a door) into acl. */
int load_acl(struct cctx *x, const struct cnode *m, const char *where,
    struct config_acl *acl);

#endif
