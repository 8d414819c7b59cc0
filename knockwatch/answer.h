/* answer.h — the parent's answers to the worker's requests that open,
 * watch, start or act (monitor.c's request table names them). The
 * dependency is one way: monitor.c calls these with a struct answer_ctx;
 * nothing here calls monitor.c. */
#ifndef KW_ANSWER_H
#define KW_ANSWER_H

#include <stddef.h>
#include <time.h>

#include "clock.h"
struct config;
struct msg_door;
struct stat;

/* What an answer may use besides its payload, filled by the dispatcher
 * (monitor.c) for each request; valid for that call only. */
struct answer_ctx {
	/* The configs a request may refer to: [0] the running one, [1]
	 * during a reload the one the worker is loading, else NULL. */
	const struct config *cfgs[2];
	int ifd;		/* the worker's inotify instance, or -1 */
	time_t wall;		/* the wall clock at dispatch (door deadlines) */
	/* Replies to the request: rc, errno err when rc is -1, *st when
	 * given, and descriptor fd (-1: none), which it closes. A reply
	 * that cannot be sent ends the worker. */
	void (*reply)(int rc, int err, const struct stat *st, int fd);
	/* The worker broke the protocol (why, for the log): it is ended
	 * and a fresh one started; nothing more it sent is read. */
	void (*refuse)(const char *why);
	/* The worker's HMAC open d was refused by door_open (its door's or
	 * the whole table was full): tells the worker, which spent its step
	 * before asking, to give the step back. */
	void (*door_refused)(const struct msg_door *d);
};

/* Every answer has one contract, as monitor.c's request table calls it:
 * ax the context above, p the payload (len bytes,
 * NUL-terminated one past), fd the descriptor that came with it or -1
 * (only where the table allows one; the answer owns and closes it), now
 * the loop's time. Each checks the request against ax->cfgs and replies
 * through ax->reply, or ends the worker through ax->refuse. Returns 0 when
 * the request was handled (answered, or refused with its own reason), -1
 * when it asks for something outside the parent's configs (the dispatcher
 * refuses it). */

/* A log file a file source names (priv_open_log): held_open's descriptor. */
int answer_open_log(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* A rotated generation of a file source's log (priv_open_rotated). */
int answer_open_rotated(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* The worker is done with a rotated file (priv_log_done); held_done. */
int answer_log_done(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* stat(2) of a configured path or its directory (priv_stat). */
int answer_stat(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* An inotify watch on a configured path, in the worker's inotify
 * instance (priv_watch). */
int answer_watch(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* An inotify watch on a regular file the worker holds open (fd). */
int answer_watch_fd(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* /dev/kmsg, when a kmsg source is configured (priv_kmsg). */
int answer_kmsg(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* Starts command source i (a uint32_t) through cmdsrc_start; the reply
 * carries its output's read end, or EAGAIN to retry. */
int answer_cmd_start(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* Ends command source i (a uint32_t) through cmdsrc_stop. */
int answer_cmd_stop(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* A key file a user names, opened, never read (priv_open_key). */
int answer_open_key(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);
/* The one request that acts (a struct msg_door, no reply): checked by
 * grant_door against the running config, then door_open; an HMAC open
 * door_open refuses goes back through ax->door_refused. */
int answer_door(const struct answer_ctx *ax, char *p, size_t len,
    int fd, kw_ms now);

#endif
