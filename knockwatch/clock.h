/* clock.h — the two clocks: monotonic milliseconds for every deadline, wall
 * seconds only for HMAC time steps and for journaled deadlines. */
#ifndef KW_CLOCK_H
#define KW_CLOCK_H

#include <stdint.h>
#include <time.h>

typedef int64_t kw_ms;		/* monotonic milliseconds */
#define KW_MS_NEVER INT64_MAX

kw_ms  clock_now_ms(void);
time_t clock_wall(void);

#endif
