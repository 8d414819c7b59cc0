/* answer.h — the parent's answers to the worker's requests that open,
 * watch, start or act (monitor.c's request table names them). */
#ifndef KW_ANSWER_H
#define KW_ANSWER_H

#include <stddef.h>

#include "clock.h"

/* Every answer has one contract, as monitor.c's request table calls it:
 * p is the payload (len bytes, NUL-terminated one past), fd the descriptor
 * that came with it or -1 (only where the table allows one; the answer
 * owns and closes it), now the loop's time. Each checks the request
 * against the parent's configs (monitor_cfgs) and replies through
 * monitor_reply, or ends the worker through monitor_refuse. Returns 0 when
 * the request was handled (answered, or refused with its own reason), -1
 * when it asks for something outside the parent's configs (the dispatcher
 * refuses it). */

/* A log file a file source names (priv_open_log): held_open's descriptor. */
int answer_open_log(char *p, size_t len, int fd, kw_ms now);
/* A rotated generation of a file source's log (priv_open_rotated). */
int answer_open_rotated(char *p, size_t len, int fd, kw_ms now);
/* The worker is done with a rotated file (priv_log_done); held_done. */
int answer_log_done(char *p, size_t len, int fd, kw_ms now);
/* stat(2) of a configured path or its directory (priv_stat). */
int answer_stat(char *p, size_t len, int fd, kw_ms now);
/* An inotify watch on a configured path, in the worker's inotify
 * instance (priv_watch). */
int answer_watch(char *p, size_t len, int fd, kw_ms now);
/* An inotify watch on a regular file the worker holds open (fd). */
int answer_watch_fd(char *p, size_t len, int fd, kw_ms now);
/* /dev/kmsg, when a kmsg source is configured (priv_kmsg). */
int answer_kmsg(char *p, size_t len, int fd, kw_ms now);
/* Starts command source i (a uint32_t) through cmdsrc_start; the reply
 * carries its output's read end, or EAGAIN to retry. */
int answer_cmd_start(char *p, size_t len, int fd, kw_ms now);
/* Ends command source i (a uint32_t) through cmdsrc_stop. */
int answer_cmd_stop(char *p, size_t len, int fd, kw_ms now);
/* A key file a user names, opened, never read (priv_open_key). */
int answer_open_key(char *p, size_t len, int fd, kw_ms now);
/* The one request that acts (a struct msg_door, no reply): checked by
 * grant_door against the running config, then door_open. */
int answer_door(char *p, size_t len, int fd, kw_ms now);

#endif
