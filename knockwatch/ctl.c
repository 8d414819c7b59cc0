/* ctl.c — the status socket and its client. The daemon side accepts a
 * connection, writes the report and closes it; it reads nothing from the
 * client, so the socket offers no way to change the daemon. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "config.h"
#include "ev.h"
#include "log.h"
#include "state.h"

static int ctl_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ctl_report_fn ctl_report;
static void *ctl_self;

struct ctl_buf {
	char *p;
	size_t len, cap;
};

static void
buf_char(struct ctl_buf *b, char ch)
{
	if (b->p == NULL || b->len + 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		char *np;
		if (ncap > CTL_MAX_REPORT || (np = realloc(b->p, ncap)) == NULL)
			return;
		b->p = np;
		b->cap = ncap;
	}
	b->p[b->len++] = ch;
}

static void
buf_line(void *arg, const char *line)
{
	struct ctl_buf *b = arg;
	size_t l = strlen(line);

	if (b->p == NULL || b->len + l + 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		char *np;
		while (ncap < b->len + l + 2)
			ncap *= 2;
		if (ncap > CTL_MAX_REPORT || (np = realloc(b->p, ncap)) == NULL)
			return;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, line, l);
	b->len += l;
	b->p[b->len++] = '\n';
}

#define CTL_PENDING 16		/* clients waiting for the worker's part */
#define CTL_WAIT_MS 2000	/* then they get the parent's part alone */

static int pending[CTL_PENDING];
static int npending;
static kw_ms pending_since;
static ctl_ask_fn ctl_ask;

/* Writes part (the worker's lines, or a note when there is none) and the
 * parent's report to client c, and closes it. */
static void
answer(int c, const char *part, size_t len)
{
	static const char none[] = "worker: no answer\n";
	struct ctl_buf b = { NULL, 0, 0 };

	if (part == NULL) {
		part = none;
		len = sizeof(none) - 1;
	}
	for (size_t i = 0; i < len; i++)
		if (b.len + 2 < CTL_MAX_REPORT)
			buf_char(&b, part[i]);
	ctl_report(ctl_self, buf_line, &b);
	for (size_t off = 0; off < b.len;) {
		ssize_t n = write(c, b.p + off, b.len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(b.p);
	close(c);
}

static void
on_accept(void *arg, int fd, uint32_t events)
{
	struct timeval tv = { 0, 200000 };
	int c;

	(void)arg;
	(void)events;
	if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	/* A client that does not read cannot hold the loop for long. */
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ctl_ask == NULL || npending == CTL_PENDING) {
		answer(c, NULL, 0);
		return;
	}
	pending[npending++] = c;
	if (npending == 1) {
		pending_since = clock_now_ms();
		ctl_ask(ctl_self);
	}
}

void
ctl_answer(const char *part, size_t len)
{
	for (int i = 0; i < npending; i++)
		answer(pending[i], part, len);
	npending = 0;
}

kw_ms
ctl_deadline(void)
{
	return npending > 0 ? pending_since + CTL_WAIT_MS : KW_MS_NEVER;
}

void
ctl_tick(kw_ms now)
{
	if (npending > 0 && now >= pending_since + CTL_WAIT_MS)
		ctl_answer(NULL, 0);
}

int
ctl_open(const char *dir, ctl_report_fn report, ctl_ask_fn ask, void *self)
{
	struct sockaddr_un sun;
	char err[PATH_MAX + 256];
	mode_t old;
	int dfd;

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
	ctl_report = report;
	ctl_ask = ask;
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
	ctl_answer(NULL, 0);
	if (ctl_fd == -1)
		return;
	ev_del(ctl_fd);
	close(ctl_fd);
	unlink(ctl_path);
	ctl_fd = -1;
}

int
ctl_status_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "/etc/knockwatch/knockwatch.yaml", *sock = NULL;
	struct sockaddr_un sun;
	char buf[8192], err[1024];
	struct config *c = NULL;
	ssize_t n;
	int ch, fd;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:S:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'h':
			printf("usage: knockwatch status [-c CONFIG | -S SOCKET]\n");
			return 0;
		default:
			fprintf(stderr, "usage: knockwatch status "
			    "[-c CONFIG | -S SOCKET]\n");
			return 64;
		}
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (sock == NULL) {
		if ((c = config_load(config, err, sizeof(err))) == NULL) {
			fprintf(stderr, "knockwatch: %s\n", err);
			return 78;
		}
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
		    c->runtime_dir, CTL_SOCKET);
		config_free(c);
	} else
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "knockwatch: %s: %s (is the daemon running?)\n",
		    sun.sun_path, strerror(errno));
		return 69;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}
