/* control.h — the requests of the control socket (ctl.c), answered in the
 * root parent: status (text or JSON), open and close a door by hand,
 * reload. */
#ifndef KW_CONTROL_H
#define KW_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "config.h"

/* What control.c needs of the daemon (loop.c), as calls: no link back. */
struct control_hooks {
	void *self;
	/* The running configuration (key-less). */
	const struct config *(*cfg)(void *self);
	/* The parent's lines of the text report. */
	void (*report)(void *self, void (*out)(void *, const char *),
	    void *arg);
	/* Reloads started so far, and reloads done and failed. */
	void (*reloads)(void *self, uint64_t *started, uint64_t *ok,
	    uint64_t *failed);
	/* Starts a reload, or queues one after the reload or worker start
	 * in progress; the outcome comes through control_reloaded. -1 when
	 * none will run (the daemon is shutting down). */
	int (*reload)(void *self);
	/* 1 once the daemon closes its doors to exit. */
	int (*stopping)(void *self);
	/* The configuration file a reload reads (absolute when it could be
	 * resolved at start): the answer to "config". */
	const char *(*path)(void *self);
};

/* Keeps the hooks; started is the daemon's start (wall clock). */
void control_init(const struct control_hooks *hooks, time_t started);
/* The ctl_request_fn for ctl_open: one request line of client id
 * ("status", "status json", "open DOOR ADDR SECONDS PORT",
 * "close DOOR ADDR", "reload", "config": the daemon's file). */
void control_request(void *self, unsigned id, char *req);
/* The worker's status lines (NULL: none to give): answers the status
 * requests waiting for them. */
void control_worker_part(const char *part, size_t len);
/* The reload numbered seq (the count of started reloads once it started)
 * ended: ok, and the line that says so. Answers the reload requests made
 * before it started. */
void control_reloaded(uint64_t seq, int ok, const char *msg);
/* The version status --json reports (main.c has it); kept, not copied. */
void control_version(const char *version);
/* control_status.c: the status for the worker's part (NULL: none), as
 * text or (json) one JSON document; started is the daemon's start. A
 * malloc'd buffer of *outlen bytes (the caller frees it), or NULL. */
char *control_status(const struct control_hooks *h, time_t started,
    int json, const char *part, size_t len, size_t *outlen);
/* Status requests that waited CONTROL_WAIT_MS for the worker get the
 * parent's part alone. */
kw_ms control_deadline(void);
void control_tick(kw_ms now);

#endif
