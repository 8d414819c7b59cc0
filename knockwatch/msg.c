/* msg.c — sends and receives the parent/worker messages of msg.h over a
 * SOCK_SEQPACKET socketpair. It checks the framing only: what a message
 * means is checked by whoever acts on it (monitor.c for the parent). */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct msg_hdr {
	uint32_t type;
	uint32_t len;
};

int
msg_send(int sock, uint32_t type, const void *p, size_t len, int fd,
    int flags)
{
	struct msg_hdr h = { type, (uint32_t)len };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, len } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m;
	ssize_t n;

	if (len > MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = len > 0 ? 2 : 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &m, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

/* Closes every descriptor in the control data: a message that brings
 * more than was asked for leaks none of them. */
static int
close_fds(struct msghdr *m)
{
	int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
			n++;
		}
	}
	return n;
}

ssize_t
msg_recv(int sock, uint32_t *type, void *p, int *fd, int flags)
{
	struct msg_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { p, MSG_MAX } };
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == 0) {
		errno = 0;
		return -1;
	}
	if (n == -1)
		return -1;
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(h) || h.len != (size_t)n - sizeof(h))
		goto bad;
	c = CMSG_FIRSTHDR(&m);
	if (c != NULL) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)) ||
		    CMSG_NXTHDR(&m, c) != NULL)
			goto bad;
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	*type = h.type;
	return (ssize_t)h.len;
bad:
	close_fds(&m);
	*fd = -1;
	errno = EBADMSG;
	return -1;
}

int
msg_str_ok(const char *p, size_t len, size_t max)
{
	size_t l;

	if (len == 0 || len > max + 1)
		return 0;
	l = strnlen(p, len);
	return l + 1 == len;
}
