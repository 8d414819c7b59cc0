/* source.c — the log sources: file sources through logwatch, /dev/kmsg
 * records read directly. Each line goes through its source's parser; only
 * canonical knocks leave this file. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ev.h"
#include "host.h"
#include "linebuf.h"
#include "kwlimits.h"
#include "log.h"
#include "priv.h"

#define KMSG_RECORD 8192
#define CMD_BACKOFF_MIN_MS 1000
#define CMD_BACKOFF_MAX_MS 60000
#define OVERLONG_LOG_MS 60000	/* at most one overlong warning a minute */
#define HDR_WARN_LINES 1000	/* lines without a known header before the
				 * warning */
#define HDR_QUOTE 120		/* bytes of the line it quotes */

struct source {
	struct sources *set;
	const struct config_source *cfg;
	struct parser *parser;
	int watch;		/* logwatch id, or -1 */
	int kmsg_fd;		/* /dev/kmsg, or -1 */
	int kmsg_from;		/* index in the previous set it came from */
	int idx;		/* index of cfg in the config's sources */
	int cmd_running;	/* command source: started, not yet stopped */
	pid_t cmd_pid;		/* the child (0 when the parent holds it) */
	int cmd_fd;		/* its stdout, or -1 */
	kw_ms cmd_restart;	/* when to start it again, or KW_MS_NEVER */
	kw_ms cmd_backoff;
	struct linebuf cmd_lines;	/* over KW_MAX_LINE + 1 bytes */
	int hdr_warned;		/* the unknown-format warning was given */
};

struct sources {
	const struct config *c;
	struct source *v;
	int n;
	struct logwatch *lw;
	source_knock_cb cb;
	void *arg;
	kw_ms reject_logged;	/* rate limit of the debug line */
	kw_ms overlong_next;	/* rate limit of the overlong warning */
	uint64_t overlong_quiet;	/* dropped since the last warning */
	struct source_stats st;
};

/*
 * A source that has read HDR_WARN_LINES lines without one header the parser
 * knows is in a format it cannot read (journalctl -o json, another syslog
 * template): said once, quoting the line, its first HDR_QUOTE bytes with
 * anything but printable ASCII escaped, since the bytes may be anyone's.
 */
static void
hdr_check(struct source *s, const char *line, size_t len)
{
	char q[HDR_QUOTE * 4 + 1];
	uint64_t lines, headers;
	size_t i, o = 0;

	parse_counts(s->parser, &lines, &headers);
	if (s->hdr_warned || headers > 0 || lines < HDR_WARN_LINES)
		return;
	s->hdr_warned = 1;
	for (i = 0; i < len && i < HDR_QUOTE; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c >= ' ' && c <= '~' && c != '\\')
			q[o++] = (char)c;
		else
			o += (size_t)snprintf(q + o, sizeof(q) - o, "\\x%02x", c);
	}
	q[o] = '\0';
	log_warnx("source %d (%s): %llu lines and not one syslog header "
	    "knockwatch knows (journalctl -o short*, with-unit, rsyslog, "
	    "busybox, OpenWrt logread): no knock can come from it; a line: "
	    "\"%s\"%s", s->idx + 1, s->cfg->kind == CONFIG_SRC_FILE ?
	    s->cfg->path : s->cfg->argv[0], (unsigned long long)lines, q, len > HDR_QUOTE ? "..." :
	    "");
}

static void
handle(struct source *s, const char *line, size_t len, int kmsg)
{
	struct sources *set = s->set;
	struct parse_knock k;
	enum parse_result r;
	char host[HOST_MAX + 1];

	set->st.lines++;
	r = kmsg ? parse_kmsg(s->parser, line, len, &k) :
	    parse_line(s->parser, line, len, &k);
	/* Fleet: the host field, as the collector's template wrote it, is
	 * part of the key; a line without a valid one names nobody. */
	if (r == PARSE_KNOCK && host_of_knock(s->cfg->fleet, &k, kmsg ? NULL :
	    line, host) == -1)
		r = PARSE_REJECT;
	if (r == PARSE_KNOCK) {
		set->st.knocks++;
		set->cb(set->arg, &k);
	} else if (r == PARSE_REJECT) {
		/* Bad input is counted, and logged at debug at most once a
		 * second, never its bytes (they may be anything). */
		set->st.rejected++;
		if (log_verbose()) {
			kw_ms now = clock_now_ms();
			if (now - set->reject_logged >= 1000) {
				set->reject_logged = now;
				log_debug("rejected a malformed or forged knock "
				    "line (%llu so far)", (unsigned long long)
				    set->st.rejected);
			}
		}
	} else
		set->st.ignored++;
	if (!kmsg)
		hdr_check(s, line, len);
}

static void
on_line(void *arg, const char *line, size_t len)
{
	handle(arg, line, len, 0);
}

/* One read() of /dev/kmsg returns one record: "PRI,SEQ,USEC,FLAGS;text\n"
 * followed by continuation lines. Only facility 0 (kernel) counts: the
 * kernel forces records written from userspace to facility user, so a
 * local user cannot forge a kernel LOG line this way. */
static void
on_kmsg(void *arg, int fd, uint32_t events)
{
	struct source *s = arg;
	char rec[KMSG_RECORD];
	int budget = 4096;

	(void)events;
	while (budget-- > 0) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *semi, *end;
		unsigned long pri;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EPIPE) {
			/* Records were overwritten before we read them; the
			 * next read continues with the oldest one left. */
			s->set->st.kmsg_lost++;
			log_warnx("/dev/kmsg: records overwritten before they "
			    "were read");
			continue;
		}
		if (n <= 0)
			break;
		rec[n] = '\0';
		errno = 0;
		pri = strtoul(rec, &end, 10);
		if (end == rec || *end != ',' || errno != 0)
			continue;
		if ((pri >> 3) != 0)
			continue;	/* not the kernel's */
		if ((semi = memchr(rec, ';', (size_t)n)) == NULL)
			continue;
		semi++;
		end = memchr(semi, '\n', (size_t)(rec + n - semi));
		handle(s, semi, (size_t)((end ? end : rec + n) - semi), 1);
	}
}

static int
kmsg_open(struct source *s, char *err, size_t errlen)
{
	if ((s->kmsg_fd = priv_kmsg()) == -1) {
		snprintf(err, errlen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	/* Old records never count (unless from_start): start at the end of
	 * the buffer. */
	if (!s->cfg->from_start)
		lseek(s->kmsg_fd, 0, SEEK_END);
	if (ev_add(s->kmsg_fd, EPOLLIN, on_kmsg, s) == -1) {
		snprintf(err, errlen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Reaps the command's child and schedules its restart with back-off. */
static void
cmd_ended(struct source *s, kw_ms now)
{
	if (s->cmd_fd != -1) {
		ev_del(s->cmd_fd);
		close(s->cmd_fd);
		s->cmd_fd = -1;
	}
	if (s->cmd_running) {
		priv_cmd_stop(s->idx, s->cmd_pid);
		s->cmd_pid = 0;
		s->cmd_running = 0;
	}
	(void)linebuf_drop(&s->cmd_lines);
	s->cmd_restart = now + s->cmd_backoff;
	log_warnx("source %s: command ended, restarting in %lld ms",
	    s->cfg->argv[0], (long long)s->cmd_backoff);
	s->cmd_backoff *= 2;
	if (s->cmd_backoff > CMD_BACKOFF_MAX_MS)
		s->cmd_backoff = CMD_BACKOFF_MAX_MS;
}

/* linebuf_cb: one line of a command's output. */
static int
on_cmd_line(void *arg, char *line, size_t len)
{
	handle(arg, line, len, 0);
	return 0;
}

/* Counts n overlong lines of a command's output, dropped as a log file's
 * are, and says so at most once a minute. */
static void
cmd_overlong(struct source *s, uint64_t n)
{
	struct sources *set = s->set;
	kw_ms now = clock_now_ms();

	set->st.overlong += n;
	set->overlong_quiet += n;
	if (now < set->overlong_next)
		return;
	log_warnx("source %s: dropped %llu line(s) longer than %d bytes",
	    s->cfg->argv[0], (unsigned long long)set->overlong_quiet,
	    KW_MAX_LINE);
	set->overlong_quiet = 0;
	set->overlong_next = now + OVERLONG_LOG_MS;
}

static void
on_cmd(void *arg, int fd, uint32_t events)
{
	struct source *s = arg;
	char buf[16384];
	ssize_t n = 0;
	int budget = 64;
	uint64_t overlong = s->cmd_lines.overlong;

	(void)events;
	while (budget-- > 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		(void)linebuf_feed(&s->cmd_lines, buf, (size_t)n, on_cmd_line,
		    s);
		s->cmd_backoff = CMD_BACKOFF_MIN_MS;	/* it works */
	}
	if (s->cmd_lines.overlong != overlong)
		cmd_overlong(s, s->cmd_lines.overlong - overlong);
	if (budget >= 0 && (n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EINTR)))
		cmd_ended(s, clock_now_ms());
}

static void
cmd_start(struct source *s, kw_ms now)
{
	pid_t pid;
	int fd;

	s->cmd_restart = KW_MS_NEVER;
	if ((fd = priv_cmd_start(s->set->c, s->idx, &pid)) == -1) {
		log_warn("source %s: cannot start", s->cfg->argv[0]);
		s->cmd_restart = now + s->cmd_backoff;
		return;
	}
	s->cmd_pid = pid;
	s->cmd_fd = fd;
	s->cmd_running = 1;
	if (ev_add(s->cmd_fd, EPOLLIN, on_cmd, s) == -1)
		cmd_ended(s, now);
	else
		log_info("source %s: started", s->cfg->argv[0]);
}

kw_ms
sources_deadline(const struct sources *set)
{
	kw_ms min = KW_MS_NEVER;

	for (int i = 0; i < set->n; i++)
		if (set->v[i].cfg->kind == CONFIG_SRC_COMMAND &&
		    set->v[i].cmd_restart < min)
			min = set->v[i].cmd_restart;
	return min;
}

void
sources_tick(struct sources *set, kw_ms now)
{
	for (int i = 0; i < set->n; i++) {
		struct source *s = &set->v[i];
		if (s->cfg->kind == CONFIG_SRC_COMMAND && !s->cmd_running &&
		    s->cmd_restart <= now)
			cmd_start(s, now);
	}
}

struct sources *
sources_open(const struct config *c, struct logwatch *lw,
    struct sources *prev, source_knock_cb cb, void *arg, kw_ms now,
    char *err, size_t errlen)
{
	struct sources *set;

	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->v = calloc((size_t)c->nsources + 1, sizeof(*set->v))) == NULL) {
		free(set);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->lw = lw;
	set->c = c;
	set->cb = cb;
	set->arg = arg;
	set->overlong_next = INT64_MIN;
	if (prev != NULL)
		set->st = prev->st;
	for (int i = 0; i < c->nsources; i++) {
		struct source *s = &set->v[i];
		const struct config_source *cs = &c->sources[i];
		char *buf;

		s->set = set;
		s->cfg = cs;
		s->idx = i;
		s->watch = s->kmsg_fd = s->kmsg_from = s->cmd_fd = -1;
		s->cmd_restart = KW_MS_NEVER;
		set->n = i + 1;
		s->parser = parse_new(cs->prefix, cs->pattern, err, errlen);
		if (s->parser == NULL)
			goto fail;
		switch (cs->kind) {
		case CONFIG_SRC_FILE:
			s->watch = logwatch_find(lw, cs->path);
			if (s->watch >= 0)
				logwatch_set_arg(lw, s->watch, s);
			else if ((s->watch = logwatch_add(lw, cs->path,
			    cs->from_start, c->rotate_grace, on_line, s,
			    now)) == -1) {
				snprintf(err, errlen, "%s: cannot watch",
				    cs->path);
				goto fail;
			}
			break;
		case CONFIG_SRC_KMSG:
			if (prev != NULL)
				for (int j = 0; j < prev->n; j++)
					if (prev->v[j].kmsg_fd != -1) {
						s->kmsg_fd = prev->v[j].kmsg_fd;
						ev_del(s->kmsg_fd);
						ev_add(s->kmsg_fd, EPOLLIN,
						    on_kmsg, s);
						prev->v[j].kmsg_fd = -1;
						s->kmsg_from = j;
						break;
					}
			if (s->kmsg_fd == -1 && kmsg_open(s, err, errlen) == -1)
				goto fail;
			break;
		case CONFIG_SRC_COMMAND:
			/* Started from the loop (sources_tick) right away. */
			if ((buf = malloc(KW_MAX_LINE + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			linebuf_init(&s->cmd_lines, buf, KW_MAX_LINE,
			    LINEBUF_DROP);
			s->cmd_backoff = CMD_BACKOFF_MIN_MS;
			s->cmd_restart = now;
			break;
		}
	}
	return set;
fail:
	/* Give the previous set back what was moved to this one: it keeps
	 * running when a reload fails. */
	for (int i = 0; prev != NULL && i < set->n; i++) {
		struct source *s = &set->v[i];
		if (s->kmsg_from >= 0) {
			struct source *o = &prev->v[s->kmsg_from];
			o->kmsg_fd = s->kmsg_fd;
			ev_del(o->kmsg_fd);
			ev_add(o->kmsg_fd, EPOLLIN, on_kmsg, o);
			s->kmsg_fd = -1;
		}
	}
	for (int j = 0; prev != NULL && j < prev->n; j++)
		if (prev->v[j].watch >= 0)
			logwatch_set_arg(lw, prev->v[j].watch, &prev->v[j]);
	sources_close(set, prev);
	return NULL;
}

void
sources_close(struct sources *s, const struct sources *keep)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++) {
		struct source *src = &s->v[i];
		int kept = 0;

		if (src->watch >= 0) {
			for (int j = 0; keep != NULL && j < keep->n; j++)
				if (keep->v[j].watch == src->watch)
					kept = 1;
			if (!kept)
				logwatch_remove(s->lw, src->watch);
		}
		if (src->kmsg_fd != -1) {
			ev_del(src->kmsg_fd);
			close(src->kmsg_fd);
		}
		if (src->cmd_running || src->cmd_fd != -1) {
			src->cmd_backoff = 0;
			cmd_ended(src, 0);
		}
		free(src->cmd_lines.buf);
		parse_free(src->parser);
	}
	free(s->v);
	free(s);
}

void
sources_stats(const struct sources *s, struct source_stats *st)
{
	*st = s->st;
}
