/* fuzz_parse.c — libFuzzer target for parse.c: every input goes, as an
 * exact-length buffer, through parse_line and parse_kmsg of three parsers
 * (built-in format with the "KNOCK: " prefix, built-in without a prefix,
 * and a custom pattern with a prefix). It also checks what the parser
 * promises on success: a port in range, a known protocol, and an interface
 * name that is NUL-terminated. Never writes a file. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct parser *fz_parsers[3];

/* The custom pattern of the golden corpus, with every optional group. */
static const char fz_pattern[] =
    "kernel: .*SRC=(?<src>[^ ]*) .*PROTO=(?<proto>[^ ]*) "
    "SPT=(?<spt>[^ ]*) DPT=(?<dport>[^ ]*)";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	log_init(0, 0);
	fz_parsers[0] = parse_new("KNOCK: ", NULL, err, sizeof(err));
	fz_parsers[1] = parse_new(NULL, NULL, err, sizeof(err));
	fz_parsers[2] = parse_new("KNOCK:", fz_pattern, err, sizeof(err));
	for (int i = 0; i < 3; i++) {
		if (fz_parsers[i] == NULL) {
			fprintf(stderr, "parse_new %d: %s\n", i, err);
			abort();
		}
	}
	return 0;
}

/* size: the input's length; the host span must lie inside it. */
static void
fz_check(enum parse_result r, const struct parse_knock *k, size_t size)
{
	if (r != PARSE_KNOCK && r != PARSE_NOMATCH && r != PARSE_REJECT)
		abort();
	if (r != PARSE_KNOCK)
		return;
	if (k->dport == 0)
		abort();
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		abort();
	if (memchr(k->in, '\0', sizeof(k->in)) == NULL)
		abort();
	if ((size_t)k->host + k->hostlen > size)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_knock k;
	char *buf;

	if (size > KW_MAX_LINE)
		return 0;	/* the reader never hands on longer lines */
	/* An exact-size copy, so that ASan sees any read past len. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	for (int i = 0; i < 3; i++) {
		memset(&k, 0xa5, sizeof(k));
		fz_check(parse_line(fz_parsers[i], buf, size, &k), &k, size);
		memset(&k, 0xa5, sizeof(k));
		fz_check(parse_kmsg(fz_parsers[i], buf, size, &k), &k, size);
	}
	free(buf);
	return 0;
}
