/* argv.c — packs argument vectors into one allocation (see argv.h): the one
 * place that lays out an argv's pointers and bytes, for substituted action
 * commands, the copies doors keep of their commands, and stop commands read
 * back from the journal. Never joins elements into one string: an element
 * stays one argument whatever bytes it holds. */
#include "argv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char **
argv_pack(int argc, argv_fill_fn fill, void *arg, size_t max)
{
	size_t total = 0, n;
	char **argv, *p;

	if (argc < 0) {
		errno = EINVAL;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		if ((n = fill(arg, i, NULL, 0)) >= max) {
			errno = E2BIG;
			return NULL;
		}
		total += n + 1;
	}
	if ((argv = malloc(((size_t)argc + 1) * sizeof(char *) + total)) ==
	    NULL)
		return NULL;
	p = (char *)(argv + argc + 1);
	for (int i = 0; i < argc; i++) {
		/* The room measured above, exactly: fill cannot overrun. */
		n = fill(arg, i, p, total);
		argv[i] = p;
		p += n + 1;
		total -= n + 1;
	}
	argv[argc] = NULL;
	return argv;
}

static size_t
fill_copy(void *arg, int i, char *out, size_t cap)
{
	const char *s = ((char *const *)arg)[i];
	size_t n = strlen(s);

	if (cap > 0) {
		size_t l = n < cap ? n : cap - 1;

		memcpy(out, s, l);
		out[l] = '\0';
	}
	return n;
}

char **
argv_copy(char *const *v, int argc)
{
	return argv_pack(argc, fill_copy, (void *)v, SIZE_MAX);
}

int
argv_count(char *const *v)
{
	int n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}
