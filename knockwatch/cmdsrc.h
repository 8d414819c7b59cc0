/* cmdsrc.h — the command sources the root parent runs for the worker:
 * start, stop without blocking, reap. */
#ifndef KW_CMDSRC_H
#define KW_CMDSRC_H

#include <stdint.h>

#include "clock.h"
#include "config.h"
#include "kwlimits.h"

/* Starts command source i (s, its configuration; i < KW_MAX_SOURCES) as a
 * child of the parent, after ending the one running for i. Returns the
 * read end of its stdout (the caller owns it), or -1 with errno: EAGAIN
 * when i started less than CMDSRC_GAP_MS before now or two killed ones of
 * i are not reaped yet (the worker retries), else spawn's error. */
int cmdsrc_start(uint32_t i, const struct config_source *s, kw_ms now);
/* Ends command source i (SIGKILL to its group) without waiting for it;
 * nothing when none runs or i is out of range. */
void cmdsrc_stop(uint32_t i);
/* When cmdsrc_tick next has a killed command to poll or name, or
 * KW_MS_NEVER. */
kw_ms cmdsrc_deadline(void);
/* Reaps the killed commands that have ended, and warns once about each
 * one still there CMDSRC_STUCK_MS after SIGKILL. */
void cmdsrc_tick(kw_ms now);

#endif
