/* log.h — leveled logging to stderr (foreground, systemd style) or syslog. */
#ifndef KW_LOG_H
#define KW_LOG_H

#include <stdarg.h>

#define KW_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the destination and verbosity: to_syslog != 0 sends lines to
 * syslog(3) under "knockwatch", else to stderr; verbose > 0 enables debug. */
void log_init(int to_syslog, int verbose);
int  log_verbose(void);
/* log_warn appends strerror(errno); the x variants do not. */
void log_warn(const char *fmt, ...) KW_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) KW_PRINTF(1, 2);
void log_info(const char *fmt, ...) KW_PRINTF(1, 2);
void log_debug(const char *fmt, ...) KW_PRINTF(1, 2);
/* Broken invariants and out-of-memory only: logs and exits 1. */
void fatal(const char *fmt, ...) KW_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) KW_PRINTF(1, 2) __attribute__((noreturn));

#endif
