/* cli.c — the client side: prints a user's current knockwatch/2 sequence,
 * sends it to a host, and makes keys. Runs in the foreground of a user's
 * shell, so it may block (name resolution, the delay between knocks); it
 * never sends anything but the knocks, and never prints a key it was given. */
#include "cli.h"

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <gcrypt.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "key.h"
#include "seq.h"

#define CLI_LINE_MAX	512	/* formatted sequence */
#define CLI_DELAY_MAX	60000	/* ms */

enum {
	OPT_KEY = 256, OPT_KEYFILE, OPT_DOOR, OPT_USER, OPT_STEP, OPT_TIME,
	OPT_BIND, OPT_BINDSRC, OPT_LENGTH, OPT_RANGE, OPT_PROTOCOLS,
	OPT_OPENRANGE, OPT_PERIOD, OPT_DELAY, OPT_SEQUENCE,
};

/* What the command line asked for, before it is turned into parameters. */
struct cli_opts {
	int knock;			/* parsing for `knock` */
	const char *host;
	const char *config;
	const char *door, *user;
	const char *keyhex, *keyfile;
	const char *seqtext;		/* knock --sequence */
	int has_step, has_time;
	uint64_t step, time;
	const char *bind;
	int bind_source;
	int derive_opts;		/* any of length/range/protocols/... */
	unsigned length;
	uint16_t lo, hi;
	int udp;
	int has_open;
	uint16_t open_lo, open_hi;
	unsigned period;
	unsigned delay;			/* ms */
	int family;
	int verbose;
};

/* The result: a sequence ready to print or send. */
struct cli_seq {
	struct config_knock k[KW_MAX_SEQ];
	unsigned n;
	int has_open;
	uint16_t open_port;
	int bind_source;		/* the source address is part of msg */
	char bind[ADDR_STRLEN];		/* canonical; "" until known */
};

static const struct option cli_longopts[] = {
	{ "config",	required_argument, NULL, 'c' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "key",	required_argument, NULL, OPT_KEY },
	{ "key-file",	required_argument, NULL, OPT_KEYFILE },
	{ "door",	required_argument, NULL, OPT_DOOR },
	{ "user",	required_argument, NULL, OPT_USER },
	{ "step",	required_argument, NULL, OPT_STEP },
	{ "time",	required_argument, NULL, OPT_TIME },
	{ "bind",	required_argument, NULL, OPT_BIND },
	{ "bind-source", no_argument,	   NULL, OPT_BINDSRC },
	{ "length",	required_argument, NULL, OPT_LENGTH },
	{ "range",	required_argument, NULL, OPT_RANGE },
	{ "protocols",	required_argument, NULL, OPT_PROTOCOLS },
	{ "open-range",	required_argument, NULL, OPT_OPENRANGE },
	{ "period",	required_argument, NULL, OPT_PERIOD },
	{ "delay",	required_argument, NULL, OPT_DELAY },
	{ "sequence",	required_argument, NULL, OPT_SEQUENCE },
	{ NULL,		0,		   NULL, 0 },
};

void
cli_usage(FILE *fp)
{
	fputs(
"usage: knockwatch sequence (--key HEX | --key-file FILE) --door D --user U\n"
"           [--step N | --time UNIX] [--period S] [--bind IP]\n"
"           [--length N] [--range LO-HI] [--protocols tcp|tcp,udp]\n"
"           [--open-range LO-HI]\n"
"       knockwatch sequence -c CONFIG --door D [--user U]\n"
"           [--step N | --time UNIX] [--bind IP]\n"
"       knockwatch knock HOST [-4 | -6] [-v] [--delay MS]\n"
"           [--bind IP | --bind-source] [--step N | --time UNIX]\n"
"           (-c CONFIG --door D [--user U] |\n"
"            --sequence \"7000/tcp 8000/udp\" |\n"
"            (--key HEX | --key-file FILE) --door D --user U [--period S]\n"
"            [--length N] [--range LO-HI] [--protocols tcp|tcp,udp]\n"
"            [--open-range LO-HI])\n"
"       knockwatch genkey\n", fp);
}

static int cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints the message (if any) and the usage; returns EX_USAGE. */
static int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	cli_usage(stderr);
	return EX_USAGE;
}

/* Whole-string unsigned decimal in lo..hi. */
static int
cli_number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "LO-HI", ports 1..65535, LO <= HI. */
static int
cli_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *dash;
	uint64_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((dash = strchr(buf, '-')) == NULL)
		return -1;
	*dash = '\0';
	if (cli_number(buf, 1, 65535, &a) == -1 ||
	    cli_number(dash + 1, 1, 65535, &b) == -1 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Hex key text, surrounding white space allowed, into key. Returns the
 * length in bytes (KW_MIN_KEY..KW_MAX_KEY) or -1. */
static int
cli_hexkey(const char *s, unsigned char key[KW_MAX_KEY])
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
cli_keyfile(const char *path, unsigned char key[KW_MAX_KEY])
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
cli_static_seq(const char *text, struct cli_seq *s)
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

/* Parses argv into o. Returns 0 or an exit status. */
static int
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	struct kw_addr a;
	uint64_t v;
	int ch;

	o->length = 4;
	o->lo = 20000;
	o->hi = 59999;
	o->period = 30;
	o->delay = 100;
	o->family = AF_UNSPEC;
	/* glibc: optind 0 reinitialises getopt fully (main may have used
	 * it); the leading '-' hands positional arguments to us in order. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, o->knock ? "-46c:hv" : "-c:h",
	    cli_longopts, NULL)) != -1) {
		switch (ch) {
		case 1:
			if (!o->knock || o->host != NULL)
				return cli_usage_error("unexpected argument %s",
				    optarg);
			o->host = optarg;
			break;
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'h':
			cli_usage(stdout);
			return -1;
		case 'v':
			o->verbose = 1;
			break;
		case OPT_KEY:
			o->keyhex = optarg;
			break;
		case OPT_KEYFILE:
			o->keyfile = optarg;
			break;
		case OPT_DOOR:
			o->door = optarg;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_STEP:
			if (cli_number(optarg, 0, UINT64_MAX, &o->step) == -1)
				return cli_usage_error("bad --step %s", optarg);
			o->has_step = 1;
			break;
		case OPT_TIME:
			if (cli_number(optarg, 0, UINT64_MAX, &o->time) == -1)
				return cli_usage_error("bad --time %s", optarg);
			o->has_time = 1;
			break;
		case OPT_BIND:
			if (addr_parse(optarg, strlen(optarg), &a) == -1)
				return cli_usage_error("--bind %s: not a "
				    "numeric IPv4 or IPv6 address", optarg);
			o->bind = optarg;
			break;
		case OPT_BINDSRC:
			if (!o->knock)
				return cli_usage_error("--bind-source: only "
				    "for knock; give the address with --bind");
			o->bind_source = 1;
			break;
		case OPT_LENGTH:
			if (cli_number(optarg, 2, KW_MAX_SEQ, &v) == -1)
				return cli_usage_error("--length %s: a sequence "
				    "has 2 to 16 knocks", optarg);
			o->length = (unsigned)v;
			o->derive_opts = 1;
			break;
		case OPT_RANGE:
			if (cli_range(optarg, &o->lo, &o->hi) == -1)
				return cli_usage_error("--range %s: not LO-HI "
				    "in 1-65535", optarg);
			o->derive_opts = 1;
			break;
		case OPT_PROTOCOLS:
			if (strcmp(optarg, "tcp") == 0)
				o->udp = 0;
			else if (strcmp(optarg, "tcp,udp") == 0 ||
			    strcmp(optarg, "udp,tcp") == 0)
				o->udp = 1;
			else
				return cli_usage_error("--protocols %s: not "
				    "tcp or tcp,udp", optarg);
			o->derive_opts = 1;
			break;
		case OPT_OPENRANGE:
			if (cli_range(optarg, &o->open_lo, &o->open_hi) == -1)
				return cli_usage_error("--open-range %s: not "
				    "LO-HI in 1-65535", optarg);
			o->has_open = 1;
			o->derive_opts = 1;
			break;
		case OPT_PERIOD:
			if (cli_number(optarg, 1, 86400, &v) == -1)
				return cli_usage_error("--period %s: not "
				    "1..86400", optarg);
			o->period = (unsigned)v;
			o->derive_opts = 1;
			break;
		case OPT_DELAY:
			if (!o->knock)
				return cli_usage_error("--delay: only for "
				    "knock");
			if (cli_number(optarg, 0, CLI_DELAY_MAX, &v) == -1)
				return cli_usage_error("--delay %s: not "
				    "0..60000 ms", optarg);
			o->delay = (unsigned)v;
			break;
		case OPT_SEQUENCE:
			if (!o->knock)
				return cli_usage_error("--sequence: only for "
				    "knock");
			o->seqtext = optarg;
			break;
		default:
			return cli_usage_error(NULL);
		}
	}
	if (o->knock && o->host == NULL)
		return cli_usage_error("%s: no HOST given", "knock");
	if (o->has_step && o->has_time)
		return cli_usage_error("%s: give --step or --time, not both",
		    argv[0]);
	if (o->bind != NULL && o->bind_source)
		return cli_usage_error("%s: give --bind or --bind-source, not "
		    "both", argv[0]);
	if (o->seqtext != NULL) {
		if (o->config || o->keyhex || o->keyfile || o->door ||
		    o->user || o->derive_opts || o->has_step || o->has_time ||
		    o->bind || o->bind_source)
			return cli_usage_error("%s: --sequence takes no "
			    "key, door, user or derivation options", argv[0]);
		return 0;
	}
	if (o->config != NULL) {
		if (o->keyhex || o->keyfile || o->derive_opts)
			return cli_usage_error("%s: with -c the key and the "
			    "door's settings come from the config", argv[0]);
		if (o->door == NULL)
			return cli_usage_error("%s: -c needs --door", argv[0]);
		return 0;
	}
	if ((o->keyhex != NULL) == (o->keyfile != NULL))
		return cli_usage_error("%s: give one of --key, --key-file or "
		    "-c CONFIG", argv[0]);
	if (o->door == NULL || o->user == NULL)
		return cli_usage_error("%s: --door and --user are required",
		    argv[0]);
	if (o->length > (unsigned)o->hi - o->lo + 1)
		return cli_usage_error("%s: --length exceeds the number of "
		    "ports in --range (a sequence never repeats a port)",
		    argv[0]);
	return 0;
}

static uint64_t
cli_step(const struct cli_opts *o, unsigned period)
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
cli_derive(const unsigned char *key, size_t keylen, struct seq_params *p,
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
cli_from_config(const struct cli_opts *o, const struct config *c,
    struct cli_seq *s)
{
	const struct config_door *d;
	struct seq_params p;
	int di, ui, i;

	if ((di = config_door_index(c, o->door)) == -1) {
		warnx("%s: no door %s", c->path, o->door);
		return EX_CONFIG;
	}
	d = &c->doors[di];
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
	seq_params_from(&p, c, di, ui, cli_step(o, d->hmac.period), s->bind);
	return cli_derive(c->users[ui].key, c->users[ui].keylen, &p, s,
	    EX_CONFIG);
}

/* Loads the key, derives s (config, key or static). The bind address, if
 * the door uses one, must already be in s->bind. Returns 0 or a status. */
static int
cli_build(const struct cli_opts *o, struct cli_seq *s)
{
	unsigned char key[KW_MAX_KEY];
	struct seq_params p;
	struct config *c;
	char errbuf[512];
	int n, rc;

	if (o->seqtext != NULL) {
		if (cli_static_seq(o->seqtext, s) == -1)
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
		rc = cli_from_config(o, c, s);
		config_free(c);
		return rc;
	}
	if (o->keyhex != NULL) {
		/* A key on the command line is visible to other local users
		 * (ps); --key-file is the better habit. */
		if ((n = cli_hexkey(o->keyhex, key)) == -1)
			return cli_usage_error("--key: not %s bytes in hex",
			    "16 to 64");
	} else if ((n = cli_keyfile(o->keyfile, key)) == -1) {
		rc = EX_NOINPUT;
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.door = o->door;
	p.user = o->user;
	p.step = cli_step(o, o->period);
	p.bind = s->bind;
	p.length = o->length;
	p.lo = o->lo;
	p.hi = o->hi;
	p.udp = o->udp;
	p.has_open = o->has_open;
	p.open_lo = o->open_lo;
	p.open_hi = o->open_hi;
	rc = cli_derive(key, (size_t)n, &p, s, EX_USAGE);
 out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int
cli_print(const struct cli_seq *s, FILE *fp)
{
	char line[CLI_LINE_MAX];

	if (seq_format(s->k, s->n, s->has_open, s->open_port, line,
	    sizeof(line)) == -1)
		return -1;
	fprintf(fp, "%s\n", line);
	return 0;
}

/* Canonical text of a numeric --bind (already checked by cli_parse). */
static void
cli_canon(const char *text, char out[ADDR_STRLEN])
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
		cli_canon(o.bind, s.bind);
		s.bind_source = 1;
	}
	if (o.config != NULL && o.bind == NULL) {
		/* Learn whether the door binds before deriving without it. */
		if ((rc = cli_build(&o, &s)) != 0)
			return rc;
		if (s.bind_source)
			return cli_usage_error("door %s binds sequences to "
			    "the source address: give --bind", o.door);
	} else if ((rc = cli_build(&o, &s)) != 0)
		return rc;
	if (cli_print(&s, stdout) == -1 || fflush(stdout) == EOF) {
		warnx("cannot print the sequence");
		return EX_IOERR;
	}
	return 0;
}

/* The address the kernel would use as source towards dst: connect a UDP
 * socket (which sends nothing) and ask. */
static int
cli_source(const struct sockaddr_storage *dst, socklen_t dstlen,
    char out[ADDR_STRLEN])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct kw_addr a;
	int fd, rc = -1;

	if ((fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)dst, dstlen) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		goto out;
	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)ss.ss_family;
	if (ss.ss_family == AF_INET)
		memcpy(a.a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else if (ss.ss_family == AF_INET6)
		memcpy(a.a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		goto out;
	addr_ntop(&a, out, ADDR_STRLEN);
	rc = out[0] != '\0' ? 0 : -1;
 out:
	close(fd);
	return rc;
}

static void
cli_setport(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* One knock. TCP: a non-blocking connect sends the SYN before it returns;
 * close() in SYN_SENT then drops the socket without retransmission or RST.
 * Refused (an answering RST on loopback) still counts as sent. */
static int
cli_send(struct sockaddr_storage *dst, socklen_t dstlen,
    const struct config_knock *k)
{
	static const char payload[] = "\n";
	int fd, rc = -1;

	cli_setport(dst, k->port);
	if (k->proto == IPPROTO_UDP) {
		fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		if (sendto(fd, payload, 1, 0, (struct sockaddr *)dst,
		    dstlen) == 1)
			rc = 0;
	} else {
		fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)dst, dstlen) == 0 ||
		    errno == EINPROGRESS || errno == ECONNREFUSED)
			rc = 0;
	}
	if (rc == -1)
		warn("%s/%u", k->proto == IPPROTO_UDP ? "udp" : "tcp",
		    k->port);
	close(fd);
	return rc;
}

static void
cli_sleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
cli_knock(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_seq s;
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct kw_addr ba;
	char host[ADDR_STRLEN];
	unsigned i;
	int rc, gai;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	o.knock = 1;
	if ((rc = cli_parse(argc, argv, &o)) != 0)
		return rc == -1 ? 0 : rc;
	if (o.bind != NULL) {
		cli_canon(o.bind, s.bind);
		s.bind_source = 1;
		/* The knocks must leave from an address of the bind's
		 * family, so resolve only that family. */
		if (addr_parse(o.bind, strlen(o.bind), &ba) == 0) {
			if (o.family != AF_UNSPEC && o.family != ba.family)
				return cli_usage_error("%s: --bind and -4/-6 "
				    "disagree", "knock");
			o.family = ba.family;
		}
	}
	if (o.bind_source)
		s.bind_source = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o.family;
	hints.ai_socktype = SOCK_DGRAM;
	if ((gai = getaddrinfo(o.host, NULL, &hints, &res)) != 0) {
		warnx("%s: %s", o.host, gai_strerror(gai));
		return EX_NOHOST;
	}
	if (res == NULL || res->ai_addrlen > sizeof(dst)) {
		warnx("%s: no usable address", o.host);
		rc = EX_NOHOST;
		goto out;
	}
	memcpy(&dst, res->ai_addr, res->ai_addrlen);
	dstlen = res->ai_addrlen;
	if (getnameinfo((struct sockaddr *)&dst, dstlen, host, sizeof(host),
	    NULL, 0, NI_NUMERICHOST) != 0)
		strcpy(host, "?");

	/* A config door tells only while deriving whether it binds; derive
	 * once to learn it, then again with the source address. */
	if ((rc = cli_build(&o, &s)) != 0)
		goto out;
	if (s.bind_source && s.bind[0] == '\0') {
		cli_setport(&dst, 9);
		if (cli_source(&dst, dstlen, s.bind) == -1) {
			warn("%s: no source address towards %s", o.host, host);
			rc = EX_NOHOST;
			goto out;
		}
		if ((rc = cli_build(&o, &s)) != 0)
			goto out;
	}
	if (o.verbose) {
		fprintf(stderr, "knocking %s%s%s: ", host,
		    s.bind_source ? " from " : "", s.bind_source ? s.bind : "");
		cli_print(&s, stderr);
	}
	for (i = 0; i < s.n; i++) {
		if (i > 0 && o.delay > 0)
			cli_sleep(o.delay);
		if (cli_send(&dst, dstlen, &s.k[i]) == -1) {
			rc = EX_IOERR;
			goto out;
		}
	}
	if (s.has_open)
		printf("open=%u\n", s.open_port);
	rc = 0;
 out:
	freeaddrinfo(res);
	return rc;
}

int
cli_genkey(int argc, char **argv)
{
	unsigned char key[32];
	char hex[2 * sizeof(key) + 1];
	size_t i;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0) {
			cli_usage(stdout);
			return 0;
		}
		return cli_usage_error("%s: takes no arguments", "genkey");
	}
	if (seq_init() == -1) {
		warnx("cannot initialise libgcrypt");
		return EX_SOFTWARE;
	}
	gcry_randomize(key, sizeof(key), GCRY_VERY_STRONG_RANDOM);
	for (i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	printf("%s\n", hex);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	return fflush(stdout) == EOF ? EX_IOERR : 0;
}
