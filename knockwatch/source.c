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
#include "log.h"

#define KMSG_RECORD 8192

struct source {
	struct sources *set;
	const struct config_source *cfg;
	struct parser *parser;
	int watch;		/* logwatch id, or -1 */
	int kmsg_fd;		/* /dev/kmsg, or -1 */
	int kmsg_from;		/* index in the previous set it came from */
};

struct sources {
	struct source *v;
	int n;
	struct logwatch *lw;
	source_knock_cb cb;
	void *arg;
	struct source_stats st;
};

static void
handle(struct source *s, const char *line, size_t len, int kmsg)
{
	struct sources *set = s->set;
	struct parse_knock k;
	enum parse_result r;

	set->st.lines++;
	r = kmsg ? parse_kmsg(s->parser, line, len, &k) :
	    parse_line(s->parser, line, len, &k);
	if (r == PARSE_KNOCK) {
		set->st.knocks++;
		set->cb(set->arg, &k);
	} else if (r == PARSE_REJECT)
		set->st.rejected++;
	else
		set->st.ignored++;
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
	if ((s->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	/* Old records never count: start at the end of the buffer. */
	lseek(s->kmsg_fd, 0, SEEK_END);
	if (ev_add(s->kmsg_fd, EPOLLIN, on_kmsg, s) == -1) {
		snprintf(err, errlen, "/dev/kmsg: %s", strerror(errno));
		return -1;
	}
	return 0;
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
	set->cb = cb;
	set->arg = arg;
	if (prev != NULL)
		set->st = prev->st;
	for (int i = 0; i < c->nsources; i++) {
		struct source *s = &set->v[i];
		const struct config_source *cs = &c->sources[i];

		s->set = set;
		s->cfg = cs;
		s->watch = s->kmsg_fd = s->kmsg_from = -1;
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
			snprintf(err, errlen, "command sources are not "
			    "supported yet");
			goto fail;
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

void
sources_feed(struct sources *s, int i, const char *line, size_t len)
{
	if (i >= 0 && i < s->n)
		handle(&s->v[i], line, len, 0);
}
