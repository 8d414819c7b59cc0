/* cli_seq.c — the client's sequence: from a door of a config, from a key
 * (--key or --key-file) and the derivation options, or as given with
 * --sequence; and `knockwatch sequence`, which prints it. Never prints a
 * key it was given. */
#include "cli.h"
#include "cli_seq.h"

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "host.h"
#include "key.h"
#include "seq.h"

#define CLI_LINE_MAX	512	/* formatted sequence */

/* Hex key text, surrounding white space allowed, into key. Returns the
 * length in bytes (KW_MIN_KEY..KW_MAX_KEY) or -1. */
static int
cli_seq_hexkey(const char *s, unsigned char key[KW_MAX_KEY])
{
	size_t n = 0, bad, ndigits;

	if (key_from_text(s, strlen(s), key, &n, &bad, &ndigits) != KEY_OK) {
		explicit_bzero(key, KW_MAX_KEY);
		return -1;
	}
	return (int)n;
}

/* The key in the file at path (read as the daemon reads key files), or -1
 * after a message. */
static int
cli_seq_keyfile(const char *path, unsigned char key[KW_MAX_KEY])
{
	struct key_file_err e;
	size_t n = 0;
	int fd, rc = -1;

	if ((fd = key_file_open(path)) == -1) {
		warn("%s", path);
		return -1;
	}
	switch (key_file_read(fd, key, &n, &e)) {
	case KEY_FILE_OK:
		rc = (int)n;
		break;
	case KEY_FILE_IO:
		errno = e.errnum;
		warn("%s", path);
		break;
	case KEY_FILE_NOTREG:
		warnx("%s: not a regular file", path);
		break;
	case KEY_FILE_MODE:
		warnx("%s: group/world accessible (mode %04o); chmod 600 it",
		    path, e.mode);
		break;
	case KEY_FILE_BIG:
	case KEY_FILE_HEX:
		warnx("%s: not a key of %d to %d bytes in hex", path,
		    KW_MIN_KEY, KW_MAX_KEY);
		break;
	}
	if (rc == -1)
		explicit_bzero(key, KW_MAX_KEY);
	close(fd);
	return rc;
}

/* "7000/tcp 8000/udp" (also "tcp/7000", a bare port for TCP, commas) into
 * s->k. Returns 0 or -1. */
static int
cli_seq_static(const char *text, struct cli_seq *s)
{
	char buf[CLI_LINE_MAX];
	char *tok, *save = NULL, *slash, *port, *proto;
	uint64_t v;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	s->n = 0;
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if (s->n >= KW_MAX_SEQ)
			return -1;
		port = tok;
		proto = "tcp";
		if ((slash = strchr(tok, '/')) != NULL) {
			*slash = '\0';
			if (tok[0] >= '0' && tok[0] <= '9')
				proto = slash + 1;
			else {
				proto = tok;
				port = slash + 1;
			}
		}
		if (cli_number(port, 1, 65535, &v) == -1)
			return -1;
		s->k[s->n].port = (uint16_t)v;
		if (strcmp(proto, "tcp") == 0)
			s->k[s->n].proto = IPPROTO_TCP;
		else if (strcmp(proto, "udp") == 0)
			s->k[s->n].proto = IPPROTO_UDP;
		else
			return -1;
		s->n++;
	}
	return s->n > 0 ? 0 : -1;
}

static uint64_t
cli_seq_step(const struct cli_opts *o, unsigned period)
{
	if (period == 0)
		period = 30;
	if (o->has_step)
		return o->step;
	if (o->has_time)
		return o->time / period;
	return (uint64_t)time(NULL) / period;
}

static int
cli_seq_derive(const unsigned char *key, size_t keylen, struct seq_params *p,
    struct cli_seq *s, int bad_status)
{
	char why[160];

	if (!seq_check(keylen, p, why, sizeof(why))) {
		warnx("invalid parameters: %s", why);
		return bad_status;
	}
	if (seq_derive(key, keylen, p, s->k, &s->open_port) == -1) {
		warnx("cannot derive the sequence");
		return EX_SOFTWARE;
	}
	s->n = p->length;
	s->has_open = p->has_open;
	return 0;
}

/* From a door of the config: a static door's knocks, or an HMAC door's
 * current sequence for the user. bind is "" when not (yet) known; knock
 * calls again once it knows the source address. */
static int
cli_seq_from_config(const struct cli_opts *o, const struct config *c,
    struct cli_seq *s)
{
	const struct config_door *d;
	struct seq_params p;
	char name[KW_NAME_MAX + 1], host[HOST_MAX + 1] = "";
	char field[KW_NAME_MAX + 1 + HOST_MAX + 1];
	const char *at = strchr(o->door, '@');
	int di, ui, i;

	/* NAME@HOST: a fleet door's sequence for one host (the host as the
	 * collector's log names it, canonicalised as the daemon does). */
	if (at != NULL && ((size_t)(at - o->door) > KW_NAME_MAX ||
	    host_canon(at + 1, strlen(at + 1), host, sizeof(host)) < 0))
		return cli_usage_error("--door %s: not NAME or NAME@HOST",
		    o->door);
	snprintf(name, sizeof(name), "%.*s", at != NULL ?
	    (int)(at - o->door) : KW_NAME_MAX, o->door);
	if ((di = config_door_index(c, name)) == -1) {
		warnx("%s: no door %s", c->path, name);
		return EX_CONFIG;
	}
	d = &c->doors[di];
	if (host[0] != '\0') {
		for (i = 0; i < d->nhosts; i++)
			if (strcmp(d->hosts[i], host) == 0)
				break;
		if (d->nhosts > 0 && i == d->nhosts)
			warnx("door %s does not open on host %s (hosts: in "
			    "%s)", name, host, c->path);
	}
	if (!d->is_hmac) {
		if (o->user || o->has_step || o->has_time || o->bind ||
		    o->bind_source)
			warnx("door %s has a static sequence: ignoring --user, "
			    "--step, --time and --bind", o->door);
		memcpy(s->k, d->seq, sizeof(s->k));
		s->n = (unsigned)d->nseq;
		return 0;
	}
	if (o->user == NULL)
		return cli_usage_error("door %s needs --user", o->door);
	if ((ui = config_user_index(c, o->user)) == -1) {
		warnx("%s: no user %s", c->path, o->user);
		return EX_CONFIG;
	}
	for (i = 0; i < d->hmac.nusers; i++)
		if (d->hmac.users[i] == ui)
			break;
	if (i == d->hmac.nusers) {
		warnx("%s: user %s may not open door %s", c->path, o->user,
		    o->door);
		return EX_CONFIG;
	}
	s->bind_source = d->hmac.bind_source;
	if (!s->bind_source && o->bind != NULL)
		warnx("door %s does not bind sequences to the source "
		    "address: ignoring --bind", o->door);
	s->hmac = 1;
	s->period = d->hmac.period ? d->hmac.period : 30;
	s->step = cli_seq_step(o, d->hmac.period);
	seq_params_from(&p, c, di, ui, s->step, s->bind);
	if (host[0] != '\0') {
		snprintf(field, sizeof(field), "%s@%s", name, host);
		p.door = field;
	}
	return cli_seq_derive(c->users[ui].key, c->users[ui].keylen, &p, s,
	    EX_CONFIG);
}

/* Loads the key, derives s (config, key or static). The bind address, if
 * the door uses one, must already be in s->bind. Returns 0 or a status. */
int
cli_seq_build(const struct cli_opts *o, struct cli_seq *s)
{
	unsigned char key[KW_MAX_KEY];
	struct seq_params p;
	struct config *c;
	char errbuf[512];
	int n, rc;

	if (o->seqtext != NULL) {
		if (cli_seq_static(o->seqtext, s) == -1)
			return cli_usage_error("--sequence %s: not up to 16 of "
			    "PORT/tcp or PORT/udp", o->seqtext);
		return 0;
	}
	if (seq_init() == -1) {
		warnx("cannot initialise libgcrypt");
		return EX_SOFTWARE;
	}
	if (o->config != NULL) {
		if ((c = config_load(o->config, errbuf, sizeof(errbuf))) ==
		    NULL) {
			warnx("%s", errbuf);
			return EX_CONFIG;
		}
		rc = cli_seq_from_config(o, c, s);
		config_free(c);
		return rc;
	}
	if (o->keyhex != NULL) {
		/* A key on the command line is visible to other local users
		 * (ps); --key-file is the better habit. */
		if ((n = cli_seq_hexkey(o->keyhex, key)) == -1)
			return cli_usage_error("--key: not %s bytes in hex",
			    "16 to 64");
	} else if ((n = cli_seq_keyfile(o->keyfile, key)) == -1) {
		rc = EX_NOINPUT;
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.door = o->door;
	p.user = o->user;
	p.step = cli_seq_step(o, o->period);
	s->hmac = 1;
	s->step = p.step;
	s->period = o->period ? o->period : 30;
	p.bind = s->bind;
	p.length = o->length;
	p.lo = o->lo;
	p.hi = o->hi;
	p.udp = o->udp;
	p.has_open = o->has_open;
	p.open_lo = o->open_lo;
	p.open_hi = o->open_hi;
	rc = cli_seq_derive(key, (size_t)n, &p, s, EX_USAGE);
 out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
cli_seq_print(const struct cli_seq *s, FILE *fp)
{
	char line[CLI_LINE_MAX];

	if (seq_format(s->k, s->n, s->has_open, s->open_port, line,
	    sizeof(line)) == -1)
		return -1;
	fprintf(fp, "%s\n", line);
	return 0;
}

/* Canonical text of a numeric --bind (already checked by cli_parse). */
void
cli_seq_canon(const char *text, char out[ADDR_STRLEN])
{
	struct kw_addr a;

	out[0] = '\0';
	if (addr_parse(text, strlen(text), &a) == 0)
		addr_ntop(&a, out, ADDR_STRLEN);
}

int
cli_sequence(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_seq s;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	if ((rc = cli_parse(argc, argv, &o)) != 0)
		return rc == -1 ? 0 : rc;
	if (o.bind != NULL) {
		cli_seq_canon(o.bind, s.bind);
		s.bind_source = 1;
	}
	if (o.config != NULL && o.bind == NULL) {
		/* Learn whether the door binds before deriving without it. */
		if ((rc = cli_seq_build(&o, &s)) != 0)
			return rc;
		if (s.bind_source)
			return cli_usage_error("door %s binds sequences to "
			    "the source address: give --bind", o.door);
	} else if ((rc = cli_seq_build(&o, &s)) != 0)
		return rc;
	if (cli_seq_print(&s, stdout) == -1 || fflush(stdout) == EOF) {
		warnx("cannot print the sequence");
		return EX_IOERR;
	}
	return 0;
}
