/* control.c — the requests of the control socket, answered in the root
 * parent: status (rendered by control_status.c once the worker's part is
 * in), open and close a door by hand, reload, the file a reload reads. A request names a door of
 * the running configuration and an address that addr.c canonicalises;
 * nothing of it reaches a command line or the journal otherwise. */
#include "control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "ctl.h"
#include "door.h"
#include "host.h"
#include "log.h"
#include "monitor.h"

#define CONTROL_WAIT_MS 2000	/* for the worker's part of a status */
#define CONTROL_WAITING 16	/* status and reload requests waiting */
#define CONTROL_MAX_FOR 86400	/* open --for, as stop_after */

static struct control_hooks h;
static time_t control_started;

static struct {
	unsigned id;
	int json;
} swait[CONTROL_WAITING];
static int nswait;
static kw_ms swait_since;

static struct {
	unsigned id;
	uint64_t after;		/* answered by a reload started later */
} rwait[CONTROL_WAITING];
static int nrwait;

void
control_init(const struct control_hooks *hooks, time_t started)
{
	h = *hooks;
	control_started = started;
}

static void
reply_text(unsigned id, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_text(unsigned id, int ok, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ctl_reply(id, ok, line, (size_t)n);
}

void
control_worker_part(const char *part, size_t len)
{
	int n = nswait;

	/* Answering cannot add a waiter: take the list first. */
	nswait = 0;
	for (int i = 0; i < n; i++) {
		size_t olen;
		char *out = control_status(&h, control_started, swait[i].json,
		    part, len, &olen);

		ctl_reply(swait[i].id, out != NULL, out != NULL ? out :
		    "out of memory\n", out != NULL ? olen : 14);
		free(out);
	}
}

kw_ms
control_deadline(void)
{
	return nswait > 0 ? swait_since + CONTROL_WAIT_MS : KW_MS_NEVER;
}

void
control_tick(kw_ms now)
{
	if (nswait > 0 && now >= swait_since + CONTROL_WAIT_MS)
		control_worker_part(NULL, 0);
}

static void
status(unsigned id, int json)
{
	if (nswait == CONTROL_WAITING) {
		reply_text(id, 0, "too many status requests at once");
		return;
	}
	swait[nswait].id = id;
	swait[nswait++].json = json;
	if (nswait == 1) {
		swait_since = clock_now_ms();
		/* With the attempt lines: the text form leaves them out. */
		monitor_ask_report(2);
	}
}

/* The door named name of c, or an answer that says there is none. */
static int
door_of(unsigned id, const struct config *c, const char *name)
{
	int di = name != NULL ? config_door_index(c, name) : -1;

	if (di < 0)
		reply_text(id, 0, "no door '%.64s' in the running configuration",
		    name != NULL ? name : "");
	return di;
}

static int
addr_of(unsigned id, const char *text, struct kw_addr *a)
{
	if (text == NULL || addr_parse(text, strlen(text), a) == -1) {
		reply_text(id, 0, "'%.64s' is not a numeric IPv4 or IPv6 "
		    "address", text != NULL ? text : "");
		return -1;
	}
	return 0;
}

/* 1 when a word of cmd holds the %HOST% placeholder. */
static int
cmd_uses_host(const struct config_cmd *cmd)
{
	for (int i = 0; i < cmd->argc; i++)
		if (strstr(cmd->argv[i], "%HOST%") != NULL)
			return 1;
	return 0;
}

/* The fleet host of an open by hand into out (HOST_MAX + 1 bytes, ""
 * for none), canonical as a fleet line's host: text may be NULL. -1 (and
 * the answer given) when a door with hosts: has none of its list, when
 * a door whose commands take %HOST% has none while a source is a fleet
 * source, or when a host is given with no fleet source. */
static int
open_host(unsigned id, const struct config *c, const struct config_door *d,
    const char *text, char *out)
{
	out[0] = '\0';
	if (text != NULL && host_canon(text, strlen(text), out,
	    HOST_MAX + 1) == -1) {
		reply_text(id, 0, "--host: '%.64s' is not a host name or "
		    "address", text);
		return -1;
	}
	if (out[0] != '\0' && !c->fleet) {
		reply_text(id, 0, "--host: no source has fleet: true (a door "
		    "opens for this host alone)");
		return -1;
	}
	if (out[0] == '\0' && d->nhosts == 0 && c->fleet &&
	    (cmd_uses_host(&d->start) || cmd_uses_host(&d->stop))) {
		reply_text(id, 0, "door %s's commands take %%HOST%%: give the "
		    "host with --host", d->name);
		return -1;
	}
	if (d->nhosts == 0)
		return 0;
	if (out[0] == '\0') {
		reply_text(id, 0, "door %s opens for its hosts only: give one "
		    "with --host", d->name);
		return -1;
	}
	for (int i = 0; i < d->nhosts; i++)
		if (strcmp(d->hosts[i], out) == 0)
			return 0;
	reply_text(id, 0, "door %s: host %.64s is not one of its hosts",
	    d->name, out);
	return -1;
}

/* "open DOOR ADDR SECONDS PORT [HOST]": as if DOOR's sequence had
 * completed from ADDR (at the fleet host HOST), with no user (journaled as
 * "-"); SECONDS 0 is the door's stop_after, PORT 0 none (a door with
 * open_range needs one in it). A door with hosts: needs a HOST of its
 * list; HOST is refused when no source is a fleet source. */
static void
open_door(unsigned id, char **w, int n)
{
	const struct config *c = h.cfg(h.self);
	const struct config_door *d;
	struct door_stats before, after;
	struct door_req ev;
	char text[ADDR_STRLEN], *end;
	unsigned long secs, port;
	int di;

	if (n != 5 && n != 6) {
		reply_text(id, 0, "open: expected DOOR ADDRESS SECONDS PORT "
		    "[HOST]");
		return;
	}
	if ((di = door_of(id, c, w[1])) < 0)
		return;
	d = &c->doors[di];
	memset(&ev, 0, sizeof(ev));
	if (addr_of(id, w[2], &ev.src) == -1)
		return;
	addr_ntop(&ev.src, text, sizeof(text));
	secs = strtoul(w[3], &end, 10);
	if (*end != '\0' || secs > CONTROL_MAX_FOR) {
		reply_text(id, 0, "--for: 1 to %d seconds", CONTROL_MAX_FOR);
		return;
	}
	port = strtoul(w[4], &end, 10);
	if (*end != '\0' || port > 65535) {
		reply_text(id, 0, "--port: 1 to 65535");
		return;
	}
	if (h.stopping(h.self)) {
		reply_text(id, 0, "the daemon is shutting down");
		return;
	}
	if (!config_acl_ok(&c->acl, &ev.src) || !config_acl_ok(&d->acl,
	    &ev.src)) {
		reply_text(id, 0, "%s is refused by allow/deny (of door %s or "
		    "the global ones)", text, d->name);
		return;
	}
	if (secs != 0 && (d->stop.argc == 0 || d->stop_after == 0)) {
		reply_text(id, 0, "door %s has no stop command: --for does "
		    "not apply", d->name);
		return;
	}
	if (d->is_hmac && d->hmac.has_open) {
		if (port < d->hmac.open_lo || port > d->hmac.open_hi) {
			reply_text(id, 0, "door %s opens a port of its open_range "
			    "%u-%u: give one with --port", d->name,
			    d->hmac.open_lo, d->hmac.open_hi);
			return;
		}
	} else if (port != 0) {
		reply_text(id, 0, "door %s has no open_range: --port does not "
		    "apply", d->name);
		return;
	}
	if (open_host(id, c, d, n == 6 ? w[5] : NULL, ev.host) == -1)
		return;
	ev.door = di;
	ev.user = -1;
	ev.open_port = (uint16_t)port;
	ev.stop_after = (unsigned)secs;
	log_info("control: door %s opened by hand for %s%s%s", d->name, text,
	    ev.host[0] ? " at host " : "", ev.host);
	door_stats(&before);
	door_open(c, &ev, clock_now_ms(), clock_wall());
	door_stats(&after);
	if (after.refused != before.refused)
		reply_text(id, 0, "door %s for %s: refused (see the log)",
		    d->name, text);
	else if (d->stop.argc == 0 || d->stop_after == 0)
		reply_text(id, 1, "door %s: start command run for %s%s%s (it "
		    "has no stop command)", d->name, text, ev.host[0] ?
		    " at host " : "", ev.host);
	else
		reply_text(id, 1, "door %s %s for %s%s%s: closes in %lu s",
		    d->name, after.extended != before.extended ? "already "
		    "open, extended" : "opens", text, ev.host[0] ? " at host " :
		    "", ev.host, secs != 0 ? secs :
		    (unsigned long)d->stop_after);
}

/* "close DOOR ADDR": every open entry of DOOR for ADDR closes now. */
static void
close_door(unsigned id, char **w, int n)
{
	const struct config *c = h.cfg(h.self);
	struct kw_addr a;
	char text[ADDR_STRLEN];
	unsigned closed, stopping;
	int di;

	if (n != 3) {
		reply_text(id, 0, "close: expected DOOR ADDRESS");
		return;
	}
	if ((di = door_of(id, c, w[1])) < 0 || addr_of(id, w[2], &a) == -1)
		return;
	addr_ntop(&a, text, sizeof(text));
	log_info("control: door %s closed by hand for %s", c->doors[di].name,
	    text);
	closed = door_close_now(c->doors[di].name, &a, clock_now_ms(),
	    &stopping);
	/* A second close while the first one's stop command runs starts
	 * nothing: refused, so that a script sees it did not act. */
	if (closed == 0 && stopping > 0)
		reply_text(id, 0, "door %s for %s: closing already (stop "
		    "command running)", c->doors[di].name, text);
	else if (closed == 0)
		reply_text(id, 0, "door %s is not open for %s",
		    c->doors[di].name, text);
	else
		reply_text(id, 1, "door %s closes for %s (%u open, stop "
		    "command started)", c->doors[di].name, text, closed);
}

static void
reload(unsigned id)
{
	uint64_t started, ok, failed;

	if (nrwait == CONTROL_WAITING) {
		reply_text(id, 0, "too many reload requests at once");
		return;
	}
	h.reloads(h.self, &started, &ok, &failed);
	rwait[nrwait].id = id;
	rwait[nrwait++].after = started;
	if (h.reload(h.self) == -1) {
		nrwait--;
		reply_text(id, 0, "the daemon is shutting down: no reload");
	}
}

void
control_reloaded(uint64_t seq, int ok, const char *msg)
{
	for (int i = 0; i < nrwait;) {
		if (seq <= rwait[i].after) {
			i++;	/* began before this client asked */
			continue;
		}
		reply_text(rwait[i].id, ok, "%s", msg);
		rwait[i] = rwait[--nrwait];
	}
}

/* "config": the file a reload reads, whole (a path may be long). */
static void
config_path(unsigned id)
{
	const char *p = h.path(h.self);
	size_t len = strlen(p);
	char *line = malloc(len + 1);

	if (line == NULL) {
		reply_text(id, 0, "out of memory");
		return;
	}
	memcpy(line, p, len);
	line[len] = '\n';
	ctl_reply(id, 1, line, len + 1);
	free(line);
}

void
control_request(void *self, unsigned id, char *req)
{
	char *w[8], *save = NULL, *t;
	int n = 0;

	(void)self;
	for (t = strtok_r(req, " ", &save); t != NULL && n < 8;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	if (n == 1 && strcmp(w[0], "status") == 0)
		status(id, 0);
	else if (n == 2 && strcmp(w[0], "status") == 0 &&
	    strcmp(w[1], "json") == 0)
		status(id, 1);
	else if (n >= 1 && strcmp(w[0], "open") == 0)
		open_door(id, w, n);
	else if (n >= 1 && strcmp(w[0], "close") == 0)
		close_door(id, w, n);
	else if (n == 1 && strcmp(w[0], "reload") == 0)
		reload(id);
	else if (n == 1 && strcmp(w[0], "config") == 0)
		config_path(id);
	else
		reply_text(id, 0, "unknown request");
}
