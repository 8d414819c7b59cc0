/* monitor.c — the root parent's half of privilege separation. The worker
 * is untrusted: every message it sends is checked against the parent's own
 * config before anything happens, and anything unexpected ends it (logged)
 * and starts a fresh one after a back-off. Open doors live here, in
 * door.c, so a dying worker never changes when a door closes. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "kwlimits.h"
#include "alive.h"
#include "answer.h"
#include "cmdsrc.h"
#include "ctl.h"
#include "door.h"
#include "ev.h"
#include "grant.h"
#include "held.h"
#include "knock.h"
#include "log.h"
#include "msg.h"
#include "priv.h"
#include "spawn.h"
#include "state.h"

#define MON_BACKOFF_MIN_MS 1000
#define MON_BACKOFF_MAX_MS 60000
#define MON_STABLE_MS 60000	/* a worker up this long resets the back-off */
#define MON_POLL_MS 100		/* exit polling when there is no pidfd */
#define MON_BUDGET 256		/* messages per wake-up */
#define MON_LOG_RATE 1000	/* worker log lines per second, then dropped */
/* The worker's status: counters, a line per door, the attempts listed
 * (mode 2) and their total. */
#define MON_REPORT_LINES (16 + KW_MAX_DOORS + KW_REPORT_ATTEMPTS + 1)

static struct {
	int exe_fd;
	char *path;
	int verbose;
	struct monitor_cb cb;
	const struct config *cur, *pending;
	int cur_fd, pending_fd;
	int awaiting;		/* a MSG_CONFIG is unanswered */
	pid_t pid;
	int pidfd, req, ctl, ifd;
	kw_ms started, restart_at, backoff;
	kw_ms poll_at;		/* no pidfd: next exit check, else NEVER */
	int stopping;
	int report_wanted, report_lines;
	char *rep;
	size_t replen;
	kw_ms log_second;
	unsigned log_count;
	unsigned long long log_dropped;
	char *forge;		/* test hook (KW_TEST_HOOKS builds), passed to
				 * the first worker only; else NULL */
	struct monitor_stats st;
} m = { .exe_fd = -1, .cur_fd = -1, .pending_fd = -1, .pidfd = -1,
	.req = -1, .ctl = -1, .ifd = -1, .restart_at = KW_MS_NEVER,
	.poll_at = KW_MS_NEVER };

int
monitor_init(const char *path, int verbose, const struct monitor_cb *cb)
{
#ifdef KW_TEST_HOOKS
	/* Test builds only: requests for the first worker to forge. */
	const char *forge = getenv("KW_TEST_FORGE");

	if (forge != NULL && (m.forge = strdup(forge)) == NULL)
		return -1;
#endif
	/* The running program, not whatever the path names after an
	 * upgrade: a restarted worker must speak this parent's protocol. */
	if ((m.exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((m.path = strdup(path)) == NULL ||
	    (m.rep = malloc(CTL_MAX_REPORT / 2)) == NULL)
		return -1;
	m.verbose = verbose;
	m.cb = *cb;
	m.backoff = MON_BACKOFF_MIN_MS;
	return 0;
}

void
monitor_set_config(const struct config *c, int fd)
{
	if (m.cur_fd != -1 && m.cur_fd != fd)
		close(m.cur_fd);
	m.cur = c;
	m.cur_fd = fd;
}

static void
kill_worker(void)
{
	if (m.pid > 0)
		kill(m.pid, SIGKILL);
}

/* The worker broke the protocol: it is ended, and a fresh one started.
 * Nothing more it sent is read, even what is queued already. */
void
monitor_refuse(const char *why)
{
	m.st.refused++;
	log_warnx("worker pid %d sent %s: refused, ending the worker",
	    (int)m.pid, why);
	kill_worker();
	ev_close(&m.req);
}

void
monitor_reply(int rc, int err, const struct stat *st, int fd)
{
	struct msg_reply r;

	memset(&r, 0, sizeof(r));
	r.rc = rc;
	r.err = rc == -1 ? err : 0;
	if (st != NULL && rc != -1) {
		r.st.dev = (uint64_t)st->st_dev;
		r.st.ino = (uint64_t)st->st_ino;
		r.st.size = (uint64_t)st->st_size;
		r.st.mode = (uint32_t)st->st_mode;
	}
	/* The worker is waiting for this, so there is room for it. */
	if (msg_send(m.req, MSG_REPLY, &r, sizeof(r), rc == -1 ? -1 : fd,
	    MSG_DONTWAIT) == -1)
		kill_worker();
	if (fd != -1)
		close(fd);
}

/* The configs a request may refer to: the running one, and during a
 * reload the one the worker is loading. */
const struct config *const *
monitor_cfgs(void)
{
	static const struct config *v[2];

	v[0] = m.cur;
	v[1] = m.pending;
	return v;
}

int
monitor_ifd(void)
{
	return m.ifd;
}

/* The answers: one per request of the worker, named after the call that
 * sends it (priv.c's priv_open_log is answered by answer_open_log; the
 * worker's own messages by answer_door, answer_log, ...); those that
 * open, watch, start or act are in answer.c, those about the worker's own
 * state (log lines, config answer, status lines) here. Each gets the
 * payload p (len bytes, NUL-terminated one past), the descriptor fd that
 * came with it (only where the table allows one; the answer closes it)
 * and now. Returns 0 when the request was handled (answered, or refused
 * with its own reason), -1 when it asks for something outside the parent's
 * configs (the dispatcher refuses it). */

/* Worker log lines: printable bytes only, and a bounded rate. */
static int
answer_log(char *p, size_t len, int fd, kw_ms now)
{
	int32_t pri;

	(void)fd;
	if (len < sizeof(pri) + 1 || p[len - 1] != '\0') {
		monitor_refuse("a malformed log message");
		return 0;
	}
	memcpy(&pri, p, sizeof(pri));
	if (pri < LOG_EMERG || pri > LOG_DEBUG) {
		monitor_refuse("a log message with a bad priority");
		return 0;
	}
	if (now / 1000 != m.log_second) {
		if (m.log_dropped > 0)
			log_warnx("worker: %llu log lines dropped (more than "
			    "%d a second)", m.log_dropped, MON_LOG_RATE);
		m.log_second = now / 1000;
		m.log_count = 0;
		m.log_dropped = 0;
	}
	if (++m.log_count > MON_LOG_RATE) {
		m.log_dropped++;
		return 0;
	}
	for (char *s = p + sizeof(pri); *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
	log_emit(pri < LOG_ERR ? LOG_ERR : pri, p + sizeof(pri));
	return 0;
}

static int
answer_loaded(char *p, size_t len, int fd, kw_ms now)
{
	int32_t ok;

	(void)fd;
	(void)now;
	if (len < sizeof(ok) + 1 || p[len - 1] != '\0') {
		monitor_refuse("an unexpected config answer");
		return 0;
	}
	m.awaiting = 0;
	memcpy(&ok, p, sizeof(ok));
	if (m.pending != NULL) {
		if (ok) {
			monitor_set_config(m.pending, m.pending_fd);
			held_prune(m.cur);
		} else
			close(m.pending_fd);
		m.pending = NULL;
		m.pending_fd = -1;
	}
	m.cb.loaded(m.cb.arg, ok != 0, p + sizeof(ok));
	return 0;
}

static int
answer_report_line(char *p, size_t len, int fd, kw_ms now)
{
	(void)fd;
	(void)now;
	if (len == 0 || p[len - 1] != '\0' ||
	    ++m.report_lines > MON_REPORT_LINES ||
	    m.replen + len + 1 > CTL_MAX_REPORT / 2) {
		monitor_refuse("an unexpected status line");
		return 0;
	}
	for (size_t i = 0; i + 1 < len; i++)
		m.rep[m.replen++] = (unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] >= 0x7f ? '?' : p[i];
	m.rep[m.replen++] = '\n';
	return 0;
}

static int
answer_report_end(char *p, size_t len, int fd, kw_ms now)
{
	(void)p;
	(void)fd;
	(void)now;
	if (len != 0)
		return -1;
	m.report_wanted = 0;
	m.cb.report(m.cb.arg, m.rep, m.replen);
	return 0;
}

/* Who may send a message on the request socket, and in which state. */
enum mon_from { MON_FROM_WORKER, MON_FROM_PARENT };
enum mon_when {
	MON_ALWAYS,
	MON_LOADING,		/* a MSG_CONFIG is unanswered (m.awaiting) */
	MON_REPORTING,		/* a MSG_REPORT for lines is (m.report_wanted) */
};

/* The seam, read from the parent's side: every message type once, with
 * who may send it, when, whether a descriptor may come with it, and the
 * answer (the worker's side is the call of the same name in priv.c, or,
 * for the messages that have no reply, worker.c). Anything else, or
 * anything out of turn, ends the worker. */
static const struct mon_request {
	uint32_t type;
	enum mon_from from;
	enum mon_when when;
	int takes_fd;
	const char *what;	/* for a refusal out of turn */
	int (*answer)(char *p, size_t len, int fd, kw_ms now);
} requests[] = {
	/* worker -> parent, one MSG_REPLY each (priv.c) */
	{ MSG_OPEN_LOG, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "log file request", answer_open_log },
	{ MSG_STAT, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "stat request", answer_stat },
	{ MSG_WATCH, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "watch request", answer_watch },
	{ MSG_WATCH_FD, MON_FROM_WORKER, MON_ALWAYS, 1,
	    "watch request", answer_watch_fd },
	{ MSG_KMSG, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "kmsg request", answer_kmsg },
	{ MSG_CMD_START, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "command start", answer_cmd_start },
	{ MSG_OPEN_KEY, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "key file request", answer_open_key },
	{ MSG_CMD_STOP, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "command stop", answer_cmd_stop },
	{ MSG_OPEN_ROTATED, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "rotated file request", answer_open_rotated },
	{ MSG_LOG_DONE, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "rotated file release", answer_log_done },
	/* worker -> parent, no reply (worker.c) */
	{ MSG_DOOR, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "door request", answer_door },
	{ MSG_LOG, MON_FROM_WORKER, MON_ALWAYS, 0,
	    "log line", answer_log },
	{ MSG_LOADED, MON_FROM_WORKER, MON_LOADING, 0,
	    "config answer", answer_loaded },
	{ MSG_REPORT_LINE, MON_FROM_WORKER, MON_REPORTING, 0,
	    "status line", answer_report_line },
	{ MSG_REPORT_END, MON_FROM_WORKER, MON_REPORTING, 0,
	    "end of status", answer_report_end },
	{ MSG_PONG, MON_FROM_WORKER, MON_ALWAYS, 0, "pong", answer_pong },
	/* parent -> worker: never accepted from it */
	{ MSG_REPLY, MON_FROM_PARENT, MON_ALWAYS, 0,
	    "reply", NULL },
	{ MSG_CONFIG, MON_FROM_PARENT, MON_ALWAYS, 0,
	    "config", NULL },
	{ MSG_CONFIG_RESTART, MON_FROM_PARENT, MON_ALWAYS, 0, "config", NULL },
	{ MSG_PING, MON_FROM_PARENT, MON_ALWAYS, 0, "ping", NULL },
	{ MSG_REPORT, MON_FROM_PARENT, MON_ALWAYS, 0,
	    "status request", NULL },
};

static int
in_state(enum mon_when when)
{
	switch (when) {
	case MON_LOADING:
		return m.awaiting;
	case MON_REPORTING:
		return m.report_wanted;
	case MON_ALWAYS:
		break;
	}
	return 1;
}

static void
dispatch(uint32_t type, char *p, size_t len, int fd, kw_ms now)
{
	const struct mon_request *r = NULL;
	char why[96];

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (requests[i].type == type)
			r = &requests[i];
	if (fd != -1 && (r == NULL || !r->takes_fd)) {
		close(fd);
		monitor_refuse("a descriptor it was not asked for");
		return;
	}
	if (r == NULL || r->from != MON_FROM_WORKER) {
		monitor_refuse(r == NULL ? "a message of unknown type" :
		    "a message only the parent sends");
		return;
	}
	if (!in_state(r->when)) {
		if (fd != -1)
			close(fd);
		snprintf(why, sizeof(why), "an unexpected %s", r->what);
		monitor_refuse(why);
		return;
	}
	if (r->answer(p, len, fd, now) == 0)
		return;
	snprintf(why, sizeof(why), "a request (type %u) outside its config",
	    type);
	monitor_refuse(why);
}

static void
on_req(void *arg, int sock, uint32_t events)
{
	char buf[MSG_MAX + 1];
	uint32_t type;
	ssize_t n;
	int fd;

	(void)arg;
	(void)events;
	for (int budget = MON_BUDGET; budget > 0 && m.req == sock &&
	    m.pid > 0; budget--) {
		n = msg_recv(sock, &type, buf, &fd, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EBADMSG)
				monitor_refuse("a malformed message");
			else if (errno != EAGAIN && m.req != -1) {
				/* Closed: the pidfd tells us it ended. */
				ev_del(m.req);
			}
			return;
		}
		buf[n] = '\0';
		dispatch(type, buf, (size_t)n, fd, clock_now_ms());
	}
}

static void
reaped(int status, kw_ms now)
{
	int first = m.st.starts == 1 && m.awaiting;
	char how[96], why[192];

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d%s",
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (a system call the seccomp filter refuses)" : "");
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(status));
	if (WIFSIGNALED(status) || !m.stopping || WEXITSTATUS(status) != 0)
		log_warnx("worker pid %d %s", (int)m.pid, how);
	snprintf(why, sizeof(why), "the worker (pid %d) %s before it %s",
	    (int)m.pid, how, m.pending != NULL ? "confirmed the new config" :
	    "loaded the config");
	m.pid = 0;
	m.poll_at = KW_MS_NEVER;
	/* Before anything can change the logs it was reading. */
	held_mark();
	ev_close(&m.pidfd);
	ev_close(&m.req);
	ev_close(&m.ctl);
	ev_close(&m.ifd);
	for (uint32_t i = 0; i < KW_MAX_SOURCES; i++)
		cmdsrc_stop(i);
	if (m.report_wanted) {
		m.report_wanted = 0;
		m.cb.report(m.cb.arg, NULL, 0);
	}
	if (m.awaiting) {
		m.awaiting = 0;
		if (m.pending != NULL) {
			/* A reload is done only when a worker has loaded it:
			 * the new config may be what ended this one, so the
			 * next worker runs the one that ran before. */
			close(m.pending_fd);
			m.pending = NULL;
			m.pending_fd = -1;
			m.cb.loaded(m.cb.arg, 0, why);
		} else if (first) {
			/* Nothing ever ran: the daemon gives up (exit 78). */
			m.cb.loaded(m.cb.arg, 0, why);
			return;
		}
	}
	if (m.stopping) {
		/* A worker that fails its own exit (a leak check in a
		 * sanitizer build) makes the daemon's exit fail too. */
		m.st.exit_failed = !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0;
		return;
	}
	m.st.crashes++;
	if (now - m.started >= MON_STABLE_MS)
		m.backoff = MON_BACKOFF_MIN_MS;
	m.restart_at = now + m.backoff;
	log_warnx("restarting the worker in %lld ms; open doors keep their "
	    "deadlines", (long long)m.backoff);
	m.backoff = m.backoff * 2 > MON_BACKOFF_MAX_MS ? MON_BACKOFF_MAX_MS :
	    m.backoff * 2;
}

static void
on_exit_fd(void *arg, int fd, uint32_t events)
{
	int status;

	(void)arg;
	(void)fd;
	(void)events;
	if (waitpid(m.pid, &status, WNOHANG) == m.pid)
		reaped(status, clock_now_ms());
}

static int
send_config(int fd)
{
	const char *path = m.cur != NULL ? m.cur->path : m.path;
	/* A restart (not a first start or reload) disables a bad key's user. */
	uint32_t type = m.st.starts > 1 && m.pending == NULL &&
	    fd == m.cur_fd ? MSG_CONFIG_RESTART : MSG_CONFIG;

	/* Never block on the worker: it may be waiting for us. */
	if (msg_send(m.ctl, type, path, strlen(path) + 1, fd,
	    MSG_DONTWAIT) == -1)
		return -1;
	m.awaiting = 1;
	return 0;
}

/* state_dir/worker: the worker's root and the only place it writes. No
 * owner or mode is changed through a link: by descriptor, or with
 * AT_SYMLINK_NOFOLLOW. */
static int
worker_dir(char *dir, size_t len)
{
	char old[PATH_MAX + 8];
	const struct config *c = m.cur;
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
monitor_start(kw_ms now)
{
	char dir[PATH_MAX], uid[16], gid[16], ppid[16], verbose[16];
	char forge[PATH_MAX + 16];
	int req[2] = { -1, -1 }, ctl[2] = { -1, -1 };
	pid_t pid;

	m.restart_at = KW_MS_NEVER;
	if (worker_dir(dir, sizeof(dir)) == -1) {
		log_warn("worker directory %s", dir);
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, req) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) == -1 ||
	    (m.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("worker sockets");
		goto fail;
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)m.cur->run_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)m.cur->run_gid);
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	snprintf(verbose, sizeof(verbose), "%d", m.verbose > 9 ? 9 : m.verbose);
#ifdef KW_TEST_HOOKS
	snprintf(forge, sizeof(forge), "KW_TEST_FORGE=%s",
	    m.forge != NULL ? m.forge : "");
#else
	forge[0] = '\0';	/* never passed: m.forge stays NULL */
#endif
	if ((pid = fork()) == -1) {
		log_warn("fork");
		goto fail;
	}
	if (pid == 0) {
		char *argv[] = { "knockwatch", "worker", uid, gid, dir, ppid,
		    verbose, NULL };
		char *envp[] = { forge, NULL };
		sigset_t none;
		int hi[4];

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		/* Out of the way of 3..6 first, then into place. */
		hi[0] = fcntl(req[1], F_DUPFD, 16);
		hi[1] = fcntl(ctl[1], F_DUPFD, 16);
		hi[2] = fcntl(m.ifd, F_DUPFD, 16);
		hi[3] = fcntl(m.exe_fd, F_DUPFD, 16);
		if (hi[0] == -1 || hi[1] == -1 || hi[2] == -1 || hi[3] == -1 ||
		    dup2(hi[0], MSG_REQ_FD) == -1 ||
		    dup2(hi[1], MSG_CTL_FD) == -1 ||
		    dup2(hi[2], MSG_INOTIFY_FD) == -1 || dup2(hi[3], 6) == -1)
			_exit(127);
		fcntl(6, F_SETFD, FD_CLOEXEC);
		close_range(7, ~0U, 0);
		if (m.forge == NULL)
			envp[0] = NULL;
		fexecve(6, argv, envp);
		dprintf(2, "knockwatch: cannot start the worker: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(req[1]);
	close(ctl[1]);
	m.pid = pid;
	m.req = req[0];
	m.ctl = ctl[0];
	m.started = now;
	alive_start(pid, now);
	m.st.since = time(NULL);
	m.st.starts++;
	free(m.forge);		/* the test hook fires once */
	m.forge = NULL;
	/* Without pidfd_open (old kernels, valgrind) the exit is polled. */
	m.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (m.pidfd != -1 && ev_add(m.pidfd, EPOLLIN, on_exit_fd, NULL) == -1)
		ev_close(&m.pidfd);
	m.poll_at = m.pidfd == -1 ? now + MON_POLL_MS : KW_MS_NEVER;
	/* A reload that came while no worker ran is this worker's to
	 * confirm (or to die on, and the next runs the previous config). */
	if (ev_add(m.req, EPOLLIN, on_req, NULL) == -1 || send_config(
	    m.pending != NULL ? m.pending_fd : m.cur_fd) == -1) {
		int status;

		log_warn("worker pid %d", (int)pid);
		kill_worker();
		waitpid(pid, &status, 0);
		reaped(status, now);
		return -1;
	}
	log_debug("worker pid %d started as uid %s", (int)pid, uid);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (req[i] != -1)
			close(req[i]);
		if (ctl[i] != -1)
			close(ctl[i]);
	}
	ev_close(&m.ifd);
	m.restart_at = now + m.backoff;
	return -1;
}

int
monitor_reload(const struct config *pending, int fd)
{
	if (m.pid <= 0 || m.awaiting || m.pending != NULL) {
		if (m.pid <= 0 && m.pending == NULL && !m.stopping) {
			/* No worker to confirm it now: the next one starts
			 * on it, and the loaded callback comes from there. */
			m.pending = pending;
			m.pending_fd = fd;
			return 0;
		}
		close(fd);
		m.cb.loaded(m.cb.arg, 0, "the worker is still loading the "
		    "previous config");
		return -1;
	}
	m.pending = pending;
	m.pending_fd = fd;
	if (send_config(fd) == -1) {
		m.pending = NULL;
		m.pending_fd = -1;
		close(fd);
		m.cb.loaded(m.cb.arg, 0, "cannot reach the worker");
		return -1;
	}
	log_debug("new config sent to worker pid %d", (int)m.pid);
	return 0;
}

int
monitor_busy(void)
{
	return m.pid > 0 && m.awaiting;
}

void
monitor_ask_report(int mode_in)
{
	/* 1: to the log; 0, 2 (with the attempts): to the callback. */
	uint32_t mode = mode_in == 1 || mode_in == 2 ? (uint32_t)mode_in : 0;
	int to_log = mode == 1;

	if (m.pid <= 0 || m.awaiting || (!to_log && m.report_wanted)) {
		if (!to_log && !m.report_wanted)
			m.cb.report(m.cb.arg, NULL, 0);
		return;
	}
	if (msg_send(m.ctl, MSG_REPORT, &mode, sizeof(mode), -1,
	    MSG_DONTWAIT) == -1) {
		if (!to_log)
			m.cb.report(m.cb.arg, NULL, 0);
		return;
	}
	if (!to_log) {
		m.report_wanted = 1;
		m.report_lines = 0;
		m.replen = 0;
	}
}

kw_ms
monitor_deadline(void)
{
	kw_ms next = m.pid > 0 ? m.poll_at :
	    m.stopping ? KW_MS_NEVER : m.restart_at;

	if (m.pid > 0 && alive_deadline() < next)
		next = alive_deadline();
	return cmdsrc_deadline() < next ? cmdsrc_deadline() : next;
}

void
monitor_tick(kw_ms now)
{
	int status;

	cmdsrc_tick(now);
	if (m.pid > 0 && (alive_tick(m.ctl, now) || m.poll_at <= now)) {
		m.poll_at = now + MON_POLL_MS;
		if (waitpid(m.pid, &status, WNOHANG) == m.pid)
			reaped(status, now);
	}
	if (m.pid <= 0 && !m.stopping && m.restart_at <= now)
		monitor_start(now);
}

void
monitor_stop(void)
{
	int status;

	m.stopping = 1;
	if (m.pid > 0) {
		/* EOF on its sockets ends it cleanly (sanitizer builds check
		 * for leaks at exit); KILL if it does not go within 2 s. */
		ev_close(&m.ctl);
		ev_close(&m.req);
		for (int i = 0; i < 200; i++) {
			if (waitpid(m.pid, &status, WNOHANG) == m.pid)
				break;
			if (i == 199) {
				kill_worker();
				waitpid(m.pid, &status, 0);
			} else
				usleep(10000);
		}
		reaped(status, clock_now_ms());
	}
	held_free();
	if (m.pending_fd != -1)
		close(m.pending_fd);	/* a reload no worker took */
	m.pending = NULL;
	m.pending_fd = -1;
	if (m.cur_fd != -1)
		close(m.cur_fd);
	m.cur_fd = -1;
	if (m.exe_fd != -1)
		close(m.exe_fd);
	m.exe_fd = -1;
	free(m.path);
	free(m.rep);
	free(m.forge);
	m.path = m.rep = m.forge = NULL;
}

void
monitor_stats(struct monitor_stats *st)
{
	*st = m.st;
	st->pid = (int)m.pid;
	if (m.pid <= 0)
		st->since = 0;
}
