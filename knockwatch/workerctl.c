/* workerctl.c — starts the worker process: its directory, its sockets
 * and inotify instance, the fork and the re-exec of this program as
 * `knockwatch worker ...` with those descriptors in place, and the
 * back-off between restarts. Keeps no state and reads no request: when to
 * start or restart is monitor.c's. */
#include "workerctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "msg.h"
#include "state.h"

/* state_dir/worker: the worker's root and the only place it writes. No
 * owner or mode is changed through a link: by descriptor, or with
 * AT_SYMLINK_NOFOLLOW. */
static int
worker_dir(const struct config *c, char *dir, size_t len)
{
	char old[PATH_MAX + 8];
	struct stat st;
	int dfd = -1, ofd = -1, rc = -1;

	if (state_mkdir(c->state_dir) == -1)
		return -1;
	snprintf(dir, len, "%s/worker", c->state_dir);
	if (state_mkdir(dir) == -1)
		return -1;
	/* Mode 0711, owned by the worker's account. Root takes it back
	 * first: it may lack CAP_FOWNER and CAP_DAC_OVERRIDE (the systemd
	 * unit's bounding set), and the worker enters it as root before it
	 * drops. Only root writes state_dir (loop_check_dirs), so the name
	 * stays this dir. */
	if (geteuid() == 0 &&
	    fchownat(AT_FDCWD, dir, 0, 0, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fchmod(dfd, 0711) == -1)
		goto out;
	if (geteuid() == 0 && fchown(dfd, c->run_uid, c->run_gid) == -1)
		goto out;
	rc = 0;
	/* Spent steps of a knockwatch before privilege separation: only a
	 * regular file of ours, opened without following a link, is given
	 * to the worker, and only when the worker has none. */
	snprintf(old, sizeof(old), "%s/spent", c->state_dir);
	if (fstatat(dfd, "spent", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		goto out;
	if ((ofd = open(old, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warnx("%s: not a regular file of ours, left alone",
			    old);
		goto out;
	}
	if (fstat(ofd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_nlink != 1) {
		log_warnx("%s: not a regular file of ours, left alone", old);
		goto out;
	}
	if ((geteuid() == 0 && fchown(ofd, c->run_uid, c->run_gid) == -1) ||
	    renameat(AT_FDCWD, old, dfd, "spent") == -1)
		log_warn("%s", old);
out:
	if (ofd != -1)
		close(ofd);
	close(dfd);
	return rc;
}

int
workerctl_spawn(const struct workerctl_args *a, struct workerctl_proc *w)
{
	const struct config *c = a->cfg;
	char dir[PATH_MAX], uid[16], gid[16], ppid[16], verbose[16];
	int req[2] = { -1, -1 }, ctl[2] = { -1, -1 };
	pid_t pid;

	w->pid = 0;
	w->req = w->ctl = w->ifd = w->pidfd = -1;
	if (worker_dir(c, dir, sizeof(dir)) == -1) {
		log_warn("worker directory %s", dir);
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, req) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) == -1 ||
	    (w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("worker sockets");
		goto fail;
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)c->run_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)c->run_gid);
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	snprintf(verbose, sizeof(verbose), "%d", a->verbose > 9 ? 9 :
	    a->verbose);
	if ((pid = fork()) == -1) {
		log_warn("fork");
		goto fail;
	}
	if (pid == 0) {
		char *argv[] = { "knockwatch", "worker", uid, gid, dir, ppid,
		    verbose, NULL };
		char *envp[] = { (char *)a->env, NULL };
		sigset_t none;
		int hi[4];

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		/* Out of the way of 3..6 first, then into place. */
		hi[0] = fcntl(req[1], F_DUPFD, 16);
		hi[1] = fcntl(ctl[1], F_DUPFD, 16);
		hi[2] = fcntl(w->ifd, F_DUPFD, 16);
		hi[3] = fcntl(a->exe_fd, F_DUPFD, 16);
		if (hi[0] == -1 || hi[1] == -1 || hi[2] == -1 || hi[3] == -1 ||
		    dup2(hi[0], MSG_REQ_FD) == -1 ||
		    dup2(hi[1], MSG_CTL_FD) == -1 ||
		    dup2(hi[2], MSG_INOTIFY_FD) == -1 || dup2(hi[3], 6) == -1)
			_exit(127);
		fcntl(6, F_SETFD, FD_CLOEXEC);
		close_range(7, ~0U, 0);
		fexecve(6, argv, envp);
		dprintf(2, "knockwatch: cannot start the worker: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(req[1]);
	close(ctl[1]);
	w->pid = pid;
	w->req = req[0];
	w->ctl = ctl[0];
	/* Without pidfd_open (old kernels, valgrind) the exit is polled. */
	w->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	log_debug("worker pid %d started as uid %s", (int)pid, uid);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (req[i] != -1)
			close(req[i]);
		if (ctl[i] != -1)
			close(ctl[i]);
	}
	if (w->ifd != -1)
		close(w->ifd);
	w->ifd = -1;
	return -1;
}

kw_ms
workerctl_backoff(kw_ms *backoff, kw_ms started, kw_ms now)
{
	kw_ms at;

	if (now - started >= WORKERCTL_STABLE_MS)
		*backoff = WORKERCTL_BACKOFF_MIN_MS;
	at = now + *backoff;
	*backoff = *backoff * 2 > WORKERCTL_BACKOFF_MAX_MS ?
	    WORKERCTL_BACKOFF_MAX_MS : *backoff * 2;
	return at;
}
