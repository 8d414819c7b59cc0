/* cli.c — the client side's command line: parses the options of
 * `sequence` and `knock` (cli_seq.c derives, cli_knock.c sends), prints the
 * usage, and makes keys (`genkey`). Never prints a key it was given. */
#include "cli.h"

#include <err.h>
#include <errno.h>
#include <gcrypt.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "addr.h"
#include "cli_opts.h"
#include "config.h"
#include "seq.h"

#define CLI_DELAY_MAX	60000	/* ms */

enum {
	OPT_KEY = 256, OPT_KEYFILE, OPT_DOOR, OPT_USER, OPT_STEP, OPT_TIME,
	OPT_BIND, OPT_BINDSRC, OPT_LENGTH, OPT_RANGE, OPT_PROTOCOLS,
	OPT_OPENRANGE, OPT_PERIOD, OPT_DELAY, OPT_SEQUENCE,
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

/* Each subcommand's --help: its own options, described. */
static const char cli_help_sequence[] =
"usage: knockwatch sequence -c CONFIG --door D [--user U]\n"
"           [--step N | --time UNIX] [--bind IP]\n"
"       knockwatch sequence (--key HEX | --key-file FILE) --door D --user U\n"
"           [--step N | --time UNIX] [--period S] [--bind IP] [--length N]\n"
"           [--range LO-HI] [--protocols tcp|tcp,udp] [--open-range LO-HI]\n"
"  Prints an HMAC door's current sequence (knockwatch/2), one line:\n"
"  proto/port ... [open=PORT].\n"
"  -c, --config FILE     the door's settings and the user's key from FILE\n"
"  --door D, --user U    the door and the user (the derivation's input)\n"
"  --key HEX, --key-file FILE  the user's key, without -c\n"
"  --step N, --time UNIX the time step (default: now / --period)\n"
"  --bind IP             the client address the server sees (bind_source)\n"
"  --period S, --length N, --range LO-HI, --protocols P, --open-range LO-HI\n"
"                        the door's parameters, without -c (defaults 30,\n"
"                        4, 20000-59999, tcp)\n"
"  -h, --help            this text\n"
"  Exit: 0, 64 usage, 66 key file, 78 config.\n";

static const char cli_help_knock[] =
"usage: knockwatch knock HOST [-4 | -6] [-v] [--delay MS]\n"
"           [--bind IP | --bind-source] [--step N | --time UNIX]\n"
"           (-c CONFIG --door D [--user U] | --sequence \"7000/tcp 8000/udp\" |\n"
"            (--key HEX | --key-file FILE) --door D --user U [--period S]\n"
"            [--length N] [--range LO-HI] [--protocols tcp|tcp,udp]\n"
"            [--open-range LO-HI])\n"
"  Sends a door's knocks to HOST: a TCP SYN or a 1-byte UDP datagram each.\n"
"  -4, -6                HOST's IPv4 or IPv6 address only\n"
"  -v, --verbose         print each knock\n"
"  --delay MS            between knocks (0-60000, default 100)\n"
"  --sequence \"P/proto ...\"  a static door's knocks (no key)\n"
"  --bind IP             the address the server sees (behind NAT)\n"
"  --bind-source         derive for the address the kernel picks\n"
"  -c, --door, --user, --key, --key-file, --step, --time, --period,\n"
"  --length, --range, --protocols, --open-range: as for sequence\n"
"  -h, --help            this text\n"
"  Exit: 0, 64 usage, 66 key file, 68 HOST not found, 74 send failed,\n"
"  78 config.\n";

static const char cli_help_genkey[] =
"usage: knockwatch genkey\n"
"  Prints a fresh 32-byte key as 64 hex digits, for a user's key or\n"
"  key_file. No options but -h, --help (this text).\n";

/* The subcommand being parsed, for its one-line errors. */
static const char *cli_sub = "sequence";

/* Prints one line: the program, the subcommand, the message and where
 * its help is; returns EX_USAGE. No usage dump. */
int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "knockwatch %s: ", cli_sub);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	} else
		fputs("bad usage", stderr);
	fprintf(stderr, " (knockwatch %s --help)\n", cli_sub);
	return EX_USAGE;
}

/* getopt's complaint, as one line of ours (opterr is 0). */
static int
cli_getopt_error(int ch, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (ch == ':')
		return cli_usage_error("option %s needs a value", arg);
	if (optopt != 0 && arg[0] == '-' && arg[1] != '-')
		return cli_usage_error("unknown option -%c", optopt);
	return cli_usage_error("unknown option %s", arg);
}

/* Whole-string unsigned decimal in lo..hi. */
int
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

/* Parses argv into o. Returns 0 or an exit status. */
int
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
	opterr = 0;
	cli_sub = o->knock ? "knock" : "sequence";
	while ((ch = getopt_long(argc, argv, o->knock ? "-:46c:hv" : "-:c:h",
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
			fputs(o->knock ? cli_help_knock : cli_help_sequence,
			    stdout);
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
			return cli_getopt_error(ch, argv);
		}
	}
	if (o->knock && o->host == NULL)
		return cli_usage_error("no HOST given");
	if (o->has_step && o->has_time)
		return cli_usage_error("give --step or --time, not both");
	if (o->bind != NULL && o->bind_source)
		return cli_usage_error("give --bind or --bind-source, not "
		    "both");
	if (o->seqtext != NULL) {
		if (o->config || o->keyhex || o->keyfile || o->door ||
		    o->user || o->derive_opts || o->has_step || o->has_time ||
		    o->bind || o->bind_source)
			return cli_usage_error("--sequence takes no "
			    "key, door, user or derivation options");
		return 0;
	}
	if (o->config != NULL) {
		if (o->keyhex || o->keyfile || o->derive_opts)
			return cli_usage_error("with -c the key and the "
			    "door's settings come from the config");
		if (o->door == NULL)
			return cli_usage_error("-c needs --door");
		return 0;
	}
	if ((o->keyhex != NULL) == (o->keyfile != NULL))
		return cli_usage_error("give one of --key, --key-file or "
		    "-c CONFIG");
	if (o->door == NULL || o->user == NULL)
		return cli_usage_error("--door and --user are required");
	if (o->length > (unsigned)o->hi - o->lo + 1)
		return cli_usage_error("--length exceeds the number of "
		    "ports in --range (a sequence never repeats a port)");
	return 0;
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
			fputs(cli_help_genkey, stdout);
			return 0;
		}
		cli_sub = "genkey";
		return cli_usage_error("takes no arguments");
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

