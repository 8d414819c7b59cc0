/* shword.c — splits a command line written for /bin/sh into an argv, the
 * way the shell would, for the plain subset (words, quotes, backslashes);
 * names whatever needs a real shell instead of guessing. Pure: no
 * allocation beyond the result, nothing run, nothing expanded. */
#include "shword.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
refuse(char *err, size_t errlen, size_t at, const char *what)
{
	snprintf(err, errlen, "%s at character %zu", what, at + 1);
	return -1;
}

/* What an unquoted special byte at s[i] means to the shell, or NULL. */
static const char *
special(const char *s, size_t i, int word_start)
{
	switch (s[i]) {
	case '|':
		return s[i + 1] == '|' ? "'||' (run on failure)" : "a pipe '|'";
	case '&':
		return s[i + 1] == '&' ? "'&&' (a command list)" :
		    "'&' (a background job)";
	case ';':
		return "';' (a command list)";
	case '<':
		return "a redirection '<'";
	case '>':
		return "a redirection '>'";
	case '(':
	case ')':
		return "a subshell '( )'";
	case '`':
		return "a command substitution '`...`'";
	case '$':
		return s[i + 1] == '(' ? "a command substitution '$(...)'" :
		    "a variable expansion '$'";
	case '*':
	case '?':
	case '[':
		return "a glob (* ? [)";
	case '~':
		return word_start ? "a tilde expansion '~'" : NULL;
	case '#':
		return word_start ? "a comment '#'" : NULL;
	default:
		return NULL;
	}
}

void
shword_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* 1 when word (of length n, unquoted so far) is NAME= of an assignment. */
static int
assignment(const char *w, size_t n)
{
	size_t i;

	if (n < 2 || !(w[0] == '_' || (w[0] >= 'A' && w[0] <= 'Z') ||
	    (w[0] >= 'a' && w[0] <= 'z')))
		return 0;
	for (i = 1; i < n; i++) {
		if (w[i] == '=')
			return 1;
		if (!(w[i] == '_' || (w[i] >= 'A' && w[i] <= 'Z') ||
		    (w[i] >= 'a' && w[i] <= 'z') ||
		    (w[i] >= '0' && w[i] <= '9')))
			return 0;
	}
	return 0;
}

int
shword_split(const char *s, int max, char ***out, char *err, size_t errlen)
{
	size_t len = strlen(s), i = 0, wl = 0, wstart = 0;
	char **argv = NULL, *word = NULL;
	const char *what;
	int argc = 0, inword = 0;

	if (len > SHWORD_MAX_LEN) {
		snprintf(err, errlen, "longer than %d bytes", SHWORD_MAX_LEN);
		return -1;
	}
	/* No word is longer than the line: one buffer serves each word. */
	if ((argv = calloc((size_t)max + 1, sizeof(*argv))) == NULL ||
	    (word = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (;;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0' || c == ' ' || c == '\t') {
			if (inword) {
				/* FOO=bar cmd: the shell sets a variable. */
				if (argc == 0 && assignment(s + wstart,
				    i - wstart)) {
					refuse(err, errlen, wstart, "an "
					    "environment assignment (NAME=...)");
					goto fail;
				}
				if (argc == max) {
					snprintf(err, errlen, "more than %d "
					    "words", max);
					goto fail;
				}
				word[wl] = '\0';
				if ((argv[argc++] = strdup(word)) == NULL) {
					snprintf(err, errlen, "out of memory");
					goto fail;
				}
				inword = 0;
				wl = 0;
			}
			if (c == '\0')
				break;
			i++;
			continue;
		}
		if (!inword)
			wstart = i;
		if (c < 0x20 || c == 0x7f) {
			refuse(err, errlen, i, "a control character");
			goto fail;
		}
		if (c == '\'') {
			const char *e = strchr(s + i + 1, '\'');

			if (e == NULL) {
				refuse(err, errlen, i, "an unterminated '");
				goto fail;
			}
			memcpy(word + wl, s + i + 1, (size_t)(e - s - i - 1));
			wl += (size_t)(e - s - i - 1);
			i = (size_t)(e - s) + 1;
			inword = 1;
			continue;
		}
		if (c == '"') {
			size_t start = i++;

			for (;;) {
				if (s[i] == '\0') {
					refuse(err, errlen, start,
					    "an unterminated \"");
					goto fail;
				}
				if (s[i] == '"')
					break;
				if (s[i] == '$' || s[i] == '`') {
					refuse(err, errlen, i, s[i] == '`' ?
					    "a command substitution '`...`'" :
					    s[i + 1] == '(' ? "a command "
					    "substitution '$(...)'" :
					    "a variable expansion '$'");
					goto fail;
				}
				if (s[i] == '\\' && (s[i + 1] == '"' ||
				    s[i + 1] == '\\' || s[i + 1] == '$' ||
				    s[i + 1] == '`'))
					i++;
				word[wl++] = s[i++];
			}
			i++;
			inword = 1;
			continue;
		}
		if (c == '\\') {
			if (s[i + 1] == '\0') {
				refuse(err, errlen, i, "a backslash at the "
				    "end");
				goto fail;
			}
			word[wl++] = s[i + 1];
			i += 2;
			inword = 1;
			continue;
		}
		if ((what = special(s, i, !inword)) != NULL) {
			refuse(err, errlen, i, what);
			goto fail;
		}
		word[wl++] = (char)c;
		inword = 1;
		i++;
	}
	if (argc == 0) {
		snprintf(err, errlen, "an empty command");
		goto fail;
	}
	free(word);
	*out = argv;
	return argc;
fail:
	free(word);
	shword_free(argv);
	return -1;
}
