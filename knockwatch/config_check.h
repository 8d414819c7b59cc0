/* config_check.h — the sources and doors sections of the configuration;
 * internal to the config loader. */
#ifndef KW_CONFIG_CHECK_H
#define KW_CONFIG_CHECK_H

#include "cnode.h"

/* The tcp_flags words; bit i is PARSE_TCP_* (1 << i). NULL-terminated. */
extern const char *const config_check_flags[];

/* Each fills x->c from node n and returns 0, or -1 with the error in x->err.
 * config_check_doors needs the users loaded first (hmac doors name them). */
int config_check_sources(struct cctx *x, const struct cnode *n);
int config_check_doors(struct cctx *x, const struct cnode *n);
/* A key that an indentation slip moved out of the block it belongs to
 * (a door's stop_after dedented to the top level, say): 0 when root has
 * none, else -1 with "'KEY' landed outside door 'D' (line N)..." in
 * x->err. top_keys: the top level's own keys. Run before the sections are
 * checked, so the slip is reported rather than what it left missing. */
int config_misplaced(struct cctx *x, const struct cnode *root,
    const char *const *top_keys);
/* The keys of a source, a door and a door's hmac section (NULL-ended). */
extern const char *const config_check_source_keys[];
extern const char *const config_check_door_keys[];
extern const char *const config_check_hmac_keys[];
/* allow: and deny: of mapping m (the top level or a door) into acl. */
int config_check_acl(struct cctx *x, const struct cnode *m, const char *where,
    struct config_acl *acl);

#endif
