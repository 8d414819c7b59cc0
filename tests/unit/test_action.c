/* test_action.c — placeholder substitution and argv building for action
 * commands (action_argv) and the packing helper under it (argv.c). These
 * are what stands between a knock's values and a root command line: a
 * value is substituted inside its own element only, never split, never
 * scanned again, and the argv has exactly the configured elements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "action.h"
#include "argv.h"
#include "test.h"

static struct action_vars
vars(const char *src, const char *door, const char *user, const char *port)
{
	struct action_vars v = {
		.event = "start", .door = door, .src = src,
		.family = "inet", .user = user, .open_port = port,
	};

	return v;
}

/* action_argv of the n elements of in with v; argc checked against n. */
static char **
build(const char **in, int n, const struct action_vars *v)
{
	struct config_cmd cmd = { .argv = (char **)in, .argc = n };
	char **out = action_argv(&cmd, v);

	if (out != NULL)
		T_INTEQ(argv_count(out), n);
	return out;
}

int
main(void)
{
	struct action_vars v = vars("192.0.2.7", "ssh", "alice", "40022");
	char **a;

	/* Every placeholder, alone and inside an element. */
	{
		const char *in[] = { "/x/act", "%SRC%", "%IP%", "%DOOR%",
		    "%USER%", "%OPEN_PORT%", "--to=%SRC%/32:%OPEN_PORT%",
		    "%DOOR%%DOOR%", "plain", NULL };
		a = build(in, 9, &v);
		T_OK(a != NULL, "argv built");
		T_STREQ(a[0], "/x/act");
		T_STREQ(a[1], "192.0.2.7");
		T_STREQ(a[2], "192.0.2.7");
		T_STREQ(a[3], "ssh");
		T_STREQ(a[4], "alice");
		T_STREQ(a[5], "40022");
		T_STREQ(a[6], "--to=192.0.2.7/32:40022");
		T_STREQ(a[7], "sshssh");
		T_STREQ(a[8], "plain");
		T_OK(a[9] == NULL, "argv NULL-terminated");
		free(a);	/* one allocation */
	}
	/* Not placeholders: left as written. */
	{
		const char *in[] = { "%", "%%", "%SRC", "SRC%", "%src%",
		    "%FAMILY%", "%%SRC%%", "%HOSTNAME%", "100%" };
		a = build(in, 9, &v);
		T_STREQ(a[0], "%");
		T_STREQ(a[1], "%%");
		T_STREQ(a[2], "%SRC");
		T_STREQ(a[3], "SRC%");
		T_STREQ(a[4], "%src%");
		T_STREQ(a[5], "%FAMILY%");
		T_STREQ(a[6], "%192.0.2.7%");
		T_STREQ(a[7], "%HOSTNAME%");
		T_STREQ(a[8], "100%");
		free(a);
	}
	/* %HOST%: the fleet host, "" without one. */
	{
		const char *in[] = { "%HOST%", "ssh://%HOST%:%SRC%" };
		struct action_vars hv = v;

		a = build(in, 2, &v);
		T_STREQ(a[0], "");
		free(a);
		hv.host = "10.0.0.2";
		a = build(in, 2, &hv);
		T_STREQ(a[0], "10.0.0.2");
		T_STREQ(a[1], "ssh://10.0.0.2:192.0.2.7");
		free(a);
	}
	/* Hostile values stay one element each, byte for byte: no split at
	 * spaces, tabs or newlines, no shell syntax meaning anything, and a
	 * value that looks like a placeholder is not substituted again. */
	{
		const char *in[] = { "/x/act", "%SRC%", "--user=%USER%",
		    "%DOOR%", "%OPEN_PORT%" };
		struct action_vars h = vars("1.2.3.4 -j ACCEPT",
		    "d;reboot\n$(id)`id`", "%SRC% %DOOR%\t-x", "%USER%");

		a = build(in, 5, &h);
		T_OK(a != NULL, "argv built from hostile values");
		T_STREQ(a[1], "1.2.3.4 -j ACCEPT");
		T_STREQ(a[2], "--user=%SRC% %DOOR%\t-x");
		T_STREQ(a[3], "d;reboot\n$(id)`id`");
		T_STREQ(a[4], "%USER%");
		T_OK(a[5] == NULL, "no element added");
		free(a);
	}
	/* An empty value is an empty element, not a missing one (a static
	 * door has no user): the arguments after it keep their places. */
	{
		const char *in[] = { "/x/act", "%USER%", "%OPEN_PORT%", "end" };
		struct action_vars e = vars("2001:db8::1", "ssh", "", "");

		a = build(in, 4, &e);
		T_STREQ(a[1], "");
		T_STREQ(a[2], "");
		T_STREQ(a[3], "end");
		free(a);
	}
	/* Length: an element of 4095 bytes after substitution is built, one
	 * of 4096 is refused (the whole argv, not a cut element). */
	{
		static char big[5000], val[5000];
		const char *in[] = { "/x/act", big };
		struct action_vars l;

		memset(big, 'a', 4095 - 5);
		strcpy(big + 4095 - 5, "%SRC%");
		memset(val, 'b', 5);
		l = vars(val, "ssh", "", "");
		a = build(in, 2, &l);
		T_OK(a != NULL && strlen(a[1]) == 4095, "4095 bytes built");
		free(a);
		memset(val, 'b', 6);
		errno = 0;
		a = build(in, 2, &l);
		T_OK(a == NULL && errno == E2BIG, "4096 bytes refused");
		free(a);
	}
	/* No command: an argv of just NULL. */
	{
		a = build(NULL, 0, &v);
		T_OK(a != NULL && a[0] == NULL, "empty argv");
		free(a);
	}
	/* argv_copy: one allocation, equal, and independent of its source
	 * (doors keep copies across a reload that frees the config). */
	{
		char s0[] = "/x/stop", s1[] = "a b", s2[] = "";
		char *src[] = { s0, s1, s2, NULL };

		a = argv_copy(src, argv_count(src));
		T_OK(a != NULL && argv_count(a) == 3, "copy has 3 elements");
		s1[0] = 'X';
		T_STREQ(a[0], "/x/stop");
		T_STREQ(a[1], "a b");
		T_STREQ(a[2], "");
		T_OK(a[0] != s0 && a[3] == NULL, "copy owns its strings");
		free(a);
		/* Not NULL-terminated: only argc elements are read. */
		a = argv_copy(src, 2);
		T_OK(a != NULL && argv_count(a) == 2, "copy of 2 of 3");
		free(a);
	}
	return t_done();
}
