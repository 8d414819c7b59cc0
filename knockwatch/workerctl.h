/* workerctl.h — starting the worker process (its directory, sockets,
 * fork and re-exec into `knockwatch worker`) and the back-off between
 * restarts. monitor.c decides when; this file only does it. */
#ifndef KW_WORKERCTL_H
#define KW_WORKERCTL_H

#include <sys/types.h>

#include "clock.h"

struct config;

#define WORKERCTL_BACKOFF_MIN_MS 1000
#define WORKERCTL_BACKOFF_MAX_MS 60000
#define WORKERCTL_STABLE_MS 60000	/* up this long resets the back-off */

/* How to start one worker. */
struct workerctl_args {
	int exe_fd;			/* this program (/proc/self/exe) */
	const struct config *cfg;	/* run_uid/run_gid, state_dir */
	int verbose;
	const char *env;	/* its one environment entry (test builds:
				 * KW_TEST_FORGE=...), or NULL: none */
};

/* A started worker: the parent's ends of its descriptors. */
struct workerctl_proc {
	pid_t pid;
	int req;	/* request socket (the worker asks, the parent answers) */
	int ctl;	/* control socket (config, status requests) */
	int ifd;	/* the inotify instance both share */
	int pidfd;	/* its pidfd, or -1 without pidfd_open (poll instead) */
};

/* Prepares state_dir/worker (the worker's root, owned by its account),
 * creates the sockets and inotify instance, forks, and in the child puts
 * them at MSG_REQ_FD, MSG_CTL_FD, MSG_INOTIFY_FD and re-executes a->exe_fd
 * as `knockwatch worker UID GID DIR PPID VERBOSE` with an environment of
 * a->env alone (none when NULL). Fills *w (the
 * caller owns its descriptors). 0, or -1 (logged, nothing left open). */
int workerctl_spawn(const struct workerctl_args *a, struct workerctl_proc *w);

/* A worker that started at started ended at now: returns when to start
 * the next, from *backoff (ms; WORKERCTL_BACKOFF_MIN_MS at first), which it
 * doubles up to the maximum; a worker that was up WORKERCTL_STABLE_MS
 * resets it first. */
kw_ms workerctl_backoff(kw_ms *backoff, kw_ms started, kw_ms now);

#endif
