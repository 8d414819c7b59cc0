/* ctl_client.c — the clients of the control socket: `knockwatch status`,
 * `open`, `close` and `reload`. Each finds the socket (from the config, or
 * with -S), talks only to a daemon running as root (or as the caller), sends
 * one request line and prints the answer. A configuration that no longer
 * loads does not stop status, open or close: the socket is then found from
 * the file's top-level runtime_dir line alone, or at its default. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "cnode.h"
#include "config.h"
#include "host.h"

#define CTL_DEFAULT_CONFIG "/etc/knockwatch/knockwatch.yaml"
#define CTL_DEFAULT_RUNTIME "/run/knockwatch"
#define CTL_CLIENT_WAIT_S 40	/* the daemon answers within 30 s */
#define CTL_MAX_FOR 86400	/* open --for, as a door's stop_after */

struct ctl_cmd {
	const char *name;	/* the subcommand */
	const char *usage;	/* its --help, options described */
};

static const struct ctl_cmd cmd_status = { "status",
"usage: knockwatch status [-c CONFIG | -S SOCKET] [--json]\n"
"  Prints the running daemon's report: counters, open doors, the worker.\n"
"  -c, --config FILE  find the socket from FILE's runtime_dir (default\n"
"                     " CTL_DEFAULT_CONFIG "); a file that does not\n"
"                     load is read for its runtime_dir line alone\n"
"  -S, --socket PATH  the daemon's socket (runtime_dir/knockwatch.sock)\n"
"  -j, --json         one JSON document: version, uptime, counters, open\n"
"                     doors, attempts in progress, the worker\n"
"  -h, --help         this text\n"
"  Exit: 0, 64 usage, 69 the daemon cannot be reached.\n" };

static const struct ctl_cmd cmd_open = { "open",
"usage: knockwatch open [-c CONFIG | -S SOCKET] [--for SECONDS]\n"
"           [--port PORT] [--host HOST] DOOR ADDRESS\n"
"  Opens DOOR for ADDRESS as if its sequence had completed: journaled,\n"
"  start command now, stop command at the end; no user (journal: -).\n"
"  Opening a door that is open extends it.\n"
"  --for SECONDS      keep it open this long (1-86400; default the\n"
"                     door's stop_after)\n"
"  --port PORT        for a door with open_range: the port to open, in\n"
"                     that range (required there, refused elsewhere)\n"
"  --host HOST        fleet mode: the host the door opens at (%HOST%),\n"
"                     canonical as a fleet line's host; required for a\n"
"                     door with hosts: (one of them), refused when no\n"
"                     source has fleet: true\n"
"  -c, -S             as for status\n"
"  -h, --help         this text\n"
"  Exit: 0, 1 refused (unknown door, denied address, ...), 64 usage,\n"
"  69 the daemon cannot be reached.\n" };

static const struct ctl_cmd cmd_close = { "close",
"usage: knockwatch close [-c CONFIG | -S SOCKET] DOOR ADDRESS\n"
"  Closes DOOR for ADDRESS now (every user and port of it): the stop\n"
"  command runs and the journal is updated.\n"
"  -c, -S             as for status\n"
"  -h, --help         this text\n"
"  Exit: 0, 1 refused (unknown door, not open for ADDRESS, or closing\n"
"  already: its stop command runs), 64 usage,\n"
"  69 the daemon cannot be reached.\n" };

static const struct ctl_cmd cmd_reload = { "reload",
"usage: knockwatch reload [-c CONFIG] [-S SOCKET]\n"
"  Asks the daemon which file it reloads, checks that file (as -n does),\n"
"  asks the daemon to reload it, waits until its worker has confirmed\n"
"  the new configuration or the reload failed, and prints the answer.\n"
"  -c, --config FILE  where the socket is (default\n"
"                     " CTL_DEFAULT_CONFIG "); when given, it must be\n"
"                     the daemon's own file, or nothing is reloaded\n"
"  -S, --socket PATH  the daemon's socket (no file is read to find it)\n"
"  -h, --help         this text\n"
"  Exit: 0 reloaded, 1 the reload failed (the daemon keeps the running\n"
"  configuration) or CONFIG is not the daemon's file, 64 usage, 69 the\n"
"  daemon cannot be reached, 78 the file does not load (the daemon is\n"
"  not asked).\n" };

/* One line: the subcommand, the message, where the help is. 64. */
static int
usage_error(const struct ctl_cmd *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "knockwatch %s: %s%s%s (knockwatch %s --help)\n",
	    cmd->name, msg, arg != NULL ? " " : "", arg != NULL ? arg : "",
	    cmd->name);
	return 64;
}

/* The runtime_dir of the file at path read as lines: the value of a
 * top-level "runtime_dir:" line, unquoted, without a comment; else the
 * default. For a file that does not load: nothing else of it is used. */
static void
lenient_runtime_dir(const char *path, char *dir, size_t len)
{
	char line[1024];
	FILE *fp;

	snprintf(dir, len, "%s", CTL_DEFAULT_RUNTIME);
	if ((fp = fopen(path, "re")) == NULL)
		return;
	for (int n = 0; n < 100000 && fgets(line, sizeof(line), fp) != NULL;
	    n++) {
		char *v, *e;

		if (strncmp(line, "runtime_dir:", 12) != 0)
			continue;
		v = line + 12;
		v += strspn(v, " \t");
		if (*v == '"' || *v == '\'') {
			if ((e = strchr(v + 1, *v)) == NULL)
				continue;
			*e = '\0';
			v++;
		} else {
			v[strcspn(v, " \t\r\n#")] = '\0';
		}
		if (v[0] == '/')
			snprintf(dir, len, "%s", v);
	}
	fclose(fp);
}

/* Fills sun with the socket: sock when given, else from config. */
static void
socket_path(const char *config, const char *sock, struct sockaddr_un *sun)
{
	char err[1024], dir[256];
	struct config *c;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (sock != NULL) {
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", sock);
		return;
	}
	if ((c = config_load(config, err, sizeof(err))) != NULL) {
		snprintf(dir, sizeof(dir), "%s", c->runtime_dir);
		config_free(c);
	} else {
		lenient_runtime_dir(config, dir, sizeof(dir));
		fprintf(stderr, "knockwatch: warning: %s (asking the running "
		    "daemon at %s)\n", err, dir);
	}
	if (snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir,
	    CTL_SOCKET) >= (int)sizeof(sun->sun_path))
		sun->sun_path[0] = '\0';	/* connect says it is not there */
}

/* Sends req to the daemon and prints its answer: the text of "OK" to
 * stdout (0), of "ERR" as one line to stderr (1). 69 when the daemon
 * cannot be reached or is not root's (or the caller's). With cap: the
 * text of "OK" goes there instead, NUL-terminated, cut at caplen - 1. */
static int
ask_into(const struct sockaddr_un *sun, const char *req, char *cap,
    size_t caplen)
{
	size_t clen_used = 0;

	struct timeval tv = { CTL_CLIENT_WAIT_S, 0 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char buf[8192], head[8];
	size_t hlen = 0;
	int fd, rc = -1, at_start = 1;
	ssize_t n;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1) {
		fprintf(stderr, "knockwatch: %s: %s (is the daemon running?)\n",
		    sun->sun_path, strerror(errno));
		if (fd != -1)
			close(fd);
		return 69;
	}
	/* Only a daemon of root's (or, for a daemon run by hand, of the
	 * caller's own) may tell what is open. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		fprintf(stderr, "knockwatch: %s: the process behind it is not "
		    "root's: refused\n", sun->sun_path);
		close(fd);
		return 69;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "knockwatch: %s: %s\n", sun->sun_path,
		    strerror(errno));
		close(fd);
		return 69;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		/* The first line is OK or ERR. */
		while (rc == -1 && n > 0) {
			if (*p == '\n') {
				rc = hlen == 2 && memcmp(head, "OK", 2) == 0 ? 0 :
				    hlen == 3 && memcmp(head, "ERR", 3) == 0 ?
				    1 : 2;
				if (rc == 1)
					fputs("knockwatch: ", stderr);
			} else if (hlen < sizeof(head))
				head[hlen++] = *p;
			p++;
			n--;
		}
		if (n > 0) {
			at_start = 0;
			if (cap != NULL && rc == 0) {
				size_t k = (size_t)n;

				if (k > caplen - 1 - clen_used)
					k = caplen - 1 - clen_used;
				memcpy(cap + clen_used, p, k);
				clen_used += k;
			} else
				fwrite(p, 1, (size_t)n, rc == 1 ? stderr :
				    stdout);
		}
	}
	close(fd);
	if (cap != NULL)
		cap[clen_used] = '\0';
	if (rc == -1 || rc == 2 || (rc == 1 && at_start)) {
		fprintf(stderr, "knockwatch: %s: %s\n", sun->sun_path,
		    rc == 1 ? "refused" : n == -1 ? strerror(errno) :
		    "no answer from the daemon");
		return rc == 1 ? 1 : 69;
	}
	return rc;
}

static int
ask(const struct sockaddr_un *sun, const char *req)
{
	return ask_into(sun, req, NULL, 0);
}

enum { OPT_FOR = 256, OPT_PORT, OPT_HOST };

/* Parses the options common to the four (and those of open); the
 * positional arguments are left from optind. 0, or an exit status. */
struct ctl_args {
	const char *config, *sock;
	int config_given;	/* -c was on the command line */
	int json;
	unsigned long secs, port;
	char host[HOST_MAX + 1];	/* open --host, canonical; "" none */
};

static int
parse(const struct ctl_cmd *cmd, int argc, char **argv, struct ctl_args *a,
    const char *shorts)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch, li;

	memset(a, 0, sizeof(*a));
	a->config = CTL_DEFAULT_CONFIG;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, opts, &li)) != -1) {
		/* An option another subcommand has is unknown here. */
		if ((ch == 'j' && strcmp(cmd->name, "status") != 0) ||
		    ((ch == OPT_FOR || ch == OPT_PORT || ch == OPT_HOST) &&
		    strcmp(cmd->name, "open") != 0))
			return usage_error(cmd, "unknown option",
			    argv[optind - 1]);
		switch (ch) {
		case 'c':
			a->config = optarg;
			a->config_given = 1;
			break;
		case 'S':
			a->sock = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case OPT_FOR:
			errno = 0;
			a->secs = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    a->secs == 0 || a->secs > CTL_MAX_FOR)
				return usage_error(cmd, "--for: 1 to 86400 "
				    "seconds, not", optarg);
			break;
		case OPT_PORT:
			errno = 0;
			a->port = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    a->port == 0 || a->port > 65535)
				return usage_error(cmd, "--port: 1 to 65535, not",
				    optarg);
			break;
		case OPT_HOST:
			if (host_canon(optarg, strlen(optarg), a->host,
			    sizeof(a->host)) == -1)
				return usage_error(cmd, "--host: not a host name "
				    "or address:", optarg);
			break;
		case 'h':
			fputs(cmd->usage, stdout);
			exit(0);
		case ':':
			return usage_error(cmd, "option needs a value:",
			    argv[optind - 1]);
		default:
			return usage_error(cmd, "unknown option",
			    argv[optind - 1]);
		}
	}
	return 0;
}

int
ctl_client_status(int argc, char **argv)
{
	struct ctl_args a;
	struct sockaddr_un sun;
	int rc;

	if ((rc = parse(&cmd_status, argc, argv, &a, ":c:S:jh")) != 0)
		return rc;
	if (optind != argc)
		return usage_error(&cmd_status, "unexpected argument",
		    argv[optind]);
	socket_path(a.config, a.sock, &sun);
	return ask(&sun, a.json ? "status json" : "status");
}

/* DOOR ADDRESS, checked here too so a typo needs no daemon to say so. */
static int
door_addr(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct kw_addr addr;

	if (argc - optind != 2)
		return usage_error(cmd, argc - optind < 2 ? "expected DOOR "
		    "ADDRESS" : "unexpected argument", argc - optind < 2 ?
		    NULL : argv[optind + 2]);
	if (!cnode_name_ok(argv[optind]))
		return usage_error(cmd, "not a door name:", argv[optind]);
	if (addr_parse(argv[optind + 1], strlen(argv[optind + 1]),
	    &addr) == -1)
		return usage_error(cmd, "not a numeric IPv4 or IPv6 address:",
		    argv[optind + 1]);
	return 0;
}

int
ctl_client_open(int argc, char **argv)
{
	struct ctl_args a;
	struct sockaddr_un sun;
	char req[CTL_MAX_REQUEST];
	int rc;

	if ((rc = parse(&cmd_open, argc, argv, &a, ":c:S:h")) != 0 ||
	    (rc = door_addr(&cmd_open, argc, argv)) != 0)
		return rc;
	socket_path(a.config, a.sock, &sun);
	if (snprintf(req, sizeof(req), "open %s %s %lu %lu%s%s", argv[optind],
	    argv[optind + 1], a.secs, a.port, a.host[0] ? " " : "",
	    a.host) >= (int)sizeof(req))
		return usage_error(&cmd_open, "too long:", argv[optind]);
	return ask(&sun, req);
}

int
ctl_client_close(int argc, char **argv)
{
	struct ctl_args a;
	struct sockaddr_un sun;
	char req[CTL_MAX_REQUEST];
	int rc;

	if ((rc = parse(&cmd_close, argc, argv, &a, ":c:S:h")) != 0 ||
	    (rc = door_addr(&cmd_close, argc, argv)) != 0)
		return rc;
	socket_path(a.config, a.sock, &sun);
	snprintf(req, sizeof(req), "close %s %s", argv[optind],
	    argv[optind + 1]);
	return ask(&sun, req);
}

/* Reload checks the file the daemon will read, which the daemon names
 * ("config"): a -c FILE that is another file is refused (exit 1), not
 * checked in its place. Without -S the socket is found from -c FILE (or
 * the default file); with -S alone no file of the client's is read. */
int
ctl_client_reload(int argc, char **argv)
{
	struct ctl_args a;
	struct sockaddr_un sun;
	struct config *c;
	char err[1024], dpath[PATH_MAX + 2], mine[PATH_MAX];
	size_t dl;
	int rc;

	if ((rc = parse(&cmd_reload, argc, argv, &a, ":c:S:h")) != 0)
		return rc;
	if (optind != argc)
		return usage_error(&cmd_reload, "unexpected argument",
		    argv[optind]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (a.sock != NULL)
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a.sock);
	else {
		/* A file that does not load is not sent for: the daemon
		 * would refuse it too, and this says where. */
		if ((c = config_load(a.config, err, sizeof(err))) == NULL) {
			fprintf(stderr, "knockwatch: %s (not reloaded)\n",
			    err);
			return 78;
		}
		if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
		    c->runtime_dir, CTL_SOCKET) >= (int)sizeof(sun.sun_path))
			sun.sun_path[0] = '\0';
		config_free(c);
	}
	if ((rc = ask_into(&sun, "config", dpath, sizeof(dpath))) != 0)
		return rc;
	dl = strlen(dpath);
	if (dl == 0 || dpath[dl - 1] != '\n' || dl > PATH_MAX) {
		fprintf(stderr, "knockwatch: %s: no configuration path from "
		    "the daemon\n", sun.sun_path);
		return 69;
	}
	dpath[dl - 1] = '\0';
	if (a.config_given && (realpath(a.config, mine) == NULL ||
	    strcmp(mine, dpath) != 0)) {
		fprintf(stderr, "knockwatch: the daemon at %s reloads %s, "
		    "not %s: not reloaded (knockwatch reload -c %s)\n",
		    sun.sun_path, dpath, a.config, dpath);
		return 1;
	}
	if ((c = config_load(dpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "knockwatch: %s (not reloaded)\n", err);
		return 78;
	}
	config_free(c);
	return ask(&sun, "reload");
}
