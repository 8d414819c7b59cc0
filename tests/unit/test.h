/* test.h — the unit tests' only framework: count checks, report
 * "N passed, N failed" last, exit non-zero on any failure. */
#ifndef KW_TEST_H
#define KW_TEST_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define T_OK(cond, ...) do {						\
	if (cond) t_pass++;						\
	else {								\
		t_fail++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define T_STREQ(a, b) T_OK(strcmp((a), (b)) == 0, "'%s' != '%s'", (a), (b))
#define T_INTEQ(a, b) T_OK((long long)(a) == (long long)(b), \
	"%s = %lld, expected %lld", #a, (long long)(a), (long long)(b))

static inline int
t_done(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#endif
