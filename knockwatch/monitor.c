/* monitor.c — the root parent's half of privilege separation. The worker
 * is untrusted: every message it sends is checked against the parent's own
 * config before anything happens, and anything unexpected ends it (logged)
 * and starts a fresh one after a back-off (the fork and exec themselves
 * are workerctl.c's). Open doors live here, in door.c, so a dying worker
 * never changes when a door closes. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
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
#include "held.h"
#include "knock.h"
#include "log.h"
#include "msg.h"
#include "workerctl.h"

#define MON_POLL_MS 100		/* exit polling when there is no pidfd */
#define MON_BUDGET 256		/* messages per wake-up */
#define MON_LOG_RATE 1000	/* worker log lines per second, then dropped */
/* The worker's status: counters, a line per door, the attempts listed
 * (mode 2) and their total. */
#define MON_REPORT_LINES (16 + KW_MAX_DOORS + KW_REPORT_ATTEMPTS + 1 + \
	KW_REPORT_PENALTIES + 1)

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
	m.backoff = WORKERCTL_BACKOFF_MIN_MS;
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
 * Nothing more it sent is read, even what is queued already. Answers
 * reach it as answer_ctx.refuse. */
static void
refuse(const char *why)
{
	m.st.refused++;
	log_warnx("worker pid %d sent %s: refused, ending the worker",
	    (int)m.pid, why);
	kill_worker();
	ev_close(&m.req);
}

/* The reply to the request being answered (answer_ctx.reply). */
static void
reply(int rc, int err, const struct stat *st, int fd)
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

/* An HMAC open door_open refused (answer_ctx.door_refused): the worker
 * gives its step back. On the control socket, without waiting: a worker
 * too busy to take it keeps the step spent (the safe side). */
static void
door_refused(const struct msg_door *d)
{
	if (m.ctl != -1)
		(void)msg_send(m.ctl, MSG_DOOR_REFUSED, d, sizeof(*d), -1,
		    MSG_DONTWAIT);
}

/* The answers: one per request of the worker, named after the call that
 * sends it (priv.c's priv_open_log is answered by answer_open_log; the
 * worker's own messages by answer_door, answer_log, ...); those that
 * open, watch, start or act are in answer.c, those about the worker's own
 * state (log lines, config answer, status lines) here. All have
 * answer.h's contract (context, payload, descriptor, now; 0 handled, -1
 * outside the configs); these four keep monitor.c's own state, so they
 * read m instead of the context. */

/* Worker log lines: printable bytes only, and a bounded rate. */
static int
answer_log(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	int32_t pri;

	(void)ax;
	(void)fd;
	if (len < sizeof(pri) + 1 || p[len - 1] != '\0') {
		refuse("a malformed log message");
		return 0;
	}
	memcpy(&pri, p, sizeof(pri));
	if (pri < LOG_EMERG || pri > LOG_DEBUG) {
		refuse("a log message with a bad priority");
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
answer_loaded(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	int32_t ok;

	(void)ax;
	(void)fd;
	(void)now;
	if (len < sizeof(ok) + 1 || p[len - 1] != '\0') {
		refuse("an unexpected config answer");
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
answer_report_line(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	(void)ax;
	(void)fd;
	(void)now;
	if (len == 0 || p[len - 1] != '\0' ||
	    ++m.report_lines > MON_REPORT_LINES ||
	    m.replen + len + 1 > CTL_MAX_REPORT / 2) {
		refuse("an unexpected status line");
		return 0;
	}
	for (size_t i = 0; i + 1 < len; i++)
		m.rep[m.replen++] = (unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] >= 0x7f ? '?' : p[i];
	m.rep[m.replen++] = '\n';
	return 0;
}

static int
answer_report_end(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	(void)ax;
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
 * anything out of turn, ends the worker.
 *
 * To add a request: its MSG_ type (msg.h), the worker's call priv_X
 * (priv.c), the parent's answer_X with answer.h's signature (answer.c,
 * using only its struct answer_ctx, never monitor.c), and one row here.
 * The dispatcher fills the context; answers never call back. */
static const struct mon_request {
	uint32_t type;
	enum mon_from from;
	enum mon_when when;
	int takes_fd;
	const char *what;	/* for a refusal out of turn */
	int (*answer)(const struct answer_ctx *ax, char *p, size_t len,
	    int fd, kw_ms now);
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
	{ MSG_DOOR_REFUSED, MON_FROM_PARENT, MON_ALWAYS, 0,
	    "door refusal", NULL },
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
	struct answer_ctx ax;
	char why[96];

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (requests[i].type == type)
			r = &requests[i];
	if (fd != -1 && (r == NULL || !r->takes_fd)) {
		close(fd);
		refuse("a descriptor it was not asked for");
		return;
	}
	if (r == NULL || r->from != MON_FROM_WORKER) {
		refuse(r == NULL ? "a message of unknown type" :
		    "a message only the parent sends");
		return;
	}
	if (!in_state(r->when)) {
		if (fd != -1)
			close(fd);
		snprintf(why, sizeof(why), "an unexpected %s", r->what);
		refuse(why);
		return;
	}
	ax.cfgs[0] = m.cur;
	ax.cfgs[1] = m.pending;
	ax.ifd = m.ifd;
	ax.wall = clock_wall();
	ax.reply = reply;
	ax.refuse = refuse;
	ax.door_refused = door_refused;
	if (r->answer(&ax, p, len, fd, now) == 0)
		return;
	snprintf(why, sizeof(why), "a request (type %u) outside its config",
	    type);
	refuse(why);
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
				refuse("a malformed message");
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
	m.restart_at = workerctl_backoff(&m.backoff, m.started, now);
	log_warnx("restarting the worker in %lld ms; open doors keep their "
	    "deadlines", (long long)(m.restart_at - now));
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

int
monitor_start(kw_ms now)
{
	struct workerctl_args a = { .exe_fd = m.exe_fd, .cfg = m.cur,
	    .verbose = m.verbose, .env = NULL };
	struct workerctl_proc w;
#ifdef KW_TEST_HOOKS
	char forge[PATH_MAX + 16];

	if (m.forge != NULL) {
		snprintf(forge, sizeof(forge), "KW_TEST_FORGE=%s", m.forge);
		a.env = forge;
	}
#endif
	m.restart_at = KW_MS_NEVER;
	if (workerctl_spawn(&a, &w) == -1) {
		m.restart_at = now + m.backoff;
		return -1;
	}
	m.pid = w.pid;
	m.req = w.req;
	m.ctl = w.ctl;
	m.ifd = w.ifd;
	m.pidfd = w.pidfd;
	m.started = now;
	alive_start(m.pid, now);
	m.st.since = time(NULL);
	m.st.starts++;
	free(m.forge);		/* the test hook fires once */
	m.forge = NULL;
	if (m.pidfd != -1 && ev_add(m.pidfd, EPOLLIN, on_exit_fd, NULL) == -1)
		ev_close(&m.pidfd);
	m.poll_at = m.pidfd == -1 ? now + MON_POLL_MS : KW_MS_NEVER;
	/* A reload that came while no worker ran is this worker's to
	 * confirm (or to die on, and the next runs the previous config). */
	if (ev_add(m.req, EPOLLIN, on_req, NULL) == -1 || send_config(
	    m.pending != NULL ? m.pending_fd : m.cur_fd) == -1) {
		int status;

		log_warn("worker pid %d", (int)w.pid);
		kill_worker();
		waitpid(w.pid, &status, 0);
		reaped(status, now);
		return -1;
	}
	return 0;
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
