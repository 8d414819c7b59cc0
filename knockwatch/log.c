/* log.c — leveled logging to stderr or syslog; the only place that writes
 * diagnostics. It never sees key material: callers log fingerprints. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static int log_to_syslog;
static int log_level_verbose;
static int log_journal;		/* stderr is systemd's journal stream */
static log_sink_fn log_sink;

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected
 * to stderr: only when stderr is still that stream (not redirected since)
 * do lines carry sd-daemon's "<N>" priority prefix. */
static int
log_journal_stream(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (e == NULL || sscanf(e, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int to_syslog, int verbose)
{
	log_to_syslog = to_syslog;
	log_level_verbose = verbose;
	log_journal = log_journal_stream();
	if (to_syslog)
		openlog("knockwatch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

const char *
log_prefix(int pri)
{
	static const char prefix[8][4] = {
		"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>",
	};

	if (!log_journal)
		return "";
	return prefix[pri & 7];
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
		fprintf(stderr, "%sknockwatch: %s%s\n", log_prefix(pri), tag,
		    msg);
}

#define LOG_BODY(pri, e) do { va_list ap; va_start(ap, fmt); \
	log_vwrite(pri, fmt, ap, e); va_end(ap); } while (0)

void log_warn(const char *fmt, ...)  { LOG_BODY(LOG_WARNING, 1); }
void log_errx(const char *fmt, ...)  { LOG_BODY(LOG_ERR, 0); }
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
