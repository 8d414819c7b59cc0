/* loop.c — the daemon's event loop: the only place that blocks. One epoll
 * set (inotify, /dev/kmsg, signalfd, one pidfd and pipe per running action)
 * and one timeout, the earliest of every module's deadline. HUP parses the
 * new config and swaps only on success; TERM and INT close every open door
 * before exiting. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "action.h"
#include "ctl.h"
#include "door.h"
#include "ev.h"
#include "knock.h"
#include "log.h"
#include "logwatch.h"
#include "seq.h"
#include "source.h"
#include "state.h"

#define LOOP_SHUTDOWN_GRACE_S 5

struct daemon {
	const char *path;
	struct config *cfg;
	struct knock_table *knock;
	struct logwatch *lw;
	struct sources *src;
	char spent[PATH_MAX];
	int sigfd;
	int stopping;
	kw_ms stop_deadline;
	uint64_t reloads, reload_failures;
};

static void
on_open(void *arg, const struct knock_open *ev)
{
	struct daemon *d = arg;
	char err[512];

	if (d->stopping) {
		log_warnx("door %s: shutting down, not opening",
		    d->cfg->doors[ev->door].name);
		return;
	}
	/* Spend the step on disk before the door opens: a restart must still
	 * refuse a replay of these knocks. */
	if (d->cfg->doors[ev->door].is_hmac &&
	    knock_save_spent(d->knock, d->spent, err, sizeof(err)) == -1)
		log_warnx("spent steps: %s (a replay after a restart could "
		    "open again)", err);
	door_open(d->cfg, ev, clock_now_ms(), clock_wall());
}

static void
on_knock(void *arg, const struct parse_knock *k)
{
	struct daemon *d = arg;

	knock_feed(d->knock, k, clock_now_ms(), clock_wall(), on_open, d);
}

static void
on_logwatch(void *arg, int fd, uint32_t events)
{
	struct daemon *d = arg;

	(void)fd;
	(void)events;
	logwatch_handle(d->lw, clock_now_ms());
}

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	log_info("status: %s", line);
}

/* The report behind SIGUSR1 and `knockwatch status`: counters, attempts in
 * progress by door and stage, open doors with their remaining time. */
static void
report(void *self, void (*out)(void *, const char *), void *arg)
{
	struct daemon *d = self;
	struct knock_stats ks;
	struct source_stats ss;
	struct door_stats ds;
	struct action_stats as;
	struct logwatch_stats ls;
	char line[512];

	knock_stats(d->knock, &ks);
	sources_stats(d->src, &ss);
	door_stats(&ds);
	action_stats(&as);
	logwatch_stats(d->lw, &ls);
	snprintf(line, sizeof(line), "lines %llu knocks %llu ignored %llu "
	    "rejected %llu overlong %llu rotations %llu",
	    (unsigned long long)ss.lines, (unsigned long long)ss.knocks,
	    (unsigned long long)ss.ignored, (unsigned long long)ss.rejected,
	    (unsigned long long)ls.overlong, (unsigned long long)ls.rotations);
	out(arg, line);
	snprintf(line, sizeof(line), "tracked %u/%u advances %llu resets %llu "
	    "retransmits %llu expired %llu evictions %llu opens %llu "
	    "replays %llu denied %llu penalties %llu penalised %llu "
	    "throttled %llu",
	    ks.tracked, ks.capacity, (unsigned long long)ks.advances,
	    (unsigned long long)ks.resets, (unsigned long long)ks.retransmits,
	    (unsigned long long)ks.expired, (unsigned long long)ks.evictions,
	    (unsigned long long)ks.opens, (unsigned long long)ks.replays,
	    (unsigned long long)ks.denied, (unsigned long long)ks.penalties,
	    (unsigned long long)ks.penalised,
	    (unsigned long long)ks.throttled);
	out(arg, line);
	snprintf(line, sizeof(line), "doors open %u opened %llu extended %llu "
	    "closed %llu stop_failures %llu refused %llu",
	    ds.open, (unsigned long long)ds.opened,
	    (unsigned long long)ds.extended, (unsigned long long)ds.closed,
	    (unsigned long long)ds.stop_failures,
	    (unsigned long long)ds.refused);
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
	for (int i = 0; i < d->cfg->ndoors; i++) {
		uint32_t st[KW_MAX_SEQ + 1];
		size_t n;

		knock_stages(d->knock, i, st, KW_MAX_SEQ + 1);
		n = (size_t)snprintf(line, sizeof(line), "in progress door %s:",
		    d->cfg->doors[i].name);
		for (unsigned s = 1; s <= KW_MAX_SEQ && n < sizeof(line); s++)
			if (st[s] > 0)
				n += (size_t)snprintf(line + n, sizeof(line) - n,
				    " stage %u: %u", s, st[s]);
		out(arg, line);
	}
	door_dump(out, arg, clock_now_ms());
}

/* Builds the parts of the daemon that depend on the config. On failure
 * nothing of the old state is touched. */
static int
setup(struct daemon *d, struct config *cfg, char *err, size_t errlen)
{
	struct knock_table *kt;
	struct sources *src;
	char spent[PATH_MAX];

	if (d->cfg != NULL && (strcmp(d->cfg->state_dir, cfg->state_dir) != 0 ||
	    strcmp(d->cfg->runtime_dir, cfg->runtime_dir) != 0)) {
		/* The journal, the spent steps and the socket stay together:
		 * moving them is a restart, not a reload. */
		snprintf(err, errlen, "state_dir and runtime_dir cannot change "
		    "on reload (restart knockwatch to move them)");
		return -1;
	}
	if (state_mkdir(cfg->state_dir) == -1) {
		snprintf(err, errlen, "state_dir %s: %s", cfg->state_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(spent, sizeof(spent), "%s/spent", cfg->state_dir);
	if ((kt = knock_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory for %u tracked sources",
		    cfg->max_tracked);
		return -1;
	}
	if (knock_load_spent(kt, spent, err, errlen) == -1) {
		log_warnx("spent steps: %s: set aside", err);
		state_set_aside(spent);
	}
	src = sources_open(cfg, d->lw, d->src, on_knock, d, clock_now_ms(),
	    err, errlen);
	if (src == NULL) {
		knock_free(kt);
		return -1;
	}
	/* A reload must not fail the clients knocking meanwhile, nor lift
	 * the bans. */
	if (d->knock != NULL)
		knock_carry(kt, d->knock);
	sources_close(d->src, src);
	knock_free(d->knock);
	if (d->cfg != NULL && d->cfg != cfg)
		config_free(d->cfg);
	d->src = src;
	d->knock = kt;
	d->cfg = cfg;
	memcpy(d->spent, spent, sizeof(spent));
	action_set_limits(cfg->max_actions, ACTION_MAX_QUEUE);
	return 0;
}

static void
reload(struct daemon *d)
{
	char err[1024];
	struct config *cfg;

	log_info("SIGHUP: reloading %s", d->path);
	if ((cfg = config_load(d->path, err, sizeof(err))) == NULL) {
		d->reload_failures++;
		log_warnx("reload failed, keeping the running config: %s", err);
		return;
	}
	if (setup(d, cfg, err, sizeof(err)) == -1) {
		d->reload_failures++;
		log_warnx("reload failed, keeping the running config: %s", err);
		config_free(cfg);
		return;
	}
	d->reloads++;
	log_info("reloaded: %d doors, %d sources", cfg->ndoors, cfg->nsources);
}

static void
shutdown_begin(struct daemon *d, int sig)
{
	kw_ms now = clock_now_ms();
	unsigned longest = 0;

	if (d->stopping)
		return;
	log_info("signal %d: closing every open door, then exiting", sig);
	d->stopping = 1;
	for (int i = 0; i < d->cfg->ndoors; i++)
		if (d->cfg->doors[i].cmd_timeout > longest)
			longest = d->cfg->doors[i].cmd_timeout;
	d->stop_deadline = now + (kw_ms)(longest + LOOP_SHUTDOWN_GRACE_S) * 1000;
	door_close_all(now);
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
			reload(d);
			break;
		case SIGUSR1:
			report(d, log_line, NULL);
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

int
loop_run(const char *path, struct config *cfg)
{
	struct daemon d;
	sigset_t mask;
	char err[1024], journal[PATH_MAX];
	int rc = 0;

	memset(&d, 0, sizeof(d));
	d.path = path;
	d.sigfd = -1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (ev_init() == -1 ||
	    (d.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    ev_add(d.sigfd, EPOLLIN, on_signal, &d) == -1)
		fatal("event loop");
	if ((d.lw = logwatch_new()) == NULL)
		fatalx("cannot start inotify");
	if (ev_add(logwatch_fd(d.lw), EPOLLIN, on_logwatch, &d) == -1)
		fatal("event loop");
	if (setup(&d, cfg, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		config_free(cfg);
		rc = 78;
		goto out;
	}
	snprintf(journal, sizeof(journal), "%s/open", cfg->state_dir);
	if (door_init(journal) == -1)
		fatalx("out of memory");
	door_recover(d.cfg, clock_now_ms(), clock_wall());
	if (ctl_open(d.cfg->runtime_dir, report, &d) == -1)
		log_warn("status socket in %s (knockwatch status will not "
		    "work)", d.cfg->runtime_dir);
	log_info("started: %d doors, %d sources, up to %u tracked sources "
	    "(%zu bytes each)", cfg->ndoors, cfg->nsources, cfg->max_tracked,
	    knock_bytes_per_attempt());

	for (;;) {
		kw_ms now = clock_now_ms(), next;

		knock_expire(d.knock, now);
		door_tick(now);
		action_tick(now);
		if (logwatch_deadline(d.lw) <= now)
			logwatch_handle(d.lw, now);
		sources_tick(d.src, now);
		if (d.stopping) {
			if (action_pending() == 0)
				break;
			if (now >= d.stop_deadline) {
				log_warnx("exiting with %u commands still "
				    "pending", action_pending());
				rc = 1;
				break;
			}
		}
		next = min_ms(knock_deadline(d.knock), door_deadline());
		next = min_ms(next, action_deadline());
		next = min_ms(next, logwatch_deadline(d.lw));
		next = min_ms(next, sources_deadline(d.src));
		if (d.stopping)
			next = min_ms(next, d.stop_deadline);
		int timeout = next == KW_MS_NEVER ? -1 :
		    next <= now ? 0 : (next - now > INT_MAX ? INT_MAX :
		    (int)(next - now));
		if (ev_wait(timeout) == -1)
			fatal("epoll_wait");
	}
	log_info("exiting");
out:
	ctl_close();
	sources_close(d.src, NULL);
	knock_free(d.knock);
	if (d.cfg != NULL)
		config_free(d.cfg);
	logwatch_free(d.lw);
	door_free();
	ev_free();
	return rc;
}
