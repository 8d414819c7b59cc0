/* test_hostcheck.c — the nf_log_all_netns warning (issue 12, section 5)
 * over fake /proc/sys trees: it warns exactly when the sysctl is 1 and
 * unprivileged user namespaces are allowed, and names the remedy; and the
 * rate-limited LOG rule check of -n (issue 13, section 5) over a real UFW
 * ruleset (tests/data/hostcheck, found through $KW_TOP). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostcheck.h"
#include "test.h"

static char root[] = "/tmp/kwhostcheck.XXXXXX";

/* set NAME VALUE: writes root/NAME; VALUE NULL removes it. */
static void
set(const char *name, const char *value)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (value == NULL) {
		unlink(path);
		return;
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp, "%s\n", value);
	fclose(fp);
}

static int
warns(void)
{
	char msg[1024];
	int r = hostcheck_netns_log(root, msg, sizeof(msg));

	T_OK(r == (msg[0] != '\0'), "a message exactly when it warns");
	if (r)
		T_OK(strstr(msg, "nf_log_all_netns=0") != NULL &&
		    strstr(msg, "max_user_namespaces=0") != NULL,
		    "the warning gives the remedy: %s", msg);
	return r;
}

/* The file under $KW_TOP/tests/data/hostcheck, in a buffer to free. */
static char *
slurp(const char *name, size_t *len)
{
	const char *top = getenv("KW_TOP");
	char path[4096], *buf;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/data/hostcheck/%s",
	    top != NULL && *top != '\0' ? top : ".", name);
	if ((fp = fopen(path, "r")) == NULL || (buf = malloc(1 << 20)) == NULL)
		abort();
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

/* UFW's own LOG rules share one 3/min bucket: a prefix of theirs warns,
 * the dedicated knock rule of examples/ufw-after.rules does not. */
static void
test_limited(void)
{
	static const char *const files[] = { "ufw-iptables-save.txt",
	    "ufw-nft-ruleset.txt" };
	char rule[200];
	size_t len;

	for (size_t i = 0; i < 2; i++) {
		char *r = slurp(files[i], &len);
		T_OK(hostcheck_prefix_limited(r, len, "[UFW BLOCK] ", rule,
		    sizeof(rule)) == 1, "%s: [UFW BLOCK] is limited", files[i]);
		T_OK(strstr(rule, "3/min") != NULL, "%s: the rule is quoted: %s",
		    files[i], rule);
		T_OK(hostcheck_prefix_limited(r, len, "KNOCK: ", rule,
		    sizeof(rule)) == 0, "%s: the knock rule is not", files[i]);
		T_OK(hostcheck_prefix_limited(r, len, "[UFW BLOCK]", rule,
		    sizeof(rule)) == 0, "%s: only the exact prefix", files[i]);
		T_OK(hostcheck_prefix_limited(r, len, "NOPE: ", rule,
		    sizeof(rule)) == 0, "%s: a prefix of no rule", files[i]);
		free(r);
	}
	static const char one[] = "-A x -m limit --limit 1/s -j LOG "
	    "--log-prefix \"K: \"";
	T_OK(hostcheck_prefix_limited(one, strlen(one), "K: ", rule, 8) == 1 &&
	    strlen(rule) == 7, "the quoted rule is bounded");
}

int
main(void)
{
	char d[600];

	if (mkdtemp(root) == NULL)
		abort();
	const char *dirs[] = { "net", "net/netfilter", "kernel", "user" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(d, sizeof(d), "%s/%s", root, dirs[i]);
		mkdir(d, 0700);
	}
	/* Debian-style kernel with everything open. */
	set("net/netfilter/nf_log_all_netns", "1");
	set("kernel/unprivileged_userns_clone", "1");
	set("user/max_user_namespaces", "63000");
	T_OK(warns(), "all_netns 1, userns_clone 1, max 63000: warns");
	T_OK(hostcheck_netns_log_known(root), "nf_log_all_netns read: known");
	set("net/netfilter/nf_log_all_netns", "0");
	T_OK(!warns(), "all_netns 0: quiet");
	set("net/netfilter/nf_log_all_netns", NULL);
	T_OK(!warns(), "no nf_log_all_netns (no netfilter logging): quiet");
	T_OK(!hostcheck_netns_log_known(root),
	    "no nf_log_all_netns (another network namespace): unknown");
	set("net/netfilter/nf_log_all_netns", "1");
	set("kernel/unprivileged_userns_clone", "0");
	T_OK(!warns(), "userns_clone 0: quiet");
	set("kernel/unprivileged_userns_clone", NULL);
	T_OK(warns(), "no userns_clone switch (upstream kernel), max > 0: warns");
	set("user/max_user_namespaces", "0");
	T_OK(!warns(), "max_user_namespaces 0: quiet");
	set("user/max_user_namespaces", NULL);
	T_OK(!warns(), "no user namespaces at all: quiet");
	set("user/max_user_namespaces", "garbage");
	T_OK(!warns(), "an unreadable value: quiet");
	set("net/netfilter/nf_log_all_netns", NULL);
	set("user/max_user_namespaces", NULL);
	for (size_t i = 4; i-- > 0;) {
		snprintf(d, sizeof(d), "%s/%s", root, dirs[i]);
		rmdir(d);
	}
	rmdir(root);
	test_limited();
	return t_done();
}
