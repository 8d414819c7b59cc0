/* cnode.h — the configuration's YAML tree, its errors and typed getters;
 * internal to the config loader (config.c, config_check.c, key.c). */
#ifndef KW_CNODE_H
#define KW_CNODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

enum cnode_type { CN_SCALAR, CN_SEQ, CN_MAP };

/* One YAML node. Maps keep key, value, key, value... in kid. */
struct cnode {
	enum cnode_type type;
	unsigned line, col;
	char *s;		/* scalars: NUL-terminated, no inner NUL */
	size_t len;
	struct cnode **kid;
	size_t nkid, cap;
};

struct cctx {
	const char *path;
	char *err;
	size_t errlen;
	struct config *c;
	const struct config_opts *o;
	mode_t mode;		/* of the config file, for inline keys */
};

/* Writes "PATH:LINE:COL: message" for node n (NULL: the start of the file)
 * into x->err. Always returns -1. */
int cerr(struct cctx *x, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes "PATH: message", for what is missing from the file as a whole.
 * Always returns -1. */
int cerr_file(struct cctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "a mapping", "a list", "an empty value" or "a scalar", for messages. */
const char *cnode_kind(const struct cnode *n);
/* Frees n and its children, wiping scalars (they may hold keys). */
void cnode_free(struct cnode *n);
/* Reads the config (x->path, or x->o->fd) whole, at most CONFIG_MAX_FILE
 * bytes, and sets x->mode. Returns a buffer the caller wipes and frees, or
 * NULL with the error in x->err. */
unsigned char *cnode_read(struct cctx *x, size_t *lenp);
/* The tree of the first YAML document in buf (no aliases, no custom tags,
 * bounded depth), or NULL with the error in x->err. Free with cnode_free. */
struct cnode *cnode_load(struct cctx *x, const unsigned char *buf, size_t len);
/* The edit distance of a and b (UINT_MAX past KW_NAME_MAX bytes). */
unsigned cnode_distance(const char *a, const char *b);
/* Writes "w1, w2, ..." of the NULL-terminated words into buf and sets
 * *best to the word closest to s (edit distance < 3), or NULL. */
void cnode_words(const char *const *words, const char *s, char *buf,
    size_t len, const char **best);
/* 0 when m is a mapping with non-empty scalar keys, no duplicates and,
 * when keys is not NULL, only known keys (else a did-you-mean error).
 * names: "door"/"user" when the keys are names, else NULL. */
int cnode_map(struct cctx *x, const struct cnode *m, const char *where,
    const char *const *keys, const char *names);
/* The value of key in mapping m, or NULL. */
const struct cnode *cnode_get(const struct cnode *m, const char *key);
/* The typed getters: each returns 0, or -1 with "'key' in where: ..." in
 * x->err. cnode_str's *out is the caller's to free. */
int cnode_scalar(struct cctx *x, const struct cnode *n, const char *key,
    const char *where);
int cnode_str(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, char **out);
int cnode_uint(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, unsigned lo, unsigned hi, unsigned *out);
int cnode_bool(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, int *out);
int cnode_range(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, uint16_t *lo, uint16_t *hi);
/* Decimal digits only (at most 10), no sign, value <= max: 0 or -1. */
int cnode_dec(const char *s, size_t len, unsigned long max,
    unsigned long *out);
/* 1 when s is a door or user name: 1 to KW_NAME_MAX of [A-Za-z0-9_.-]. */
int cnode_name_ok(const char *s);
/* An argv (at most KW_MAX_ARGV, NULL-terminated, the caller's to free
 * with cnode_argv_free) from a list of scalars or a whitespace-split
 * string, never a shell. Returns argc, or -1. */
int cnode_argv(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, char ***out);
void cnode_argv_free(char **argv);

#endif
