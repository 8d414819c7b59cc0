/* grant.h — the parent's checks of the worker's requests. cfgs is the
 * running config and, during a reload, the one the worker is loading (else
 * NULL): a request may refer to either. */
#ifndef KW_GRANT_H
#define KW_GRANT_H

#include <time.h>

#include "config.h"
#include "door.h"
#include "msg.h"

/* 1 when p is a file source of cfgs or, with dirs, a directory above one
 * (watched to see the file appear), else 0. */
int grant_path(const struct config *const *cfgs, const char *p, int dirs);
/* 1 when p is a user's key_file in cfgs. */
int grant_key(const struct config *const *cfgs, const char *p);
/* 1 when cfgs has a kmsg source. */
int grant_kmsg(const struct config *const *cfgs);
/* "event E for door D, source S, user U, open port P" checked against the
 * running config c at wall time wall: NULL and *ev filled (indices into c)
 * when it may run, else what is wrong. */
const char *grant_door(const struct config *c, const struct msg_door *r,
    time_t wall, struct door_req *ev);

#endif
