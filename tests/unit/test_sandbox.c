/* test_sandbox.c — the worker's confinement and its wire: the seccomp
 * filter kills the system calls a compromised worker would want (socket,
 * execve, ptrace, open by the parent's means) and lets through what the
 * worker does; sandbox_drop leaves no way back to root; msg.c refuses
 * malformed frames and never leaks a descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "sandbox.h"
#include "test.h"

/* Runs fn in a child under the filter; returns its wait status. */
static int
confined(void (*fn)(void))
{
	char err[256];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (sandbox_seccomp(err, sizeof(err)) == -1)
			_exit(99);
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void do_socket(void) { socket(AF_INET, SOCK_STREAM, 0); }
static void do_exec(void)
{
	char *argv[] = { "true", NULL };
	execve("/bin/true", argv, NULL);
}
static void do_ptrace(void) { ptrace(PTRACE_TRACEME, 0, NULL, NULL); }
static void do_fork(void) { if (fork() == 0) _exit(0); }
static void do_kill(void) { kill(1, 0); }
static void do_connect(void) { syscall(SYS_connect, 0, NULL, 0); }
static void do_setuid(void) { syscall(SYS_setuid, 0); }
static void do_inotify_add(void) { syscall(SYS_inotify_add_watch, 0, "/", 1); }

static int ep_fd = -1;

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* glibc's first qsort of 1 KiB or more calls sysinfo (issue 12: 60 users
 * killed the worker); the harmless read-only calls a library may make are
 * answered ENOSYS, not fatal. Run without sandbox_warm: the filter alone
 * must let these through. */
static void
do_library_things(void)
{
	static int v[4096];
	struct utsname u;
	struct sysinfo si;
	char buf[64];

	for (int i = 0; i < 4096; i++)
		v[i] = 4096 - i;
	qsort(v, 4096, sizeof(v[0]), int_cmp);
	if (v[0] != 1 || sysinfo(&si) == -1)
		_exit(1);
	if (uname(&u) != -1 || errno != ENOSYS)
		_exit(2);
	if (readlink("/proc/self/exe", buf, sizeof(buf)) != -1 ||
	    errno != ENOSYS)
		_exit(3);
}

/* What the worker does all day must pass: write a file and rename it,
 * read the clock, wait in epoll, exchange a message. */
static void
do_worker_things(void)
{
	struct timespec ts;
	struct epoll_event ev;
	int sv[2], fd, got;
	char buf[MSG_MAX];
	uint32_t type;

	if ((fd = open("sandbox.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "x\n", 2) != 2 || fsync(fd) == -1 || close(fd) == -1 ||
	    rename("sandbox.tmp", "sandbox.ok") == -1 || unlink("sandbox.ok") == -1)
		_exit(1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* The epoll set is made before the filter; waiting in it is not. */
	if (epoll_wait(ep_fd, &ev, 1, 0) == -1)
		_exit(2);
	/* A socketpair is made before the filter in the real worker; here
	 * it must fail, so use none: messages go over an inherited pair. */
	sv[0] = 100;
	sv[1] = 101;
	if (msg_send(sv[1], MSG_LOG, "hi", 3, -1, 0) == -1 ||
	    msg_recv(sv[0], &type, buf, &got, 0) != 3)
		_exit(3);
}

/* What a compromised worker would want; each must kill it. */
static const struct {
	const char *name;
	void (*fn)(void);
} killed[] = {
	{ "socket", do_socket }, { "execve", do_exec },
	{ "ptrace", do_ptrace }, { "fork", do_fork }, { "kill", do_kill },
	{ "connect", do_connect }, { "setuid", do_setuid },
	{ "inotify_add_watch", do_inotify_add },
};

static void
test_seccomp(void)
{
	int st, sv[2];

	if (sandbox_sanitized()) {
		printf("# sanitizer build: no seccomp filter to test\n");
		return;
	}
	for (size_t i = 0; i < sizeof(killed) / sizeof(killed[0]); i++) {
		st = confined(killed[i].fn);
		T_OK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    "%s: status %#x", killed[i].name, st);
	}
	/* The positive control: the same harness lets the worker's own
	 * calls through. */
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0 &&
	    dup2(sv[0], 100) == 100 && dup2(sv[1], 101) == 101) {
		st = confined(do_worker_things);
		T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "worker's calls: status %#x", st);
		close(100);
		close(101);
		close(sv[0]);
		close(sv[1]);
	}
	st = confined(do_library_things);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "qsort's sysinfo, ENOSYS for uname and readlink: status %#x", st);
}

/* sandbox_drop as root: the child reports what it is afterwards. */
static void
test_drop(void)
{
	struct passwd *pw = getpwnam("nobody");
	char dir[] = "/tmp/kwsandbox.XXXXXX", err[256];
	long r[6];
	int p[2], status;
	pid_t pid;

	if (geteuid() != 0 || pw == NULL) {
		printf("# not root: sandbox_drop not tested\n");
		return;
	}
	if (mkdtemp(dir) == NULL || pipe(p) == -1) {
		T_OK(0, "setup");
		return;
	}
	if ((pid = fork()) == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		const char *note;

		if (sandbox_drop(dir, pw->pw_uid, pw->pw_gid, &note, err,
		    sizeof(err)) == -1)
			_exit(2);
		memset(d, 0xff, sizeof(d));
		syscall(SYS_capget, &h, d);
		r[0] = (long)getuid();
		r[1] = (long)getgid();
		r[2] = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		r[3] = (long)(d[0].effective | d[0].permitted | d[1].effective |
		    d[1].permitted | d[0].inheritable | d[1].inheritable);
		r[4] = setuid(0) == -1 && seteuid(0) == -1;
		/* Chrooted to dir (not in sanitizer builds): /etc is not
		 * there to open. */
		r[5] = sandbox_sanitized() || open("/etc/passwd", O_RDONLY) == -1;
		if (write(p[1], r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	memset(r, 0, sizeof(r));
	T_OK(read(p[0], r, sizeof(r)) == sizeof(r), "child report");
	waitpid(pid, &status, 0);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "drop: %#x", status);
	T_INTEQ(r[0], pw->pw_uid);
	T_INTEQ(r[1], pw->pw_gid);
	T_INTEQ(r[2], 1);
	T_INTEQ(r[3], 0);
	T_INTEQ(r[4], 1);
	T_INTEQ(r[5], 1);
	close(p[0]);
	rmdir(dir);
}

static int
nfds(void)
{
	int n = 0;

	for (int fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
test_msg(void)
{
	char buf[MSG_MAX], big[MSG_MAX + 1];
	uint32_t type;
	int sv[2], fd, two[2], before;
	ssize_t n;

	T_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
	/* A message with a descriptor. */
	fd = open("/dev/null", O_RDONLY);
	T_OK(msg_send(sv[0], MSG_OPEN_LOG, "/x", 3, fd, 0) == 0, "send");
	close(fd);
	n = msg_recv(sv[1], &type, buf, &fd, 0);
	T_INTEQ(n, 3);
	T_INTEQ(type, MSG_OPEN_LOG);
	T_OK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "fd received, cloexec");
	close(fd);
	T_OK(msg_str_ok(buf, 3, 16), "string");
	T_OK(!msg_str_ok("ab", 2, 16), "unterminated string");
	T_OK(!msg_str_ok("a\0b", 3, 16), "string with an inner NUL");
	T_OK(!msg_str_ok("abc", 4, 2), "string too long");
	/* Too big to send. */
	T_OK(msg_send(sv[0], MSG_LOG, big, sizeof(big), -1, 0) == -1 &&
	    errno == EMSGSIZE, "oversized payload refused");
	/* A header that lies about its length. */
	uint32_t lie[3] = { MSG_LOG, 100, 0 };
	T_OK(send(sv[0], lie, sizeof(lie), 0) == sizeof(lie), "raw send");
	T_OK(msg_recv(sv[1], &type, buf, &fd, 0) == -1 && errno == EBADMSG &&
	    fd == -1, "lying header refused");
	/* A frame shorter than a header. */
	T_OK(send(sv[0], lie, 3, 0) == 3, "raw send");
	T_OK(msg_recv(sv[1], &type, buf, &fd, 0) == -1 && errno == EBADMSG,
	    "short frame refused");
	/* Two descriptors: both closed, message refused. */
	before = nfds();
	{
		union { char b[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr a; } u;
		uint32_t h[2] = { MSG_WATCH_FD, 0 };
		struct iovec iov = { h, sizeof(h) };
		struct msghdr m;
		struct cmsghdr *c;

		two[0] = open("/dev/null", O_RDONLY);
		two[1] = open("/dev/null", O_RDONLY);
		memset(&m, 0, sizeof(m));
		memset(&u, 0, sizeof(u));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(c), two, sizeof(two));
		T_OK(sendmsg(sv[0], &m, 0) == sizeof(h), "sendmsg two fds");
		close(two[0]);
		close(two[1]);
	}
	T_OK(msg_recv(sv[1], &type, buf, &fd, 0) == -1 && errno == EBADMSG &&
	    fd == -1, "two descriptors refused");
	T_INTEQ(nfds(), before);
	/* The peer closing reads as errno 0. */
	close(sv[0]);
	T_OK(msg_recv(sv[1], &type, buf, &fd, 0) == -1 && errno == 0, "EOF");
	close(sv[1]);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_msg();
	test_drop();
	test_seccomp();
	return t_done();
}
