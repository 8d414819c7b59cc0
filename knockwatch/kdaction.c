/* kdaction.c — recognises a knockd command that calls a knockwatch action
 * (actions/iptables, nftables, ipset, forward) to open or close, so that
 * import-knockd can name the door a "knock to close" section closes.
 * Pure: splits the text, runs nothing. */
#include "kdaction.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "shword.h"

/* Contract in kdaction.h. A program counts as an action when the directory
 * it is in is named "actions" (/usr/lib/knockwatch/actions/iptables). */
int
kd_action_call(const char *cmd, const char **verb, char *prog, size_t len)
{
	char **argv, e[160];
	const char *slash;
	int argc, i, yes = 0;

	if ((argc = shword_split(cmd, KW_MAX_ARGV, &argv, e, sizeof(e))) < 0)
		return 0;
	slash = strrchr(argv[0], '/');
	if (argc >= 2 && slash != NULL && slash - argv[0] >= 8 &&
	    strncmp(slash - 8, "/actions", 8) == 0 &&
	    (strcmp(argv[1], "open") == 0 || strcmp(argv[1], "close") == 0)) {
		yes = 1;
		for (i = 2; i < argc; i++)
			if (strncmp(argv[i], "--door", 6) == 0)
				yes = 0;
		*verb = strcmp(argv[1], "open") == 0 ? "open" : "close";
		snprintf(prog, len, "%s", argv[0]);
	}
	shword_free(argv);
	return yes;
}

