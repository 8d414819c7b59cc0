/* worker.c — the process that reads hostile bytes. It starts as root only
 * to be confined (sandbox.c), then gets its config and every file from the
 * parent, and has one way to act on the world: a MSG_DOOR request, which
 * the parent checks before it runs anything. It never runs a command,
 * never writes outside its own directory, and exits with its parent. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "ev.h"
#include "hash.h"
#include "key.h"
#include "knock.h"
#include "knocklog.h"
#include "kwlimits.h"
#include "log.h"
#include "logwatch.h"
#include "msg.h"
#include "priv.h"
#include "sandbox.h"
#include "seq.h"
#include "source.h"
#include "state.h"

/* Relative to the worker's directory, its root once confined. */
#define WORKER_SPENT "spent"
#define WORKER_FORGE_MAX 64	/* test hook: forged messages at most */

struct worker {
	struct config *cfg;
	struct knock_table *knock;
	struct logwatch *lw;
	struct sources *src;
	char *forge;		/* test hook: forged requests, sent once */
	struct knocklog klog;	/* -v: the attempts' events */
};

static void
on_open(void *arg, const struct knock_open *ev)
{
	struct worker *w = arg;
	const struct config_door *d = &w->cfg->doors[ev->door];
	struct msg_door m;
	char err[512];

	/* Spend the step on disk before asking: a restart must still refuse
	 * a replay of these knocks. */
	if (d->is_hmac &&
	    knock_save_spent(w->knock, WORKER_SPENT, err, sizeof(err)) == -1)
		log_warnx("spent steps: %s (a replay after a restart could "
		    "open again)", err);
	memset(&m, 0, sizeof(m));
	m.event = MSG_EVENT_START;
	m.open_port = ev->open_port;
	m.step = ev->step;
	snprintf(m.door, sizeof(m.door), "%s", d->name);
	if (ev->user >= 0)
		snprintf(m.user, sizeof(m.user), "%s",
		    w->cfg->users[ev->user].name);
	addr_ntop(&ev->src, m.src, sizeof(m.src));
	snprintf(m.host, sizeof(m.host), "%s", ev->host != NULL ? ev->host : "");
	priv_door(&m);
}

static void
on_knock(void *arg, const struct parse_knock *k)
{
	struct worker *w = arg;

	knock_feed(w->knock, k, clock_now_ms(), clock_wall(), on_open, w);
}

static void
on_logwatch(void *arg, int fd, uint32_t events)
{
	struct worker *w = arg;

	(void)fd;
	(void)events;
	logwatch_handle(w->lw, clock_now_ms());
}

/* Swaps in cfg, carrying attempts, bans and counters; on failure nothing
 * of the old state is touched. */
static int
setup(struct worker *w, struct config *cfg, char *err, size_t errlen)
{
	struct knock_table *kt;
	struct sources *src;

	if ((kt = knock_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory for %u tracked sources",
		    cfg->max_tracked);
		return -1;
	}
	if (knock_load_spent(kt, WORKER_SPENT, err, errlen) == -1) {
		log_warnx("spent steps: %s: set aside", err);
		state_set_aside(WORKER_SPENT);
	}
	src = sources_open(cfg, w->lw, w->src, on_knock, w, clock_now_ms(),
	    err, errlen);
	if (src == NULL) {
		knock_free(kt);
		return -1;
	}
	if (w->knock != NULL)
		knock_carry(kt, w->knock);
	sources_close(w->src, src);
	knock_free(w->knock);
	config_free(w->cfg);
	w->src = src;
	w->knock = kt;
	w->cfg = cfg;
	w->klog.cfg = cfg;
	if (log_verbose() > 0)
		knock_set_events(kt, knocklog_event, &w->klog);
	return 0;
}

#ifdef KW_TEST_HOOKS
/* Any message, as a worker could send it; the parent gone ends it. */
static void
send_or_exit(uint32_t type, const void *p, size_t len)
{
	if (msg_send(MSG_REQ_FD, type, p, len, -1, 0) == -1)
		_exit(0);
}

/* The test hook (KW_TEST_FORGE, see tests/integration/t_privsep.sh): each
 * line is "door EVENT DOOR SRC USER PORT STEP" (- for empty) or "raw TYPE
 * HEX". The parent must refuse every one of them; this sends nothing a
 * confined worker could not send anyway. */
static void
forge_send(struct worker *w)
{
	char *save = NULL, *line;
	int n = 0;

	for (line = strtok_r(w->forge, "\n", &save); line != NULL &&
	    n < WORKER_FORGE_MAX; line = strtok_r(NULL, "\n", &save), n++) {
		char a[7][256];
		unsigned char raw[MSG_MAX];
		struct msg_door m;
		size_t len = 0;

		memset(a, 0, sizeof(a));
		if (sscanf(line, "door %255s %255s %255s %255s %255s %255s",
		    a[0], a[1], a[2], a[3], a[4], a[5]) == 6) {
			memset(&m, 0, sizeof(m));
			m.event = (uint32_t)strtoul(a[0], NULL, 0);
			memcpy(m.door, a[1], strnlen(a[1], sizeof(m.door)));
			memcpy(m.src, a[2], strnlen(a[2], sizeof(m.src)));
			if (strcmp(a[3], "-") != 0)
				memcpy(m.user, a[3], strnlen(a[3],
				    sizeof(m.user)));
			m.open_port = (uint16_t)strtoul(a[4], NULL, 0);
			m.step = strtoull(a[5], NULL, 0);
			send_or_exit(MSG_DOOR, &m, sizeof(m));
		} else if (sscanf(line, "raw %255s %255s", a[0], a[1]) >= 1) {
			for (const char *h = a[1]; h[0] && h[1] &&
			    len < sizeof(raw); h += 2)
				sscanf(h, "%2hhx", &raw[len++]);
			send_or_exit((uint32_t)strtoul(a[0], NULL, 0), raw,
			    len);
		}
	}
	free(w->forge);
	w->forge = NULL;
}

#else
/* Only the test build (-DKW_TEST_HOOKS: build/knockwatch-hooks) forges;
 * this one reads no such variable and sends nothing but its own. */
static void
forge_send(struct worker *w)
{
	(void)w;
}
#endif

/* One status line per attempt in progress (mode 2: the control socket's
 * status, which renders them as text or JSON). */
struct attempt_out {
	struct worker *w;
	kw_ms now;
};

static void
attempt_line(void *arg, const struct knock_attempt *a)
{
	struct attempt_out *o = arg;
	char line[512], text[ADDR_STRLEN];

	snprintf(line, sizeof(line), "attempt door %s src %s knocks %u "
	    "left_ms %lld host %s", o->w->cfg->doors[a->door].name,
	    addr_ntop(&a->src, text, sizeof(text)), a->stage,
	    a->deadline > o->now ? (long long)(a->deadline - o->now) : 0LL,
	    a->host[0] != '\0' ? a->host : "-");
	priv_report_line(line);
}

/* "penalty src S host H left_ms L" (H "-": no fleet host). */
static void
penalty_line(void *arg, const struct knock_penalty *p)
{
	struct attempt_out *o = arg;
	char line[512], text[ADDR_STRLEN];

	snprintf(line, sizeof(line), "penalty src %s host %s left_ms %lld",
	    addr_ntop(&p->src, text, sizeof(text)),
	    p->host[0] != '\0' ? p->host : "-",
	    p->until > o->now ? (long long)(p->until - o->now) : 0LL);
	priv_report_line(line);
}

static void
report(struct worker *w, int mode)
{
	int to_log = mode == 1;
	struct knock_stats ks;
	struct source_stats ss;
	struct logwatch_stats ls;
	char line[512];
	int i;

#define OUT() do { if (to_log) log_info("status: %s", line); else \
	priv_report_line(line); } while (0)
	knock_stats(w->knock, &ks);
	sources_stats(w->src, &ss);
	logwatch_stats(w->lw, &ls);
	snprintf(line, sizeof(line), "lines %llu knocks %llu ignored %llu "
	    "rejected %llu overlong %llu rotations %llu",
	    (unsigned long long)ss.lines, (unsigned long long)ss.knocks,
	    (unsigned long long)ss.ignored, (unsigned long long)ss.rejected,
	    (unsigned long long)(ls.overlong + ss.overlong),
	    (unsigned long long)ls.rotations);
	OUT();
	snprintf(line, sizeof(line), "tracked %u/%u advances %llu resets %llu "
	    "retransmits %llu repeats %llu expired %llu evictions %llu "
	    "opens %llu replays %llu denied %llu penalties %llu penalised %llu",
	    ks.tracked, ks.capacity, (unsigned long long)ks.advances,
	    (unsigned long long)ks.resets, (unsigned long long)ks.retransmits,
	    (unsigned long long)ks.repeats,
	    (unsigned long long)ks.expired, (unsigned long long)ks.evictions,
	    (unsigned long long)ks.opens, (unsigned long long)ks.replays,
	    (unsigned long long)ks.denied, (unsigned long long)ks.penalties,
	    (unsigned long long)ks.penalised);
	OUT();
	for (i = 0; i < w->cfg->ndoors; i++) {
		uint32_t st[KW_MAX_SEQ + 1];
		size_t n;

		unsigned busy = 0;

		knock_stages(w->knock, i, st, KW_MAX_SEQ + 1);
		n = (size_t)snprintf(line, sizeof(line), "in progress door %s:",
		    w->cfg->doors[i].name);
		for (unsigned s = 1; s <= KW_MAX_SEQ && n < sizeof(line); s++)
			if (st[s] > 0) {
				busy++;
				n += (size_t)snprintf(line + n, sizeof(line) - n,
				    " stage %u: %u", s, st[s]);
			}
		/* The log gets only doors with attempts: a thousand idle
		 * doors would pass the parent's log rate and drop lines. */
		if (busy > 0 || !to_log)
			OUT();
	}
#undef OUT
	if (mode == 2) {
		struct attempt_out o = { w, clock_now_ms() };
		uint32_t n;

		n = knock_attempts(w->knock, KW_REPORT_ATTEMPTS, attempt_line,
		    &o);
		snprintf(line, sizeof(line), "attempts %u listed %u", n,
		    n < KW_REPORT_ATTEMPTS ? n : KW_REPORT_ATTEMPTS);
		priv_report_line(line);
		n = knock_penalties(w->knock, o.now, KW_REPORT_PENALTIES,
		    penalty_line, &o);
		snprintf(line, sizeof(line), "penalties %u listed %u", n,
		    n < KW_REPORT_PENALTIES ? n : KW_REPORT_PENALTIES);
		priv_report_line(line);
	}
	if (!to_log)
		priv_report_end();
}

/* A config from the parent: its descriptor, parsed here; key files are
 * opened by the parent on request. Answers MSG_LOADED. restart: the
 * parent restarts a worker on the config the previous one ran; a user
 * whose key file has broken since is disabled (logged), not every door. */
static void
load(struct worker *w, const char *path, int fd, int restart)
{
	struct config_opts o = {
		.fd = fd,
		.no_keys = 0,
		.no_exec_check = 1,
		.open_key = priv_open_key,
		.arg = NULL,
		.skip_bad_keys = restart && w->cfg == NULL,
	};
	char err[1024 - sizeof(int32_t)];
	size_t errlen = sizeof(err);
	struct config *cfg;
	int ok = 0;

	err[0] = '\0';
	if ((cfg = config_load_opts(path, &o, err, errlen)) != NULL) {
		key_prune_disabled(cfg);
		if (setup(w, cfg, err, errlen) == 0)
			ok = 1;
		else
			config_free(cfg);
	}
	close(fd);
	priv_loaded(ok, err);
	if (!ok && w->cfg == NULL)
		exit(78);	/* nothing to run on */
	if (ok && w->forge != NULL)
		forge_send(w);
}

/* The parent refused the open of d (its door table was full): the step
 * this worker spent before asking is given back, so the user's next knock
 * of that step can open, and the file says so too. */
static void
unspend(struct worker *w, const char *buf)
{
	struct msg_door d;
	char err[512];

	memcpy(&d, buf, sizeof(d));
	d.door[sizeof(d.door) - 1] = d.user[sizeof(d.user) - 1] = '\0';
	d.host[sizeof(d.host) - 1] = '\0';
	if (knock_unspend(w->knock, d.door, d.user, d.host, d.step) == -1)
		return;
	log_info("door %s: the open for user %s was refused by the parent: "
	    "its step is not spent", d.door, d.user);
	if (knock_save_spent(w->knock, WORKER_SPENT, err, sizeof(err)) == -1)
		log_warnx("spent steps: %s", err);
}

static void
on_ctl(void *arg, int sock, uint32_t events)
{
	struct worker *w = arg;
	char buf[MSG_MAX + 1];
	uint32_t type, mode;
	ssize_t n;
	int fd;

	(void)events;
	while ((n = msg_recv(sock, &type, buf, &fd, MSG_DONTWAIT)) >= 0) {
		buf[n] = '\0';
		if ((type == MSG_CONFIG || type == MSG_CONFIG_RESTART) &&
		    fd != -1 && msg_str_ok(buf, (size_t)n, PATH_MAX))
			load(w, buf, fd, type == MSG_CONFIG_RESTART);
		else if (type == MSG_REPORT && n == sizeof(mode) &&
		    w->cfg != NULL && fd == -1) {
			memcpy(&mode, buf, sizeof(mode));
			report(w, mode <= 2 ? (int)mode : 0);
		} else if (type == MSG_PING && n == 0 && fd == -1)
			priv_pong();
		else if (type == MSG_DOOR_REFUSED &&
		    n == sizeof(struct msg_door) && w->cfg != NULL && fd == -1)
			unspend(w, buf);
		else
			fatalx("unexpected message %u from the parent", type);
	}
	if (errno == 0)
		exit(0);	/* the parent is gone (exit: leak checks run) */
	if (errno != EAGAIN)
		fatal("control socket");
}

static int
arg_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return s[0] != '\0' && *end == '\0' && errno == 0 && *out <= max ?
	    0 : -1;
}

static int
is_seqpacket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_SEQPACKET;
}

static char *
forge_read(void)
{
#ifdef KW_TEST_HOOKS
	const char *path = getenv("KW_TEST_FORGE");
	size_t len;

	return path != NULL ? state_read(path, &len) : NULL;
#else
	return NULL;
#endif
}

int
worker_main(int argc, char **argv)
{
	unsigned long uid, gid, ppid, verbose;
	struct hash_key warm;
	struct worker w;
	const char *note;
	char err[512];
	int fd;

	if (argc != 6 || arg_uint(argv[1], UINT_MAX, &uid) == -1 ||
	    arg_uint(argv[2], UINT_MAX, &gid) == -1 || argv[3][0] != '/' ||
	    arg_uint(argv[4], INT_MAX, &ppid) == -1 ||
	    arg_uint(argv[5], 9, &verbose) == -1 ||
	    !is_seqpacket(MSG_REQ_FD) || !is_seqpacket(MSG_CTL_FD)) {
		fprintf(stderr, "knockwatch: 'worker' is started by the "
		    "daemon itself, not by hand\n");
		return 64;
	}
	memset(&w, 0, sizeof(w));
	prctl(PR_SET_NAME, "kw-worker");
	/* A fixed threshold (glibc otherwise raises it to the size of the
	 * first large block freed): the attempt table of every reload is then
	 * a fresh mapping whose untouched pages cost nothing, and a freed one
	 * goes back to the system, so memory follows the attempts tracked,
	 * not the number of reloads (was 17 MiB idle after two reloads). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	log_init(0, (int)verbose);
	priv_remote(MSG_REQ_FD);
	log_set_sink(priv_log);
	signal(SIGPIPE, SIG_IGN);
	/* The parent handles these for the whole daemon. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	/* Everything it says goes through the parent from here on: no
	 * terminal and no journal stream of its own (sanitizer builds keep
	 * stderr for their reports). */
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(fd, 0) == -1 || dup2(fd, 1) == -1 ||
	    (!sandbox_sanitized() && dup2(fd, 2) == -1))
		fatal("/dev/null");
	if (fd > 2)
		close(fd);
	w.forge = forge_read();
	if (seq_init() != 0)
		fatalx("cannot initialise libgcrypt");
	if (ev_init() == -1)
		fatal("event loop");
	if ((w.lw = logwatch_new()) == NULL)
		fatalx("cannot use the shared inotify instance");
	close(MSG_INOTIFY_FD);
	if (sandbox_drop(argv[3], (uid_t)uid, (gid_t)gid, &note, err,
	    sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	/* Credentials changed, so the death signal must be set after: the
	 * worker never outlives the parent that checks its requests. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((unsigned long)getppid() != ppid)
		_exit(0);
	/* First uses that reach for the system, made while they may: glibc
	 * (sandbox_warm) and libgcrypt's nonce pool, which the tracking
	 * table's hash key draws from at every config load and which would
	 * otherwise be seeded under the filter (getrandom, or /dev/urandom,
	 * which the worker's root does not have). */
	sandbox_warm();
	hash_key_random(&warm);
	explicit_bzero(&warm, sizeof(warm));
	if (sandbox_seccomp(err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	if (note != NULL)
		log_warnx("worker: %s", note);
	if (sandbox_sanitized())
		log_warnx("worker: sanitizer build: no seccomp filter and no "
		    "chroot");
	if (ev_add(MSG_CTL_FD, EPOLLIN, on_ctl, &w) == -1 ||
	    ev_add(logwatch_fd(w.lw), EPOLLIN, on_logwatch, &w) == -1)
		fatal("event loop");
	for (;;) {
		kw_ms now = clock_now_ms(), next;

		if (w.cfg != NULL) {
			knock_expire(w.knock, now);
			if (logwatch_deadline(w.lw) <= now)
				logwatch_handle(w.lw, now);
			sources_tick(w.src, now);
		}
		next = KW_MS_NEVER;
		if (w.cfg != NULL) {
			next = knock_deadline(w.knock);
			if (logwatch_deadline(w.lw) < next)
				next = logwatch_deadline(w.lw);
			if (sources_deadline(w.src) < next)
				next = sources_deadline(w.src);
		}
		if (ev_wait(ev_timeout(next, now)) == -1)
			fatal("epoll_wait");
	}
}
