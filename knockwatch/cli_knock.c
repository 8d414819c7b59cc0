/* cli_knock.c — `knockwatch knock`: resolves HOST and sends the sequence
 * cli_seq.c derived. Runs in the foreground of a user's shell, so it may
 * block (name resolution, the delay between knocks); it never sends
 * anything but the knocks. */
#include "cli.h"
#include "cli_last.h"
#include "cli_seq.h"

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* The address the kernel would use as source towards dst: connect a UDP
 * socket (which sends nothing) and ask. */
static int
cli_knock_source(const struct sockaddr_storage *dst, socklen_t dstlen,
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
cli_knock_setport(struct sockaddr_storage *ss, uint16_t port)
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
cli_knock_send(struct sockaddr_storage *dst, socklen_t dstlen,
    const struct config_knock *k)
{
	static const char payload[] = "\n";
	int fd, rc = -1;

	cli_knock_setport(dst, k->port);
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
cli_knock_sleep(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (long)(ms % 1000) * 1000000L };

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
		cli_seq_canon(o.bind, s.bind);
		s.bind_source = 1;
		/* The knocks must leave from an address of the bind's
		 * family, so resolve only that family. */
		if (addr_parse(o.bind, strlen(o.bind), &ba) == 0) {
			if (o.family != AF_UNSPEC && o.family != ba.family)
				return cli_usage_error("--bind and -4/-6 "
				    "disagree");
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
	if ((rc = cli_seq_build(&o, &s)) != 0)
		goto out;
	if (s.bind_source && s.bind[0] == '\0') {
		cli_knock_setport(&dst, 9);
		if (cli_knock_source(&dst, dstlen, s.bind) == -1) {
			warn("%s: no source address towards %s", o.host, host);
			rc = EX_NOHOST;
			goto out;
		}
		if ((rc = cli_seq_build(&o, &s)) != 0)
			goto out;
	}
	if (o.verbose) {
		fprintf(stderr, "knocking %s%s%s: ", host,
		    s.bind_source ? " from " : "", s.bind_source ? s.bind : "");
		cli_seq_print(&s, stderr);
	}
	for (i = 0; i < s.n; i++) {
		if (i > 0 && o.delay > 0)
			cli_knock_sleep(o.delay);
		if (cli_knock_send(&dst, dstlen, &s.k[i]) == -1) {
			rc = EX_IOERR;
			goto out;
		}
	}
	/* A second knock within one step opens nothing: say so, and when
	 * the next step begins (cli_last.c). */
	if (s.hmac)
		(void)cli_last_knocked(o.host, o.door, o.user, s.step,
		    s.period, time(NULL));
	if (s.has_open)
		printf("open=%u\n", s.open_port);
	rc = 0;
 out:
	freeaddrinfo(res);
	return rc;
}
