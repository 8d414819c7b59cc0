/* seq.c — derives knockwatch/1 knock sequences (shared/spec/sequence-v1.md)
 * with libgcrypt's HMAC-SHA256. A pure function of key, parameters and step:
 * it never reads the clock, never logs key material and never allocates per
 * call (one MAC handle is opened by seq_init and reused). */
#include "seq.h"

#include <gcrypt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define SEQ_GCRYPT_NEED	"1.8.0"
#define SEQ_MAX_BLOCKS	4096	/* stream blocks before giving up */
#define SEQ_BLOCK	32	/* HMAC-SHA256 output bytes */
#define SEQ_MSG_MAX	256	/* msg without suffix, see seq_derive */
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

int
seq_valid(size_t keylen, const struct seq_params *p)
{
	if (keylen < KW_MIN_KEY || keylen > KW_MAX_KEY)
		return 0;
	if (!seq_valid_name(p->door) || !seq_valid_name(p->user) ||
	    !seq_valid_bind(p->bind))
		return 0;
	if (p->length < 2 || p->length > KW_MAX_SEQ || p->lo == 0 ||
	    p->lo > p->hi || (uint32_t)p->hi - p->lo + 1 < p->length)
		return 0;
	if (p->has_open) {
		if (p->open_lo == 0 || p->open_lo > p->open_hi)
			return 0;
		/* At least one open port must remain outside the knocks,
		 * whatever they turn out to be. */
		if ((uint32_t)p->open_hi - p->open_lo + 1 <= p->length &&
		    p->open_lo >= p->lo && p->open_hi <= p->hi)
			return 0;
	}
	return 1;
}

int
seq_derive(const unsigned char *key, size_t keylen,
    const struct seq_params *p, struct config_knock *out, uint16_t *open_port)
{
	/* "knockwatch/1|" 13 + door 64 + user 64 + step 20 + bind 45 + three
	 * separators: 209 bytes, well under SEQ_MSG_MAX. */
	char msg[SEQ_MSG_MAX];
	unsigned char pb[SEQ_BLOCK];
	struct seq_stream s;
	unsigned j;
	int n, rc = -1;

	if (!seq_ready || !seq_valid(keylen, p))
		return -1;
	n = snprintf(msg, sizeof(msg), "knockwatch/1|%s|%s|%" PRIu64 "|%s",
	    p->door, p->user, p->step, p->bind);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	if (gcry_mac_setkey(seq_mac, key, keylen) != 0)
		return -1;

	memset(&s, 0, sizeof(s));
	s.msg = msg;
	s.msglen = (size_t)n;
	s.pos = SEQ_BLOCK / 2;
	for (j = 0; j < p->length; j++) {
		if (seq_draw(&s, p->lo, p->hi, out, j, &out[j].port) == -1)
			goto out;
		out[j].proto = IPPROTO_TCP;
	}
	if (p->udp) {
		if (seq_hmac(msg, s.msglen, "|proto", pb) == -1)
			goto out;
		for (j = 0; j < p->length; j++)
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
