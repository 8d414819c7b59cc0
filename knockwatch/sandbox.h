/* sandbox.h — the worker's confinement: a root of its own, an unprivileged
 * account without capabilities, no_new_privs, and a seccomp allow-list. */
#ifndef KW_SANDBOX_H
#define KW_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/* 1 in sanitizer builds, which cannot run under the filter or the chroot
 * (the sanitizers' own system calls and /proc); they keep everything else. */
int sandbox_sanitized(void);
/* Moves into dir (which becomes the root when running as root), drops to
 * uid/gid with no supplementary groups and no capabilities at all (the
 * bounding set too), and sets no_new_privs. Not root: keeps its account
 * and says so in *note. 0, or -1 with a message in err. */
int sandbox_drop(const char *dir, uid_t uid, gid_t gid, const char **note,
    char *err, size_t errlen);
/* Makes, before the filter, the first-use system calls of glibc that the
 * worker's paths would otherwise make under it (qsort's sysinfo). */
void sandbox_warm(void);
/* Installs the seccomp filter: any system call the worker does not use
 * kills it. 0, or -1 with a message in err. */
int sandbox_seccomp(char *err, size_t errlen);

#endif
