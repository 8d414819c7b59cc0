/* monitor.h — the privileged parent's side of the worker: starts it,
 * restarts it with back-off, answers its requests for files, and turns its
 * one acting request (open door D for source S) into door_open after
 * checking it against the parent's own config. */
#ifndef KW_MONITOR_H
#define KW_MONITOR_H

#include <stddef.h>
#include <time.h>

#include "clock.h"
#include "config.h"

struct monitor_cb {
	/* The worker answered a config: ok, or why not. */
	void (*loaded)(void *arg, int ok, const char *err);
	/* The worker's status lines (part == NULL: no worker to ask). */
	void (*report)(void *arg, const char *part, size_t len);
	void *arg;
};

struct monitor_stats {
	int pid;		/* the worker now, or 0 */
	time_t since;		/* when it started (wall clock), or 0 */
	unsigned long long starts, crashes, refused;
	int exit_failed;	/* the worker's exit at shutdown was not 0 */
};

/* Remembers how to start the worker again (this program, opened now) and
 * the config path. 0, or -1 with errno. */
int monitor_init(const char *path, int verbose, const struct monitor_cb *cb);
/* The config the parent runs now (key-less) and the descriptor it was
 * parsed from, which the worker parses too (the monitor takes it). Requests
 * are checked against c; the caller keeps c alive until the next call. */
void monitor_set_config(const struct config *c, int fd);
/* Starts the worker on the current config. 0, or -1 (logged). */
int monitor_start(kw_ms now);
/* Sends pending (parsed from fd, which the monitor takes; the caller keeps
 * pending) to the worker; the loaded callback says whether it took it, and
 * on success pending is the current config. -1 when no worker runs. */
int monitor_reload(const struct config *pending, int fd);
/* 1 while the worker has a config to answer (a reload waits). */
int monitor_busy(void);
/* Asks the worker for its status lines: mode 1 logs them, else they come
 * back through the report callback (mode 2: with a line per attempt in
 * progress, at most KW_REPORT_ATTEMPTS). */
void monitor_ask_report(int mode);
kw_ms monitor_deadline(void);
void monitor_tick(kw_ms now);
/* Stops restarting; ends the worker. */
void monitor_stop(void);
void monitor_stats(struct monitor_stats *st);

/* For answer.c, the answers to the worker's requests. */
struct stat;
/* Replies to the request being answered: rc, errno err when rc is -1,
 * *st when given, and descriptor fd (-1: none), which it closes. A reply
 * that cannot be sent ends the worker. */
void monitor_reply(int rc, int err, const struct stat *st, int fd);
/* The worker broke the protocol (why, for the log): it is ended, and a
 * fresh one started; nothing more it sent is read. */
void monitor_refuse(const char *why);
/* The configs a request may refer to: [0] the running one, [1] during a
 * reload the one the worker is loading, else NULL. Valid until the next
 * call. */
const struct config *const *monitor_cfgs(void);
/* The worker's inotify instance (answer_watch adds to it), or -1. */
int monitor_ifd(void);

#endif
