/* ctl.h — the control socket: `knockwatch status` reads the daemon's
 * report from a unix socket in the runtime directory (root only). */
#ifndef KW_CTL_H
#define KW_CTL_H

#include <stddef.h>

#include "clock.h"

#define CTL_SOCKET "knockwatch.sock"
#define CTL_MAX_REPORT (1u << 20)

/* Fills the report: calls out(arg, line) once per line. */
typedef void (*ctl_report_fn)(void *self, void (*out)(void *, const char *),
    void *arg);

/* Asks the worker for its part of the report; ctl_answer brings it. */
typedef void (*ctl_ask_fn)(void *self);

/* Creates dir (0700) and listens on dir/knockwatch.sock (0600), replacing a
 * stale socket. Each connection gets the worker's part (asked for with ask;
 * NULL: none) and the report, and is closed. 0 or -1. */
int ctl_open(const char *dir, ctl_report_fn report, ctl_ask_fn ask,
    void *self);
/* The worker's part (NULL: it has none to give): answers every waiting
 * client. */
void ctl_answer(const char *part, size_t len);
/* Clients that waited CTL_WAIT_MS get the parent's part alone. */
kw_ms ctl_deadline(void);
void ctl_tick(kw_ms now);
void ctl_close(void);
/* The client: `knockwatch status [-S SOCKET] [-c CONFIG]`; argv[0] is
 * "status". Returns an exit status. */
int ctl_status_main(int argc, char **argv);

#endif
