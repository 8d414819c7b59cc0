/* hostcheck.c — reads the kernel settings that let someone other than the
 * kernel's own firewall write genuine-looking knock lines, and words the
 * warning. It only warns: it never refuses to run and never changes a
 * setting. */
#include "hostcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "spawn.h"

#define HOSTCHECK_IPT_PREFIX	29	/* iptables' LOG --log-prefix limit */
#define HOSTCHECK_RULES_MAX	(4u << 20)	/* bytes of a ruleset read */
#define HOSTCHECK_RULES_MS	5000	/* time a ruleset dump may take */

/* The integer in procsys/name: 0, or -1 when it is absent or unreadable. */
static int
read_long(const char *procsys, const char *name, long *out)
{
	char path[512], buf[32], *end;
	ssize_t n;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", procsys, name) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		goto out;
	buf[n] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	if (end != buf && errno == 0 && (*end == '\n' || *end == '\0'))
		rc = 0;
out:
	close(fd);
	return rc;
}

int
hostcheck_netns_log(const char *procsys, char *msg, size_t len)
{
	long all_netns, clone, max_ns;

	if (len > 0)
		msg[0] = '\0';
	if (read_long(procsys, "net/netfilter/nf_log_all_netns",
	    &all_netns) == -1 || all_netns != 1)
		return 0;
	/* Debian's switch: absent on kernels without the patch, where
	 * only the count below decides. */
	if (read_long(procsys, "kernel/unprivileged_userns_clone", &clone)
	    == 0 && clone != 1)
		return 0;
	/* Absent: a kernel without user namespaces. */
	if (read_long(procsys, "user/max_user_namespaces", &max_ns) == -1 ||
	    max_ns <= 0)
		return 0;
	snprintf(msg, len, "net.netfilter.nf_log_all_netns is 1 and "
	    "unprivileged user namespaces are allowed: any local user can "
	    "make a network namespace (unshare -Urn), add LOG rules with the "
	    "knock prefix and have the kernel log knocks from any source "
	    "address they choose, which knockwatch cannot tell from real ones; "
	    "set net.netfilter.nf_log_all_netns=0 (it only makes containers' "
	    "LOG rules reach the host's log), or disallow unprivileged user "
	    "namespaces (user.max_user_namespaces=0, or "
	    "kernel.unprivileged_userns_clone=0 where it exists)");
	return 1;
}

int
hostcheck_netns_log_known(const char *procsys)
{
	long v;

	return read_long(procsys, "net/netfilter/nf_log_all_netns", &v) == 0;
}

void
hostcheck_warn(void)
{
	char msg[1024];

	if (hostcheck_netns_log("/proc/sys", msg, sizeof(msg)))
		log_warnx("%s", msg);
	else if (!hostcheck_netns_log_known("/proc/sys"))
		log_info("net.netfilter.nf_log_all_netns could not be checked: "
		    "/proc/sys/net/netfilter/nf_log_all_netns is absent here "
		    "(it exists only in the host's first network namespace, "
		    "with netfilter logging); check it on the host: when it "
		    "is 1, local users may forge knock lines");
}

/* The quoted prefix of a LOG rule's line [l, e): after "--log-prefix " or
 * "log prefix ", between double quotes; 1 with its span, else 0. */
static int
rule_prefix(const char *l, const char *e, const char **p, size_t *n)
{
	static const char *const keys[] = { "--log-prefix \"", "log prefix \"" };
	const char *q, *end;

	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);
		if ((q = memmem(l, (size_t)(e - l), keys[k], kl)) == NULL)
			continue;
		q += kl;
		if ((end = memchr(q, '"', (size_t)(e - q))) == NULL)
			return 0;
		*p = q;
		*n = (size_t)(end - q);
		return 1;
	}
	return 0;
}

int
hostcheck_prefix_limited(const char *rules, size_t len, const char *prefix,
    char *rule, size_t rlen)
{
	const char *l = rules, *e, *end = rules + len, *p;
	size_t n, plen = strlen(prefix), i;

	if (rlen > 0)
		rule[0] = '\0';
	for (; l < end; l = e + 1) {
		if ((e = memchr(l, '\n', (size_t)(end - l))) == NULL)
			e = end;
		if (!rule_prefix(l, e, &p, &n) || n != plen ||
		    memcmp(p, prefix, n) != 0)
			continue;
		if (memmem(l, (size_t)(e - l), "-m limit ", 9) == NULL &&
		    memmem(l, (size_t)(e - l), "limit rate ", 11) == NULL)
			continue;
		while (l < e && (*l == ' ' || *l == '\t'))
			l++;
		for (i = 0; rlen > 0 && i < rlen - 1 && l + i < e; i++)
			rule[i] = l[i] >= ' ' && l[i] <= '~' ? l[i] : '?';
		if (rlen > 0)
			rule[i] = '\0';
		return 1;
	}
	return 0;
}

/* The standard output of argv (a ruleset dump), at most
 * HOSTCHECK_RULES_MAX bytes in a buffer the caller frees, within
 * HOSTCHECK_RULES_MS; NULL when it cannot run. */
static char *
rules_dump(char *const *argv, size_t *len)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    "LANG=C", NULL };
	const struct spawn_opts o = { .argv = argv, .envp = envp,
	    .search_path = 1, .stderr_to_pipe = 0, .death_signal = SIGKILL };
	kw_ms deadline = clock_now_ms() + HOSTCHECK_RULES_MS;
	char *buf;
	size_t have = 0;
	pid_t pid;
	int fd, st;

	if ((buf = malloc(HOSTCHECK_RULES_MAX)) == NULL)
		return NULL;
	if ((fd = spawn_start(&o, &pid)) == -1) {
		free(buf);
		return NULL;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		kw_ms left = deadline - clock_now_ms();
		ssize_t r;

		if (left <= 0 || have == HOSTCHECK_RULES_MAX)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		r = read(fd, buf + have, HOSTCHECK_RULES_MAX - have);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	*len = have;
	return buf;
}

int
hostcheck_config(const struct config *c)
{
	static char *const dumps[][4] = { { "iptables-save", NULL },
	    { "ip6tables-save", NULL }, { "nft", "list", "ruleset", NULL } };
	char *rules[3] = { NULL, NULL, NULL }, rule[200];
	size_t rlen[3] = { 0, 0, 0 };
	int warned = 0, loaded = 0;
	struct stat sb;

	for (int i = 0; i < c->nsources; i++) {
		const struct config_source *s = &c->sources[i];

		if (s->kind == CONFIG_SRC_FILE && stat(s->path, &sb) == -1) {
			log_warnx("source %s: %s; knockwatch waits for it, and "
			    "no knock counts until a syslog daemon writes it",
			    s->path, strerror(errno));
			warned++;
		} else if (s->kind == CONFIG_SRC_FILE && !S_ISREG(sb.st_mode) &&
		    strcmp(s->path, "/dev/null") != 0) {
			/* /dev/null: a client's config (examples/client.yaml)
			 * names it as the source it needs and never reads. */
			log_warnx("source %s is not a regular file (%s): the "
			    "daemon skips it, reading nothing from it, until a "
			    "regular file takes its name", s->path,
			    S_ISFIFO(sb.st_mode) ? "a FIFO" :
			    S_ISDIR(sb.st_mode) ? "a directory" :
			    S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ?
			    "a device" : S_ISSOCK(sb.st_mode) ? "a socket" :
			    "not a file");
			warned++;
		}
		if (s->prefix == NULL)
			continue;
		if (strlen(s->prefix) > HOSTCHECK_IPT_PREFIX) {
			log_warnx("prefix \"%s\" is %zu characters: iptables' "
			    "LOG --log-prefix allows %d (nft's 127); an "
			    "iptables rule cannot write it", s->prefix,
			    strlen(s->prefix), HOSTCHECK_IPT_PREFIX);
			warned++;
		}
		if (!loaded) {
			for (int d = 0; d < 3; d++)
				rules[d] = rules_dump(dumps[d], &rlen[d]);
			loaded = 1;
		}
		for (int d = 0; d < 3; d++)
			if (rules[d] != NULL && hostcheck_prefix_limited(
			    rules[d], rlen[d], s->prefix, rule, sizeof(rule))) {
				log_warnx("prefix \"%s\" belongs to a "
				    "rate-limited LOG rule (%s: %s): a scan "
				    "uses up its budget and knocks are not "
				    "logged; add a LOG rule of its own for the "
				    "knock ports with another prefix (see "
				    "README, UFW)", s->prefix, dumps[d][0],
				    rule);
				warned++;
				break;
			}
	}
	for (int i = 0; i < c->ndoors; i++) {
		const struct config_door *d = &c->doors[i];

		if (!d->is_hmac && d->nseq <= 2) {
			log_warnx("door %s: a static sequence of %d knock%s: "
			    "%s", d->name, d->nseq, d->nseq == 1 ? "" : "s",
			    d->nseq == 1 ? "one SYN from anyone (a scanner) "
			    "opens it" : "a scan of two ports opens it; use "
			    "three or more, or an hmac door");
			warned++;
		}
	}
	for (int d = 0; d < 3; d++)
		free(rules[d]);
	return warned;
}
