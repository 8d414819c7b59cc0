/* answer.c — the root parent's answers to the worker's requests for
 * files, watches, /dev/kmsg, key files, command sources and doors: each
 * checks the request against the parent's configs (grant.c) before it
 * opens, watches, starts or opens a door, and replies through
 * the context the dispatcher passes (answer.h): nothing here calls back
 * into monitor.c.
 * Never trusts a byte of the payload it has not checked, never blocks. */
#include "answer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdsrc.h"
#include "door.h"
#include "grant.h"
#include "held.h"
#include "msg.h"
#include "priv.h"

#define ANSWER_WATCH_MASK (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | \
	IN_MASK_ADD | IN_EXCL_UNLINK)

int
answer_open_log(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	int rc, how;

	(void)fd;
	(void)now;
	if (!msg_str_ok(p, len, PATH_MAX) || !grant_path(ax->cfgs, p, 0))
		return -1;
	rc = held_open(p, &how);
	ax->reply(rc == -1 ? -1 : how, errno, NULL, rc);
	return 0;
}

/* The path of a struct msg_log_file request, NULL when it is not one of
 * a file source. */
static const char *
log_file_path(const struct answer_ctx *ax, const char *p, size_t len,
    struct msg_log_file *l)
{
	const char *path = p + sizeof(*l);

	if (len <= sizeof(*l) ||
	    !msg_str_ok(path, len - sizeof(*l), PATH_MAX) ||
	    !grant_path(ax->cfgs, path, 0))
		return NULL;
	memcpy(l, p, sizeof(*l));
	return path;
}

int
answer_open_rotated(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	struct msg_log_file l;
	const char *path;
	int rc;

	(void)fd;
	(void)now;
	if ((path = log_file_path(ax, p, len, &l)) == NULL)
		return -1;
	rc = held_rotated(path, l.index > INT_MAX ? -1 : (int)l.index);
	ax->reply(rc == -1 ? -1 : 0, errno, NULL, rc);
	return 0;
}

int
answer_log_done(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	struct msg_log_file l;
	const char *path;

	(void)fd;
	(void)now;
	if ((path = log_file_path(ax, p, len, &l)) == NULL)
		return -1;
	held_done(path, (dev_t)l.dev, (ino_t)l.ino);
	ax->reply(0, 0, NULL, -1);
	return 0;
}

int
answer_stat(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	struct stat st;
	int rc, err;

	(void)fd;
	(void)now;
	if (!msg_str_ok(p, len, PATH_MAX) || !grant_path(ax->cfgs, p, 1))
		return -1;
	rc = stat(p, &st);
	err = errno;
	/* As the worker reads it: another file or none at the name; any
	 * other error says nothing (it keeps its file). */
	if (rc == 0 || err == ENOENT || err == ENOTDIR)
		held_gone(p, rc == -1 ? NULL : &st);
	ax->reply(rc, err, &st, -1);
	return 0;
}

int
answer_watch(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	struct msg_watch *w = (struct msg_watch *)p;
	int rc;

	(void)fd;
	(void)now;
	if (len <= sizeof(*w) || (w->mask & ~ANSWER_WATCH_MASK) ||
	    !msg_str_ok(w->path, len - sizeof(*w), PATH_MAX) ||
	    !grant_path(ax->cfgs, w->path, 1))
		return -1;
	rc = inotify_add_watch(ax->ifd, w->path, w->mask);
	ax->reply(rc, errno, NULL, -1);
	return 0;
}

int
answer_watch_fd(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	uint32_t mask = 0;
	struct stat st;
	int rc;

	(void)now;
	if (len == sizeof(mask))
		memcpy(&mask, p, sizeof(mask));
	if (len != sizeof(mask) || (mask & ~ANSWER_WATCH_MASK) ||
	    fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	rc = priv_do_watch_fd(ax->ifd, fd, NULL, mask);
	close(fd);
	ax->reply(rc, errno, NULL, -1);
	return 0;
}

int
answer_kmsg(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	int rc;

	(void)p;
	(void)fd;
	(void)now;
	if (len != 0 || !grant_kmsg(ax->cfgs))
		return -1;
	rc = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ax->reply(rc == -1 ? -1 : 0, errno, NULL, rc);
	return 0;
}

int
answer_cmd_start(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	/* The config the worker is loading, else the running one. */
	const struct config *c = ax->cfgs[1] != NULL ?
	    ax->cfgs[1] : ax->cfgs[0];
	uint32_t i;

	(void)fd;
	if (len != sizeof(i)) {
		ax->refuse("a malformed command-source request");
		return 0;
	}
	memcpy(&i, p, sizeof(i));
	if (c == NULL || i >= (uint32_t)c->nsources ||
	    c->sources[i].kind != CONFIG_SRC_COMMAND) {
		ax->refuse("a request for a command source that is not configured");
		return 0;
	}
	fd = cmdsrc_start(i, &c->sources[i], now);
	ax->reply(fd == -1 ? -1 : 0, errno, NULL, fd);
	return 0;
}

int
answer_cmd_stop(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	uint32_t i;

	(void)fd;
	(void)now;
	if (len != sizeof(i))
		return -1;
	memcpy(&i, p, sizeof(i));
	cmdsrc_stop(i);
	ax->reply(0, 0, NULL, -1);
	return 0;
}

int
answer_open_key(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	int rc;

	(void)fd;
	(void)now;
	if (!msg_str_ok(p, len, PATH_MAX) || !grant_key(ax->cfgs, p))
		return -1;
	/* Opened, never read: the key's bytes stay in the worker. */
	rc = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ax->reply(rc == -1 ? -1 : 0, errno, NULL, rc);
	return 0;
}

/* The one request that acts: checked by grant_door against the running
 * config, then door_open. */
int
answer_door(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	struct msg_door d;
	struct door_req ev;
	const char *bad;

	(void)fd;
	if (len != sizeof(d)) {
		ax->refuse("a door request of the wrong size");
		return 0;
	}
	memcpy(&d, p, sizeof(d));
	if ((bad = grant_door(ax->cfgs[0], &d, ax->wall, &ev)) != NULL) {
		ax->refuse(bad);
		return 0;
	}
	if (door_open(ax->cfgs[0], &ev, now, ax->wall) == -1 &&
	    ev.user >= 0)
		ax->door_refused(&d);
	return 0;
}
