/* cmdsrc.c — the command sources the root parent runs for the worker
 * (`source: command`): starts each with a bounded rate, ends it with SIGKILL
 * to its group without ever waiting for it, and reaps the killed ones by
 * pidfd or polling, naming those that will not go. Never blocks the loop,
 * never reads the command's output (the worker does). */
#include "cmdsrc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "spawn.h"

#define CMDSRC_POLL_MS 100	/* exit polling when there is no pidfd */
#define CMDSRC_GAP_MS 100	/* a command source starts at most this often */
#define CMDSRC_STUCK_MS 5000	/* a killed command not reaped by then: warn */
#define CMDSRC_GRAVES (2 * KW_MAX_SOURCES)	/* killed, not yet reaped */

static struct {
	pid_t cmd[KW_MAX_SOURCES];
	kw_ms cmd_last[KW_MAX_SOURCES];	/* when each was last started */
	/* Command sources sent SIGKILL and not reaped yet: at most two per
	 * source (cmdsrc_start refuses a third), so the table never fills. */
	struct grave {
		pid_t pid;
		uint32_t src;
		int pidfd;		/* -1: polled */
		kw_ms killed;
		int warned;
	} grave[CMDSRC_GRAVES];
	kw_ms grave_next;	/* when graves_tick has something to do */
} cs = { .grave_next = KW_MS_NEVER };

/* 1 when the killed command in g has been reaped (its slot is free). */
static int
grave_reap(struct grave *g)
{
	pid_t r = waitpid(g->pid, NULL, WNOHANG);

	if (r == 0 || (r == -1 && errno != ECHILD))
		return 0;
	ev_close(&g->pidfd);
	g->pid = 0;
	return 1;
}

static void
on_grave(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	grave_reap(arg);
}

static unsigned
graves_of(uint32_t i)
{
	unsigned n = 0;

	for (int g = 0; g < CMDSRC_GRAVES; g++)
		n += cs.grave[g].pid > 0 && cs.grave[g].src == i;
	return n;
}

/* Ends command source i without waiting for it: the root loop must never
 * block on a child, and one in uninterruptible sleep (a hung NFS or FUSE
 * read) would not die for SIGKILL until the kernel lets it. Its group gets
 * SIGKILL (TERM could be ignored); the leader is reaped when its pidfd
 * says so, or by polling in cmdsrc_tick, and is named after
 * CMDSRC_STUCK_MS. */
void
cmdsrc_stop(uint32_t i)
{
	struct grave *g = NULL;

	if (i >= KW_MAX_SOURCES || cs.cmd[i] <= 0)
		return;
	kill(-cs.cmd[i], SIGKILL);
	for (int n = 0; n < CMDSRC_GRAVES && g == NULL; n++)
		if (cs.grave[n].pid <= 0)
			g = &cs.grave[n];
	if (g == NULL)
		fatalx("no room to reap command pid %d", (int)cs.cmd[i]);
	g->pid = cs.cmd[i];
	g->src = i;
	g->killed = clock_now_ms();
	g->warned = 0;
	g->pidfd = -1;
	cs.cmd[i] = 0;
	if (grave_reap(g))
		return;
	cs.grave_next = clock_now_ms();	/* cmdsrc_tick takes it from here */
	g->pidfd = (int)syscall(SYS_pidfd_open, g->pid, 0);
	if (g->pidfd != -1 && ev_add(g->pidfd, EPOLLIN, on_grave, g) == -1)
		ev_close(&g->pidfd);
}

/* Polls the killed commands without a pidfd and names those that do not
 * go; the next time this has something to do. */
static kw_ms
graves_tick(kw_ms now)
{
	kw_ms next = KW_MS_NEVER;

	for (int n = 0; n < CMDSRC_GRAVES; n++) {
		struct grave *g = &cs.grave[n];

		if (g->pid <= 0 || grave_reap(g))
			continue;
		if (!g->warned && now - g->killed >= CMDSRC_STUCK_MS) {
			g->warned = 1;
			log_warnx("command source %u: pid %d has not ended %d s "
			    "after SIGKILL (uninterruptible sleep?); the source "
			    "starts again only once it has", g->src + 1,
			    (int)g->pid, CMDSRC_STUCK_MS / 1000);
		}
		if (g->pidfd == -1 && now + CMDSRC_POLL_MS < next)
			next = now + CMDSRC_POLL_MS;
		if (!g->warned && g->killed + CMDSRC_STUCK_MS < next)
			next = g->killed + CMDSRC_STUCK_MS;
	}
	return next;
}

/* Starts command source s as a child of the parent: its stdout is the log
 * the worker reads. */
static int
cmd_spawn(const struct config_source *s, pid_t *pid)
{
	/* Like actions, the command sees none of our environment. */
	static char *const envp[] = { "PATH=" KW_CHILD_PATH, "LANG=C", NULL };
	/* A bare program name is looked up in that PATH; its stderr stays
	 * ours, so nothing it complains about reads as a log line; it dies
	 * with the daemon rather than linger. */
	const struct spawn_opts o = {
		.argv = s->argv,
		.envp = envp,
		.search_path = 1,
		.stderr_to_pipe = 0,
		.death_signal = SIGTERM,
	};

	return spawn_start(&o, pid);
}

int
cmdsrc_start(uint32_t i, const struct config_source *s, kw_ms now)
{
	pid_t pid;
	int fd;

	/* Bounded forks: a worker asking faster is told to retry (an honest
	 * one does, after its back-off). */
	if (cs.cmd_last[i] != 0 && now - cs.cmd_last[i] < CMDSRC_GAP_MS) {
		errno = EAGAIN;
		return -1;
	}
	cs.cmd_last[i] = now;
	cmdsrc_stop(i);
	/* One killed and not yet reaped is the usual replacement; two mean
	 * it does not die: no third until one has. */
	if (graves_of(i) >= 2) {
		errno = EAGAIN;
		return -1;
	}
	fd = cmd_spawn(s, &pid);
	if (fd != -1)
		cs.cmd[i] = pid;
	return fd;
}

kw_ms
cmdsrc_deadline(void)
{
	return cs.grave_next;
}

void
cmdsrc_tick(kw_ms now)
{
	if (cs.grave_next <= now)
		cs.grave_next = graves_tick(now);
}
