/* test_linebuf.c — the line splitter: lines whole and in pieces, a line of
 * exactly max bytes and one more, overlong lines dropped (DROP) or cut
 * (CUT) and counted, in-place delivery, skip, drop, flush, stop, empty
 * lines and NUL bytes. */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "test.h"

#define MAX 8

struct got {
	char line[16][MAX + 1];
	size_t len[16];
	char *where[16];
	int n, stop_at;
};

static int
cb(void *arg, char *line, size_t len)
{
	struct got *g = arg;

	T_OK(len <= MAX, "a line of %zu bytes delivered", len);
	T_OK(line[len] == '\0', "line not NUL-terminated");
	if (g->n < 16) {
		memcpy(g->line[g->n], line, len + 1);
		g->len[g->n] = len;
		g->where[g->n] = line;
	}
	g->n++;
	return g->stop_at != 0 && g->n == g->stop_at;
}

static void
feed(struct linebuf *lb, struct got *g, const char *s)
{
	char tmp[256];
	size_t n = strlen(s);

	memcpy(tmp, s, n);
	(void)linebuf_feed(lb, tmp, n, cb, g);
}

int
main(void)
{
	struct linebuf lb;
	struct got g;
	char buf[MAX + 1], in[64];

	/* Whole lines: delivered in place, without a copy; empty ones too. */
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, buf, MAX, LINEBUF_DROP);
	strcpy(in, "ab\n\ncd\n");
	T_INTEQ(linebuf_feed(&lb, in, strlen(in), cb, &g), 0);
	T_INTEQ(g.n, 3);
	T_STREQ(g.line[0], "ab");
	T_OK(g.where[0] == in, "first line copied");
	T_INTEQ(g.len[1], 0);
	T_STREQ(g.line[2], "cd");
	T_INTEQ(lb.lines, 3);

	/* In pieces: kept in the buffer; exactly MAX is fine. */
	memset(&g, 0, sizeof(g));
	feed(&lb, &g, "1234");
	T_INTEQ(g.n, 0);
	T_INTEQ(lb.len, 4);
	feed(&lb, &g, "5678\nx");
	T_INTEQ(g.n, 1);
	T_STREQ(g.line[0], "12345678");
	T_OK(g.where[0] == buf, "a line in pieces is not in the buffer");
	T_INTEQ(lb.overlong, 0);
	T_INTEQ(linebuf_drop(&lb), 1);	/* "x" */

	/* One more than MAX: dropped whole (also its tail in a later read),
	 * counted once; the next line is intact. */
	memset(&g, 0, sizeof(g));
	feed(&lb, &g, "123456789\nok\n");
	T_INTEQ(g.n, 1);
	T_STREQ(g.line[0], "ok");
	T_INTEQ(lb.overlong, 1);
	feed(&lb, &g, "12345");
	feed(&lb, &g, "6789abc");
	feed(&lb, &g, "def\nok2\n");
	T_INTEQ(g.n, 2);
	T_STREQ(g.line[1], "ok2");
	T_INTEQ(lb.overlong, 2);

	/* CUT: the first MAX bytes, at the newline; at flush too. */
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, buf, MAX, LINEBUF_CUT);
	feed(&lb, &g, "abcdefghijk\nl\n");
	T_INTEQ(g.n, 2);
	T_STREQ(g.line[0], "abcdefgh");
	T_STREQ(g.line[1], "l");
	feed(&lb, &g, "abc");
	feed(&lb, &g, "defghij");
	T_INTEQ(g.n, 2);
	feed(&lb, &g, "klm\n");
	T_INTEQ(g.n, 3);
	T_STREQ(g.line[2], "abcdefgh");
	T_INTEQ(lb.overlong, 2);
	feed(&lb, &g, "0123456789");
	T_INTEQ(linebuf_flush(&lb, cb, &g), 0);
	T_INTEQ(g.n, 4);
	T_STREQ(g.line[3], "01234567");
	T_INTEQ(linebuf_flush(&lb, cb, &g), 0);
	T_INTEQ(g.n, 4);

	/* DROP: flush delivers a partial line, not the head of an overlong
	 * one. */
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, buf, MAX, LINEBUF_DROP);
	feed(&lb, &g, "tail");
	linebuf_flush(&lb, cb, &g);
	T_INTEQ(g.n, 1);
	T_STREQ(g.line[0], "tail");
	feed(&lb, &g, "0123456789");
	linebuf_flush(&lb, cb, &g);
	T_INTEQ(g.n, 1);
	feed(&lb, &g, "after\n");
	T_INTEQ(g.n, 2);
	T_STREQ(g.line[1], "after");

	/* skip: up to the next newline, not counted as overlong. */
	memset(&g, 0, sizeof(g));
	linebuf_init(&lb, buf, MAX, LINEBUF_DROP);
	linebuf_skip(&lb);
	feed(&lb, &g, "rest of ");
	feed(&lb, &g, "a line\nnext\n");
	T_INTEQ(g.n, 1);
	T_STREQ(g.line[0], "next");
	T_INTEQ(lb.overlong, 0);

	/* stop: the rest of the bytes is discarded. */
	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	strcpy(in, "a\nb\nc\n");
	T_INTEQ(linebuf_feed(&lb, in, strlen(in), cb, &g), 1);
	T_INTEQ(g.n, 2);

	/* NUL bytes stay inside the line; len counts them. */
	memset(&g, 0, sizeof(g));
	memcpy(in, "a\0b\n", 4);
	linebuf_feed(&lb, in, 4, cb, &g);
	T_INTEQ(g.n, 1);
	T_INTEQ(g.len[0], 3);
	return t_done();
}
