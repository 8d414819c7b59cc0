/* hostcheck.c — reads the kernel settings that let someone other than the
 * kernel's own firewall write genuine-looking knock lines, and words the
 * warning. It only warns: it never refuses to run and never changes a
 * setting. */
#include "hostcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

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
