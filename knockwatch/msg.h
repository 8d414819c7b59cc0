/* msg.h — the wire between the privileged parent and the worker: one
 * message per SOCK_SEQPACKET record, a fixed header, a bounded payload and
 * at most one descriptor. */
#ifndef KW_MSG_H
#define KW_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"

#define MSG_MAX 8192		/* payload bytes */
#define MSG_REQ_FD 3		/* worker's end of the request socket */
#define MSG_CTL_FD 4		/* worker's end of the control socket */
#define MSG_INOTIFY_FD 5	/* the inotify instance both share */

enum msg_type {
	/* worker -> parent, each answered by one MSG_REPLY */
	MSG_OPEN_LOG = 1,	/* path of a file source -> descriptor */
	MSG_STAT,		/* path of a file source -> struct msg_stat */
	MSG_WATCH,		/* struct msg_watch -> watch descriptor */
	MSG_WATCH_FD,		/* uint32 mask + a log descriptor -> wd */
	MSG_KMSG,		/* (nothing) -> /dev/kmsg descriptor */
	MSG_CMD_START,		/* uint32 source index -> pipe descriptor */
	MSG_OPEN_KEY,		/* key_file path -> descriptor */
	MSG_CMD_STOP,		/* uint32 source index -> (nothing) */
	MSG_OPEN_ROTATED,	/* struct msg_log_file -> descriptor */
	MSG_LOG_DONE,		/* struct msg_log_file -> (nothing) */
	/* worker -> parent, no answer */
	MSG_DOOR = 32,		/* struct msg_door: the one request that acts */
	MSG_LOG,		/* int32 priority + text */
	MSG_LOADED,		/* int32 ok + error text */
	MSG_REPORT_LINE,	/* one status line */
	MSG_REPORT_END,
	MSG_PONG,		/* (nothing): the answer to a MSG_PING */
	/* parent -> worker */
	MSG_REPLY = 64,		/* struct msg_reply (+ descriptor) */
	MSG_CONFIG,		/* config path text + its descriptor */
	MSG_REPORT,		/* uint32: 0 send the lines back, 1 log them */
	MSG_PING,		/* (nothing): answered by a MSG_PONG */
	MSG_CONFIG_RESTART,	/* MSG_CONFIG for a restarted worker: a user
				 * whose key file fails is disabled, not the
				 * whole config */
	MSG_DOOR_REFUSED,	/* struct msg_door: an HMAC open the parent
				 * refused (table full): un-spend its step */
};

#define MSG_EVENT_START 1

/* "event E for door D, source S, user U, open port P" */
struct msg_door {
	uint32_t event;
	uint16_t open_port;
	uint16_t pad;
	uint64_t step;
	char door[KW_NAME_MAX + 1];
	char user[KW_NAME_MAX + 1];
	char src[ADDR_STRLEN];
	char host[256];		/* fleet host (HOST_MAX + 1), "" for none */
};

struct msg_watch {
	uint32_t mask;
	char path[];		/* NUL-terminated */
};

/* A file that a log path named before: the index-th one the parent holds
 * (MSG_OPEN_ROTATED), or the one with dev/ino (MSG_LOG_DONE). */
struct msg_log_file {
	uint32_t index;
	uint32_t pad;
	uint64_t dev, ino;
	char path[];		/* NUL-terminated */
};

struct msg_stat {
	uint64_t dev, ino, size;
	uint32_t mode;
};

struct msg_reply {
	int32_t rc;		/* -1 on failure */
	int32_t err;		/* errno on failure */
	struct msg_stat st;	/* MSG_STAT */
};

/* Sends one message with payload p (len <= MSG_MAX) and descriptor fd (-1:
 * none). flags: MSG_DONTWAIT or 0. Returns 0, or -1 with errno. */
int msg_send(int sock, uint32_t type, const void *p, size_t len, int fd,
    int flags);
/* Receives one message into p (room for MSG_MAX bytes). Returns the payload
 * length with *type and *fd (-1 when none came; the caller owns it), or -1:
 * errno EAGAIN (nothing waiting), 0 (the peer closed), EBADMSG (truncated,
 * a header that lies, more than one descriptor or other control data; any
 * descriptor is closed), or another error. */
ssize_t msg_recv(int sock, uint32_t *type, void *p, int *fd, int flags);
/* A NUL-terminated string of at most max bytes filling len bytes of p
 * exactly: 1, else 0. */
int msg_str_ok(const char *p, size_t len, size_t max);

#endif
