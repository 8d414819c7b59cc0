/* held.c — the log files the parent has handed to the worker, one open
 * file description each. The worker keeps its read offset in the
 * description (logwatch.c), so a worker started after a crash goes on from
 * where the dead one stopped. Holds nothing a file's name no longer has. */
#include "held.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grant.h"

static struct {
	char *path;
	int fd;		/* -1 when the slot is free */
	dev_t dev;
	ino_t ino;
} held[KW_MAX_SOURCES] = { [0 ... KW_MAX_SOURCES - 1] = { NULL, -1, 0, 0 } };

static void
held_drop(int i)
{
	free(held[i].path);
	if (held[i].fd != -1)
		close(held[i].fd);
	memset(&held[i], 0, sizeof(held[i]));
	held[i].fd = -1;
}

/* Opens log file p for the worker. *resume = 1: the description handed
 * to an earlier worker (the same inode still has the name), whose offset
 * says how far that worker read. A new file gets a new description, held
 * from now on. Returns the descriptor to send, or -1 with errno. */
int
held_open(const char *p, int *resume)
{
	struct stat st, now;
	int i, slot = -1, fd;

	*resume = 0;
	for (i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path != NULL && strcmp(held[i].path, p) == 0)
			slot = i;
	if (slot >= 0 && stat(p, &now) == 0 && now.st_dev == held[slot].dev &&
	    now.st_ino == held[slot].ino) {
		*resume = 1;
		return fcntl(held[slot].fd, F_DUPFD_CLOEXEC, 0);
	}
	fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd != -1 && (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (fd == -1)
		return -1;
	for (i = 0; slot < 0 && i < KW_MAX_SOURCES; i++)
		if (held[i].path == NULL)
			slot = i;
	if (slot < 0)
		return fd;	/* more files than sources: not held */
	held_drop(slot);
	if ((held[slot].path = strdup(p)) == NULL ||
	    (held[slot].fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		held_drop(slot);
		return fd;
	}
	held[slot].dev = st.st_dev;
	held[slot].ino = st.st_ino;
	return fd;
}

/* The worker looked at p (st: what it names now, NULL: nothing): a held
 * file that no longer has the name is let go, or the directory above a
 * deleted log could never report its own removal (an open file keeps its
 * directory's dentry alive). */
void
held_gone(const char *p, const struct stat *st)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++)
		if (held[i].path != NULL && strcmp(held[i].path, p) == 0 &&
		    (st == NULL || st->st_dev != held[i].dev ||
		    st->st_ino != held[i].ino))
			held_drop(i);
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
			held_drop(i);
}

void
held_free(void)
{
	for (int i = 0; i < KW_MAX_SOURCES; i++)
		held_drop(i);
}
