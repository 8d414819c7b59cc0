/* argv.h — argument vectors packed into one allocation: the pointers, then
 * the strings they point at. A packed argv is freed with one free(), and
 * shares no memory with the config it came from, which a reload frees. */
#ifndef KW_ARGV_H
#define KW_ARGV_H

#include <stddef.h>

/* Writes element i into out (cap bytes, NUL included; nothing past cap,
 * and nothing at all when cap is 0) and returns its whole length without
 * the NUL, as snprintf does. Called twice per element: to measure, then to
 * fill the exact room measured, so it must return the same both times. */
typedef size_t (*argv_fill_fn)(void *arg, int i, char *out, size_t cap);

/* A new argv of argc elements from fill, NULL-terminated, in one
 * allocation (free with free()). NULL with errno: E2BIG when an element is
 * max bytes or longer, ENOMEM. */
char **argv_pack(int argc, argv_fill_fn fill, void *arg, size_t max);
/* A packed copy of the argc strings of v (argc may be 0; v need not be
 * NULL-terminated). NULL with errno ENOMEM. */
char **argv_copy(char *const *v, int argc);
/* Elements of a NULL-terminated argv. */
int argv_count(char *const *v);

#endif
