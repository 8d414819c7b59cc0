/* state.h — small files in state_dir, written atomically. */
#ifndef KW_STATE_H
#define KW_STATE_H

#include <stddef.h>

#define STATE_MAX_FILE (16u << 20)	/* state files are bounded */

/* Creates dir (mode 0700) if missing. Returns 0 or -1 with errno. */
int state_mkdir(const char *dir);
/* Replaces path with data: writes path.tmp, fsyncs, renames over path and
 * fsyncs the directory, so a crash leaves the old or the new file, never a
 * torn one. Returns 0 or -1 with errno (the temp file is removed). */
int state_write_atomic(const char *path, const char *data, size_t len);
/* Reads the whole file into a malloc'd NUL-terminated buffer (at most
 * STATE_MAX_FILE bytes). Returns it, or NULL with errno (ENOENT when the file
 * does not exist, EFBIG when too large). *len gets the size. */
char *state_read(const char *path, size_t *len);
/* Renames a corrupt file aside to path.corrupt-UNIXTIME. Returns 0/-1. */
int state_set_aside(const char *path);

#endif
