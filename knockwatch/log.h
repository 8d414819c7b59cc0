/* log.h — leveled logging to stderr (foreground, systemd style) or syslog. */
#ifndef KW_LOG_H
#define KW_LOG_H

#include <stdarg.h>

#define KW_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the destination and verbosity: to_syslog != 0 sends lines to
 * syslog(3) under "knockwatch", else to stderr; verbose > 0 enables debug. */
void log_init(int to_syslog, int verbose);
int  log_verbose(void);
/* "<N>" (sd-daemon's priority prefix for pri, LOG_*) when stderr is
 * systemd's journal stream (JOURNAL_STREAM names it), else "": for the
 * few lines written to stderr without log_*. Set by log_init. */
const char *log_prefix(int pri);
/* The worker sends its lines to the parent: sink gets every line (with its
 * syslog priority) instead of stderr or syslog. NULL restores them. */
typedef void (*log_sink_fn)(int pri, const char *msg);
void log_set_sink(log_sink_fn sink);
/* Writes one finished line at priority pri (LOG_*): the parent's way to
 * pass on the worker's lines. Debug lines need verbose > 0. */
void log_emit(int pri, const char *msg);
/* log_warn appends strerror(errno); the x variants do not. */
void log_warn(const char *fmt, ...) KW_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) KW_PRINTF(1, 2);
/* An error the daemon runs on with (a user disabled): LOG_ERR. */
void log_errx(const char *fmt, ...) KW_PRINTF(1, 2);
void log_info(const char *fmt, ...) KW_PRINTF(1, 2);
void log_debug(const char *fmt, ...) KW_PRINTF(1, 2);
/* Broken invariants and out-of-memory only: logs and exits 1. */
void fatal(const char *fmt, ...) KW_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) KW_PRINTF(1, 2) __attribute__((noreturn));

#endif
