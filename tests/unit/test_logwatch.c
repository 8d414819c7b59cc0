/* test_logwatch.c — logwatch against real files in a mkdtemp directory:
 * every rotation style, partial and overlong lines, shared directories, the
 * read cap, and 1000 rotations under writing. Synchronises by poll() on the
 * inotify descriptor with a deadline; time for grace periods is passed in. */
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "logwatch.h"
#include "parse.h"
#include "test.h"

struct col {
	char	 buf[65536];
	size_t	 len;
	int	 n;
	int	 bad;		/* lines not NUL-terminated at len */
};

static char tdir[64];
static kw_ms now = 1000000;	/* the fake monotonic clock */

static void
col_cb(void *arg, const char *line, size_t len)
{
	struct col *c = arg;

	if (strlen(line) != len)
		c->bad++;
	if (c->len + len + 1 < sizeof(c->buf)) {
		memcpy(c->buf + c->len, line, len);
		c->len += len;
		c->buf[c->len++] = '\n';
		c->buf[c->len] = '\0';
	}
	c->n++;
}

static void
col_reset(struct col *c)
{
	c->len = 0;
	c->n = 0;
	c->buf[0] = '\0';
}

#define EXPECT(c, s) do { T_STREQ((c)->buf, (s)); col_reset(c); } while (0)

static const char *P(const char *fmt, ...) KW_PRINTF(1, 2);

/* A path in the test directory; the last four stay valid. */
static const char *
P(const char *fmt, ...)
{
	static char bufs[4][256];
	static int i;
	char *b = bufs[i++ % 4];
	va_list ap;

	va_start(ap, fmt);
	snprintf(b, 256, "%s/", tdir);
	vsnprintf(b + strlen(b), 256 - strlen(b), fmt, ap);
	va_end(ap);
	return b;
}

static void
wr(int fd, const char *s)
{
	size_t n = strlen(s);

	if (write(fd, s, n) != (ssize_t)n) {
		perror("write");
		exit(2);
	}
}

static int
app(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd == -1) {
		perror(path);
		exit(2);
	}
	return fd;
}

static void
put(const char *path, const char *s)
{
	int fd = app(path);

	wr(fd, s);
	close(fd);
}

/* The daemon's loop in small: wait for the inotify fd (or the deadline),
 * handle, until c has n lines and nothing more is pending, or 3 s pass. */
static void
pump(struct logwatch *lw, struct col *c, int n)
{
	struct pollfd p = { .fd = logwatch_fd(lw), .events = POLLIN };
	kw_ms end = clock_now_ms() + 3000;
	int r, due;

	for (;;) {
		due = logwatch_deadline(lw) <= now;
		r = poll(&p, 1, due || c->n >= n ? 0 : 100);
		if (r > 0 || due)
			logwatch_handle(lw, now);
		else if (c->n >= n)
			return;
		if (clock_now_ms() > end)
			return;
	}
}

/* How many descriptors this process has open on path (as /proc shows it,
 * " (deleted)" included); the tests' writers count too. */
static int
fd_open_on(const char *path)
{
	char l[300], t[512];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	ssize_t n;
	int found = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(l, sizeof(l), "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(l, t, sizeof(t) - 1)) <= 0)
			continue;
		t[n] = '\0';
		if (strncmp(t, path, strlen(path)) == 0 &&
		    (t[strlen(path)] == '\0' || t[strlen(path)] == ' '))
			found++;
	}
	if (d != NULL)
		closedir(d);
	return found;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static struct logwatch_stats
stats(const struct logwatch *lw)
{
	struct logwatch_stats st;

	logwatch_stats(lw, &st);
	return st;
}

static void
t_start_at_end(void)
{
	static struct col c;
	struct pollfd p;
	struct logwatch *lw = logwatch_new();
	const char *f = P("end.log"), *g = P("mid.log");

	put(f, "old1\nold2\n");
	put(g, "old\nhal");
	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) == 0, "add");
	T_OK(logwatch_add(lw, g, 0, 5, col_cb, &c, now) == 1, "add");
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "no timer when idle");
	pump(lw, &c, 0);
	EXPECT(&c, "");
	put(f, "new1\nnew2\n");
	pump(lw, &c, 2);
	EXPECT(&c, "new1\nnew2\n");
	/* A partial line in two pieces. */
	put(f, "par");
	pump(lw, &c, 0);
	EXPECT(&c, "");
	put(f, "tial\n");
	pump(lw, &c, 1);
	EXPECT(&c, "partial\n");
	/* Started mid-line: the rest of that line is not a line. */
	put(g, "f-rest\nnext\n");
	pump(lw, &c, 1);
	EXPECT(&c, "next\n");
	T_INTEQ(c.bad, 0);
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "no timer when idle");
	p.fd = logwatch_fd(lw);
	p.events = POLLIN;
	T_INTEQ(poll(&p, 1, 0), 0);
	T_INTEQ(logwatch_find(lw, g), 1);
	T_INTEQ(logwatch_find(lw, P("nope.log")), -1);
	T_INTEQ(logwatch_add(lw, f, 0, 5, col_cb, &c, now), -1);
	T_INTEQ(stats(lw).lines, 4);
	logwatch_free(lw);
}

static void
t_from_start(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	const char *f = P("start.log");

	put(f, "a\nb");
	T_OK(logwatch_add(lw, f, 1, 5, col_cb, &c, now) >= 0, "add");
	T_OK(logwatch_deadline(lw) <= now, "reads at the next handle");
	T_INTEQ(c.n, 0);
	pump(lw, &c, 1);
	EXPECT(&c, "a\n");
	put(f, "c\n");
	pump(lw, &c, 1);
	EXPECT(&c, "bc\n");
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "idle");
	logwatch_free(lw);
}

static void
t_rename(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	const char *f = P("ren.log"), *f1 = P("ren.log.1");
	int ofd, nfd;

	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) >= 0, "add");
	ofd = app(f);
	wr(ofd, "L1\n");
	pump(lw, &c, 1);
	EXPECT(&c, "L1\n");
	/* logrotate renames and creates; syslog keeps its old descriptor. */
	T_INTEQ(rename(f, f1), 0);
	wr(ofd, "L2\n");
	nfd = app(f);
	wr(nfd, "N1\n");
	wr(ofd, "L3\n");
	pump(lw, &c, 3);
	EXPECT(&c, "L2\nL3\nN1\n");
	T_INTEQ(stats(lw).rotations, 1);
	T_INTEQ(logwatch_deadline(lw), now + 5000);
	now += 1000;
	wr(ofd, "L4\n");
	wr(nfd, "N2\n");
	pump(lw, &c, 2);
	EXPECT(&c, "L4\nN2\n");
	T_INTEQ(logwatch_deadline(lw), now + 5000);
	wr(ofd, "part");
	pump(lw, &c, 0);
	EXPECT(&c, "");
	T_INTEQ(fd_open_on(f1), 2);	/* ofd and ours */
	/* Grace ends: no sleep, just a later now. */
	now += 4999;
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(f1), 2);	/* 1 ms before the end */
	now += 1;
	T_OK(logwatch_deadline(lw) <= now, "grace end is due");
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(f1), 1);	/* only ofd is left */
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "idle after grace");
	T_INTEQ(stats(lw).partial, 1);
	wr(ofd, "L5\n");	/* too late: nobody reads it */
	wr(nfd, "N3\n");
	pump(lw, &c, 1);
	EXPECT(&c, "N3\n");
	close(ofd);
	close(nfd);
	logwatch_free(lw);
}

static void
t_copytruncate(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	const char *f = P("ct.log");
	int wfd;

	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) >= 0, "add");
	wfd = app(f);		/* the writer keeps it open, O_APPEND */
	wr(wfd, "A\nB\n");
	pump(lw, &c, 2);
	EXPECT(&c, "A\nB\n");
	put(P("ct.log.1"), "A\nB\n");	/* the copy */
	T_INTEQ(truncate(f, 0), 0);
	wr(wfd, "C\n");
	pump(lw, &c, 1);
	EXPECT(&c, "C\n");
	T_INTEQ(stats(lw).rotations, 1);
	/* Truncated and refilled past our offset before we look. */
	wr(wfd, "D\n");
	pump(lw, &c, 1);
	EXPECT(&c, "D\n");
	T_INTEQ(truncate(f, 0), 0);
	wr(wfd, "a longer line than before\nF\n");
	pump(lw, &c, 2);
	EXPECT(&c, "a longer line than before\nF\n");
	T_INTEQ(stats(lw).rotations, 2);
	close(wfd);
	logwatch_free(lw);
}

static void
t_delete(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	const char *f = P("del.log");
	int ofd;

	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) >= 0, "add");
	ofd = app(f);
	wr(ofd, "A\n");
	pump(lw, &c, 1);
	EXPECT(&c, "A\n");
	T_INTEQ(unlink(f), 0);
	wr(ofd, "B\n");
	pump(lw, &c, 1);
	EXPECT(&c, "B\n");
	/* The writer has not reopened yet: a deleted file is read for its
	 * grace, like a renamed one (issue 17). */
	T_INTEQ(fd_open_on(f), 2);	/* ofd and ours */
	T_INTEQ(logwatch_deadline(lw), now + 5000);
	wr(ofd, "B2\n");
	pump(lw, &c, 1);
	EXPECT(&c, "B2\n");
	put(f, "C\n");
	pump(lw, &c, 1);
	EXPECT(&c, "C\n");
	now += 5000;		/* the grace ends */
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(f), 2);	/* ofd, and ours on the new file */
	close(ofd);
	T_INTEQ(fd_open_on(f), 1);	/* ours on the new file only */
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "deleted file closed");
	/* Delete and re-create between two looks. */
	ofd = app(f);
	T_INTEQ(unlink(f), 0);
	wr(ofd, "D\n");
	put(f, "E\n");
	pump(lw, &c, 2);
	EXPECT(&c, "D\nE\n");
	T_INTEQ(stats(lw).rotations, 2);
	close(ofd);
	logwatch_free(lw);
}

static void
t_missing(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	const char *f = P("later.log"), *d = P("sub"), *dd = P("sub/deeper"),
	    *g = P("sub/deeper/x.log");

	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) >= 0, "add missing");
	T_OK(logwatch_add(lw, g, 0, 5, col_cb, &c, now) >= 0, "add no dir");
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "waiting costs nothing");
	put(f, "A\nB\n");
	pump(lw, &c, 2);
	EXPECT(&c, "A\nB\n");
	T_INTEQ(mkdir(d, 0755), 0);
	pump(lw, &c, 0);
	T_INTEQ(mkdir(dd, 0755), 0);
	put(g, "X1\n");
	pump(lw, &c, 1);
	EXPECT(&c, "X1\n");
	/* The directory vanishes and comes back. */
	T_INTEQ(unlink(g), 0);
	T_INTEQ(rmdir(dd), 0);
	T_INTEQ(rmdir(d), 0);
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(g), 1);	/* deleted: read for its grace */
	T_INTEQ(mkdir(d, 0755), 0);
	T_INTEQ(mkdir(dd, 0755), 0);	/* both before we look */
	put(g, "X2\n");
	pump(lw, &c, 1);
	EXPECT(&c, "X2\n");
	put(f, "C\n");
	pump(lw, &c, 1);
	EXPECT(&c, "C\n");
	now += 5000;
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(g), 1);	/* the deleted one closed */
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "idle");
	/* rm -r with a look between the file and its directory: the deleted
	 * file we still read keeps the directory's own IN_DELETE_SELF back,
	 * so its removal is seen from its parent. */
	T_INTEQ(unlink(g), 0);
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(g), 1);	/* deleted, in its grace */
	T_INTEQ(rmdir(dd), 0);
	pump(lw, &c, 0);
	T_INTEQ(mkdir(dd, 0755), 0);
	put(g, "X3\n");
	pump(lw, &c, 1);
	EXPECT(&c, "X3\n");
	now += 5000;
	pump(lw, &c, 0);
	T_INTEQ(fd_open_on(g), 1);
	logwatch_free(lw);
}

static void
t_overlong(void)
{
	static struct col c;
	static char big[KW_MAX_LINE + 3];
	struct logwatch *lw = logwatch_new();
	const char *f = P("long.log");
	int i;

	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 5, col_cb, &c, now) >= 0, "add");
	memset(big, 'x', 3000);
	big[3000] = '\0';
	put(f, "ok1\n");
	for (i = 0; i < 3; i++) {	/* 9000 bytes in pieces */
		put(f, big);
		pump(lw, &c, 1);
	}
	put(f, "\nok2\n");
	pump(lw, &c, 2);
	EXPECT(&c, "ok1\nok2\n");
	T_INTEQ(stats(lw).overlong, 1);
	/* Exactly KW_MAX_LINE is fine, in two pieces too; one more is not. */
	memset(big, 'y', KW_MAX_LINE);
	big[KW_MAX_LINE] = '\n';
	big[KW_MAX_LINE + 1] = '\0';
	put(f, big);
	pump(lw, &c, 1);
	T_INTEQ(c.n, 1);
	T_INTEQ(c.len, KW_MAX_LINE + 1);
	col_reset(&c);
	big[100] = '\0';
	put(f, big);
	pump(lw, &c, 0);
	big[100] = 'y';
	put(f, big + 100);
	pump(lw, &c, 1);
	T_INTEQ(c.n, 1);
	T_INTEQ(c.len, KW_MAX_LINE + 1);
	col_reset(&c);
	big[KW_MAX_LINE] = 'y';
	big[KW_MAX_LINE + 1] = '\n';
	put(f, "before\n");
	put(f, big);
	put(f, "after\n");
	pump(lw, &c, 2);
	EXPECT(&c, "before\nafter\n");
	T_INTEQ(stats(lw).overlong, 2);
	T_INTEQ(c.bad, 0);
	logwatch_free(lw);
}

static int remove_id = -1;
static struct logwatch *remove_lw;

static void
remove_cb(void *arg, const char *line, size_t len)
{
	col_cb(arg, line, len);
	logwatch_remove(remove_lw, remove_id);
}

static void
t_two(void)
{
	static struct col ca, cb, cc;
	struct logwatch *lw = logwatch_new();
	const char *a = P("two-a.log"), *b = P("two-b.log");
	int ia, ib;

	put(a, "");
	put(b, "");
	ia = logwatch_add(lw, a, 0, 5, col_cb, &ca, now);
	ib = logwatch_add(lw, b, 0, 5, col_cb, &cb, now);
	T_OK(ia >= 0 && ib >= 0 && ia != ib, "add two");
	put(a, "a1\n");
	put(b, "b1\n");
	pump(lw, &cb, 1);
	EXPECT(&ca, "a1\n");
	EXPECT(&cb, "b1\n");
	T_INTEQ(rename(a, P("two-a.log.1")), 0);
	put(a, "a2\n");
	put(b, "b2\n");
	pump(lw, &ca, 1);
	EXPECT(&ca, "a2\n");
	EXPECT(&cb, "b2\n");
	logwatch_set_arg(lw, ib, &cc);
	/* Removing one must leave the shared directory watch to the other. */
	logwatch_remove(lw, ia);
	T_INTEQ(logwatch_find(lw, a), -1);
	T_OK(fd_open_on(a) == 0, "removed watch closed its file");
	put(a, "a3\n");
	put(b, "b3\n");
	pump(lw, &cc, 1);
	EXPECT(&ca, "");
	EXPECT(&cb, "");
	EXPECT(&cc, "b3\n");
	T_INTEQ(rename(b, P("two-b.log.1")), 0);
	put(b, "b4\n");
	pump(lw, &cc, 1);
	EXPECT(&cc, "b4\n");
	/* A callback removing its own watch: it stops at once. */
	remove_lw = lw;
	remove_id = logwatch_add(lw, a, 0, 5, remove_cb, &ca, now);
	T_OK(remove_id >= 0, "re-add");
	put(a, "r1\nr2\n");
	pump(lw, &ca, 1);
	EXPECT(&ca, "r1\n");
	T_INTEQ(logwatch_find(lw, a), -1);
	logwatch_free(lw);
}

/* One busy file must not starve another; the capped rest still arrives. */
static void
t_busy(void)
{
	static struct col ca, cb;
	static char chunk[100 * 1000];
	struct logwatch *lw = logwatch_new();
	const char *a = P("busy.log"), *b = P("quiet.log");
	int i, fd, handles = 0;

	put(a, "");
	put(b, "");
	T_OK(logwatch_add(lw, a, 0, 5, col_cb, &ca, now) >= 0, "add");
	T_OK(logwatch_add(lw, b, 0, 5, col_cb, &cb, now) >= 0, "add");
	for (i = 0; i < 1000; i++)	/* 1000 lines of 100 bytes */
		memcpy(chunk + i * 100, "................................"
		    "................................................."
		    ".................\n", 100);
	fd = app(a);
	for (i = 0; i < 100; i++)	/* 10 MB */
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			exit(2);
	close(fd);
	put(b, "quiet\n");
	logwatch_handle(lw, now);
	T_INTEQ(cb.n, 1);
	T_OK(ca.n > 0 && ca.n < 100000, "busy file capped (%d lines)", ca.n);
	T_OK(logwatch_deadline(lw) <= now, "capped: due again now");
	while (logwatch_deadline(lw) <= now && handles++ < 100)
		logwatch_handle(lw, now);
	T_INTEQ(ca.n, 100000);
	T_OK(handles >= 2, "took several calls (%d)", handles);
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "idle");
	logwatch_free(lw);
}

/* 1000 rename+create rotations with writes before, between and after each
 * step, to the renamed and to the new file; every line exactly once. */
static unsigned char seen[1 << 20];
static int seen_bad;

static void
seq_cb(void *arg, const char *line, size_t len)
{
	long n;
	char *end;

	(void)arg;
	if (len < 2 || line[0] != 'S' || (n = strtol(line + 1, &end, 10)) < 0 ||
	    n >= (long)sizeof(seen) || *end != '\0')
		seen_bad++;
	else
		seen[n]++;
}

static int seq;

static void
wseq(int fd)
{
	char b[32];

	snprintf(b, sizeof(b), "S%d\n", seq++);
	wr(fd, b);
}

static void
t_rotations(void)
{
	struct pollfd p;
	struct logwatch *lw = logwatch_new();
	const char *f = P("rot.log"), *f1 = P("rot.log.1");
	kw_ms t0 = clock_now_ms();
	int i, j, fd, nfd, dup = 0, lost = 0, handles = 0;
	char b[32];

	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 2, seq_cb, NULL, now) >= 0, "add");
	p.fd = logwatch_fd(lw);
	p.events = POLLIN;
#define LOOK() do { if (poll(&p, 1, 1000) > 0) { handles++; \
	logwatch_handle(lw, now); } } while (0)
	fd = app(f);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j <= i % 5; j++)
			wseq(fd);
		if (i % 3 == 0)
			LOOK();
		/* A line split across the rotation, in the old file. */
		snprintf(b, sizeof(b), "S%d", seq++);
		wr(fd, b);
		if (rename(f, f1) == -1)
			exit(2);
		wr(fd, "\n");
		wseq(fd);
		if (i % 2)
			LOOK();
		nfd = app(f);
		wseq(nfd);
		wseq(fd);
		LOOK();		/* must see the new file before it moves */
		wseq(fd);	/* to the renamed file, in its grace */
		wseq(nfd);
		close(fd);
		fd = nfd;
		now += 300;	/* some graces end on the way */
	}
	wseq(fd);
	close(fd);
	pump(lw, &(struct col){ .n = 0 }, 0);
	now += 5000;
	pump(lw, &(struct col){ .n = 0 }, 0);
#undef LOOK
	for (i = 0; i < seq; i++) {
		dup += seen[i] > 1;
		lost += seen[i] == 0;
	}
	T_INTEQ(seen_bad, 0);
	T_INTEQ(lost, 0);
	T_INTEQ(dup, 0);
	T_INTEQ(stats(lw).lines, seq);
	T_INTEQ(stats(lw).rotations, 1000);
	T_OK(logwatch_deadline(lw) == KW_MS_NEVER, "idle at the end");
	printf("rotations: %d lines, %d handle calls, %lld ms\n", seq, handles,
	    (long long)(clock_now_ms() - t0));
	logwatch_free(lw);
}

/* The same with a separate writer process that never stops writing: it
 * rotates again as soon as the reader has seen a line of the newest file
 * (logrotate runs daily; two rotations between two looks would hide the
 * middle file from any reader). Lines are "<generation> <seq>". */
static int ack_fd, seen_gen;

static void
gen_cb(void *arg, const char *line, size_t len)
{
	long g, n;
	char *end;

	(void)arg;
	(void)len;
	g = strtol(line, &end, 10);
	n = strtol(end, &end, 10);
	if (*end != '\0' || n < 0 || n >= (long)sizeof(seen)) {
		seen_bad++;
		return;
	}
	seen[n]++;
	if (g > seen_gen) {
		seen_gen = (int)g;
		if (ack_fd != -1 && write(ack_fd, "a", 1) != 1 &&
		    errno != EPIPE)	/* the writer may have finished */
			seen_bad++;
	}
}

static void
gen_line(int fd, int g)
{
	char b[48];

	snprintf(b, sizeof(b), "%d %d\n", g, seq++);
	wr(fd, b);
}

static void
writer(const char *f, const char *f1, int ack, int done)
{
	int g = 0, acks = 0, n = 0, fd, nfd;
	char c;

	fd = app(f);
	gen_line(fd, 0);
	while (g < 1000) {
		if (seq > (int)sizeof(seen) - 100)
			_exit(5);	/* the reader is stuck: fail, not hang */
		if (n++ < 300 || acks <= g) {
			gen_line(fd, g);	/* keep writing meanwhile, */
			if (n > 300)		/* at most 1 line/ms */
				(void)poll(&(struct pollfd){ .fd = ack,
				    .events = POLLIN }, 1, 1);
			if (read(ack, &c, 1) == 1)
				acks++;
			continue;
		}
		if (rename(f, f1) == -1)
			_exit(3);
		gen_line(fd, g);
		nfd = app(f);
		gen_line(nfd, ++g);
		gen_line(fd, g - 1);
		gen_line(fd, g - 1);
		close(fd);
		fd = nfd;
		n = 0;
	}
	gen_line(fd, g);
	close(fd);
	if (write(done, &seq, sizeof(seq)) != sizeof(seq))
		_exit(4);
	_exit(0);
}

static void
t_rotations_writer(void)
{
	struct pollfd p[2];
	struct logwatch *lw = logwatch_new();
	const char *f = P("wr.log"), *f1 = P("wr.log.1");
	kw_ms t0 = clock_now_ms(), end = t0 + 20000;
	int ackp[2], donep[2], i, total = -1, dup = 0, lost = 0, st;
	pid_t pid;

	memset(seen, 0, sizeof(seen));
	seen_bad = 0;
	seen_gen = -1;
	seq = 0;
	put(f, "");
	T_OK(logwatch_add(lw, f, 0, 2, gen_cb, NULL, clock_now_ms()) >= 0,
	    "add");
	if (pipe2(ackp, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(donep, O_CLOEXEC) == -1)
		exit(2);
	fflush(NULL);	/* or the child's exit would print our buffers */
	if ((pid = fork()) == 0) {
		close(ackp[1]);
		close(donep[0]);
		writer(f, f1, ackp[0], donep[1]);
	}
	close(ackp[0]);
	close(donep[1]);
	ack_fd = ackp[1];
	p[0].fd = logwatch_fd(lw);
	p[0].events = POLLIN;
	p[1].fd = donep[0];
	p[1].events = POLLIN;
	while (clock_now_ms() < end) {
		if (poll(p, 2, 1000) == -1)
			break;
		if (p[0].revents)
			logwatch_handle(lw, clock_now_ms());
		if (p[1].revents) {
			if (read(donep[0], &total, sizeof(total)) !=
			    sizeof(total))
				total = -2;
			break;
		}
	}
	ack_fd = -1;		/* the writer is gone or going */
	if (total < 0)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer exit %d", st);
	/* The writer is done: take what is pending, then end every grace. */
	while (poll(p, 1, 0) > 0)
		logwatch_handle(lw, clock_now_ms());
	logwatch_handle(lw, KW_MS_NEVER - 1);
	for (i = 0; i < total; i++) {
		dup += seen[i] > 1;
		lost += seen[i] == 0;
	}
	T_OK(total > 1000, "writer wrote %d lines", total);
	T_INTEQ(seen_bad, 0);
	T_INTEQ(lost, 0);
	T_INTEQ(dup, 0);
	T_INTEQ(seen_gen, 1000);
	T_INTEQ(stats(lw).lines, total);
	T_INTEQ(stats(lw).rotations, 1000);
	printf("rotations with a writer process: %d lines, %lld ms\n", total,
	    (long long)(clock_now_ms() - t0));
	close(ackp[1]);
	close(donep[0]);
	logwatch_free(lw);
}

static void
t_bad_args(void)
{
	static struct col c;
	struct logwatch *lw = logwatch_new();
	int i;

	T_INTEQ(logwatch_add(lw, "", 0, 0, col_cb, &c, now), -1);
	T_INTEQ(logwatch_add(lw, P("dir/"), 0, 0, col_cb, &c, now), -1);
	T_INTEQ(logwatch_add(lw, P("x"), 0, 0, NULL, &c, now), -1);
	for (i = 0; i < LOGWATCH_MAX; i++)
		put(P("many%d", i), "");
	for (i = 0; i < LOGWATCH_MAX; i++)
		if (logwatch_add(lw, P("many%d", i), 0, 0, col_cb, &c, now) != i)
			break;
	T_INTEQ(i, LOGWATCH_MAX);
	T_INTEQ(logwatch_add(lw, P("one-too-many"), 0, 0, col_cb, &c, now), -1);
	logwatch_remove(lw, 3);
	logwatch_remove(lw, 3);
	logwatch_remove(lw, -1);
	logwatch_remove(lw, LOGWATCH_MAX);
	T_INTEQ(logwatch_add(lw, P("many3"), 0, 0, col_cb, &c, now), 3);
	logwatch_free(lw);
	logwatch_free(NULL);
}

static void
rm_tree(const char *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
}

int
main(void)
{
	int fds;

	log_init(0, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(tdir, sizeof(tdir), "/tmp/kw-logwatch.XXXXXX");
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	fds = count_fds();
	t_start_at_end();
	t_from_start();
	t_rename();
	t_copytruncate();
	t_delete();
	t_missing();
	t_overlong();
	t_two();
	t_busy();
	t_rotations();
	t_rotations_writer();
	T_INTEQ(count_fds(), fds);
	t_bad_args();
	rm_tree(tdir);
	return t_done();
}
