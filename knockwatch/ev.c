/* ev.c — the epoll set behind the main loop. Callbacks are found by
 * descriptor; a generation number keeps a callback from firing for a
 * descriptor that was removed (and perhaps reused) earlier in the same
 * batch. */
#include "ev.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EV_BATCH 64

struct ev_slot {
	ev_cb cb;
	void *arg;
	uint32_t gen;
};

static int ev_epfd = -1;
static struct ev_slot *ev_slots;
static int ev_nslots;
static uint32_t ev_gen;

int
ev_init(void)
{
	if (ev_epfd != -1)
		return 0;
	ev_epfd = epoll_create1(EPOLL_CLOEXEC);
	return ev_epfd == -1 ? -1 : 0;
}

int
ev_add(int fd, uint32_t events, ev_cb cb, void *arg)
{
	struct epoll_event e;

	if (fd < 0)
		return -1;
	if (fd >= ev_nslots) {
		int n = ev_nslots ? ev_nslots : 64;
		struct ev_slot *ns;

		while (n <= fd)
			n *= 2;
		if ((ns = realloc(ev_slots, (size_t)n * sizeof(*ns))) == NULL)
			return -1;
		for (int i = ev_nslots; i < n; i++)
			ns[i].cb = NULL, ns[i].arg = NULL, ns[i].gen = 0;
		ev_slots = ns;
		ev_nslots = n;
	}
	ev_slots[fd].cb = cb;
	ev_slots[fd].arg = arg;
	ev_slots[fd].gen = ++ev_gen;
	e.events = events;
	e.data.u64 = ((uint64_t)ev_slots[fd].gen << 32) | (uint32_t)fd;
	return epoll_ctl(ev_epfd, EPOLL_CTL_ADD, fd, &e);
}

void
ev_del(int fd)
{
	if (fd < 0 || fd >= ev_nslots || ev_slots[fd].cb == NULL)
		return;
	epoll_ctl(ev_epfd, EPOLL_CTL_DEL, fd, NULL);
	ev_slots[fd].cb = NULL;
	ev_slots[fd].gen = 0;
}

void
ev_close(int *fd)
{
	if (*fd != -1) {
		ev_del(*fd);
		close(*fd);
		*fd = -1;
	}
}

int
ev_wait(int timeout_ms)
{
	struct epoll_event evs[EV_BATCH];
	int n;

	n = epoll_wait(ev_epfd, evs, EV_BATCH, timeout_ms);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);

		if (fd < ev_nslots && ev_slots[fd].cb != NULL &&
		    ev_slots[fd].gen == gen)
			ev_slots[fd].cb(ev_slots[fd].arg, fd, evs[i].events);
	}
	return n;
}

int
ev_timeout(kw_ms deadline, kw_ms now)
{
	uint64_t diff;

	if (deadline == KW_MS_NEVER)
		return -1;
	if (deadline <= now)
		return 0;
	/* Unsigned: the difference of two kw_ms cannot overflow there. */
	diff = (uint64_t)deadline - (uint64_t)now;
	return diff > INT_MAX ? INT_MAX : (int)diff;
}

void
ev_free(void)
{
	if (ev_epfd != -1)
		close(ev_epfd);
	ev_epfd = -1;
	free(ev_slots);
	ev_slots = NULL;
	ev_nslots = 0;
}
