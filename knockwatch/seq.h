/* seq.h — knockwatch/2 time-varying sequences (doc/protocol.md,
 * shared/spec/sequence-v2.md). */
#ifndef KW_SEQ_H
#define KW_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct seq_params {
	const char *door;
	const char *user;
	uint64_t step;
	const char *bind;	/* canonical address text or "" */
	unsigned length;	/* 2..16 */
	uint16_t lo, hi;
	int udp;		/* protocols tcp,udp */
	int has_open;
	uint16_t open_lo, open_hi;
};

/* Initialises libgcrypt (unless the program already did) and opens the one
 * reused HMAC-SHA256 handle. Idempotent; call before seq_derive and before
 * any other libgcrypt use. Returns 0, or -1 (version too old, no handle). */
int seq_init(void);
/* Closes the handle; seq_init may be called again. */
void seq_free(void);
/* 1 if key length (16..64) and parameters are acceptable to seq_derive:
 * names [A-Za-z0-9_.-]{1,64}, bind canonical-looking text or "", length
 * 2..16 and at most the range size, 0 < lo <= hi, and an open range that the
 * knocks can never cover completely. Else 0, with the reason (one sentence
 * without a trailing period) in why when why is not NULL. */
int seq_check(size_t keylen, const struct seq_params *p, char *why,
    size_t len);
/* seq_check without the reason. */
int seq_valid(size_t keylen, const struct seq_params *p);
/* Derives the knocks (and the open port when has_open) exactly as the spec
 * says. out has room for p->length entries. Returns 0, or -1 for invalid
 * parameters (see seq_valid), before seq_init, after 4096 HMAC blocks
 * without a result, or on a libgcrypt failure. Allocates nothing the caller
 * frees. */
int seq_derive(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *out, uint16_t *open_port);
/* Knock 1 only, into *k1: it depends on key, door, user, step, range and
 * protocols, never on p->bind (one HMAC, two with udp). Returns 0 or -1 as
 * seq_derive. */
int seq_first(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *k1);
/* Knocks 2..length into out[1..length-1] and the open port (when has_open),
 * from the bound stream; out[0] must hold knock 1 as seq_first gave it.
 * Returns 0 or -1 as seq_derive (also when out[0] is outside the range). */
int seq_rest(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *out, uint16_t *open_port);
/* "tcp/50993 tcp/59068 ... open=50035" into buf. Returns 0, -1 if too small. */
int seq_format(const struct config_knock *k, unsigned n, int has_open,
    uint16_t open_port, char *buf, size_t len);
/* Fills p from an HMAC door and user of a loaded config. p borrows the
 * config's strings and bind. bind is used only when the door has
 * bind_source (else p->bind is ""); NULL counts as "". */
void seq_params_from(struct seq_params *p, const struct config *c,
    int door, int user, uint64_t step, const char *bind);

#endif
