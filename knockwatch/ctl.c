/* ctl.c — the status socket's server half: accepts root's connections,
 * reads one request line from each (bounded, never blocking) and hands it
 * to the handler, which answers at once or later with ctl_reply. A client
 * that sends nothing in time, or more than a line, is answered with a
 * refusal and closed. The requests themselves are control.c's. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ev.h"
#include "log.h"
#include "state.h"

#define CTL_CONNS 16		/* clients at once; more wait in listen() */
#define CTL_READ_MS 2000	/* to send the request line */
#define CTL_ANSWER_MS 30000	/* for the handler's answer */

static int ctl_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ctl_request_fn ctl_request;
static void *ctl_self;

static struct ctl_conn {
	int fd;			/* -1: free */
	int handed;		/* the request went to the handler */
	unsigned gen;
	kw_ms deadline;
	size_t len;
	char buf[CTL_MAX_REQUEST + 1];
} conns[CTL_CONNS];
static unsigned ctl_gen;
static int nconns;
static int paused;		/* every slot taken: not accepting */

static void on_accept(void *arg, int fd, uint32_t events);

static unsigned
id_of(const struct ctl_conn *c)
{
	return (c->gen << 8) | (unsigned)(c - conns);
}

static struct ctl_conn *
conn_of(unsigned id)
{
	struct ctl_conn *c;

	if ((id & 0xff) >= CTL_CONNS)
		return NULL;
	c = &conns[id & 0xff];
	return c->fd != -1 && c->gen == id >> 8 ? c : NULL;
}

static void
conn_close(struct ctl_conn *c)
{
	if (!c->handed)
		ev_del(c->fd);	/* else out of the epoll set already */
	close(c->fd);
	c->fd = -1;
	nconns--;
	if (paused && ctl_fd != -1 &&
	    ev_add(ctl_fd, EPOLLIN, on_accept, NULL) == 0)
		paused = 0;
}

void
ctl_reply(unsigned id, int ok, const char *text, size_t len)
{
	struct ctl_conn *c = conn_of(id);
	const char *head = ok ? "OK\n" : "ERR\n";
	struct timeval tv = { 0, 200000 };
	int flags;

	if (c == NULL)
		return;		/* timed out and answered already */
	/* Blocking with a short send timeout: a client that does not read
	 * cannot hold the loop for long. */
	if ((flags = fcntl(c->fd, F_GETFL)) != -1)
		fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (write(c->fd, head, strlen(head)) > 0)
		for (size_t off = 0; off < len;) {
			ssize_t n = write(c->fd, text + off, len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	conn_close(c);
}

static void
on_client(void *arg, int fd, uint32_t events)
{
	struct ctl_conn *c = arg;
	char *nl;
	ssize_t n;

	(void)fd;
	(void)events;
	if (c->handed)
		return;
	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		static const char bad[] = "request too long or incomplete\n";

		if (n > 0 && c->len < sizeof(c->buf) - 1)
			return;		/* more to come */
		ctl_reply(id_of(c), 0, bad, sizeof(bad) - 1);
		return;
	}
	*nl = '\0';
	if (memchr(c->buf, '\0', (size_t)(nl - c->buf)) != NULL) {
		static const char bad[] = "request has a NUL byte\n";

		ctl_reply(id_of(c), 0, bad, sizeof(bad) - 1);
		return;
	}
	/* Nothing more is read from it: the answer is all that is left. */
	ev_del(c->fd);
	c->handed = 1;
	c->deadline = clock_now_ms() + CTL_ANSWER_MS;
	ctl_request(ctl_self, id_of(c), c->buf);
}

static void
on_accept(void *arg, int fd, uint32_t events)
{
	struct ctl_conn *c = NULL;
	int s;

	(void)arg;
	(void)events;
	for (int i = 0; i < CTL_CONNS; i++)
		if (conns[i].fd == -1)
			c = &conns[i];
	if (c == NULL) {
		/* Full: the others wait in the backlog until one ends. */
		ev_del(fd);
		paused = 1;
		return;
	}
	if ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1)
		return;
	c->fd = s;
	c->handed = 0;
	c->len = 0;
	c->gen = ++ctl_gen & 0xffffff;
	c->deadline = clock_now_ms() + CTL_READ_MS;
	nconns++;
	if (ev_add(s, EPOLLIN, on_client, c) == -1) {
		close(s);
		c->fd = -1;
		nconns--;
	}
}

kw_ms
ctl_deadline(void)
{
	kw_ms next = KW_MS_NEVER;

	for (int i = 0; i < CTL_CONNS && nconns > 0; i++)
		if (conns[i].fd != -1 && conns[i].deadline < next)
			next = conns[i].deadline;
	return next;
}

void
ctl_tick(kw_ms now)
{
	static const char late[] = "no answer in time\n";

	for (int i = 0; i < CTL_CONNS && nconns > 0; i++)
		if (conns[i].fd != -1 && now >= conns[i].deadline)
			ctl_reply(id_of(&conns[i]), 0, late, sizeof(late) - 1);
}

/* 1 when something listens on sun: a connect that is accepted or only
 * waits for room in the backlog (EAGAIN). A missing or stale socket
 * (ENOENT, ECONNREFUSED) is 0. */
static int
answers(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return rc;
}

int
ctl_open(const char *dir, ctl_request_fn request, void *self)
{
	struct sockaddr_un sun;
	char err[PATH_MAX + 256];
	mode_t old;
	int dfd;

	for (int i = 0; i < CTL_CONNS; i++)
		conns[i].fd = -1;
	/* Never chmod through a link: checked and changed by descriptor. */
	if ((dfd = state_dir_open(dir, 0700, err, sizeof(err))) == -1) {
		log_warnx("runtime_dir refused: %s", err);
		errno = EPERM;
		return -1;
	}
	close(dfd);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
	    CTL_SOCKET) >= (int)sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Only a stale socket is removed: one a live daemon answers on stays
	 * (removing it would leave that daemon unreachable). */
	if (answers(&sun)) {
		log_warnx("%s: a running daemon answers on it; not replacing "
		    "it", sun.sun_path);
		errno = EADDRINUSE;
		return -1;
	}
	if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	unlink(sun.sun_path);
	old = umask(0177);
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(ctl_fd, 8) == -1) {
		umask(old);
		close(ctl_fd);
		ctl_fd = -1;
		return -1;
	}
	umask(old);
	memcpy(ctl_path, sun.sun_path, sizeof(ctl_path));
	ctl_request = request;
	ctl_self = self;
	if (ev_add(ctl_fd, EPOLLIN, on_accept, NULL) == -1) {
		ctl_close();
		return -1;
	}
	return 0;
}

void
ctl_close(void)
{
	static const char bye[] = "the daemon is exiting\n";

	for (int i = 0; i < CTL_CONNS; i++)
		if (conns[i].fd != -1 && ctl_fd != -1)
			ctl_reply(id_of(&conns[i]), 0, bye, sizeof(bye) - 1);
	if (ctl_fd == -1)
		return;
	if (!paused)
		ev_del(ctl_fd);
	close(ctl_fd);
	unlink(ctl_path);
	ctl_fd = -1;
}
