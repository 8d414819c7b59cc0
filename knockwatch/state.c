/* state.c — reads and atomically replaces the small files knockwatch keeps
 * in state_dir (spent HMAC steps, the open-door journal). Knows nothing of
 * their contents. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
state_mkdir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(dir, &sb) == -1)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char buf[PATH_MAX];
	int fd, rc;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
state_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd = -1, saved;
	size_t off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	(void)fsync_dir_of(path);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

static char *
read_file(const char *path, size_t *len, int mine)
{
	struct stat sb;
	char *buf = NULL;
	size_t off = 0;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1)
		goto fail;
	/* A file another user could have written is not state of ours.
	 * (The worker, under its filter, cannot ask for geteuid.) */
	if (mine && (sb.st_uid != geteuid() || (sb.st_mode & 022) != 0)) {
		errno = EPERM;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)STATE_MAX_FILE) {
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		goto fail;
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	*len = off;
	close(fd);
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

char *
state_read(const char *path, size_t *len)
{
	return read_file(path, len, 0);
}

char *
state_read_mine(const char *path, size_t *len)
{
	return read_file(path, len, 1);
}

int
state_set_aside_tag(const char *path, const char *tag)
{
	char aside[PATH_MAX];

	if (snprintf(aside, sizeof(aside), "%s.%s-%lld", path, tag,
	    (long long)time(NULL)) >= (int)sizeof(aside)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return rename(path, aside);
}

int
state_set_aside(const char *path)
{
	return state_set_aside_tag(path, "corrupt");
}

/* 1 when uid may own a directory we keep state in. */
static int
owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Checks one existing directory on the way to dir. */
static int
check_one(const char *path, const struct stat *sb, int is_dir, char *err,
    size_t errlen)
{
	if (!S_ISDIR(sb->st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	if (!owner_ok(sb->st_uid)) {
		snprintf(err, errlen, "%s is owned by uid %u, not by root: "
		    "another user could plant links or files there (chown "
		    "root:root %s, or name another directory)", path,
		    (unsigned)sb->st_uid, path);
		return -1;
	}
	/* /tmp and the like: root's and sticky, so what root owns in it
	 * cannot be renamed or removed by others. Not for dir itself. */
	if (!is_dir && sb->st_uid == 0 && (sb->st_mode & S_ISVTX))
		return 0;
	if (sb->st_mode & 022) {
		snprintf(err, errlen, "%s is writable by group or others "
		    "(mode %04o): another user could plant links or files "
		    "there (chmod go-w %s)", path,
		    (unsigned)(sb->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Checks every directory above path, up to the root. 0 or -1 with err. */
static int
check_above(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	struct stat sb;
	char *p;

	if (strlen(path) >= sizeof(buf)) {
		snprintf(err, errlen, "%.200s: name too long", path);
		return -1;
	}
	strcpy(buf, path);
	for (;;) {
		if ((p = strrchr(buf, '/')) == NULL)
			return 0;
		if (p == buf) {
			if (buf[1] == '\0')
				return 0;	/* checked "/" */
			p[1] = '\0';
		} else
			*p = '\0';
		if (stat(buf, &sb) == -1) {
			snprintf(err, errlen, "%s: %s", buf, strerror(errno));
			return -1;
		}
		if (check_one(buf, &sb, 0, err, errlen) == -1)
			return -1;
	}
}

int
state_file_check(const char *path, uid_t also, char *err, size_t errlen)
{
	char real[PATH_MAX];
	struct stat sb;

	if (path[0] != '/') {
		snprintf(err, errlen, "%.200s: not an absolute path", path);
		return -1;
	}
	if (stat(path, &sb) == -1)
		return 0;	/* existence is the config check's business */
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid() && sb.st_uid != also) {
		snprintf(err, errlen, "%s is owned by uid %u: that user could "
		    "change what root runs or trusts (chown root:root %s)",
		    path, (unsigned)sb.st_uid, path);
		return -1;
	}
	if (sb.st_mode & 022) {
		snprintf(err, errlen, "%s is writable by group or others (mode "
		    "%04o): they could change what root runs or trusts (chmod "
		    "go-w %s)", path, (unsigned)(sb.st_mode & 07777), path);
		return -1;
	}
	/* The directories above, as named (a link on the way is replaced
	 * by whoever may write its directory) and as resolved. */
	if (check_above(path, err, errlen) == -1)
		return -1;
	if (realpath(path, real) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return check_above(real, err, errlen);
}

/* Directories knockwatch must never take for its own: chmod 0700 or a
 * worker/ in them would break or expose the system. */
static const char *const shared_dirs[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64",
	"/media", "/mnt", "/opt", "/proc", "/root", "/run", "/run/lock",
	"/run/user", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin",
	"/usr/lib", "/usr/local", "/usr/local/lib", "/usr/local/share",
	"/usr/sbin", "/usr/share", "/var", "/var/cache", "/var/lib",
	"/var/local", "/var/lock", "/var/log", "/var/opt", "/var/run",
	"/var/spool", "/var/tmp", NULL
};

/* 1 when name matches one of known: "x" exactly, or "x*" as a prefix. */
static int
known_name(const char *name, const char *const *known)
{
	for (; *known != NULL; known++) {
		size_t n = strlen(*known);

		if (n > 0 && (*known)[n - 1] == '*' ?
		    strncmp(name, *known, n - 1) == 0 :
		    strcmp(name, *known) == 0)
			return 1;
	}
	return 0;
}

int
state_dir_own(const char *dir, const char *const *known, char *err,
    size_t errlen)
{
	char buf[PATH_MAX], real[PATH_MAX];
	struct dirent *de;
	size_t n;
	DIR *dp;
	int fd, rc = 0;

	if (strlen(dir) >= sizeof(buf)) {
		snprintf(err, errlen, "%.200s: name too long", dir);
		return -1;
	}
	strcpy(buf, dir);
	while ((n = strlen(buf)) > 1 && buf[n - 1] == '/')
		buf[n - 1] = '\0';
	if (realpath(buf, real) == NULL)
		snprintf(real, sizeof(real), "%s", buf);
	for (size_t i = 0; shared_dirs[i] != NULL; i++)
		if (strcmp(buf, shared_dirs[i]) == 0 ||
		    strcmp(real, shared_dirs[i]) == 0) {
			snprintf(err, errlen, "%s is a system directory shared "
			    "with others: knockwatch changes its mode and "
			    "creates files in it; name a directory of its own "
			    "(e.g. %s/knockwatch)", dir, real);
			return -1;
		}
	if ((fd = open(buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;	/* missing, or refused by state_dir_check */
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    known_name(de->d_name, known))
			continue;
		snprintf(err, errlen, "%s holds '%.100s', which knockwatch "
		    "does not keep: the directory is shared with something "
		    "else; name a directory of its own (or move that entry "
		    "away)", dir, de->d_name);
		rc = -1;
		break;
	}
	closedir(dp);
	return rc;
}

int
state_dir_check(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX], real[PATH_MAX];
	struct stat sb;
	char *p;

	if (dir[0] != '/' || strlen(dir) >= sizeof(buf)) {
		snprintf(err, errlen, "%.200s: not an absolute path", dir);
		return -1;
	}
	if (lstat(dir, &sb) == 0) {
		if (S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s is a symbolic link: name the "
			    "directory itself", dir);
			return -1;
		}
		if (check_one(dir, &sb, 1, err, errlen) == -1)
			return -1;
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* A link on the way that another user owns: they could point it
	 * elsewhere later (realpath below sees only today's target). */
	strcpy(buf, dir);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (lstat(buf, &sb) == 0 && S_ISLNK(sb.st_mode) &&
		    sb.st_uid != 0) {
			snprintf(err, errlen, "%s: %s is a symbolic link of uid "
			    "%u, who could point it elsewhere; name the real "
			    "directory", dir, buf, (unsigned)sb.st_uid);
			return -1;
		}
		*p = '/';
	}
	/* The directories above, links resolved, up to the root. */
	strcpy(buf, dir);
	if (realpath(dirname(buf), real) == NULL) {
		snprintf(err, errlen, "%s: the directory above it: %s", dir,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		if (stat(real, &sb) == -1) {
			snprintf(err, errlen, "%s: %s", real, strerror(errno));
			return -1;
		}
		if (check_one(real, &sb, 0, err, errlen) == -1)
			return -1;
		if (strcmp(real, "/") == 0)
			break;
		if ((p = strrchr(real, '/')) == real)
			p[1] = '\0';
		else
			*p = '\0';
	}
	return 0;
}

int
state_dir_open(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (state_dir_check(dir, err, errlen) == -1)
		return -1;
	if (mkdir(dir, mode) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* Checked again through the descriptor we keep: what we check is
	 * what we change. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", dir, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (check_one(dir, &sb, 1, err, errlen) == -1)
		goto fail;
	if (fchmod(fd, mode) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
state_give_files(const char *dir, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct dirent *de;
	struct stat sb;
	DIR *dp = NULL;
	int fd, rc = -1;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return -1;
	}
	if ((dp = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		/* A link, a device or a second name of a file elsewhere
		 * (a hard link the old user planted) is never given away. */
		if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1 ||
		    (sb.st_uid == uid && sb.st_gid == gid))
			continue;
		if (fchownat(fd, de->d_name, uid, gid,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			snprintf(err, errlen, "%s/%s: %s", dir, de->d_name,
			    strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	closedir(dp);
	return rc;
}

int
state_lock(const char *dir, pid_t *holder)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd, len, saved;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, STATE_LOCK) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		if (saved == EWOULDBLOCK &&
		    (n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			*holder = (pid_t)strtol(buf, NULL, 10);
		}
		close(fd);
		errno = saved;
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
