/* source.h — where log lines come from (files, /dev/kmsg) and how each
 * source turns them into knocks. */
#ifndef KW_SOURCE_H
#define KW_SOURCE_H

#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "logwatch.h"
#include "parse.h"

typedef void (*source_knock_cb)(void *arg, const struct parse_knock *k);

struct source_stats {
	uint64_t lines, knocks, ignored, rejected, kmsg_lost;
	uint64_t overlong;	/* command sources' lines over KW_MAX_LINE */
};

struct sources;

/* Compiles a parser per source of c and starts reading: file sources
 * through lw (reusing the watch of an earlier `prev` set on the same path,
 * so a reload loses no line), /dev/kmsg from its end. Every knock goes to
 * cb. Returns NULL with a message in err. */
struct sources *sources_open(const struct config *c, struct logwatch *lw,
    struct sources *prev, source_knock_cb cb, void *arg, kw_ms now,
    char *err, size_t errlen);
/* Stops what `s` reads that `keep` (the set replacing it, or NULL) does not
 * read too, and frees s. */
void sources_close(struct sources *s, const struct sources *keep);
/* Command sources: when a child must be (re)started, and doing it. */
kw_ms sources_deadline(const struct sources *s);
void sources_tick(struct sources *s, kw_ms now);
void sources_stats(const struct sources *s, struct source_stats *st);

#endif
