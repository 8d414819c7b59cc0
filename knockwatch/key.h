/* key.h — users and their keys: hex key text, and the users section of
 * the configuration. */
#ifndef KW_KEY_H
#define KW_KEY_H

#include <stddef.h>

#include "config.h"

enum key_result {
	KEY_OK = 0,
	KEY_BADCHAR,		/* *bad gets the offset */
	KEY_ODD,		/* odd number of digits */
	KEY_SHORT,		/* fewer than KW_MIN_KEY bytes */
	KEY_LONG,		/* more than KW_MAX_KEY bytes */
};

/* Decodes len hex digits (either case, nothing else) into key and sets
 * *keylen. On any error key is wiped. */
enum key_result key_from_hex(const char *s, size_t len,
    unsigned char key[KW_MAX_KEY], size_t *keylen, size_t *bad);

/* The same for text with white space (space, tab, CR, LF) around the
 * digits; *ndigits gets the number of digits between it. */
enum key_result key_from_text(const char *s, size_t len,
    unsigned char key[KW_MAX_KEY], size_t *keylen, size_t *bad,
    size_t *ndigits);

/* Bytes of a key file: the hex digits and white space around them. */
#define KW_MAX_KEYFILE	4096

enum key_file_result {
	KEY_FILE_OK = 0,
	KEY_FILE_IO,		/* read failed: errnum */
	KEY_FILE_NOTREG,	/* not a regular file */
	KEY_FILE_MODE,		/* group or others have access: mode */
	KEY_FILE_BIG,		/* more than KW_MAX_KEYFILE bytes */
	KEY_FILE_HEX,		/* not a key: hex, bad, ndigits */
};

/* What was wrong with a key file, for the caller's message. */
struct key_file_err {
	int errnum;
	unsigned mode;		/* permission bits */
	enum key_result hex;	/* key_from_hex's verdict */
	size_t bad;		/* KEY_BADCHAR: offset in the digits */
	size_t ndigits;		/* hex digits, white space trimmed */
};

/* Opens a key file to read (read-only, close-on-exec, non-blocking, no
 * controlling tty). Returns the fd or -1 with errno. The daemon's config
 * loader and the client both open key files this way. */
int key_file_open(const char *path);
/* Reads the key file open on fd (which stays open): it must be a regular
 * file that neither group nor others may access, of at most
 * KW_MAX_KEYFILE bytes: hex digits with white space around them. Fills
 * key and *keylen, or returns why not in *e. Never keeps or prints the
 * text. The one key-file reader, shared by the config and the client. */
enum key_file_result key_file_read(int fd, unsigned char key[KW_MAX_KEY],
    size_t *keylen, struct key_file_err *e);

struct cctx;
struct cnode;

/* Loads the users section n into x->c (sorted by name), reading inline keys
 * and key files (x->o says whether and how). Returns 0, or -1 with the error
 * in x->err. */
int key_load_users(struct cctx *x, const struct cnode *n);
/* Takes the users disabled while loading (config_opts.skip_bad_keys) out
 * of every HMAC door of c, so that no knock can ever match them (their key
 * is wiped, not merely empty). */
void key_prune_disabled(struct config *c);

#endif
