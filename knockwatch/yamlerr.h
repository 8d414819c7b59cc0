/* yamlerr.h — libyaml's syntax errors in the words of the mistakes people
 * make in a configuration: a tab, a line indented to no block. */
#ifndef KW_YAMLERR_H
#define KW_YAMLERR_H

#include <stddef.h>

/* Writes into out (always terminated) what went wrong at line:col
 * (1-based) of buf, given libyaml's problem text: for a tab in the
 * indentation or a line that lines up with no block above it, a sentence
 * naming the blocks and where they started; otherwise libyaml's own words.
 * Reads only buf; never echoes more than a key's first 40 bytes. */
void yamlerr_explain(const unsigned char *buf, size_t len, unsigned line,
    unsigned col, const char *problem, char *out, size_t outlen);

#endif
