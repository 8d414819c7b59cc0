/* logfile.c — one open log file of a watched path: opening it where
 * reading must start (its end, its start, or where a previous worker
 * stopped), reading it with truncation detection, and cutting what it reads
 * into lines for the callback. What the path names and when a file is
 * given up is logwatch.c's business, not this file's. Allocates nothing
 * per line. */
#include "logfile.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kwlimits.h"
#include "log.h"
#include "priv.h"

#define LW_LOG_MS	60000	/* at most one overlong warning per minute */
#define LW_FILE_MASK	(IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_MASK_ADD)

/* Watches the inode behind fd, not whatever the path names by now. */
int
logfile_watch(struct logwatch *lw, int fd, const char *path)
{
	return priv_watch_fd(lw->fd, fd, path, LW_FILE_MASK);
}

void
logfile_close(struct logwatch *lw, struct lw_watch *w, struct lw_file *f)
{
	int wd = f->iwd;
	size_t partial = linebuf_drop(&f->lines);

	if (partial > 0) {
		lw->st.partial++;
		log_debug("%s: dropped an unterminated line of %zu bytes",
		    w->path, partial);
	}
	close(f->fd);
	free(f->lines.buf);
	free(f);
	logwatch_wd_release(lw, wd);
}

/* Starts at the end; a partial last line is skipped up to its newline. A
 * file that shrank meanwhile was truncated, so it is read from 0. */
static void
logfile_seek_end(struct lw_file *f, off_t size)
{
	size_t k = size < LW_TAIL ? (size_t)size : LW_TAIL;
	ssize_t n;

	if (k == 0)
		return;
	n = pread(f->fd, f->tail, k, size - (off_t)k);
	if (n != (ssize_t)k)
		return;
	f->off = size;
	f->tail_len = k;
	if (f->tail[k - 1] != '\n')
		linebuf_skip(&f->lines);
}

/* Takes fd (closed on failure) as a file of w: NULL with errno set on
 * failure (not logged). *size: its size now. */
static struct lw_file *
logfile_fd(struct logwatch *lw, struct lw_watch *w, int fd, off_t *size,
    kw_ms now)
{
	struct lw_file *f;
	struct stat st;
	char *buf;
	int saved;

	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (buf = malloc(KW_MAX_LINE + 1)) == NULL)
		fatalx("logwatch: out of memory");
	linebuf_init(&f->lines, buf, KW_MAX_LINE, LINEBUF_DROP);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->last = now;
	if ((f->iwd = logfile_watch(lw, fd, w->path)) == -1) {
		log_warn("%s: cannot watch the file; reading it every minute",
		    w->path);
		w->retry = now + LW_RETRY_MS;
	}
	*size = st.st_size;
	return f;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

/* Goes on at offset at, where a previous worker stopped; a file shorter
 * now was truncated, so it is read from 0. Published at once: a worker
 * that dies before reading a byte must not send the next one back to the
 * start of the file. */
static void
logfile_resume(struct lw_file *f, off_t at, off_t size)
{
	f->resumed = 1;
	logfile_seek_end(f, at <= size ? at : 0);
	(void)lseek(f->fd, f->off, SEEK_SET);
}

/* Opens path; NULL with errno set on failure (not logged). A file that
 * came to the name while no worker looked is read from its start. */
struct lw_file *
logfile_open(struct logwatch *lw, struct lw_watch *w, int at_end, kw_ms now)
{
	struct lw_file *f;
	int fd, how;
	off_t at = 0, size;

	fd = priv_open_log(w->path, &how);
	if (fd == -1)
		return NULL;
	/* The file the previous worker read: go on where it stopped. */
	if (how == PRIV_LOG_RESUME && (at = lseek(fd, 0, SEEK_CUR)) == -1)
		at = 0;
	if ((f = logfile_fd(lw, w, fd, &size, now)) == NULL)
		return NULL;
	if (how == PRIV_LOG_RESUME)
		logfile_resume(f, at, size);
	else if (how == PRIV_LOG_UNREAD)
		f->resumed = 1;		/* all of it, at the next look */
	else if (at_end)
		logfile_seek_end(f, size);
	(void)lseek(fd, f->off, SEEK_SET);
	return f;
}

/* A new worker: the files renamed or deleted away from w's path that the
 * previous one had not finished, oldest first, each from where it stopped
 * and for grace_s from now. */
void
logfile_adopt(struct logwatch *lw, struct lw_watch *w, kw_ms now)
{
	struct lw_file *f, **pp;
	off_t at, size;
	int fd;

	for (int i = 0; w->nold < LOGWATCH_MAX_OLD; i++) {
		if ((fd = priv_open_rotated(w->path, i)) == -1)
			return;
		if ((at = lseek(fd, 0, SEEK_CUR)) == -1)
			at = 0;
		if ((f = logfile_fd(lw, w, fd, &size, now)) == NULL)
			continue;
		if (logfile_same(w->cur, f->dev, f->ino)) {
			/* Renamed back to the name: read as cur. */
			priv_log_done(w->path, f->dev, f->ino);
			logfile_close(lw, w, f);
			continue;
		}
		logfile_resume(f, at, size);
		log_debug("%s: reading on in a file rotated away while no "
		    "worker ran", w->path);
		for (pp = &w->old; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = f;
		w->nold++;
	}
}

/* Counts n lines dropped as overlong; warns at most once a minute. */
static void
logfile_overlong(struct logwatch *lw, struct lw_watch *w, uint64_t n)
{
	lw->st.overlong += n;
	lw->overlong_quiet += n;
	if (lw->now < lw->overlong_next)
		return;
	log_warnx("%s: dropped %llu line(s) longer than %d bytes", w->path,
	    (unsigned long long)lw->overlong_quiet, KW_MAX_LINE);
	lw->overlong_quiet = 0;
	lw->overlong_next = lw->now + LW_LOG_MS;
}

struct logfile_to {
	struct logwatch	*lw;
	struct lw_watch	*w;
};

/* linebuf_cb: one line for w; stops once the callback removed w. */
static int
logfile_deliver(void *arg, char *line, size_t len)
{
	struct logfile_to *to = arg;

	to->lw->st.lines++;
	to->w->cb(to->w->arg, line, len);
	return to->w->removed;
}

/* Splits n bytes of f into lines for w's callback. */
static void
logfile_feed(struct logwatch *lw, struct lw_watch *w, struct lw_file *f,
    char *p, size_t n)
{
	struct logfile_to to = { .lw = lw, .w = w };
	uint64_t overlong = f->lines.overlong;

	(void)linebuf_feed(&f->lines, p, n, logfile_deliver, &to);
	if (f->lines.overlong != overlong)
		logfile_overlong(lw, w, f->lines.overlong - overlong);
}

static void
logfile_truncated(struct logwatch *lw, struct lw_watch *w, struct lw_file *f)
{
	log_debug("%s: truncated, reading from the start", w->path);
	lw->st.rotations++;
	if (linebuf_drop(&f->lines) > 0)
		lw->st.partial++;
	f->off = 0;
	f->tail_len = 0;
}

/* Reads f from its offset to the end, or up to LW_CAP bytes (then sets
 * f->capped and w->more). Every read starts LW_TAIL bytes early: if those
 * bytes are short or changed, the file was truncated (copytruncate), even if
 * it has grown past our offset since. Returns bytes consumed, or -1. */
ssize_t
logfile_read(struct logwatch *lw, struct lw_watch *w, struct lw_file *f)
{
	size_t total = 0, k, m;
	ssize_t n;
	int restarted = 0;

	f->capped = 0;
	while (!w->removed) {
		if (total >= LW_CAP) {
			f->capped = w->more = 1;
			break;
		}
		k = f->tail_len;
		n = pread(f->fd, lw->rbuf, k + LW_CHUNK, f->off - (off_t)k);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			log_warn("%s: read", w->path);
			return -1;
		}
		if ((size_t)n < k || memcmp(lw->rbuf, f->tail, k) != 0) {
			if (restarted++)
				break;
			logfile_truncated(lw, w, f);
			continue;
		}
		if ((m = (size_t)n - k) == 0)
			break;
		/* Keep the new tail before logfile_feed writes NULs into rbuf. */
		f->tail_len = (size_t)n < LW_TAIL ? (size_t)n : LW_TAIL;
		memcpy(f->tail, lw->rbuf + n - f->tail_len, f->tail_len);
		f->off += (off_t)m;
		total += m;
		/* The offset, in the description the parent holds too: a
		 * restarted worker goes on from here. Published before the
		 * lines are handled, so a line that crashes the worker is
		 * not read again by the next one. */
		(void)lseek(f->fd, f->off, SEEK_SET);
		logfile_feed(lw, w, f, lw->rbuf + k, m);
		if (m < LW_CHUNK)	/* regular file: short read is the end */
			break;
	}
	return (ssize_t)total;
}
