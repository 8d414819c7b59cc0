/* test_ev.c — ev_timeout, the one place a deadline becomes an epoll
 * timeout: never, passed, due now, near, and past INT_MAX. */
#include <limits.h>

#include "ev.h"
#include "test.h"

int
main(void)
{
	T_INTEQ(ev_timeout(KW_MS_NEVER, 0), -1);
	T_INTEQ(ev_timeout(KW_MS_NEVER, 123456), -1);
	T_INTEQ(ev_timeout(99, 100), 0);
	T_INTEQ(ev_timeout(100, 100), 0);
	T_INTEQ(ev_timeout(101, 100), 1);
	T_INTEQ(ev_timeout(1100, 100), 1000);
	T_INTEQ(ev_timeout((kw_ms)INT_MAX + 100, 100), INT_MAX);
	T_INTEQ(ev_timeout((kw_ms)INT_MAX + 101, 100), INT_MAX);
	T_INTEQ(ev_timeout(KW_MS_NEVER - 1, -5), INT_MAX);
	T_INTEQ(ev_timeout(-10, -20), 10);
	return t_done();
}
