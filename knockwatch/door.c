/* door.c — the open doors: runs start commands, keeps each door's stop
 * deadline, retries failed stops with back-off, and journals the set in
 * state_dir before any start command runs, so that a restart after a crash
 * can close what was left open. Never builds a shell string. */
#include "door.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "action.h"
#include "log.h"
#include "state.h"

#define DOOR_RETRY_MIN_MS 2000
#define DOOR_RETRY_MAX_MS 300000

struct door_entry {
	int used;
	int stopping;		/* stop command running */
	int reopen;		/* opened again while stopping */
	uint32_t gen;
	char door[KW_NAME_MAX + 1];
	char user[KW_NAME_MAX + 1];
	char src[ADDR_STRLEN];
	char family[8];
	char open_port[8];
	struct config_cmd start;	/* copies, so reload cannot free them */
	char **stop_argv;	/* substituted stop command */
	unsigned cmd_timeout, stop_after, retries;
	kw_ms deadline;
	time_t wall_deadline;
};

static struct door_entry *doors;
static char *journal;
static uint32_t door_gen;
static struct door_stats stats;

int
door_init(const char *journal_path)
{
	if ((doors = calloc(DOOR_MAX_OPEN, sizeof(*doors))) == NULL)
		return -1;
	if ((journal = strdup(journal_path)) == NULL)
		return -1;
	return 0;
}

static void
entry_clear(struct door_entry *e)
{
	free(e->stop_argv);
	free(e->start.argv);
	memset(e, 0, sizeof(*e));
}

void
door_free(void)
{
	if (doors != NULL)
		for (int i = 0; i < DOOR_MAX_OPEN; i++)
			entry_clear(&doors[i]);
	free(doors);
	free(journal);
	doors = NULL;
	journal = NULL;
}

/* One journal line is at most this long: two names, an address, a port
 * and a time. */
#define DOOR_JOURNAL_LINE (2 * KW_NAME_MAX + ADDR_STRLEN + 8 + 24 + 8)

static void
journal_save(void)
{
	char *buf;
	size_t cap = 1 + (size_t)stats.open * DOOR_JOURNAL_LINE, len = 0;

	if ((buf = malloc(cap)) == NULL) {
		log_warnx("journal: out of memory");
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		const struct door_entry *e = &doors[i];
		int n;

		if (!e->used)
			continue;
		n = snprintf(buf + len, cap - len, "%s %s %s %s %lld\n",
		    e->door, e->src, e->user[0] ? e->user : "-",
		    e->open_port[0] ? e->open_port : "-",
		    (long long)e->wall_deadline);
		if (n < 0 || (size_t)n >= cap - len)
			fatalx("journal: line longer than %d bytes",
			    DOOR_JOURNAL_LINE);
		len += (size_t)n;
	}
	if (state_write_atomic(journal, buf, len) == -1)
		log_warn("journal %s: cannot write; open doors will not "
		    "survive a crash", journal);
	free(buf);
}

static struct door_entry *
find(const char *door, const char *src)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && strcmp(doors[i].door, door) == 0 &&
		    strcmp(doors[i].src, src) == 0)
			return &doors[i];
	return NULL;
}

static struct door_entry *
alloc_entry(void)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (!doors[i].used) {
			doors[i].used = 1;
			doors[i].gen = ++door_gen;
			stats.open++;
			return &doors[i];
		}
	return NULL;
}

static void
vars_of(const struct door_entry *e, const char *event, struct action_vars *v)
{
	v->event = event;
	v->door = e->door;
	v->src = e->src;
	v->family = e->family;
	v->user = e->user;
	v->open_port = e->open_port;
}

static void *
tag_of(const struct door_entry *e)
{
	return (void *)(uintptr_t)(((uint64_t)e->gen << 16) |
	    (uint64_t)(e - doors));
}

static struct door_entry *
entry_of(void *tag)
{
	uint64_t t = (uintptr_t)tag;
	struct door_entry *e = &doors[t & 0xffff];

	return e->used && e->gen == (uint32_t)(t >> 16) ? e : NULL;
}

static void
run_start(struct door_entry *e, kw_ms now)
{
	struct action_vars v;
	char **argv;

	vars_of(e, "start", &v);
	if ((argv = action_argv(&e->start, &v)) == NULL) {
		log_warnx("door %s start for %s: cannot build the command",
		    e->door, e->src);
		return;
	}
	action_run(argv, &v, e->cmd_timeout, NULL, NULL, now);
}

static void stop_done(void *tag, int ok);

static void
run_stop(struct door_entry *e, kw_ms now)
{
	struct action_vars v;
	char **argv;
	size_t n = 0, total = 0;

	vars_of(e, "stop", &v);
	/* action_run takes ownership: hand it a copy, keep ours for retries. */
	for (; e->stop_argv[n] != NULL; n++)
		total += strlen(e->stop_argv[n]) + 1;
	argv = malloc((n + 1) * sizeof(char *) + total);
	if (argv == NULL) {
		e->deadline = now + DOOR_RETRY_MIN_MS;
		return;
	}
	char *p = (char *)(argv + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(e->stop_argv[i]) + 1;
		memcpy(p, e->stop_argv[i], l);
		argv[i] = p;
		p += l;
	}
	argv[n] = NULL;
	e->stopping = 1;
	e->deadline = KW_MS_NEVER;
	if (action_run(argv, &v, e->cmd_timeout, stop_done, tag_of(e), now) == -1)
		stop_done(tag_of(e), 0);
}

static void
stop_done(void *tag, int ok)
{
	struct door_entry *e = entry_of(tag);
	kw_ms now = clock_now_ms();

	if (e == NULL)
		return;
	e->stopping = 0;
	if (!ok) {
		kw_ms wait = DOOR_RETRY_MIN_MS << (e->retries < 8 ? e->retries : 8);
		if (wait > DOOR_RETRY_MAX_MS)
			wait = DOOR_RETRY_MAX_MS;
		e->retries++;
		stats.stop_failures++;
		log_warnx("DOOR STILL OPEN: door %s for %s: stop command failed "
		    "(attempt %u), retrying in %lld s", e->door, e->src,
		    e->retries, (long long)(wait / 1000));
		e->deadline = now + wait;
		return;
	}
	stats.closed++;
	log_info("door %s closed for %s", e->door, e->src);
	if (e->reopen) {
		/* Knocked again while closing: open afresh. */
		e->reopen = 0;
		e->retries = 0;
		e->deadline = now + (kw_ms)e->stop_after * 1000;
		e->wall_deadline = time(NULL) + e->stop_after;
		journal_save();
		run_start(e, now);
		return;
	}
	entry_clear(e);
	stats.open--;
	journal_save();
}

/* Fills e's commands from door d of config c. 0 or -1. */
static int
entry_commands(struct door_entry *e, const struct config_door *d)
{
	struct action_vars v;
	size_t total = 0;

	vars_of(e, "stop", &v);
	if ((e->stop_argv = action_argv(&d->stop, &v)) == NULL)
		return -1;
	for (int i = 0; i < d->start.argc; i++)
		total += strlen(d->start.argv[i]) + 1;
	e->start.argv = malloc(((size_t)d->start.argc + 1) * sizeof(char *) +
	    total);
	if (e->start.argv == NULL)
		return -1;
	char *p = (char *)(e->start.argv + d->start.argc + 1);
	for (int i = 0; i < d->start.argc; i++) {
		size_t l = strlen(d->start.argv[i]) + 1;
		memcpy(p, d->start.argv[i], l);
		e->start.argv[i] = p;
		p += l;
	}
	e->start.argv[d->start.argc] = NULL;
	e->start.argc = d->start.argc;
	e->cmd_timeout = d->cmd_timeout;
	e->stop_after = d->stop_after;
	return 0;
}

void
door_open(const struct config *c, const struct knock_open *ev, kw_ms now,
    time_t wall)
{
	const struct config_door *d = &c->doors[ev->door];
	struct door_entry tmp, *e;
	struct action_vars v;

	memset(&tmp, 0, sizeof(tmp));
	addr_ntop(&ev->src, tmp.src, sizeof(tmp.src));
	snprintf(tmp.door, sizeof(tmp.door), "%s", d->name);
	snprintf(tmp.family, sizeof(tmp.family), "%s",
	    ev->src.family == AF_INET6 ? "inet6" : "inet");
	if (ev->user >= 0)
		snprintf(tmp.user, sizeof(tmp.user), "%s",
		    c->users[ev->user].name);
	if (ev->open_port != 0)
		snprintf(tmp.open_port, sizeof(tmp.open_port), "%u",
		    ev->open_port);
	log_info("door %s opens for %s%s%s%s%s", tmp.door, tmp.src,
	    tmp.user[0] ? " user " : "", tmp.user,
	    tmp.open_port[0] ? " port " : "", tmp.open_port);

	if (d->stop.argc == 0 || d->stop_after == 0) {
		/* Nothing to close later: just run the start command. */
		vars_of(&tmp, "start", &v);
		char **argv = action_argv(&d->start, &v);
		if (argv != NULL)
			action_run(argv, &v, d->cmd_timeout, NULL, NULL, now);
		stats.opened++;
		return;
	}
	if ((e = find(tmp.door, tmp.src)) != NULL) {
		/* Extend rather than stack a second rule. */
		if (e->stopping)
			e->reopen = 1;
		else {
			e->deadline = now + (kw_ms)d->stop_after * 1000;
			e->wall_deadline = wall + d->stop_after;
			journal_save();
		}
		stats.extended++;
		log_info("door %s already open for %s: deadline extended",
		    tmp.door, tmp.src);
		return;
	}
	if ((e = alloc_entry()) == NULL) {
		stats.refused++;
		log_warnx("door %s for %s: %d doors open already, refused",
		    tmp.door, tmp.src, DOOR_MAX_OPEN);
		return;
	}
	uint32_t gen = e->gen;
	*e = tmp;
	e->used = 1;
	e->gen = gen;
	if (entry_commands(e, d) == -1) {
		log_warnx("door %s for %s: cannot build the commands",
		    tmp.door, tmp.src);
		entry_clear(e);
		stats.open--;
		return;
	}
	e->deadline = now + (kw_ms)d->stop_after * 1000;
	e->wall_deadline = wall + d->stop_after;
	stats.opened++;
	/* Journal first: if we die after the start command, the restart
	 * knows there is a door to close. */
	journal_save();
	run_start(e, now);
}

void
door_tick(kw_ms now)
{
	if (stats.open == 0)
		return;
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && !doors[i].stopping &&
		    doors[i].deadline <= now)
			run_stop(&doors[i], now);
}

kw_ms
door_deadline(void)
{
	kw_ms min = KW_MS_NEVER;

	if (stats.open == 0)
		return min;
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && !doors[i].stopping &&
		    doors[i].deadline < min)
			min = doors[i].deadline;
	return min;
}

void
door_close_all(kw_ms now)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && !doors[i].stopping) {
			doors[i].reopen = 0;
			run_stop(&doors[i], now);
		}
}

void
door_recover(const struct config *c, kw_ms now, time_t wall)
{
	size_t len;
	char *buf, *line, *save = NULL;
	int lineno = 0, bad = 0;

	if ((buf = state_read(journal, &len)) == NULL) {
		if (errno != ENOENT)
			log_warn("journal %s", journal);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char dn[KW_NAME_MAX + 1], src[ADDR_STRLEN], un[KW_NAME_MAX + 1];
		char port[8];
		long long dl;
		struct kw_addr a;
		struct door_entry *e;
		int di;

		lineno++;
		if (sscanf(line, "%64s %45s %64s %7s %lld", dn, src, un, port,
		    &dl) != 5 || addr_parse(src, strlen(src), &a) == -1) {
			bad = 1;
			continue;
		}
		if ((di = config_door_index(c, dn)) < 0 ||
		    c->doors[di].stop.argc == 0) {
			log_warnx("DOOR MAY BE OPEN: journal names door %s for "
			    "%s, which has no stop command now; close it by "
			    "hand", dn, src);
			continue;
		}
		if ((e = alloc_entry()) == NULL)
			break;
		addr_ntop(&a, e->src, sizeof(e->src));
		snprintf(e->door, sizeof(e->door), "%s", dn);
		snprintf(e->family, sizeof(e->family), "%s",
		    a.family == AF_INET6 ? "inet6" : "inet");
		snprintf(e->user, sizeof(e->user), "%s",
		    strcmp(un, "-") == 0 ? "" : un);
		snprintf(e->open_port, sizeof(e->open_port), "%s",
		    strcmp(port, "-") == 0 ? "" : port);
		if (entry_commands(e, &c->doors[di]) == -1) {
			entry_clear(e);
			stats.open--;
			continue;
		}
		e->wall_deadline = (time_t)dl;
		e->deadline = dl <= wall ? now : now + (kw_ms)(dl - wall) * 1000;
		log_info("journal: door %s for %s %s", dn, e->src,
		    dl <= wall ? "expired while we were down: closing" :
		    "still open: keeping its deadline");
	}
	if (bad) {
		log_warnx("journal %s: corrupt line(s), set aside", journal);
		state_set_aside(journal);
	}
	free(buf);
	journal_save();
}

void
door_stats(struct door_stats *st)
{
	*st = stats;
}

void
door_dump(void (*out)(void *, const char *), void *arg, kw_ms now)
{
	char line[256];

	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		const struct door_entry *e = &doors[i];
		if (!e->used)
			continue;
		snprintf(line, sizeof(line), "open door %s src %s user %s "
		    "closes in %lld s%s", e->door, e->src,
		    e->user[0] ? e->user : "-",
		    e->stopping || e->deadline == KW_MS_NEVER ? 0LL :
		    (long long)((e->deadline - now + 999) / 1000),
		    e->stopping ? " (closing)" : "");
		out(arg, line);
	}
}
