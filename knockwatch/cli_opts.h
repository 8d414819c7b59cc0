/* cli_opts.h — the client's parsed command line, shared by cli.c (which
 * parses it), cli_seq.c and cli_knock.c. Internal to the client. */
#ifndef KW_CLI_OPTS_H
#define KW_CLI_OPTS_H

#include <stdint.h>

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

/* Parses the subcommand's argv into o (getopt_long, optind reset first).
 * Returns 0, -1 when --help was printed, or an exit status. */
int cli_parse(int argc, char **argv, struct cli_opts *o);
/* Prints the message (if fmt is not NULL) and the usage; returns
 * EX_USAGE. */
int cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Whole-string unsigned decimal in lo..hi into *out: 0 or -1. */
int cli_number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
