/* test_msg.c — the framing of the parent/worker wire (msg.c) on a real
 * SOCK_SEQPACKET socketpair: round trips of empty, full and fd-carrying
 * messages; a record shorter than the header, a header whose length lies
 * either way, a record longer than MSG_MAX, two descriptors in one message
 * or in two control headers, more descriptors than the control buffer holds
 * and credentials instead of descriptors are all EBADMSG, and close every
 * descriptor that came with them; the next message still arrives whole
 * (one record is one message); an empty record reads as a closed peer;
 * a closed peer and an empty socket; and
 * msg_str_ok's bounds. Descriptor leaks are counted in /proc/self/fd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "msg.h"
#include "test.h"

/* The header msg.c puts in front of each payload (type, length). */
struct hdr {
	uint32_t type, len;
};

static int
nfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* the directory's own descriptor */
}

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
}

/* Sends one raw record: iov of n parts, and nfd descriptors, in one
 * SCM_RIGHTS header (split 0) or one header per descriptor (split 1). */
static ssize_t
raw_send(int sock, const void *p, size_t len, const int *fds, int nfd,
    int split)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int)) * 16];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)p, len };
	struct msghdr m;
	struct cmsghdr *c;

	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfd > 0) {
		m.msg_control = u.buf;
		m.msg_controllen = split ? CMSG_SPACE(sizeof(int)) * (size_t)nfd :
		    CMSG_SPACE(sizeof(int) * (size_t)nfd);
		c = CMSG_FIRSTHDR(&m);
		for (int i = 0; i < (split ? nfd : 1); i++) {
			int k = split ? 1 : nfd;

			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)k);
			memcpy(CMSG_DATA(c), fds + i, sizeof(int) * (size_t)k);
			c = CMSG_NXTHDR(&m, c);
		}
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL);
}

/* A header followed by n payload bytes of 'x', claiming claim bytes. */
static ssize_t
send_lying(int sock, uint32_t claim, size_t n)
{
	static char buf[sizeof(struct hdr) + MSG_MAX + 64];
	struct hdr h = { MSG_LOG, claim };

	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 'x', n);
	return raw_send(sock, buf, sizeof(h) + n, NULL, 0, 0);
}

/* After a refused message, a good one still arrives whole. */
static void
still_framed(int sv[2], const char *after)
{
	static char got[MSG_MAX];
	uint32_t type = 0;
	int fd = -2;
	ssize_t n;

	T_OK(msg_send(sv[0], MSG_REPORT_LINE, "next", 5, -1, 0) == 0,
	    "send after %s", after);
	n = msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT);
	T_OK(n == 5 && type == MSG_REPORT_LINE && fd == -1 &&
	    strcmp(got, "next") == 0, "the message after %s: n=%zd", after, n);
}

/* One bad record: msg_recv says EBADMSG, gives no descriptor, and the
 * process holds as many descriptors as before it was sent. */
static void
expect_bad(int sv[2], int before, const char *what)
{
	static char got[MSG_MAX];
	uint32_t type = 0;
	int fd = -2;
	ssize_t n;

	errno = 0;
	n = msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT);
	T_OK(n == -1 && errno == EBADMSG, "%s: n=%zd errno=%d (%s)", what, n,
	    errno, strerror(errno));
	T_OK(fd == -1, "%s: fd %d handed out", what, fd);
	T_OK(nfds() == before, "%s: %d descriptors, %d before", what, nfds(),
	    before);
	still_framed(sv, what);
}

static void
test_round_trip(void)
{
	static char big[MSG_MAX], got[MSG_MAX];
	int sv[2], p[2], fd = -2, before;
	uint32_t type = 0;
	ssize_t n;
	char c = 0;

	pair(sv);
	/* Empty payload: the header alone. */
	T_OK(msg_send(sv[0], MSG_KMSG, NULL, 0, -1, 0) == 0, "empty send");
	n = msg_recv(sv[1], &type, got, &fd, 0);
	T_INTEQ(n, 0);
	T_INTEQ(type, MSG_KMSG);
	T_INTEQ(fd, -1);

	/* MSG_MAX bytes exactly, every byte value. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	T_OK(msg_send(sv[0], MSG_REPORT_LINE, big, MSG_MAX, -1, 0) == 0,
	    "full send");
	memset(got, 0, sizeof(got));
	n = msg_recv(sv[1], &type, got, &fd, 0);
	T_INTEQ(n, MSG_MAX);
	T_OK(memcmp(big, got, MSG_MAX) == 0, "full payload differs");
	T_INTEQ(fd, -1);

	/* One more than MSG_MAX is refused by the sender, nothing sent. */
	errno = 0;
	T_OK(msg_send(sv[0], MSG_REPORT_LINE, big, MSG_MAX + 1, -1, 0) == -1 &&
	    errno == EMSGSIZE, "MSG_MAX + 1 sent (errno %d)", errno);
	errno = 0;
	T_OK(msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT) == -1 &&
	    errno == EAGAIN, "something arrived after a refused send");

	/* A descriptor: the received one is a working copy, close-on-exec. */
	if (pipe(p) == -1) {
		perror("pipe");
		exit(2);
	}
	before = nfds();
	T_OK(msg_send(sv[0], MSG_REPLY, "r", 1, p[1], 0) == 0, "fd send");
	n = msg_recv(sv[1], &type, got, &fd, 0);
	T_INTEQ(n, 1);
	T_INTEQ(type, MSG_REPLY);
	T_OK(fd >= 0 && fd != p[1], "fd %d", fd);
	T_INTEQ(nfds(), before + 1);
	T_OK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "no FD_CLOEXEC");
	T_OK(fd >= 0 && write(fd, "z", 1) == 1 && read(p[0], &c, 1) == 1 &&
	    c == 'z', "the passed descriptor does not reach the pipe");
	if (fd >= 0)
		close(fd);
	close(p[0]);
	close(p[1]);

	/* The peer closes: -1 with errno 0; an empty socket: EAGAIN. */
	errno = 0;
	T_OK(msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT) == -1 &&
	    errno == EAGAIN, "empty socket: errno %d", errno);
	close(sv[0]);
	errno = EINVAL;
	T_OK(msg_recv(sv[1], &type, got, &fd, 0) == -1 && errno == 0,
	    "closed peer: errno %d", errno);
	close(sv[1]);
}

static void
test_short_and_lying(void)
{
	static char big[sizeof(struct hdr) + MSG_MAX + 1];
	int sv[2], before;

	pair(sv);
	before = nfds();
	/* Shorter than the header: a short read of a message. */
	T_OK(raw_send(sv[0], "abc", 3, NULL, 0, 0) == 3, "raw 3");
	expect_bad(sv, before, "3-byte record");
	/* An empty record reads as the peer closing (recvmsg returns 0 for
	 * both on SOCK_SEQPACKET): a worker that sends one only ends its own
	 * session. Nothing is lost: the next record is whole. */
	T_OK(raw_send(sv[0], "", 0, NULL, 0, 0) == 0, "raw 0");
	{
		char got[MSG_MAX];
		uint32_t type;
		int fd = -2;

		errno = EINVAL;
		T_OK(msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT) == -1 &&
		    errno == 0 && fd == -1, "empty record: errno %d", errno);
		still_framed(sv, "an empty record");
	}
	/* Header whose length claims more than came (a truncated message),
	 * and less (trailing bytes). */
	T_OK(send_lying(sv[0], 10, 5) > 0, "lie 10/5");
	expect_bad(sv, before, "header claims 10 of 5 bytes");
	T_OK(send_lying(sv[0], 3, 5) > 0, "lie 3/5");
	expect_bad(sv, before, "header claims 3 of 5 bytes");
	T_OK(send_lying(sv[0], 0xffffffffu, 1) > 0, "lie max/1");
	expect_bad(sv, before, "header claims 4 GiB");
	/* A record longer than header + MSG_MAX is cut by the kernel
	 * (MSG_TRUNC), even when its header tells the truth. */
	{
		struct hdr h = { MSG_LOG, MSG_MAX + 1 };

		memcpy(big, &h, sizeof(h));
		memset(big + sizeof(h), 'y', MSG_MAX + 1);
		T_OK(raw_send(sv[0], big, sizeof(big), NULL, 0, 0) ==
		    (ssize_t)sizeof(big), "raw MSG_MAX + 1");
		expect_bad(sv, before, "MSG_MAX + 1 payload bytes");
	}
	close(sv[0]);
	close(sv[1]);
}

static void
test_fd_bounds(void)
{
	static char big[sizeof(struct hdr) + MSG_MAX + 1];
	struct hdr h = { MSG_REPLY, 0 };
	int sv[2], fds[16], before, on = 1;

	pair(sv);
	for (int i = 0; i < 16; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
			perror("/dev/null");
			exit(2);
		}
	before = nfds();

	/* Two descriptors in one SCM_RIGHTS header. */
	T_OK(raw_send(sv[0], &h, sizeof(h), fds, 2, 0) > 0, "send 2 fds");
	expect_bad(sv, before, "two descriptors in one header");
	/* Two headers of one descriptor each. */
	T_OK(raw_send(sv[0], &h, sizeof(h), fds, 2, 1) > 0, "send 2 headers");
	expect_bad(sv, before, "two SCM_RIGHTS headers");
	/* More than msg_recv's control buffer holds (MSG_CTRUNC): those
	 * that came are closed, the kernel drops the rest. */
	T_OK(raw_send(sv[0], &h, sizeof(h), fds, 16, 0) > 0, "send 16 fds");
	expect_bad(sv, before, "sixteen descriptors (control truncated)");
	/* A descriptor on a record that is bad for its length alone. */
	{
		struct hdr l = { MSG_REPLY, 9 };

		T_OK(raw_send(sv[0], &l, sizeof(l), fds, 1, 0) > 0,
		    "send lying + fd");
		expect_bad(sv, before, "a lying header with a descriptor");
	}
	/* A descriptor on a record longer than MSG_MAX. */
	h.len = MSG_MAX + 1;
	memcpy(big, &h, sizeof(h));
	memset(big + sizeof(h), 'y', MSG_MAX + 1);
	T_OK(raw_send(sv[0], big, sizeof(big), fds, 1, 0) > 0,
	    "send long + fd");
	expect_bad(sv, before, "an overlong record with a descriptor");
	/* Credentials instead of a descriptor: control data msg_recv does
	 * not take (the receiver asked for them with SO_PASSCRED). */
	if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0) {
		char got[MSG_MAX];
		uint32_t type;
		int fd = -2;

		h.len = 0;
		T_OK(raw_send(sv[0], &h, sizeof(h), NULL, 0, 0) > 0,
		    "send plain");
		errno = 0;
		T_OK(msg_recv(sv[1], &type, got, &fd, MSG_DONTWAIT) == -1 &&
		    errno == EBADMSG, "credentials taken (errno %d)", errno);
		T_INTEQ(fd, -1);
		on = 0;
		setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
		still_framed(sv, "credentials");
	}
	/* And a negative descriptor is "none" to the sender. */
	{
		char got[MSG_MAX];
		uint32_t type;
		int fd = -2;

		T_OK(msg_send(sv[0], MSG_REPLY, "x", 1, -1, 0) == 0, "fd -1");
		T_OK(msg_recv(sv[1], &type, got, &fd, 0) == 1 && fd == -1,
		    "fd -1 arrived as %d", fd);
	}
	for (int i = 0; i < 16; i++)
		close(fds[i]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_str_ok(void)
{
	T_INTEQ(msg_str_ok("abc", 4, 3), 1);
	T_INTEQ(msg_str_ok("abc", 4, 8), 1);
	T_INTEQ(msg_str_ok("abc", 4, 2), 0);	/* longer than max */
	T_INTEQ(msg_str_ok("abc", 3, 8), 0);	/* no NUL within len */
	T_INTEQ(msg_str_ok("ab\0cd", 6, 8), 0);	/* NUL before the end */
	T_INTEQ(msg_str_ok("", 1, 0), 1);
	T_INTEQ(msg_str_ok("", 0, 8), 0);	/* nothing at all */
}

int
main(void)
{
	test_round_trip();
	test_short_and_lying();
	test_fd_bounds();
	test_str_ok();
	return t_done();
}
