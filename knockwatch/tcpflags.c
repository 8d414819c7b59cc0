/*
 * tcpflags.c — the kernel's TCP flag words to bits, for the built-in
 * parser's TCP tail and a custom pattern's "flags" group. Pure functions
 * on bytes of an untrusted line: nothing else is read or kept.
 */
#include "tcpflags.h"

#include <strings.h>

#include "parse.h"

/* In the order the kernel prints them. */
static const struct {
	char word[4];
	uint8_t bit;
} tcpflags_table[] = {
	{ "CWR", PARSE_TCP_CWR }, { "ECE", PARSE_TCP_ECE },
	{ "URG", PARSE_TCP_URG }, { "ACK", PARSE_TCP_ACK },
	{ "PSH", PARSE_TCP_PSH }, { "RST", PARSE_TCP_RST },
	{ "SYN", PARSE_TCP_SYN }, { "FIN", PARSE_TCP_FIN },
};

#define TCPFLAGS_N (sizeof(tcpflags_table) / sizeof(tcpflags_table[0]))

uint8_t
tcpflags_word(const char *s, int anycase)
{
	for (size_t j = 0; j < TCPFLAGS_N; j++) {
		const char *w = tcpflags_table[j].word;

		if (anycase ? strncasecmp(s, w, 3) == 0 :
		    s[0] == w[0] && s[1] == w[1] && s[2] == w[2])
			return tcpflags_table[j].bit;
	}
	return 0;
}

int
tcpflags_words(const char *s, size_t n, uint8_t *out)
{
	const char *end = s + n;
	uint8_t f = 0, bit;

	while (s < end) {
		if (*s == ' ' || *s == ',' || *s == '|') {
			s++;
			continue;
		}
		if (end - s < 3 || (end - s > 3 && s[3] != ' ' && s[3] != ',' &&
		    s[3] != '|'))
			return -1;
		if ((bit = tcpflags_word(s, 1)) == 0)
			return -1;
		f |= bit;
		s += 3;
	}
	*out = f;
	return 0;
}
