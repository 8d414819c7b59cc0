/* knocklog.h — the daemon's -v lines about attempts (started, reset,
 * expired, refused as spent), at a bounded rate. */
#ifndef KW_KNOCKLOG_H
#define KW_KNOCKLOG_H

#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "knock.h"

/* Event lines a second at most; the rest are counted and their number is
 * logged with the first line of a later second. */
#define KNOCKLOG_RATE 10

struct knocklog {
	const struct config *cfg;	/* the table's config */
	kw_ms second;			/* the second being counted */
	unsigned count;			/* lines logged in it */
	uint64_t dropped;		/* lines not logged in it */
};

/* A knock_event_cb: arg is a struct knocklog whose cfg is the config of
 * the table that reports. Logs with log_info; allocates nothing. */
void knocklog_event(void *arg, const struct knock_event *ev);

#endif
