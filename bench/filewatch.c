/* filewatch.c — `filewatch TAG FILE STAMPS`: the latency rig's measure of
 * the syslog daemon's own write delay. Tails FILE from its current end with
 * inotify and, for each appended line holding " DPT=9000 " (the last knock),
 * appends "TAG SRC NANOSECONDS" (wall clock, as the line is read) to STAMPS,
 * the format bench/stamp.sh writes. Runs until killed. Bench tool only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define FW_BUF 65536

static void
found(const char *tag, const char *line, size_t len, FILE *out)
{
	const char *s, *e;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (memmem(line, len, " DPT=9000 ", 10) == NULL ||
	    (s = memmem(line, len, " SRC=", 5)) == NULL)
		return;
	s += 5;
	for (e = s; e < line + len && *e != ' '; e++)
		;
	fprintf(out, "%s %.*s %lld\n", tag, (int)(e - s), s,
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	fflush(out);
}

int
main(int argc, char **argv)
{
	static char buf[FW_BUF + 1];
	char ev[4096];
	size_t have = 0;
	FILE *out;
	int fd, in;

	if (argc != 4) {
		fprintf(stderr, "usage: filewatch TAG FILE STAMPS\n");
		return 64;
	}
	if ((fd = open(argv[2], O_RDONLY)) == -1 ||
	    (in = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(in, argv[2], IN_MODIFY) == -1 ||
	    (out = fopen(argv[3], "a")) == NULL) {
		fprintf(stderr, "filewatch: %s: %s\n", argv[2], strerror(errno));
		return 66;
	}
	lseek(fd, 0, SEEK_END);
	for (;;) {
		ssize_t n;
		char *p, *nl;

		/* Drain what is there, then sleep until the next write. */
		while ((n = read(fd, buf + have, FW_BUF - have)) > 0) {
			have += (size_t)n;
			p = buf;
			while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))
			    != NULL) {
				found(argv[1], p, (size_t)(nl - p), out);
				p = nl + 1;
			}
			have -= (size_t)(p - buf);
			memmove(buf, p, have);
			if (have == FW_BUF)
				have = 0;	/* an overlong line: dropped */
		}
		if (read(in, ev, sizeof(ev)) == -1 && errno != EINTR)
			return 1;
	}
}
