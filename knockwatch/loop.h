/* loop.h — the daemon: the one event loop, signals, reload, shutdown. */
#ifndef KW_LOOP_H
#define KW_LOOP_H

#include "config.h"

/* Runs the daemon with the loaded config cfg (taken over) read from path,
 * until SIGTERM/SIGINT. Returns the exit status. */
int loop_run(const char *path, struct config *cfg);

#endif
