/* cli.h — the client-side subcommands: `knockwatch sequence`, `knockwatch
 * knock` and `knockwatch genkey`. */
#ifndef KW_CLI_H
#define KW_CLI_H

#include <stdio.h>

/* Each takes the subcommand's own argv (argv[0] is the subcommand name),
 * parses it with getopt_long (resetting optind first) and returns an exit
 * status: 0, 64 usage, 78 config, 68 unresolvable host, 74 send failure,
 * 70 libgcrypt failure. They write diagnostics to stderr (warnx) and never
 * print key material except genkey's fresh key on stdout. */

/* Prints one line: the knocks as "proto/port" separated by single spaces,
 * then " open=PORT" when the door has an open range. */
int cli_sequence(int argc, char **argv);
/* Sends the current sequence (or a static --sequence) to HOST: TCP knocks
 * as non-blocking connects abandoned at once by close() (one SYN, no
 * retransmission), UDP knocks as one 1-byte datagram, --delay ms apart
 * (default 100). HOST goes through getaddrinfo; the first address is used
 * (of --bind's family when --bind is given, or -4/-6). --bind only enters the
 * derivation; the sockets are not bound to it (behind NAT, give the public
 * address). For a bind_source door (-c) or with --bind-source, a missing
 * --bind defaults to the source address the kernel picks towards HOST
 * (connect a UDP socket, which sends nothing, and getsockname).
 * Prints "open=PORT" when the door has an open range. */
int cli_knock(int argc, char **argv);
/* Prints a fresh 32-byte key as 64 hex digits. */
int cli_genkey(int argc, char **argv);
/* The usage lines of the three subcommands. */
void cli_usage(FILE *fp);

#endif
