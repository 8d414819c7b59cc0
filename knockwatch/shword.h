/* shword.h — splits a command line written for /bin/sh (knockd's
 * commands) into an argv the way the shell would, for the plain subset
 * that needs no shell; anything else is refused with its name. */
#ifndef KW_SHWORD_H
#define KW_SHWORD_H

#include <stddef.h>

#define SHWORD_MAX_LEN	4096	/* bytes in one command line */

/* Splits s as POSIX sh splits a simple command: blanks separate words;
 * '...' is literal; "..." is literal but for \" \\ \$ \` and the
 * backslash-newline; a backslash outside quotes quotes the next byte.
 * Refused, with what it is and where in err: pipes, ; & && ||, redirections,
 * ( ) subshells, $ expansions and $(...), backticks, unquoted globs
 * (* ? [), a ~ or # at the start of a word, a leading VAR=value, an
 * unterminated quote, control bytes, more than max words, s longer than
 * SHWORD_MAX_LEN. On success *out is a NULL-terminated array of strings,
 * the caller's to free with shword_free, and the word count is returned;
 * on error -1, *out untouched. */
int shword_split(const char *s, int max, char ***out, char *err,
    size_t errlen);
void shword_free(char **argv);

#endif
