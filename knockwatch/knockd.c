/* knockd.c — `knockwatch import-knockd FILE`: reads a knockd.conf the way
 * knockd does (sections, case-insensitive KEY = value) and prints the
 * equivalent knockwatch configuration. Commands are split as knockd's
 * /bin/sh would split them (shword.c); one that needs a shell, like every
 * directive without an equivalent, becomes a comment that says what to
 * do. Runs nothing, reads nothing but the file. */
#include "knockd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "kdaction.h"
#include "shword.h"

/* knockd's defaults (knockd.c: SEQ_TIMEOUT, CMD_TIMEOUT). */
#define KNOCKD_SEQ_TIMEOUT	25
#define KNOCKD_CMD_TIMEOUT	10

struct kd_val {
	const char *v;		/* into the file buffer; NULL: absent */
	unsigned line;
};

struct kd_door {
	const char *section;
	unsigned line;
	struct kd_val seq, timeout, flags, start, start6, stop, stop6,
	    cmd_timeout, onetime, target;
	struct kd_val note[KNOCKD_MAX_NOTES];	/* "KEY = value" as written */
	int nnotes, lost_notes;
	char name[KW_NAME_MAX + 1];
};

struct kd_conf {
	const char *path;
	int syslog;
	struct kd_val logfile, pidfile, interface;
	struct kd_val note[KNOCKD_MAX_NOTES];
	int nnotes, lost_notes;
	struct kd_door *door;
	int ndoors;
};

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
kd_err(const struct kd_conf *k, unsigned line, const char *msg,
    const char *what)
{
	fprintf(stderr, "knockwatch: %s:%u: %s%s%s\n", k->path, line, msg,
	    what ? " " : "", what ? what : "");
	return -1;
}

/* Reads the whole file into a NUL-terminated buffer (bounded). */
static char *
kd_read(const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		fprintf(stderr, "knockwatch: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "knockwatch: %s: not a regular file\n", path);
		goto out;
	}
	if (st.st_size > KNOCKD_MAX_FILE) {
		fprintf(stderr, "knockwatch: %s: larger than %d bytes: not a "
		    "knockd.conf\n", path, KNOCKD_MAX_FILE);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fprintf(stderr, "knockwatch: out of memory\n");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		fprintf(stderr, "knockwatch: %s: a NUL byte: not a "
		    "knockd.conf\n", path);
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

static void
note(struct kd_val *notes, int *n, int *lost, const char *line, unsigned ln)
{
	if (*n == KNOCKD_MAX_NOTES) {
		(*lost)++;
		return;
	}
	notes[*n].v = line;
	notes[*n].line = ln;
	(*n)++;
}

/* One directive of a door section; key upper case, as knockd compares. */
static void
door_key(struct kd_door *d, const char *key, const char *val,
    const char *whole, unsigned ln)
{
	struct kd_val *v = NULL;

	if (strcmp(key, "SEQUENCE") == 0)
		v = &d->seq;
	else if (strcmp(key, "SEQ_TIMEOUT") == 0 ||
	    strcmp(key, "TIMEOUT") == 0)
		v = &d->timeout;
	else if (strcmp(key, "TCPFLAGS") == 0)
		v = &d->flags;
	else if (strcmp(key, "START_COMMAND") == 0 ||
	    strcmp(key, "COMMAND") == 0)
		v = &d->start;
	else if (strcmp(key, "START_COMMAND_6") == 0 ||
	    strcmp(key, "COMMAND_6") == 0)
		v = &d->start6;
	else if (strcmp(key, "STOP_COMMAND") == 0)
		v = &d->stop;
	else if (strcmp(key, "STOP_COMMAND_6") == 0)
		v = &d->stop6;
	else if (strcmp(key, "CMD_TIMEOUT") == 0)
		v = &d->cmd_timeout;
	else if (strcmp(key, "ONE_TIME_SEQUENCES") == 0)
		v = &d->onetime;
	else if (strcmp(key, "TARGET") == 0)
		v = &d->target;
	if (v == NULL) {
		note(d->note, &d->nnotes, &d->lost_notes, whole, ln);
		return;
	}
	v->v = val;		/* knockd: the last one wins */
	v->line = ln;
}

/* Parses buf in place as knockd's parseconfig() does. 0 or -1. */
static int
kd_parse(struct kd_conf *k, char *buf)
{
	char *line, *next, *eq, *key, *val, *whole;
	struct kd_door *d = NULL;
	int in_options = 0, in_section = 0;
	unsigned ln = 0;
	size_t i;

	for (line = buf; line != NULL; line = next) {
		ln++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strlen(line) > KNOCKD_MAX_LINE)
			return kd_err(k, ln, "line longer than 4096 bytes "
			    "(knockd reads at most PATH_MAX)", NULL);
		for (i = 0; line[i] != '\0'; i++)
			if (((unsigned char)line[i] < 0x20 && line[i] != '\t' &&
			    line[i] != '\r') || line[i] == 0x7f)
				return kd_err(k, ln, "a control character",
				    NULL);
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			line[strlen(line) - 1] = '\0';
			line++;
			if (*line == '\0')
				return kd_err(k, ln, "bad section name", NULL);
			in_section = 1;
			in_options = strcmp(line, "options") == 0;
			if (in_options)
				continue;
			if (k->ndoors == KNOCKD_MAX_DOORS)
				return kd_err(k, ln, "more than 1024 "
				    "sections", NULL);
			d = &k->door[k->ndoors++];
			memset(d, 0, sizeof(*d));
			d->section = line;
			d->line = ln;
			continue;
		}
		if (!in_section)
			return kd_err(k, ln, "a directive outside any [section] "
			    "(knockd refuses it too):", line);
		whole = line;
		if ((eq = strchr(line, '=')) == NULL) {
			if (strcasecmp(line, "UseSyslog") == 0) {
				k->syslog = 1;
				continue;
			}
			return kd_err(k, ln, "a directive without '=' (knockd "
			    "refuses it too):", line);
		}
		/* The whole line stays readable for the comments: copy the
		 * key out rather than cutting the line at '='. */
		{
			static char kbuf[KNOCKD_MAX_LINE + 1];
			size_t kl = (size_t)(eq - line);

			memcpy(kbuf, line, kl);
			kbuf[kl] = '\0';
			key = trim(kbuf);
			for (i = 0; key[i] != '\0'; i++)
				key[i] = (char)toupper((unsigned char)key[i]);
			val = eq + 1;
			while (isspace((unsigned char)*val))
				val++;
			if (in_options) {
				if (strcmp(key, "LOGFILE") == 0)
					k->logfile = (struct kd_val){ val, ln };
				else if (strcmp(key, "PIDFILE") == 0)
					k->pidfile = (struct kd_val){ val, ln };
				else if (strcmp(key, "INTERFACE") == 0)
					k->interface =
					    (struct kd_val){ val, ln };
				else
					note(k->note, &k->nnotes,
					    &k->lost_notes, whole, ln);
			} else
				door_key(d, key, val, whole, ln);
		}
	}
	return 0;
}

/* A YAML scalar: plain when it cannot be mistaken, else double-quoted. */
static void
put_scalar(FILE *o, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || strchr("/_.+=@-", *p)))
			break;
	/* "-A" is plain in a flow list; a lone "-" is not. */
	if (*p == '\0' && *s != '\0' && (isalnum((unsigned char)*s) ||
	    *s == '/' || (*s == '-' && s[1] != '\0')) && strcasecmp(s, "true") != 0 &&
	    strcasecmp(s, "false") != 0 && strcasecmp(s, "null") != 0 &&
	    strcasecmp(s, "yes") != 0 && strcasecmp(s, "no") != 0 &&
	    strcasecmp(s, "on") != 0 && strcasecmp(s, "off") != 0) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(o, "\\x%02x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

/* Comment text: printable ASCII only. */
static void
put_comment(FILE *o, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(isprint((unsigned char)*s) ? *s : '?', o);
}

/* Where knockd's shell would have found a program named without a path. */
static const char *
resolve(const char *prog, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/local/sbin",
	    "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	int i;

	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(buf, len, "%s/%s", dirs[i], prog);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* "%IP%" (knockd) becomes "%SRC%" in every place of s; the caller frees. */
static char *
subst_ip(const char *s)
{
	size_t n = 0, len;
	const char *p;
	char *out, *w;

	for (p = s; (p = strstr(p, "%IP%")) != NULL; p += 4)
		n++;
	len = strlen(s) + n + 1;
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (w = out; *s != '\0'; ) {
		if (strncmp(s, "%IP%", 4) == 0) {
			memcpy(w, "%SRC%", 5);
			w += 5;
			s += 4;
		} else
			*w++ = *s++;
	}
	*w = '\0';
	return out;
}

/* "    KEY: [argv...]" from knockd's command, with "--door", door appended
 * when door is not NULL; 0, or -1 with why in err. */
static int
put_cmd(FILE *o, const char *key, const struct kd_val *v, const char *door,
    char *err, size_t errlen)
{
	char **argv, *a, path[512], e[160];
	const char *abs;
	int argc, i;

	if ((argc = shword_split(v->v, KW_MAX_ARGV, &argv, e, sizeof(e)))
	    == -1) {
		snprintf(err, errlen, "its %s command (line %u) uses %s; "
		    "knockwatch runs one program with arguments, never a "
		    "shell: put the command in a script and name the script",
		    key, v->line, e);
		return -1;
	}
	abs = argv[0][0] == '/' ? NULL : resolve(argv[0], path, sizeof(path));
	if (argv[0][0] != '/' && abs == NULL) {
		snprintf(err, errlen, "its %s command (line %u) runs '%.64s', "
		    "which knockd's shell looked up in PATH and is not in "
		    "/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, "
		    "/sbin or /bin: give its absolute path", key, v->line,
		    argv[0]);
		shword_free(argv);
		return -1;
	}
	if (abs != NULL)
		fprintf(o, "    # knockd's shell found '%s' in PATH: %s\n",
		    argv[0], abs);
	fprintf(o, "    %s: [", key);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			fputs(", ", o);
		if ((a = subst_ip(i == 0 && abs ? abs : argv[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			shword_free(argv);
			return -1;
		}
		put_scalar(o, a);
		free(a);
	}
	if (door != NULL) {
		fputs(", --door, ", o);
		put_scalar(o, door);
	}
	fputs("]\n", o);
	shword_free(argv);
	return 0;
}

/* knockd's "knock to close" section: its command closes with a knockwatch
 * action what another section's command opened. The action tags each rule
 * with its door (KNOCK_DOOR), so the close must name the opening door
 * (--door) or it deletes nothing. That door's name, or NULL; *orphan is
 * set when d closes with an action and no door opens with it. */
static const char *
closes_for(const struct kd_conf *k, const struct kd_door *d, int *orphan)
{
	char prog[512], other[512];
	const char *verb, *v2;
	int j;

	*orphan = 0;
	if (d->start.v == NULL ||
	    !kd_action_call(d->start.v, &verb, prog, sizeof(prog)) ||
	    strcmp(verb, "close") != 0)
		return NULL;
	for (j = 0; j < k->ndoors; j++)
		if (&k->door[j] != d && k->door[j].start.v != NULL &&
		    kd_action_call(k->door[j].start.v, &v2, other,
		    sizeof(other)) && strcmp(v2, "open") == 0 &&
		    strcmp(prog, other) == 0)
			return k->door[j].name;
	*orphan = 1;
	return NULL;
}

/* Whole-string decimal in lo..hi. */
static int
number(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return errno != 0 || *end != '\0' || *out < lo || *out > hi ? -1 : 0;
}

static int
put_sequence(FILE *o, const struct kd_door *d, char *err, size_t errlen)
{
	char buf[KNOCKD_MAX_LINE + 1], out[KW_MAX_SEQ * 12 + 1] = "", *p,
	    *item, *proto;
	unsigned long port;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", d->seq.v);
	for (p = buf; (item = strsep(&p, ",")) != NULL; n++) {
		if ((proto = strchr(item, ':')) != NULL)
			*proto++ = '\0';
		item = trim(item);
		proto = proto ? trim(proto) : "tcp";
		if (n == KW_MAX_SEQ) {
			snprintf(err, errlen, "its sequence (line %u) has more "
			    "than %d knocks", d->seq.line, KW_MAX_SEQ);
			return -1;
		}
		if (number(item, 1, 65535, &port) == -1) {
			snprintf(err, errlen, "bad port '%.32s' in its "
			    "sequence (line %u)", item, d->seq.line);
			return -1;
		}
		if (strcasecmp(proto, "tcp") != 0 &&
		    strcasecmp(proto, "udp") != 0) {
			snprintf(err, errlen, "bad protocol '%.32s' in its "
			    "sequence (line %u): tcp or udp", proto,
			    d->seq.line);
			return -1;
		}
		snprintf(out + strlen(out), sizeof(out) - strlen(out),
		    "%s%lu/%s", n ? ", " : "", port,
		    strcasecmp(proto, "udp") == 0 ? "udp" : "tcp");
	}
	fprintf(o, "    sequence: [%s]\n", out);
	return 0;
}

static int
put_flags(FILE *o, const struct kd_door *d, char *err, size_t errlen)
{
	static const char *const ok[] = { "fin", "syn", "rst", "psh", "ack",
	    "urg", NULL };
	char buf[KNOCKD_MAX_LINE + 1], out[64] = "", *p, *f, *name;
	int i;

	snprintf(buf, sizeof(buf), "%s", d->flags.v);
	for (p = buf; (f = strsep(&p, ",")) != NULL; ) {
		f = trim(f);
		name = f[0] == '!' ? f + 1 : f;
		for (i = 0; ok[i] != NULL; i++)
			if (strcasecmp(name, ok[i]) == 0)
				break;
		if (ok[i] == NULL || strlen(out) + 6 >= sizeof(out)) {
			snprintf(err, errlen, "unknown TCP flag '%.32s' "
			    "(line %u)", f, d->flags.line);
			return -1;
		}
		snprintf(out + strlen(out), sizeof(out) - strlen(out),
		    "%s%s%s", out[0] ? "," : "", f[0] == '!' ? "!" : "",
		    ok[i]);
	}
	fputs("    tcp_flags: ", o);
	put_scalar(o, out);
	fputs("\n", o);
	return 0;
}

/* Keeps the first problem of a door; the rest of it is still converted. */
#define PROBLEM(call) do { \
	if ((call) == -1 && !bad) { \
		bad = 1; \
		snprintf(err, errlen, "%s", e); \
	} \
} while (0)

/* The door's YAML into o; 0, or -1 with why it needs a hand in err (the
 * first reason; the rest of the door is converted all the same). */
static int
put_door(FILE *o, const struct kd_conf *k, const struct kd_door *d,
    char *err, size_t errlen)
{
	char e[512];
	const char *owner;
	unsigned long t;
	int i, bad = 0, orphan;

	fprintf(o, "  %s:\n    # knockd's [", d->name);
	put_comment(o, d->section);
	fprintf(o, "] at line %u\n", d->line);
	if (d->onetime.v != NULL) {
		fprintf(o, "    # one_time_sequences = ");
		put_comment(o, d->onetime.v);
		fputs("\n", o);
		bad = 1;
		snprintf(err, errlen, "it uses one_time_sequences (line %u): "
		    "knockwatch's HMAC doors replace them (a new sequence "
		    "every 30 s from each user's key, nothing to hand out or "
		    "strike off): add users (knockwatch genkey) and give the "
		    "door an hmac: section instead of a sequence "
		    "(knockwatch.yaml(5))", d->onetime.line);
	} else if (d->seq.v == NULL) {
		bad = 1;
		snprintf(err, errlen, "it has no sequence (knockd refuses "
		    "it too)");
	} else
		PROBLEM(put_sequence(o, d, e, sizeof(e)));
	t = KNOCKD_SEQ_TIMEOUT;
	if (d->timeout.v != NULL && number(d->timeout.v, 1, 3600, &t) == -1) {
		snprintf(e, sizeof(e), "seq_timeout '%.32s' (line %u): "
		    "knockwatch's timeout is 1 to 3600 seconds", d->timeout.v,
		    d->timeout.line);
		PROBLEM(-1);
	} else
		fprintf(o, "    timeout: %lu%s\n", t, d->timeout.v ? "" :
		    "                  # knockd's default seq_timeout");
	if (d->flags.v != NULL)
		PROBLEM(put_flags(o, d, e, sizeof(e)));
	if (d->start.v == NULL) {
		snprintf(e, sizeof(e), "it has no start_command (or command)");
		PROBLEM(-1);
	} else {
		owner = closes_for(k, d, &orphan);
		if (owner != NULL)
			fprintf(o, "    # closes door %s's rule: the action tags "
			    "each rule with its door,\n    # so --door %s "
			    "(without it the close would delete nothing)\n",
			    owner, owner);
		else if (orphan)
			fputs("    # WARNING: this closes with an action that "
			    "tags each rule with its door:\n    # add --door "
			    "NAME of the door that opened it, or nothing is "
			    "deleted\n", o);
		PROBLEM(put_cmd(o, "start", &d->start, owner, e, sizeof(e)));
	}
	if (d->stop.v != NULL && d->stop.v[0] != '\0') {
		PROBLEM(put_cmd(o, "stop", &d->stop, NULL, e, sizeof(e)));
		t = KNOCKD_CMD_TIMEOUT;
		if (d->cmd_timeout.v != NULL &&
		    number(d->cmd_timeout.v, 1, 86400, &t) == -1) {
			snprintf(e, sizeof(e), "cmd_timeout '%.32s' (line %u): "
			    "knockwatch's stop_after is 1 to 86400 seconds",
			    d->cmd_timeout.v, d->cmd_timeout.line);
			PROBLEM(-1);
		} else
			fprintf(o, "    stop_after: %lu%s\n", t,
			    d->cmd_timeout.v ?
			    "                # knockd's cmd_timeout" :
			    "                # knockd's default cmd_timeout");
	} else if (d->cmd_timeout.v != NULL)
		fprintf(o, "    # knockd's cmd_timeout (line %u) without a "
		    "stop_command did nothing; dropped\n", d->cmd_timeout.line);
	if (d->start6.v != NULL || d->stop6.v != NULL)
		fprintf(o, "    # knockd's start_command_6/stop_command_6 (line "
		    "%u): knockwatch runs start and stop for IPv4 and IPv6\n"
		    "    # alike (%%SRC%% is either; KNOCK_FAMILY says which; "
		    "actions/iptables picks\n    # ip6tables itself): make "
		    "the command above handle both\n",
		    d->start6.v ? d->start6.line : d->stop6.line);
	if (d->target.v != NULL)
		fprintf(o, "    # knockd's target (line %u): knockwatch counts "
		    "the knocks its LOG rules log;\n    # for a routed host, "
		    "log the packets to it (a LOG rule in FORWARD)\n",
		    d->target.line);
	for (i = 0; i < d->nnotes; i++) {
		fprintf(o, "    # unknown to knockwatch (line %u), left out: ",
		    d->note[i].line);
		put_comment(o, d->note[i].v);
		fputs("\n", o);
	}
	if (d->lost_notes)
		fprintf(o, "    # ... and %d more unknown directives\n",
		    d->lost_notes);
	return bad ? -1 : 0;
}

#undef PROBLEM

/* Door names: knockwatch allows [A-Za-z0-9_.-]{1,64}, each once. */
static void
name_doors(struct kd_conf *k)
{
	int i, j, dup, n;
	size_t l;
	char *p;

	for (i = 0; i < k->ndoors; i++) {
		p = k->door[i].name;
		snprintf(p, KW_NAME_MAX + 1, "%s", k->door[i].section);
		for (l = 0; p[l] != '\0'; l++)
			if (!isalnum((unsigned char)p[l]) &&
			    !strchr("_.-", p[l]))
				p[l] = '-';
		for (n = 2, dup = 1; dup; n++) {
			dup = 0;
			for (j = 0; j < i; j++)
				if (strcmp(k->door[j].name, p) == 0)
					dup = 1;
			if (dup) {
				l = strlen(p) > KW_NAME_MAX - 4 ?
				    KW_NAME_MAX - 4 : strlen(p);
				snprintf(p + l, KW_NAME_MAX + 1 - l, "-%d", n);
			}
		}
	}
}

static void
put_header(FILE *o, const struct kd_conf *k)
{
	int i;

	fputs("# knockwatch configuration imported from knockd's ", o);
	put_comment(o, k->path);
	fputs("\n# by `knockwatch import-knockd`. Commands are argv lists, "
	    "never run through a\n# shell; knockd's %IP% is %SRC%. Before "
	    "use:\n"
	    "#  1. knockwatch does not listen on an interface: it reads the "
	    "firewall's\n"
	    "#     LOG lines. Log the knock ports (README, \"Five minutes\"; "
	    "examples/\n"
	    "#     iptables-knock.rules) and set sources: below.\n"
	    "#  2. Set state_dir (root's own directory, never under /tmp), "
	    "then check:\n"
	    "#     knockwatch -n -c FILE\n"
	    "#  3. knockd's static sequences can be sniffed and replayed; "
	    "knockwatch's\n"
	    "#     HMAC doors cannot (doc/protocol.md, knockwatch.yaml(5)).\n"
	    "# state_dir: /var/lib/knockwatch\n"
	    "# sources:\n"
	    "#   - file: /var/log/knock.log\n"
	    "#     prefix: \"KNOCK: \"\n", o);
	if (k->syslog)
		fputs("# log: syslog                    # knockd's UseSyslog; under "
		    "systemd keep\n#                                # stderr "
		    "(the journal, knockwatch.service)\n", o);
	if (k->logfile.v != NULL) {
		fprintf(o, "# knockd's logfile (line %u): knockwatch logs to "
		    "stderr (the journal, under\n# systemd) or to syslog "
		    "(log: syslog); it keeps no log file of its own: ",
		    k->logfile.line);
		put_comment(o, k->logfile.v);
		fputs("\n", o);
	}
	if (k->pidfile.v != NULL)
		fprintf(o, "# knockd's pidfile (line %u): not needed, systemd "
		    "tracks the daemon (systemd/knockwatch.service)\n",
		    k->pidfile.line);
	if (k->interface.v != NULL) {
		fprintf(o, "# knockd's interface (line %u): knockwatch sniffs "
		    "no interface; to count knocks\n# on one interface only, "
		    "match it in the LOG rule (iptables -i ", k->interface.line);
		put_comment(o, k->interface.v);
		fputs(" ...)\n", o);
	}
	for (i = 0; i < k->nnotes; i++) {
		fprintf(o, "# unknown to knockwatch (line %u), left out: ",
		    k->note[i].line);
		put_comment(o, k->note[i].v);
		fputs("\n", o);
	}
	if (k->lost_notes)
		fprintf(o, "# ... and %d more unknown options\n",
		    k->lost_notes);
}

static void
import_usage(FILE *fp)
{
	fputs("usage: knockwatch import-knockd FILE\n"
	    "  prints the knockwatch configuration equivalent to the knockd.conf"
	    " FILE;\n  exit 0: every door converted, 1: some doors are "
	    "commented out (stderr says why)\n", fp);
}

int
knockd_import_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kd_conf k;
	char *buf = NULL, *text = NULL, *doors = NULL, err[512];
	size_t tlen = 0, dlen = 0;
	FILE *o, *all;
	int ch, i, rc = 78, hand = 0, converted = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			import_usage(stdout);
			return 0;
		}
		fprintf(stderr, "knockwatch: import-knockd: see "
		    "knockwatch import-knockd --help\n");
		return 64;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "knockwatch: import-knockd: expected one "
		    "file (knockwatch import-knockd /etc/knockd.conf)\n");
		return 64;
	}
	memset(&k, 0, sizeof(k));
	k.path = argv[optind];
	if ((k.door = calloc(KNOCKD_MAX_DOORS, sizeof(*k.door))) == NULL ||
	    (buf = kd_read(k.path)) == NULL || kd_parse(&k, buf) == -1)
		goto out;
	name_doors(&k);
	put_header(stdout, &k);
	if ((all = open_memstream(&doors, &dlen)) == NULL) {
		fprintf(stderr, "knockwatch: out of memory\n");
		goto out;
	}
	for (i = 0; i < k.ndoors; i++) {
		if ((o = open_memstream(&text, &tlen)) == NULL) {
			fprintf(stderr, "knockwatch: out of memory\n");
			fclose(all);
			goto out;
		}
		err[0] = '\0';
		if (put_door(o, &k, &k.door[i], err, sizeof(err)) == 0) {
			fclose(o);
			fputs(text, all);
			converted++;
		} else {
			char *l, *nl;

			fclose(o);
			fprintf(stderr, "knockwatch: %s:%u: door '%s' left "
			    "commented out: %s\n", k.path, k.door[i].line,
			    k.door[i].name, err);
			fprintf(all, "  # DOOR '%s' NOT CONVERTED: ",
			    k.door[i].name);
			put_comment(all, err);
			fputs("\n", all);
			for (l = text; *l != '\0'; l = nl) {
				nl = l + strcspn(l, "\n");
				fprintf(all, "  # %.*s\n", (int)(nl - l), l);
				if (*nl == '\n')
					nl++;
			}
		}
		free(text);
		text = NULL;
	}
	fclose(all);
	/* With no door left active, an empty mapping: -n then says "no
	 * doors configured" rather than a type error. */
	fputs(converted ? "\ndoors:\n" : k.ndoors ? "\ndoors: {}    # no "
	    "door could be converted: see below\n" : "\ndoors: {}    # "
	    "knockd's file has no door\n", stdout);
	fputs(doors, stdout);
	hand = converted < k.ndoors;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "knockwatch: import-knockd: write error\n");
		goto out;
	}
	rc = hand ? 1 : 0;
out:
	free(doors);
	free(buf);
	free(k.door);
	return rc;
}
