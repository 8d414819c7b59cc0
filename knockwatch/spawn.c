/* spawn.c — starts the daemon's children (spawn.h): every child starts
 * from the same clean slate, whatever the daemon has set up for itself.
 * Never runs a shell, never builds a command string; runs in whichever
 * process holds the child (the root parent, or a process without one),
 * which must be single-threaded. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* The child's stack until it execs (CLONE_VM: it runs in our memory while
 * we wait). One is enough: we are single-threaded and wait for each child
 * to exec or exit before going on. execvp's path buffer and dprintf are
 * its largest users. */
#define SPAWN_STACK (128 * 1024)
static char spawn_stack[SPAWN_STACK] __attribute__((aligned(64)));

struct spawn_child {
	const struct spawn_opts *o;
	int outw;
};

/* In the child: nothing of the daemon's signal handling, descriptors or
 * environment survives into the program. It shares our memory until it
 * execs (CLONE_VM), so it writes none of it but environ (restored by
 * spawn_start) and errno: only system calls on its own process, its own
 * descriptor table and signal dispositions; any failure ends in
 * _exit(127). */
static int __attribute__((noreturn))
child(void *arg)
{
	const struct spawn_child *c = arg;
	const struct spawn_opts *o = c->o;
	sigset_t none;
	int devnull, outw = c->outw;

	/* Every signal is blocked (spawn_start): the dispositions go back
	 * to default before any can arrive, so none of the daemon's
	 * handlers ever runs here, on its memory. Then the mask empties:
	 * the daemon blocks the signals its signalfd reads, and a child
	 * would inherit that and never see TERM from its own timeout. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
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
		/* execvp looks PATH up in environ, which is ours: spawn_start
		 * puts it back once the child has exec'd. */
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
	struct spawn_child c = { .o = o };
	char **env = environ;
	sigset_t all, old;
	int pfd[2], err;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	c.outw = pfd[1];
	/* clone(CLONE_VM | CLONE_VFORK), as posix_spawn does it: no copy
	 * of our page tables (the root parent's fork was a measurable part
	 * of a door's latency), and we wait here until the child has exec'd
	 * or exited. posix_spawn itself cannot say PR_SET_PDEATHSIG or
	 * close_range; this runs the same child as a fork would. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	*pid = clone(child, spawn_stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK |
	    SIGCHLD, &c);
	err = errno;
	environ = env;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (*pid == -1) {
		close(pfd[0]);
		errno = err;
		return -1;
	}
	/* The loop reads it from epoll: never block on a child's output. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	return pfd[0];
}
