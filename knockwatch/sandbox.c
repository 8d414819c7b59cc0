/* sandbox.c — confines the worker: the process that reads hostile log
 * text. After sandbox_drop and sandbox_seccomp it can read the descriptors
 * it was given, write its own state directory and talk to the parent; it
 * cannot open a log, run a program, make a socket, or regain privileges. */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define KW_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define KW_SANITIZED 1
#endif
#endif
#ifndef KW_SANITIZED
#define KW_SANITIZED 0
#endif

int
sandbox_sanitized(void)
{
	return KW_SANITIZED;
}

/* Empties the permitted, effective and inheritable sets and the ambient
 * set; the bounding set was emptied while we could. */
static int
caps_clear(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return (int)syscall(SYS_capset, &h, d);
}

int
sandbox_drop(const char *dir, uid_t uid, gid_t gid, const char **note,
    char *err, size_t errlen)
{
	*note = NULL;
	/* Relative names from here on: a cwd needs no search permission on
	 * the directories above it. */
	if (chdir(dir) == -1) {
		snprintf(err, errlen, "chdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (geteuid() == 0) {
		if (!KW_SANITIZED && chroot(".") == -1) {
			snprintf(err, errlen, "chroot %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		/* Only what is there needs dropping (and CAP_SETPCAP):
		 * under systemd most of the set is gone already. */
		for (int cap = 0; cap < 64; cap++)
			if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
				snprintf(err, errlen, "capability bounding "
				    "set: %s", strerror(errno));
				return -1;
			}
		if (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1) {
			snprintf(err, errlen, "cannot drop to uid %u gid %u: "
			    "%s", (unsigned)uid, (unsigned)gid,
			    strerror(errno));
			return -1;
		}
		/* Belt and braces: root must be out of reach now. */
		if (setuid(0) != -1 || geteuid() == 0) {
			snprintf(err, errlen, "still able to become root");
			return -1;
		}
	} else
		*note = "not started as root: the worker keeps this account";
	if (caps_clear() == -1) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	/* LeakSanitizer inspects the process from a helper it forks. */
	if (KW_SANITIZED)
		(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

static int
warm_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

void
sandbox_warm(void)
{
	int v[512];		/* 2 KiB: over the 1 KiB of glibc's question */

	for (int i = 0; i < 512; i++)
		v[i] = 512 - i;
	qsort(v, 512, sizeof(v[0]), warm_cmp);
}

/* What the worker does after the drop: read and write descriptors, wait
 * in epoll, exchange messages with the parent, map memory (PCRE2's JIT
 * too), write its spent-steps file with rename, remove inotify watches,
 * read the clock and exit. What the libraries call on the worker's paths
 * was measured, not guessed: tests/integration/t_scale.sh runs each path
 * at scale (10,000 users, 1,000 doors, reloads, rotation, a command
 * source); built with SCMP_ACT_LOG as the default action and without
 * sandbox_warm, the kernel logged one call outside this list, sysinfo.
 * - sysinfo: glibc's qsort (config.c sorts map keys and users, otp.c its
 *   index) asks for the physical memory the first time it sorts 1 KiB or
 *   more (glibc 2.36 msort.c, cached in statics): 60 users or 1,000 doors
 *   killed the worker. It only reads memory and load totals, and glibc
 *   uses the answer without checking for failure, so it is allowed rather
 *   than refused; sandbox_warm makes that first call before the filter
 *   too, so a list that lost it would still hold.
 * - mmap/mprotect/munmap/mremap/brk/madvise: malloc growth past the mmap
 *   threshold (a 10,000-user config is 1 MB) and PCRE2's JIT.
 * - getrandom, getpid, getrusage, clock_gettime: libgcrypt's nonce pool
 *   (hash.c's table key, drawn at every config load); the worker seeds it
 *   before the filter (worker.c), these keep a reseed working.
 * - getuid, geteuid, getgid, getegid: read-only; libgcrypt asks them
 *   around locking secure memory (to check that privileges are gone).
 * The HMAC handle and its 32 KiB of secure memory are set up before the
 * filter (seq_init); should libgcrypt ever grow that pool, its mlock gets
 * ENOSYS below (which it tolerates) and it goes on unlocked. Not on any worker path: time zones
 * (the worker formats no time, localtime is never called), locale (never
 * set, so nothing is loaded), syslog (the worker logs through the parent).
 * stdio asks ioctl(TCGETS) of its first stream: ENOTTY. */
static const char *const allowed[] = {
	"read", "pread64", "readv", "write", "writev", "close", "lseek",
	"fstat", "newfstatat", "statx", "fcntl", "dup", "dup3",
	"openat", "rename", "renameat", "renameat2", "unlink", "unlinkat",
	"fsync", "fdatasync", "fchmod",
	"mmap", "munmap", "mprotect", "mremap", "brk", "madvise",
	"epoll_wait", "epoll_pwait", "epoll_ctl",
	"sendmsg", "recvmsg", "inotify_rm_watch",
	"clock_gettime", "gettimeofday", "time", "getrandom", "sysinfo",
	"getpid", "gettid", "getppid", "futex", "sched_yield", "getrusage",
	"getuid", "geteuid", "getgid", "getegid",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "tgkill",
	"restart_syscall", "exit", "exit_group",
	NULL,
};

/* Calls no measured path makes but a library could on a rare one (a
 * limit, the CPU count, a link, an access check, locking secure memory):
 * answered ENOSYS, which glibc and libgcrypt take as "not available" and
 * work without, instead of killing the worker. None gives the worker
 * anything; prlimit64 is refused for reading and setting alike. */
static const char *const answered[] = {
	"uname", "sched_getaffinity", "getrlimit", "prlimit64",
	"readlink", "readlinkat", "access", "faccessat", "faccessat2",
	"getcwd", "mlock", "mlock2", "munlock", "mlockall", "munlockall",
	NULL,
};

int
sandbox_seccomp(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if (KW_SANITIZED)
		return 0;
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (int i = 0; allowed[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0) {
			snprintf(err, errlen, "seccomp rule %s: %s",
			    allowed[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	for (int i = 0; answered[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(answered[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr,
		    0)) < 0) {
			snprintf(err, errlen, "seccomp rule %s: %s",
			    answered[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	/* ioctl only to ask whether stderr is a terminal (stdio). */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY),
	    SCMP_SYS(ioctl), 0)) < 0 ||
	    (rc = seccomp_load(ctx)) < 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}
