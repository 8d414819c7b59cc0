/* loop.h — the privileged parent's event loop. */
#ifndef KW_LOOP_H
#define KW_LOOP_H

#include <signal.h>

#include "config.h"

/* Blocks the signals the loop reads from its signalfd (TERM, INT, HUP,
 * USR1) and puts them in *mask. */
void loop_block_signals(sigset_t *mask);

/* Runs the daemon on cfg (loaded without keys from fd, both taken over):
 * starts the worker, then loops until TERM or INT. Returns an exit
 * status (78 when the worker cannot load the config). */
int loop_run(const char *path, struct config *cfg, int fd, int verbose);
/* Refuses, logging an error with the remedy: a state_dir or runtime_dir
 * that another user controls (state_dir_check), that is a shared system
 * directory or holds entries knockwatch does not keep (state_dir_own; not
 * at a reload); start/stop programs and key files others can change
 * (state_file_check). Warns about a state_dir under /tmp (not at a
 * reload). how: 0 (-n), LOOP_DIRS_CREATE (start: makes the directories,
 * mode 0700, without following a link) or LOOP_DIRS_RELOAD. Returns 0 or
 * -1. */
#define LOOP_DIRS_CREATE 1
#define LOOP_DIRS_RELOAD 2
int loop_check_dirs(const struct config *cfg, int create);
/* Loads path without keys for the parent; *fd gets the descriptor it was
 * parsed from (for the worker). NULL with a message in err. */
struct config *loop_load(const char *path, int *fd, char *err, size_t errlen);

#endif
