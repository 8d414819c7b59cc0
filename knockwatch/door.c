/* door.c — the open doors: runs start commands, keeps each door's stop
 * deadline, retries failed stops with back-off, and has the set journaled
 * (journal.c) before any start command runs, so that a restart after a crash
 * can close what was left open. Never builds a shell string. */
#include "door.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "argv.h"
#include "journal.h"
#include "log.h"
#include "state.h"

#define DOOR_RETRY_MIN_MS 2000
#define DOOR_EXIT_USAGE 64	/* the shipped actions' usage error */
#define DOOR_RETRY_MAX_MS 300000

static struct door_entry *doors;
static uint32_t door_gen;
static struct door_stats stats;
static int closing_all;		/* door_close_all was called */
_Static_assert(CONFIG_MAX_OPEN_LIMIT == DOOR_MAX_OPEN,
    "max_open is checked against the table's size");
static unsigned ndeferred;	/* entries with a stop waiting for room */

#define DOOR_SHUTDOWN_TRIES 3	/* stop attempts per door at shutdown */
#define DOOR_SHUTDOWN_RETRY_MS 1000

int
door_init(const char *journal_path)
{
	if ((doors = calloc(DOOR_MAX_OPEN, sizeof(*doors))) == NULL)
		return -1;
	return journal_init(journal_path);
}

static void
entry_clear(struct door_entry *e)
{
	if (e->deferred)
		ndeferred--;
	free(e->stop_argv);
	free(e->start.argv);
	memset(e, 0, sizeof(*e));
}

void
door_entry_release(struct door_entry *e)
{
	entry_clear(e);
	stats.open--;
}

void
door_free(void)
{
	if (doors != NULL)
		for (int i = 0; i < DOOR_MAX_OPEN; i++)
			entry_clear(&doors[i]);
	free(doors);
	journal_free();
	doors = NULL;
}

/* The open door of this door, source, user and derived port: a second
 * open on another port is a door of its own. */
static struct door_entry *
find(const struct door_entry *k)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && strcmp(doors[i].door, k->door) == 0 &&
		    strcmp(doors[i].src, k->src) == 0 &&
		    strcmp(doors[i].host, k->host) == 0 &&
		    strcmp(doors[i].user, k->user) == 0 &&
		    strcmp(doors[i].open_port, k->open_port) == 0)
			return &doors[i];
	return NULL;
}

/* Twins: open doors that share one firewall rule. The shipped actions name
 * a rule by the door (KNOCK_DOOR), the source, the port and the command
 * line, never by the user, so the entries of one door with the same source,
 * the same derived port and the same expanded stop command are one rule:
 * users of one HMAC door behind one NAT. The rule goes only when the last
 * twin closes, and a twin that opens while the rule is there does not run
 * the start command again (so an action that is not idempotent never stacks
 * a second rule that one stop would leave behind). */
static int
twins(const struct door_entry *a, const struct door_entry *b)
{
	size_t i;

	if (a == b || !a->used || !b->used || a->stop_argv == NULL ||
	    b->stop_argv == NULL || strcmp(a->door, b->door) != 0 ||
	    strcmp(a->src, b->src) != 0 ||
	    strcmp(a->host, b->host) != 0 ||
	    strcmp(a->open_port, b->open_port) != 0)
		return 0;
	for (i = 0; a->stop_argv[i] != NULL && b->stop_argv[i] != NULL; i++)
		if (strcmp(a->stop_argv[i], b->stop_argv[i]) != 0)
			return 0;
	return a->stop_argv[i] == NULL && b->stop_argv[i] == NULL;
}

/* Twins of e that need the rule: open, not closing, not given up. */
static unsigned
twins_holding(const struct door_entry *e)
{
	unsigned n = 0;

	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (twins(&doors[i], e) && !doors[i].stopping &&
		    !doors[i].given_up)
			n++;
	return n;
}

/* A twin of e whose stop command is running, or NULL. */
static struct door_entry *
twin_stopping(const struct door_entry *e)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (twins(&doors[i], e) && doors[i].stopping)
			return &doors[i];
	return NULL;
}

struct door_entry *
door_entry_alloc(void)
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
	v->host = e->host;
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

/* A door whose start command failed or never ran did not open: it is not
 * kept as open, its slot and its journal line go. */
static void
drop_unopened(struct door_entry *e, const char *why, int status)
{
	stats.start_failures++;
	log_warnx("door %s for %s%s%s: start command %s (exit %d): the door "
	    "did not open", e->door, e->src, e->user[0] ? " user " : "",
	    e->user, why, status);
	entry_clear(e);
	stats.open--;
	journal_save(doors, DOOR_MAX_OPEN, stats.open);
}

/* The start command ended. One that exited with a failure opened nothing
 * (the shipped actions change nothing when they fail). One killed at its
 * time limit may have done part of its work, so its door is closed as
 * usual. */
static void
start_done(void *tag, int status)
{
	struct door_entry *e = entry_of(tag);
	int failed;

	if (e == NULL)
		return;
	e->starting = 0;
	failed = status > 0 && !e->stopping;
	/* Twins that opened while this start ran counted on its rule. */
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		struct door_entry *t = &doors[i];

		if (!t->used || t == e || t->rides_on != e->gen)
			continue;
		t->rides_on = 0;
		if (failed)
			drop_unopened(t, "of the door it shares a rule with "
			    "failed", status);
	}
	if (failed)
		drop_unopened(e, "failed", status);
}

static void
run_start(struct door_entry *e, kw_ms now)
{
	struct action_vars v;
	char **argv;

	if (e->start.argv == NULL)
		return;		/* recovered from the journal: only a stop */
	vars_of(e, "start", &v);
	if ((argv = action_argv(&e->start, &v)) == NULL) {
		drop_unopened(e, "cannot be built", -1);
		return;
	}
	if (action_run(argv, &v, e->cmd_timeout, start_done, tag_of(e),
	    now) == -1)
		drop_unopened(e, "not run (queue full)", -1);
	else
		e->starting = 1;
}

/* The stop of a twin of e ended (e itself, when first is e) and twins wait
 * to open: the first runs its start command, the others ride on it. */
static void
start_waiting(const struct door_entry *e, struct door_entry *first,
    kw_ms now)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		struct door_entry *t = &doors[i];

		if (!twins(t, e) || !t->waiting)
			continue;
		t->waiting = 0;
		if (first == NULL || !first->used) {
			first = t;
			run_start(t, now);
		} else if (first->starting)
			t->rides_on = first->gen;
	}
}

/* e closes but a twin still needs the rule: no stop command runs. */
static void
close_shared(struct door_entry *e, const char *why)
{
	stats.closed++;
	log_info("door %s closed for %s%s%s (%s)", e->door, e->src,
	    e->user[0] ? " user " : "", e->user, why);
	entry_clear(e);
	stats.open--;
	journal_save(doors, DOOR_MAX_OPEN, stats.open);
}

static void stop_done(void *tag, int status);

static void
run_stop(struct door_entry *e, kw_ms now)
{
	struct action_vars v;
	char **argv;

	vars_of(e, "stop", &v);
	/* action_run takes ownership: hand it a copy, keep ours for retries. */
	if ((argv = argv_copy(e->stop_argv, argv_count(e->stop_argv))) ==
	    NULL) {
		e->deadline = now + DOOR_RETRY_MIN_MS;
		return;
	}
	e->stopping = 1;
	e->deadline = KW_MS_NEVER;
	if (!action_room()) {
		/* The command queue is full (thousands of doors closing at
		 * shutdown): not a failure of the stop, which runs as soon
		 * as a command ends (run_deferred). Counted as stopping, so
		 * a twin neither runs a second stop nor a start meanwhile. */
		free(argv);
		if (!e->deferred)
			ndeferred++;
		e->deferred = 1;
		return;
	}
	if (e->deferred)
		ndeferred--;
	e->deferred = 0;
	if (action_run(argv, &v, e->cmd_timeout, stop_done, tag_of(e), now) == -1)
		stop_done(tag_of(e), -1);
}

/* Runs the deferred stops, oldest slots first, while the command queue has
 * room. */
static void
run_deferred(kw_ms now)
{
	for (int i = 0; i < DOOR_MAX_OPEN && ndeferred > 0 && action_room();
	    i++)
		if (doors[i].used && doors[i].deferred)
			run_stop(&doors[i], now);
}

static void
stop_done(void *tag, int status)
{
	struct door_entry *e = entry_of(tag);
	kw_ms now = clock_now_ms();

	if (e == NULL)
		return;
	e->stopping = 0;
	if (status != 0 && status != DOOR_EXIT_USAGE && closing_all) {
		/* Shutdown: a few quick tries within the grace, then the door
		 * stays in the journal for the next start. */
		e->retries++;
		stats.stop_failures++;
		if (e->retries >= DOOR_SHUTDOWN_TRIES) {
			e->given_up = 1;
			e->deadline = KW_MS_NEVER;
			log_warnx("door %s for %s%s%s: stop command failed "
			    "(attempt %u of %u at shutdown)", e->door, e->src,
			    e->user[0] ? " user " : "", e->user, e->retries,
			    DOOR_SHUTDOWN_TRIES);
		} else {
			e->deadline = now + DOOR_SHUTDOWN_RETRY_MS;
			log_warnx("door %s for %s%s%s: stop command failed "
			    "(attempt %u of %u at shutdown), retrying in %d s",
			    e->door, e->src, e->user[0] ? " user " : "",
			    e->user, e->retries, DOOR_SHUTDOWN_TRIES,
			    DOOR_SHUTDOWN_RETRY_MS / 1000);
		}
		return;
	}
	if (status != 0 && !closing_all && twins_holding(e) > 0) {
		/* Twins opened while it closed: they need the rule, which
		 * this stop may or may not have removed; the last of them
		 * will remove it. */
		stats.stop_failures++;
		start_waiting(e, NULL, now);
		close_shared(e, "its stop command failed; the rule is kept "
		    "for the doors that share it");
		return;
	}
	if (status == DOOR_EXIT_USAGE) {
		/* The action refused its arguments: it will refuse them at
		 * every retry, so the door would hold its slot for ever. */
		stats.stop_unusable++;
		log_warnx("DOOR MAY BE OPEN: door %s for %s%s%s: the stop "
		    "command refused its arguments (exit %d, usage error) and "
		    "can never succeed; given up, close it by hand", e->door,
		    e->src, e->user[0] ? " user " : "", e->user,
		    DOOR_EXIT_USAGE);
		if (!closing_all)
			start_waiting(e, NULL, now);
		entry_clear(e);
		stats.open--;
		journal_save(doors, DOOR_MAX_OPEN, stats.open);
		return;
	}
	if (status != 0) {
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
	log_info("door %s closed for %s%s%s%s%s", e->door, e->src,
	    e->user[0] ? " user " : "", e->user,
	    e->host[0] ? " at host " : "", e->host);
	if (e->reopen && e->start.argv != NULL && !closing_all) {
		/* Knocked again while closing: open afresh. */
		e->reopen = 0;
		e->retries = 0;
		e->deadline = now + (kw_ms)e->stop_after * 1000;
		e->wall_deadline = time(NULL) + e->stop_after;
		journal_save(doors, DOOR_MAX_OPEN, stats.open);
		run_start(e, now);
		start_waiting(e, e, now);
		return;
	}
	if (!closing_all)
		start_waiting(e, NULL, now);
	entry_clear(e);
	stats.open--;
	journal_save(doors, DOOR_MAX_OPEN, stats.open);
}

/* Copies cmd into *dst as one allocation. 0 or -1. */
int
door_cmd_copy(struct config_cmd *dst, const struct config_cmd *cmd)
{
	if ((dst->argv = argv_copy(cmd->argv, cmd->argc)) == NULL)
		return -1;
	dst->argc = cmd->argc;
	return 0;
}

/* Fills e's commands from door d of config c. 0 or -1. */
int
door_entry_commands(struct door_entry *e, const struct config_door *d)
{
	struct action_vars v;

	vars_of(e, "stop", &v);
	if ((e->stop_argv = action_argv(&d->stop, &v)) == NULL)
		return -1;
	if (door_cmd_copy(&e->start, &d->start) == -1)
		return -1;
	e->cmd_timeout = d->cmd_timeout;
	e->stop_after = d->stop_after;
	return 0;
}

/* Open entries of door name (closing ones too: they hold their slot). */
static unsigned
count_of(const char *name)
{
	unsigned n = 0;

	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && strcmp(doors[i].door, name) == 0)
			n++;
	return n;
}

int
door_open(const struct config *c, const struct door_req *ev, kw_ms now,
    time_t wall)
{
	const struct config_door *d = &c->doors[ev->door];
	struct door_entry tmp, *e;
	struct action_vars v;
	char line[JOURNAL_LINE + 1];
	unsigned after = ev->stop_after != 0 ? ev->stop_after : d->stop_after;
	int n;

	memset(&tmp, 0, sizeof(tmp));
	addr_ntop(&ev->src, tmp.src, sizeof(tmp.src));
	snprintf(tmp.host, sizeof(tmp.host), "%s", ev->host);
	snprintf(tmp.door, sizeof(tmp.door), "%s", d->name);
	snprintf(tmp.family, sizeof(tmp.family), "%s",
	    ev->src.family == AF_INET6 ? "inet6" : "inet");
	if (ev->user >= 0)
		snprintf(tmp.user, sizeof(tmp.user), "%s",
		    c->users[ev->user].name);
	if (ev->open_port != 0)
		snprintf(tmp.open_port, sizeof(tmp.open_port), "%u",
		    ev->open_port);
	log_info("door %s opens for %s%s%s%s%s%s%s", tmp.door, tmp.src,
	    tmp.user[0] ? " user " : "", tmp.user,
	    tmp.open_port[0] ? " port " : "", tmp.open_port,
	    tmp.host[0] ? " at host " : "", tmp.host);

	if (d->stop.argc == 0 || d->stop_after == 0) {
		/* Nothing to close later: just run the start command. */
		vars_of(&tmp, "start", &v);
		char **argv = action_argv(&d->start, &v);
		if (argv != NULL)
			action_run(argv, &v, d->cmd_timeout, NULL, NULL, now);
		stats.opened++;
		return 0;
	}
	if ((e = find(&tmp)) != NULL) {
		/* Extend rather than stack a second rule. */
		if (e->stopping) {
			/* Reopen with this configuration's start command (a
			 * door recovered from the journal has none). */
			if (e->start.argv == NULL &&
			    door_cmd_copy(&e->start, &d->start) == -1)
				log_warnx("door %s for %s: out of memory",
				    tmp.door, tmp.src);
			e->stop_after = after;
			e->reopen = 1;
		} else {
			e->deadline = now + (kw_ms)after * 1000;
			e->wall_deadline = wall + after;
			journal_save(doors, DOOR_MAX_OPEN, stats.open);
		}
		stats.extended++;
		log_info("door %s already open for %s: deadline extended",
		    tmp.door, tmp.src);
		return 0;
	}
	/* One door may not take every slot: its sequence may be known to
	 * many (a static one is sniffable), and the other doors must still
	 * open for their users. */
	if (count_of(tmp.door) >= d->max_open) {
		stats.refused++;
		log_warnx("door %s for %s: it is open for %u sources already "
		    "(its max_open), refused", tmp.door, tmp.src, d->max_open);
		return -1;
	}
	if ((e = door_entry_alloc()) == NULL) {
		stats.refused++;
		log_warnx("door %s for %s: %d doors open already, refused",
		    tmp.door, tmp.src, DOOR_MAX_OPEN);
		return -1;
	}
	uint32_t gen = e->gen;
	*e = tmp;
	e->used = 1;
	e->gen = gen;
	e->deadline = now + (kw_ms)after * 1000;
	e->wall_deadline = wall + after;
	if (door_entry_commands(e, d) == -1 ||
	    (n = journal_line(e, line, sizeof(line))) < 0) {
		stats.refused++;
		log_warnx("door %s for %s: cannot build the commands, or the "
		    "stop command is too long to journal (%d bytes a line): "
		    "refused", tmp.door, tmp.src, JOURNAL_LINE);
		entry_clear(e);
		stats.open--;
		return -1;
	}
	e->jlen = (size_t)n;
	e->stop_after = after;	/* a reopen while closing keeps it */
	stats.opened++;
	if (twins_holding(e) > 0 || twin_stopping(e) != NULL) {
		/* Another user of this door from this address: one rule. */
		for (int i = 0; i < DOOR_MAX_OPEN; i++) {
			if (!twins(&doors[i], e))
				continue;
			if (doors[i].starting)
				e->rides_on = doors[i].gen;
			if (doors[i].waiting)
				e->waiting = 1;
		}
		if (twins_holding(e) == 0)
			e->waiting = 1;	/* its start runs once that stop ends */
		log_info("door %s for %s%s%s shares the firewall rule of "
		    "another open door (same door, source and stop command): "
		    "%s", e->door, e->src, e->user[0] ? " user " : "", e->user,
		    e->waiting ? "its start command runs once the rule's stop "
		    "command ends" : "the start command is not run again");
		journal_save(doors, DOOR_MAX_OPEN, stats.open);
		return 0;
	}
	/* Journal first: if we die after the start command, the restart
	 * knows there is a door to close. */
	journal_save(doors, DOOR_MAX_OPEN, stats.open);
	run_start(e, now);
	return 0;
}

void
door_tick(kw_ms now)
{
	if (stats.open == 0)
		return;
	run_deferred(now);
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		struct door_entry *e = &doors[i];

		if (!e->used || e->stopping || e->waiting || e->given_up ||
		    e->deadline > now)
			continue;
		if (twins_holding(e) > 0)
			close_shared(e, "the firewall rule stays for the other "
			    "open doors that share it");
		else
			run_stop(e, now);
	}
}

kw_ms
door_deadline(void)
{
	kw_ms min = KW_MS_NEVER;

	if (stats.open == 0)
		return min;
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && !doors[i].stopping &&
		    !doors[i].waiting && !doors[i].given_up &&
		    doors[i].deadline < min)
			min = doors[i].deadline;
	return min;
}

void
door_close_all(kw_ms now, time_t wall)
{
	closing_all = 1;
	/* A door left open at exit must close at the next start, not at
	 * its own deadline. */
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		struct door_entry *e = &doors[i];

		if (!e->used)
			continue;
		e->reopen = 0;
		e->retries = 0;
		if (e->wall_deadline > wall)
			e->wall_deadline = wall;
		if (e->waiting)
			close_shared(e, "shutting down before its start "
			    "command ran");
	}
	journal_save(doors, DOOR_MAX_OPEN, stats.open);
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		struct door_entry *e = &doors[i];

		if (!e->used || e->stopping)
			continue;
		/* One stop command per rule, never two racing. */
		if (twin_stopping(e) != NULL)
			close_shared(e, "its firewall rule is shared: one stop "
			    "command closes it");
		else
			run_stop(e, now);
	}
}

int
door_busy(void)
{
	for (int i = 0; i < DOOR_MAX_OPEN && stats.open > 0; i++)
		if (doors[i].used && !doors[i].given_up)
			return 1;
	return 0;
}

unsigned
door_report_open(void)
{
	unsigned n = 0;

	for (int i = 0; i < DOOR_MAX_OPEN && stats.open > 0; i++) {
		const struct door_entry *e = &doors[i];

		if (!e->used)
			continue;
		n++;
		log_warnx("DOOR STILL OPEN: door %s for %s%s%s: its stop "
		    "command did not succeed before exit; journaled; the next "
		    "start closes it", e->door, e->src,
		    e->user[0] ? " user " : "", e->user);
	}
	return n;
}


void
door_recover(const struct config *c, kw_ms now, time_t wall)
{
	if (journal_recover(c, now, wall) == 0)
		journal_save(doors, DOOR_MAX_OPEN, stats.open);
}

void
door_stats(struct door_stats *st)
{
	*st = stats;
}

unsigned
door_close_now(const char *door, const struct kw_addr *src, kw_ms now,
    unsigned *stopping)
{
	char text[ADDR_STRLEN];
	unsigned n = 0;

	*stopping = 0;

	addr_ntop(src, text, sizeof(text));
	for (int i = 0; i < DOOR_MAX_OPEN && stats.open > 0; i++) {
		struct door_entry *e = &doors[i];

		if (!e->used || strcmp(e->door, door) != 0 ||
		    strcmp(e->src, text) != 0)
			continue;
		/* Its stop command runs already: nothing more to start. */
		if (e->stopping) {
			(*stopping)++;
			continue;
		}
		n++;
		e->reopen = 0;
		if (e->waiting)		/* its start has not run: it goes */
			close_shared(e, "closed by hand before its start "
			    "command ran");
		else if (!e->given_up)
			e->deadline = now;
	}
	/* Now, not at the next turn of the loop: the answer says it ran. */
	if (n > 0)
		door_tick(now);
	return n;
}

void
door_walk(void (*fn)(void *, const struct door_entry *, long long),
    void *arg, kw_ms now)
{
	for (int i = 0; i < DOOR_MAX_OPEN && stats.open > 0; i++) {
		const struct door_entry *e = &doors[i];

		if (e->used)
			fn(arg, e, e->stopping || e->deadline == KW_MS_NEVER ?
			    0 : (e->deadline - now + 999) / 1000);
	}
}

void
door_dump(void (*out)(void *, const char *), void *arg, kw_ms now)
{
	char line[384 + HOST_MAX];

	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		const struct door_entry *e = &doors[i];
		if (!e->used)
			continue;
		snprintf(line, sizeof(line), "open door %s src %s%s%s user %s "
		    "port %s closes in %lld s%s", e->door, e->src,
		    e->host[0] ? " host " : "", e->host,
		    e->user[0] ? e->user : "-",
		    e->open_port[0] ? e->open_port : "-",
		    e->stopping || e->deadline == KW_MS_NEVER ? 0LL :
		    (long long)((e->deadline - now + 999) / 1000),
		    e->stopping ? " (closing)" : e->waiting ? " (waiting for "
		    "the rule's stop command)" : "");
		out(arg, line);
	}
}
