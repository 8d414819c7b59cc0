/* cli_last.h — the client's memory of the last HMAC step it knocked per
 * (host, door, user), so that `knockwatch knock` can say when a second
 * knock within one step will be refused. Internal to the client. */
#ifndef KW_CLI_LAST_H
#define KW_CLI_LAST_H

#include <stdint.h>
#include <time.h>

/* Entries kept in the file at most (the oldest go first). */
#define CLI_LAST_MAX 64

/* Looks (host, door, user) up in the cache file (cli_last_path) and, when
 * this account knocked step or a later one there before, warns on stderr
 * that the server refuses it as a replay and when step + 1 begins
 * (period seconds per step, now the wall time). Then records step for it.
 * Best effort: a missing or unreadable file, or a host that is not a plain
 * name or address, is neither an error nor remembered. Returns 1 when it
 * warned, else 0. */
int cli_last_knocked(const char *host, const char *door, const char *user,
    uint64_t step, unsigned period, time_t now);

#endif
