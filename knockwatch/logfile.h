/* logfile.h — private to logwatch.c and logfile.c: the state of the
 * watched paths and of their open files, and the calls between the two
 * files. Other modules use logwatch.h. */
#ifndef KW_LOGFILE_H
#define KW_LOGFILE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "linebuf.h"
#include "logwatch.h"

#define LW_CHUNK	(64 * 1024)		/* bytes per pread */
#define LW_CAP		(4 * 1024 * 1024)	/* bytes per file per handle */
#define LW_TAIL		64	/* bytes before the offset re-read each time */
#define LW_RETRY_MS	60000	/* retry after ENOSPC, EACCES and the like */

struct lw_file {
	struct lw_file	*next;		/* in lw_watch.old, oldest first */
	int		 fd;
	int		 iwd;		/* watch on the inode, -1 if none */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 off;		/* bytes consumed */
	kw_ms		 last;		/* last read that returned data */
	int		 gone;		/* close once read to the end */
	int		 capped;	/* the last read stopped at LW_CAP */
	int		 resumed;	/* opened where a previous worker left */
	size_t		 tail_len;	/* min(off, LW_TAIL) */
	unsigned char	 tail[LW_TAIL];	/* the bytes just before off */
	struct linebuf	 lines;		/* over KW_MAX_LINE + 1 bytes of its
					 * own */
};

struct lw_watch {
	char		*path;
	char		*dir;
	const char	*base;		/* points into path */
	logwatch_cb	 cb;
	void		*arg;
	kw_ms		 grace_ms;
	int		 dwd;		/* watch on dir (or an ancestor if anc) */
	int		 anc;		/* dir is missing: dwd is an ancestor */
	dev_t		 ddev;		/* the directory dwd watches (!anc) */
	ino_t		 dino;
	int		 uwd;		/* while the file is missing: watch on
					 * dir's parent, for dir's removal */
	int		 dirty;
	int		 more;		/* a read stopped at the cap */
	int		 removed;	/* removed from a callback */
	int		 complained;	/* a run-time error was logged */
	kw_ms		 retry;		/* retry failed set-ups then, or NEVER */
	struct lw_file	*cur;		/* the file at path */
	struct lw_file	*old;		/* renamed or deleted away */
	int		 nold;
};

struct logwatch {
	int		 fd;
	int		 in_handle;
	int		 more_events;	/* stopped reading inotify at the cap */
	kw_ms		 now;
	kw_ms		 overlong_next;	/* rate limit for the warning */
	uint64_t	 overlong_quiet;	/* dropped since the last one */
	struct logwatch_stats st;
	char		*rbuf;		/* LW_TAIL + LW_CHUNK */
	struct lw_watch	*w[LOGWATCH_MAX];
};

/* Whether f (which may be NULL) is the file dev/ino. */
static inline int
logfile_same(const struct lw_file *f, dev_t dev, ino_t ino)
{
	return f != NULL && f->dev == dev && f->ino == ino;
}

/* logfile.c */

/* Watches the inode behind fd for w's path: the inotify watch id, or -1
 * with errno. */
int logfile_watch(struct logwatch *lw, int fd, const char *path);
/* Opens w's path through the parent: at its end when at_end (unless an
 * earlier worker read it: then where that one stopped, or from its start
 * when it is new at the name). NULL with errno set on failure (not
 * logged). The result is freed with logfile_close. */
struct lw_file *logfile_open(struct logwatch *lw, struct lw_watch *w,
    int at_end, kw_ms now);
/* A new worker: appends to w->old the files rotated away from w's path
 * that the previous worker had not finished. */
void logfile_adopt(struct logwatch *lw, struct lw_watch *w, kw_ms now);
/* Reads f from its offset to the end, or up to LW_CAP bytes (then sets
 * f->capped and w->more), delivering complete lines to w's callback.
 * Returns the bytes consumed, or -1 (logged). */
ssize_t logfile_read(struct logwatch *lw, struct lw_watch *w,
    struct lw_file *f);
/* Closes and frees f, counting a pending partial line as dropped. */
void logfile_close(struct logwatch *lw, struct lw_watch *w,
    struct lw_file *f);

/* logwatch.c */

/* Removes inotify watch wd once no path or file of lw uses it (the caller
 * has dropped its own reference); -1 is ignored. */
void logwatch_wd_release(struct logwatch *lw, int wd);

#endif
