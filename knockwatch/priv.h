/* priv.h — the worker's side of privilege separation: what it needs from
 * outside its sandbox (log files, directory watches, /dev/kmsg, command
 * sources, key files) and what it tells the parent (door requests, log
 * lines, config answers, status). Each call priv_X is one message, which
 * the parent answers with answer_X (answer.c, or monitor.c for the
 * worker's own state), through monitor.c's table of requests.
 * Without a parent (unit tests, tools) the requests are the plain system
 * calls and the messages go nowhere. */
#ifndef KW_PRIV_H
#define KW_PRIV_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"

/* From now on every call goes to the parent over sock (the worker's end of
 * the request socket). */
void priv_remote(int sock);

/* A new inotify instance (non-blocking, close-on-exec); in the worker the
 * one the parent shares, which it adds watches to. -1 with errno. */
int priv_inotify(void);
/* Opens a log file read-only, non-blocking, and says how to read it:
 * *how is PRIV_LOG_RESUME when it is the file a previous worker read,
 * handed over with that worker's offset (the description's own, which
 * logwatch keeps current); PRIV_LOG_UNREAD when it came to the name while
 * no worker looked (read it from its start); else PRIV_LOG_NEW. -1 with
 * errno. */
#define PRIV_LOG_NEW	0
#define PRIV_LOG_RESUME	1
#define PRIV_LOG_UNREAD	2
int priv_open_log(const char *path, int *how);
/* The i-th (oldest first) file that path named before and that a previous
 * worker had not finished reading (renamed or deleted away), with that
 * worker's offset. -1 with errno ENOENT when there are no more (always
 * without a parent). */
int priv_open_rotated(const char *path, int i);
/* Done reading the rotated-away file dev/ino of path: the parent lets go
 * of it. Without a parent, nothing. */
void priv_log_done(const char *path, dev_t dev, ino_t ino);
/* stat(2) of a log file or of a directory above one: fills st_dev, st_ino,
 * st_size and st_mode only. 0 or -1 with errno. */
int priv_stat(const char *path, struct stat *st);
/* inotify_add_watch on ifd for path, or for the file behind fd (its inode,
 * whatever its name is now). The watch descriptor, or -1 with errno. */
int priv_watch(int ifd, const char *path, uint32_t mask);
int priv_watch_fd(int ifd, int fd, const char *path, uint32_t mask);
/* /dev/kmsg, read-only, non-blocking. -1 with errno. */
int priv_kmsg(void);
/* Starts command source idx of c (argv from the parent's own config):
 * returns the read end of its stdout, non-blocking, and *pid (0: the parent
 * holds the child). -1 with errno (ENOTSUP without a parent: only the
 * parent runs command sources). */
int priv_cmd_start(const struct config *c, int idx, pid_t *pid);
/* Stops command source idx started with pid (the parent kills its group
 * and reaps it). Without a parent, nothing. */
void priv_cmd_stop(int idx, pid_t pid);
/* config_opts.open_key: opens a key file. -1 with errno. */
int priv_open_key(void *arg, const char *path);

/* The worker's messages that have no reply. */
struct msg_door;
/* Asks the parent to open a door (checked there by grant_door). */
void priv_door(const struct msg_door *d);
/* One log line at priority pri (the log.c sink in the worker): dropped
 * when the parent is too busy to read it. */
void priv_log(int pri, const char *msg);
/* The answer to a config: ok, or err saying why not. */
void priv_loaded(int ok, const char *err);
/* One status line for the parent, and the end of them. */
void priv_report_line(const char *line);
void priv_report_end(void);
/* The answer to the parent's MSG_PING (alive.c): this worker's loop runs. */
void priv_pong(void);

/* The plain implementation, which the parent runs for the worker. */
int priv_do_watch_fd(int ifd, int fd, const char *path, uint32_t mask);

#endif
