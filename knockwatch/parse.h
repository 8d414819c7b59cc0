/* parse.h — turns one untrusted log line into a canonical knock. */
#ifndef KW_PARSE_H
#define KW_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "kwlimits.h"	/* KW_MAX_LINE */

/* TCP flag bits as in the TCP header. */
#define PARSE_TCP_FIN 0x01
#define PARSE_TCP_SYN 0x02
#define PARSE_TCP_RST 0x04
#define PARSE_TCP_PSH 0x08
#define PARSE_TCP_ACK 0x10
#define PARSE_TCP_URG 0x20
#define PARSE_TCP_ECE 0x40
#define PARSE_TCP_CWR 0x80

struct parse_knock {
	struct kw_addr src;	/* canonicalised with inet_pton */
	uint16_t sport;		/* 0 when the line has none */
	uint16_t dport;		/* 1..65535 */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t tcp_flags;	/* PARSE_TCP_* bits, TCP only */
	uint8_t has_flags;	/* 1 when the line carried TCP flags */
	uint16_t host;		/* the syslog HOST field: its offset in the */
	uint16_t hostlen;	/* line and length; hostlen 0 when there is
				 * none (kmsg, OpenWrt logread) */
	char in[16];		/* IN= interface name, NUL-terminated, may be "" */
	/* Fleet sources only: the host field's canonical text (set by
	 * host_of_knock, host.h), else NULL. The parser sets it to NULL. */
	const char *fleet_host;
};

enum parse_result {
	PARSE_REJECT = -1,	/* looked like a knock but is malformed or forged */
	PARSE_NOMATCH = 0,	/* not a knock line: ignored */
	PARSE_KNOCK = 1,	/* *out is filled */
};

struct parser;

/* Sets a parser up once: the built-in kernel LOG format is read by hand;
 * a custom pattern is compiled by PCRE2 with JIT, falling back to the
 * interpreter with one warning. prefix: the LOG --log-prefix that must start the kernel
 * message, or NULL. pattern: a custom PCRE2 pattern with named groups src,
 * dport and optional proto, spt and flags (TCP flag words, "SYN" or
 * "ACK SYN"), or NULL for the built-in kernel LOG format.
 * Returns NULL and writes a message into err on failure. */
struct parser *parse_new(const char *prefix, const char *pattern,
    char *err, size_t errlen);
/* Parses a syslog line of any header syshdr_scan knows (rsyslog classic and
 * RFC 3339, journalctl -o short*, with-unit, busybox syslogd, OpenWrt
 * logread); only lines whose tag is "kernel:" count, with a custom pattern
 * too. Fills out->host/hostlen. Allocates nothing. line need not be
 * NUL-terminated. */
enum parse_result parse_line(struct parser *p, const char *line, size_t len,
    struct parse_knock *out);
/* How many lines parse_line has read, and in how many it recognised a
 * header: a source whose headers stay at 0 is in a format it cannot read. */
void parse_counts(const struct parser *p, uint64_t *lines,
    uint64_t *headers);
/* Parses the text of a kernel message without any syslog header (as read
 * from /dev/kmsg after the ';'), optionally starting with "[  12.345] ". */
enum parse_result parse_kmsg(struct parser *p, const char *msg, size_t len,
    struct parse_knock *out);
/* Why the last line parse_line or parse_kmsg did not take as a knock was
 * not one ("no prefix", "header not recognised", "malformed SRC=" ...): a
 * static string, for replay -v. */
const char *parse_why(const struct parser *p);
void parse_free(struct parser *p);

#endif
