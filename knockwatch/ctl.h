/* ctl.h — the control socket: `knockwatch status` reads the daemon's
 * report from a unix socket in the runtime directory (root only). */
#ifndef KW_CTL_H
#define KW_CTL_H

#include <stddef.h>

#define CTL_SOCKET "knockwatch.sock"
#define CTL_MAX_REPORT (1u << 20)

/* Fills the report: calls out(arg, line) once per line. */
typedef void (*ctl_report_fn)(void *self, void (*out)(void *, const char *),
    void *arg);

/* Creates dir (0700) and listens on dir/knockwatch.sock (0600), replacing a
 * stale socket. Each connection gets the report and is closed. 0 or -1. */
int ctl_open(const char *dir, ctl_report_fn report, void *self);
void ctl_close(void);
/* The client: `knockwatch status [-S SOCKET] [-c CONFIG]`; argv[0] is
 * "status". Returns an exit status. */
int ctl_status_main(int argc, char **argv);

#endif
