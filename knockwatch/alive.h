/* alive.h — the parent's check that the worker still answers: a ping on
 * its control socket every KW_PING_MS, and a worker that leaves one
 * unanswered for KW_WORKER_STALL_MS (stopped with SIGSTOP, stuck in a
 * loop) is named in the log and killed, so that the monitor's normal
 * restart path starts a fresh one, which reads on from where it was. */
#ifndef KW_ALIVE_H
#define KW_ALIVE_H

#include <stddef.h>
#include <sys/types.h>

#include "clock.h"
#include "answer.h"

/* A worker (pid) started at now: its first ping is due KW_PING_MS later. */
void alive_start(pid_t pid, kw_ms now);
/* When alive_tick next has something to do (KW_MS_NEVER: no worker). */
kw_ms alive_deadline(void);
/* Sends the ping when due (ctl: the worker's control socket, never
 * blocking); when the ping in flight is KW_WORKER_STALL_MS old, logs it
 * and sends the worker SIGKILL (its exit comes through the monitor).
 * Returns 1 when it killed the worker, else 0. */
int alive_tick(int ctl, kw_ms now);
/* The worker is gone: nothing more is due. */
void alive_stop(void);
/* The answer to the worker's MSG_PONG (monitor.c's request table): no
 * payload; -1 for one with a payload, or one that answers no ping. */
int answer_pong(const struct answer_ctx *ax, char *p, size_t len, int fd,
    kw_ms now);

#endif
