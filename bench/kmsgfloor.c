/* kmsgfloor.c — `kmsgfloor PREFIX PROGRAM TAG STAMPS`: the latency rig's
 * floor, the fastest log-based knock daemon there can be. It reads
 * /dev/kmsg from its end with blocking reads (one record each) and, for each
 * record holding PREFIX and " DPT=9000 " (the last knock), forks and execs
 * PROGRAM TAG SRC STAMPS — bench/stamp.sh, the start command knockwatch and
 * knockd run in the rig — with an environment as small as knockwatch's
 * actions get. No sequence, no state, no privilege separation, no check
 * beyond the address's characters: what is left is the kernel's delivery of
 * the record and one fork and exec. Runs until killed. Bench tool only. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KF_REC 8192		/* a /dev/kmsg record is at most ~1 KiB */
#define KF_SRC 64

static char *kf_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C",
	NULL
};

/* Copies the SRC= value of rec (n bytes) into src; 0, or -1 when there is
 * none or it holds anything but an address's characters. */
static int
kf_src(const char *rec, size_t n, char *src)
{
	const char *s = memmem(rec, n, " SRC=", 5), *e;

	if (s == NULL)
		return -1;
	s += 5;
	for (e = s; e < rec + n && *e != ' '; e++)
		if (strchr("0123456789abcdefABCDEF.:", *e) == NULL ||
		    e - s >= KF_SRC - 1)
			return -1;
	if (e == s)
		return -1;
	memcpy(src, s, (size_t)(e - s));
	src[e - s] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	static char rec[KF_REC];
	char src[KF_SRC];
	size_t plen;
	ssize_t n;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: kmsgfloor PREFIX PROGRAM TAG STAMPS\n");
		return 64;
	}
	plen = strlen(argv[1]);
	/* Children are reaped by the kernel: nothing to wait for. */
	signal(SIGCHLD, SIG_IGN);
	if ((fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "kmsgfloor: /dev/kmsg: %s\n", strerror(errno));
		return 66;
	}
	lseek(fd, 0, SEEK_END);
	for (;;) {
		if ((n = read(fd, rec, sizeof(rec) - 1)) == -1) {
			/* EPIPE: records were overwritten before we read
			 * them; the next read goes on from the oldest. */
			if (errno == EINTR || errno == EPIPE)
				continue;
			fprintf(stderr, "kmsgfloor: read: %s\n",
			    strerror(errno));
			return 1;
		}
		if (memmem(rec, (size_t)n, argv[1], plen) == NULL ||
		    memmem(rec, (size_t)n, " DPT=9000 ", 10) == NULL ||
		    kf_src(rec, (size_t)n, src) == -1)
			continue;
		char *args[] = { argv[2], argv[3], src, argv[4], NULL };
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGCHLD, SIG_DFL);
			execve(argv[2], args, kf_env);
			_exit(127);
		}
		if (pid == -1)
			fprintf(stderr, "kmsgfloor: fork: %s\n",
			    strerror(errno));
	}
}
