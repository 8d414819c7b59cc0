/* cnode.c — the configuration's YAML tree and its errors: reads the file,
 * builds a small bounded tree with libyaml's event parser, and offers typed
 * getters that name FILE:LINE:COL (with a did-you-mean for unknown keys) in
 * the caller's buffer. Knows no field's meaning; never logs, never echoes a
 * value that may be a key. */
#include "cnode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "yamlerr.h"

#define CONFIG_MAX_DEPTH	32

static int __attribute__((format(printf, 4, 0)))
cverr(struct cctx *x, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	int off;

	if (x->errlen == 0)
		return -1;
	off = line == 0 ? snprintf(x->err, x->errlen, "%s: ", x->path) :
	    snprintf(x->err, x->errlen, "%s:%u:%u: ", x->path, line, col);
	if (off >= 0 && (size_t)off < x->errlen)
		vsnprintf(x->err + off, x->errlen - off, fmt, ap);
	return -1;
}

static int __attribute__((format(printf, 4, 5)))
cerr_at(struct cctx *x, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cverr(x, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Error at node n (NULL: the start of the file). Always returns -1. */
int __attribute__((format(printf, 3, 4)))
cerr(struct cctx *x, const struct cnode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cverr(x, n ? n->line : 1, n ? n->col : 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* Error about the file as a whole, with no line. Always returns -1. */
int __attribute__((format(printf, 2, 3)))
cerr_file(struct cctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cverr(x, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
cnode_kind(const struct cnode *n)
{
	return n->type == CN_MAP ? "a mapping" :
	    n->type == CN_SEQ ? "a list" :
	    n->len == 0 ? "an empty value" : "a scalar";
}

void
cnode_free(struct cnode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkid; i++)
		cnode_free(n->kid[i]);
	free(n->kid);
	if (n->s != NULL) {
		explicit_bzero(n->s, n->len);	/* scalars may hold keys */
		free(n->s);
	}
	free(n);
}

static int
cnode_add(struct cnode *parent, struct cnode *n)
{
	struct cnode **k;
	size_t ncap;

	if (parent->nkid == parent->cap) {
		ncap = parent->cap ? parent->cap * 2 : 8;
		k = reallocarray(parent->kid, ncap, sizeof(*k));
		if (k == NULL)
			return -1;
		parent->kid = k;
		parent->cap = ncap;
	}
	parent->kid[parent->nkid++] = n;
	return 0;
}

/* Only standard tags are allowed; "!ack" unquoted would silently be a tag. */
static int
tag_ok(const yaml_char_t *tag)
{
	return tag == NULL ||
	    strncmp((const char *)tag, "tag:yaml.org,2002:", 18) == 0;
}

static void
reader_mark(const unsigned char *buf, size_t len, size_t off, yaml_mark_t *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m->line++;
			m->column = 0;
		} else if ((buf[i] & 0xc0) != 0x80)
			m->column++;	/* count characters, not bytes */
	}
}

/* Builds the tree of the first YAML document in buf. Aliases are refused,
 * so the tree is finite and no larger than the input. */
struct cnode *
cnode_load(struct cctx *x, const unsigned char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct cnode *root = NULL, *stack[CONFIG_MAX_DEPTH], *n;
	const yaml_char_t *tag;
	const yaml_mark_t *m;
	yaml_mark_t rm;
	int depth = 0, done = 0, failed = 0;

	if (!yaml_parser_initialize(&p)) {
		cerr(x, NULL, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, buf, len);
	while (!done && !failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			m = &p.problem_mark;
			if (p.error == YAML_READER_ERROR) {
				/* The reader only knows a byte offset. */
				reader_mark(buf, len, p.problem_offset, &rm);
				m = &rm;
			}
			{
				char why[400];

				yamlerr_explain(buf, len, (unsigned)m->line + 1,
				    (unsigned)m->column + 1, p.problem ?
				    p.problem : "unknown error", why,
				    sizeof(why));
				if (p.context != NULL &&
				    strncmp(why, "YAML syntax", 11) == 0)
					cerr_at(x, m->line + 1, m->column + 1,
					    "%s %s (started at line %zu)", why,
					    p.context, p.context_mark.line + 1);
				else
					cerr_at(x, m->line + 1, m->column + 1,
					    "%s", why);
			}
			failed = 1;
			break;
		}
		n = NULL;
		tag = NULL;
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			tag = ev.data.scalar.tag;
			/* FALLTHROUGH */
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				tag = ev.data.sequence_start.tag;
			else if (ev.type == YAML_MAPPING_START_EVENT)
				tag = ev.data.mapping_start.tag;
			if (!tag_ok(tag)) {
				cerr_at(x, ev.start_mark.line + 1,
				    ev.start_mark.column + 1, "YAML tag '%.40s' "
				    "is not supported (quote values that start "
				    "with '!')", (const char *)tag);
				failed = 1;
				break;
			}
			if ((n = calloc(1, sizeof(*n))) == NULL) {
				cerr(x, NULL, "out of memory");
				failed = 1;
				break;
			}
			n->line = ev.start_mark.line + 1;
			n->col = ev.start_mark.column + 1;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->type = CN_SCALAR;
				n->len = ev.data.scalar.length;
				n->s = malloc(n->len + 1);
				if (n->s != NULL) {
					memcpy(n->s, ev.data.scalar.value,
					    n->len);
					n->s[n->len] = '\0';
				}
			} else
				n->type = ev.type == YAML_MAPPING_START_EVENT ?
				    CN_MAP : CN_SEQ;
			if ((n->type == CN_SCALAR && n->s == NULL) ||
			    (depth > 0 && cnode_add(stack[depth - 1], n))) {
				cnode_free(n);
				cerr(x, NULL, "out of memory");
				failed = 1;
				break;
			}
			if (depth == 0)
				root = n;
			if (n->type == CN_SCALAR && strlen(n->s) != n->len) {
				cerr(x, n, "NUL character in a value");
				failed = 1;
				break;
			}
			if (n->type != CN_SCALAR) {
				if (depth == CONFIG_MAX_DEPTH) {
					cerr(x, n, "nested deeper than %d "
					    "levels", CONFIG_MAX_DEPTH);
					failed = 1;
					break;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			cerr_at(x, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, "YAML aliases (*%.40s) "
			    "are not supported", ev.data.alias.anchor);
			failed = 1;
			break;
		case YAML_DOCUMENT_END_EVENT:	/* only the first counts */
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (!failed && (root == NULL ||
	    (root->type == CN_SCALAR && root->len == 0))) {
		cerr(x, NULL, "empty configuration file");
		failed = 1;
	}
	if (failed) {
		cnode_free(root);
		return NULL;
	}
	return root;
}

/* Reads the whole file, at most CONFIG_MAX_FILE bytes, into a buffer of
 * its size (a file that grows while it is read is refused). */
unsigned char *
cnode_read(struct cctx *x, size_t *lenp)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd;

	/* The worker gets the file the parent opened, read from its start. */
	if (x->o->fd >= 0) {
		if ((fd = fcntl(x->o->fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
		    lseek(fd, 0, SEEK_SET) == -1) {
			cerr(x, NULL, "cannot read: %s", strerror(errno));
			if (fd != -1)
				close(fd);
			return NULL;
		}
	} else if ((fd = open(x->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
	    == -1) {
		cerr(x, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cerr(x, NULL, "not a regular file");
		goto out;
	}
	x->mode = st.st_mode;
	if (st.st_size > CONFIG_MAX_FILE) {
		cerr(x, NULL, "file larger than %d bytes", CONFIG_MAX_FILE);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		cerr(x, NULL, "out of memory");
		goto out;
	}
	while (len < cap) {
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			cerr(x, NULL, "read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == cap) {
		cerr(x, NULL, "file changed while it was read");
		goto fail;
	}
	*lenp = len;
	goto out;
fail:
	explicit_bzero(buf, cap);
	free(buf);
	buf = NULL;
out:
	close(fd);
	return buf;
}

unsigned
cnode_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned row[KW_NAME_MAX + 1], prev, tmp, v;

	if (la > KW_NAME_MAX || lb > KW_NAME_MAX)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			v = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = tmp;
		}
	}
	return row[lb];
}

/* "fin, syn, ..." into buf; *best gets the word closest to s, if close. */
void
cnode_words(const char *const *words, const char *s, char *buf, size_t len,
    const char **best)
{
	unsigned d, bestd = 3;
	size_t off = 0;
	int i;

	buf[0] = '\0';
	*best = NULL;
	for (i = 0; words[i] != NULL; i++) {
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? ", " : "", words[i]);
		if (s != NULL && (d = cnode_distance(s, words[i])) < bestd) {
			bestd = d;
			*best = words[i];
		}
	}
}

/* What knockd calls what knockwatch calls the value: knockd's names are
 * too far from ours for the edit distance to suggest them. */
static const char *const knockd_names[][2] = {
	{ "seq_timeout", "timeout" }, { "tcpflags", "tcp_flags" },
	{ "command", "start" }, { "start_command", "start" },
	{ "stop_command", "stop" }, { "sequences", "sequence" },
	{ "one_time_sequences", "hmac" }, { "logfile", "log" },
	{ "usesyslog", "log" },
};

static int
unknown_key(struct cctx *x, const struct cnode *k, const char *where,
    const char *const *keys)
{
	const char *best;
	char list[256];
	size_t i, j;

	cnode_words(keys, k->s, list, sizeof(list), &best);
	for (i = 0; i < sizeof(knockd_names) / sizeof(knockd_names[0]); i++) {
		if (strcasecmp(k->s, knockd_names[i][0]) != 0)
			continue;
		for (j = 0; keys[j] != NULL; j++)
			if (strcmp(keys[j], knockd_names[i][1]) == 0)
				return cerr(x, k, "unknown key '%.64s' in %s; "
				    "did you mean '%s'? (knockd's %s) (valid "
				    "keys: %s)", k->s, where, keys[j],
				    knockd_names[i][0], list);
	}
	if (best != NULL)
		return cerr(x, k, "unknown key '%.64s' in %s; did you mean "
		    "'%s'? (valid keys: %s)", k->s, where, best, list);
	return cerr(x, k, "unknown key '%.64s' in %s (valid keys: %s)",
	    k->s, where, list);
}

static int
cnode_key_cmp(const void *a, const void *b)
{
	const struct cnode *x = *(const struct cnode *const *)a;
	const struct cnode *y = *(const struct cnode *const *)b;
	int r = strcmp(x->s, y->s);

	if (r != 0)
		return r;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* Checks that m is a mapping with non-empty scalar keys, no duplicates and,
 * when keys is not NULL, only known keys. names: "door"/"user" when the keys
 * are names (for the duplicate message), else NULL. */
int
cnode_map(struct cctx *x, const struct cnode *m, const char *where,
    const char *const *keys, const char *names)
{
	const struct cnode **sorted = NULL, *k;
	size_t i, j, n = m->nkid / 2;
	int rc = -1;

	if (m->type != CN_MAP)
		return cerr(x, m, "%s: expected a mapping, got %s", where,
		    cnode_kind(m));
	for (i = 0; i < m->nkid; i += 2) {
		k = m->kid[i];
		if (k->type != CN_SCALAR || k->len == 0)
			return cerr(x, k, "%s: keys must be non-empty strings",
			    where);
		for (j = 0; keys != NULL && keys[j] != NULL; j++)
			if (strcmp(keys[j], k->s) == 0)
				break;
		if (keys != NULL && keys[j] == NULL)
			return unknown_key(x, k, where, keys);
	}
	/* Sorted, so that 100000 user names stay cheap. */
	if (n < 2)
		return 0;
	if ((sorted = calloc(n, sizeof(*sorted))) == NULL)
		return cerr(x, m, "out of memory");
	for (i = 0; i < n; i++)
		sorted[i] = m->kid[2 * i];
	qsort(sorted, n, sizeof(*sorted), cnode_key_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(sorted[i - 1]->s, sorted[i]->s) != 0)
			continue;
		if (names != NULL)
			cerr(x, sorted[i], "duplicate %s name '%.64s' (first "
			    "defined at line %u)", names, sorted[i]->s,
			    sorted[i - 1]->line);
		else
			cerr(x, sorted[i], "duplicate key '%.64s' in %s "
			    "(first at line %u)", sorted[i]->s, where,
			    sorted[i - 1]->line);
		goto out;
	}
	rc = 0;
out:
	free(sorted);
	return rc;
}

const struct cnode *
cnode_get(const struct cnode *m, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < m->nkid; i += 2)
		if (strcmp(m->kid[i]->s, key) == 0)
			return m->kid[i + 1];
	return NULL;
}

int
cnode_scalar(struct cctx *x, const struct cnode *n, const char *key,
    const char *where)
{
	if (n->type != CN_SCALAR)
		return cerr(x, n, "'%s' in %s: expected a scalar, got %s",
		    key, where, cnode_kind(n));
	if (n->len == 0)
		return cerr(x, n, "'%s' in %s: empty value", key, where);
	return 0;
}

int
cnode_str(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, char **out)
{
	if (cnode_scalar(x, n, key, where) == -1)
		return -1;
	if ((*out = strdup(n->s)) == NULL)
		return cerr(x, n, "out of memory");
	return 0;
}

/* Decimal digits only, no sign, value <= max. */
int
cnode_dec(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
cnode_uint(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;

	if (n->type != CN_SCALAR)
		return cerr(x, n, "'%s' in %s: expected an integer from %u to "
		    "%u, got %s", key, where, lo, hi, cnode_kind(n));
	if (cnode_dec(n->s, n->len, hi, &v) == -1 || v < lo)
		return cerr(x, n, "'%s' in %s: expected an integer from %u to "
		    "%u, got '%.32s'", key, where, lo, hi, n->s);
	*out = (unsigned)v;
	return 0;
}

int
cnode_bool(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, int *out)
{
	if (n->type == CN_SCALAR && strcasecmp(n->s, "true") == 0)
		*out = 1;
	else if (n->type == CN_SCALAR && strcasecmp(n->s, "false") == 0)
		*out = 0;
	else
		return cerr(x, n, "'%s' in %s: expected true or false", key,
		    where);
	return 0;
}

int
cnode_range(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	const char *dash;

	if (cnode_scalar(x, n, key, where) == -1)
		return -1;
	dash = strchr(n->s, '-');
	if (dash == NULL || cnode_dec(n->s, (size_t)(dash - n->s), 65535,
	    &a) == -1 || cnode_dec(dash + 1, strlen(dash + 1), 65535, &b) ==
	    -1 || a < 1 || a > b)
		return cerr(x, n, "bad %s '%.32s' in %s: expected lo-hi with "
		    "1 <= lo <= hi <= 65535", key, n->s, where);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
cnode_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len < 1 || len > KW_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

void
cnode_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* An argv from a list of scalars or a whitespace-split string (never a
 * shell). Returns argc, or -1. */
int
cnode_argv(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, char ***out)
{
	const char *p, *e;
	char **argv;
	size_t i;
	int argc = 0;

	if (n->type == CN_MAP)
		return cerr(x, n, "'%s' in %s: expected a list or a string, "
		    "got a mapping", key, where);
	if ((argv = calloc(KW_MAX_ARGV + 1, sizeof(*argv))) == NULL)
		return cerr(x, n, "out of memory");
	if (n->type == CN_SEQ) {
		for (i = 0; i < n->nkid; i++) {
			if (argc == KW_MAX_ARGV) {
				cerr(x, n->kid[i], "'%s' in %s: too many "
				    "elements (max %d)", key, where,
				    KW_MAX_ARGV);
				goto fail;
			}
			if (n->kid[i]->type != CN_SCALAR) {
				cerr(x, n->kid[i], "'%s' in %s: expected a "
				    "scalar, got %s", key, where,
				    cnode_kind(n->kid[i]));
				goto fail;
			}
			if ((argv[argc++] = strdup(n->kid[i]->s)) == NULL)
				goto oom;
		}
	} else {
		for (p = n->s; ; p = e) {
			p += strspn(p, " \t\r\n");
			if (*p == '\0')
				break;
			e = p + strcspn(p, " \t\r\n");
			if (argc == KW_MAX_ARGV) {
				cerr(x, n, "'%s' in %s: too many words (max "
				    "%d)", key, where, KW_MAX_ARGV);
				goto fail;
			}
			if ((argv[argc++] = strndup(p, (size_t)(e - p))) ==
			    NULL)
				goto oom;
		}
	}
	if (argc == 0) {
		cerr(x, n, "'%s' in %s: empty command", key, where);
		goto fail;
	}
	*out = argv;
	return argc;
oom:
	cerr(x, n, "out of memory");
fail:
	cnode_argv_free(argv);
	return -1;
}
