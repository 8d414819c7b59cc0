/* logwatch.h — tails log files with inotify, through every kind of rotation,
 * and hands complete lines to a callback. */
#ifndef KW_LOGWATCH_H
#define KW_LOGWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "kwlimits.h"

#define LOGWATCH_MAX		64	/* watched paths per instance */
#define LOGWATCH_MAX_OLD	KW_MAX_ROTATED	/* rotated-away files kept open
						 * per path */

/* Called once per complete line, without its newline; len <= KW_MAX_LINE.
 * line is NUL-terminated and valid only during the call. The callback may
 * call logwatch_set_arg, logwatch_add and logwatch_remove (removal takes
 * effect at the end of logwatch_handle), never logwatch_free. */
typedef void (*logwatch_cb)(void *arg, const char *line, size_t len);

struct logwatch_stats {
	uint64_t lines;		/* complete lines delivered */
	uint64_t overlong;	/* lines longer than KW_MAX_LINE, dropped */
	uint64_t rotations;	/* renames, truncations, re-creations seen */
	uint64_t partial;	/* unterminated lines dropped: file truncated,
				 * deleted, grace ended, or watch removed */
};

struct logwatch;

/* One inotify instance for all files. Returns NULL on error (logged). */
struct logwatch *logwatch_new(void);
/* The inotify descriptor for the event loop (readable = call handle). */
int logwatch_fd(const struct logwatch *lw);
/* Starts tailing path (which may not exist yet). from_start: read what is
 * already there, else start at the end (in a worker started after a crash:
 * where the dead one stopped, and files new at the path from their start;
 * files rotated away that it had not finished are read too). grace_s: how
 * long a renamed or deleted file is still read after its last write.
 * Returns a watch id >= 0, or -1. */
int logwatch_add(struct logwatch *lw, const char *path, int from_start,
    unsigned grace_s, logwatch_cb cb, void *arg, kw_ms now);
/* Changes the callback argument of a watch (used on reload). */
void logwatch_set_arg(struct logwatch *lw, int id, void *arg);
/* Stops tailing; pending partial lines are dropped. Unknown ids are
 * ignored. */
void logwatch_remove(struct logwatch *lw, int id);
/* Id of the watch on path, or -1. */
int logwatch_find(const struct logwatch *lw, const char *path);
/* Reads every pending inotify event and every file with new data, calling
 * the callbacks. Never blocks. */
void logwatch_handle(struct logwatch *lw, kw_ms now);
/* Earliest time logwatch_handle must run again without an inotify event
 * (a renamed file's grace ending; a read cap hit, which returns the `now`
 * of the last call; a retry after ENOSPC/EACCES), or KW_MS_NEVER. */
kw_ms logwatch_deadline(const struct logwatch *lw);
/* Copies the counters into *st. */
void logwatch_stats(const struct logwatch *lw, struct logwatch_stats *st);
/* Closes every file, watch and the inotify descriptor; NULL is a no-op. */
void logwatch_free(struct logwatch *lw);

#endif
