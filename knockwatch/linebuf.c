/* linebuf.c — the one line splitter: bytes in, lines of at most max bytes
 * out, with a fixed buffer for a line that spans two reads. A line that
 * arrives whole is delivered where it lies, without a copy. It never
 * allocates and never looks at a byte other than to find newlines. */
#include "linebuf.h"

#include <string.h>

void
linebuf_init(struct linebuf *lb, char *buf, size_t max,
    enum linebuf_mode mode)
{
	memset(lb, 0, sizeof(*lb));
	lb->buf = buf;
	lb->max = max;
	lb->mode = mode;
}

static int
linebuf_deliver(struct linebuf *lb, char *line, size_t len, linebuf_cb cb,
    void *arg)
{
	line[len] = '\0';	/* the newline's place, or buf's spare byte */
	lb->lines++;
	return cb(arg, line, len);
}

/* Untrusted bytes: only lengths are looked at, and nothing longer than max
 * is ever copied or delivered. */
int
linebuf_feed(struct linebuf *lb, char *p, size_t n, linebuf_cb cb,
    void *arg)
{
	char *nl;
	size_t seg;
	int stop = 0;

	while (n > 0 && !stop) {
		nl = memchr(p, '\n', n);
		seg = nl != NULL ? (size_t)(nl - p) : n;
		if (lb->skip) {
			if (nl == NULL)
				return 0;
			lb->skip = 0;
			/* CUT: the head of the overlong line waited here. */
			if (lb->len > 0) {
				stop = linebuf_deliver(lb, lb->buf, lb->len, cb,
				    arg);
				lb->len = 0;
			}
		} else if (lb->len + seg > lb->max) {
			lb->overlong++;
			if (lb->mode == LINEBUF_CUT) {
				memcpy(lb->buf + lb->len, p, lb->max - lb->len);
				lb->len = lb->max;
			} else
				lb->len = 0;
			if (nl == NULL) {
				lb->skip = 1;
				return 0;
			}
			if (lb->len > 0) {
				stop = linebuf_deliver(lb, lb->buf, lb->len, cb,
				    arg);
				lb->len = 0;
			}
		} else if (nl == NULL) {
			memcpy(lb->buf + lb->len, p, seg);
			lb->len += seg;
			return 0;
		} else if (lb->len == 0)
			stop = linebuf_deliver(lb, p, seg, cb, arg); /* no copy */
		else {
			memcpy(lb->buf + lb->len, p, seg);
			lb->len += seg;
			stop = linebuf_deliver(lb, lb->buf, lb->len, cb, arg);
			lb->len = 0;
		}
		p += seg + 1;
		n -= seg + 1;
	}
	return stop ? 1 : 0;
}

void
linebuf_skip(struct linebuf *lb)
{
	lb->len = 0;
	lb->skip = 1;
}

size_t
linebuf_drop(struct linebuf *lb)
{
	size_t len = lb->len;

	lb->len = 0;
	lb->skip = 0;
	return len;
}

int
linebuf_flush(struct linebuf *lb, linebuf_cb cb, void *arg)
{
	size_t len = linebuf_drop(lb);

	return len > 0 ? linebuf_deliver(lb, lb->buf, len, cb, arg) : 0;
}
