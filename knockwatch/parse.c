/* parse.c — turns one untrusted syslog line or kernel message into a
 * canonical knock: binary address, integer ports, flag bits. It allocates
 * nothing per line, never resolves a name, and lets no line text out except
 * the interface name, which it checks against a strict character set. */
#include "kwlimits.h"
#include "parse.h"
#include "tcpflags.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "syshdr.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PARSE_MAX_PREFIX	127	/* nft's log prefix limit; iptables' is 29 */
#define PARSE_MAX_KTS		32	/* "[ 1234567.123456] " */
#define PARSE_MATCH_LIMIT	100000	/* bounds an admin's pattern on one line */
#define PARSE_DEPTH_LIMIT	10000
#define PARSE_HEAP_LIMIT	4096	/* KiB, interpreter only */
#define PARSE_JIT_STACK_MIN	(32 * 1024)
#define PARSE_JIT_STACK_MAX	(512 * 1024)

struct parser {
	char prefix[PARSE_MAX_PREFIX + 1];
	size_t prefixlen;		/* 0: no prefix */
	int custom;			/* admin's pattern instead of the built-in */
	pcre2_code *re;
	pcre2_match_data *md;		/* one per parser: not thread-safe */
	PCRE2_SIZE *ov;			/* md's ovector, fixed for its life */
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	uint32_t g_src, g_dport, g_proto, g_spt, g_flags; /* custom groups,
							 * 0 = none */
	uint64_t lines, headers;	/* parse_line calls; headers read */
	const char *why;		/* the last line that was no knock: why */
};

/* Returns r, noting why the line is not a knock (for parse_why). */
#define WHY(r, text) (p->why = (text), (r))

static void parse_err(char *, size_t, const char *, ...) KW_PRINTF(3, 4);

static void
parse_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
parse_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether [s, end) starts with the n bytes of lit; inlined, unlike the
 * memcmp calls it replaces on the per-line path. */
static inline int
parse_lit(const char *s, const char *end, const char *lit, size_t n)
{
	/* memcmp with a constant length compiles to a few word compares. */
	return (size_t)(end - s) >= n && memcmp(s, lit, n) == 0;
}

/* Port text: 1..5 digits, no leading zero, value 1..65535. */
static int
parse_port(const char *s, size_t n, uint16_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (!parse_isdigit(s[i]))
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * Address text from the line. Only hex digits, '.' and ':' may reach
 * inet_pton: this keeps out names, shell characters, zone ids and embedded
 * NULs (inet_pton would stop at a NUL and accept the part before it).
 */
static int
parse_src(const char *s, size_t n, struct kw_addr *out)
{
	/* The bytes allowed: one load a byte on the per-knock path. */
	static const unsigned char ok[256] = {
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
		['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
		['f'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
		['E'] = 1, ['F'] = 1, ['.'] = 1, [':'] = 1,
	};
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	if (n == 0 || n >= ADDR_STRLEN)
		return -1;
	for (i = 0; i < n; i++)
		if (!ok[u[i]])
			return -1;
	return addr_parse(s, n, out);
}

/* Interface name: what the kernel allows (IFNAMSIZ) narrowed to the
 * characters real names use, so that the name is safe to pass on. */
static int
parse_ifname(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i;
	char c;

	if (n >= outlen)
		return -1;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (!(parse_isdigit(c) || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
		    c == '.' || c == '@'))
			return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Skips ASCII digits. */
static const char *
parse_digits(const char *q, const char *end)
{
	while (q < end && parse_isdigit(*q))
		q++;
	return q;
}

/*
 * The TCP part after the DPT value: [" SEQ=n ACK=n"] " WINDOW=n RES=0xhh ",
 * then the flag words, each followed by one space, then "URGP=". Returns 1
 * with the flags, 0 if the line has no such part, -1 if a flag word is not
 * one of the eight (malformed).
 */
static int
parse_tcp_tail(const char *q, const char *end, uint8_t *out)
{
	uint8_t f = 0, bit;

	if (parse_lit(q, end, " SEQ=", 5)) {
		q = parse_digits(q + 5, end);
		if (!parse_lit(q, end, " ACK=", 5))
			return 0;
		q = parse_digits(q + 5, end);
	}
	if (!parse_lit(q, end, " WINDOW=", 8))
		return 0;
	q = parse_digits(q + 8, end);
	if (!parse_lit(q, end, " RES=0x", 7) || end - q < 10 || q[9] != ' ')
		return 0;
	q += 10;
	while (!parse_lit(q, end, "URGP=", 5)) {
		if (end - q < 4 || q[3] != ' ')
			return -1;
		if ((bit = tcpflags_word(q, 0)) == 0)
			return -1;
		f |= bit;
		q += 4;
	}
	*out = f;
	return 1;
}

/* Copies a finished knock out; field by field, which compiles to a few
 * moves where a struct copy of this odd size became "rep movsb". */
static void
parse_put(struct parse_knock *out, const struct parse_knock *k)
{
	out->src = k->src;
	out->sport = k->sport;
	out->dport = k->dport;
	out->proto = k->proto;
	out->tcp_flags = k->tcp_flags;
	out->has_flags = k->has_flags;
	out->host = k->host;
	out->hostlen = k->hostlen;
	out->fleet_host = NULL;
	memcpy(out->in, k->in, sizeof(out->in));
}

/* Group g of the last match of rc, or -1 if it did not take part. */
static int
parse_group(struct parser *p, int rc, uint32_t g, const char **s, size_t *n,
    const char *subject)
{
	const PCRE2_SIZE *ov = p->ov;

	if (g == 0 || (int)g >= rc)
		return -1;
	if (ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
		return -1;
	*s = subject + ov[2 * g];
	*n = ov[2 * g + 1] - ov[2 * g];
	return 0;
}

/* Skips a printk timestamp "[  109.780091] " if one is there. */
static const char *
parse_skip_kts(const char *s, const char *end)
{
	const char *q = s, *lim;

	if (q == end || *q != '[')
		return s;
	lim = end - s > PARSE_MAX_KTS ? s + PARSE_MAX_KTS : end;
	for (q++; q < lim && *q == ' '; q++)
		;
	if (q == lim || !parse_isdigit(*q))
		return s;
	while (q < lim && parse_isdigit(*q))
		q++;
	if (q == lim || *q++ != '.')
		return s;
	if (q == lim || !parse_isdigit(*q))
		return s;
	while (q < lim && parse_isdigit(*q))
		q++;
	if (lim - q < 2 || q[0] != ']' || q[1] != ' ')
		return s;
	return q + 2;
}

/* Length of the token at s: up to a space or end. Tokens are short. */
static size_t
parse_toklen(const char *s, const char *end)
{
	const char *q;

	for (q = s; q < end && *q != ' '; q++)
		;
	return (size_t)(q - s);
}

/* What one pass over a LOG body finds. */
struct parse_scan {
	const char *src;	/* the first field "SRC=" */
	const char *proto;	/* the first field "PROTO=" */
	int nsrc;		/* fields "SRC=", counted up to 2 */
	int nul;		/* a NUL byte was seen */
};

/*
 * Notes a field whose name ends at q (q[1] is its '='). A field starts a
 * token: at s or after a space; "SRC=" also after '[', which opens the
 * packet quoted by an ICMP error. "MACSRC=" of --log-macdecode is another
 * field.
 */
static inline void
parse_scan_at(const char *s, const char *q, struct parse_scan *sc)
{
	if (q[0] == 'C') {
		if (q - s >= 2 && q[-1] == 'R' && q[-2] == 'S' &&
		    (q - 2 == s || q[-3] == ' ' || q[-3] == '[') &&
		    sc->nsrc++ == 0)
			sc->src = q - 2;
	} else if (sc->proto == NULL && q - s >= 5 && q[-1] == 'T' &&
	    q[-2] == 'O' && q[-3] == 'R' && q[-4] == 'P' && q[-5] == ' ')
		sc->proto = q - 4;
}

#if !defined(__SSE2__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PARSE_ONES	0x0101010101010101ULL
#define PARSE_LOW7	0x7f7f7f7f7f7f7f7fULL

/* The high bit of each byte of w that is zero, and no other bit. */
static inline uint64_t
parse_zero_bytes(uint64_t w)
{
	return ~(((w & PARSE_LOW7) + PARSE_LOW7) | w | PARSE_LOW7);
}
#endif

/*
 * One pass over [s, end) for SRC= and PROTO= fields and NUL bytes, eight
 * bytes at a time. The fields are found through the pairs "C=" and "O="
 * (about four a line, against some twenty '='), so that few words branch.
 * Measured several times faster than memmem or a pattern over the whole
 * line; it is most of the cost of a knock line.
 */
static void
parse_scan_body(const char *s, const char *end, struct parse_scan *sc)
{
	const char *q = s;

	memset(sc, 0, sizeof(*sc));
#if defined(__SSE2__)
	/* Sixteen bytes a step; SSE2 is part of x86-64. */
	for (; end - q >= 17 && sc->nsrc < 2; q += 16) {
		__m128i w, w1;
		unsigned int m;

		w = _mm_loadu_si128((const __m128i *)(const void *)q);
		w1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_setzero_si128())) !=
		    0) {
			sc->nul = 1;
			return;
		}
		m = (unsigned int)_mm_movemask_epi8(_mm_and_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('C')),
		    _mm_cmpeq_epi8(w, _mm_set1_epi8('O'))),
		    _mm_cmpeq_epi8(w1, _mm_set1_epi8('='))));
		for (; m != 0; m &= m - 1)
			parse_scan_at(s, q + __builtin_ctz(m), sc);
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Two overlapping loads: w at q, w1 at q + 1 (hence 9 bytes). */
	for (; end - q >= 9 && sc->nsrc < 2; q += 8) {
		uint64_t w, w1, m;

		memcpy(&w, q, sizeof(w));
		memcpy(&w1, q + 1, sizeof(w1));
		if (parse_zero_bytes(w) != 0) {
			sc->nul = 1;
			return;
		}
		m = (parse_zero_bytes(w ^ (PARSE_ONES * 'C')) |
		    parse_zero_bytes(w ^ (PARSE_ONES * 'O'))) &
		    parse_zero_bytes(w1 ^ (PARSE_ONES * '='));
		for (; m != 0; m &= m - 1)
			parse_scan_at(s, q + __builtin_ctzll(m) / 8, sc);
	}
#endif
	for (; q < end && sc->nsrc < 2; q++) {
		if (*q == '\0') {
			sc->nul = 1;
			return;
		}
		if (end - q >= 2 && q[1] == '=' && (q[0] == 'C' || q[0] == 'O'))
			parse_scan_at(s, q, sc);
	}
}

/* One value of a LOG field: its bytes, up to a space or the end. */
struct parse_tok {
	const char *s;
	size_t n;
};

/*
 * The protocol part of a kernel LOG line, from "PROTO=" at q (found by
 * parse_scan_body, so its six bytes are there) on, as nf_log_syslog.c
 * prints it for iptables, ip6tables and nftables alike: "PROTO=p", then
 * " SPT=n DPT=n" right after it for TCP and UDP. Values are taken loosely
 * (up to a space) and checked by the caller, so that a malformed value
 * gives PARSE_REJECT rather than a silent no-match; spt->s is NULL when
 * the ports do not follow. By hand, as the fields before it: PCRE2's JIT
 * entry for this one anchored pattern cost a tenth of replay's
 * instructions.
 */
static void
parse_proto_part(const char *q, const char *end, struct parse_tok *proto,
    struct parse_tok *spt, struct parse_tok *dpt)
{
	const char *r;

	proto->s = q + 6;
	proto->n = parse_toklen(proto->s, end);
	spt->s = dpt->s = NULL;
	spt->n = dpt->n = 0;
	r = proto->s + proto->n;
	if (!parse_lit(r, end, " SPT=", 5))
		return;
	r += 5;
	if (!parse_lit(r + parse_toklen(r, end), end, " DPT=", 5))
		return;
	spt->s = r;
	spt->n = parse_toklen(r, end);
	dpt->s = r + spt->n + 5;
	dpt->n = parse_toklen(dpt->s, end);
}

/*
 * The built-in kernel LOG format, from the kernel message on:
 * "[ts] PREFIX IN=if OUT=if ... SRC=a DST=a ... PROTO=p SPT=n DPT=n ...".
 * A line that carries the admin's prefix but not this shape is malformed
 * (PARSE_REJECT); without a prefix it may be any kernel text (NOMATCH).
 */
static enum parse_result
parse_kernel(struct parser *p, const char *msg, const char *end,
    struct parse_knock *out)
{
	struct parse_knock k;
	struct parse_scan sc;
	struct parse_tok pt, spt, dpt;
	const char *body, *src, *dst, *proto, *s;
	enum parse_result bad;
	size_t n, i;

	msg = parse_skip_kts(msg, end);
	if (p->prefixlen > 0) {
		/* The prefix anchors: it must open the message. */
		if ((size_t)(end - msg) < p->prefixlen + 3)
			return WHY(PARSE_NOMATCH, "no prefix");
		for (i = 0; i < p->prefixlen; i++)
			if (msg[i] != p->prefix[i])
				return WHY(PARSE_NOMATCH, "no prefix");
		body = msg + p->prefixlen;
		while (body < end && *body == ' ')
			body++;
		if (end - body < 3 || body[0] != 'I' || body[1] != 'N' ||
		    body[2] != '=')
			return WHY(PARSE_NOMATCH, "no IN= after the prefix");
		bad = PARSE_REJECT;
	} else {
		/* Any LOG prefix is allowed, but it cannot hold '=' or '"',
		 * so "IN=" ends at the first '='. This keeps out kernel
		 * messages that quote user-chosen text, such as audit
		 * records with name="IN=... SRC=...". */
		s = memchr(msg, '=', (size_t)(end - msg));
		if (s == NULL || s - msg < 2 || s[-2] != 'I' || s[-1] != 'N')
			return WHY(PARSE_NOMATCH, "not a LOG line (no IN=)");
		body = s - 2;
		if (body - msg > PARSE_MAX_PREFIX)
			return WHY(PARSE_NOMATCH, "no prefix (text before IN= "
			    "too long)");
		for (s = msg; s < body; s++)
			if (*s == '"' || *s < ' ' || *s > '~')
				return WHY(PARSE_NOMATCH, "no prefix (quotes "
				    "or control bytes before IN=)");
		bad = PARSE_NOMATCH;
	}

	/* The kernel never writes a NUL: a line holding one was damaged or
	 * forged, and C string functions would see a shorter value. Two
	 * SRC= fields: forged text, or an ICMP error quoting the packet that
	 * caused it; either way not one clear source. */
	parse_scan_body(body, end, &sc);
	if (sc.nul)
		return WHY(bad, "a NUL byte in the line");
	if (sc.nsrc > 1)
		return WHY(PARSE_REJECT, "two SRC= fields");
	if (sc.nsrc == 0 || sc.proto == NULL || sc.proto < sc.src)
		return WHY(bad, "no SRC= or PROTO= field");
	src = sc.src;
	proto = sc.proto;

	memset(&k, 0, sizeof(k));
	/* "IN=if OUT=" opens the body; then SRC=a DST=. */
	n = parse_toklen(body + 3, end);
	if (!parse_lit(body + 3 + n, end, " OUT=", 5))
		return WHY(bad, "malformed IN= (no OUT= after it)");
	if (parse_ifname(body + 3, n, k.in, sizeof(k.in)) != 0)
		return WHY(PARSE_REJECT, "malformed IN=");
	/* No input interface: a packet this host sent (OUTPUT, or UFW's
	 * AUDIT and Docker's FilterOutput chains), never a knock. */
	if (n == 0)
		return WHY(PARSE_NOMATCH, "empty IN= (a packet this host sent)");
	n = parse_toklen(src + 4, end);
	dst = src + 4 + n;
	if (!parse_lit(dst, end, " DST=", 5) || proto < dst + 5)
		return WHY(bad, "malformed SRC= (no DST= after it)");
	if (parse_src(src + 4, n, &k.src) != 0)
		return WHY(PARSE_REJECT, "malformed SRC=");

	parse_proto_part(proto, end, &pt, &spt, &dpt);
	if (pt.n == 3 && pt.s[0] == 'T' && pt.s[1] == 'C' && pt.s[2] == 'P')
		k.proto = IPPROTO_TCP;
	else if (pt.n == 3 && pt.s[0] == 'U' && pt.s[1] == 'D' &&
	    pt.s[2] == 'P')
		k.proto = IPPROTO_UDP;
	else
		return WHY(PARSE_NOMATCH, "PROTO= not TCP or UDP");
	/* No ports: a later fragment or a truncated packet, not a knock. */
	if (spt.s == NULL)
		return WHY(PARSE_NOMATCH, "no SPT= (a fragment)");
	if (parse_port(spt.s, spt.n, &k.sport) != 0)
		return WHY(PARSE_REJECT, "malformed SPT=");
	if (parse_port(dpt.s, dpt.n, &k.dport) != 0)
		return WHY(PARSE_REJECT, "malformed DPT=");
	if (k.proto == IPPROTO_TCP) {
		switch (parse_tcp_tail(dpt.s + dpt.n, end, &k.tcp_flags)) {
		case -1:
			return WHY(PARSE_REJECT, "malformed TCP flags");
		case 1:
			k.has_flags = 1;
			break;
		}
	}
	parse_put(out, &k);
	return PARSE_KNOCK;
}

/* An admin's pattern over the whole line (or message). */
static enum parse_result
parse_custom(struct parser *p, const char *line, size_t len,
    struct parse_knock *out)
{
	struct parse_knock k;
	const char *s;
	size_t n;
	int rc;

	if (p->prefixlen > 0 &&
	    memmem(line, len, p->prefix, p->prefixlen) == NULL)
		return WHY(PARSE_NOMATCH, "no prefix");
	rc = pcre2_match(p->re, (PCRE2_SPTR)line, len, 0, 0, p->md, p->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return WHY(PARSE_NOMATCH, "pattern does not match");
	if (rc < 0)	/* limits hit, bad UTF-8: count it */
		return WHY(PARSE_REJECT, "pattern failed (match limit)");

	memset(&k, 0, sizeof(k));
	k.proto = IPPROTO_TCP;
	if (parse_group(p, rc, p->g_proto, &s, &n, line) == 0) {
		if (n == 3 && strncasecmp(s, "tcp", 3) == 0)
			k.proto = IPPROTO_TCP;
		else if (n == 3 && strncasecmp(s, "udp", 3) == 0)
			k.proto = IPPROTO_UDP;
		else
			return WHY(PARSE_NOMATCH, "proto not TCP or UDP");
	}
	if (parse_group(p, rc, p->g_dport, &s, &n, line) != 0 ||
	    parse_port(s, n, &k.dport) != 0)
		return WHY(PARSE_REJECT, "malformed dport");
	if (parse_group(p, rc, p->g_spt, &s, &n, line) == 0 &&
	    parse_port(s, n, &k.sport) != 0)
		return WHY(PARSE_REJECT, "malformed spt");
	if (parse_group(p, rc, p->g_src, &s, &n, line) != 0 ||
	    parse_src(s, n, &k.src) != 0)
		return WHY(PARSE_REJECT, "malformed src");
	if (parse_group(p, rc, p->g_flags, &s, &n, line) == 0) {
		if (k.proto != IPPROTO_TCP ||
		    tcpflags_words(s, n, &k.tcp_flags) != 0)
			return WHY(PARSE_REJECT, "malformed flags");
		k.has_flags = 1;
	}
	parse_put(out, &k);
	return PARSE_KNOCK;
}

/* Looks up a named group of the admin's pattern; required or not. */
static int
parse_named(struct parser *p, const char *name, int required, uint32_t *g,
    char *err, size_t errlen)
{
	int rc;

	rc = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR)name);
	if (rc == PCRE2_ERROR_NOSUBSTRING && !required) {
		*g = 0;
		return 0;
	}
	if (rc == PCRE2_ERROR_NOSUBSTRING) {
		parse_err(err, errlen, "pattern: missing the named group "
		    "(?<%s>...), which it must have", name);
		return -1;
	}
	if (rc < 0) {
		parse_err(err, errlen, "pattern: the named group (?<%s>...) "
		    "must appear only once", name);
		return -1;
	}
	*g = (uint32_t)rc;
	return 0;
}

/*
 * Compiles the parser once. prefix: the LOG prefix that must open the kernel
 * message (printable ASCII, at most 127 bytes; NULL or "" for none; with a
 * custom pattern it is only a required substring). pattern: the admin's
 * PCRE2 pattern or NULL for the built-in kernel LOG format. The caller owns
 * the result and frees it with parse_free. Returns NULL with a message in
 * err (shown to admins as a config error) on failure.
 */
struct parser *
parse_new(const char *prefix, const char *pattern, char *err, size_t errlen)
{
	struct parser *p;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	size_t i, n;
	int ec, rc;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		parse_err(err, errlen, "out of memory");
		return NULL;
	}
	if (prefix != NULL && (n = strlen(prefix)) > 0) {
		if (n > PARSE_MAX_PREFIX) {
			parse_err(err, errlen, "prefix: longer than %d bytes",
			    PARSE_MAX_PREFIX);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (prefix[i] < ' ' || prefix[i] > '~') {
				parse_err(err, errlen, "prefix: only "
				    "printable ASCII is allowed");
				goto fail;
			}
		memcpy(p->prefix, prefix, n);
		p->prefixlen = n;
	}

	/* The built-in format is read by hand (parse_kernel): PCRE2 only
	 * for an admin's pattern. */
	if ((p->custom = pattern != NULL) == 0)
		return p;
	p->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_BACKSLASH_C, &ec, &off, NULL);
	if (p->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		parse_err(err, errlen, "pattern: %s at offset %zu",
		    (const char *)msg, (size_t)off);
		goto fail;
	}
	if ((parse_named(p, "src", 1, &p->g_src, err, errlen) != 0 ||
	    parse_named(p, "dport", 1, &p->g_dport, err, errlen) != 0 ||
	    parse_named(p, "proto", 0, &p->g_proto, err, errlen) != 0 ||
	    parse_named(p, "spt", 0, &p->g_spt, err, errlen) != 0 ||
	    parse_named(p, "flags", 0, &p->g_flags, err, errlen) != 0))
		goto fail;

	if ((p->md = pcre2_match_data_create_from_pattern(p->re, NULL)) ==
	    NULL || (p->mctx = pcre2_match_context_create(NULL)) == NULL) {
		parse_err(err, errlen, "out of memory");
		goto fail;
	}
	p->ov = pcre2_get_ovector_pointer(p->md);
	pcre2_set_match_limit(p->mctx, PARSE_MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, PARSE_DEPTH_LIMIT);
	pcre2_set_heap_limit(p->mctx, PARSE_HEAP_LIMIT);

	rc = pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);
	if (rc == 0) {
		p->jstack = pcre2_jit_stack_create(PARSE_JIT_STACK_MIN,
		    PARSE_JIT_STACK_MAX, NULL);
		if (p->jstack == NULL) {
			parse_err(err, errlen, "out of memory");
			goto fail;
		}
		pcre2_jit_stack_assign(p->mctx, NULL, p->jstack);
	} else {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		log_warnx("parse: PCRE2 JIT unavailable (%s); using the "
		    "slower interpreter", (const char *)msg);
	}
	return p;
fail:
	parse_free(p);
	return NULL;
}

/*
 * Parses one syslog line of len bytes (need not be NUL-terminated; a
 * trailing newline is ignored). Only a line whose header syshdr_scan
 * recognises, with the "kernel:" tag in its place, counts, for the
 * built-in format and an admin's pattern alike (which then runs over the
 * whole line). Writes *out only when returning PARSE_KNOCK, with the span
 * of the header's host. Allocates nothing with JIT; the interpreter
 * fallback may grow its frame vector, kept in the match data, on the
 * first lines.
 */
enum parse_result
parse_line(struct parser *p, const char *line, size_t len,
    struct parse_knock *out)
{
	struct syshdr h;
	enum parse_result r;

	p->lines++;
	if (len > KW_MAX_LINE)
		return WHY(PARSE_REJECT, "overlong");
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!syshdr_scan(line, len, &h))
		return WHY(PARSE_NOMATCH, "header not recognised");
	p->headers++;
	if (!h.kernel)
		return WHY(PARSE_NOMATCH, "not a kernel line");
	r = p->custom ? parse_custom(p, line, len, out) :
	    parse_kernel(p, line + h.msg, line + len, out);
	if (r == PARSE_KNOCK) {
		/* Lines are at most KW_MAX_LINE bytes: the span fits. */
		out->host = (uint16_t)h.host;
		out->hostlen = (uint16_t)h.hostlen;
	}
	return r;
}

/* The lines parse_line was given, and how many had a header it knows. */
void
parse_counts(const struct parser *p, uint64_t *lines, uint64_t *headers)
{
	*lines = p->lines;
	*headers = p->headers;
}

/*
 * Parses the text of one kernel message (what /dev/kmsg gives after the
 * ';', optionally starting with "[  12.345678] "); the caller has already
 * checked that the record's facility is kernel. Same contract as
 * parse_line otherwise.
 */
enum parse_result
parse_kmsg(struct parser *p, const char *msg, size_t len,
    struct parse_knock *out)
{
	if (len > KW_MAX_LINE)
		return WHY(PARSE_REJECT, "overlong");
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (p->custom)
		return parse_custom(p, msg, len, out);
	return parse_kernel(p, msg, msg + len, out);
}

const char *
parse_why(const struct parser *p)
{
	return p->why != NULL ? p->why : "not a knock";
}

/* Frees the parser and everything it holds; NULL is allowed. */
void
parse_free(struct parser *p)
{
	if (p == NULL)
		return;
	pcre2_jit_stack_free(p->jstack);
	pcre2_match_context_free(p->mctx);
	pcre2_match_data_free(p->md);
	pcre2_code_free(p->re);
	free(p);
}
