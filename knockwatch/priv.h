/* priv.h — what the worker needs from outside its sandbox: log files,
 * directory watches, /dev/kmsg, command sources, key files. Without a
 * parent (unit tests, tools) these are the plain system calls; in the worker
 * each is one request to the parent, which checks it against its config. */
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
/* Opens a log file read-only, non-blocking. *resume is 1 when it is the
 * file a previous worker read, handed over with that worker's offset (the
 * description's own, which logwatch keeps current). -1 with errno. */
int priv_open_log(const char *path, int *resume);
/* stat(2) of a log file or of a directory above one: fills st_dev, st_ino,
 * st_size and st_mode only. 0 or -1 with errno. */
int priv_stat(const char *path, struct stat *st);
/* inotify_add_watch on ifd for path, or for the file behind fd (its inode,
 * whatever its name is now). The watch descriptor, or -1 with errno. */
int priv_watch(int ifd, const char *path, uint32_t mask);
int priv_watch_fd(int ifd, int fd, const char *path, uint32_t mask);
/* /dev/kmsg, read-only, non-blocking. -1 with errno. */
int priv_kmsg(void);
/* Starts command source idx of c (argv from the parent's own config in the
 * worker): returns the read end of its stdout, non-blocking, and *pid (0
 * when the parent holds the child). -1 with errno. */
int priv_cmd_start(const struct config *c, int idx, pid_t *pid);
/* Stops command source idx started with pid: TERM to its group, reaped. */
void priv_cmd_stop(int idx, pid_t pid);
/* config_opts.open_key: opens a key file. -1 with errno. */
int priv_open_key(void *arg, const char *path);

/* The plain implementations, which the parent runs for the worker. */
int priv_do_cmd_start(const struct config_source *s, pid_t *pid);
void priv_do_cmd_stop(pid_t pid);
int priv_do_watch_fd(int ifd, int fd, const char *path, uint32_t mask);

#endif
