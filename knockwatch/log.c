/* log.c — leveled logging to stderr or syslog; the only place that writes
 * diagnostics. It never sees key material: callers log fingerprints. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static int log_to_syslog;
static int log_level_verbose;
static log_sink_fn log_sink;

void
log_init(int to_syslog, int verbose)
{
	log_to_syslog = to_syslog;
	log_level_verbose = verbose;
	if (to_syslog)
		openlog("knockwatch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_verbose(void)
{
	return log_level_verbose;
}

static void log_vwrite(int, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
log_vwrite(int pri, const char *fmt, va_list ap, int with_errno)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	if (log_sink != NULL)
		log_sink(pri, msg);
	else
		log_emit(pri, msg);
	errno = saved;
}

void
log_set_sink(log_sink_fn sink)
{
	log_sink = sink;
}

void
log_emit(int pri, const char *msg)
{
	const char *tag = pri <= LOG_CRIT ? "fatal: " : pri == LOG_ERR ?
	    "error: " : pri <= LOG_WARNING ? "warning: " :
	    pri == LOG_DEBUG ? "debug: " : "";

	if (pri == LOG_DEBUG && log_level_verbose <= 0)
		return;
	if (log_to_syslog)
		syslog(pri, "%s", msg);
	else
		fprintf(stderr, "knockwatch: %s%s\n", tag, msg);
}

#define LOG_BODY(pri, e) do { va_list ap; va_start(ap, fmt); \
	log_vwrite(pri, fmt, ap, e); va_end(ap); } while (0)

void log_warn(const char *fmt, ...)  { LOG_BODY(LOG_WARNING, 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_WARNING, 0); }
void log_info(const char *fmt, ...)  { LOG_BODY(LOG_INFO, 0); }

void
log_debug(const char *fmt, ...)
{
	if (log_level_verbose > 0)
		LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
