/* test_spawn.c — the one fork/exec path (spawn.c): argv elements arrive
 * as they were given, the environment is exactly envp, stdin is /dev/null,
 * stderr goes to the pipe only when asked, a bare name is searched only
 * when asked (else exit 127), and the daemon's blocked signals are not the
 * child's. Runs real children (/bin/sh, /usr/bin/env, /usr/bin/printf). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "test.h"

/* Runs o, collects its pipe into out (NUL-terminated) and returns its
 * exit status (-1: not started or killed). */
static int
run(const struct spawn_opts *o, char *out, size_t cap)
{
	size_t n = 0;
	pid_t pid;
	ssize_t r;
	int fd, status;

	out[0] = '\0';
	if ((fd = spawn_start(o, &pid)) == -1)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10000) <= 0)
			break;
		r = read(fd, out + n, cap - 1 - n);
		if (r == -1 && errno == EAGAIN)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap - 1)
			break;
	}
	out[n] = '\0';
	close(fd);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
main(void)
{
	char out[4096];
	int rc;

	/* Hostile elements stay one argument each, byte for byte. */
	{
		char *argv[] = { "/usr/bin/printf", "[%s]\n", "a b", ";id",
		    "$(id)", "", "x\ny", NULL };
		char *envp[] = { NULL };
		const struct spawn_opts o = { .argv = argv, .envp = envp };

		rc = run(&o, out, sizeof(out));
		T_INTEQ(rc, 0);
		T_STREQ(out, "[a b]\n[;id]\n[$(id)]\n[]\n[x\ny]\n");
	}
	/* The environment is envp, nothing of ours. */
	{
		char *argv[] = { "/usr/bin/env", NULL };
		char *envp[] = { "PATH=/nowhere", "LANG=C", NULL };
		const struct spawn_opts o = { .argv = argv, .envp = envp };

		setenv("KW_TEST_LEAK", "1", 1);
		rc = run(&o, out, sizeof(out));
		T_INTEQ(rc, 0);
		T_STREQ(out, "PATH=/nowhere\nLANG=C\n");
	}
	/* stdin is /dev/null; no descriptor above 2 is inherited. */
	{
		char *argv[] = { "/bin/sh", "-c",
		    "read x; echo \"read $?\"; ls /proc/self/fd", NULL };
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		const struct spawn_opts o = { .argv = argv, .envp = envp };
		int extra = open("/dev/null", O_RDONLY);	/* not CLOEXEC */

		rc = run(&o, out, sizeof(out));
		T_INTEQ(rc, 0);
		/* read fails at end of file; ls sees 0 1 2 and its own. */
		T_OK(strncmp(out, "read 1\n0\n1\n2\n", 13) == 0 &&
		    strchr(out + 13, '\n') == out + strlen(out) - 1,
		    "stdin /dev/null, only 0-2 and ls's own: %s", out);
		close(extra);
	}
	/* stderr into the pipe only when asked. */
	{
		char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2",
		    NULL };
		char *envp[] = { NULL };
		struct spawn_opts o = { .argv = argv, .envp = envp,
		    .stderr_to_pipe = 1 };
		int saved = dup(2), dn = open("/dev/null", O_WRONLY);

		rc = run(&o, out, sizeof(out));
		T_STREQ(out, "out\nerr\n");
		o.stderr_to_pipe = 0;
		dup2(dn, 2);	/* where "err" goes now */
		rc = run(&o, out, sizeof(out));
		dup2(saved, 2);
		close(saved);
		close(dn);
		T_STREQ(out, "out\n");
	}
	/* A bare name: searched in envp's PATH only with search_path. */
	{
		char *argv[] = { "printf", "found", NULL };
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		struct spawn_opts o = { .argv = argv, .envp = envp,
		    .search_path = 1, .stderr_to_pipe = 1 };

		rc = run(&o, out, sizeof(out));
		T_INTEQ(rc, 0);
		T_STREQ(out, "found");
		o.search_path = 0;
		rc = run(&o, out, sizeof(out));
		T_INTEQ(rc, 127);
		T_OK(strncmp(out, "cannot run printf: ", 19) == 0, "%s", out);
	}
	/* A signal the daemon blocks (its signalfd's) is not blocked in the
	 * child: TERM to itself ends it. */
	{
		char *argv[] = { "/bin/sh", "-c", "kill -TERM $$; echo alive",
		    NULL };
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		const struct spawn_opts o = { .argv = argv, .envp = envp };
		sigset_t term;

		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		rc = run(&o, out, sizeof(out));
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		T_OK(rc == -1 && out[0] == '\0', "TERM ended it (rc %d: %s)",
		    rc, out);
	}
	return t_done();
}
