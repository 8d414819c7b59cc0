/* linebuf.h — cuts a byte stream into lines with a fixed buffer and a
 * maximum line length, counting the lines that exceed it: the one splitter
 * of log files, command sources, action output and replay. */
#ifndef KW_LINEBUF_H
#define KW_LINEBUF_H

#include <stddef.h>
#include <stdint.h>

enum linebuf_mode {
	LINEBUF_DROP,	/* a line longer than max is dropped whole */
	LINEBUF_CUT,	/* its first max bytes are delivered */
};

/* Called once per line, without its newline; len <= max. line[len] is a
 * NUL (a line may contain others: use len). line is writable and valid
 * only during the call: it points into the caller's bytes when the line
 * came in one piece, else into the buffer. Returns 0 to go on, non-zero
 * to stop (linebuf_feed discards the rest of its bytes). */
typedef int (*linebuf_cb)(void *arg, char *line, size_t len);

/* Fields are read-only outside linebuf.c; lines and overlong are the
 * counters callers report. */
struct linebuf {
	char		*buf;		/* max + 1 bytes, the caller's */
	size_t		 max;		/* longest line delivered */
	size_t		 len;		/* bytes of a partial line in buf */
	enum linebuf_mode mode;
	int		 skip;		/* discarding up to the next newline */
	uint64_t	 lines;		/* lines delivered */
	uint64_t	 overlong;	/* lines longer than max, dropped or cut */
};

/* Sets lb up empty over buf, which must hold max + 1 bytes and outlive lb
 * (the caller frees it). */
void linebuf_init(struct linebuf *lb, char *buf, size_t max,
    enum linebuf_mode mode);
/* Cuts the n bytes at p (untrusted: only lengths are looked at) into
 * lines for cb; a partial last line is kept for the next call. Writes into
 * p (the NUL of a line delivered in place). Allocates nothing. Returns 0,
 * or 1 when cb asked to stop. */
int linebuf_feed(struct linebuf *lb, char *p, size_t n, linebuf_cb cb,
    void *arg);
/* Discards bytes up to and including the next newline, without counting
 * them as overlong (reading started in the middle of a line). */
void linebuf_skip(struct linebuf *lb);
/* Forgets a partial line and any skipping; returns the partial line's
 * length (0 if none), for the caller to count. */
size_t linebuf_drop(struct linebuf *lb);
/* End of input: delivers the partial line, if there is one (in CUT mode
 * also a cut one), then forgets it. Returns what cb returned, or 0. */
int linebuf_flush(struct linebuf *lb, linebuf_cb cb, void *arg);

#endif
