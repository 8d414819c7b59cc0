/* test_shword.c — knockd's commands split as /bin/sh splits them: words,
 * quotes, backslashes, and every construct that needs a shell refused with
 * its name and position. */
#include <stdlib.h>
#include <string.h>

#include "shword.h"
#include "test.h"

/* Splits s and compares the words with want ("a|b|c"), or the error with
 * the prefix of the message when want starts with '!'. */
static void
one(const char *s, int max, const char *want)
{
	char **argv = NULL, err[160] = "", got[1024] = "";
	int argc, i;

	argc = shword_split(s, max, &argv, err, sizeof(err));
	if (argc >= 0) {
		for (i = 0; i < argc; i++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s%s", i ? "|" : "", argv[i]);
		T_OK(argv[argc] == NULL, "%s: not NULL-terminated", s);
		shword_free(argv);
	} else
		snprintf(got, sizeof(got), "!%s", err);
	if (want[0] == '!')
		T_OK(strncmp(got, want, strlen(want)) == 0, "%s:\n  got  %s\n"
		    "  want %s...", s, got, want);
	else
		T_OK(strcmp(got, want) == 0, "%s:\n  got  %s\n  want %s", s,
		    got, want);
}

int
main(void)
{
	char big[SHWORD_MAX_LEN + 2];

	one("/sbin/iptables -A INPUT -s %IP% -j ACCEPT", 64,
	    "/sbin/iptables|-A|INPUT|-s|%IP%|-j|ACCEPT");
	one("  a\t b  ", 64, "a|b");
	one("a 'b c' \"d e\" f\\ g", 64, "a|b c|d e|f g");
	one("a 'it''s' x\"y\"z", 64, "a|its|xyz");
	one("a \"q\\\"uote\\\\d\" 'no\\escape'", 64, "a|q\"uote\\d|no\\escape");
	one("a \"\" ''", 64, "a||");
	one("a b#c", 64, "a|b#c");
	one("a x~y --opt=v", 64, "a|x~y|--opt=v");
	one("a '*' \\? \"[x]\"", 64, "a|*|?|[x]");
	one("a '$(x)' \\$HOME", 64, "a|$(x)|$HOME");
	one("a | b", 64, "!a pipe '|' at character 3");
	one("a || b", 64, "!'||' (run on failure) at character 3");
	one("a && b", 64, "!'&&' (a command list) at character 3");
	one("a &", 64, "!'&' (a background job)");
	one("a; b", 64, "!';' (a command list) at character 2");
	one("a > f", 64, "!a redirection '>'");
	one("a 2>&1", 64, "!a redirection '>'");
	one("a < f", 64, "!a redirection '<'");
	one("(a)", 64, "!a subshell");
	one("a $(date)", 64, "!a command substitution '$(...)' at character 3");
	one("a \"$(date)\"", 64, "!a command substitution '$(...)' at "
	    "character 4");
	one("a `date`", 64, "!a command substitution '`...`'");
	one("a $HOME", 64, "!a variable expansion '$'");
	one("a \"$HOME\"", 64, "!a variable expansion '$'");
	one("rm /tmp/*", 64, "!a glob (* ? [) at character 9");
	one("a b?", 64, "!a glob");
	one("a [ab]", 64, "!a glob");
	one("a ~/x", 64, "!a tilde expansion '~' at character 3");
	one("a #comment", 64, "!a comment '#' at character 3");
	one("FOO=bar /bin/x", 64, "!an environment assignment (NAME=...) at "
	    "character 1");
	one("FOO=\"a b\" /bin/x", 64, "!an environment assignment");
	one("/bin/x FOO=bar", 64, "/bin/x|FOO=bar");
	one("a 'open", 64, "!an unterminated ' at character 3");
	one("a \"open", 64, "!an unterminated \" at character 3");
	one("a \\", 64, "!a backslash at the end");
	one("a \001b", 64, "!a control character at character 3");
	one("", 64, "!an empty command");
	one("   ", 64, "!an empty command");
	one("a b c", 2, "!more than 2 words");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	one(big, 64, "!longer than 4096 bytes");
	return t_done();
}
