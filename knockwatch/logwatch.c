/* logwatch.c — tails log files with one inotify instance and hands complete
 * lines to callbacks, through rename, copytruncate, delete and re-creation.
 * It never blocks, never polls an idle file, and allocates nothing per line.
 * This file keeps the table of watched paths and follows what each path
 * names through rotations; logfile.c opens and reads the files themselves.
 *
 * Model: each watched path has the file currently at that path ("cur") and
 * up to LOGWATCH_MAX_OLD files renamed or deleted away from it ("old"), each
 * an open descriptor with its own inotify watch on the inode, its offset and
 * its partial-line buffer. The path's directory is watched for names coming
 * and going. Any event that concerns a path marks it dirty; a dirty path is
 * then re-checked as a whole (stat the path, compare inodes, read old files
 * first, then the current one), so lost or coalesced events cannot confuse
 * it and IN_Q_OVERFLOW is simply "everything is dirty".
 *
 * Order: at each look, renamed-away files (oldest first) are read before the
 * file now at the path. A renamed or deleted file is read until grace_s
 * after the last read that found data (a syslog daemon writes to either
 * until it reopens its log). Offsets live in the open file descriptions,
 * which the parent holds (held.c): a worker started after a crash goes on
 * where the dead one stopped, in the file at the path and in the files
 * rotated away from it, and reads a file new at the path from its start.
 * Recovered: a missing file or directory (the deepest
 * existing ancestor is watched until it appears), a directory deleted or
 * renamed and re-created, EACCES/ENOSPC/EMFILE (retried every minute via
 * logwatch_deadline). Not recovered: two rotations between two looks (the
 * middle file is never opened), lines written between our last read and a
 * copytruncate's truncation (they are only in the copy), a truncation
 * refilled with the same last LW_TAIL bytes at the same offset, and
 * renames from one watched name to another (read again from 0). Lines may
 * contain NUL bytes (a non-O_APPEND writer after copytruncate leaves a
 * hole); callbacks must use len. Paths should be absolute. */
#include "logfile.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define LW_EVREADS	64	/* inotify reads per handle */

#define LW_DIR_MASK	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
			 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_ADD)
#define LW_ANC_MASK	(IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_ADD)
#define LW_UP_MASK	(IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_ADD)

static void
lw_complain(struct lw_watch *w, const char *what)
{
	if (w->complained)
		return;
	w->complained = 1;
	log_warn("%s: %s", w->path, what);
}

/* 1 if any path or file still uses inotify watch wd. */
static int
lw_wd_used(const struct logwatch *lw, int wd)
{
	const struct lw_watch *w;
	const struct lw_file *f;
	int i;

	for (i = 0; i < LOGWATCH_MAX; i++) {
		if ((w = lw->w[i]) == NULL)
			continue;
		if (w->dwd == wd || w->uwd == wd ||
		    (w->cur != NULL && w->cur->iwd == wd))
			return 1;
		for (f = w->old; f != NULL; f = f->next)
			if (f->iwd == wd)
				return 1;
	}
	return 0;
}

/* Paths in one directory share its watch: remove it with the last user.
 * The caller has already dropped its own reference. */
void
logwatch_wd_release(struct logwatch *lw, int wd)
{
	if (wd >= 0 && !lw_wd_used(lw, wd))
		(void)inotify_rm_watch(lw->fd, wd);
}

static void
lw_set_uwd(struct logwatch *lw, struct lw_watch *w, int wd)
{
	int old = w->uwd;

	w->uwd = wd;
	if (old != wd)
		logwatch_wd_release(lw, old);
}

static void
lw_set_dwd(struct logwatch *lw, struct lw_watch *w, int wd, int anc)
{
	int old = w->dwd;

	w->dwd = wd;
	w->anc = anc;
	if (old != wd)
		logwatch_wd_release(lw, old);
}

/* Cuts the last component off p: "/a/b" -> "/a", "a" -> ".". Returns 0 when
 * p is already "/" or ".". */
static int
lw_parent(char *p)
{
	char *s = strrchr(p, '/');

	if (s == NULL) {
		if (strcmp(p, ".") == 0)
			return 0;
		strcpy(p, ".");
	} else if (s == p) {
		if (p[1] == '\0')
			return 0;
		p[1] = '\0';
	} else
		*s = '\0';
	return 1;
}

/* Watches the directory, or while it does not exist the deepest existing
 * ancestor, so that its creation brings us back here. */
static int
lw_arm(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	char p[PATH_MAX];
	struct stat st;
	int tries, wd;

	for (tries = 0; tries < 8; tries++) {
		wd = priv_watch(lw->fd, w->dir, LW_DIR_MASK);
		if (wd >= 0) {
			if (w->anc || w->complained)
				log_info("%s: watching directory %s",
				    w->path, w->dir);
			lw_set_dwd(lw, w, wd, 0);
			lw_set_uwd(lw, w, -1);
			if (priv_stat(w->dir, &st) == 0) {
				w->ddev = st.st_dev;
				w->dino = st.st_ino;
			}
			return 0;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			goto fail;
		snprintf(p, sizeof(p), "%s", w->dir);
		do {
			if (!lw_parent(p)) {
				errno = ENOENT;
				goto fail;
			}
			wd = priv_watch(lw->fd, p, LW_ANC_MASK);
		} while (wd == -1 && (errno == ENOENT || errno == ENOTDIR));
		if (wd == -1)
			goto fail;
		if (!w->anc)
			log_info("%s: directory %s does not exist; waiting for "
			    "it under %s", w->path, w->dir, p);
		lw_set_dwd(lw, w, wd, 1);
		lw_set_uwd(lw, w, -1);
		/* It may have appeared while we walked up: look again. */
		if (priv_stat(w->dir, &st) == -1)
			return 0;
	}
	return 0;
 fail:
	lw_complain(w, "cannot watch the directory, retrying every minute");
	lw_set_dwd(lw, w, -1, 0);
	w->retry = now + LW_RETRY_MS;
	return -1;
}

/* cur no longer has the watched name: keep reading it as an old file. */
static void
lw_retire(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	struct lw_file *f = w->cur, **pp;

	w->cur = NULL;
	lw->st.rotations++;
	f->last = now;
	f->next = NULL;
	for (pp = &w->old; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = f;
	if (++w->nold > LOGWATCH_MAX_OLD) {
		log_warnx("%s: more than %d rotated files open; closing the "
		    "oldest", w->path, LOGWATCH_MAX_OLD);
		w->old->gone = 1;
	}
}

/* Reads every old file, oldest first; closes those past their grace once
 * read to the end. A deleted file counts as a renamed one: the syslog
 * daemon that still has it open writes to it until it reopens its log. */
static void
lw_check_old(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	struct lw_file *f, **pp = &w->old;
	ssize_t n;

	while ((f = *pp) != NULL && !w->removed) {
		n = logfile_read(lw, w, f);
		if (n > 0)
			f->last = now;
		if (n >= 0 && f->capped) {
			pp = &f->next;
			continue;
		}
		if (n >= 0 && !f->gone && now < f->last + w->grace_ms) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		w->nold--;
		/* The parent holds it for a worker started after a crash of
		 * this one; from now on nobody needs it. */
		priv_log_done(w->path, f->dev, f->ino);
		logfile_close(lw, w, f);
	}
}

/* The file is missing: its directory may be gone or replaced too. Its own
 * IN_DELETE_SELF comes only once nothing holds a file of it open, and we
 * (and the parent) hold a deleted file for grace_s; so while the file is
 * missing the directory's parent is watched for its removal, and the
 * directory is looked at now (after that watch is set: no gap). */
static void
lw_check_dir(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	char p[PATH_MAX];
	struct stat st;
	int wd;

	if (w->anc || w->dwd == -1)
		return;
	snprintf(p, sizeof(p), "%s", w->dir);
	if (w->uwd == -1 && lw_parent(p) &&
	    (wd = priv_watch(lw->fd, p, LW_UP_MASK)) >= 0)
		lw_set_uwd(lw, w, wd);
	if (priv_stat(w->dir, &st) == -1 || st.st_dev != w->ddev ||
	    st.st_ino != w->dino)
		(void)lw_arm(lw, w, now);
}

/* Whatever the path names now becomes cur; the previous cur is retired. */
static void
lw_check_path(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	struct lw_file *f;
	struct stat st;

	if (priv_stat(w->path, &st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR) {
			lw_complain(w, "stat");	/* cannot tell: keep cur */
			w->retry = now + LW_RETRY_MS;
			return;
		}
		if (w->cur != NULL) {
			log_debug("%s: gone", w->path);
			lw_retire(lw, w, now);
		}
		lw_check_dir(lw, w, now);
		return;
	}
	lw_set_uwd(lw, w, -1);
	if (logfile_same(w->cur, st.st_dev, st.st_ino))
		return;
	/* New at this name: everything in it is new, read from 0. */
	if ((f = logfile_open(lw, w, 0, now)) == NULL) {
		if (errno != ENOENT) {
			lw_complain(w, "open");
			w->retry = now + LW_RETRY_MS;
		}
	} else if (logfile_same(w->cur, f->dev, f->ino)) {
		logfile_close(lw, w, f);	/* renamed back meanwhile */
		return;
	} else if (w->complained) {
		log_info("%s: readable again", w->path);
		w->complained = 0;
	}
	if (w->cur != NULL) {
		log_debug("%s: rotated", w->path);
		lw_retire(lw, w, now);
	}
	w->cur = f;
}

static void
lw_rewatch(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	struct lw_file *f;

	for (f = w->old; f != NULL; f = f->next)
		if (f->iwd == -1 &&
		    (f->iwd = logfile_watch(lw, f->fd, w->path)) == -1)
			w->retry = now + LW_RETRY_MS;
	f = w->cur;
	if (f != NULL && f->iwd == -1 &&
	    (f->iwd = logfile_watch(lw, f->fd, w->path)) == -1)
		w->retry = now + LW_RETRY_MS;
}

/* The whole state of one path, re-derived from the file system: the order
 * of events does not matter. Old files are read before the current one. */
static void
lw_check(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	int retry = now >= w->retry;

	w->dirty = w->more = 0;
	if (retry)
		w->retry = KW_MS_NEVER;
	if ((w->dwd == -1 && retry) || w->anc)
		(void)lw_arm(lw, w, now);
	lw_check_path(lw, w, now);
	if (retry)
		lw_rewatch(lw, w, now);
	lw_check_old(lw, w, now);
	if (w->cur != NULL && !w->removed && logfile_read(lw, w, w->cur) == -1)
		w->retry = now + LW_RETRY_MS;
}

static void
lw_event_file(struct lw_watch *w, struct lw_file *f,
    const struct inotify_event *ev)
{
	if (f->iwd != ev->wd)
		return;
	if (ev->mask & IN_IGNORED)
		f->iwd = -1;	/* unmounted: lw_rewatch retries */
	w->dirty = 1;
}

/* The last component of w's directory. */
static const char *
lw_dirbase(const struct lw_watch *w)
{
	const char *s = strrchr(w->dir, '/');

	return s != NULL ? s + 1 : w->dir;
}

/* Marks the paths an event concerns as dirty. */
static void
lw_event(struct logwatch *lw, const struct inotify_event *ev)
{
	struct lw_watch *w;
	struct lw_file *f;
	int i, gone = 0;

	if (ev->mask & IN_Q_OVERFLOW)
		log_warnx("inotify queue overflow: re-checking every file");
	for (i = 0; i < LOGWATCH_MAX; i++) {
		if ((w = lw->w[i]) == NULL)
			continue;
		if (ev->mask & IN_Q_OVERFLOW) {
			w->dirty = 1;
			continue;
		}
		if (ev->wd == w->dwd) {
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF)) {
				/* The directory (or ancestor) is gone or no
				 * longer at its name: watch it anew. */
				w->dwd = -1;
				w->anc = 0;
				w->retry = 0;
				w->dirty = gone = 1;
			} else if (w->anc)
				w->dirty |= (ev->mask & IN_ISDIR) != 0;
			else if (ev->len > 0 && strcmp(ev->name, w->base) == 0)
				w->dirty = 1;
		}
		if (ev->wd == w->uwd) {
			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF)) {
				w->uwd = -1;	/* lw_check_dir sets it anew */
				w->dirty = 1;
				gone = 1;
			} else if (ev->len > 0 &&
			    strcmp(ev->name, lw_dirbase(w)) == 0)
				w->dirty = 1;
		}
		if (w->cur != NULL)
			lw_event_file(w, w->cur, ev);
		for (f = w->old; f != NULL; f = f->next)
			lw_event_file(w, f, ev);
	}
	if (gone && !(ev->mask & IN_IGNORED))
		logwatch_wd_release(lw, ev->wd);
}

struct logwatch *
logwatch_new(void)
{
	struct logwatch *lw;

	if ((lw = calloc(1, sizeof(*lw))) == NULL ||
	    (lw->rbuf = malloc(LW_TAIL + LW_CHUNK)) == NULL)
		fatalx("logwatch: out of memory");
	lw->overlong_next = INT64_MIN;
	if ((lw->fd = priv_inotify()) == -1) {
		log_warn("inotify_init1");
		free(lw->rbuf);
		free(lw);
		return NULL;
	}
	return lw;
}

int
logwatch_fd(const struct logwatch *lw)
{
	return lw->fd;
}

static void
lw_watch_free(struct logwatch *lw, int id)
{
	struct lw_watch *w = lw->w[id];
	struct lw_file *f;
	int wd = w->dwd, uwd = w->uwd;

	lw->w[id] = NULL;	/* so its watches count as unused */
	if (w->cur != NULL)
		logfile_close(lw, w, w->cur);
	while ((f = w->old) != NULL) {
		w->old = f->next;
		logfile_close(lw, w, f);
	}
	logwatch_wd_release(lw, wd);
	logwatch_wd_release(lw, uwd);
	free(w->dir);
	free(w->path);
	free(w);
}

int
logwatch_add(struct logwatch *lw, const char *path, int from_start,
    unsigned grace_s, logwatch_cb cb, void *arg, kw_ms now)
{
	struct lw_watch *w = NULL;
	const char *slash;
	size_t plen = strlen(path);
	int id = -1, i;

	lw->now = now;
	if (cb == NULL || plen == 0 || plen >= PATH_MAX ||
	    path[plen - 1] == '/') {
		log_warnx("logwatch: bad path \"%s\"", path);
		goto out;
	}
	if (logwatch_find(lw, path) != -1) {
		log_warnx("%s: already watched", path);
		goto out;
	}
	for (i = 0; i < LOGWATCH_MAX && lw->w[i] != NULL; i++)
		;
	if (i == LOGWATCH_MAX) {
		log_warnx("%s: too many files (at most %d)", path,
		    LOGWATCH_MAX);
		goto out;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->path = strdup(path)) == NULL)
		fatalx("logwatch: out of memory");
	if ((slash = strrchr(w->path, '/')) == NULL) {
		w->dir = strdup(".");
		w->base = w->path;
	} else {
		w->dir = slash == w->path ? strdup("/") :
		    strndup(w->path, (size_t)(slash - w->path));
		w->base = slash + 1;
	}
	if (w->dir == NULL)
		fatalx("logwatch: out of memory");
	w->cb = cb;
	w->arg = arg;
	w->grace_ms = (kw_ms)grace_s * 1000;
	w->dwd = w->uwd = -1;
	w->retry = KW_MS_NEVER;
	lw->w[i] = w;
	/* The directory first, so a file created from here on is seen. */
	if (lw_arm(lw, w, now) == -1)
		goto out;
	w->complained = 0;
	if ((w->cur = logfile_open(lw, w, !from_start, now)) == NULL) {
		/* A name that cannot be read now (a FIFO, a device, a
		 * directory, no permission) is skipped like a missing one:
		 * the other sources must still work. Looked at again when the
		 * directory changes and every minute. */
		if (errno == EINVAL) {
			log_warnx("%s: not a regular file: skipped, looked at "
			    "again when its name changes and every minute",
			    path);
			w->complained = 1;
			w->retry = now + LW_RETRY_MS;
		} else if (errno != ENOENT && errno != ENOTDIR) {
			lw_complain(w, "cannot be opened: skipped, retrying "
			    "every minute");
			w->retry = now + LW_RETRY_MS;
		} else
			log_info("%s: does not exist yet", path);
	}
	logfile_adopt(lw, w, now);
	/* Read what is already there (all of it, or what came after the
	 * offset a previous worker reached) at the next logwatch_handle, not
	 * from inside add: logwatch_deadline says "now". */
	w->more = (w->cur != NULL && (from_start || w->cur->resumed)) ||
	    w->old != NULL;
	id = i;
	w = NULL;
 out:
	if (w != NULL)		/* failed after taking slot i */
		lw_watch_free(lw, i);
	return id;
}

void
logwatch_set_arg(struct logwatch *lw, int id, void *arg)
{
	if (id >= 0 && id < LOGWATCH_MAX && lw->w[id] != NULL)
		lw->w[id]->arg = arg;
}

void
logwatch_remove(struct logwatch *lw, int id)
{
	if (id < 0 || id >= LOGWATCH_MAX || lw->w[id] == NULL)
		return;
	if (lw->in_handle)
		lw->w[id]->removed = 1;
	else
		lw_watch_free(lw, id);
}

int
logwatch_find(const struct logwatch *lw, const char *path)
{
	int i;

	for (i = 0; i < LOGWATCH_MAX; i++)
		if (lw->w[i] != NULL && !lw->w[i]->removed &&
		    strcmp(lw->w[i]->path, path) == 0)
			return i;
	return -1;
}

static int
lw_due(const struct lw_watch *w, kw_ms now)
{
	const struct lw_file *f;

	if (w->dirty || w->more || now >= w->retry)
		return 1;
	for (f = w->old; f != NULL; f = f->next)
		if (now >= f->last + w->grace_ms)
			return 1;
	return 0;
}

void
logwatch_handle(struct logwatch *lw, kw_ms now)
{
	char evbuf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, i;
	int r;

	lw->now = now;
	lw->in_handle = 1;
	lw->more_events = 0;
	for (r = 0; r < LW_EVREADS; r++) {
		if ((n = read(lw->fd, evbuf, sizeof(evbuf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("inotify read");
			break;
		}
		for (i = 0; i < n; i += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(evbuf + i);
			lw_event(lw, ev);
		}
	}
	lw->more_events = r == LW_EVREADS;
	for (r = 0; r < LOGWATCH_MAX; r++)
		if (lw->w[r] != NULL && !lw->w[r]->removed &&
		    lw_due(lw->w[r], now))
			lw_check(lw, lw->w[r], now);
	lw->in_handle = 0;
	for (r = 0; r < LOGWATCH_MAX; r++)
		if (lw->w[r] != NULL && lw->w[r]->removed)
			lw_watch_free(lw, r);
}

kw_ms
logwatch_deadline(const struct logwatch *lw)
{
	const struct lw_watch *w;
	const struct lw_file *f;
	kw_ms d = KW_MS_NEVER;
	int i;

	if (lw->more_events)
		return lw->now;
	for (i = 0; i < LOGWATCH_MAX; i++) {
		if ((w = lw->w[i]) == NULL)
			continue;
		if (w->more)
			return lw->now;
		if (w->retry < d)
			d = w->retry;
		for (f = w->old; f != NULL; f = f->next)
			if (f->last + w->grace_ms < d)
				d = f->last + w->grace_ms;
	}
	return d;
}

void
logwatch_stats(const struct logwatch *lw, struct logwatch_stats *st)
{
	*st = lw->st;
}

void
logwatch_free(struct logwatch *lw)
{
	int i;

	if (lw == NULL)
		return;
	for (i = 0; i < LOGWATCH_MAX; i++)
		if (lw->w[i] != NULL)
			lw_watch_free(lw, i);
	close(lw->fd);
	free(lw->rbuf);
	free(lw);
}
