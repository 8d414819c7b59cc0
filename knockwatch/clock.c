/* clock.c — reads the monotonic and wall clocks; nothing else may call
 * clock_gettime, so tests can pass time in explicitly. */
#include "clock.h"

kw_ms
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (kw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t
clock_wall(void)
{
	return time(NULL);
}
