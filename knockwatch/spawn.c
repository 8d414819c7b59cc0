/* spawn.c — forks and execs the daemon's children (spawn.h): every child
 * starts from the same clean slate, whatever the daemon has set up for
 * itself. Never runs a shell, never builds a command string; runs in
 * whichever process holds the child (the root parent, or a process
 * without one). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* In the child: nothing of the daemon's signal handling, descriptors or
 * environment survives into the program. Only calls that are safe after
 * fork in a single-threaded program; any failure ends in _exit(127). */
static void __attribute__((noreturn))
child(const struct spawn_opts *o, int outw)
{
	sigset_t none;
	int devnull;

	/* The daemon blocks the signals its signalfd reads; a child would
	 * inherit that mask and never see TERM from its own timeout. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* Its own process group: a timeout or a stop signals everything it
	 * started, and a terminal's signals never reach it. */
	setsid();
	if (o->death_signal != 0)
		prctl(PR_SET_PDEATHSIG, o->death_signal);
	if ((devnull = open("/dev/null", O_RDONLY)) != -1)
		dup2(devnull, 0);
	dup2(outw, 1);
	if (o->stderr_to_pipe)
		dup2(outw, 2);
	close_range(3, ~0U, 0);
	if (o->search_path) {
		/* execvp looks PATH up in environ: the child's own copy. */
		environ = (char **)o->envp;
		execvp(o->argv[0], o->argv);
	} else
		execve(o->argv[0], o->argv, o->envp);
	dprintf(2, "cannot run %s: %s\n", o->argv[0], strerror(errno));
	_exit(127);
}

int
spawn_start(const struct spawn_opts *o, pid_t *pid)
{
	int pfd[2], err;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	/* fork, not vfork or posix_spawn: the child's set-up (setsid,
	 * PR_SET_PDEATHSIG, close_range, all dispositions reset) is more
	 * than posix_spawn attributes say, and it runs in microseconds
	 * against the milliseconds of the programs it starts. */
	if ((*pid = fork()) == -1) {
		err = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = err;
		return -1;
	}
	if (*pid == 0)
		child(o, pfd[1]);
	close(pfd[1]);
	/* The loop reads it from epoll: never block on a child's output. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	return pfd[0];
}
