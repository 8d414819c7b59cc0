/* priv.c — the worker's way out of its sandbox (see priv.h). Each remote
 * call is one request and one reply on the request socket; the parent never
 * sends anything else on it, so a reply cannot be mistaken. The worker
 * waits for the reply: the parent answers from its loop at once, and a
 * parent that is gone ends the worker. */
#include "priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"

static int remote = -1;

void
priv_remote(int sock)
{
	remote = sock;
}

/* One request, one reply. The reply's descriptor, if any, goes to *fd. */
static int
rpc(uint32_t type, const void *p, size_t len, int sendfd,
    struct msg_reply *r, int *fd)
{
	char buf[MSG_MAX];
	uint32_t t;
	ssize_t n;
	int got;

	if (msg_send(remote, type, p, len, sendfd, 0) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			_exit(0);	/* the parent is gone */
		fatal("request to the parent");
	}
	n = msg_recv(remote, &t, buf, &got, 0);
	if (n == -1 && errno == 0)
		_exit(0);
	if (n != (ssize_t)sizeof(*r) || t != MSG_REPLY)
		fatalx("bad reply from the parent");
	memcpy(r, buf, sizeof(*r));
	if (fd != NULL)
		*fd = got;
	else if (got != -1)
		close(got);
	if (r->rc == -1) {
		if (fd != NULL && *fd != -1) {
			close(*fd);
			*fd = -1;
		}
		errno = r->err;
		return -1;
	}
	return r->rc;
}

static int
rpc_path(uint32_t type, const char *path, struct msg_reply *r, int *fd)
{
	size_t len = strlen(path) + 1;

	if (len > MSG_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return rpc(type, path, len, -1, r, fd);
}

int
priv_inotify(void)
{
	if (remote == -1)
		return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* The parent created it and keeps a copy to add watches with. */
	return fcntl(MSG_INOTIFY_FD, F_DUPFD_CLOEXEC, 0);
}

int
priv_open_log(const char *path, int *how)
{
	struct msg_reply r;
	int fd, rc;

	*how = PRIV_LOG_NEW;
	if (remote == -1)
		return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if ((rc = rpc_path(MSG_OPEN_LOG, path, &r, &fd)) == -1)
		return -1;
	if (fd == -1) {
		errno = EPROTO;
		return -1;
	}
	if (rc == PRIV_LOG_RESUME || rc == PRIV_LOG_UNREAD)
		*how = rc;
	return fd;
}

/* One MSG_OPEN_ROTATED or MSG_LOG_DONE request. */
static int
rpc_log_file(uint32_t type, const char *path, uint32_t i, dev_t dev,
    ino_t ino, int *fd)
{
	char buf[MSG_MAX]
	    __attribute__((aligned(__alignof__(struct msg_log_file))));
	struct msg_log_file *l = (struct msg_log_file *)buf;
	struct msg_reply r;
	size_t len = strlen(path) + 1;

	if (sizeof(*l) + len > sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(l, 0, sizeof(*l));
	l->index = i;
	l->dev = (uint64_t)dev;
	l->ino = (uint64_t)ino;
	memcpy(l->path, path, len);
	return rpc(type, l, sizeof(*l) + len, -1, &r, fd);
}

int
priv_open_rotated(const char *path, int i)
{
	int fd;

	if (remote == -1 || i < 0) {
		errno = ENOENT;
		return -1;
	}
	if (rpc_log_file(MSG_OPEN_ROTATED, path, (uint32_t)i, 0, 0, &fd) == -1)
		return -1;
	if (fd == -1) {
		errno = EPROTO;
		return -1;
	}
	return fd;
}

void
priv_log_done(const char *path, dev_t dev, ino_t ino)
{
	if (remote != -1)
		(void)rpc_log_file(MSG_LOG_DONE, path, 0, dev, ino, NULL);
}

int
priv_stat(const char *path, struct stat *st)
{
	struct msg_reply r;

	if (remote == -1)
		return stat(path, st);
	if (rpc_path(MSG_STAT, path, &r, NULL) == -1)
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_dev = (dev_t)r.st.dev;
	st->st_ino = (ino_t)r.st.ino;
	st->st_size = (off_t)r.st.size;
	st->st_mode = (mode_t)r.st.mode;
	return 0;
}

int
priv_watch(int ifd, const char *path, uint32_t mask)
{
	char buf[MSG_MAX];
	struct msg_watch *w = (struct msg_watch *)buf;
	struct msg_reply r;
	size_t len = strlen(path) + 1;

	if (remote == -1)
		return inotify_add_watch(ifd, path, mask);
	if (sizeof(*w) + len > sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w->mask = mask;
	memcpy(w->path, path, len);
	return rpc(MSG_WATCH, w, sizeof(*w) + len, -1, &r, NULL);
}

int
priv_do_watch_fd(int ifd, int fd, const char *path, uint32_t mask)
{
	char proc[64];
	int wd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(ifd, proc, mask);
	if (wd == -1 && errno == ENOENT && path != NULL) /* no /proc: racy */
		wd = inotify_add_watch(ifd, path, mask);
	return wd;
}

int
priv_watch_fd(int ifd, int fd, const char *path, uint32_t mask)
{
	struct msg_reply r;

	if (remote == -1)
		return priv_do_watch_fd(ifd, fd, path, mask);
	return rpc(MSG_WATCH_FD, &mask, sizeof(mask), fd, &r, NULL);
}

int
priv_kmsg(void)
{
	struct msg_reply r;
	int fd;

	if (remote == -1)
		return open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rpc(MSG_KMSG, NULL, 0, -1, &r, &fd) == -1)
		return -1;
	return fd;
}

int
priv_cmd_start(const struct config *c, int idx, pid_t *pid)
{
	struct msg_reply r;
	uint32_t i = (uint32_t)idx;
	int fd;

	(void)c;
	*pid = 0;
	if (remote == -1) {
		/* The parent holds command sources' children (answer.c's
		 * answer_cmd_start); nothing here forks. */
		errno = ENOTSUP;
		return -1;
	}
	if (rpc(MSG_CMD_START, &i, sizeof(i), -1, &r, &fd) == -1)
		return -1;
	return fd;
}

void
priv_cmd_stop(int idx, pid_t pid)
{
	struct msg_reply r;
	uint32_t i = (uint32_t)idx;

	(void)pid;
	if (remote == -1)
		return;
	(void)rpc(MSG_CMD_STOP, &i, sizeof(i), -1, &r, NULL);
}

int
priv_open_key(void *arg, const char *path)
{
	struct msg_reply r;
	int fd;

	(void)arg;
	if (remote == -1)
		return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (rpc_path(MSG_OPEN_KEY, path, &r, &fd) == -1)
		return -1;
	return fd;
}

/* The worker's messages that have no reply (answered by answer.c's
 * answer_door and monitor.c's answer_log, answer_loaded, answer_report_line and
 * answer_report_end). Without a parent, nothing is sent. */

/* A message the parent must get: a parent that is gone ends the worker. */
static void
send_or_exit(uint32_t type, const void *p, size_t len)
{
	if (remote != -1 && msg_send(remote, type, p, len, -1, 0) == -1)
		_exit(0);	/* the parent is gone */
}

void
priv_door(const struct msg_door *d)
{
	send_or_exit(MSG_DOOR, d, sizeof(*d));
}

void
priv_log(int pri, const char *msg)
{
	char buf[1024];
	int32_t p = pri;
	size_t len = strnlen(msg, sizeof(buf) - sizeof(p) - 1);

	if (remote == -1)
		return;
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + sizeof(p), msg, len);
	buf[sizeof(p) + len] = '\0';
	/* A parent too busy to read loses log lines, never a door request. */
	(void)msg_send(remote, MSG_LOG, buf, sizeof(p) + len + 1, -1,
	    MSG_DONTWAIT);
}

void
priv_loaded(int ok, const char *err)
{
	char buf[1024];
	int32_t o = ok;
	size_t len = strnlen(err, sizeof(buf) - sizeof(o) - 1);

	memcpy(buf, &o, sizeof(o));
	memcpy(buf + sizeof(o), err, len);
	buf[sizeof(o) + len] = '\0';
	send_or_exit(MSG_LOADED, buf, sizeof(o) + len + 1);
}

void
priv_report_line(const char *line)
{
	send_or_exit(MSG_REPORT_LINE, line, strlen(line) + 1);
}

void
priv_report_end(void)
{
	send_or_exit(MSG_REPORT_END, NULL, 0);
}

void
priv_pong(void)
{
	send_or_exit(MSG_PONG, NULL, 0);
}
