/* test_held.c — the log file descriptions the parent holds for the worker,
 * against real files in a mkdtemp directory: a restart goes on in the same
 * file, reads a file new at the name from its start, hands over the files
 * rotated away, and tells a file truncated and regrown while no worker ran
 * from one appended to. The worker's offset is set the way logwatch does,
 * with lseek on the descriptor handed over (it shares the description). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "held.h"
#include "priv.h"
#include "test.h"

static char dir[] = "/tmp/kw-test-held.XXXXXX";

static void
put(const char *p, const char *s, int trunc)
{
	int fd = open(p, O_WRONLY | O_CREAT | (trunc ? O_TRUNC : O_APPEND),
	    0600);

	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		perror(p);
	if (fd != -1)
		close(fd);
}

/* Opens p as the worker does and reads it all: returns how, the
 * descriptor closed again. */
static int
open_all(const char *p, off_t *at)
{
	int how = -1, fd = held_open(p, &how);

	if (fd == -1)
		return -1;
	*at = lseek(fd, 0, SEEK_CUR);
	(void)lseek(fd, 0, SEEK_END);	/* read to the end */
	close(fd);
	return how;
}

static off_t
rotated_at(const char *p, int i, struct stat *st)
{
	int fd = held_rotated(p, i);
	off_t at;

	if (fd == -1)
		return -1;
	at = lseek(fd, 0, SEEK_CUR);
	fstat(fd, st);
	close(fd);
	return at;
}

int
main(void)
{
	char p[300], p1[300];
	struct stat st, old;
	off_t at = -1;
	int fd, how;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(p, sizeof(p), "%s/kern.log", dir);
	snprintf(p1, sizeof(p1), "%s/kern.log.1", dir);

	/* A path looked at for the first time: as the config says. */
	put(p, "Nov 29 07:00:00 one\n", 1);
	T_INTEQ(open_all(p, &at), PRIV_LOG_NEW);
	T_INTEQ(at, 0);
	/* The same file again (a restart): where the last worker stopped. */
	put(p, "Nov 29 07:00:01 two\n", 0);
	held_mark();
	T_INTEQ(open_all(p, &at), PRIV_LOG_RESUME);
	T_INTEQ(at, 20);
	T_OK(held_rotated(p, 0) == -1 && errno == ENOENT, "nothing rotated");

	/* Appended while no worker ran: still the same file, same offset. */
	held_mark();
	put(p, "Nov 29 07:00:02 three\n", 0);
	T_INTEQ(open_all(p, &at), PRIV_LOG_RESUME);
	T_INTEQ(at, 40);

	/* copytruncate while no worker ran, regrown past the offset: from
	 * its start. */
	held_mark();
	put(p, "Nov 29 07:00:03 after the truncation, a long line\n"
	    "Nov 29 07:00:04 and more\n", 1);
	T_OK(stat(p, &st) == 0 && st.st_size > 62, "regrown");
	T_INTEQ(open_all(p, &at), PRIV_LOG_RESUME);
	T_INTEQ(at, 0);
	/* ... and shorter than the offset: from its start too. */
	held_mark();
	put(p, "x\n", 1);
	T_INTEQ(open_all(p, &at), PRIV_LOG_RESUME);
	T_INTEQ(at, 0);

	/* Renamed and re-created while no worker ran: the new file from its
	 * start, the old one handed over with the offset reached. */
	put(p, "Nov 29 07:00:05 five\n", 0);
	held_mark();
	T_INTEQ(open_all(p, &at), PRIV_LOG_RESUME);	/* reads to 23 */
	T_OK(stat(p, &old) == 0, "stat");
	rename(p, p1);
	put(p1, "Nov 29 07:00:06 six, in the renamed file\n", 0);
	put(p, "Nov 29 07:00:07 seven\n", 1);
	held_mark();
	T_INTEQ(open_all(p, &at), PRIV_LOG_UNREAD);
	T_INTEQ(at, 0);
	T_INTEQ(rotated_at(p, 0, &st), 23);
	T_OK(st.st_ino == old.st_ino, "the renamed file");
	T_OK(held_rotated(p, 1) == -1 && errno == ENOENT, "one rotated");
	/* The worker is done with it: let go. */
	held_done(p, old.st_dev, old.st_ino);
	T_OK(held_rotated(p, 0) == -1 && errno == ENOENT, "let go");

	/* The worker saw the name go (held_gone), then died: the deleted file
	 * is handed over, and a file created meanwhile read from its start. */
	T_OK(stat(p, &old) == 0, "stat");
	fd = open(p, O_WRONLY | O_APPEND);	/* the syslog daemon's */
	unlink(p);
	held_gone(p, NULL);
	T_OK(write(fd, "Nov 29 07:00:08 eight\n", 22) == 22, "write");
	close(fd);
	held_mark();
	T_OK(held_open(p, &how) == -1 && errno == ENOENT, "no file");
	T_INTEQ(rotated_at(p, 0, &st), 22);	/* read to its end before */
	T_OK(st.st_ino == old.st_ino && st.st_nlink == 0, "the deleted file");
	put(p, "Nov 29 07:00:09 nine\n", 1);
	T_INTEQ(open_all(p, &at), PRIV_LOG_UNREAD);
	T_INTEQ(at, 0);

	/* At most HELD_MAX_OLD rotated files per path, the oldest let go. */
	for (int i = 0; i < HELD_MAX_OLD + 2; i++) {
		unlink(p);
		put(p, "Nov 29 07:00:10 ten\n", 1);
		T_INTEQ(open_all(p, &at), PRIV_LOG_UNREAD);
	}
	for (int i = 0; i < HELD_MAX_OLD; i++)
		T_OK(rotated_at(p, i, &st) >= 0, "rotated %d held", i);
	T_OK(held_rotated(p, HELD_MAX_OLD) == -1, "no more than the cap");

	held_free();
	T_OK(held_rotated(p, 0) == -1, "freed");
	unlink(p);
	unlink(p1);
	rmdir(dir);
	return t_done();
}
