/* config.c — loads and validates the YAML configuration: libyaml's event
 * parser builds a small bounded tree, which is then checked field by field.
 * Every error names FILE:LINE:COL; nothing here logs (errors go into the
 * caller's buffer) and nothing ever prints or echoes key material. */
#include "config.h"
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <gcrypt.h>
#include <pwd.h>
#include <yaml.h>

#include "parse.h"

#define CONFIG_MAX_DEPTH	32
#define CONFIG_MAX_PREFIX	127	/* nft log prefix; iptables LOG allows 29 */
#define CONFIG_MAX_KEYFILE	4096

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

static const struct config_opts config_defaults = { -1, 0, 0, NULL, NULL };

static const char *const top_keys[] = { "state_dir", "log", "max_tracked",
    "max_actions", "rotate_grace", "sources", "users", "doors", "runtime_dir",
    "allow", "deny", "penalty", "user", NULL };
static const char *const penalty_keys[] = { "failures", "window", "ban",
    NULL };
static const char *const source_keys[] = { "file", "kmsg", "command",
    "prefix", "pattern", "from_start", NULL };
static const char *const user_keys[] = { "key", "key_file", NULL };
static const char *const door_keys[] = { "sequence", "hmac", "timeout",
    "tcp_flags", "start", "stop", "stop_after", "cmd_timeout", "allow",
    "deny", NULL };
static const char *const hmac_keys[] = { "users", "length", "range",
    "period", "skew", "bind_source", "protocols", "open_range", NULL };
static const char *const placeholders[] = { "SRC", "IP", "DOOR", "USER",
    "OPEN_PORT", NULL };
static const char *const flag_words[] = { "fin", "syn", "rst", "psh", "ack",
    "urg", "ece", "cwr", NULL };	/* bit i = PARSE_TCP_* (1 << i) */

static int __attribute__((format(printf, 4, 0)))
cverr(struct cctx *x, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	int off;

	if (x->errlen == 0)
		return -1;
	off = snprintf(x->err, x->errlen, "%s:%u:%u: ", x->path, line, col);
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
static int __attribute__((format(printf, 3, 4)))
cerr(struct cctx *x, const struct cnode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cverr(x, n ? n->line : 1, n ? n->col : 1, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
cnode_kind(const struct cnode *n)
{
	return n->type == CN_MAP ? "a mapping" :
	    n->type == CN_SEQ ? "a list" :
	    n->len == 0 ? "an empty value" : "a scalar";
}

static void
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
static struct cnode *
tree_load(struct cctx *x, const unsigned char *buf, size_t len)
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
			if (p.context != NULL)
				cerr_at(x, m->line + 1, m->column + 1,
				    "YAML syntax error: %s %s (started at "
				    "line %zu)", p.problem ? p.problem :
				    "unknown error", p.context,
				    p.context_mark.line + 1);
			else
				cerr_at(x, m->line + 1, m->column + 1,
				    "YAML syntax error: %s", p.problem ?
				    p.problem : "unknown error");
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
static unsigned char *
file_read(struct cctx *x, size_t *lenp)
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

static unsigned
edit_distance(const char *a, const char *b)
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
static void
word_list(const char *const *words, const char *s, char *buf, size_t len,
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
		if (s != NULL && (d = edit_distance(s, words[i])) < bestd) {
			bestd = d;
			*best = words[i];
		}
	}
}

static int
unknown_key(struct cctx *x, const struct cnode *k, const char *where,
    const char *const *keys)
{
	const char *best;
	char list[256];

	word_list(keys, k->s, list, sizeof(list), &best);
	if (best != NULL)
		return cerr(x, k, "unknown key '%.64s' in %s; did you mean "
		    "'%s'? (valid keys: %s)", k->s, where, best, list);
	return cerr(x, k, "unknown key '%.64s' in %s (valid keys: %s)",
	    k->s, where, list);
}

static int
key_cmp(const void *a, const void *b)
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
static int
check_map(struct cctx *x, const struct cnode *m, const char *where,
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
	qsort(sorted, n, sizeof(*sorted), key_cmp);
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

static const struct cnode *
map_get(const struct cnode *m, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < m->nkid; i += 2)
		if (strcmp(m->kid[i]->s, key) == 0)
			return m->kid[i + 1];
	return NULL;
}

static int
get_scalar(struct cctx *x, const struct cnode *n, const char *key,
    const char *where)
{
	if (n->type != CN_SCALAR)
		return cerr(x, n, "'%s' in %s: expected a scalar, got %s",
		    key, where, cnode_kind(n));
	if (n->len == 0)
		return cerr(x, n, "'%s' in %s: empty value", key, where);
	return 0;
}

static int
get_str(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, char **out)
{
	if (get_scalar(x, n, key, where) == -1)
		return -1;
	if ((*out = strdup(n->s)) == NULL)
		return cerr(x, n, "out of memory");
	return 0;
}

/* Decimal digits only, no sign, value <= max. */
static int
parse_dec(const char *s, size_t len, unsigned long max, unsigned long *out)
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

static int
get_uint(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;

	if (n->type != CN_SCALAR)
		return cerr(x, n, "'%s' in %s: expected an integer from %u to "
		    "%u, got %s", key, where, lo, hi, cnode_kind(n));
	if (parse_dec(n->s, n->len, hi, &v) == -1 || v < lo)
		return cerr(x, n, "'%s' in %s: expected an integer from %u to "
		    "%u, got '%.32s'", key, where, lo, hi, n->s);
	*out = (unsigned)v;
	return 0;
}

static int
get_bool(struct cctx *x, const struct cnode *n, const char *key,
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

static int
get_range(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	const char *dash;

	if (get_scalar(x, n, key, where) == -1)
		return -1;
	dash = strchr(n->s, '-');
	if (dash == NULL || parse_dec(n->s, (size_t)(dash - n->s), 65535,
	    &a) == -1 || parse_dec(dash + 1, strlen(dash + 1), 65535, &b) ==
	    -1 || a < 1 || a > b)
		return cerr(x, n, "bad %s '%.32s' in %s: expected lo-hi with "
		    "1 <= lo <= hi <= 65535", key, n->s, where);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
name_ok(const char *s)
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

/* One "port[/proto]" knock. */
static int
get_knock(struct cctx *x, const struct cnode *n, const char *where,
    struct config_knock *k)
{
	const char *slash;
	unsigned long port;
	size_t plen;

	if (get_scalar(x, n, "sequence", where) == -1)
		return -1;
	slash = strchr(n->s, '/');
	plen = slash ? (size_t)(slash - n->s) : n->len;
	if (parse_dec(n->s, plen, 65535, &port) == -1 || port == 0)
		return cerr(x, n, "bad port '%.*s' in sequence of %s: expected "
		    "1..65535, optionally followed by /tcp or /udp",
		    (int)(plen > 32 ? 32 : plen), n->s, where);
	k->port = (uint16_t)port;
	k->proto = IPPROTO_TCP;
	if (slash == NULL || strcasecmp(slash + 1, "tcp") == 0)
		return 0;
	if (strcasecmp(slash + 1, "udp") == 0) {
		k->proto = IPPROTO_UDP;
		return 0;
	}
	return cerr(x, n, "bad protocol '%.32s' in sequence of %s: expected "
	    "tcp or udp", slash + 1, where);
}

/* "syn,!ack" into set/clear PARSE_TCP_* bits. */
static int
get_flags(struct cctx *x, const struct cnode *n, const char *where,
    uint8_t *set, uint8_t *clear)
{
	char word[16], list[128];
	const char *p, *e, *best;
	size_t len;
	int i, neg;

	if (get_scalar(x, n, "tcp_flags", where) == -1)
		return -1;
	*set = *clear = 0;
	for (p = n->s; ; p = e + 1) {
		while (*p == ' ' || *p == '\t')
			p++;
		neg = *p == '!';
		if (neg)
			p++;
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(word))
			return cerr(x, n, "bad tcp_flags in %s: empty or "
			    "overlong flag word", where);
		memcpy(word, p, len);
		word[len] = '\0';
		for (i = 0; flag_words[i] != NULL; i++)
			if (strcasecmp(word, flag_words[i]) == 0)
				break;
		if (flag_words[i] == NULL) {
			word_list(flag_words, word, list, sizeof(list), &best);
			return cerr(x, n, "unknown TCP flag '%s' in tcp_flags "
			    "of %s%s%s%s (valid: %s, each optionally negated "
			    "with !)", word, where, best ? "; did you mean '" :
			    "", best ? best : "", best ? "'?" : "", list);
		}
		if (((*set | *clear) >> i) & 1)
			return cerr(x, n, "TCP flag '%s' given twice in "
			    "tcp_flags of %s", flag_words[i], where);
		if (neg)
			*clear |= (uint8_t)(1u << i);
		else
			*set |= (uint8_t)(1u << i);
		if (*e == '\0')
			break;
	}
	return 0;
}

static void
argv_free(char **argv)
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
static int
get_argv(struct cctx *x, const struct cnode *n, const char *key,
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
	argv_free(argv);
	return -1;
}

/* argv[0] of a command must be an absolute path to an executable file. */
static int
check_exec(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const char *path)
{
	struct stat st;

	if (path[0] != '/')
		return cerr(x, n, "'%s' in %s: command path '%.200s' is not "
		    "absolute (give the full path, e.g. /usr/sbin/%.64s)",
		    key, where, path, path);
	/* The worker runs no command and cannot see them: the parent, which
	 * runs them, has checked. */
	if (x->o->no_exec_check)
		return 0;
	if (stat(path, &st) == -1)
		return cerr(x, n, "'%s' in %s: command '%.200s': %s", key,
		    where, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cerr(x, n, "'%s' in %s: command '%.200s' is not a "
		    "regular file", key, where, path);
	if (access(path, X_OK) == -1)
		return cerr(x, n, "'%s' in %s: command '%.200s' is not "
		    "executable", key, where, path);
	return 0;
}

/* Every %WORD% must be a known placeholder that means something here. */
static int
check_placeholders(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const char *s, const struct config_door *d)
{
	const char *e;
	size_t len;
	int i;

	for (; (s = strchr(s, '%')) != NULL; s++) {
		len = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_");
		e = s + 1 + len;
		if (len == 0 || *e != '%')
			continue;
		for (i = 0; placeholders[i] != NULL; i++)
			if (strlen(placeholders[i]) == len &&
			    strncmp(placeholders[i], s + 1, len) == 0)
				break;
		if (placeholders[i] == NULL)
			return cerr(x, n, "'%s' in %s: unknown placeholder "
			    "'%%%.*s%%' (valid: %%SRC%%, %%IP%%, %%DOOR%%, "
			    "%%USER%%, %%OPEN_PORT%%)", key, where,
			    (int)(len > 32 ? 32 : len), s + 1);
		if (strcmp(placeholders[i], "USER") == 0 && !d->is_hmac)
			return cerr(x, n, "'%s' in %s: %%USER%% is only "
			    "known in hmac doors", key, where);
		if (strcmp(placeholders[i], "OPEN_PORT") == 0 &&
		    !d->hmac.has_open)
			return cerr(x, n, "'%s' in %s: %%OPEN_PORT%% needs "
			    "hmac open_range", key, where);
		s = e;
	}
	return 0;
}

static int
get_cmd(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const struct config_door *d, struct config_cmd *cmd)
{
	const struct cnode *at;
	int i;

	if ((cmd->argc = get_argv(x, n, key, where, &cmd->argv)) == -1) {
		cmd->argc = 0;
		return -1;
	}
	for (i = 0; i < cmd->argc; i++) {
		at = n->type == CN_SEQ ? n->kid[i] : n;
		if (i == 0 && check_exec(x, at, key, where, cmd->argv[0]) == -1)
			return -1;
		if (check_placeholders(x, at, key, where, cmd->argv[i], d)
		    == -1)
			return -1;
	}
	return 0;
}

static int
load_source(struct cctx *x, const struct cnode *m, struct config_source *s)
{
	const char *where = "source";
	const struct cnode *f, *k, *c, *v;
	char perr[256];
	struct parser *p;
	size_t i;
	int on, argc;

	if (check_map(x, m, where, source_keys, NULL) == -1)
		return -1;
	f = map_get(m, "file");
	k = map_get(m, "kmsg");
	c = map_get(m, "command");
	if ((f != NULL) + (k != NULL) + (c != NULL) != 1)
		return cerr(x, m, "a source needs exactly one of file, kmsg "
		    "or command");
	if (f != NULL) {
		s->kind = CONFIG_SRC_FILE;
		if (get_str(x, f, "file", where, &s->path) == -1)
			return -1;
		if (s->path[0] != '/')
			return cerr(x, f, "source file '%.200s' is not an "
			    "absolute path", s->path);
	} else if (k != NULL) {
		s->kind = CONFIG_SRC_KMSG;
		if (get_bool(x, k, "kmsg", where, &on) == -1)
			return -1;
		if (!on)
			return cerr(x, k, "'kmsg: false' is not a source; "
			    "remove the entry instead");
	} else {
		s->kind = CONFIG_SRC_COMMAND;
		if ((argc = get_argv(x, c, "command", where, &s->argv)) == -1)
			return -1;
		v = c->type == CN_SEQ ? c->kid[0] : c;
		/* A bare name is looked up in PATH when it runs. */
		if (strchr(s->argv[0], '/') != NULL &&
		    check_exec(x, v, "command", where, s->argv[0]) == -1)
			return -1;
	}
	if ((v = map_get(m, "from_start")) != NULL) {
		if (get_bool(x, v, "from_start", where, &s->from_start) == -1)
			return -1;
		if (s->kind == CONFIG_SRC_COMMAND)
			return cerr(x, v, "from_start does not apply to a "
			    "command source");
	}
	if ((v = map_get(m, "prefix")) != NULL) {
		if (get_str(x, v, "prefix", where, &s->prefix) == -1)
			return -1;
		if (strlen(s->prefix) > CONFIG_MAX_PREFIX)
			return cerr(x, v, "prefix is %zu characters; nft's log "
			    "prefix allows at most %d (iptables' LOG 29)",
			    strlen(s->prefix), CONFIG_MAX_PREFIX);
		for (i = 0; s->prefix[i] != '\0'; i++)
			if ((unsigned char)s->prefix[i] < 0x20 ||
			    s->prefix[i] == 0x7f)
				return cerr(x, v, "prefix contains a control "
				    "character");
	}
	if ((v = map_get(m, "pattern")) != NULL) {
		if (get_str(x, v, "pattern", where, &s->pattern) == -1)
			return -1;
		perr[0] = '\0';
		if ((p = parse_new(s->prefix, s->pattern, perr,
		    sizeof(perr))) == NULL)
			return cerr(x, v, "bad pattern: %s",
			    perr[0] ? perr : "rejected");
		parse_free(p);
	}
	return 0;
}

static int
load_sources(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	size_t i;

	if (n->type != CN_SEQ)
		return cerr(x, n, "sources: expected a list, got %s",
		    cnode_kind(n));
	if (n->nkid == 0)
		return cerr(x, n, "no sources configured");
	if (n->nkid > KW_MAX_SOURCES)
		return cerr(x, n->kid[KW_MAX_SOURCES], "too many sources "
		    "(max %d)", KW_MAX_SOURCES);
	if ((c->sources = calloc(n->nkid, sizeof(*c->sources))) == NULL)
		return cerr(x, n, "out of memory");
	c->nsources = (int)n->nkid;
	for (i = 0; i < n->nkid; i++)
		if (load_source(x, n->kid[i], &c->sources[i]) == -1)
			return -1;
	return 0;
}

/* Hex text (already trimmed) into a key. Never echoes the text. */
static int
user_key_hex(struct cctx *x, const struct cnode *n, const char *what,
    const char *s, size_t len, struct config_user *u)
{
	size_t bad = 0;

	switch (key_from_hex(s, len, u->key, &u->keylen, &bad)) {
	case KEY_OK:
		return 0;
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

static int
key_from_file(struct cctx *x, const struct cnode *n, struct config_user *u)
{
	char buf[CONFIG_MAX_KEYFILE + 1];
	const char *path = n->s;
	size_t len = 0, start = 0;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	if (path[0] != '/')
		return cerr(x, n, "key_file '%.200s' of user '%s' is not an "
		    "absolute path", path, u->name);
	/* The parent never reads a key: it records where the key is. */
	if (x->o->no_keys)
		return (u->key_file = strdup(path)) == NULL ?
		    cerr(x, n, "out of memory") : 0;
	/* O_NONBLOCK: a FIFO must not hang the load; fstat rejects it. The
	 * worker asks the parent to open the file for it. */
	fd = x->o->open_key != NULL ? x->o->open_key(x->o->arg, path) :
	    open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1)
		return cerr(x, n, "key_file '%.200s' of user '%s' is "
		    "unreadable: %s", path, u->name, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cerr(x, n, "key_file '%.200s' of user '%s' is not a regular "
		    "file", path, u->name);
		goto out;
	}
	if (st.st_mode & 077) {
		cerr(x, n, "key_file '%.200s' of user '%s' is group/world "
		    "accessible (mode %04o); chmod 600 it", path, u->name,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < sizeof(buf)) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			cerr(x, n, "key_file '%.200s' of user '%s' is "
			    "unreadable: %s", path, u->name, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == sizeof(buf)) {
		cerr(x, n, "key_file '%.200s' of user '%s' is larger than %d "
		    "bytes", path, u->name, CONFIG_MAX_KEYFILE);
		goto out;
	}
	while (start < len && buf[start] != '\0' &&
	    strchr(" \t\r\n", buf[start]) != NULL)
		start++;
	while (len > start && buf[len - 1] != '\0' &&
	    strchr(" \t\r\n", buf[len - 1]) != NULL)
		len--;
	rc = user_key_hex(x, n, "key_file", buf + start, len - start, u);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

static int
user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_user *)a)->name,
	    ((const struct config_user *)b)->name);
}

static int
load_users(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	const struct cnode *name, *m, *key, *file;
	struct config_user *u;
	char where[96];
	size_t i;

	if (check_map(x, n, "users", NULL, "user") == -1)
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
		if (!name_ok(name->s))
			return cerr(x, name, "bad user name '%.64s': use 1 to "
			    "%d of A-Z a-z 0-9 _ . -", name->s, KW_NAME_MAX);
		if ((u->name = strdup(name->s)) == NULL)
			return cerr(x, name, "out of memory");
		snprintf(where, sizeof(where), "user '%s'", u->name);
		if (check_map(x, m, where, user_keys, NULL) == -1)
			return -1;
		key = map_get(m, "key");
		file = map_get(m, "key_file");
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
			if (get_scalar(x, key, "key", where) == -1 ||
			    user_key_hex(x, key, "key", key->s, key->len, u)
			    == -1)
				return -1;
			/* Checked, and not kept by the parent. */
			if (x->o->no_keys) {
				explicit_bzero(u->key, sizeof(u->key));
				u->keylen = 0;
			}
		} else if (get_scalar(x, file, "key_file", where) == -1 ||
		    key_from_file(x, file, u) == -1)
			return -1;
	}
	/* Sorted by name: config_user_index is a binary search. */
	qsort(c->users, (size_t)c->nusers, sizeof(*c->users), user_cmp);
	return 0;
}

static int
load_hmac(struct cctx *x, const struct cnode *m, const char *door,
    struct config_door *d)
{
	struct config *c = x->c;
	struct config_hmac *h = &d->hmac;
	const struct cnode *v, *lenat;
	char where[96], *seen = NULL;
	unsigned size, osize, olo, ohi, over;
	int i, j, tcp = 0, rc = -1;

	snprintf(where, sizeof(where), "hmac of door '%s'", door);
	if (check_map(x, m, where, hmac_keys, NULL) == -1)
		return -1;
	d->is_hmac = 1;
	h->length = 4;
	h->lo = 20000;
	h->hi = 59999;
	h->period = 30;
	h->skew = 1;
	if (c->nusers == 0)
		return cerr(x, m, "hmac door '%s' has no users; define them "
		    "under 'users:'", door);
	if ((seen = calloc((size_t)c->nusers, 1)) == NULL)
		return cerr(x, m, "out of memory");
	if ((v = map_get(m, "users")) != NULL) {
		if (v->type != CN_SEQ || v->nkid == 0) {
			cerr(x, v, "'users' in %s: expected a non-empty list "
			    "of user names", where);
			goto out;
		}
		h->users = calloc(v->nkid, sizeof(*h->users));
		if (h->users == NULL) {
			cerr(x, v, "out of memory");
			goto out;
		}
		for (i = 0; i < (int)v->nkid; i++) {
			if (get_scalar(x, v->kid[i], "users", where) == -1)
				goto out;
			if ((j = config_user_index(c, v->kid[i]->s)) == -1) {
				cerr(x, v->kid[i], "unknown user '%.64s' in "
				    "%s (users are defined under 'users:')",
				    v->kid[i]->s, where);
				goto out;
			}
			if (seen[j]) {
				cerr(x, v->kid[i], "user '%s' listed twice in "
				    "%s", v->kid[i]->s, where);
				goto out;
			}
			seen[j] = 1;
			h->users[h->nusers++] = j;
		}
	} else {
		h->users = calloc((size_t)c->nusers, sizeof(*h->users));
		if (h->users == NULL) {
			cerr(x, m, "out of memory");
			goto out;
		}
		for (i = 0; i < c->nusers; i++)
			h->users[h->nusers++] = i;
	}
	if ((v = map_get(m, "range")) != NULL &&
	    get_range(x, v, "range", where, &h->lo, &h->hi) == -1)
		goto out;
	lenat = v != NULL ? v : m;
	if ((v = map_get(m, "length")) != NULL) {
		if (get_uint(x, v, "length", where, 0, UINT16_MAX, &h->length))
			goto out;
		if (h->length < 2 || h->length > KW_MAX_SEQ) {
			cerr(x, v, "length %u in %s: a knockwatch/2 sequence "
			    "has 2 to %d knocks", h->length, where, KW_MAX_SEQ);
			goto out;
		}
		lenat = v;
	}
	size = (unsigned)h->hi - h->lo + 1;
	if (h->length > size) {
		cerr(x, lenat, "length %u in %s is larger than the range "
		    "%u-%u (%u ports): a sequence never repeats a port",
		    h->length, where, h->lo, h->hi, size);
		goto out;
	}
	if ((v = map_get(m, "period")) != NULL &&
	    get_uint(x, v, "period", where, 1, 3600, &h->period) == -1)
		goto out;
	if ((v = map_get(m, "skew")) != NULL &&
	    get_uint(x, v, "skew", where, 0, 10, &h->skew) == -1)
		goto out;
	if ((v = map_get(m, "bind_source")) != NULL &&
	    get_bool(x, v, "bind_source", where, &h->bind_source) == -1)
		goto out;
	if ((v = map_get(m, "protocols")) != NULL) {
		if (v->type != CN_SEQ || v->nkid == 0 || v->nkid > 2) {
			cerr(x, v, "'protocols' in %s: expected [tcp] or "
			    "[tcp, udp]", where);
			goto out;
		}
		for (i = 0; i < (int)v->nkid; i++) {
			if (get_scalar(x, v->kid[i], "protocols", where) == -1)
				goto out;
			if (strcasecmp(v->kid[i]->s, "tcp") == 0 && !tcp)
				tcp = 1;
			else if (strcasecmp(v->kid[i]->s, "udp") == 0 &&
			    !h->udp)
				h->udp = 1;
			else {
				cerr(x, v->kid[i], "bad protocol '%.32s' in "
				    "protocols of %s: expected tcp or udp, "
				    "each once", v->kid[i]->s, where);
				goto out;
			}
		}
		if (!tcp) {
			cerr(x, v, "'protocols' in %s must include tcp "
			    "(knockwatch/2 knows [tcp] and [tcp, udp])",
			    where);
			goto out;
		}
	}
	if ((v = map_get(m, "open_range")) != NULL) {
		if (get_range(x, v, "open_range", where, &h->open_lo,
		    &h->open_hi) == -1)
			goto out;
		h->has_open = 1;
		/* The open port excludes the knock ports: never run dry. */
		osize = (unsigned)h->open_hi - h->open_lo + 1;
		olo = h->open_lo > h->lo ? h->open_lo : h->lo;
		ohi = h->open_hi < h->hi ? h->open_hi : h->hi;
		over = olo <= ohi ? ohi - olo + 1 : 0;
		if (over > h->length)
			over = h->length;
		if (osize <= over) {
			cerr(x, v, "open_range %u-%u in %s can be used up by "
			    "the %u knock ports; make it larger or disjoint "
			    "from range", h->open_lo, h->open_hi, where,
			    h->length);
			goto out;
		}
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

/* key: [CIDR, ...] (a single scalar is one entry). */
static int
get_cidrs(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, struct kw_cidr **out, int *nout)
{
	const struct cnode *one = n;
	size_t cnt = 1;

	if (n->type == CN_SEQ)
		cnt = n->nkid;
	else if (get_scalar(x, n, key, where) == -1)
		return -1;
	if (cnt > KW_MAX_CIDRS)
		return cerr(x, n, "%s of %s: at most %d networks", key, where,
		    KW_MAX_CIDRS);
	if ((*out = calloc(cnt + 1, sizeof(**out))) == NULL)
		return cerr(x, n, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		if (n->type == CN_SEQ) {
			one = n->kid[i];
			if (get_scalar(x, one, key, where) == -1)
				return -1;
		}
		if (addr_cidr_parse(one->s, &(*out)[i]) == -1)
			return cerr(x, one, "%s of %s: '%.64s' is not an "
			    "address or network (like 192.0.2.0/24 or "
			    "2001:db8::/32, host bits clear)", key, where,
			    one->s);
		*nout = (int)i + 1;
	}
	return 0;
}

static int
load_acl(struct cctx *x, const struct cnode *m, const char *where,
    struct config_acl *acl)
{
	const struct cnode *v;

	if ((v = map_get(m, "allow")) != NULL &&
	    get_cidrs(x, v, "allow", where, &acl->allow, &acl->nallow) == -1)
		return -1;
	if ((v = map_get(m, "deny")) != NULL &&
	    get_cidrs(x, v, "deny", where, &acl->deny, &acl->ndeny) == -1)
		return -1;
	return 0;
}

int
config_acl_ok(const struct config_acl *acl, const struct kw_addr *a)
{
	if (acl->ndeny > 0 && addr_in_any(a, acl->deny, acl->ndeny))
		return 0;
	return acl->nallow == 0 || addr_in_any(a, acl->allow, acl->nallow);
}

static int
load_door(struct cctx *x, const struct cnode *name, const struct cnode *m,
    struct config_door *d)
{
	const struct cnode *seq, *hm, *v;
	char where[96];
	size_t i;

	if (!name_ok(name->s))
		return cerr(x, name, "bad door name '%.64s': use 1 to %d of "
		    "A-Z a-z 0-9 _ . -", name->s, KW_NAME_MAX);
	if ((d->name = strdup(name->s)) == NULL)
		return cerr(x, name, "out of memory");
	snprintf(where, sizeof(where), "door '%s'", d->name);
	if (check_map(x, m, where, door_keys, NULL) == -1)
		return -1;
	d->timeout = 10;
	d->cmd_timeout = 10;
	if (load_acl(x, m, where, &d->acl) == -1)
		return -1;
	seq = map_get(m, "sequence");
	hm = map_get(m, "hmac");
	if (seq != NULL && hm != NULL)
		return cerr(x, hm, "door '%s' has both sequence and hmac; "
		    "choose one", d->name);
	if (seq == NULL && hm == NULL)
		return cerr(x, name, "door '%s' needs a sequence or an hmac "
		    "section", d->name);
	if (seq != NULL) {
		if (seq->type != CN_SEQ)
			return cerr(x, seq, "sequence of %s: expected a list "
			    "like [7000/tcp, 8000/udp], got %s", where,
			    cnode_kind(seq));
		if (seq->nkid == 0)
			return cerr(x, seq, "empty sequence in %s", where);
		if (seq->nkid > KW_MAX_SEQ)
			return cerr(x, seq->kid[KW_MAX_SEQ], "too many knocks "
			    "in sequence of %s (max %d)", where, KW_MAX_SEQ);
		for (i = 0; i < seq->nkid; i++)
			if (get_knock(x, seq->kid[i], where, &d->seq[i]) == -1)
				return -1;
		d->nseq = (int)seq->nkid;
	} else if (load_hmac(x, hm, d->name, d) == -1)
		return -1;
	if ((v = map_get(m, "timeout")) != NULL &&
	    get_uint(x, v, "timeout", where, 1, 3600, &d->timeout) == -1)
		return -1;
	if ((v = map_get(m, "stop_after")) != NULL &&
	    get_uint(x, v, "stop_after", where, 0, 86400, &d->stop_after))
		return -1;
	if ((v = map_get(m, "cmd_timeout")) != NULL &&
	    get_uint(x, v, "cmd_timeout", where, 1, 3600, &d->cmd_timeout))
		return -1;
	if ((v = map_get(m, "tcp_flags")) != NULL) {
		if (get_flags(x, v, where, &d->flags_set, &d->flags_clear))
			return -1;
		d->has_flags = 1;
	}
	if ((v = map_get(m, "start")) == NULL)
		return cerr(x, name, "door '%s' has no start command (add "
		    "start: [/path/to/action, ...])", d->name);
	if (get_cmd(x, v, "start", where, d, &d->start) == -1)
		return -1;
	if ((v = map_get(m, "stop")) != NULL) {
		if (get_cmd(x, v, "stop", where, d, &d->stop) == -1)
			return -1;
		if (d->stop_after == 0)
			return cerr(x, v, "door '%s' has a stop command but "
			    "no stop_after, so it would never run", d->name);
	} else if (d->stop_after > 0)
		return cerr(x, map_get(m, "stop_after"), "door '%s' has "
		    "stop_after but no stop command", d->name);
	return 0;
}

static int
load_doors(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	size_t i;

	if (check_map(x, n, "doors", NULL, "door") == -1)
		return -1;
	if (n->nkid == 0)
		return cerr(x, n, "no doors configured");
	if (n->nkid / 2 > KW_MAX_DOORS)
		return cerr(x, n->kid[2 * KW_MAX_DOORS], "too many doors "
		    "(max %d)", KW_MAX_DOORS);
	if ((c->doors = calloc(n->nkid / 2, sizeof(*c->doors))) == NULL)
		return cerr(x, n, "out of memory");
	c->ndoors = (int)(n->nkid / 2);
	for (i = 0; i < n->nkid; i += 2)
		if (load_door(x, n->kid[i], n->kid[i + 1],
		    &c->doors[i / 2]) == -1)
			return -1;
	return 0;
}

/* user: the account the worker runs as (default nobody). The parent and
 * `-n` look it up; the worker, which has dropped to it, does not. */
static int
load_user(struct cctx *x, const struct cnode *root)
{
	struct config *c = x->c;
	const struct cnode *v = map_get(root, "user");
	struct passwd *pw;

	if (v != NULL) {
		if (get_str(x, v, "user", "the top level", &c->run_user) == -1)
			return -1;
		if (!name_ok(c->run_user) || c->run_user[0] == '-')
			return cerr(x, v, "user '%.64s': expected an account "
			    "name", c->run_user);
	} else if ((c->run_user = strdup("nobody")) == NULL)
		return cerr(x, root, "out of memory");
	if (x->o->no_exec_check)
		return 0;
	errno = 0;
	if ((pw = getpwnam(c->run_user)) == NULL)
		return cerr(x, v ? v : root, "user '%s' (the account the "
		    "worker runs as) does not exist%s", c->run_user,
		    v ? "" : "; create it or set user:");
	if (pw->pw_uid == 0)
		return cerr(x, v ? v : root, "user '%s' is uid 0: the worker "
		    "that reads log text must not run as root", c->run_user);
	c->run_uid = pw->pw_uid;
	c->run_gid = pw->pw_gid;
	return 0;
}

static int
load_top(struct cctx *x, const struct cnode *root)
{
	struct config *c = x->c;
	const char *where = "the top level";
	const struct cnode *v;

	if (check_map(x, root, where, top_keys, NULL) == -1)
		return -1;
	if ((v = map_get(root, "state_dir")) != NULL) {
		if (get_str(x, v, "state_dir", where, &c->state_dir) == -1)
			return -1;
		if (c->state_dir[0] != '/')
			return cerr(x, v, "state_dir '%.200s' is not an "
			    "absolute path", c->state_dir);
	} else if ((c->state_dir = strdup("/var/lib/knockwatch")) == NULL)
		return cerr(x, root, "out of memory");
	if ((v = map_get(root, "log")) != NULL) {
		if (get_scalar(x, v, "log", where) == -1)
			return -1;
		if (strcmp(v->s, "syslog") == 0)
			c->log_syslog = 1;
		else if (strcmp(v->s, "stderr") != 0)
			return cerr(x, v, "log: expected stderr or syslog, "
			    "got '%.32s'", v->s);
	}
	if ((v = map_get(root, "runtime_dir")) != NULL) {
		if (get_str(x, v, "runtime_dir", where, &c->runtime_dir) == -1)
			return -1;
		if (c->runtime_dir[0] != '/' || strlen(c->runtime_dir) > 80)
			return cerr(x, v, "runtime_dir '%.200s': expected an "
			    "absolute path of at most 80 characters",
			    c->runtime_dir);
	} else if ((c->runtime_dir = strdup("/run/knockwatch")) == NULL)
		return cerr(x, root, "out of memory");
	if (load_acl(x, root, where, &c->acl) == -1)
		return -1;
	if (load_user(x, root) == -1)
		return -1;
	c->penalty_failures = 10;
	c->penalty_window = 60;
	c->penalty_ban = 300;
	if ((v = map_get(root, "penalty")) != NULL) {
		const struct cnode *p;
		if (check_map(x, v, "penalty", penalty_keys, NULL) == -1)
			return -1;
		if ((p = map_get(v, "failures")) != NULL &&
		    get_uint(x, p, "failures", "penalty", 0, 100000,
		    &c->penalty_failures) == -1)
			return -1;
		if ((p = map_get(v, "window")) != NULL &&
		    get_uint(x, p, "window", "penalty", 1, 86400,
		    &c->penalty_window) == -1)
			return -1;
		if ((p = map_get(v, "ban")) != NULL &&
		    get_uint(x, p, "ban", "penalty", 1, 604800,
		    &c->penalty_ban) == -1)
			return -1;
	}
	c->max_tracked = 65536;
	c->max_actions = 16;
	c->rotate_grace = 30;
	if ((v = map_get(root, "max_tracked")) != NULL &&
	    get_uint(x, v, "max_tracked", where, 16, 16777216,
	    &c->max_tracked) == -1)
		return -1;
	if ((v = map_get(root, "max_actions")) != NULL &&
	    get_uint(x, v, "max_actions", where, 1, 1024,
	    &c->max_actions) == -1)
		return -1;
	if ((v = map_get(root, "rotate_grace")) != NULL &&
	    get_uint(x, v, "rotate_grace", where, 0, 3600,
	    &c->rotate_grace) == -1)
		return -1;
	if ((v = map_get(root, "sources")) == NULL)
		return cerr(x, root, "no sources configured (add sources: "
		    "[{file: /var/log/kern.log}])");
	if (load_sources(x, v) == -1)
		return -1;
	/* Users before doors: hmac doors refer to them. */
	if ((v = map_get(root, "users")) != NULL && load_users(x, v) == -1)
		return -1;
	if ((v = map_get(root, "doors")) == NULL)
		return cerr(x, root, "no doors configured");
	return load_doors(x, v);
}

/* Contract in config.h: NULL and "FILE:LINE:COL: ..." in err on failure;
 * the caller owns the result and frees it with config_free. */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	return config_load_opts(path, &config_defaults, err, errlen);
}

struct config *
config_load_opts(const char *path, const struct config_opts *o, char *err,
    size_t errlen)
{
	struct cctx x = { path, err, errlen, NULL, o, 0 };
	struct cnode *root = NULL;
	unsigned char *buf;
	size_t len = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((buf = file_read(&x, &len)) == NULL)
		return NULL;
	root = tree_load(&x, buf, len);
	explicit_bzero(buf, len);
	free(buf);
	if (root == NULL)
		return NULL;
	if ((x.c = calloc(1, sizeof(*x.c))) == NULL ||
	    (x.c->path = strdup(path)) == NULL) {
		cerr(&x, NULL, "out of memory");
		goto fail;
	}
	if (load_top(&x, root) == -1)
		goto fail;
	cnode_free(root);
	return x.c;
fail:
	cnode_free(root);
	config_free(x.c);
	return NULL;
}

/* Frees c and everything it owns, wiping keys first. NULL is allowed. */
void
config_free(struct config *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsources; i++) {
		free(c->sources[i].path);
		argv_free(c->sources[i].argv);
		free(c->sources[i].prefix);
		free(c->sources[i].pattern);
	}
	for (i = 0; i < c->ndoors; i++) {
		free(c->doors[i].name);
		free(c->doors[i].hmac.users);
		argv_free(c->doors[i].start.argv);
		argv_free(c->doors[i].stop.argv);
		free(c->doors[i].acl.allow);
		free(c->doors[i].acl.deny);
	}
	for (i = 0; i < c->nusers; i++) {
		explicit_bzero(c->users[i].key, sizeof(c->users[i].key));
		free(c->users[i].name);
		free(c->users[i].key_file);
	}
	free(c->sources);
	free(c->doors);
	free(c->users);
	free(c->state_dir);
	free(c->runtime_dir);
	free(c->run_user);
	free(c->acl.allow);
	free(c->acl.deny);
	free(c->path);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* Prints s bare when it is unambiguous, else single-quoted, with control
 * bytes as \xHH. */
static void
print_word(FILE *fp, const char *s)
{
	const char *p;

	if (*s != '\0' && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
	    "mnopqrstuvwxyz0123456789_./%:=@+,-")] == '\0') {
		fputs(s, fp);
		return;
	}
	fputc('\'', fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", fp);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, fp);
	}
	fputc('\'', fp);
}

static void
print_argv(FILE *fp, char *const *argv)
{
	int i;

	for (i = 0; argv[i] != NULL; i++) {
		fputc(' ', fp);
		print_word(fp, argv[i]);
	}
}

static void
print_door(const struct config *c, const struct config_door *d, FILE *fp,
    int verbose)
{
	const struct config_hmac *h = &d->hmac;
	const char *sep = "";
	int i;

	fprintf(fp, "door %s: %s", d->name, d->is_hmac ? "hmac" : "static");
	if (d->is_hmac) {
		fputs(" users ", fp);
		for (i = 0; i < h->nusers; i++)
			fprintf(fp, "%s%s", i ? "," : "",
			    c->users[h->users[i]].name);
		fprintf(fp, " length %u range %u-%u period %us skew %u%s %s",
		    h->length, h->lo, h->hi, h->period, h->skew,
		    h->bind_source ? " bind_source" : "",
		    h->udp ? "tcp,udp" : "tcp");
		if (h->has_open)
			fprintf(fp, " open_range %u-%u", h->open_lo,
			    h->open_hi);
	} else
		for (i = 0; i < d->nseq; i++)
			fprintf(fp, " %s/%u", d->seq[i].proto == IPPROTO_UDP ?
			    "udp" : "tcp", d->seq[i].port);
	if (d->has_flags) {
		fputs(" tcp_flags ", fp);
		for (i = 0; flag_words[i] != NULL; i++)
			if ((d->flags_set >> i) & 1) {
				fprintf(fp, "%s%s", sep, flag_words[i]);
				sep = ",";
			}
		for (i = 0; flag_words[i] != NULL; i++)
			if ((d->flags_clear >> i) & 1) {
				fprintf(fp, "%s!%s", sep, flag_words[i]);
				sep = ",";
			}
	}
	fprintf(fp, " timeout %us", d->timeout);
	if (d->stop_after > 0)
		fprintf(fp, " stop_after %us", d->stop_after);
	fputc('\n', fp);
	if (verbose <= 0)
		return;
	fputs("  start", fp);
	print_argv(fp, d->start.argv);
	fputc('\n', fp);
	if (d->stop.argc > 0) {
		fputs("  stop", fp);
		print_argv(fp, d->stop.argv);
		fputc('\n', fp);
	}
	fprintf(fp, "  cmd_timeout %us\n", d->cmd_timeout);
}

/* One line per door; verbose > 0 adds settings, sources, users (SHA-256
 * fingerprints, never keys) and commands. Writes only to fp. */
void
config_print(const struct config *c, FILE *fp, int verbose)
{
	const struct config_source *s;
	unsigned char md[32];
	int i, j;

	if (verbose > 0) {
		fputs("state_dir ", fp);
		print_word(fp, c->state_dir);
		fprintf(fp, "\nlog %s\nmax_tracked %u max_actions %u "
		    "rotate_grace %us\n", c->log_syslog ? "syslog" : "stderr",
		    c->max_tracked, c->max_actions, c->rotate_grace);
		for (i = 0; i < c->nsources; i++) {
			s = &c->sources[i];
			fputs("source ", fp);
			if (s->kind == CONFIG_SRC_FILE) {
				fputs("file ", fp);
				print_word(fp, s->path);
			} else if (s->kind == CONFIG_SRC_KMSG)
				fputs("kmsg", fp);
			else {
				fputs("command", fp);
				print_argv(fp, s->argv);
			}
			if (s->prefix != NULL) {
				fputs(" prefix ", fp);
				print_word(fp, s->prefix);
			}
			if (s->pattern != NULL) {
				fputs(" pattern ", fp);
				print_word(fp, s->pattern);
			}
			fputs(s->from_start ? " from_start\n" : "\n", fp);
		}
		/* Safe to repeat; the daemon normally initialised it. */
		if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
			gcry_check_version(NULL);
		for (i = 0; i < c->nusers; i++) {
			gcry_md_hash_buffer(GCRY_MD_SHA256, md, c->users[i].key,
			    c->users[i].keylen);
			fprintf(fp, "user %s: key fingerprint ",
			    c->users[i].name);
			for (j = 0; j < 8; j++)
				fprintf(fp, "%02x", md[j]);
			fputc('\n', fp);
			explicit_bzero(md, sizeof(md));
		}
	}
	for (i = 0; i < c->ndoors; i++)
		print_door(c, &c->doors[i], fp, verbose);
}

/* Index of the named door, or -1 (linear: at most KW_MAX_DOORS). */
int
config_door_index(const struct config *c, const char *name)
{
	int i;

	for (i = 0; i < c->ndoors; i++)
		if (strcmp(c->doors[i].name, name) == 0)
			return i;
	return -1;
}

/* Index of the named user, or -1 (binary search: users are sorted). */
int
config_user_index(const struct config *c, const char *name)
{
	int lo = 0, hi = c->nusers - 1, mid, r;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = strcmp(name, c->users[mid].name)) == 0)
			return mid;
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}
