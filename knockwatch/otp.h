/* otp.h — matching knocks against HMAC (knockwatch/2) doors: one index per
 * door of every user's first knock for the steps in the window (the same
 * for doors with and without bind_source), the candidates of an attempt,
 * and the spent-step memory that refuses replays. */
#ifndef KW_OTP_H
#define KW_OTP_H

#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "parse.h"

/* Candidates that survive knock 2 (two (user, step) pairs of one door
 * sharing knocks 1 and 2: about one chance in range size per pair). */
#define OTP_KEEP 4
/* (user, step) pairs with one first knock that knock 2 tries: the cost
 * bound of a later knock (users x (2 skew + 1) / range size on average). */
#define OTP_MAX_DERIVE 256

/* One candidate: position in the door's user list (24 bits) and how many
 * steps before step_hi its step is (8 bits). */
struct otp_cand {
	uint32_t v;
};

/* An attempt's candidates, kept in the attempt (no allocation): after
 * knock 1, n is 0 and the candidates are the index entries of
 * (k1_port, k1 protocol) whose step is at most step_hi; from knock 2 on they
 * are the n survivors, and when one is left its later knocks and open port
 * are cached, so knocks 3.. cost no HMAC. */
struct otp_cands {
	uint32_t step_hi;	/* newest step of the window at knock 1 */
	uint16_t k1_port;
	uint8_t n;		/* survivors; 0 right after knock 1 */
	uint8_t flags;		/* OTP_K1_UDP, OTP_CACHED */
#define OTP_K1_UDP	0x01	/* knock 1 was UDP */
#define OTP_CACHED	0x02	/* n == 1 and u.one holds its knocks */
	union {
		struct otp_cand c[OTP_KEEP];
		struct {
			struct otp_cand c;
			uint16_t udp;	/* bit j: knock j + 1 is UDP */
			uint16_t open;	/* derived open port */
			uint16_t port[KW_MAX_SEQ - 2];	/* knocks 3.. */
		} one;
	} u;
};

struct otp;
struct host_table;

/* Builds tables for the HMAC doors of c (which must outlive it). Sequences
 * are computed lazily when the time step first moves. hosts (may be NULL
 * without fleet sources; it must outlive o) names the fleet hosts: each
 * (door, host) has its own tables, made when the host first knocks, and
 * derives with the door field NAME@HOST. NULL on failure. */
struct otp *otp_new(const struct config *c, struct host_table *hosts);
void otp_free(struct otp *o);
/* 1 if k's port lies in the door's knock range (knocks outside it neither
 * advance nor reset an attempt), else 0. */
int otp_relevant(const struct otp *o, int door, const struct parse_knock *k);
/* host: HOST_NONE, or the fleet host (host.h) whose tables are used, in
 * every call below. Candidates whose first knock is k, for steps wall/period +- skew, into
 * *out: one look-up in the door's index whatever the door, the number of
 * users or the source (knock 1 never depends on it). Derives the window's
 * first knocks when the step has moved (users x new steps HMACs, once per
 * step). Returns the number of candidates (0: not a first knock). */
int otp_first(struct otp *o, int door, int host, const struct parse_knock *k,
    time_t wall, struct otp_cands *out);
/* Keeps the candidates whose knock number stage + 1 (stage >= 1) is k:
 * knock 2 derives the bound stream of src for at most OTP_MAX_DERIVE
 * candidates and keeps at most OTP_KEEP; later knocks compare with the
 * cache. Allocates nothing. Returns how many remain. */
int otp_next(struct otp *o, int door, int host, const struct kw_addr *src,
    unsigned stage, const struct parse_knock *k, time_t wall,
    struct otp_cands *c);
/* 1 if k is knock 1 or one of knocks 3..stage of an attempt whose
 * candidates are c (knock 2 and the last knock are the caller's to
 * compare): the cache answers, or, with several survivors, one
 * derivation. Allocates nothing. */
int otp_passed(struct otp *o, int door, int host, const struct kw_addr *src,
    unsigned stage, const struct otp_cands *c, const struct parse_knock *k);
/* A sequence completed: picks the first candidate whose step is not spent,
 * spends it and every earlier step for that (door, user), fills user, step
 * and open port. Returns 0, or -1 when every candidate was spent (a
 * replay). */
int otp_complete(struct otp *o, int door, int host, const struct kw_addr *src,
    const struct otp_cands *c, time_t wall, int *user, uint64_t *step,
    uint16_t *open_port);
/* The parent refused the open that step of config user index user made at
 * door (its door table was full): the step is usable again, unless a later
 * one was spent since; every earlier step stays spent. Returns 0, or -1
 * when there was nothing to give back. */
int otp_unspend(struct otp *o, int door, int host, int user, uint64_t step);
/* Spent steps to and from "state_dir/spent" (lines "door user step", the
 * door "NAME@HOST" for a fleet host's own steps);
 * saving is atomic (temp file, fsync, rename). Unknown doors/users in the
 * file are skipped. Return 0, or -1 with errno set (and a message in err).
 * otp_load returns -1 only for a file to set aside (malformed, too large,
 * not a regular file, a link); a file that exists but cannot be read
 * (permission, I/O) is logged, kept, and returns 0 with every HMAC open
 * refused (otp_complete) and otp_save refusing to overwrite it, until a
 * later otp_load reads it. */
int otp_save(const struct otp *o, const char *path, char *err, size_t errlen);
int otp_load(struct otp *o, const char *path, char *err, size_t errlen);
/* Reload: keeps every spent step old remembers for a (door, user) that o
 * has too, so a replay stays refused even if the state file could not be
 * written. */
void otp_carry(struct otp *o, const struct otp *old);

#endif
