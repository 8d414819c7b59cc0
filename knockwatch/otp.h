/* otp.h — matching knocks against HMAC (knockwatch/1) doors: per-step
 * candidate tables indexed by first port, and the spent-step memory that
 * refuses replays. */
#ifndef KW_OTP_H
#define KW_OTP_H

#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "parse.h"

#define OTP_MAX_CAND 4		/* (user, step) pairs one attempt follows */

struct otp_cand {
	uint32_t user;		/* index into config users */
	uint32_t step;
};

struct otp_cands {
	uint8_t n;
	struct otp_cand c[OTP_MAX_CAND];
};

struct otp;

/* Builds tables for the HMAC doors of c (which must outlive it). Sequences
 * are computed lazily when the time step first moves. NULL on failure. */
struct otp *otp_new(const struct config *c);
void otp_free(struct otp *o);
/* 1 if k's port lies in the door's knock range (knocks outside it neither
 * advance nor reset an attempt), else 0. */
int otp_relevant(const struct otp *o, int door, const struct parse_knock *k);
/* Candidates whose first knock is k, for steps wall/period ± skew, into
 * *out. Returns their number (0: not a first knock). */
int otp_first(struct otp *o, int door, const struct kw_addr *src,
    const struct parse_knock *k, time_t wall, struct otp_cands *out);
/* Keeps the candidates whose knock number `stage` is k. Returns how many
 * remain. */
int otp_next(struct otp *o, int door, const struct kw_addr *src,
    unsigned stage, const struct parse_knock *k, struct otp_cands *c);
/* A sequence completed: picks the first candidate whose step is not spent,
 * spends it and every earlier step for that (door, user), fills user, step
 * and open port. Returns 0, or -1 when every candidate was spent (a
 * replay). */
int otp_complete(struct otp *o, int door, const struct kw_addr *src,
    const struct otp_cands *c, time_t wall, int *user, uint64_t *step,
    uint16_t *open_port);
/* Spent steps to and from "state_dir/spent" (lines "door user step");
 * saving is atomic (temp file, fsync, rename). Unknown doors/users in the
 * file are skipped. Return 0, or -1 with errno set (and a message in err). */
int otp_save(const struct otp *o, const char *path, char *err, size_t errlen);
int otp_load(struct otp *o, const char *path, char *err, size_t errlen);
/* Reload: keeps every spent step old remembers for a (door, user) that o
 * has too, so a replay stays refused even if the state file could not be
 * written. */
void otp_carry(struct otp *o, const struct otp *old);
/* First knocks ignored because a bind_source door ran out of its budget. */
uint64_t otp_throttled(const struct otp *o);

#endif
