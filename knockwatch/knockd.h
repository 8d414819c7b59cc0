/* knockd.h — `knockwatch import-knockd FILE`: a knockd.conf translated
 * into an equivalent knockwatch configuration on standard output. */
#ifndef KW_KNOCKD_H
#define KW_KNOCKD_H

#define KNOCKD_MAX_FILE		(1024 * 1024)	/* bytes of knockd.conf */
#define KNOCKD_MAX_LINE		4096	/* knockd's own bound is PATH_MAX */
#define KNOCKD_MAX_DOORS	1024
#define KNOCKD_MAX_NOTES	32	/* directives kept as comments, per door */

/* The subcommand (argv[0] is "import-knockd"). Prints the configuration
 * on stdout and a line per door that needs a hand on stderr. Returns 0
 * when every door was converted, 1 when some were emitted commented out
 * (shell syntax in a command, one-time sequences, no sequence), 64 for a
 * usage error, 78 when the file is unreadable, too large, or not a
 * knockd.conf knockd would accept (a directive outside a section, a line
 * without '=', an overlong line). */
int knockd_import_main(int argc, char **argv);

#endif
