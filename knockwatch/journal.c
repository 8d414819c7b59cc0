/* journal.c — the open-door journal in state_dir (format 3): writes one
 * line per open door atomically, and reads it back at start, checking every
 * field against the configuration before a line becomes a door to close.
 * Runs no command and keeps no door of its own: the table is door.c's. */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

static char *journal;		/* state_dir/open */

int
journal_init(const char *path)
{
	if ((journal = strdup(path)) == NULL)
		return -1;
	return 0;
}

void
journal_free(void)
{
	free(journal);
	journal = NULL;
}

/* The journal, format 3: a first line "knockwatch-journal 3", then one
 * line per open door:
 *   DOOR SRC HOST|- USER|- PORT|- DEADLINE CMD_TIMEOUT STOP_ARGV...
 * (HOST: the fleet host the door is open on, canonical; format 2 had no
 * HOST field and is still read)
 * with each element of the stop command as it was substituted when the door
 * opened, %XX-escaped (space, '%', bytes outside 0x21-0x7e; "%00" is the
 * empty string), so the door can be closed however the configuration
 * changes. Format 1 (no first line) had the first five fields only. A line
 * is at most JOURNAL_LINE bytes: a door whose line would be longer is
 * not opened. */
#define JOURNAL_MAGIC "knockwatch-journal"
#define JOURNAL_VERSION 3

/* Appends s escaped to out (cap bytes, n used). Returns the new length,
 * which may pass cap (nothing is written past it). */
static size_t
esc_append(char *out, size_t cap, size_t n, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (*s == '\0') {
		if (n + 3 < cap)
			memcpy(out + n, "%00", 3);
		return n + 3;
	}
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch > 0x20 && ch < 0x7f && ch != '%') {
			if (n + 1 < cap)
				out[n] = (char)ch;
			n++;
		} else {
			if (n + 3 < cap) {
				out[n] = '%';
				out[n + 1] = hex[ch >> 4];
				out[n + 2] = hex[ch & 15];
			}
			n += 3;
		}
	}
	return n;
}

/* Writes e's journal line (with its newline) into out. Returns its length,
 * or -1 when it does not fit cap or JOURNAL_LINE. */
int
journal_line(const struct door_entry *e, char *out, size_t cap)
{
	size_t n;
	int h;

	if (cap > JOURNAL_LINE + 1)
		cap = JOURNAL_LINE + 1;
	h = snprintf(out, cap, "%s %s %s %s %s %lld %u", e->door, e->src,
	    e->host[0] ? e->host : "-", e->user[0] ? e->user : "-", e->open_port[0] ? e->open_port : "-",
	    (long long)e->wall_deadline, e->cmd_timeout);
	if (h < 0 || (size_t)h >= cap)
		return -1;
	n = (size_t)h;
	for (size_t i = 0; e->stop_argv[i] != NULL; i++) {
		if (n + 1 < cap)
			out[n] = ' ';
		n = esc_append(out, cap, n + 1, e->stop_argv[i]);
	}
	if (n + 1 >= cap)
		return -1;
	out[n++] = '\n';
	out[n] = '\0';
	return (int)n;
}

void
journal_save(const struct door_entry *doors, int n_doors, unsigned nopen)
{
	char *buf;
	size_t cap = 64, len = 0;
	int n;

	/* Measured when the door opened; a later deadline may be longer. */
	for (int i = 0; i < n_doors; i++)
		if (doors[i].used)
			cap += doors[i].jlen + 24;
	if ((buf = malloc(cap)) == NULL) {
		log_warnx("journal: out of memory");
		return;
	}
	/* No door open: an empty file (which reads as no line of any
	 * version). */
	if (nopen > 0)
		len = (size_t)snprintf(buf, cap, "%s %d\n",
		    JOURNAL_MAGIC, JOURNAL_VERSION);
	for (int i = 0; i < n_doors; i++) {
		const struct door_entry *e = &doors[i];

		if (!e->used)
			continue;
		if ((n = journal_line(e, buf + len, cap - len)) < 0)
			fatalx("journal: line of door %s longer than measured",
			    e->door);
		len += (size_t)n;
	}
	if (state_write_atomic(journal, buf, len) == -1)
		log_warn("journal %s: cannot write; open doors will not "
		    "survive a crash", journal);
	free(buf);
}

/* Reading the journal back: every field is checked against the
 * configuration, because what a line says is run as root. */

/* Decimal without sign or leading zero, at most max. 0 or -1. */
static int
dec_ok(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Undoes esc_append in place. 0, or -1 for a bad escape. */
static int
unesc(char *s)
{
	char *o = s;

	if (strcmp(s, "%00") == 0) {
		*s = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		unsigned v = 0;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		for (int i = 1; i <= 2; i++) {
			char h = s[i];
			v <<= 4;
			if (h >= '0' && h <= '9')
				v |= (unsigned)(h - '0');
			else if (h >= 'A' && h <= 'F')
				v |= (unsigned)(h - 'A' + 10);
			else
				return -1;
		}
		if (v == 0)
			return -1;
		*o++ = (char)v;
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* 1 when path may run as a journaled stop command: a program some door's
 * command names, or (the door may have been removed since it opened) an
 * executable regular file that only root, or we, can change. */
static int
program_ok(const struct config *c, const char *path)
{
	struct stat sb;

	if (path[0] != '/')
		return 0;
	for (int i = 0; i < c->ndoors; i++) {
		const struct config_door *d = &c->doors[i];

		if ((d->stop.argc > 0 && strcmp(d->stop.argv[0], path) == 0) ||
		    (d->start.argc > 0 && strcmp(d->start.argv[0], path) == 0))
			return 1;
	}
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & 0111) != 0 && (sb.st_mode & 022) == 0 &&
	    (sb.st_uid == 0 || sb.st_uid == geteuid());
}

/* 1 when user may open door d: an HMAC door's user, or none for a
 * static door or a door opened by hand (`knockwatch open`). */
static int
user_of_door(const struct config *c, const struct config_door *d,
    const char *user)
{
	int u;

	if (!d->is_hmac || strcmp(user, "-") == 0)
		return strcmp(user, "-") == 0;
	if ((u = config_user_index(c, user)) < 0)
		return 0;
	for (int i = 0; i < d->hmac.nusers; i++)
		if (d->hmac.users[i] == u)
			return 1;
	return 0;
}

/* Checks and loads one journal line of format version (1, 2 or 3).
 * Returns 0 (loaded, or a door that can only be reported), or -1 with
 * why. */
static int
recover_line(const struct config *c, int version, char *line, kw_ms now,
    time_t wall, const char **why)
{
	char *f[7 + KW_MAX_ARGV + 1], *save = NULL, *w;
	char host[HOST_MAX + 1] = "";
	int nf = 0, di, argc;
	unsigned long long port = 0, dl, tmo = 0;
	struct kw_addr a;
	char canon[ADDR_STRLEN];
	const struct config_door *d = NULL;
	const char *stale = NULL;
	struct door_entry *e;

	*why = "malformed";
	if (strlen(line) > JOURNAL_LINE)
		return (*why = "too long"), -1;
	for (w = strtok_r(line, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (nf == (int)(sizeof(f) / sizeof(f[0])))
			return (*why = "too many fields"), -1;
		f[nf++] = w;
	}
	if (version == 3) {
		/* The host field, then the line reads as format 2. */
		if (nf < 8)
			return -1;
		if (strcmp(f[2], "-") != 0 && (host_canon(f[2], strlen(f[2]),
		    host, sizeof(host)) < 0 || strcmp(host, f[2]) != 0))
			return (*why = "bad host"), -1;
		memmove(&f[2], &f[3], (size_t)(nf - 3) * sizeof(f[0]));
		nf--;
		version = 2;
	}
	if (version == 1 ? nf != 5 : nf < 7)
		return -1;
	/* f: door, source, user, port, deadline [, cmd_timeout, argv...] */
	if (strlen(f[0]) > KW_NAME_MAX || strlen(f[2]) > KW_NAME_MAX)
		return (*why = "name too long"), -1;
	if (addr_parse(f[1], strlen(f[1]), &a) == -1 ||
	    strcmp(addr_ntop(&a, canon, sizeof(canon)), f[1]) != 0)
		return (*why = "address not in canonical form"), -1;
	if (strcmp(f[3], "-") != 0 && dec_ok(f[3], 65535, &port) == -1)
		return (*why = "bad port"), -1;
	if (strcmp(f[3], "-") != 0 && port == 0)
		return (*why = "bad port"), -1;
	if (dec_ok(f[4], (unsigned long long)1 << 40, &dl) == -1)
		return (*why = "bad deadline"), -1;
	if (version == 2 && dec_ok(f[5], 86400, &tmo) == -1)
		return (*why = "bad command time limit"), -1;
	/* A user name of the configuration's alphabet that no option parser
	 * could take for a flag (it reaches KNOCK_USER). */
	if (strcmp(f[2], "-") != 0 && (f[2][0] == '-' || strspn(f[2],
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
	    != strlen(f[2])))
		return (*why = "bad user name"), -1;
	if ((di = config_door_index(c, f[0])) >= 0)
		d = &c->doors[di];
	if (d != NULL && !user_of_door(c, d, f[2]))
		stale = "user not of this door";
	else if (d != NULL && (d->is_hmac && d->hmac.has_open ?
	    (port < d->hmac.open_lo || port > d->hmac.open_hi) :
	    strcmp(f[3], "-") != 0))
		stale = "port not in the door's open_range";
	else if (d == NULL && strcmp(f[2], "-") != 0 &&
	    config_user_index(c, f[2]) < 0)
		stale = "unknown user";
	/* Format 1 lines are closed with today's stop command, expanded
	 * with their fields: those must be ones the door can open. Format 2
	 * lines carry the stop command they opened with: a user revoked or
	 * a port range changed since is a door to close now, not a line to
	 * set aside (which would leave it open). */
	if (stale != NULL && version == 1)
		return (*why = stale), -1;
	if (version == 1 && (d == NULL || d->stop.argc == 0)) {
		log_warnx("DOOR MAY BE OPEN: journal names door %s for %s, "
		    "which has no stop command now; close it by hand", f[0],
		    f[1]);
		return 0;
	}
	argc = nf - 6;
	if (version == 2) {
		for (int i = 6; i < nf; i++)
			if (unesc(f[i]) == -1)
				return (*why = "bad escape"), -1;
		if (!program_ok(c, f[6]))
			return (*why = "stop program unknown, or writable "
			    "by others"), -1;
	}
	if ((e = door_entry_alloc()) == NULL)
		return (*why = "no free slot"), -1;
	snprintf(e->src, sizeof(e->src), "%s", canon);
	snprintf(e->host, sizeof(e->host), "%s", host);
	snprintf(e->door, sizeof(e->door), "%s", f[0]);
	snprintf(e->family, sizeof(e->family), "%s",
	    a.family == AF_INET6 ? "inet6" : "inet");
	snprintf(e->user, sizeof(e->user), "%s",
	    strcmp(f[2], "-") == 0 ? "" : f[2]);
	snprintf(e->open_port, sizeof(e->open_port), "%s",
	    strcmp(f[3], "-") == 0 ? "" : f[3]);
	if (version == 1) {
		if (door_entry_commands(e, d) == -1)
			goto fail;
	} else {
		/* The stop command as it was when the door opened. */
		struct config_cmd from = { &f[6], argc }, to;

		if (door_cmd_copy(&to, &from) == -1)
			goto fail;
		e->stop_argv = to.argv;
		e->cmd_timeout = (unsigned)tmo;
		if (d != NULL) {
			e->stop_after = d->stop_after;
			if (door_cmd_copy(&e->start, &d->start) == -1)
				goto fail;
		}
	}
	{
		char tmpl[JOURNAL_LINE + 1];
		int n;

		e->wall_deadline = (time_t)dl;
		if ((n = journal_line(e, tmpl, sizeof(tmpl))) < 0)
			goto fail;
		e->jlen = (size_t)n;
	}
	e->deadline = (time_t)dl <= wall || stale != NULL ? now :
	    now + (kw_ms)((time_t)dl - wall) * 1000;
	if (stale != NULL)
		log_warnx("journal: door %s for %s%s%s: %s since it opened: "
		    "closing it now with the stop command it opened with",
		    e->door, e->src, e->user[0] != '\0' ? " user " : "",
		    e->user, stale);
	else
		log_info("journal: door %s for %s%s%s %s%s", e->door, e->src,
		    e->host[0] ? " at host " : "", e->host,
		    (time_t)dl <= wall ? "expired while we were down: closing" :
		    "still open: keeping its deadline", d == NULL ? " (the "
		    "door is no longer configured: closing with the stop "
		    "command it opened with)" : "");
	return 0;
fail:
	door_entry_release(e);
	*why = "out of memory";
	return -1;
}

int
journal_recover(const struct config *c, kw_ms now, time_t wall)
{
	size_t len;
	char *buf, *line, *save = NULL;
	int lineno = 0, nbad = 0, version = 1;
	const char *why;

	if ((buf = state_read_mine(journal, &len)) == NULL) {
		if (errno == ENOENT)
			return -1;
		/* Not ours, a link, or group/other-writable: its lines
		 * cannot be trusted. */
		log_warn("journal %s: refused, set aside", journal);
		if (errno == EPERM || errno == ELOOP || errno == EINVAL ||
		    errno == EFBIG)
			state_set_aside_tag(journal, "bad");
		return -1;
	}
	if (strlen(buf) != len) {
		log_warnx("journal %s: NUL bytes, set aside", journal);
		state_set_aside_tag(journal, "bad");
		free(buf);
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (lineno == 1 && strncmp(line, JOURNAL_MAGIC " ",
		    sizeof(JOURNAL_MAGIC)) == 0) {
			if (strcmp(line + sizeof(JOURNAL_MAGIC), "2") != 0 &&
			    strcmp(line + sizeof(JOURNAL_MAGIC), "3") != 0) {
				log_warnx("journal %s: unknown format '%.40s', "
				    "set aside", journal, line);
				state_set_aside_tag(journal, "bad");
				free(buf);
				return -1;
			}
			version = line[sizeof(JOURNAL_MAGIC)] - '0';
			continue;
		}
		if (recover_line(c, version, line, now, wall, &why) == -1) {
			nbad++;
			log_warnx("journal %s: line %d refused (%s)", journal,
			    lineno, why);
		}
	}
	if (nbad > 0) {
		/* Kept for the admin; the good lines are journaled anew. */
		log_warnx("journal %s: %d line(s) refused, the file is set "
		    "aside as %s.bad-*", journal, nbad, journal);
		state_set_aside_tag(journal, "bad");
	}
	free(buf);
	return 0;
}
