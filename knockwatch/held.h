/* held.h — the log file descriptions the parent hands to the worker. */
#ifndef KW_HELD_H
#define KW_HELD_H

#include <sys/stat.h>

#include "config.h"

/* Opens log file p for the worker: *resume = 1 when it is the description
 * an earlier worker had (the same inode still has the name), with that
 * worker's offset. Returns a descriptor for the caller, or -1 with errno. */
int held_open(const char *p, int *resume);
/* The worker looked at p, which names st now (NULL: nothing): a held file
 * that lost the name is let go. */
void held_gone(const char *p, const struct stat *st);
/* Lets go of the files config c no longer has. */
void held_prune(const struct config *c);
void held_free(void);

#endif
