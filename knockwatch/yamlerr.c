/* yamlerr.c — turns libyaml's syntax errors into what an administrator
 * did: a tab where YAML wants spaces, a line indented to no block (naming
 * the blocks above it and where each started). Pure text work on the
 * config's bytes; knows no key's meaning. */
#include "yamlerr.h"

#include <stdio.h>
#include <string.h>

#define YAMLERR_BLOCKS	3	/* enclosing blocks named in a message */

struct yline {
	const unsigned char *s;	/* start of the line */
	size_t len;		/* without the newline */
	unsigned ind;		/* leading spaces */
	unsigned kc;		/* column (0-based) of its key, after "- " */
	int content;		/* not blank, not a comment */
};

/* Line n (1-based) of buf, or 0 when there is none. */
static int
get_line(const unsigned char *buf, size_t len, unsigned n, struct yline *l)
{
	size_t off = 0, e;
	unsigned i = 1;

	while (i < n) {
		const unsigned char *nl = memchr(buf + off, '\n', len - off);

		if (nl == NULL)
			return 0;
		off = (size_t)(nl - buf) + 1;
		i++;
	}
	if (off > len)
		return 0;
	l->s = buf + off;
	for (e = off; e < len && buf[e] != '\n'; e++)
		;
	l->len = e - off;
	for (l->ind = 0; l->ind < l->len && l->s[l->ind] == ' '; l->ind++)
		;
	l->kc = l->ind;
	while (l->kc + 1 < l->len && l->s[l->kc] == '-' &&
	    l->s[l->kc + 1] == ' ') {
		l->kc += 2;
		while (l->kc < l->len && l->s[l->kc] == ' ')
			l->kc++;
	}
	l->content = l->ind < l->len && l->s[l->ind] != '#' &&
	    l->s[l->ind] != '\r' && l->s[l->ind] != '\t';
	return 1;
}

/* The line's key (up to ':'), at most 40 bytes, for messages. */
static void
key_of(const struct yline *l, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = l->kc; i < l->len && l->s[i] != ':' && l->s[i] != '\r' &&
	    n + 1 < outlen && n < 40; i++)
		out[n++] = (l->s[i] >= 0x20 && l->s[i] < 0x7f) ?
		    (char)l->s[i] : '?';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int
indentation_problem(const char *p)
{
	return strcmp(p, "did not find expected key") == 0 ||
	    strcmp(p, "did not find expected '-' indicator") == 0 ||
	    strcmp(p, "mapping values are not allowed in this context") == 0 ||
	    strcmp(p, "block sequence entries are not allowed in this "
	    "context") == 0;
}

void
yamlerr_explain(const unsigned char *buf, size_t len, unsigned line,
    unsigned col, const char *problem, char *out, size_t outlen)
{
	struct {
		unsigned col, first;
	} blk[YAMLERR_BLOCKS];
	struct yline el, l, op;
	unsigned n, threshold = ~0U, nb = 0, i;
	char key[48], bkey[48];
	size_t off;

	snprintf(out, outlen, "YAML syntax error: %s", problem);
	if (!get_line(buf, len, line, &el))
		return;
	/* A tab in the indentation, or where the parser stopped. */
	if ((col >= 1 && col <= el.len && el.s[col - 1] == '\t') ||
	    (el.ind < el.len && el.s[el.ind] == '\t')) {
		snprintf(out, outlen, "a tab character in the indentation: "
		    "YAML indents with spaces only (replace the tab with "
		    "spaces)");
		return;
	}
	/* %SRC% and the other placeholders: '%' (and '@', '`') cannot start
	 * a plain scalar, so libyaml's complaint names no cause. */
	if (strcmp(problem, "found character that cannot start any token")
	    == 0 && col >= 1 && col <= el.len && (el.s[col - 1] == '%' ||
	    el.s[col - 1] == '@' || el.s[col - 1] == '`')) {
		for (i = 0, off = col - 1; off < el.len && i + 1 < sizeof(key) &&
		    strchr(",]} \r#", el.s[off]) == NULL; off++)
			key[i++] = (el.s[off] >= 0x20 && el.s[off] < 0x7f) ?
			    (char)el.s[off] : '?';
		key[i] = '\0';
		snprintf(out, outlen, "a YAML value cannot start with '%c' "
		    "unless it is quoted: quote it: \"%s\"", el.s[col - 1],
		    key);
		return;
	}
	if (!indentation_problem(problem) || !el.content)
		return;
	/* The blocks above the line: each shallower than the one below. */
	for (n = line - 1; n >= 1 && get_line(buf, len, n, &l); n--) {
		if (!l.content)
			continue;
		if (l.kc < threshold) {
			if (nb == YAMLERR_BLOCKS)
				break;
			blk[nb].col = l.kc;
			blk[nb].first = n;
			nb++;
			threshold = l.kc;
		} else if (l.kc == threshold)
			blk[nb - 1].first = n;
	}
	for (i = 0; i < nb; i++)
		if (blk[i].col == el.kc)
			return;		/* it lines up: not an indentation slip */
	if (nb == 0)
		return;
	key_of(&el, key, sizeof(key));
	off = (size_t)snprintf(out, outlen, "bad indentation: '%s' (%u "
	    "spaces) lines up with no block above it: ", key, el.kc);
	for (i = 0; i < nb && off < outlen; i++) {
		/* A block is named by the key that opens it, the content
		 * line before its first line. */
		bkey[0] = '\0';
		for (n = blk[i].first - 1; n >= 1 &&
		    get_line(buf, len, n, &op); n--)
			if (op.content) {
				key_of(&op, bkey, sizeof(bkey));
				break;
			}
		if (blk[i].col == 0 || bkey[0] == '\0')
			off += (size_t)snprintf(out + off, outlen - off,
			    "%sthe top level at 0", i == 0 ? "it breaks " :
			    i == 1 ? "; enclosing blocks: " : ", ");
		else if (i == 0)
			off += (size_t)snprintf(out + off, outlen - off,
			    "it breaks the block of '%s' (started at line %u, "
			    "keys at %u spaces)", bkey, blk[i].first,
			    blk[i].col);
		else
			off += (size_t)snprintf(out + off, outlen - off,
			    "%s'%s' (line %u) at %u", i == 1 ? "; enclosing "
			    "blocks: " : ", ", bkey, blk[i].first, blk[i].col);
	}
	if (off < outlen)
		snprintf(out + off, outlen - off, "%s",
		    el.kc > blk[0].col ? " (a key deeper than the line above "
		    "needs that line to open a block: 'key:' with no value)" :
		    "");
}
