/* kwlimits.h — limits and constants that more than one module relies on,
 * in one place, so that no module borrows another's header for them. A
 * module's own limits stay in its own file. (Not "limits.h": the unit tests
 * build with -Iknockwatch, where that name would hide the system's.) */
#ifndef KW_KWLIMITS_H
#define KW_KWLIMITS_H

/* Longest log line, in bytes without its newline, that any reader (log
 * files, command sources, replay) delivers; longer ones are dropped and
 * counted. The parser rejects longer input too. */
#define KW_MAX_LINE	8192

/* Files rotated away from one log path that are still read (worker) and
 * held for a restarted worker (parent): the two must agree. */
#define KW_MAX_ROTATED	4

/* Attempts in progress the worker lists for `knockwatch status --json`
 * (worker) and the status lines the parent accepts for them (monitor):
 * the rest are only counted. */
#define KW_REPORT_ATTEMPTS	256
/* Penalised sources the worker lists in a status report, the same way. */
#define KW_REPORT_PENALTIES	256

/* The worker's liveness (alive.c in the parent, worker.c answers): a ping
 * every KW_PING_MS while it runs; one left unanswered KW_WORKER_STALL_MS
 * gets the worker killed and restarted. */
#define KW_PING_MS		5000
#define KW_WORKER_STALL_MS	10000

/* PATH of every child knockwatch runs (actions, command sources). */
#define KW_CHILD_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#endif
