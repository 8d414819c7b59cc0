/* state.h — small files in state_dir, written atomically. */
#ifndef KW_STATE_H
#define KW_STATE_H

#include <stddef.h>
#include <sys/types.h>

#define STATE_MAX_FILE (16u << 20)	/* state files are bounded */
#define STATE_LOCK "lock"	/* state_dir/lock: one daemon per state_dir */

/* Creates dir (mode 0700) if missing. Returns 0 or -1 with errno. */
int state_mkdir(const char *dir);
/* Checks dir the way sshd's StrictModes checks a home directory: dir must
 * not be a symbolic link, and it and every directory above it (after
 * resolving links, as realpath does) must be owned by root or by our
 * effective user and not writable by group or others. A directory above dir
 * that is root's and sticky (/tmp) may be writable by all: nobody else can
 * rename or remove what root owns in it. A missing dir passes when the
 * directories above it do. Returns 0, or -1 with a message in err. */
int state_dir_check(const char *dir, char *err, size_t errlen);
/* StrictModes for a file root runs (a start or stop program) or trusts (a
 * key file): if path exists, it must be a regular file owned by root, by
 * our effective user or by also (pass 0 for none), not writable by group or
 * others, and every directory above it, as named and with links resolved,
 * must pass the state_dir_check rules. A missing path passes (the config
 * check reports it). Returns 0, or -1 with a message and its remedy in
 * err. */
int state_file_check(const char *path, uid_t also, char *err, size_t errlen);
/* A state_dir or runtime_dir must be knockwatch's alone: refuses a
 * well-known system directory (/, /run, /var/lib, /tmp, /etc, /usr, ...,
 * also through a link) and an existing dir holding an entry whose name
 * matches none of known (NULL-terminated; "x" matches exactly, "x*" as a
 * prefix). Returns 0, or -1 with a message in err. */
int state_dir_own(const char *dir, const char *const *known, char *err,
    size_t errlen);
/* Creates dir with mode if missing, checks it (state_dir_check), opens it
 * with O_DIRECTORY|O_NOFOLLOW and sets its mode with fchmod on that
 * descriptor, so no link is ever followed. Returns the descriptor (the
 * caller closes it), or -1 with a message in err. */
int state_dir_open(const char *dir, mode_t mode, char *err, size_t errlen);
/* Gives every regular file directly in dir (the worker's files in
 * state_dir/worker: spent steps, temporary files) to uid:gid, so that a
 * worker running as a new user keeps what an earlier worker user wrote.
 * Never follows a link (dir is opened O_NOFOLLOW, files are changed with
 * fchownat AT_SYMLINK_NOFOLLOW), and leaves alone anything that is not a
 * regular file with a single name. A missing dir is fine. Returns 0, or -1
 * with a message in err. */
int state_give_files(const char *dir, uid_t uid, gid_t gid, char *err,
    size_t errlen);
/* Replaces path with data: writes path.tmp, fsyncs, renames over path and
 * fsyncs the directory, so a crash leaves the old or the new file, never a
 * torn one. Returns 0 or -1 with errno (the temp file is removed). */
int state_write_atomic(const char *path, const char *data, size_t len);
/* Reads the whole file into a malloc'd NUL-terminated buffer (at most
 * STATE_MAX_FILE bytes), never through a link. Returns it, or NULL with
 * errno (ENOENT when the file does not exist, EFBIG when too large). *len
 * gets the size. */
char *state_read(const char *path, size_t *len);
/* The same, and a file that is not ours (owner other than our effective
 * user) or that group or others can write is refused (EPERM). Not for the
 * worker: its filter does not allow geteuid. */
char *state_read_mine(const char *path, size_t *len);
/* Renames a corrupt file aside to path.corrupt-UNIXTIME. Returns 0/-1. */
int state_set_aside(const char *path);
/* Renames path aside to path.TAG-UNIXTIME. Returns 0/-1. */
int state_set_aside_tag(const char *path, const char *tag);
/* Takes the daemon's lock: opens (creates, mode 0600, never through a link)
 * dir/STATE_LOCK with O_CLOEXEC, so no child inherits it, takes
 * flock(LOCK_EX|LOCK_NB) and writes our pid in it. The caller keeps the
 * descriptor for its life (the lock goes with the process). Returns the
 * descriptor; -1 with *holder set to the pid written by the daemon that
 * holds the lock (0 when unknown) and errno EWOULDBLOCK; or -1 with another
 * errno. */
int state_lock(const char *dir, pid_t *holder);

#endif
