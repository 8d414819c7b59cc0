/* ctl.h — the control socket, a unix socket in the runtime directory
 * (root only): each connection sends one request line and gets one
 * answer, "OK\n" or "ERR\n" then text, and is closed. The server half is
 * ctl.c, the requests control.c, the clients ctl_client.c. */
#ifndef KW_CTL_H
#define KW_CTL_H

#include <stddef.h>

#include "clock.h"

#define CTL_SOCKET "knockwatch.sock"
#define CTL_MAX_REPORT (1u << 20)
#define CTL_MAX_REQUEST 511	/* bytes of a request line, newline included */

/* A request from client id: req is its line (NUL-terminated, no newline,
 * the handler may change it). The handler answers with ctl_reply, now or
 * later; unanswered after CTL_ANSWER_MS the client gets a refusal. */
typedef void (*ctl_request_fn)(void *self, unsigned id, char *req);

/* Creates dir (0700) and listens on dir/knockwatch.sock (0600), replacing
 * a stale socket; a socket something still answers on is left alone
 * (-1, EADDRINUSE). 0 or -1. */
int ctl_open(const char *dir, ctl_request_fn request, void *self);
/* Answers client id (ok: "OK\n", else "ERR\n", then len bytes of text)
 * and closes it; nothing when id is gone (timed out). */
void ctl_reply(unsigned id, int ok, const char *text, size_t len);
/* Clients that sent no request in time, or got no answer in time, are
 * refused. */
kw_ms ctl_deadline(void);
void ctl_tick(kw_ms now);
/* Refuses the waiting clients and removes the socket. */
void ctl_close(void);

/* The clients (ctl_client.c); argv[0] is the subcommand. Exit statuses:
 * 0, 1 the daemon refused (its reason printed), 64 usage, 69 the daemon
 * cannot be reached, 78 the configuration (reload: the new file) does not
 * load. */
int ctl_client_status(int argc, char **argv);
int ctl_client_open(int argc, char **argv);
int ctl_client_close(int argc, char **argv);
int ctl_client_reload(int argc, char **argv);

#endif
