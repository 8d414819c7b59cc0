/* action.h — runs start/stop commands: argv only, minimal environment, a
 * run-time limit, a bounded number at once and a bounded queue. */
#ifndef KW_ACTION_H
#define KW_ACTION_H

#include "clock.h"
#include "config.h"

#define ACTION_MAX_QUEUE 4096	/* default bound of waiting commands */

struct action_vars {
	const char *event;	/* "start" or "stop" */
	const char *door;
	const char *src;	/* canonical address text */
	const char *family;	/* "inet" or "inet6" */
	const char *user;	/* "" for static doors */
	const char *open_port;	/* "" without open_range */
	const char *host;	/* fleet host (canonical), "" or NULL: none */
};

struct action_stats {
	uint64_t started, ok, failed, timeouts, queued_total, refused;
	unsigned running, queued;
};

/* Called once when a command has finished: status is its exit status
 * (0 for success, 1-255), or -1 when it was killed by a signal or could not
 * be started. */
typedef void (*action_done_cb)(void *arg, int status);

void action_set_limits(unsigned max_running, unsigned max_queued);
/* A new argv (one allocation, free with free()) with the placeholders
 * %SRC% %IP% %DOOR% %USER% %OPEN_PORT% %HOST% of cmd replaced from v. NULL when out
 * of memory or an element would exceed 4096 bytes. */
char **action_argv(const struct config_cmd *cmd, const struct action_vars *v);
/* Runs argv (taking ownership) with KNOCK_* variables from v, or queues it
 * when max_running commands run already. cb may be NULL. Returns 0, or -1
 * when the queue is full too (logged; cb is not called). */
int action_run(char **argv, const struct action_vars *v, unsigned timeout_s,
    action_done_cb cb, void *arg, kw_ms now);
/* 1 when action_run would take one more command (run it or queue it). */
int action_room(void);
/* Sends TERM, then KILL, to the process groups of commands past their
 * limit. */
void action_tick(kw_ms now);
kw_ms action_deadline(void);
/* Commands running or queued. */
unsigned action_pending(void);
void action_stats(struct action_stats *st);

#endif
