/* alive.c — the worker's liveness, seen from the root parent. The worker
 * answers a MSG_PING on its control socket with a MSG_PONG on the request
 * socket from its event loop; one that does not within KW_WORKER_STALL_MS
 * reads no log line either (stopped by another process of its account, or
 * looping), so it is killed and the monitor restarts it as after a crash
 * (held.c keeps its offsets: no line is lost). One ping in flight at a
 * time, one every KW_PING_MS: an idle daemon wakes for it once every few
 * seconds. */
#include "alive.h"

#include <signal.h>

#include "kwlimits.h"
#include "log.h"
#include "msg.h"

static struct {
	pid_t pid;		/* the worker watched, or 0 */
	kw_ms ping_at;		/* next ping, KW_MS_NEVER while one is out */
	kw_ms stall_at;		/* the ping out must be answered by then */
} a = { 0, KW_MS_NEVER, KW_MS_NEVER };

void
alive_start(pid_t pid, kw_ms now)
{
	a.pid = pid;
	a.ping_at = now + KW_PING_MS;
	a.stall_at = KW_MS_NEVER;
}

void
alive_stop(void)
{
	a.pid = 0;
	a.ping_at = a.stall_at = KW_MS_NEVER;
}

kw_ms
alive_deadline(void)
{
	if (a.pid <= 0)
		return KW_MS_NEVER;
	return a.ping_at < a.stall_at ? a.ping_at : a.stall_at;
}

int
alive_tick(int ctl, kw_ms now)
{
	if (a.pid <= 0)
		return 0;
	if (a.stall_at <= now) {
		log_warnx("worker pid %d answered no ping for %d s (stopped "
		    "or stuck): killing it", (int)a.pid,
		    KW_WORKER_STALL_MS / 1000);
		kill(a.pid, SIGKILL);
		alive_stop();
		return 1;
	}
	if (a.ping_at <= now) {
		/* A full socket is a worker not reading: the stall clock
		 * runs all the same. */
		(void)msg_send(ctl, MSG_PING, NULL, 0, -1, MSG_DONTWAIT);
		a.ping_at = KW_MS_NEVER;
		a.stall_at = now + KW_WORKER_STALL_MS;
	}
	return 0;
}

int
answer_pong(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now)
{
	(void)ax;
	(void)p;
	(void)fd;
	if (len != 0 || a.stall_at == KW_MS_NEVER)
		return -1;
	a.stall_at = KW_MS_NEVER;
	a.ping_at = now + KW_PING_MS;
	return 0;
}
