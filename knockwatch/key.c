/* key.c — users and their keys: the only code that touches key bytes. It
 * turns hex key text into bytes (shared by the config loader and the
 * client) and loads the users section. Never prints or logs what it
 * decodes. */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnode.h"
#include "log.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum key_result
key_from_hex(const char *s, size_t len, unsigned char key[KW_MAX_KEY],
    size_t *keylen, size_t *bad)
{
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) == -1) {
			*bad = i;
			return KEY_BADCHAR;
		}
	if (len % 2)
		return KEY_ODD;
	if (len / 2 < KW_MIN_KEY)
		return KEY_SHORT;
	if (len / 2 > KW_MAX_KEY)
		return KEY_LONG;
	for (size_t i = 0; i < len / 2; i++)
		key[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
		    hexval(s[2 * i + 1]));
	*keylen = len / 2;
	return KEY_OK;
}

/* Contract in key.h. A NUL byte is not white space: it stops the trim
 * and then fails the hex check. */
enum key_result
key_from_text(const char *s, size_t len, unsigned char key[KW_MAX_KEY],
    size_t *keylen, size_t *bad, size_t *ndigits)
{
	size_t start = 0;

	while (start < len && s[start] != '\0' &&
	    strchr(" \t\r\n", s[start]) != NULL)
		start++;
	while (len > start && s[len - 1] != '\0' &&
	    strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	*ndigits = len - start;
	return key_from_hex(s + start, len - start, key, keylen, bad);
}

/* Contract in key.h. O_NONBLOCK: a FIFO must not hang the reader;
 * key_file_read's fstat refuses it. */
int
key_file_open(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
}

/* Contract in key.h. The text never leaves buf, which is wiped. */
enum key_file_result
key_file_read(int fd, unsigned char key[KW_MAX_KEY], size_t *keylen,
    struct key_file_err *e)
{
	char buf[KW_MAX_KEYFILE + 1];
	enum key_file_result rc = KEY_FILE_IO;
	size_t len = 0;
	struct stat st;
	ssize_t r;

	memset(e, 0, sizeof(*e));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		return KEY_FILE_NOTREG;
	/* A key is a password: nobody else may read it (as ssh's keys). */
	if (st.st_mode & 077) {
		e->mode = (unsigned)(st.st_mode & 07777);
		return KEY_FILE_MODE;
	}
	while (len < sizeof(buf)) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e->errnum = errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == sizeof(buf)) {
		rc = KEY_FILE_BIG;
		goto out;
	}
	e->hex = key_from_text(buf, len, key, keylen, &e->bad, &e->ndigits);
	rc = e->hex == KEY_OK ? KEY_FILE_OK : KEY_FILE_HEX;
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static const char *const user_keys[] = { "key", "key_file", NULL };

/* Why a key of user u is not one (r from key_from_hex, len hex digits).
 * Never echoes the text. Returns -1. */
static int
key_user_err(struct cctx *x, const struct cnode *n, const char *what,
    const struct config_user *u, enum key_result r, size_t bad, size_t len)
{
	switch (r) {
	case KEY_OK:
	case KEY_BADCHAR:
		return cerr(x, n, "%s of user '%s' is not hex (bad character "
		    "at offset %zu)", what, u->name, bad);
	case KEY_ODD:
		return cerr(x, n, "%s of user '%s' has an odd number of hex "
		    "digits", what, u->name);
	case KEY_SHORT:
		return cerr(x, n, "%s of user '%s' is too short: %zu bytes, "
		    "need at least %d (%d hex digits)", what, u->name, len / 2,
		    KW_MIN_KEY, 2 * KW_MIN_KEY);
	case KEY_LONG:
		break;
	}
	return cerr(x, n, "%s of user '%s' is too long: %zu bytes, at most %d",
	    what, u->name, len / 2, KW_MAX_KEY);
}

/* Hex text (already trimmed) into a key. Never echoes the text. */
static int
key_user_hex(struct cctx *x, const struct cnode *n, const char *what,
    const char *s, size_t len, struct config_user *u)
{
	enum key_result r;
	size_t bad = 0;

	if ((r = key_from_hex(s, len, u->key, &u->keylen, &bad)) == KEY_OK)
		return 0;
	return key_user_err(x, n, what, u, r, bad, len);
}

static int
key_load_file(struct cctx *x, const struct cnode *n, struct config_user *u)
{
	struct key_file_err e;
	const char *path = n->s;
	char what[224];
	int fd, rc = -1;

	if (path[0] != '/')
		return cerr(x, n, "key_file '%.200s' of user '%s' is not an "
		    "absolute path", path, u->name);
	/* The parent never reads a key: it records where the key is. */
	if (x->o->no_keys)
		return (u->key_file = strdup(path)) == NULL ?
		    cerr(x, n, "out of memory") : 0;
	/* The worker asks the parent to open the file for it. */
	fd = x->o->open_key != NULL ? x->o->open_key(x->o->arg, path) :
	    key_file_open(path);
	if (fd == -1)
		return cerr(x, n, "key_file '%.200s' of user '%s' is "
		    "unreadable: %s", path, u->name, strerror(errno));
	switch (key_file_read(fd, u->key, &u->keylen, &e)) {
	case KEY_FILE_OK:
		rc = 0;
		break;
	case KEY_FILE_IO:
		cerr(x, n, "key_file '%.200s' of user '%s' is unreadable: %s",
		    path, u->name, strerror(e.errnum));
		break;
	case KEY_FILE_NOTREG:
		cerr(x, n, "key_file '%.200s' of user '%s' is not a regular "
		    "file", path, u->name);
		break;
	case KEY_FILE_MODE:
		cerr(x, n, "key_file '%.200s' of user '%s' is group/world "
		    "accessible (mode %04o); chmod 600 it", path, u->name,
		    e.mode);
		break;
	case KEY_FILE_BIG:
		cerr(x, n, "key_file '%.200s' of user '%s' is larger than %d "
		    "bytes", path, u->name, KW_MAX_KEYFILE);
		break;
	case KEY_FILE_HEX:
		snprintf(what, sizeof(what), "key_file '%.200s'", path);
		key_user_err(x, n, what, u, e.hex, e.bad, e.ndigits);
		break;
	}
	close(fd);
	return rc;
}

/* A restarted worker keeps running without user u: its key is wiped and
 * key_prune_disabled takes it out of every door. */
static void
key_disable(struct config_user *u, const char *why)
{
	explicit_bzero(u->key, sizeof(u->key));
	u->keylen = 0;
	u->disabled = 1;
	log_errx("user %s disabled until a reload with a readable key: %s",
	    u->name, why);
}

void
key_prune_disabled(struct config *c)
{
	for (int i = 0; i < c->ndoors; i++) {
		struct config_hmac *h = &c->doors[i].hmac;
		int n = 0;

		for (int j = 0; j < h->nusers; j++)
			if (!c->users[h->users[j]].disabled)
				h->users[n++] = h->users[j];
		h->nusers = n;
	}
}

static int
key_user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_user *)a)->name,
	    ((const struct config_user *)b)->name);
}

int
key_load_users(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	const struct cnode *name, *m, *key, *file;
	struct config_user *u;
	char where[96];
	size_t i;

	if (cnode_map(x, n, "users", NULL, "user") == -1)
		return -1;
	if (n->nkid / 2 > KW_MAX_USERS)
		return cerr(x, n->kid[2 * KW_MAX_USERS], "too many users "
		    "(max %d)", KW_MAX_USERS);
	if (n->nkid == 0)
		return 0;
	if ((c->users = calloc(n->nkid / 2, sizeof(*c->users))) == NULL)
		return cerr(x, n, "out of memory");
	c->nusers = (int)(n->nkid / 2);
	for (i = 0; i < n->nkid; i += 2) {
		name = n->kid[i];
		m = n->kid[i + 1];
		u = &c->users[i / 2];
		if (!cnode_name_ok(name->s))
			return cerr(x, name, "bad user name '%.64s': use 1 to "
			    "%d of A-Z a-z 0-9 _ . -", name->s, KW_NAME_MAX);
		if ((u->name = strdup(name->s)) == NULL)
			return cerr(x, name, "out of memory");
		snprintf(where, sizeof(where), "user '%s'", u->name);
		if (cnode_map(x, m, where, user_keys, NULL) == -1)
			return -1;
		key = cnode_get(m, "key");
		file = cnode_get(m, "key_file");
		if (key != NULL && file != NULL)
			return cerr(x, file, "user '%s' has both key and "
			    "key_file", u->name);
		if (key == NULL && file == NULL)
			return cerr(x, name, "user '%s' needs a key or a "
			    "key_file", u->name);
		if (key != NULL) {
			/* A key in the file is as secret as a key_file. */
			if (x->mode & 077)
				return cerr(x, key, "inline key of user '%s' "
				    "in a config that group or others can "
				    "read (mode %04o); chmod 600 the config, "
				    "or use key_file", u->name,
				    (unsigned)(x->mode & 07777));
			if (cnode_scalar(x, key, "key", where) == -1 ||
			    key_user_hex(x, key, "key", key->s, key->len, u)
			    == -1)
				return -1;
			/* Checked, and not kept by the parent. */
			if (x->o->no_keys) {
				explicit_bzero(u->key, sizeof(u->key));
				u->keylen = 0;
			}
		} else if (cnode_scalar(x, file, "key_file", where) == -1)
			return -1;
		else if (key_load_file(x, file, u) == -1) {
			if (!x->o->skip_bad_keys || file->s[0] != '/')
				return -1;
			/* x->err names the file and the user, never a byte
			 * of the key. */
			key_disable(u, x->err);
			x->err[0] = '\0';
		}
	}
	/* Sorted by name: config_user_index is a binary search. */
	qsort(c->users, (size_t)c->nusers, sizeof(*c->users), key_user_cmp);
	return 0;
}
