/* main.c — command line: runs the daemon, checks a config (-n), or hands
 * over to a client subcommand (sequence, knock, genkey). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "ctl.h"
#include "hostcheck.h"
#include "knock.h"
#include "knockd.h"
#include "log.h"
#include "loop.h"
#include "replay.h"
#include "seq.h"
#include "worker.h"

/* The one place of the version (make deb reads this line). */
#define KW_VERSION "0.1.0"
#define KW_DEFAULT_CONFIG "/etc/knockwatch/knockwatch.yaml"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: knockwatch [-nsv] [-c FILE]\n"
	    "  -c, --config FILE  configuration (default " KW_DEFAULT_CONFIG ")\n"
	    "  -n, --check        check the configuration, print one line per door\n"
	    "  -s, --syslog       log to syslog instead of stderr\n"
	    "  -v, --verbose      more detail: -n prints settings, the daemon\n"
	    "                     debug: lines\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n"
	    "usage: knockwatch replay [-v] [-c FILE] LOGFILE   (dry run, .gz too)\n"
	    "usage: knockwatch status [-c FILE | -S SOCKET] [--json]\n"
	    "       knockwatch open [-c FILE | -S SOCKET] [--for S] [--port P] DOOR ADDRESS\n"
	    "       knockwatch close [-c FILE | -S SOCKET] DOOR ADDRESS\n"
	    "       knockwatch reload [-c FILE] [-S SOCKET]  (running daemon)\n"
	    "usage: knockwatch import-knockd FILE   (a knockd.conf as knockwatch's)\n");
	cli_usage(fp);
	fprintf(fp, "Each subcommand's --help describes its options.\n");
}

/* The subcommands, each with its own argv (argv[0] its name). */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "sequence", cli_sequence },
	{ "knock", cli_knock },
	{ "status", ctl_client_status },
	{ "open", ctl_client_open },
	{ "close", ctl_client_close },
	{ "reload", ctl_client_reload },
	{ "replay", replay_main },
	{ "genkey", cli_genkey },
	{ "import-knockd", knockd_import_main },
	{ "worker", worker_main },
};

static int (*subcommand(const char *name))(int, char **)
{
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]);
	    i++)
		if (strcmp(name, subcommands[i].name) == 0)
			return subcommands[i].run;
	return NULL;
}

/* The order users try, `knockwatch -c FILE status`: the options before a
 * subcommand's name (but never before "worker") go to the subcommand, as
 * if written after it. Returns its exit status, or -1 when argv names no
 * subcommand after options. */
static int
options_first(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int (*run)(int, char **) = subcommand(argv[i]);
		char **nargv;
		int j = 0, rc;

		if (argv[i][0] == '-') {
			/* Skip the value of an option that takes one. */
			if ((strcmp(argv[i], "-c") == 0 ||
			    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
				i++;
			continue;
		}
		if (run == NULL || run == worker_main)
			return -1;
		if ((nargv = calloc((size_t)argc + 1, sizeof(*nargv))) == NULL)
			return -1;
		nargv[j++] = argv[i];
		for (int k = 1; k < argc; k++)
			if (k != i)
				nargv[j++] = argv[k];
		rc = run(j, nargv);
		free(nargv);
		return rc;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = KW_DEFAULT_CONFIG;
	int ch, fd, check = 0, to_syslog = 0, verbose = 0;
	struct config *cfg;
	char err[1024];

	if (argc > 1 && subcommand(argv[1]) != NULL)
		return subcommand(argv[1])(argc - 1, argv + 1);
	if ((ch = options_first(argc, argv)) != -1)
		return ch;

	opterr = 0;	/* one line of ours instead */
	while ((ch = getopt_long(argc, argv, ":c:nsvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			to_syslog = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("knockwatch %s\n", KW_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "knockwatch: option %s needs a value "
			    "(knockwatch --help)\n", argv[optind - 1]);
			return 64;
		default:
			fprintf(stderr, "knockwatch: unknown option %s "
			    "(knockwatch --help)\n", argv[optind - 1]);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "knockwatch: unexpected argument %s (a "
		    "subcommand comes first: knockwatch status -c FILE; see "
		    "knockwatch --help)\n", argv[optind]);
		return 64;
	}
	log_init(0, verbose);
	if (!check) {
		sigset_t mask;

		/* From the first instant: a HUP during start-up is a reload
		 * done once started (loop.c), never the end of the daemon. */
		loop_block_signals(&mask);
		/* The parent: no key is read here, and no log. */
		if ((cfg = loop_load(path, &fd, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%sknockwatch: %s\n", log_prefix(LOG_ERR),
			    err);
			return 78;
		}
		log_init(to_syslog || cfg->log_syslog, verbose);
		control_version(KW_VERSION);
		hostcheck_warn();
		return loop_run(path, cfg, fd, verbose);
	}
	if (seq_init() != 0) {
		fprintf(stderr, "%sknockwatch: cannot initialise libgcrypt\n",
		    log_prefix(LOG_ERR));
		return 70;
	}
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%sknockwatch: %s\n", log_prefix(LOG_ERR),
			    err);
		return 78;
	}
	{
		/* The checks of the start: the parent's view (no key read,
		 * key_file paths kept). */
		struct config *pc;
		int pfd, rc = 0;

		if ((pc = loop_load(path, &pfd, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%sknockwatch: %s\n", log_prefix(LOG_ERR),
			    err);
			rc = 78;
		} else {
			if (loop_check_dirs(pc, 0) == -1)
				rc = 78;
			config_free(pc);
			close(pfd);
		}
		if (rc != 0) {
			config_free(cfg);
			seq_free();
			return rc;
		}
	}
	{
		hostcheck_warn();
		(void)hostcheck_config(cfg);
		config_print(cfg, stdout, verbose);
		if (verbose)
			printf("memory: %zu bytes per tracked source, at most "
			    "%u tracked\n", knock_bytes_per_attempt(),
			    cfg->max_tracked);
		printf("configuration OK\n");
		config_free(cfg);
		seq_free();
		return 0;
	}
}
