/* held.c — the log files the parent has handed to the worker, one open
 * file description each. The worker keeps its read offset in the
 * description (logwatch.c), so a worker started after a crash goes on from
 * where the dead one stopped: in the file at the name, and in the files
 * rotated away from it (renamed or deleted) that it was still reading.
 * Holds nothing for a path that is no longer configured, and a rotated-away
 * file only until the worker is done with it. Reads no log data except the
 * few bytes that tell a truncated file from a grown one. */
#include "held.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grant.h"
#include "log.h"
#include "priv.h"

#define HELD_PRINT	64	/* bytes compared at the start and the offset */

struct held_file {
	int fd;			/* -1 when none */
	dev_t dev;
	ino_t ino;
	/* Taken when a worker died (held_mark), checked at the restart. */
	int marked;
	off_t off;
	size_t hlen, tlen;
	unsigned char head[HELD_PRINT];	/* the file's first bytes */
	unsigned char tail[HELD_PRINT];	/* the bytes before off */
};

static struct held_path {
	char *path;		/* NULL when the slot is free */
	struct held_file cur;	/* the file at the name when last looked */
	struct held_file old[HELD_MAX_OLD];	/* rotated away, oldest first */
	int nold;
} held[KW_MAX_SOURCES];

static void
file_drop(struct held_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

static void
slot_drop(struct held_path *h)
{
	free(h->path);
	file_drop(&h->cur);
	for (int i = 0; i < h->nold; i++)
		file_drop(&h->old[i]);
	memset(h, 0, sizeof(*h));
	h->cur.fd = -1;
}

static struct held_path *
slot_find(const char *p)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path != NULL && strcmp(held[i].path, p) == 0)
			return &held[i];
	return NULL;
}

/* A slot for p, or NULL when every slot is taken (more files than
 * sources: then nothing is held for p). */
static struct held_path *
slot_new(const char *p)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path == NULL) {
			memset(&held[i], 0, sizeof(held[i]));
			held[i].cur.fd = -1;
			if ((held[i].path = strdup(p)) == NULL)
				return NULL;
			return &held[i];
		}
	return NULL;
}

/* The file at the name lost it: kept as rotated away, so that a worker
 * started before the dead one's reading of it ended still reads it. */
static void
slot_retire(struct held_path *h)
{
	if (h->cur.fd == -1)
		return;
	if (h->nold == HELD_MAX_OLD) {
		file_drop(&h->old[0]);
		memmove(&h->old[0], &h->old[1],
		    (HELD_MAX_OLD - 1) * sizeof(h->old[0]));
		h->nold--;
	}
	h->old[h->nold++] = h->cur;
	memset(&h->cur, 0, sizeof(h->cur));
	h->cur.fd = -1;
}

/* Up to HELD_PRINT bytes of fd at off into b: how many, or 0. */
static size_t
print_at(int fd, unsigned char *b, off_t off, off_t end)
{
	size_t k = end - off < HELD_PRINT ? (size_t)(end - off) : HELD_PRINT;
	ssize_t n;

	if (k == 0 || (n = pread(fd, b, k, off)) != (ssize_t)k)
		return 0;
	return k;
}

static void
file_mark(struct held_file *f)
{
	off_t off;

	f->marked = 0;
	if (f->fd == -1 || (off = lseek(f->fd, 0, SEEK_CUR)) == -1)
		return;
	f->off = off;
	f->hlen = print_at(f->fd, f->head, 0, off);
	f->tlen = print_at(f->fd, f->tail,
	    off > HELD_PRINT ? off - HELD_PRINT : 0, off);
	f->marked = 1;
}

/* At a restart: if the bytes before the offset, or the file's first bytes,
 * are no longer those the dead worker had read, the file was truncated
 * (copytruncate) and written again while no worker ran, even if it has
 * grown past the offset since: it is read from its start. */
static void
file_check(const char *p, struct held_file *f)
{
	unsigned char b[HELD_PRINT];
	off_t off = f->off;
	struct stat st;
	int same;

	if (!f->marked)
		return;
	f->marked = 0;
	if (fstat(f->fd, &st) == -1 || lseek(f->fd, 0, SEEK_CUR) != off)
		return;
	same = st.st_size >= off &&
	    print_at(f->fd, b, 0, off) == f->hlen &&
	    memcmp(b, f->head, f->hlen) == 0 &&
	    print_at(f->fd, b, off > HELD_PRINT ? off - HELD_PRINT : 0,
	    off) == f->tlen && memcmp(b, f->tail, f->tlen) == 0;
	if (!same) {
		log_info("%s: truncated while no worker ran; reading it from "
		    "its start", p);
		(void)lseek(f->fd, 0, SEEK_SET);
	}
}

/* Opens log file p for the worker (see held.h). The description handed to
 * an earlier worker goes on where it stopped; a file new at the name since
 * a worker last looked at it is read from its start; a path never looked at
 * is read as the config says. */
int
held_open(const char *p, int *how)
{
	struct held_path *h = slot_find(p);
	struct stat st, now;
	int fd, saved;

	*how = PRIV_LOG_NEW;
	if (h != NULL && h->cur.fd != -1 && stat(p, &now) == 0 &&
	    now.st_dev == h->cur.dev && now.st_ino == h->cur.ino) {
		file_check(p, &h->cur);
		*how = PRIV_LOG_RESUME;
		return fcntl(h->cur.fd, F_DUPFD_CLOEXEC, 0);
	}
	if (h != NULL) {
		slot_retire(h);
		*how = PRIV_LOG_UNREAD;
	}
	fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd != -1 && (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		fd = -1;
	}
	/* Looked at, even if it is not there: a file that appears later,
	 * during a gap too, is new and read from its start. */
	saved = errno;
	if (h == NULL)
		h = slot_new(p);
	errno = saved;
	if (fd == -1 || h == NULL)
		return fd;
	if ((h->cur.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) != -1) {
		h->cur.dev = st.st_dev;
		h->cur.ino = st.st_ino;
	}
	return fd;
}

int
held_rotated(const char *p, int i)
{
	struct held_path *h = slot_find(p);

	if (h == NULL || i < 0 || i >= h->nold) {
		errno = ENOENT;
		return -1;
	}
	file_check(p, &h->old[i]);
	return fcntl(h->old[i].fd, F_DUPFD_CLOEXEC, 0);
}

void
held_done(const char *p, dev_t dev, ino_t ino)
{
	struct held_path *h = slot_find(p);

	for (int i = 0; h != NULL && i < h->nold; i++)
		if (h->old[i].dev == dev && h->old[i].ino == ino) {
			file_drop(&h->old[i]);
			memmove(&h->old[i], &h->old[i + 1],
			    (size_t)(h->nold - i - 1) * sizeof(h->old[0]));
			h->nold--;
			h->old[h->nold].fd = -1;
			i--;
		}
}

/* The worker looked at p (st: what it names now, NULL: nothing). A held
 * file that no longer has the name is kept as rotated away until the
 * worker says it is done with it (held_done): it reads such a file for
 * rotate_grace, and a worker that dies meanwhile leaves it to the next. */
void
held_gone(const char *p, const struct stat *st)
{
	struct held_path *h = slot_find(p);

	if (h != NULL && h->cur.fd != -1 && (st == NULL ||
	    st->st_dev != h->cur.dev || st->st_ino != h->cur.ino))
		slot_retire(h);
}

void
held_mark(void)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++) {
		if (held[i].path == NULL)
			continue;
		file_mark(&held[i].cur);
		for (int j = 0; j < held[i].nold; j++)
			file_mark(&held[i].old[j]);
	}
}

/* After a reload: files no longer configured are let go, so one added
 * again later starts at its end, not where it was left long ago. */
void
held_prune(const struct config *c)
{
	const struct config *v[2] = { c, NULL };

	for (int i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path != NULL &&
		    !grant_path(v, held[i].path, 0))
			slot_drop(&held[i]);
}

void
held_free(void)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path != NULL)
			slot_drop(&held[i]);
}
