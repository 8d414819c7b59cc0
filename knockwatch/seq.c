/* seq.c — derives knockwatch/2 knock sequences (doc/protocol.md) with
 * libgcrypt's HMAC-SHA256: knock 1 from the unbound message, knocks 2.. and
 * the open port from the bound one. A pure function of key, parameters and
 * step: it never reads the clock, never logs key material and never
 * allocates per call (one MAC handle is opened by seq_init and reused). */
#include "seq.h"

#include <gcrypt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define SEQ_GCRYPT_NEED	"1.8.0"
#define SEQ_MAX_BLOCKS	4096	/* stream blocks before giving up */
#define SEQ_BLOCK	32	/* HMAC-SHA256 output bytes */
#define SEQ_MSG_MAX	512	/* msg without suffix, see seq_base */
#define SEQ_HOST_MAX	255	/* fleet doors: NAME@HOST */
#define SEQ_BIND_MAX	45	/* INET6_ADDRSTRLEN - 1 */

static gcry_mac_hd_t seq_mac;
static int seq_ready;

/* The value stream of spec step 2: 16-bit values read from successive
 * HMAC blocks. The msg prefix is written once; each block appends "|i". */
struct seq_stream {
	const char *msg;
	size_t msglen;
	unsigned block;		/* index of the next block to compute */
	unsigned pos;		/* next value in buf, 16 = buf used up */
	unsigned char buf[SEQ_BLOCK];
};

int
seq_init(void)
{
	if (seq_ready)
		return 0;
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		/* Nobody has initialised libgcrypt yet: do it properly.
		 * Secure memory holds the keyed MAC state; a failure to lock
		 * it (low RLIMIT_MEMLOCK, unprivileged client) must not
		 * print libgcrypt's warning on every run. */
		if (gcry_check_version(SEQ_GCRYPT_NEED) == NULL)
			return -1;
		gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
		gcry_control(GCRYCTL_INIT_SECMEM, 32768, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	} else if (gcry_check_version(SEQ_GCRYPT_NEED) == NULL)
		return -1;
	if (gcry_mac_open(&seq_mac, GCRY_MAC_HMAC_SHA256, GCRY_MAC_FLAG_SECURE,
	    NULL) != 0)
		return -1;
	seq_ready = 1;
	return 0;
}

void
seq_free(void)
{
	if (!seq_ready)
		return;
	gcry_mac_close(seq_mac);
	seq_ready = 0;
}

/* One HMAC-SHA256 over msg and suffix with the key already set. */
static int
seq_hmac(const char *msg, size_t msglen, const char *suffix,
    unsigned char out[SEQ_BLOCK])
{
	size_t outlen = SEQ_BLOCK;

	if (gcry_mac_reset(seq_mac) != 0 ||
	    gcry_mac_write(seq_mac, msg, msglen) != 0 ||
	    gcry_mac_write(seq_mac, suffix, strlen(suffix)) != 0 ||
	    gcry_mac_read(seq_mac, out, &outlen) != 0 || outlen != SEQ_BLOCK)
		return -1;
	return 0;
}

/* Next value of the stream into *v. Returns 0, or -1 once SEQ_MAX_BLOCKS
 * blocks are used up (parameters that can never be satisfied) or on a
 * libgcrypt failure. */
static int
seq_next(struct seq_stream *s, uint16_t *v)
{
	char suffix[16];

	if (s->pos >= SEQ_BLOCK / 2) {
		if (s->block >= SEQ_MAX_BLOCKS)
			return -1;
		snprintf(suffix, sizeof(suffix), "|%u", s->block);
		if (seq_hmac(s->msg, s->msglen, suffix, s->buf) == -1)
			return -1;
		s->block++;
		s->pos = 0;
	}
	*v = (uint16_t)(s->buf[2 * s->pos] << 8 | s->buf[2 * s->pos + 1]);
	s->pos++;
	return 0;
}

static int
seq_excluded(const struct config_knock *k, unsigned n, uint16_t port)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (k[i].port == port)
			return 1;
	return 0;
}

/* Spec step 3: one draw from lo-hi excluding the n ports in k. */
static int
seq_draw(struct seq_stream *s, uint16_t lo, uint16_t hi,
    const struct config_knock *k, unsigned n, uint16_t *port)
{
	uint32_t r = (uint32_t)hi - lo + 1;
	uint32_t limit = 65536 - (65536 % r);
	uint16_t v, p;

	for (;;) {
		if (seq_next(s, &v) == -1)
			return -1;
		if (v >= limit)
			continue;
		p = (uint16_t)(lo + v % r);
		if (!seq_excluded(k, n, p)) {
			*port = p;
			return 0;
		}
	}
}

static int
seq_valid_name(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= KW_NAME_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}

/* A door name, or NAME@HOST for a door a collector serves for several
 * hosts: HOST is [A-Za-z0-9_.:-]{1,255}. */
static int
seq_valid_door(const char *s)
{
	char name[KW_NAME_MAX + 1];
	const char *at;
	size_t i;

	if (s == NULL)
		return 0;
	if ((at = strchr(s, '@')) == NULL)
		return seq_valid_name(s);
	if ((size_t)(at - s) > KW_NAME_MAX)
		return 0;
	memcpy(name, s, (size_t)(at - s));
	name[at - s] = '\0';
	if (!seq_valid_name(name))
		return 0;
	for (i = 0; at[1 + i] != '\0'; i++) {
		char c = at[1 + i];

		if (i >= SEQ_HOST_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == ':' || c == '-'))
			return 0;
	}
	return i > 0;
}

/* The bind text must already be canonical (addr_ntop); this only keeps
 * separators and stray bytes out of the message. */
static int
seq_valid_bind(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SEQ_BIND_MAX)
			return 0;
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f') || s[i] == ':' || s[i] == '.'))
			return 0;
	}
	return 1;
}

/* Writes why into why (if not NULL) and returns 0. */
static int
seq_why(char *why, size_t len, const char *text)
{
	if (why != NULL && len > 0)
		snprintf(why, len, "%s", text);
	return 0;
}

int
seq_check(size_t keylen, const struct seq_params *p, char *why, size_t len)
{
	uint32_t size;

	if (keylen < KW_MIN_KEY || keylen > KW_MAX_KEY)
		return seq_why(why, len, "the key must be 16 to 64 bytes");
	if (!seq_valid_door(p->door))
		return seq_why(why, len, "the door name must be "
		    "[A-Za-z0-9_.-]{1,64}, or NAME@HOST for a fleet door");
	if (!seq_valid_name(p->user))
		return seq_why(why, len, "the user name must be "
		    "[A-Za-z0-9_.-]{1,64}");
	if (!seq_valid_bind(p->bind))
		return seq_why(why, len, "the bind address must be canonical "
		    "text (addr_ntop)");
	if (p->lo == 0 || p->lo > p->hi)
		return seq_why(why, len, "the range must be LO-HI with "
		    "0 < LO <= HI");
	size = (uint32_t)p->hi - p->lo + 1;
	if (p->length < 2 || p->length > KW_MAX_SEQ)
		return seq_why(why, len, "the length must be 2 to 16 knocks");
	if (size < p->length)
		return seq_why(why, len, "the length exceeds the number of "
		    "ports in the range (a sequence never repeats a port)");
	if (p->has_open) {
		if (p->open_lo == 0 || p->open_lo > p->open_hi)
			return seq_why(why, len, "the open range must be "
			    "LO-HI with 0 < LO <= HI");
		/* At least one open port must remain outside the knocks,
		 * whatever they turn out to be. */
		if ((uint32_t)p->open_hi - p->open_lo + 1 <= p->length &&
		    p->open_lo >= p->lo && p->open_hi <= p->hi)
			return seq_why(why, len, "the open range lies inside "
			    "the knock range and has no more ports than the "
			    "length: the knocks could use up every one");
	}
	return 1;
}

int
seq_valid(size_t keylen, const struct seq_params *p)
{
	return seq_check(keylen, p, NULL, 0);
}

/* base = "knockwatch/2|door|user|step|" into msg (spec step 1); msg_b is
 * base followed by the bind text. Returns the length of base, or -1. */
static int
seq_base(const struct seq_params *p, char msg[SEQ_MSG_MAX])
{
	/* "knockwatch/2|" 13 + door 64 + "@" host 256 + user 64 + step 20
	 * + four separators + bind 45: 466 bytes, under SEQ_MSG_MAX. */
	int n = snprintf(msg, SEQ_MSG_MAX, "knockwatch/2|%s|%s|%" PRIu64 "|",
	    p->door, p->user, p->step);

	if (n < 0 || (size_t)n + strlen(p->bind) >= SEQ_MSG_MAX)
		return -1;
	memcpy(msg + n, p->bind, strlen(p->bind) + 1);
	return n;
}

/* Knock 1 (spec step 4 and its protocol from pu) with the key already set. */
static int
seq_draw_first(const char *msg, size_t ulen, const struct seq_params *p,
    struct config_knock *k1)
{
	unsigned char pu[SEQ_BLOCK];
	struct seq_stream s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.msg = msg;
	s.msglen = ulen;
	s.pos = SEQ_BLOCK / 2;
	if (seq_draw(&s, p->lo, p->hi, NULL, 0, &k1->port) == -1)
		goto out;
	k1->proto = IPPROTO_TCP;
	if (p->udp) {
		if (seq_hmac(msg, ulen, "|proto", pu) == -1)
			goto out;
		if (pu[0] & 1)
			k1->proto = IPPROTO_UDP;
	}
	rc = 0;
 out:
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(pu, sizeof(pu));
	return rc;
}

/* Knocks 2..length into out[1..] and the open port (spec steps 5 to 7),
 * out[0] already holding knock 1, with the key already set. */
static int
seq_draw_rest(const char *msg, size_t blen, const struct seq_params *p,
    struct config_knock *out, uint16_t *open_port)
{
	unsigned char pb[SEQ_BLOCK];
	struct seq_stream s;
	unsigned j;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.msg = msg;
	s.msglen = blen;
	s.pos = SEQ_BLOCK / 2;
	for (j = 1; j < p->length; j++) {
		if (seq_draw(&s, p->lo, p->hi, out, j, &out[j].port) == -1)
			goto out;
		out[j].proto = IPPROTO_TCP;
	}
	if (p->udp) {
		if (seq_hmac(msg, blen, "|proto", pb) == -1)
			goto out;
		for (j = 1; j < p->length; j++)
			if (pb[j] & 1)
				out[j].proto = IPPROTO_UDP;
	}
	if (p->has_open) {
		if (open_port == NULL || seq_draw(&s, p->open_lo, p->open_hi,
		    out, p->length, open_port) == -1)
			goto out;
	}
	rc = 0;
 out:
	/* The stream buffer and proto block are key-derived; the handle's
	 * key stays in libgcrypt's (secure) memory until the next setkey. */
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(pb, sizeof(pb));
	return rc;
}

int
seq_derive(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *out, uint16_t *open_port)
{
	/* Knock 1, then the rest: the client's path, where one more key
	 * setup does not matter. */
	if (seq_first(key, keylen, p, &out[0]) == -1)
		return -1;
	return seq_rest(key, keylen, p, out, open_port);
}

int
seq_first(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *k1)
{
	char msg[SEQ_MSG_MAX];
	int ulen;

	if (!seq_ready || !seq_valid(keylen, p))
		return -1;
	if ((ulen = seq_base(p, msg)) == -1)
		return -1;
	if (gcry_mac_setkey(seq_mac, key, keylen) != 0)
		return -1;
	return seq_draw_first(msg, (size_t)ulen, p, k1);
}

int
seq_rest(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *out, uint16_t *open_port)
{
	char msg[SEQ_MSG_MAX];

	if (!seq_ready || !seq_valid(keylen, p))
		return -1;
	if (out[0].port < p->lo || out[0].port > p->hi)
		return -1;
	if (seq_base(p, msg) == -1)
		return -1;
	if (gcry_mac_setkey(seq_mac, key, keylen) != 0)
		return -1;
	return seq_draw_rest(msg, strlen(msg), p, out, open_port);
}

int
seq_format(const struct config_knock *k, unsigned n, int has_open,
    uint16_t open_port, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;
	int w;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(buf + off, len - off, "%s%s/%u", i ? " " : "",
		    k[i].proto == IPPROTO_UDP ? "udp" : "tcp", k[i].port);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
		off += (size_t)w;
	}
	if (has_open) {
		w = snprintf(buf + off, len - off, "%sopen=%u", n ? " " : "",
		    open_port);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
	}
	return 0;
}

void
seq_params_from(struct seq_params *p, const struct config *c,
    int door, int user, uint64_t step, const char *bind)
{
	const struct config_hmac *h = &c->doors[door].hmac;

	memset(p, 0, sizeof(*p));
	p->door = c->doors[door].name;
	p->user = c->users[user].name;
	p->step = step;
	p->bind = h->bind_source && bind != NULL ? bind : "";
	p->length = h->length;
	p->lo = h->lo;
	p->hi = h->hi;
	p->udp = h->udp;
	p->has_open = h->has_open;
	p->open_lo = h->open_lo;
	p->open_hi = h->open_hi;
}
