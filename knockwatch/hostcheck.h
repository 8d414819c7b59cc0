/* hostcheck.h — kernel settings under which knockwatch cannot trust what
 * it reads, found at start and by `knockwatch -n`. */
#ifndef KW_HOSTCHECK_H
#define KW_HOSTCHECK_H

#include <stddef.h>

/* 1 when net.netfilter.nf_log_all_netns is 1 and unprivileged user
 * namespaces are allowed (kernel.unprivileged_userns_clone absent or 1,
 * user.max_user_namespaces > 0), read under procsys ("/proc/sys"); msg
 * then holds the warning with its remedy. 0 otherwise, or when a setting
 * cannot be read. Pure but for the reads, so tests pass their own tree. */
int hostcheck_netns_log(const char *procsys, char *msg, size_t len);
/* 1 when procsys/net/netfilter/nf_log_all_netns can be read, so that
 * hostcheck_netns_log's 0 means "safe" and not "unknown"; 0 when it is
 * absent (a network namespace other than the host's initial one, where
 * the kernel does not show it) or unreadable. */
int hostcheck_netns_log_known(const char *procsys);
/* Logs every warning hostcheck_* finds under /proc/sys, and at info that
 * the setting could not be checked when it is absent; never refuses: test
 * rigs set these on purpose. */
void hostcheck_warn(void);

struct config;

/* Whether the ruleset text [rules, rules + len) (iptables-save or `nft
 * list ruleset` output) has a LOG rule whose prefix is exactly prefix and
 * which carries a rate limit (iptables "-m limit", nft "limit rate"), as
 * UFW's own LOG rules do (one shared 3/min bucket): 1 with the rule's
 * first rlen - 1 bytes in rule (printable ASCII only), else 0. Pure. */
int hostcheck_prefix_limited(const char *rules, size_t len,
    const char *prefix, char *rule, size_t rlen);
/* `knockwatch -n`: warns (log_warnx) about what loads but silently fails:
 * a file source that does not exist, a prefix longer than iptables' LOG
 * allows (29), a static door of one or two knocks, and a prefix that
 * belongs to a rate-limited LOG rule of the live ruleset (read with
 * iptables-save, ip6tables-save and `nft list ruleset` when they run).
 * Returns the number of warnings. */
int hostcheck_config(const struct config *c);

#endif
