/* door.h — doors that are open now: start, extend, stop on time, retry a
 * failed stop, and a journal in state_dir so a crash leaves none open. */
#ifndef KW_DOOR_H
#define KW_DOOR_H

#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "host.h"

#define DOOR_MAX_OPEN 4096	/* open (door, source) pairs at once */

/* Open door for src: the worker's request (struct msg_door) once the
 * parent has checked it (grant_door), as indices into the parent's
 * config. The parent's own type: it does not include the worker's knock
 * state machine. */
struct door_req {
	int door;		/* index into the config's doors */
	struct kw_addr src;
	int user;		/* index into the config's users, -1 for static doors */
	uint16_t open_port;	/* 0 when the door has no open_range */
	uint64_t step;		/* HMAC time step that opened, 0 for static */
	unsigned stop_after;	/* seconds open; 0: the door's stop_after
				 * (a door opened by hand: --for) */
	char host[HOST_MAX + 1];	/* fleet host (canonical), "" for none */
};

struct door_stats {
	uint64_t opened, extended, closed, stop_failures, refused;
	uint64_t start_failures;	/* start exited non-zero: not open */
	uint64_t stop_unusable;		/* stop exited 64: given up, logged */
	unsigned open;
};

/* Sets the journal file (state_dir/open) and allocates the table. 0/-1. */
int door_init(const char *journal_path);
void door_free(void);
/* Reads the journal left by an earlier run: doors whose deadline passed
 * are closed now with the stop command of config c; the others get their
 * remaining time. A corrupt journal is set aside and reported. */
void door_recover(const struct config *c, kw_ms now, time_t wall);
/* A sequence completed: journals the door and runs its start command, or,
 * when the door is open for that source already, extends its deadline.
 * Refused (logged, counted) when the door holds its max_open entries
 * already, when DOOR_MAX_OPEN are open in all, or when its commands cannot
 * be built. Returns 0, or -1 when refused. */
int door_open(const struct config *c, const struct door_req *ev,
    kw_ms now, time_t wall);
/* Runs the stop commands that are due, and those that waited for room in
 * the command queue. */
void door_tick(kw_ms now);
kw_ms door_deadline(void);
/* Shutdown: runs every pending stop command now, one per firewall rule
 * (twins, see door.c), and from then on retries a failed stop a few times
 * (DOOR_SHUTDOWN_TRIES, a second apart); every journaled deadline becomes
 * wall at the latest, so a door still open at exit closes at the next
 * start. */
void door_close_all(kw_ms now, time_t wall);
/* 1 while a door has a stop running or a retry due (not yet given up). */
int door_busy(void);
/* At exit: logs "DOOR STILL OPEN ... journaled" for each door still open.
 * Returns their number. */
unsigned door_report_open(void);
void door_stats(struct door_stats *st);
/* For journal.c only: one open door, as the table keeps it and the
 * journal writes it. */
struct door_entry {
	int used;
	int stopping;		/* stop command running */
	int reopen;		/* opened again while stopping */
	int starting;		/* start command running */
	int waiting;		/* start waits for a twin's stop to end */
	int given_up;		/* shutdown: stop failed every try */
	int deferred;		/* stopping, its command waits for room in
				 * the command queue */
	uint32_t rides_on;	/* gen of the twin whose start is running */
	uint32_t gen;
	char door[KW_NAME_MAX + 1];
	char user[KW_NAME_MAX + 1];
	char src[ADDR_STRLEN];
	char host[HOST_MAX + 1];	/* fleet host, "" for none */
	char family[8];
	char open_port[8];
	struct config_cmd start;	/* copies, so reload cannot free them */
	char **stop_argv;	/* substituted stop command */
	unsigned cmd_timeout, stop_after, retries;
	kw_ms deadline;
	time_t wall_deadline;
	size_t jlen;		/* length of its journal line */
};
/* Takes a free slot (used, new gen, counted open), or NULL when
 * DOOR_MAX_OPEN are open. */
struct door_entry *door_entry_alloc(void);
/* Frees what door_entry_alloc's slot holds and gives the slot back. */
void door_entry_release(struct door_entry *e);
/* Fills e's stop argv (substituted for e) and start command from door d.
 * 0 or -1 (out of memory; the caller releases e). */
int door_entry_commands(struct door_entry *e, const struct config_door *d);
/* Copies cmd into *dst as one allocation (the caller frees dst->argv).
 * 0 or -1. */
int door_cmd_copy(struct config_cmd *dst, const struct config_cmd *cmd);

/* `knockwatch close`: the open doors named door for src (any user, any
 * port) close now: their stop command runs (or, for one that shares its
 * rule, the entry goes). Returns how many closed, 0 when none was open
 * but those whose stop command runs already: *stopping counts them. */
unsigned door_close_now(const char *door, const struct kw_addr *src,
    kw_ms now, unsigned *stopping);
/* Calls fn once per open door with its entry and its seconds left (0 while
 * closing); fn may not change the table. */
void door_walk(void (*fn)(void *arg, const struct door_entry *e,
    long long left), void *arg, kw_ms now);

/* Writes one line per open door (door, source, user, derived port,
 * seconds left). */
void door_dump(void (*out)(void *arg, const char *line), void *arg, kw_ms now);

#endif
