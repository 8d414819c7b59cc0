/* cli_last.c — remembers, in the user's cache directory, the last HMAC
 * step `knockwatch knock` sent per (host, door, user), and warns when the
 * same step is knocked again: the server opens each step once per user and
 * refuses the knocks of a spent step as a replay. It knows only this
 * account's knocks (not those sent from another machine, or by
 * examples/knock.sh under another account); it never stops a knock. The
 * file ("HOST DOOR USER STEP TIME" lines) is the same one examples/knock.sh
 * keeps. */
#include "cli_last.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_LAST_FIELD 256	/* a host name is at most 253 bytes */

struct cli_last_entry {
	char host[CLI_LAST_FIELD], door[CLI_LAST_FIELD], user[CLI_LAST_FIELD];
	uint64_t step;
	long long when;
};

/* A field written to the file: printable, no space, bounded. */
static int
cli_last_word(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CLI_LAST_FIELD)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return 0;
	return 1;
}

/* $XDG_CACHE_HOME/knockwatch, else $HOME/.cache/knockwatch (absolute
 * paths only, as the XDG spec says), into dir; the file into file. */
static int
cli_last_path(char *dir, char *file, size_t len)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int n;

	if (x != NULL && x[0] == '/')
		n = snprintf(dir, len, "%s/knockwatch", x);
	else if (h != NULL && h[0] == '/')
		n = snprintf(dir, len, "%s/.cache/knockwatch", h);
	else
		return -1;
	if (n < 0 || (size_t)n >= len ||
	    snprintf(file, len, "%s/knocked", dir) >= (int)len)
		return -1;
	return 0;
}

static void
cli_last_hhmmss(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

int
cli_last_knocked(const char *host, const char *door, const char *user,
    uint64_t step, unsigned period, time_t now)
{
	static struct cli_last_entry e[CLI_LAST_MAX + 1];
	char dir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX + 16];
	char line[4 * CLI_LAST_FIELD + 64];
	int n = 0, found = -1, warned = 0, fd;
	FILE *fp;

	if (!cli_last_word(host) || !cli_last_word(door) ||
	    !cli_last_word(user) || cli_last_path(dir, file, sizeof(dir)) == -1)
		return 0;
	if ((fp = fopen(file, "re")) != NULL) {
		while (n < CLI_LAST_MAX && fgets(line, sizeof(line), fp)) {
			struct cli_last_entry *x = &e[n];

			if (sscanf(line, "%255s %255s %255s %" SCNu64 " %lld",
			    x->host, x->door, x->user, &x->step,
			    &x->when) != 5)
				continue;
			if (strcmp(x->host, host) == 0 &&
			    strcmp(x->door, door) == 0 &&
			    strcmp(x->user, user) == 0)
				found = n;
			n++;
		}
		fclose(fp);
	}
	if (found >= 0 && e[found].step >= step && period > 0) {
		time_t next = (time_t)((step + 1) * period);
		char at[16], then[16];

		cli_last_hhmmss((time_t)e[found].when, then, sizeof(then));
		cli_last_hhmmss(next, at, sizeof(at));
		fprintf(stderr, "knockwatch: door %s, user %s: this account "
		    "knocked %s with step %" PRIu64 " already (at %s); the "
		    "server opens each step once per user and refuses a "
		    "spent step's knocks as a replay, so these open nothing "
		    "if that knock arrived. The next step begins at %s "
		    "(in %lld s).\n", door, user, host,
		    e[found].step, then, at,
		    (long long)(next > now ? next - now : 0));
		warned = 1;
	}
	/* Record: this entry last, the oldest dropped past the cap. */
	if (found >= 0) {
		if (e[found].step > step)
			step = e[found].step;	/* the server's view */
		memmove(&e[found], &e[found + 1],
		    (size_t)(n - found - 1) * sizeof(e[0]));
		n--;
	} else if (n == CLI_LAST_MAX) {
		memmove(&e[0], &e[1], (size_t)(n - 1) * sizeof(e[0]));
		n--;
	}
	snprintf(e[n].host, sizeof(e[n].host), "%s", host);
	snprintf(e[n].door, sizeof(e[n].door), "%s", door);
	snprintf(e[n].user, sizeof(e[n].user), "%s", user);
	e[n].step = step;
	e[n].when = (long long)now;
	n++;
	/* Written whole to a temporary file and renamed: a crash leaves the
	 * old file or the new one. */
	{
		char parent[PATH_MAX];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", dir);
		if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
			*slash = '\0';
			(void)mkdir(parent, 0700);
		}
		(void)mkdir(dir, 0700);
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld", file, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return warned;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return warned;
	}
	for (int i = 0; i < n; i++)
		fprintf(fp, "%s %s %s %" PRIu64 " %lld\n", e[i].host,
		    e[i].door, e[i].user, e[i].step, e[i].when);
	if (fclose(fp) != 0 || rename(tmp, file) == -1)
		unlink(tmp);
	return warned;
}
