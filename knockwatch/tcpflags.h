/* tcpflags.h — the kernel's TCP flag words (CWR ECE URG ACK PSH RST SYN
 * FIN) as PARSE_TCP_* bits. */
#ifndef KW_TCPFLAGS_H
#define KW_TCPFLAGS_H

#include <stddef.h>
#include <stdint.h>

/* The bit of the three bytes at s (not NUL-terminated) when they are one
 * of the eight words, in upper case, or in any case if anycase; 0 when
 * they are not. */
uint8_t tcpflags_word(const char *s, int anycase);

/* The flag words of n bytes at s (a custom pattern's "flags" group: the
 * words in any case, separated by spaces, commas or '|') as bits in *out.
 * Returns 0, or -1 for another word (out untouched). */
int tcpflags_words(const char *s, size_t n, uint8_t *out);

#endif
