/* ev.h — the one epoll set: modules register descriptors with a callback. */
#ifndef KW_EV_H
#define KW_EV_H

#include <stdint.h>

#include "clock.h"

typedef void (*ev_cb)(void *arg, int fd, uint32_t events);

/* Creates the epoll set. Returns 0 or -1 with errno. */
int ev_init(void);
/* Watches fd for events (EPOLLIN ...); cb runs from ev_wait. 0 or -1. */
int ev_add(int fd, uint32_t events, ev_cb cb, void *arg);
/* Stops watching fd (call before closing it). */
void ev_del(int fd);
/* Removes *fd from the set, closes it and sets it to -1; nothing when
 * *fd is already -1. */
void ev_close(int *fd);
/* Blocks up to timeout_ms (-1: forever) and runs the callbacks of ready
 * descriptors. This is the only blocking call in knockwatch. Returns the
 * number of events, or -1 with errno (EINTR is returned as 0). */
int ev_wait(int timeout_ms);
/* The ev_wait timeout that wakes the loop at deadline (KW_MS_NEVER: -1,
 * wait forever), as seen at now: 0 once it has passed, at most INT_MAX. */
int ev_timeout(kw_ms deadline, kw_ms now);
void ev_free(void);

#endif
