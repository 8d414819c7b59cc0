/* loop.c — the privileged parent's event loop: the only place that blocks.
 * One epoll set (signalfd, the worker's socket and pidfd, one pidfd and
 * pipe per running action, the status socket) and one timeout, the
 * earliest of every module's deadline. The parent reads no log: the worker
 * does (monitor.c). HUP parses the new config and swaps only once the
 * worker took it too; TERM and INT close every open door before exiting. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "control.h"
#include "ctl.h"
#include "door.h"
#include "ev.h"
#include "knock.h"
#include "log.h"
#include "monitor.h"
#include "state.h"

#define LOOP_SHUTDOWN_GRACE_S 5

struct daemon {
	const char *path;
	char abspath[PATH_MAX];	/* path resolved at start: `reload` checks it */
	struct config *cfg;
	struct config *pending;	/* reload the worker has not answered */
	int reload_again;	/* a HUP came while one was pending */
	int sigfd;
	int started;		/* the worker took the first config */
	int quit;
	int rc;
	int stopping;
	kw_ms stop_deadline;
	uint64_t reloads, reload_failures;
	uint64_t reloads_started;	/* read the file: control.c's seq */
	int lockfd;		/* state_dir/lock, held for the daemon's life */
};

void
loop_block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

/* A sealed in-memory copy of the regular file fd (which it closes), with
 * its mode, at most one byte over CONFIG_MAX_FILE (the loader says it is
 * too big), or fd itself when it is not a regular file (the loader says
 * so). */
static int
snapshot(int fd)
{
	char buf[65536];
	struct stat st;
	size_t total = 0;
	ssize_t r;
	int mfd;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return fd;
	if ((mfd = memfd_create("knockwatch-config", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		goto fail;
	while (total <= CONFIG_MAX_FILE && (r = read(fd, buf, sizeof(buf)))
	    != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		total += (size_t)r;
		for (ssize_t off = 0, w; off < r; off += w)
			if ((w = write(mfd, buf + off, (size_t)(r - off))) == -1)
				goto fail;
	}
	/* The copy keeps the file's mode: the loader refuses inline keys in
	 * a config that group or others can read. */
	if (fchmod(mfd, st.st_mode & 07777) == -1 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		goto fail;
	close(fd);
	return mfd;
fail:
	if (mfd != -1)
		close(mfd);
	close(fd);
	return -1;
}

struct config *
loop_load(const char *path, int *fd, char *err, size_t errlen)
{
	struct config_opts o = { .fd = -1, .no_keys = 1 };
	struct config *c;

	/* Every worker parses the very bytes the parent checked, also one
	 * restarted after the file was edited in place (cat > file). */
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK))
	    == -1 || (*fd = snapshot(*fd)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	o.fd = *fd;
	if ((c = config_load_opts(path, &o, err, errlen)) == NULL) {
		close(*fd);
		*fd = -1;
	}
	return c;
}

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	log_info("status: %s", line);
}

/* The parent's part of the report behind SIGUSR1 and `knockwatch status`:
 * doors, actions, reloads and the worker; the worker adds its counters and
 * the attempts in progress. */
static void
report(void *self, void (*out)(void *, const char *), void *arg)
{
	struct daemon *d = self;
	struct door_stats ds;
	struct action_stats as;
	struct monitor_stats ms;
	char line[512];

	door_stats(&ds);
	action_stats(&as);
	monitor_stats(&ms);
	snprintf(line, sizeof(line), "doors open %u opened %llu extended %llu "
	    "closed %llu stop_failures %llu refused %llu start_failures %llu "
	    "stop_unusable %llu",
	    ds.open, (unsigned long long)ds.opened,
	    (unsigned long long)ds.extended, (unsigned long long)ds.closed,
	    (unsigned long long)ds.stop_failures,
	    (unsigned long long)ds.refused,
	    (unsigned long long)ds.start_failures,
	    (unsigned long long)ds.stop_unusable);
	out(arg, line);
	snprintf(line, sizeof(line), "actions running %u queued %u started "
	    "%llu failed %llu timeouts %llu refused %llu queued_total %llu",
	    as.running, as.queued, (unsigned long long)as.started,
	    (unsigned long long)as.failed, (unsigned long long)as.timeouts,
	    (unsigned long long)as.refused,
	    (unsigned long long)as.queued_total);
	out(arg, line);
	snprintf(line, sizeof(line), "reloads %llu reload_failures %llu",
	    (unsigned long long)d->reloads,
	    (unsigned long long)d->reload_failures);
	out(arg, line);
	/* The worker's counters (lines to penalised, above) are its own: they
	 * start from zero with each new worker, so say since when. */
	if (ms.since != 0) {
		struct tm tm;
		char when[32] = "?";

		if (gmtime_r(&ms.since, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when),
		    " up %lld", (long long)(time(NULL) - ms.since));
		snprintf(line, sizeof(line), "worker pid %d user %s starts "
		    "%llu restarts %llu refused_requests %llu since %s s "
		    "(its counters count from then)", ms.pid,
		    d->cfg->run_user, ms.starts, ms.crashes, ms.refused, when);
	} else
		snprintf(line, sizeof(line), "worker pid %d user %s starts "
		    "%llu restarts %llu refused_requests %llu (none runs: no "
		    "worker counters)", ms.pid, d->cfg->run_user, ms.starts,
		    ms.crashes, ms.refused);
	out(arg, line);
	door_dump(out, arg, clock_now_ms());
}

static void
on_report(void *arg, const char *part, size_t len)
{
	(void)arg;
	control_worker_part(part, len);
}

static void reload(struct daemon *d);
static void loaded(struct daemon *d, int ok, const char *err);
static void reload_failed(struct daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A reload failed: counted, logged, and said to `knockwatch reload`. */
static void
reload_failed(struct daemon *d, const char *fmt, ...)
{
	char msg[1280];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->reload_failures++;
	log_warnx("reload failed, keeping the running config: %s", msg);
	snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (the "
	    "running config is kept)");
	control_reloaded(d->reloads_started, 0, msg);
}

static void
on_loaded(void *arg, int ok, const char *err)
{
	struct daemon *d = arg;

	loaded(d, ok, err);
	if (d->pending == NULL && d->reload_again && !d->stopping) {
		d->reload_again = 0;
		reload(d);
	}
}

static void
loaded(struct daemon *d, int ok, const char *err)
{
	if (!d->started) {
		if (!ok) {
			log_warnx("%s", err);
			d->quit = 1;
			d->rc = 78;
			return;
		}
		d->started = 1;
		log_info("started: %d doors, %d sources, up to %u tracked "
		    "sources (%zu bytes each), worker as %s",
		    d->cfg->ndoors, d->cfg->nsources, d->cfg->max_tracked,
		    knock_bytes_per_attempt(), d->cfg->run_user);
		return;
	}
	if (d->pending == NULL) {
		if (!ok)
			log_warnx("worker cannot load the config: %s", err);
		return;
	}
	if (!ok) {
		config_free(d->pending);
		d->pending = NULL;
		reload_failed(d, "%s", err);
		return;
	}
	config_free(d->cfg);
	d->cfg = d->pending;
	d->pending = NULL;
	action_set_limits(d->cfg->max_actions, ACTION_MAX_QUEUE);
	d->reloads++;
	log_info("reloaded: %d doors, %d sources", d->cfg->ndoors,
	    d->cfg->nsources);
	{
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "reloaded %s: %d doors, %d sources "
		    "(the worker confirmed it)", d->path, d->cfg->ndoors,
		    d->cfg->nsources);
		control_reloaded(d->reloads_started, 1, msg);
	}
}

static void
reload(struct daemon *d)
{
	char err[1024];
	struct config *cfg;
	int fd;

	if (d->pending != NULL || !d->started || monitor_busy()) {
		/* Once the worker has answered (a reload, its first config,
		 * or a restarted worker's), the file is read again. */
		d->reload_again = 1;
		return;
	}
	log_info("SIGHUP: reloading %s", d->path);
	d->reloads_started++;
	if ((cfg = loop_load(d->path, &fd, err, sizeof(err))) == NULL) {
		reload_failed(d, "%s", err);
		return;
	}
	/* The journal, the spent steps, the worker's root and the socket
	 * stay together: moving them is a restart, not a reload. */
	if (strcmp(d->cfg->state_dir, cfg->state_dir) != 0 ||
	    strcmp(d->cfg->runtime_dir, cfg->runtime_dir) != 0 ||
	    d->cfg->run_uid != cfg->run_uid) {
		config_free(cfg);
		close(fd);
		reload_failed(d, "state_dir, runtime_dir and user cannot "
		    "change on reload (restart knockwatch to change them)");
		return;
	}
	/* Permissions may have changed since the start. */
	if (loop_check_dirs(cfg, LOOP_DIRS_RELOAD) == -1) {
		config_free(cfg);
		close(fd);
		reload_failed(d, "see the refusal logged before");
		return;
	}
	d->pending = cfg;
	monitor_reload(cfg, fd);
}

static void
shutdown_begin(struct daemon *d, int sig)
{
	kw_ms now;
	unsigned longest = 0;

	if (d->stopping)
		return;
	log_info("signal %d: closing every open door, then exiting", sig);
	d->stopping = 1;
	/* No door request may come in while the doors close. */
	monitor_stop();
	now = clock_now_ms();
	for (int i = 0; i < d->cfg->ndoors; i++)
		if (d->cfg->doors[i].cmd_timeout > longest)
			longest = d->cfg->doors[i].cmd_timeout;
	d->stop_deadline = now + (kw_ms)(longest + LOOP_SHUTDOWN_GRACE_S) * 1000;
	door_close_all(now, clock_wall());
}

static void
on_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			if (!d->stopping)
				reload(d);
			break;
		case SIGUSR1:
			report(d, log_line, NULL);
			monitor_ask_report(1);
			break;
		case SIGTERM:
		case SIGINT:
			shutdown_begin(d, (int)si.ssi_signo);
			break;
		}
	}
}

static kw_ms
min_ms(kw_ms a, kw_ms b)
{
	return a < b ? a : b;
}

/* A refusal that stops the daemon (or -n, or a reload): an error, not a
 * warning. */
static void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
refuse(const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_ERR, msg);
}

/* What knockwatch keeps in its directories; anything else means the
 * directory is shared with something else. */
static const char *const state_known[] = {
	"open", "open.*", "worker", "spent", "spent.*", STATE_LOCK, NULL
};
static const char *const runtime_known[] = { "knockwatch.sock", NULL };

int
loop_check_dirs(const struct config *cfg, int create)
{
	char err[PATH_MAX + 256];
	const char *what[2] = { "state_dir", "runtime_dir" };
	const char *dir[2] = { cfg->state_dir, cfg->runtime_dir };
	const char *const *known[2] = { state_known, runtime_known };

	/* Root keeps its journal and its socket there: another user who
	 * could write there could plant links for root to follow or forge
	 * the journal. */
	for (int i = 0; i < 2; i++) {
		int fd = -1;

		/* Foreign entries only at start and -n: a reload re-checks
		 * owners and modes, and does not fail on a file an admin left
		 * there since. */
		if (create != LOOP_DIRS_RELOAD &&
		    state_dir_own(dir[i], known[i], err, sizeof(err)) == -1) {
			refuse("%s refused: %s", what[i], err);
			return -1;
		}
		if (create == LOOP_DIRS_CREATE)
			fd = state_dir_open(dir[i], 0700, err, sizeof(err));
		if (create == LOOP_DIRS_CREATE ? fd == -1 :
		    state_dir_check(dir[i], err, sizeof(err)) == -1) {
			refuse("%s refused: %s", what[i], err);
			return -1;
		}
		if (fd != -1)
			close(fd);
	}
	if (create != LOOP_DIRS_RELOAD &&
	    (strncmp(cfg->state_dir, "/tmp/", 5) == 0 ||
	    strncmp(cfg->state_dir, "/var/tmp/", 9) == 0))
		log_warnx("state_dir %s is under a temporary directory: "
		    "tmp cleaning (systemd-tmpfiles) or a unit's PrivateTmp "
		    "lose the open-door journal and the spent HMAC steps; use "
		    "/var/lib/knockwatch", cfg->state_dir);
	/* Root runs the start and stop programs: StrictModes for them as
	 * for the directories. */
	for (int i = 0; i < cfg->ndoors; i++) {
		const struct config_cmd *cmd[2] = { &cfg->doors[i].start,
		    &cfg->doors[i].stop };

		for (int j = 0; j < 2; j++) {
			if (cmd[j]->argc == 0 || state_file_check(cmd[j]->argv[0],
			    0, err, sizeof(err)) == 0)
				continue;
			refuse("door %s: %s command refused: %s",
			    cfg->doors[i].name, j == 0 ? "start" : "stop", err);
			return -1;
		}
	}
	/* A key file another user can change is a key that user knows:
	 * root's or the worker user's only. */
	for (int i = 0; i < cfg->nusers; i++) {
		const char *kf = cfg->users[i].key_file;

		if (kf == NULL || state_file_check(kf, cfg->run_uid, err,
		    sizeof(err)) == 0)
			continue;
		refuse("user %s: key_file refused: %s", cfg->users[i].name, err);
		return -1;
	}
	return 0;
}

/* control.c's view of the daemon. */
static const struct config *
hook_cfg(void *self)
{
	return ((struct daemon *)self)->cfg;
}

static void
hook_reloads(void *self, uint64_t *started, uint64_t *ok, uint64_t *failed)
{
	struct daemon *d = self;

	*started = d->reloads_started;
	*ok = d->reloads;
	*failed = d->reload_failures;
}

static int
hook_reload(void *self)
{
	struct daemon *d = self;

	if (d->stopping)
		return -1;
	log_info("reload asked for through the control socket");
	reload(d);
	return 0;
}

static int
hook_stopping(void *self)
{
	return ((struct daemon *)self)->stopping;
}

static const char *
hook_path(void *self)
{
	return ((struct daemon *)self)->abspath;
}

int
loop_run(const char *path, struct config *cfg, int fd, int verbose)
{
	struct monitor_cb cb = { on_loaded, on_report, NULL };
	struct daemon d;
	sigset_t mask;
	char journal[PATH_MAX];
	pid_t holder;

	memset(&d, 0, sizeof(d));
	d.path = path;
	/* The file a reload reads, absolute for a client elsewhere. */
	if (realpath(path, d.abspath) == NULL)
		snprintf(d.abspath, sizeof(d.abspath), "%s", path);
	d.cfg = cfg;
	d.sigfd = -1;
	cb.arg = &d;
	signal(SIGPIPE, SIG_IGN);
	loop_block_signals(&mask);
	if (ev_init() == -1 ||
	    (d.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    ev_add(d.sigfd, EPOLLIN, on_signal, &d) == -1)
		fatal("event loop");
	if (loop_check_dirs(cfg, LOOP_DIRS_CREATE) == -1) {
		config_free(cfg);
		close(fd);
		ev_free();
		return 78;
	}
	/* One daemon per state_dir, before the journal, the socket or a
	 * worker is touched: a second one would take over the first one's
	 * journal and close the doors it opened. Held until exit (O_CLOEXEC:
	 * no command or worker inherits it). */
	if ((d.lockfd = state_lock(cfg->state_dir, &holder)) == -1) {
		int busy = errno == EWOULDBLOCK;

		if (busy)
			refuse("knockwatch already runs on state_dir %s "
			    "(pid %ld holds %s/%s): not starting a second "
			    "daemon", cfg->state_dir, (long)holder,
			    cfg->state_dir, STATE_LOCK);
		else
			refuse("state_dir refused: %s/%s: %s", cfg->state_dir,
			    STATE_LOCK, strerror(errno));
		config_free(cfg);
		close(fd);
		ev_free();
		return busy ? 75 : 78;
	}
	action_set_limits(cfg->max_actions, ACTION_MAX_QUEUE);
	snprintf(journal, sizeof(journal), "%s/open", cfg->state_dir);
	if (door_init(journal) == -1 || monitor_init(path, verbose, &cb) == -1)
		fatal("start-up");
	door_recover(d.cfg, clock_now_ms(), clock_wall());
	if (geteuid() == 0) {
		/* user: may have changed since the last run: the worker must
		 * still read the spent steps an earlier worker user wrote. */
		char wdir[PATH_MAX], err[PATH_MAX + 128];

		snprintf(wdir, sizeof(wdir), "%s/worker", d.cfg->state_dir);
		if (state_give_files(wdir, d.cfg->run_uid, d.cfg->run_gid,
		    err, sizeof(err)) == -1)
			log_warnx("%s (the worker may not read its spent "
			    "steps: HMAC doors would refuse every open)", err);
	}
	{
		struct control_hooks hooks = { &d, hook_cfg, report,
		    hook_reloads, hook_reload, hook_stopping, hook_path };

		control_init(&hooks, time(NULL));
	}
	if (ctl_open(d.cfg->runtime_dir, control_request, &d) == -1)
		log_warn("status socket in %s (knockwatch status will not "
		    "work)", d.cfg->runtime_dir);
	monitor_set_config(d.cfg, fd);
	if (monitor_start(clock_now_ms()) == -1) {
		d.quit = 1;
		d.rc = 1;
	}

	while (!d.quit) {
		kw_ms now = clock_now_ms(), next;

		door_tick(now);
		action_tick(now);
		monitor_tick(now);
		ctl_tick(now);
		control_tick(now);
		if (d.stopping) {
			/* Done when no command runs and no failed stop waits
			 * for its retry. */
			if (action_pending() == 0 && !door_busy())
				break;
			if (now >= d.stop_deadline) {
				log_warnx("exiting with %u commands still "
				    "pending", action_pending());
				d.rc = 1;
				break;
			}
		}
		next = min_ms(door_deadline(), action_deadline());
		next = min_ms(next, monitor_deadline());
		next = min_ms(next, ctl_deadline());
		next = min_ms(next, control_deadline());
		if (d.stopping)
			next = min_ms(next, d.stop_deadline);
		if (ev_wait(ev_timeout(next, now)) == -1)
			fatal("epoll_wait");
	}
	monitor_stop();
	if (d.stopping && door_report_open() > 0)
		d.rc = 1;	/* a door stays open: say so to systemd too */
	{
		struct monitor_stats ms;

		monitor_stats(&ms);
		if (ms.exit_failed && d.rc == 0)
			d.rc = 1;
	}
	if (d.rc != 78)
		log_info("exiting");
	ctl_close();
	config_free(d.pending);
	config_free(d.cfg);
	door_free();
	ev_free();
	close(d.lockfd);	/* last: the doors are stopped or journaled */
	return d.rc;
}
