/* logwatch.h — tails log files with inotify, through every kind of rotation,
 * and hands complete lines to a callback. */
#ifndef KW_LOGWATCH_H
#define KW_LOGWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/* Called once per complete line, without its newline; len <= KW_MAX_LINE. */
typedef void (*logwatch_cb)(void *arg, const char *line, size_t len);

struct logwatch_stats {
	uint64_t lines;		/* complete lines delivered */
	uint64_t overlong;	/* lines longer than KW_MAX_LINE, dropped */
	uint64_t rotations;	/* renames, truncations, re-creations seen */
};

struct logwatch;

/* One inotify instance for all files. Returns NULL on error (logged). */
struct logwatch *logwatch_new(void);
/* The inotify descriptor for the event loop (readable = call handle). */
int logwatch_fd(const struct logwatch *lw);
/* Starts tailing path (which may not exist yet). from_start: read what is
 * already there, else start at the end. grace_s: how long a renamed file is
 * still read after its last write. Returns a watch id >= 0, or -1. */
int logwatch_add(struct logwatch *lw, const char *path, int from_start,
    unsigned grace_s, logwatch_cb cb, void *arg, kw_ms now);
/* Changes the callback argument of a watch (used on reload). */
void logwatch_set_arg(struct logwatch *lw, int id, void *arg);
/* Stops tailing; pending partial lines are dropped. */
void logwatch_remove(struct logwatch *lw, int id);
/* Id of the watch on path, or -1. */
int logwatch_find(const struct logwatch *lw, const char *path);
/* Reads every pending inotify event and every file with new data, calling
 * the callbacks. Never blocks. */
void logwatch_handle(struct logwatch *lw, kw_ms now);
/* Earliest time logwatch_handle must run again without an inotify event
 * (a renamed file's grace ending), or KW_MS_NEVER. */
kw_ms logwatch_deadline(const struct logwatch *lw);
void logwatch_stats(const struct logwatch *lw, struct logwatch_stats *st);
void logwatch_free(struct logwatch *lw);

#endif
