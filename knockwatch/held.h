/* held.h — the log file descriptions the parent hands to the worker. */
#ifndef KW_HELD_H
#define KW_HELD_H

#include <sys/stat.h>

#include "config.h"
#include "kwlimits.h"

#define HELD_MAX_OLD	KW_MAX_ROTATED	/* rotated-away files held per path */

/* Opens log file p for the worker and sets *how as priv_open_log says:
 * PRIV_LOG_RESUME (an earlier worker's description and offset),
 * PRIV_LOG_UNREAD (new at the name since a worker last looked at it: read
 * from its start), PRIV_LOG_NEW (never looked at: as the config says). A
 * file held before that no longer has the name is kept as rotated away
 * (held_rotated). Returns a descriptor for the caller, or -1 with errno. */
int held_open(const char *p, int *how);
/* The i-th (oldest first) file that p named before and that a worker may
 * still have to read, with the offset a worker reached: a descriptor for
 * the caller, or -1 with errno (ENOENT: no more). */
int held_rotated(const char *p, int i);
/* A worker is done with the rotated-away file dev/ino of p: let go of it. */
void held_done(const char *p, dev_t dev, ino_t ino);
/* The worker looked at p, which names st now (NULL: nothing): a held file
 * that lost the name is kept as rotated away until the worker is done. */
void held_gone(const char *p, const struct stat *st);
/* The worker died: remember, for each held file, the bytes around the
 * offset it reached, to tell at the restart a file truncated and regrown
 * meanwhile from one appended to. */
void held_mark(void);
/* Lets go of the files config c no longer has. */
void held_prune(const struct config *c);
void held_free(void);

#endif
