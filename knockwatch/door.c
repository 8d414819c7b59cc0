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
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "argv.h"
#include "log.h"
#include "state.h"

#define DOOR_RETRY_MIN_MS 2000
#define DOOR_EXIT_USAGE 64	/* the shipped actions' usage error */
#define DOOR_RETRY_MAX_MS 300000

struct door_entry {
	int used;
	int stopping;		/* stop command running */
	int reopen;		/* opened again while stopping */
	int starting;		/* start command running */
	int waiting;		/* start waits for a twin's stop to end */
	int given_up;		/* shutdown: stop failed every try */
	uint32_t rides_on;	/* gen of the twin whose start is running */
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
	size_t jlen;		/* length of its journal line */
};

static struct door_entry *doors;
static char *journal;
static uint32_t door_gen;
static struct door_stats stats;
static int closing_all;		/* door_close_all was called */

#define DOOR_SHUTDOWN_TRIES 3	/* stop attempts per door at shutdown */
#define DOOR_SHUTDOWN_RETRY_MS 1000

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

/* The journal, format 2: a first line "knockwatch-journal 2", then one
 * line per open door:
 *   DOOR SRC USER|- PORT|- DEADLINE CMD_TIMEOUT STOP_ARGV...
 * with each element of the stop command as it was substituted when the door
 * opened, %XX-escaped (space, '%', bytes outside 0x21-0x7e; "%00" is the
 * empty string), so the door can be closed however the configuration
 * changes. Format 1 (no first line) had the first five fields only. A line
 * is at most DOOR_JOURNAL_LINE bytes: a door whose line would be longer is
 * not opened. */
#define DOOR_JOURNAL_MAGIC "knockwatch-journal"
#define DOOR_JOURNAL_VERSION 2
#define DOOR_JOURNAL_LINE 4000	/* 4096 lines fit STATE_MAX_FILE */

/* Appends s escaped to out (cap bytes, n used). Returns the new length,
 * which may pass cap (nothing is written past it). */
static size_t
esc_append(char *out, size_t cap, size_t n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (*s == '\0') {
		if (n + 3 < cap)
			memcpy(out + n, "%00", 3);
		return n + 3;
	}
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch > 0x20 && ch < 0x7f && ch != '%') {
			if (n + 1 < cap)
				out[n] = (char)ch;
			n++;
		} else {
			if (n + 3 < cap) {
				out[n] = '%';
				out[n + 1] = hex[ch >> 4];
				out[n + 2] = hex[ch & 15];
			}
			n += 3;
		}
	}
	return n;
}

/* Writes e's journal line (with its newline) into out. Returns its length,
 * or -1 when it does not fit cap or DOOR_JOURNAL_LINE. */
static int
journal_line(const struct door_entry *e, char *out, size_t cap)
{
	size_t n;
	int h;

	if (cap > DOOR_JOURNAL_LINE + 1)
		cap = DOOR_JOURNAL_LINE + 1;
	h = snprintf(out, cap, "%s %s %s %s %lld %u", e->door, e->src,
	    e->user[0] ? e->user : "-", e->open_port[0] ? e->open_port : "-",
	    (long long)e->wall_deadline, e->cmd_timeout);
	if (h < 0 || (size_t)h >= cap)
		return -1;
	n = (size_t)h;
	for (size_t i = 0; e->stop_argv[i] != NULL; i++) {
		if (n + 1 < cap)
			out[n] = ' ';
		n = esc_append(out, cap, n + 1, e->stop_argv[i]);
	}
	if (n + 1 >= cap)
		return -1;
	out[n++] = '\n';
	out[n] = '\0';
	return (int)n;
}

static void
journal_save(void)
{
	char *buf;
	size_t cap = 64, len = 0;
	int n;

	/* Measured when the door opened; a later deadline may be longer. */
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used)
			cap += doors[i].jlen + 24;
	if ((buf = malloc(cap)) == NULL) {
		log_warnx("journal: out of memory");
		return;
	}
	/* No door open: an empty file (which reads as no line of any
	 * version). */
	if (stats.open > 0)
		len = (size_t)snprintf(buf, cap, "%s %d\n",
		    DOOR_JOURNAL_MAGIC, DOOR_JOURNAL_VERSION);
	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		const struct door_entry *e = &doors[i];

		if (!e->used)
			continue;
		if ((n = journal_line(e, buf + len, cap - len)) < 0)
			fatalx("journal: line of door %s longer than measured",
			    e->door);
		len += (size_t)n;
	}
	if (state_write_atomic(journal, buf, len) == -1)
		log_warn("journal %s: cannot write; open doors will not "
		    "survive a crash", journal);
	free(buf);
}

/* The open door of this door, source, user and derived port: a second
 * open on another port is a door of its own. */
static struct door_entry *
find(const struct door_entry *k)
{
	for (int i = 0; i < DOOR_MAX_OPEN; i++)
		if (doors[i].used && strcmp(doors[i].door, k->door) == 0 &&
		    strcmp(doors[i].src, k->src) == 0 &&
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
	journal_save();
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
	journal_save();
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
	if (action_run(argv, &v, e->cmd_timeout, stop_done, tag_of(e), now) == -1)
		stop_done(tag_of(e), -1);
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
		journal_save();
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
	log_info("door %s closed for %s%s%s", e->door, e->src,
	    e->user[0] ? " user " : "", e->user);
	if (e->reopen && e->start.argv != NULL && !closing_all) {
		/* Knocked again while closing: open afresh. */
		e->reopen = 0;
		e->retries = 0;
		e->deadline = now + (kw_ms)e->stop_after * 1000;
		e->wall_deadline = time(NULL) + e->stop_after;
		journal_save();
		run_start(e, now);
		start_waiting(e, e, now);
		return;
	}
	if (!closing_all)
		start_waiting(e, NULL, now);
	entry_clear(e);
	stats.open--;
	journal_save();
}

/* Copies cmd into *dst as one allocation. 0 or -1. */
static int
cmd_copy(struct config_cmd *dst, const struct config_cmd *cmd)
{
	if ((dst->argv = argv_copy(cmd->argv, cmd->argc)) == NULL)
		return -1;
	dst->argc = cmd->argc;
	return 0;
}

/* Fills e's commands from door d of config c. 0 or -1. */
static int
entry_commands(struct door_entry *e, const struct config_door *d)
{
	struct action_vars v;

	vars_of(e, "stop", &v);
	if ((e->stop_argv = action_argv(&d->stop, &v)) == NULL)
		return -1;
	if (cmd_copy(&e->start, &d->start) == -1)
		return -1;
	e->cmd_timeout = d->cmd_timeout;
	e->stop_after = d->stop_after;
	return 0;
}

void
door_open(const struct config *c, const struct door_req *ev, kw_ms now,
    time_t wall)
{
	const struct config_door *d = &c->doors[ev->door];
	struct door_entry tmp, *e;
	struct action_vars v;
	char line[DOOR_JOURNAL_LINE + 1];
	int n;

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
	if ((e = find(&tmp)) != NULL) {
		/* Extend rather than stack a second rule. */
		if (e->stopping) {
			/* Reopen with this configuration's start command (a
			 * door recovered from the journal has none). */
			if (e->start.argv == NULL &&
			    cmd_copy(&e->start, &d->start) == -1)
				log_warnx("door %s for %s: out of memory",
				    tmp.door, tmp.src);
			e->stop_after = d->stop_after;
			e->reopen = 1;
		} else {
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
	e->deadline = now + (kw_ms)d->stop_after * 1000;
	e->wall_deadline = wall + d->stop_after;
	if (entry_commands(e, d) == -1 ||
	    (n = journal_line(e, line, sizeof(line))) < 0) {
		stats.refused++;
		log_warnx("door %s for %s: cannot build the commands, or the "
		    "stop command is too long to journal (%d bytes a line): "
		    "refused", tmp.door, tmp.src, DOOR_JOURNAL_LINE);
		entry_clear(e);
		stats.open--;
		return;
	}
	e->jlen = (size_t)n;
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
		journal_save();
		return;
	}
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
	journal_save();
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

/* Reading the journal back: every field is checked against the
 * configuration, because what a line says is run as root. */

/* Decimal without sign or leading zero, at most max. 0 or -1. */
static int
dec_ok(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Undoes esc_append in place. 0, or -1 for a bad escape. */
static int
unesc(char *s)
{
	char *o = s;

	if (strcmp(s, "%00") == 0) {
		*s = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		unsigned v = 0;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		for (int i = 1; i <= 2; i++) {
			char h = s[i];
			v <<= 4;
			if (h >= '0' && h <= '9')
				v |= (unsigned)(h - '0');
			else if (h >= 'A' && h <= 'F')
				v |= (unsigned)(h - 'A' + 10);
			else
				return -1;
		}
		if (v == 0)
			return -1;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* 1 when path may run as a journaled stop command: a program some door's
 * command names, or (the door may have been removed since it opened) an
 * executable regular file that only root, or we, can change. */
static int
program_ok(const struct config *c, const char *path)
{
	struct stat sb;

	if (path[0] != '/')
		return 0;
	for (int i = 0; i < c->ndoors; i++) {
		const struct config_door *d = &c->doors[i];

		if ((d->stop.argc > 0 && strcmp(d->stop.argv[0], path) == 0) ||
		    (d->start.argc > 0 && strcmp(d->start.argv[0], path) == 0))
			return 1;
	}
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & 0111) != 0 && (sb.st_mode & 022) == 0 &&
	    (sb.st_uid == 0 || sb.st_uid == geteuid());
}

/* 1 when user may open door d: an HMAC door's user, or none for a
 * static door. */
static int
user_of_door(const struct config *c, const struct config_door *d,
    const char *user)
{
	int u;

	if (!d->is_hmac)
		return strcmp(user, "-") == 0;
	if ((u = config_user_index(c, user)) < 0)
		return 0;
	for (int i = 0; i < d->hmac.nusers; i++)
		if (d->hmac.users[i] == u)
			return 1;
	return 0;
}

/* Checks and loads one journal line of format version (1 or 2). Returns
 * 0 (loaded, or a door that can only be reported), or -1 with why. */
static int
recover_line(const struct config *c, int version, char *line, kw_ms now,
    time_t wall, const char **why)
{
	char *f[6 + KW_MAX_ARGV + 1], *save = NULL, *w;
	int nf = 0, di, argc;
	unsigned long long port = 0, dl, tmo = 0;
	struct kw_addr a;
	char canon[ADDR_STRLEN];
	const struct config_door *d = NULL;
	const char *stale = NULL;
	struct door_entry *e;

	*why = "malformed";
	if (strlen(line) > DOOR_JOURNAL_LINE)
		return (*why = "too long"), -1;
	for (w = strtok_r(line, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (nf == (int)(sizeof(f) / sizeof(f[0])))
			return (*why = "too many fields"), -1;
		f[nf++] = w;
	}
	if (version == 1 ? nf != 5 : nf < 7)
		return -1;
	/* f: door, source, user, port, deadline [, cmd_timeout, argv...] */
	if (strlen(f[0]) > KW_NAME_MAX || strlen(f[2]) > KW_NAME_MAX)
		return (*why = "name too long"), -1;
	if (addr_parse(f[1], strlen(f[1]), &a) == -1 ||
	    strcmp(addr_ntop(&a, canon, sizeof(canon)), f[1]) != 0)
		return (*why = "address not in canonical form"), -1;
	if (strcmp(f[3], "-") != 0 && dec_ok(f[3], 65535, &port) == -1)
		return (*why = "bad port"), -1;
	if (strcmp(f[3], "-") != 0 && port == 0)
		return (*why = "bad port"), -1;
	if (dec_ok(f[4], (unsigned long long)1 << 40, &dl) == -1)
		return (*why = "bad deadline"), -1;
	if (version == 2 && dec_ok(f[5], 86400, &tmo) == -1)
		return (*why = "bad command time limit"), -1;
	/* A user name of the configuration's alphabet that no option parser
	 * could take for a flag (it reaches KNOCK_USER). */
	if (strcmp(f[2], "-") != 0 && (f[2][0] == '-' || strspn(f[2],
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
	    != strlen(f[2])))
		return (*why = "bad user name"), -1;
	if ((di = config_door_index(c, f[0])) >= 0)
		d = &c->doors[di];
	if (d != NULL && !user_of_door(c, d, f[2]))
		stale = "user not of this door";
	else if (d != NULL && (d->is_hmac && d->hmac.has_open ?
	    (port < d->hmac.open_lo || port > d->hmac.open_hi) :
	    strcmp(f[3], "-") != 0))
		stale = "port not in the door's open_range";
	else if (d == NULL && strcmp(f[2], "-") != 0 &&
	    config_user_index(c, f[2]) < 0)
		stale = "unknown user";
	/* Format 1 lines are closed with today's stop command, expanded
	 * with their fields: those must be ones the door can open. Format 2
	 * lines carry the stop command they opened with: a user revoked or
	 * a port range changed since is a door to close now, not a line to
	 * set aside (which would leave it open). */
	if (stale != NULL && version == 1)
		return (*why = stale), -1;
	if (version == 1 && (d == NULL || d->stop.argc == 0)) {
		log_warnx("DOOR MAY BE OPEN: journal names door %s for %s, "
		    "which has no stop command now; close it by hand", f[0],
		    f[1]);
		return 0;
	}
	argc = nf - 6;
	if (version == 2) {
		for (int i = 6; i < nf; i++)
			if (unesc(f[i]) == -1)
				return (*why = "bad escape"), -1;
		if (!program_ok(c, f[6]))
			return (*why = "stop program unknown, or writable "
			    "by others"), -1;
	}
	if ((e = alloc_entry()) == NULL)
		return (*why = "no free slot"), -1;
	snprintf(e->src, sizeof(e->src), "%s", canon);
	snprintf(e->door, sizeof(e->door), "%s", f[0]);
	snprintf(e->family, sizeof(e->family), "%s",
	    a.family == AF_INET6 ? "inet6" : "inet");
	snprintf(e->user, sizeof(e->user), "%s",
	    strcmp(f[2], "-") == 0 ? "" : f[2]);
	snprintf(e->open_port, sizeof(e->open_port), "%s",
	    strcmp(f[3], "-") == 0 ? "" : f[3]);
	if (version == 1) {
		if (entry_commands(e, d) == -1)
			goto fail;
	} else {
		/* The stop command as it was when the door opened. */
		struct config_cmd from = { &f[6], argc }, to;

		if (cmd_copy(&to, &from) == -1)
			goto fail;
		e->stop_argv = to.argv;
		e->cmd_timeout = (unsigned)tmo;
		if (d != NULL) {
			e->stop_after = d->stop_after;
			if (cmd_copy(&e->start, &d->start) == -1)
				goto fail;
		}
	}
	{
		char tmpl[DOOR_JOURNAL_LINE + 1];
		int n;

		e->wall_deadline = (time_t)dl;
		if ((n = journal_line(e, tmpl, sizeof(tmpl))) < 0)
			goto fail;
		e->jlen = (size_t)n;
	}
	e->deadline = (time_t)dl <= wall || stale != NULL ? now :
	    now + (kw_ms)((time_t)dl - wall) * 1000;
	if (stale != NULL)
		log_warnx("journal: door %s for %s%s%s: %s since it opened: "
		    "closing it now with the stop command it opened with",
		    e->door, e->src, e->user[0] != '\0' ? " user " : "",
		    e->user, stale);
	else
		log_info("journal: door %s for %s %s%s", e->door, e->src,
		    (time_t)dl <= wall ? "expired while we were down: closing" :
		    "still open: keeping its deadline", d == NULL ? " (the "
		    "door is no longer configured: closing with the stop "
		    "command it opened with)" : "");
	return 0;
fail:
	entry_clear(e);
	stats.open--;
	*why = "out of memory";
	return -1;
}

void
door_recover(const struct config *c, kw_ms now, time_t wall)
{
	size_t len;
	char *buf, *line, *save = NULL;
	int lineno = 0, nbad = 0, version = 1;
	const char *why;

	if ((buf = state_read_mine(journal, &len)) == NULL) {
		if (errno == ENOENT)
			return;
		/* Not ours, a link, or group/other-writable: its lines
		 * cannot be trusted. */
		log_warn("journal %s: refused, set aside", journal);
		if (errno == EPERM || errno == ELOOP || errno == EINVAL ||
		    errno == EFBIG)
			state_set_aside_tag(journal, "bad");
		return;
	}
	if (strlen(buf) != len) {
		log_warnx("journal %s: NUL bytes, set aside", journal);
		state_set_aside_tag(journal, "bad");
		free(buf);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (lineno == 1 && strncmp(line, DOOR_JOURNAL_MAGIC " ",
		    sizeof(DOOR_JOURNAL_MAGIC)) == 0) {
			if (strcmp(line + sizeof(DOOR_JOURNAL_MAGIC), "2") != 0) {
				log_warnx("journal %s: unknown format '%.40s', "
				    "set aside", journal, line);
				state_set_aside_tag(journal, "bad");
				free(buf);
				return;
			}
			version = 2;
			continue;
		}
		if (recover_line(c, version, line, now, wall, &why) == -1) {
			nbad++;
			log_warnx("journal %s: line %d refused (%s)", journal,
			    lineno, why);
		}
	}
	if (nbad > 0) {
		/* Kept for the admin; the good lines are journaled anew. */
		log_warnx("journal %s: %d line(s) refused, the file is set "
		    "aside as %s.bad-*", journal, nbad, journal);
		state_set_aside_tag(journal, "bad");
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
	char line[384];

	for (int i = 0; i < DOOR_MAX_OPEN; i++) {
		const struct door_entry *e = &doors[i];
		if (!e->used)
			continue;
		snprintf(line, sizeof(line), "open door %s src %s user %s "
		    "port %s closes in %lld s%s", e->door, e->src,
		    e->user[0] ? e->user : "-",
		    e->open_port[0] ? e->open_port : "-",
		    e->stopping || e->deadline == KW_MS_NEVER ? 0LL :
		    (long long)((e->deadline - now + 999) / 1000),
		    e->stopping ? " (closing)" : e->waiting ? " (waiting for "
		    "the rule's stop command)" : "");
		out(arg, line);
	}
}
