/* test_state.c — state_dir_check and state_dir_open on real directories
 * under a mkdtemp directory in /tmp (root's and sticky): a good directory,
 * a missing one, a link, one group can write, one another user owns, one
 * below a directory another user owns or can write, a sticky directory
 * above; state_dir_open changes the mode through its descriptor only;
 * state_read_mine refuses a file of another owner or one others can
 * write. The parts that need another owner run only as root. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "test.h"

static char top[] = "/tmp/kw-test-state.XXXXXX";

static const char *
p(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

static int
ok(const char *dir, char *err, size_t len)
{
	err[0] = '\0';
	return state_dir_check(dir, err, len) == 0;
}

static void
write_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1 || write(fd, "x\n", 2) != 2 || fchmod(fd, mode) == -1) {
		perror(path);
		exit(2);
	}
	close(fd);
}

int
main(void)
{
	char err[512];
	struct stat sb;
	struct passwd *pw;
	size_t len;
	char *buf;
	int fd;

	umask(077);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 2;
	}

	/* Good: our own directory, 0700, under the sticky root /tmp. */
	mkdir(p("good"), 0700);
	T_OK(ok(p("good"), err, sizeof(err)), "good: %s", err);
	T_OK(ok(p("good/missing"), err, sizeof(err)), "missing: %s", err);
	T_OK(!ok("relative/dir", err, sizeof(err)), "relative path");

	/* A link is refused, even to a good directory. */
	symlink(p("good"), p("link"));
	T_OK(!ok(p("link"), err, sizeof(err)) &&
	    strstr(err, "is a symbolic link") != NULL, "link: %s", err);

	/* Writable by group or others: refused, the directory itself and a
	 * non-sticky one above. */
	mkdir(p("gw"), 0700);
	chmod(p("gw"), 0770);
	T_OK(!ok(p("gw"), err, sizeof(err)) &&
	    strstr(err, "writable by group or others (mode 0770)") != NULL,
	    "group-writable: %s", err);
	T_OK(!ok(p("gw/below"), err, sizeof(err)) &&
	    strstr(err, "/gw is writable") != NULL, "below gw: %s", err);
	/* A sticky, world-writable parent of ours: only root's is allowed
	 * (as /tmp); the directory itself may never be sticky-writable. */
	mkdir(p("sticky"), 0700);
	chmod(p("sticky"), 01777);
	T_OK(ok(p("sticky/below"), err, sizeof(err)) == (geteuid() == 0),
	    "below a sticky dir of ours: %s", err);
	T_OK(!ok(p("sticky"), err, sizeof(err)), "sticky dir itself");

	/* state_dir_open: creates with the mode, sets it by descriptor,
	 * refuses a link without touching its target. */
	chmod(p("good"), 0755);
	fd = state_dir_open(p("good"), 0700, err, sizeof(err));
	T_OK(fd != -1, "open good: %s", err);
	if (fd != -1)
		close(fd);
	T_OK(stat(p("good"), &sb) == 0 && (sb.st_mode & 07777) == 0700,
	    "mode set to 0700 (%o)", (unsigned)(sb.st_mode & 07777));
	fd = state_dir_open(p("new"), 0700, err, sizeof(err));
	T_OK(fd != -1 && stat(p("new"), &sb) == 0 && S_ISDIR(sb.st_mode),
	    "open creates: %s", err);
	if (fd != -1)
		close(fd);
	chmod(p("good"), 0755);
	T_OK(state_dir_open(p("link"), 0700, err, sizeof(err)) == -1,
	    "open refuses a link");
	T_OK(stat(p("good"), &sb) == 0 && (sb.st_mode & 07777) == 0755,
	    "the link's target keeps its mode (%o)",
	    (unsigned)(sb.st_mode & 07777));

	/* state_read_mine: ours and 0600 reads; 0620 or a link does not. */
	write_file(p("good/f"), 0600);
	buf = state_read_mine(p("good/f"), &len);
	T_OK(buf != NULL && len == 2, "read our file");
	free(buf);
	chmod(p("good/f"), 0620);
	T_OK(state_read_mine(p("good/f"), &len) == NULL && errno == EPERM,
	    "group-writable file refused");
	chmod(p("good/f"), 0600);
	symlink(p("good/f"), p("good/l"));
	T_OK(state_read_mine(p("good/l"), &len) == NULL, "link refused");

	/* Another owner: the directory, a directory above, a file. */
	if (geteuid() == 0 && (pw = getpwnam("nobody")) != NULL) {
		mkdir(p("theirs"), 0700);
		chown(p("theirs"), pw->pw_uid, pw->pw_gid);
		T_OK(!ok(p("theirs"), err, sizeof(err)) &&
		    strstr(err, "not by root") != NULL, "theirs: %s", err);
		T_OK(!ok(p("theirs/below"), err, sizeof(err)), "below theirs");
		T_OK(state_dir_open(p("theirs/below"), 0700, err,
		    sizeof(err)) == -1 && access(p("theirs/below"), F_OK) == -1,
		    "open below theirs creates nothing");
		chown(p("sticky"), pw->pw_uid, pw->pw_gid);
		T_OK(!ok(p("sticky/below"), err, sizeof(err)),
		    "below a sticky dir of another user");
		chown(p("good/f"), pw->pw_uid, pw->pw_gid);
		T_OK(state_read_mine(p("good/f"), &len) == NULL &&
		    errno == EPERM, "a file of another owner refused");
	} else
		printf("skip: another owner (needs root and user nobody)\n");

	snprintf(err, sizeof(err), "rm -rf '%s'", top);
	if (system(err) != 0)
		T_OK(0, "cannot remove %s", top);
	return t_done();
}
