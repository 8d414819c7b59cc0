/* control_status.c — the status report of the control socket, in the
 * root parent: the text form (the worker's lines and the parent's) and
 * the JSON form. The worker's lines are untrusted text: the JSON form
 * turns them into numbers where they have the shape of counters and
 * carries every other byte as an escaped string, so the document stays
 * valid whatever the worker sent. */
#include "control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "ctl.h"
#include "door.h"
#include "monitor.h"

static const char *control_ver = "?";

void
control_version(const char *version)
{
	control_ver = version;
}

/* A growing answer, at most CTL_MAX_REPORT bytes (then cut). */
struct obuf {
	char *p;
	size_t len, cap;
};

static void
ob_add(struct obuf *b, const char *s, size_t l)
{
	if (b->len + l + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		char *np;

		while (ncap < b->len + l + 1)
			ncap *= 2;
		if (ncap > CTL_MAX_REPORT || (np = realloc(b->p, ncap)) == NULL)
			return;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, l);
	b->len += l;
	b->p[b->len] = '\0';
}

static void ob_printf(struct obuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ob_printf(struct obuf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		ob_add(b, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

static void
ob_line(void *arg, const char *line)
{
	ob_add(arg, line, strlen(line));
	ob_add(arg, "\n", 1);
}

/* A JSON string: quotes, backslash and every byte outside printable ASCII
 * escaped, so the document stays valid whatever the text. */
static void
ob_str(struct obuf *b, const char *s, size_t l)
{
	ob_add(b, "\"", 1);
	for (size_t i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };
			ob_add(b, e, 2);
		} else if (ch < 0x20 || ch >= 0x7f)
			ob_printf(b, "\\u%04x", ch);
		else
			ob_add(b, s + i, 1);
	}
	ob_add(b, "\"", 1);
}

/* ---- the worker's lines, for JSON ---- */

/* 1 when s (l bytes) is a counter name: [a-z_]+. */
static int
is_name(const char *s, size_t l)
{
	if (l == 0 || l > 40)
		return 0;
	for (size_t i = 0; i < l; i++)
		if ((s[i] < 'a' || s[i] > 'z') && s[i] != '_')
			return 0;
	return 1;
}

/* 1 when s (l bytes) is a decimal number of at most 19 digits, as JSON
 * writes one (no leading zero). */
static int
is_num(const char *s, size_t l)
{
	if (l == 0 || l > 19 || (l > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < l; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

#define MAX_TOK 64
/* The text status lists this many attempts, then says how many more. */
#define STATUS_TEXT_ATTEMPTS 20	/* and penalised sources */

/* Splits line at single spaces into at most MAX_TOK words. */
static int
words(const char *line, const char **w, size_t *wl)
{
	int n = 0;

	for (const char *p = line; *p != '\0' && n < MAX_TOK;) {
		const char *e = strchr(p, ' ');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		w[n] = p;
		wl[n++] = l;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return n;
}

/* A counters line ("name N name N ...", "tracked N/M" too) as JSON members
 * after sep; 0 when the line is not one. */
static int
counters_json(struct obuf *b, const char *line, const char **sep)
{
	const char *w[MAX_TOK];
	size_t wl[MAX_TOK];
	int n = words(line, w, wl);
	const char *slash;

	if (n == 0 || n % 2 != 0)
		return 0;
	for (int i = 0; i < n; i += 2) {
		size_t nl = wl[i + 1];

		slash = memchr(w[i + 1], '/', nl);
		if (!is_name(w[i], wl[i]) || (slash == NULL ?
		    !is_num(w[i + 1], nl) : !is_num(w[i + 1],
		    (size_t)(slash - w[i + 1])) || !is_num(slash + 1,
		    nl - (size_t)(slash - w[i + 1]) - 1)))
			return 0;
	}
	for (int i = 0; i < n; i += 2) {
		ob_printf(b, "%s", *sep);
		*sep = ", ";
		ob_str(b, w[i], wl[i]);
		slash = memchr(w[i + 1], '/', wl[i + 1]);
		ob_printf(b, ": %.*s", (int)(slash != NULL ? (size_t)(slash -
		    w[i + 1]) : wl[i + 1]), w[i + 1]);
		if (slash != NULL) {
			/* "tracked N/M": M is the table's capacity. */
			ob_printf(b, ", ");
			ob_str(b, "capacity", 8);
			ob_printf(b, ": %.*s", (int)(wl[i + 1] - (size_t)(slash -
			    w[i + 1]) - 1), slash + 1);
		}
	}
	return 1;
}

/* A host word of the worker's lines as JSON: "-" (none) is null. */
static void
host_json(struct obuf *b, const char *h, size_t hl)
{
	if (hl == 1 && h[0] == '-')
		ob_add(b, "null", 4);
	else
		ob_str(b, h, hl);
}

/* A worker's "attempt door D src S knocks K left_ms L [host H]" line, read:
 * the door's name and its length in the running config c (0 when the
 * door is gone), the words w/wl and their count n (9, or 11 with a host).
 * 0 when the line is not one. */
struct attempt_line {
	const char *w[MAX_TOK];
	size_t wl[MAX_TOK];
	char name[KW_NAME_MAX + 1];
	int n;
	unsigned of;
};

static int
attempt_read(struct attempt_line *a, const char *line, const struct config *c)
{
	const char **w = a->w;
	size_t *wl = a->wl;
	int di;

	a->n = words(line, w, wl);
	a->of = 0;
	if ((a->n != 9 && (a->n != 11 || strncmp(w[9], "host", wl[9]) != 0)) ||
	    wl[2] > KW_NAME_MAX || strncmp(w[1], "door", wl[1]) ||
	    strncmp(w[3], "src", wl[3]) || strncmp(w[5], "knocks", wl[5]) ||
	    strncmp(w[7], "left_ms", wl[7]) || !is_num(w[6], wl[6]) ||
	    !is_num(w[8], wl[8]))
		return 0;
	memcpy(a->name, w[2], wl[2]);
	a->name[wl[2]] = '\0';
	if ((di = config_door_index(c, a->name)) >= 0)
		a->of = c->doors[di].is_hmac ? c->doors[di].hmac.length :
		    (unsigned)c->doors[di].nseq;
	return 1;
}

/* An attempt line (attempt_read) as a JSON object; 0 when the line is
 * not one. */
static int
attempt_json(struct obuf *b, const char *line, const struct config *c,
    const char **sep)
{
	struct attempt_line a;

	if (!attempt_read(&a, line, c))
		return 0;
	ob_printf(b, "%s", *sep);
	*sep = ",\n  ";
	ob_add(b, "{\"door\": ", 9);
	ob_str(b, a.w[2], a.wl[2]);
	ob_add(b, ", \"source\": ", 12);
	ob_str(b, a.w[4], a.wl[4]);
	ob_add(b, ", \"host\": ", 10);
	host_json(b, a.n == 11 ? a.w[10] : "-", a.n == 11 ? a.wl[10] : 1);
	ob_printf(b, ", \"knocks\": %.*s, \"of\": %u, \"seconds_left\": %lld}",
	    (int)a.wl[6], a.w[6], a.of,
	    (strtoll(a.w[8], NULL, 10) + 999) / 1000);
	return 1;
}

/* "penalty src S host H left_ms L" split into words: 1 when it is one. */
static int
penalty_words(const char *line, const char **w, size_t *wl)
{
	return words(line, w, wl) == 7 && strncmp(w[0], "penalty", wl[0]) ==
	    0 && strncmp(w[1], "src", wl[1]) == 0 && strncmp(w[3], "host",
	    wl[3]) == 0 && strncmp(w[5], "left_ms", wl[5]) == 0 &&
	    is_num(w[6], wl[6]);
}

/* A penalty line as {"source", "host", "seconds_left"}; 0: not one. */
static int
penalty_json(struct obuf *b, const char *line, const char **sep)
{
	const char *w[MAX_TOK];
	size_t wl[MAX_TOK];

	if (!penalty_words(line, w, wl))
		return 0;
	ob_printf(b, "%s{\"source\": ", *sep);
	*sep = ",\n  ";
	ob_str(b, w[2], wl[2]);
	ob_add(b, ", \"host\": ", 10);
	host_json(b, w[4], wl[4]);
	ob_printf(b, ", \"seconds_left\": %lld}", (strtoll(w[6], NULL, 10) +
	    999) / 1000);
	return 1;
}

/* A penalty line as the text form's "penalty S [host H] ignored for N s
 * more"; 0 when the line is not one. */
static int
penalty_text(struct obuf *b, const char *line)
{
	const char *w[MAX_TOK];
	size_t wl[MAX_TOK];
	int fleet;

	if (!penalty_words(line, w, wl))
		return 0;
	fleet = !(wl[4] == 1 && w[4][0] == '-');
	ob_printf(b, "penalty %.*s%s%.*s: knocks ignored for %lld s more\n",
	    (int)wl[2], w[2], fleet ? " host " : "", fleet ? (int)wl[4] : 0,
	    w[4], (strtoll(w[6], NULL, 10) + 999) / 1000);
	return 1;
}

struct doors_json {
	struct obuf *b;
	const char *sep;
};

static void
door_json(void *arg, const struct door_entry *e, long long left)
{
	struct doors_json *d = arg;

	ob_printf(d->b, "%s{\"door\": ", d->sep);
	d->sep = ", ";
	ob_str(d->b, e->door, strlen(e->door));
	ob_add(d->b, ", \"source\": ", 12);
	ob_str(d->b, e->src, strlen(e->src));
	ob_add(d->b, ", \"user\": ", 10);
	if (e->user[0] != '\0')
		ob_str(d->b, e->user, strlen(e->user));
	else
		ob_add(d->b, "null", 4);
	ob_printf(d->b, ", \"port\": %s, \"seconds_left\": %lld, "
	    "\"state\": \"%s\"}", e->open_port[0] ? e->open_port : "null",
	    left, e->stopping ? "closing" : e->waiting ? "waiting" :
	    e->given_up ? "stop_failed" : "open");
}

static void
iso_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* The whole status as one JSON document. part: the worker's lines, or
 * NULL when it gave none. */
static void
status_json(struct obuf *b, const struct control_hooks *h, time_t started,
    const char *part, size_t len)
{
	const struct config *c = h->cfg(h->self);
	struct door_stats ds;
	struct action_stats as;
	struct monitor_stats ms;
	struct doors_json dj = { b, "" };
	uint64_t rs, rok, rfail;
	time_t now = time(NULL);
	char when[32], line[1024];
	const char *sep = "";
	long long total = -1, listed = -1, ptotal = -1, plisted = -1;

	door_stats(&ds);
	action_stats(&as);
	monitor_stats(&ms);
	h->reloads(h->self, &rs, &rok, &rfail);
	iso_time(when, sizeof(when), started);
	ob_printf(b, "{\"version\": \"%s\", \"pid\": %d, \"started\": "
	    "\"%s\", \"uptime\": %lld,\n", control_ver, (int)getpid(), when,
	    (long long)(now - started));
	ob_printf(b, "\"counters\": {\"doors\": {\"open\": %u, \"opened\": "
	    "%llu, \"extended\": %llu, \"closed\": %llu, \"stop_failures\": "
	    "%llu, \"refused\": %llu, \"start_failures\": %llu, "
	    "\"stop_unusable\": %llu},\n", ds.open,
	    (unsigned long long)ds.opened, (unsigned long long)ds.extended,
	    (unsigned long long)ds.closed,
	    (unsigned long long)ds.stop_failures,
	    (unsigned long long)ds.refused,
	    (unsigned long long)ds.start_failures,
	    (unsigned long long)ds.stop_unusable);
	ob_printf(b, " \"actions\": {\"running\": %u, \"queued\": %u, "
	    "\"started\": %llu, \"failed\": %llu, \"timeouts\": %llu, "
	    "\"refused\": %llu, \"queued_total\": %llu},\n", as.running,
	    as.queued, (unsigned long long)as.started,
	    (unsigned long long)as.failed, (unsigned long long)as.timeouts,
	    (unsigned long long)as.refused,
	    (unsigned long long)as.queued_total);
	ob_printf(b, " \"reloads\": %llu, \"reload_failures\": %llu},\n",
	    (unsigned long long)rok, (unsigned long long)rfail);
	ob_add(b, "\"open_doors\": [", 15);
	door_walk(door_json, &dj, clock_now_ms());
	ob_add(b, "],\n\"attempts\": [", 16);
	/* The attempt lines, then the worker's counters and other lines. */
	sep = "";
	for (size_t off = 0; part != NULL && off < len;) {
		const char *nl = memchr(part + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - part - off) : len - off;

		if (l < sizeof(line) && strncmp(part + off, "attempt ", 8) == 0) {
			memcpy(line, part + off, l);
			line[l] = '\0';
			attempt_json(b, line, c, &sep);
		}
		off += l + 1;
	}
	ob_add(b, "],\n\"penalties\": [", 17);
	sep = "";
	for (size_t off = 0; part != NULL && off < len;) {
		const char *nl = memchr(part + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - part - off) : len - off;

		if (l < sizeof(line) && strncmp(part + off, "penalty ", 8) == 0) {
			memcpy(line, part + off, l);
			line[l] = '\0';
			penalty_json(b, line, &sep);
		}
		off += l + 1;
	}
	ob_add(b, "],\n\"worker\": {", 14);
	ob_printf(b, "\"pid\": ");
	if (ms.pid > 0)
		ob_printf(b, "%d", ms.pid);
	else
		ob_printf(b, "null");
	ob_add(b, ", \"user\": ", 10);
	ob_str(b, c->run_user, strlen(c->run_user));
	ob_printf(b, ", \"starts\": %llu, \"restarts\": %llu, "
	    "\"refused_requests\": %llu, \"since\": ", ms.starts, ms.crashes,
	    ms.refused);
	if (ms.since != 0) {
		iso_time(when, sizeof(when), ms.since);
		ob_printf(b, "\"%s\", \"up\": %lld", when,
		    (long long)(now - ms.since));
	} else
		ob_printf(b, "null, \"up\": null");
	ob_printf(b, ", \"answered\": %s,\n \"counters\": {",
	    part != NULL ? "true" : "false");
	sep = "";
	for (size_t off = 0; part != NULL && off < len;) {
		const char *nl = memchr(part + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - part - off) : len - off;

		if (l < sizeof(line)) {
			memcpy(line, part + off, l);
			line[l] = '\0';
			if (sscanf(line, "penalties %lld listed %lld",
			    &ptotal, &plisted) == 2)
				;
			else if (sscanf(line, "attempts %lld listed %lld",
			    &total, &listed) != 2 &&
			    strncmp(line, "attempt ", 8) != 0 &&
			    strncmp(line, "penalty ", 8) != 0)
				counters_json(b, line, &sep);
		}
		off += l + 1;
	}
	if (total >= 0 && listed >= 0)
		ob_printf(b, "},\n \"attempts_in_progress\": %lld, "
		    "\"attempts_listed\": %lld,", total, listed);
	else	/* no worker answered: unknown */
		ob_printf(b, "},\n \"attempts_in_progress\": null, "
		    "\"attempts_listed\": null,");
	if (ptotal >= 0 && plisted >= 0)
		ob_printf(b, " \"penalised_sources\": %lld, "
		    "\"penalties_listed\": %lld,\n \"lines\": [", ptotal,
		    plisted);
	else
		ob_printf(b, " \"penalised_sources\": null, "
		    "\"penalties_listed\": null,\n \"lines\": [");
	/* Every other line of the worker, as text ("in progress door ..."
	 * and whatever later versions add). */
	sep = "";
	for (size_t off = 0; part != NULL && off < len;) {
		const char *nl = memchr(part + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - part - off) : len - off;
		struct obuf scratch = { NULL, 0, 0 };
		const char *ssep = "";

		if (l > 0 && l < sizeof(line)) {
			memcpy(line, part + off, l);
			line[l] = '\0';
			if (strncmp(line, "attempt", 7) != 0 &&
			    strncmp(line, "penalt", 6) != 0 &&
			    !counters_json(&scratch, line, &ssep)) {
				ob_printf(b, "%s", sep);
				sep = ", ";
				ob_str(b, line, l);
			}
			free(scratch.p);
		}
		off += l + 1;
	}
	ob_add(b, "]}}\n", 4);
}

/* An attempt line (attempt_read) as the text form's line "attempt S
 * [host H] door D stage K/N left Ns"; 0 when the line is not one. */
static int
attempt_text(struct obuf *b, const char *line, const struct config *c)
{
	struct attempt_line a;
	int fleet;

	if (!attempt_read(&a, line, c))
		return 0;
	fleet = a.n == 11 && !(a.wl[10] == 1 && a.w[10][0] == '-');
	ob_printf(b, "attempt %.*s%s%.*s door %s stage %.*s/%u left %llds\n",
	    (int)a.wl[4], a.w[4], fleet ? " host " : "",
	    fleet ? (int)a.wl[10] : 0, fleet ? a.w[10] : "", a.name,
	    (int)a.wl[6], a.w[6], a.of,
	    (strtoll(a.w[8], NULL, 10) + 999) / 1000);
	return 1;
}

/* The text status: the worker's lines, its first STATUS_TEXT_ATTEMPTS
 * attempts in progress (and how many more there are), and the parent's. */
static void
status_text(struct obuf *b, const struct control_hooks *h, const char *part,
    size_t len)
{
	const struct config *c = h->cfg(h->self);
	long long total = 0, listed = 0, shown = 0;
	long long ptotal = 0, plisted = 0, pshown = 0;
	char line[512];

	if (part == NULL)
		ob_line(b, "worker: no answer");
	for (size_t off = 0; part != NULL && off < len;) {
		const char *nl = memchr(part + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - part - off) : len - off;

		if (strncmp(part + off, "attempts ", 9) == 0) {
			if (l < sizeof(line)) {
				memcpy(line, part + off, l);
				line[l] = '\0';
				if (sscanf(line, "attempts %lld listed %lld",
				    &total, &listed) != 2)
					total = 0;
			}
		} else if (strncmp(part + off, "attempt ", 8) == 0) {
			if (shown < STATUS_TEXT_ATTEMPTS && l < sizeof(line)) {
				memcpy(line, part + off, l);
				line[l] = '\0';
				shown += attempt_text(b, line, c);
			}
		} else if (strncmp(part + off, "penalties ", 10) == 0) {
			if (l < sizeof(line)) {
				memcpy(line, part + off, l);
				line[l] = '\0';
				if (sscanf(line, "penalties %lld listed %lld",
				    &ptotal, &plisted) != 2)
					ptotal = 0;
			}
		} else if (strncmp(part + off, "penalty ", 8) == 0) {
			if (pshown < STATUS_TEXT_ATTEMPTS && l < sizeof(line)) {
				memcpy(line, part + off, l);
				line[l] = '\0';
				pshown += penalty_text(b, line);
			}
		} else {
			ob_add(b, part + off, l);
			ob_add(b, "\n", 1);
		}
		off += l + 1;
	}
	if (total > shown)
		ob_printf(b, "attempts: %lld more not listed\n", total - shown);
	if (ptotal > pshown)
		ob_printf(b, "penalties: %lld more not listed\n",
		    ptotal - pshown);
	h->report(h->self, ob_line, b);
}

char *
control_status(const struct control_hooks *h, time_t started, int json,
    const char *part, size_t len, size_t *outlen)
{
	struct obuf b = { NULL, 0, 0 };

	if (json)
		status_json(&b, h, started, part, len);
	else
		status_text(&b, h, part, len);
	*outlen = b.len;
	return b.p;
}
