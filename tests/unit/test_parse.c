/* test_parse.c — unit tests for parse.c: the golden corpora in
 * tests/data/parse/cases.txt (format described at its top) and fmt-*.txt
 * (one per log format, with the host span), the custom
 * pattern checks of parse_new, canonical addresses, bounds (no read past
 * len), and no allocation on the per-line path. Prints parse speed, never
 * asserts it. Finds the corpus through $KW_TOP (default: "."). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "parse.h"
#include "test.h"

/*
 * Allocation counter: this executable's malloc family wraps glibc's, so
 * every allocation in the process (libpcre2's included) is counted while
 * t_counting is set. Sanitizers bring their own allocator; there the check
 * is skipped.
 */
#if defined(__SANITIZE_ADDRESS__)
#define T_NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define T_NO_MALLOC_HOOK 1
#endif
#endif

static int t_counting;
static long t_allocs;

#ifndef T_NO_MALLOC_HOOK
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *
malloc(size_t n)
{
	if (t_counting)
		t_allocs++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (t_counting)
		t_allocs++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (t_counting)
		t_allocs++;
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}
#endif

static void
fmt_result(enum parse_result r, const struct parse_knock *k, char *buf,
    size_t len)
{
	static const char *words[] = { "CWR", "ECE", "URG", "ACK", "PSH",
	    "RST", "SYN", "FIN" };
	static const uint8_t bits[] = { PARSE_TCP_CWR, PARSE_TCP_ECE,
	    PARSE_TCP_URG, PARSE_TCP_ACK, PARSE_TCP_PSH, PARSE_TCP_RST,
	    PARSE_TCP_SYN, PARSE_TCP_FIN };
	char a[ADDR_STRLEN], fl[64];
	size_t i;

	if (r == PARSE_NOMATCH) {
		snprintf(buf, len, "nomatch");
		return;
	}
	if (r == PARSE_REJECT) {
		snprintf(buf, len, "reject");
		return;
	}
	fl[0] = '\0';
	if (!k->has_flags)
		snprintf(fl, sizeof(fl), "-");
	else if (k->tcp_flags == 0)
		snprintf(fl, sizeof(fl), "none");
	else
		for (i = 0; i < 8; i++)
			if (k->tcp_flags & bits[i]) {
				if (fl[0] != '\0')
					strcat(fl, ",");
				strcat(fl, words[i]);
			}
	snprintf(buf, len, "src=%s proto=%s sport=%u dport=%u flags=%s in=%s",
	    addr_ntop(&k->src, a, sizeof(a)),
	    k->proto == IPPROTO_TCP ? "tcp" :
	    k->proto == IPPROTO_UDP ? "udp" : "?",
	    k->sport, k->dport, fl, k->in);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes \xHH and \\ into a new buffer of exactly *outlen bytes (plus a
 * NUL the parser never sees). */
static char *
decode(const char *s, size_t *outlen)
{
	size_t n = strlen(s), o = 0, i;
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && s[i + 1] == '\\') {
			d[o++] = '\\';
			i++;
		} else if (s[i] == '\\' && s[i + 1] == 'x' &&
		    hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			d[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 3;
		} else
			d[o++] = s[i];
	}
	d[o] = '\0';
	*outlen = o;
	return d;
}

static int
directive(const char *line, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	*val = line + n + 1;
	if (**val == ' ')
		(*val)++;
	return 1;
}

/* Runs every case of the corpus; returns the number of cases. */
static int
run_corpus(const char *path)
{
	FILE *f;
	char *buf = NULL, *prefix = NULL, *pattern = NULL, *in = NULL, *exact;
	char got[256], err[256];
	const char *v;
	size_t cap = 0, inlen = 0, n;
	ssize_t len;
	int lineno = 0, inlineno = 0, kmsg = 0, cases = 0, dirty = 1;
	struct parser *p = NULL;
	struct parse_knock k;
	enum parse_result r;

	if ((f = fopen(path, "r")) == NULL) {
		T_OK(0, "cannot open %s", path);
		return 0;
	}
	while ((len = getline(&buf, &cap, f)) != -1) {
		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (buf[0] == '#' || buf[0] == '\0')
			continue;
		if (directive(buf, "prefix", &v)) {
			free(prefix);
			prefix = strcmp(v, "-") == 0 ? NULL : decode(v, &n);
			dirty = 1;
		} else if (directive(buf, "pattern", &v)) {
			free(pattern);
			pattern = strcmp(v, "-") == 0 ? NULL : strdup(v);
			dirty = 1;
		} else if (directive(buf, "line", &v) ||
		    directive(buf, "kmsg", &v)) {
			free(in);
			in = decode(v, &inlen);
			kmsg = buf[0] == 'k';
			inlineno = lineno;
		} else if (directive(buf, "pad", &v) && in != NULL) {
			n = (size_t)atol(v);
			if ((in = realloc(in, inlen + n + 1)) == NULL)
				abort();
			memset(in + inlen, 'x', n);
			inlen += n;
		} else if (directive(buf, "expect", &v) && in != NULL) {
			if (dirty) {
				parse_free(p);
				p = parse_new(prefix, pattern, err, sizeof(err));
				T_OK(p != NULL, "%s:%d: parse_new: %s", path,
				    lineno, err);
				if (p == NULL)
					break;
				dirty = 0;
			}
			/* An exact-size copy: ASan catches a read past len. */
			if ((exact = malloc(inlen ? inlen : 1)) == NULL)
				abort();
			memcpy(exact, in, inlen);
			memset(&k, 0, sizeof(k));
			r = kmsg ? parse_kmsg(p, exact, inlen, &k) :
			    parse_line(p, exact, inlen, &k);
			free(exact);
			fmt_result(r, &k, got, sizeof(got));
			/* " host=NAME" (or "-"): the span must name the
			 * syslog HOST field of the line. */
			if (r == PARSE_KNOCK && strstr(v, " host=") != NULL) {
				size_t gl = strlen(got);
				if (k.hostlen == 0)
					snprintf(got + gl, sizeof(got) - gl,
					    " host=-");
				else if ((size_t)k.host + k.hostlen <= inlen)
					snprintf(got + gl, sizeof(got) - gl,
					    " host=%.*s", (int)k.hostlen,
					    in + k.host);
			}
			T_OK(strcmp(got, v) == 0, "%s:%d: got '%s', expected "
			    "'%s'", path, inlineno, got, v);
			free(in);
			in = NULL;
			cases++;
		} else
			T_OK(0, "%s:%d: unknown directive", path, lineno);
	}
	parse_free(p);
	free(in);
	free(prefix);
	free(pattern);
	free(buf);
	fclose(f);
	return cases;
}

static const char knock_line[] =
    "Nov 23 16:53:16 fw kernel: [  109.780091] KNOCK: IN=eth0 OUT= "
    "MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.7 "
    "DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP "
    "SPT=40312 DPT=7000 WINDOW=64240 RES=0x00 SYN URGP=0";

static void
test_new_errors(void)
{
	struct parser *p;
	char err[256], longp[200];

	err[0] = '\0';
	p = parse_new(NULL, "(?<dport>\\d+)", err, sizeof(err));
	T_OK(p == NULL, "pattern without src accepted");
	T_OK(strstr(err, "(?<src>") != NULL, "unclear error: %s", err);

	err[0] = '\0';
	p = parse_new(NULL, "SRC=(?<src>\\S+)", err, sizeof(err));
	T_OK(p == NULL, "pattern without dport accepted");
	T_OK(strstr(err, "(?<dport>") != NULL, "unclear error: %s", err);

	err[0] = '\0';
	p = parse_new(NULL, "SRC=(?<src>\\S+ DPT=(?<dport>\\d+)", err,
	    sizeof(err));
	T_OK(p == NULL, "broken pattern accepted");
	T_OK(strstr(err, "missing closing parenthesis") != NULL &&
	    strstr(err, "at offset ") != NULL, "error lacks PCRE2 message "
	    "or offset: %s", err);

	err[0] = '\0';
	p = parse_new(NULL, "(?J)(?<src>a)|(?<src>b) (?<dport>\\d+)", err,
	    sizeof(err));
	T_OK(p == NULL, "duplicate group names accepted");
	T_OK(strstr(err, "only once") != NULL, "unclear error: %s", err);

	memset(longp, 'K', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	err[0] = '\0';
	T_OK(parse_new(longp, NULL, err, sizeof(err)) == NULL,
	    "overlong prefix accepted");
	T_OK(strstr(err, "prefix") != NULL, "unclear error: %s", err);
	T_OK(parse_new("KNOCK\n", NULL, err, sizeof(err)) == NULL,
	    "prefix with a newline accepted");
	/* A NULL error buffer is allowed. */
	T_OK(parse_new(NULL, "(", NULL, 0) == NULL, "broken pattern accepted");

	p = parse_new(NULL, "from (?<src>\\S+) to (?<dport>\\d+)", err,
	    sizeof(err));
	T_OK(p != NULL, "minimal pattern refused: %s", err);
	parse_free(p);
	p = parse_new("", NULL, err, sizeof(err));	/* "" means none */
	T_OK(p != NULL, "empty prefix refused: %s", err);
	parse_free(p);
	parse_free(NULL);
}

static void
test_fields(void)
{
	static const char v6a[] = "Nov 23 16:53:16 fw kernel: KNOCK: IN=eth0 "
	    "OUT= SRC=fd77:0000:0000:0000:0000:0000:0000:0002 "
	    "DST=fd77:0000:0000:0000:0000:0000:0000:0001 LEN=80 TC=0 "
	    "HOPLIMIT=64 FLOWLBL=1 PROTO=TCP SPT=1 DPT=7000 WINDOW=1 "
	    "RES=0x00 SYN URGP=0";
	static const char v6b[] = "Nov 23 16:53:16 fw kernel: KNOCK: IN=eth0 "
	    "OUT= SRC=fd77::2 DST=fd77::1 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=1 "
	    "PROTO=TCP SPT=1 DPT=7000 WINDOW=1 RES=0x00 SYN URGP=0";
	struct parser *p;
	struct parse_knock a, b;
	struct in_addr ip4;
	char err[256], buf[sizeof(knock_line) + 64];

	p = parse_new("KNOCK: ", NULL, err, sizeof(err));
	T_OK(p != NULL, "parse_new: %s", err);
	if (p == NULL)
		return;

	T_INTEQ(parse_line(p, knock_line, strlen(knock_line), &a),
	    PARSE_KNOCK);
	T_INTEQ(a.src.family, AF_INET);
	inet_pton(AF_INET, "203.0.113.7", &ip4);
	T_OK(memcmp(a.src.a, &ip4, 4) == 0, "binary address differs");
	T_INTEQ(a.proto, IPPROTO_TCP);
	T_INTEQ(a.sport, 40312);
	T_INTEQ(a.dport, 7000);
	T_INTEQ(a.tcp_flags, PARSE_TCP_SYN);
	T_INTEQ(a.has_flags, 1);
	T_STREQ(a.in, "eth0");

	/* Expanded and compressed IPv6 give the same binary address. */
	T_INTEQ(parse_line(p, v6a, strlen(v6a), &a), PARSE_KNOCK);
	T_INTEQ(parse_line(p, v6b, strlen(v6b), &b), PARSE_KNOCK);
	T_INTEQ(a.src.family, AF_INET6);
	T_OK(addr_eq(&a.src, &b.src), "expanded != compressed");

	/* Bytes past len are never read: here they would change the port
	 * and add a second SRC=. */
	snprintf(buf, sizeof(buf), "%s1 SRC=6.6.6.6", knock_line);
	T_INTEQ(parse_line(p, buf, strlen(knock_line), &a), PARSE_KNOCK);
	T_INTEQ(a.dport, 7000);
	/* A line cut inside the DPT value. */
	T_INTEQ(parse_line(p, buf, strstr(knock_line, "DPT=7") -
	    knock_line + 5, &a), PARSE_KNOCK);
	T_INTEQ(a.dport, 7);
	/* *out is left alone unless the result is PARSE_KNOCK. */
	memset(&a, 0xa5, sizeof(a));
	T_INTEQ(parse_line(p, "x", 1, &a), PARSE_NOMATCH);
	T_INTEQ(a.dport, 0xa5a5);
	/* Every prefix of the line parses safely (ASan checks the reads). */
	{
		size_t i;
		int bad = 0;
		char *cut;

		for (i = 0; i <= strlen(knock_line); i++) {
			if ((cut = malloc(i ? i : 1)) == NULL)
				abort();
			memcpy(cut, knock_line, i);
			if (parse_line(p, cut, i, &a) == PARSE_KNOCK &&
			    i < (size_t)(strstr(knock_line, "DPT=7") -
			    knock_line + 5))
				bad++;
			free(cut);
		}
		T_OK(bad == 0, "%d truncated lines parsed as knocks", bad);
	}
	parse_free(p);
}

static void
test_kmsg(void)
{
	static const char m[] = "[  12.345678] KNOCK: IN=veth0 OUT= "
	    "SRC=192.0.2.7 DST=192.0.2.1 LEN=30 TOS=0x00 PREC=0x00 TTL=64 "
	    "ID=1 DF PROTO=UDP SPT=5353 DPT=8000 LEN=10 \n";
	struct parser *p;
	struct parse_knock k;
	char err[256];

	p = parse_new("KNOCK: ", NULL, err, sizeof(err));
	T_OK(p != NULL, "parse_new: %s", err);
	if (p == NULL)
		return;
	T_INTEQ(parse_kmsg(p, m, strlen(m), &k), PARSE_KNOCK);
	T_INTEQ(k.proto, IPPROTO_UDP);
	T_INTEQ(k.sport, 5353);
	T_INTEQ(k.dport, 8000);
	T_INTEQ(k.has_flags, 0);
	T_STREQ(k.in, "veth0");
	/* The same text as a syslog line has no header: not a knock. */
	T_INTEQ(parse_line(p, m, strlen(m), &k), PARSE_NOMATCH);
	parse_free(p);
}

/* Builds n lines in one buffer: one knock in four, the rest other
 * programs' and other kernel messages. */
static char *
make_lines(size_t n, size_t **offs)
{
	static const char *other[] = {
	    "Nov 23 16:53:17 fw sshd[812]: Connection closed by 198.51.100.4 "
	    "port 52210 [preauth]",
	    "Nov 23 16:53:17 fw kernel: [  109.780777] e1000e: eth0 NIC Link "
	    "is Up 1000 Mbps Full Duplex, Flow Control: None",
	    "Nov 23 16:53:18 fw CRON[9123]: (root) CMD (command -v debian-sa1 "
	    "> /dev/null && debian-sa1 1 1)",
	};
	size_t i, len = 0, l;
	char *b;
	const char *s;

	if ((b = malloc(n * 300)) == NULL || (*offs = malloc((n + 1) *
	    sizeof(**offs))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		s = i % 4 == 0 ? knock_line : other[i % 3];
		l = strlen(s);
		(*offs)[i] = len;
		memcpy(b + len, s, l);
		len += l;
	}
	(*offs)[n] = len;
	return b;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * No allocation per line: counted through the malloc wrappers above, after
 * a warm-up line (the PCRE2 interpreter, used only when JIT is missing,
 * keeps its frame vector in the match data after the first match).
 */
static void
test_alloc_and_speed(void)
{
	const size_t n = 200000;
	struct parser *p;
	struct parse_knock k;
	size_t *offs, i;
	char *b, err[256];
	long knocks = 0;
	double t0, t1;

	p = parse_new("KNOCK: ", NULL, err, sizeof(err));
	T_OK(p != NULL, "parse_new: %s", err);
	if (p == NULL)
		return;
	b = make_lines(n, &offs);
	(void)parse_line(p, knock_line, strlen(knock_line), &k);
	t_allocs = 0;
	t_counting = 1;
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (parse_line(p, b + offs[i], offs[i + 1] - offs[i], &k) ==
		    PARSE_KNOCK)
			knocks++;
	t1 = now_s();
	t_counting = 0;
	T_INTEQ(knocks, (long)(n + 3) / 4);
#ifndef T_NO_MALLOC_HOOK
	T_INTEQ(t_allocs, 0);
#endif
	printf("parse: %zu lines (1 in 4 a knock) in %.3f s: %.0f lines/s\n",
	    n, t1 - t0, (double)n / (t1 - t0));
	free(b);
	free(offs);
	parse_free(p);
}

/* One corpus per header format (issue 13): journalctl -o, busybox,
 * public samples. */
static const struct {
	const char *file;
	int min;
} fmt_corpora[] = {
	{ "fmt-journal.txt", 56 },
	{ "fmt-busybox.txt", 7 },
	{ "fmt-public.txt", 13 },
};

int
main(void)
{
	const char *top = getenv("KW_TOP");
	char path[4096];
	int cases;

	if (top == NULL || *top == '\0')
		top = ".";
	snprintf(path, sizeof(path), "%s/tests/data/parse/cases.txt", top);
	cases = run_corpus(path);
	printf("parse: %d corpus cases\n", cases);
	T_OK(cases >= 100, "corpus has only %d cases", cases);
	for (size_t i = 0; i < sizeof(fmt_corpora) / sizeof(fmt_corpora[0]);
	    i++) {
		snprintf(path, sizeof(path), "%s/tests/data/parse/%s", top,
		    fmt_corpora[i].file);
		cases = run_corpus(path);
		printf("parse: %s: %d cases\n", fmt_corpora[i].file, cases);
		T_OK(cases >= fmt_corpora[i].min, "%s has only %d cases",
		    fmt_corpora[i].file, cases);
	}
	test_new_errors();
	test_fields();
	test_kmsg();
	test_alloc_and_speed();
	return t_done();
}
