/* config_check.c — the meaning of the sources and doors sections: knocks,
 * TCP flags, commands (absolute, executable, known placeholders), HMAC
 * parameters and allow/deny networks, checked node by node of the tree
 * cnode.c built. Reads no key. */
#include "config_check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include "host.h"
#include "parse.h"

#define CONFIG_MAX_PREFIX	127	/* nft log prefix; iptables LOG allows 29 */

const char *const config_check_source_keys[] = { "file", "kmsg", "command",
    "prefix", "pattern", "from_start", "fleet", NULL };

const char *const config_check_door_keys[] = { "sequence", "hmac", "timeout",
    "tcp_flags", "start", "stop", "stop_after", "cmd_timeout", "allow",
    "deny", "hosts", "max_open", NULL };

const char *const config_check_hmac_keys[] = { "users", "length", "range",
    "period", "skew", "bind_source", "protocols", "open_range", NULL };

static const char *const placeholders[] = { "SRC", "IP", "DOOR", "USER",
    "OPEN_PORT", "HOST", NULL };

const char *const config_check_flags[] = { "fin", "syn", "rst", "psh", "ack",
    "urg", "ece", "cwr", NULL };	/* bit i = PARSE_TCP_* (1 << i) */

/* One "port[/proto]" knock. */
static int
get_knock(struct cctx *x, const struct cnode *n, const char *where,
    struct config_knock *k)
{
	const char *slash;
	unsigned long port;
	size_t plen;

	if (cnode_scalar(x, n, "sequence", where) == -1)
		return -1;
	slash = strchr(n->s, '/');
	plen = slash ? (size_t)(slash - n->s) : n->len;
	/* knockd writes 7000:udp; say so rather than "bad port". */
	if (slash == NULL && strchr(n->s, ':') != NULL)
		return cerr(x, n, "bad knock '%.32s' in sequence of %s: "
		    "knockd's PORT:PROTO is PORT/PROTO here (7000/udp)", n->s,
		    where);
	if (cnode_dec(n->s, plen, 65535, &port) == -1 || port == 0)
		return cerr(x, n, "bad port '%.*s' in sequence of %s: expected "
		    "1..65535, optionally followed by /tcp or /udp",
		    (int)(plen > 32 ? 32 : plen), n->s, where);
	k->port = (uint16_t)port;
	k->proto = IPPROTO_TCP;
	if (slash == NULL || strcasecmp(slash + 1, "tcp") == 0)
		return 0;
	if (strcasecmp(slash + 1, "udp") == 0) {
		k->proto = IPPROTO_UDP;
		return 0;
	}
	return cerr(x, n, "bad protocol '%.32s' in sequence of %s: expected "
	    "tcp or udp", slash + 1, where);
}

/* "syn,!ack" into set/clear PARSE_TCP_* bits. */
static int
get_flags(struct cctx *x, const struct cnode *n, const char *where,
    uint8_t *set, uint8_t *clear)
{
	char word[16], list[128];
	const char *p, *e, *best;
	size_t len;
	int i, neg;

	if (cnode_scalar(x, n, "tcp_flags", where) == -1)
		return -1;
	*set = *clear = 0;
	for (p = n->s; ; p = e + 1) {
		while (*p == ' ' || *p == '\t')
			p++;
		neg = *p == '!';
		if (neg)
			p++;
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(word))
			return cerr(x, n, "bad tcp_flags in %s: empty or "
			    "overlong flag word", where);
		memcpy(word, p, len);
		word[len] = '\0';
		for (i = 0; config_check_flags[i] != NULL; i++)
			if (strcasecmp(word, config_check_flags[i]) == 0)
				break;
		if (config_check_flags[i] == NULL) {
			cnode_words(config_check_flags, word, list,
			    sizeof(list), &best);
			return cerr(x, n, "unknown TCP flag '%s' in tcp_flags "
			    "of %s%s%s%s (valid: %s, each optionally negated "
			    "with !)", word, where, best ? "; did you mean '" :
			    "", best ? best : "", best ? "'?" : "", list);
		}
		if (((*set | *clear) >> i) & 1)
			return cerr(x, n, "TCP flag '%s' given twice in "
			    "tcp_flags of %s", config_check_flags[i], where);
		if (neg)
			*clear |= (uint8_t)(1u << i);
		else
			*set |= (uint8_t)(1u << i);
		if (*e == '\0')
			break;
	}
	return 0;
}

/* argv[0] of a command must be an absolute path to an executable file. */
static int
check_exec(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const char *path)
{
	struct stat st;

	if (path[0] != '/')
		return cerr(x, n, "'%s' in %s: command path '%.200s' is not "
		    "absolute (give the full path, e.g. /usr/sbin/%.64s)",
		    key, where, path, path);
	/* The worker runs no command and cannot see them: the parent, which
	 * runs them, has checked. */
	if (x->o->no_exec_check)
		return 0;
	if (stat(path, &st) == -1)
		return cerr(x, n, "'%s' in %s: command '%.200s': %s%s", key,
		    where, path, strerror(errno), errno == ENOENT &&
		    strchr(path, ' ') != NULL ? " (the whole command is one "
		    "list item: write each word as its own list item, "
		    "[/usr/sbin/iptables, -I, INPUT, ...])" : "");
	if (!S_ISREG(st.st_mode))
		return cerr(x, n, "'%s' in %s: command '%.200s' is not a "
		    "regular file", key, where, path);
	if (access(path, X_OK) == -1)
		return cerr(x, n, "'%s' in %s: command '%.200s' is not "
		    "executable", key, where, path);
	return 0;
}

/* Every %WORD% must be a known placeholder that means something here. */
static int
check_placeholders(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const char *s, const struct config_door *d)
{
	const char *e;
	size_t len;
	int i;

	for (; (s = strchr(s, '%')) != NULL; s++) {
		len = strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_");
		e = s + 1 + len;
		if (len == 0 || *e != '%')
			continue;
		for (i = 0; placeholders[i] != NULL; i++)
			if (strlen(placeholders[i]) == len &&
			    strncmp(placeholders[i], s + 1, len) == 0)
				break;
		if (placeholders[i] == NULL)
			return cerr(x, n, "'%s' in %s: unknown placeholder "
			    "'%%%.*s%%' (valid: %%SRC%%, %%IP%%, %%DOOR%%, "
			    "%%USER%%, %%OPEN_PORT%%, %%HOST%%)", key, where,
			    (int)(len > 32 ? 32 : len), s + 1);
		if (strcmp(placeholders[i], "USER") == 0 && !d->is_hmac)
			return cerr(x, n, "'%s' in %s: %%USER%% is only "
			    "known in hmac doors", key, where);
		if (strcmp(placeholders[i], "OPEN_PORT") == 0 &&
		    !d->hmac.has_open)
			return cerr(x, n, "'%s' in %s: %%OPEN_PORT%% needs "
			    "hmac open_range", key, where);
		s = e;
	}
	return 0;
}

static int
get_cmd(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, const struct config_door *d, struct config_cmd *cmd)
{
	const struct cnode *at;
	int i;

	if ((cmd->argc = cnode_argv(x, n, key, where, &cmd->argv)) == -1) {
		cmd->argc = 0;
		return -1;
	}
	for (i = 0; i < cmd->argc; i++) {
		at = n->type == CN_SEQ ? n->kid[i] : n;
		if (i == 0 && check_exec(x, at, key, where, cmd->argv[0]) == -1)
			return -1;
		if (check_placeholders(x, at, key, where, cmd->argv[i], d)
		    == -1)
			return -1;
	}
	return 0;
}

/* The journalctl output formats whose header the parser reads (syshdr.c). */
static const char *const journal_formats[] = { "short", "short-precise",
    "short-iso", "short-iso-precise", "short-full", "short-monotonic",
    "short-unix", "with-unit", NULL };

/* journalctl's short options that take a value ("-o json", "-ojson",
 * "-kfo json"): in a cluster the first of them takes the rest. */
static const char journal_argopts[] = "bcDFgiIMnoptSTuU";

/*
 * A command source that runs journalctl: the value of its -o/--output
 * ("short" when absent, journalctl's default), or NULL with *bad set to
 * the value when it is a format the parser cannot read. Returns 0, or -1
 * when the format is unreadable.
 */
static int
check_journal_output(char *const *argv, const char **bad)
{
	const char *base, *val = "short", *a, *q;
	int i, k;

	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	if (strcmp(base, "journalctl") != 0)
		return 0;
	for (i = 1; argv[i] != NULL; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--output=", 9) == 0)
			val = a + 9;
		else if (strcmp(a, "--output") == 0 && argv[i + 1] != NULL)
			val = argv[++i];
		else if (a[0] == '-' && a[1] != '-' && a[1] != '\0') {
			for (q = a + 1; *q != '\0'; q++)
				if (strchr(journal_argopts, *q) != NULL)
					break;
			if (*q != 'o')
				continue;
			if (q[1] != '\0')
				val = q + 1;
			else if (argv[i + 1] != NULL)
				val = argv[++i];
		}
	}
	for (k = 0; journal_formats[k] != NULL; k++)
		if (strcmp(val, journal_formats[k]) == 0)
			return 0;
	*bad = val;
	return -1;
}

static int
load_source(struct cctx *x, const struct cnode *m, struct config_source *s)
{
	const char *where = "source";
	const struct cnode *f, *k, *c, *v;
	const char *jfmt = NULL;
	char perr[256];
	struct parser *p;
	size_t i;
	int on, argc;

	if (cnode_map(x, m, where, config_check_source_keys, NULL) == -1)
		return -1;
	f = cnode_get(m, "file");
	k = cnode_get(m, "kmsg");
	c = cnode_get(m, "command");
	if ((f != NULL) + (k != NULL) + (c != NULL) != 1)
		return cerr(x, m, "a source needs exactly one of file, kmsg "
		    "or command");
	if (f != NULL) {
		s->kind = CONFIG_SRC_FILE;
		if (cnode_str(x, f, "file", where, &s->path) == -1)
			return -1;
		if (s->path[0] != '/')
			return cerr(x, f, "source file '%.200s' is not an "
			    "absolute path", s->path);
	} else if (k != NULL) {
		s->kind = CONFIG_SRC_KMSG;
		if (cnode_bool(x, k, "kmsg", where, &on) == -1)
			return -1;
		if (!on)
			return cerr(x, k, "'kmsg: false' is not a source; "
			    "remove the entry instead");
	} else {
		s->kind = CONFIG_SRC_COMMAND;
		if ((argc = cnode_argv(x, c, "command", where, &s->argv)) == -1)
			return -1;
		v = c->type == CN_SEQ ? c->kid[0] : c;
		/* A bare name is looked up in PATH when it runs. */
		if (strchr(s->argv[0], '/') != NULL &&
		    check_exec(x, v, "command", where, s->argv[0]) == -1)
			return -1;
		if (check_journal_output(s->argv, &jfmt) == -1)
			return cerr(x, v, "command: journalctl -o %.40s writes "
			    "lines knockwatch cannot read; use -o short, "
			    "short-precise, short-iso, short-iso-precise, "
			    "short-full, short-monotonic, short-unix or "
			    "with-unit", jfmt);
	}
	if ((v = cnode_get(m, "from_start")) != NULL) {
		if (cnode_bool(x, v, "from_start", where, &s->from_start) == -1)
			return -1;
		if (s->kind == CONFIG_SRC_COMMAND)
			return cerr(x, v, "from_start does not apply to a "
			    "command source");
	}
	if ((v = cnode_get(m, "fleet")) != NULL) {
		if (cnode_bool(x, v, "fleet", where, &s->fleet) == -1)
			return -1;
		if (s->kind == CONFIG_SRC_KMSG && s->fleet)
			return cerr(x, v, "fleet: true needs a file or command "
			    "source (kernel records name no host)");
		if (s->fleet)
			x->c->fleet = 1;
	}
	if ((v = cnode_get(m, "prefix")) != NULL) {
		if (cnode_str(x, v, "prefix", where, &s->prefix) == -1)
			return -1;
		if (strlen(s->prefix) > CONFIG_MAX_PREFIX)
			return cerr(x, v, "prefix is %zu characters; nft's log "
			    "prefix allows at most %d (iptables' LOG 29)",
			    strlen(s->prefix), CONFIG_MAX_PREFIX);
		for (i = 0; s->prefix[i] != '\0'; i++)
			if ((unsigned char)s->prefix[i] < 0x20 ||
			    s->prefix[i] == 0x7f)
				return cerr(x, v, "prefix contains a control "
				    "character");
	}
	if ((v = cnode_get(m, "pattern")) != NULL) {
		if (cnode_str(x, v, "pattern", where, &s->pattern) == -1)
			return -1;
		perr[0] = '\0';
		if ((p = parse_new(s->prefix, s->pattern, perr,
		    sizeof(perr))) == NULL)
			return cerr(x, v, "bad pattern: %s",
			    perr[0] ? perr : "rejected");
		parse_free(p);
	}
	return 0;
}

int
config_check_sources(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	size_t i;

	if (n->type != CN_SEQ)
		return cerr(x, n, "sources: expected a list, got %s",
		    cnode_kind(n));
	if (n->nkid == 0)
		return cerr(x, n, "no sources configured");
	if (n->nkid > KW_MAX_SOURCES)
		return cerr(x, n->kid[KW_MAX_SOURCES], "too many sources "
		    "(max %d)", KW_MAX_SOURCES);
	if ((c->sources = calloc(n->nkid, sizeof(*c->sources))) == NULL)
		return cerr(x, n, "out of memory");
	c->nsources = (int)n->nkid;
	for (i = 0; i < n->nkid; i++)
		if (load_source(x, n->kid[i], &c->sources[i]) == -1)
			return -1;
	return 0;
}

/* The defined user closest to name (edit distance < 3), or NULL: one
 * pass over the users, however many there are. */
static const char *
closest_user(const struct config *c, const char *name)
{
	const char *best = NULL;
	unsigned d, bestd = 3;
	int i;

	for (i = 0; i < c->nusers; i++)
		if ((d = cnode_distance(name, c->users[i].name)) < bestd) {
			bestd = d;
			best = c->users[i].name;
		}
	return best;
}

static int
load_hmac(struct cctx *x, const struct cnode *m, const char *door,
    struct config_door *d)
{
	struct config *c = x->c;
	struct config_hmac *h = &d->hmac;
	const struct cnode *v, *lenat;
	char where[96], *seen = NULL;
	unsigned size, osize, olo, ohi, over;
	int i, j, tcp = 0, rc = -1;

	snprintf(where, sizeof(where), "hmac of door '%s'", door);
	if (cnode_map(x, m, where, config_check_hmac_keys, NULL) == -1)
		return -1;
	d->is_hmac = 1;
	h->length = 4;
	h->lo = 20000;
	h->hi = 59999;
	h->period = 30;
	h->skew = 1;
	if (c->nusers == 0)
		return cerr(x, m, "hmac door '%s' has no users; define them "
		    "under 'users:'", door);
	if ((seen = calloc((size_t)c->nusers, 1)) == NULL)
		return cerr(x, m, "out of memory");
	if ((v = cnode_get(m, "users")) != NULL) {
		if (v->type != CN_SEQ || v->nkid == 0) {
			cerr(x, v, "'users' in %s: expected a non-empty list "
			    "of user names", where);
			goto out;
		}
		h->users = calloc(v->nkid, sizeof(*h->users));
		if (h->users == NULL) {
			cerr(x, v, "out of memory");
			goto out;
		}
		for (i = 0; i < (int)v->nkid; i++) {
			if (cnode_scalar(x, v->kid[i], "users", where) == -1)
				goto out;
			if ((j = config_user_index(c, v->kid[i]->s)) == -1) {
				const char *near = closest_user(c,
				    v->kid[i]->s);

				if (near != NULL)
					cerr(x, v->kid[i], "unknown user "
					    "'%.64s' in %s; did you mean '%s'? "
					    "(users are defined under 'users:')",
					    v->kid[i]->s, where, near);
				else
					cerr(x, v->kid[i], "unknown user "
					    "'%.64s' in %s (users are defined "
					    "under 'users:')", v->kid[i]->s,
					    where);
				goto out;
			}
			if (seen[j]) {
				cerr(x, v->kid[i], "user '%s' listed twice in "
				    "%s", v->kid[i]->s, where);
				goto out;
			}
			seen[j] = 1;
			h->users[h->nusers++] = j;
		}
	} else {
		h->users = calloc((size_t)c->nusers, sizeof(*h->users));
		if (h->users == NULL) {
			cerr(x, m, "out of memory");
			goto out;
		}
		for (i = 0; i < c->nusers; i++)
			h->users[h->nusers++] = i;
	}
	if ((v = cnode_get(m, "range")) != NULL &&
	    cnode_range(x, v, "range", where, &h->lo, &h->hi) == -1)
		goto out;
	lenat = v != NULL ? v : m;
	if ((v = cnode_get(m, "length")) != NULL) {
		if (cnode_uint(x, v, "length", where, 0, UINT16_MAX,
		    &h->length))
			goto out;
		if (h->length < 2 || h->length > KW_MAX_SEQ) {
			cerr(x, v, "length %u in %s: a knockwatch/2 sequence "
			    "has 2 to %d knocks", h->length, where, KW_MAX_SEQ);
			goto out;
		}
		lenat = v;
	}
	size = (unsigned)h->hi - h->lo + 1;
	if (h->length > size) {
		cerr(x, lenat, "length %u in %s is larger than the range "
		    "%u-%u (%u ports): a sequence never repeats a port",
		    h->length, where, h->lo, h->hi, size);
		goto out;
	}
	if ((v = cnode_get(m, "period")) != NULL &&
	    cnode_uint(x, v, "period", where, 1, 3600, &h->period) == -1)
		goto out;
	if ((v = cnode_get(m, "skew")) != NULL &&
	    cnode_uint(x, v, "skew", where, 0, 10, &h->skew) == -1)
		goto out;
	if ((v = cnode_get(m, "bind_source")) != NULL &&
	    cnode_bool(x, v, "bind_source", where, &h->bind_source) == -1)
		goto out;
	if ((v = cnode_get(m, "protocols")) != NULL) {
		if (v->type != CN_SEQ || v->nkid == 0 || v->nkid > 2) {
			cerr(x, v, "'protocols' in %s: expected [tcp] or "
			    "[tcp, udp]", where);
			goto out;
		}
		for (i = 0; i < (int)v->nkid; i++) {
			if (cnode_scalar(x, v->kid[i], "protocols", where)
			    == -1)
				goto out;
			if (strcasecmp(v->kid[i]->s, "tcp") == 0 && !tcp)
				tcp = 1;
			else if (strcasecmp(v->kid[i]->s, "udp") == 0 &&
			    !h->udp)
				h->udp = 1;
			else {
				cerr(x, v->kid[i], "bad protocol '%.32s' in "
				    "protocols of %s: expected tcp or udp, "
				    "each once", v->kid[i]->s, where);
				goto out;
			}
		}
		if (!tcp) {
			cerr(x, v, "'protocols' in %s must include tcp "
			    "(knockwatch/2 knows [tcp] and [tcp, udp])",
			    where);
			goto out;
		}
	}
	if ((v = cnode_get(m, "open_range")) != NULL) {
		if (cnode_range(x, v, "open_range", where, &h->open_lo,
		    &h->open_hi) == -1)
			goto out;
		h->has_open = 1;
		/* The open port excludes the knock ports: never run dry. */
		osize = (unsigned)h->open_hi - h->open_lo + 1;
		olo = h->open_lo > h->lo ? h->open_lo : h->lo;
		ohi = h->open_hi < h->hi ? h->open_hi : h->hi;
		over = olo <= ohi ? ohi - olo + 1 : 0;
		if (over > h->length)
			over = h->length;
		if (osize <= over) {
			cerr(x, v, "open_range %u-%u in %s can be used up by "
			    "the %u knock ports; make it larger or disjoint "
			    "from range", h->open_lo, h->open_hi, where,
			    h->length);
			goto out;
		}
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

/* key: [CIDR, ...] (a single scalar is one entry). */
static int
get_cidrs(struct cctx *x, const struct cnode *n, const char *key,
    const char *where, struct kw_cidr **out, int *nout)
{
	const struct cnode *one = n;
	size_t cnt = 1;

	if (n->type == CN_SEQ)
		cnt = n->nkid;
	else if (cnode_scalar(x, n, key, where) == -1)
		return -1;
	if (cnt > KW_MAX_CIDRS)
		return cerr(x, n, "%s of %s: at most %d networks", key, where,
		    KW_MAX_CIDRS);
	if ((*out = calloc(cnt + 1, sizeof(**out))) == NULL)
		return cerr(x, n, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		if (n->type == CN_SEQ) {
			one = n->kid[i];
			if (cnode_scalar(x, one, key, where) == -1)
				return -1;
		}
		if (addr_cidr_parse(one->s, &(*out)[i]) == -1)
			return cerr(x, one, "%s of %s: '%.64s' is not an "
			    "address or network (like 192.0.2.0/24 or "
			    "2001:db8::/32, host bits clear)", key, where,
			    one->s);
		*nout = (int)i + 1;
	}
	return 0;
}

int
config_check_acl(struct cctx *x, const struct cnode *m, const char *where,
    struct config_acl *acl)
{
	const struct cnode *v;

	if ((v = cnode_get(m, "allow")) != NULL &&
	    get_cidrs(x, v, "allow", where, &acl->allow, &acl->nallow) == -1)
		return -1;
	if ((v = cnode_get(m, "deny")) != NULL &&
	    get_cidrs(x, v, "deny", where, &acl->deny, &acl->ndeny) == -1)
		return -1;
	return 0;
}

/* hosts: [NAME, ...] (a single scalar is one entry), each canonical. */
static int
get_hosts(struct cctx *x, const struct cnode *n, const char *where,
    struct config_door *d)
{
	size_t cnt = n->type == CN_SEQ ? n->nkid : 1;

	if (n->type != CN_SEQ && cnode_scalar(x, n, "hosts", where) == -1)
		return -1;
	if (cnt == 0 || cnt > HOST_MAX_TRACKED)
		return cerr(x, n, "hosts of %s: 1 to %d names", where,
		    HOST_MAX_TRACKED);
	if ((d->hosts = calloc(cnt + 1, sizeof(*d->hosts))) == NULL)
		return cerr(x, n, "out of memory");
	for (size_t i = 0; i < cnt; i++) {
		const struct cnode *one = n->type == CN_SEQ ? n->kid[i] : n;
		char buf[HOST_MAX + 1];

		if (cnode_scalar(x, one, "hosts", where) == -1)
			return -1;
		if (host_canon(one->s, strlen(one->s), buf, sizeof(buf)) < 0)
			return cerr(x, one, "hosts of %s: '%.64s' is not an "
			    "address or a host name of A-Z a-z 0-9 _ . - (at "
			    "most %d)", where, one->s, HOST_MAX);
		if ((d->hosts[i] = strdup(buf)) == NULL)
			return cerr(x, one, "out of memory");
		d->nhosts = (int)i + 1;
	}
	return 0;
}

static int
load_door(struct cctx *x, const struct cnode *name, const struct cnode *m,
    struct config_door *d)
{
	const struct cnode *seq, *hm, *v;
	char where[96];
	size_t i;

	if (!cnode_name_ok(name->s))
		return cerr(x, name, "bad door name '%.64s': use 1 to %d of "
		    "A-Z a-z 0-9 _ . -", name->s, KW_NAME_MAX);
	if ((d->name = strdup(name->s)) == NULL)
		return cerr(x, name, "out of memory");
	snprintf(where, sizeof(where), "door '%s'", d->name);
	if (cnode_map(x, m, where, config_check_door_keys, NULL) == -1)
		return -1;
	d->timeout = 10;
	d->cmd_timeout = 10;
	if (config_check_acl(x, m, where, &d->acl) == -1)
		return -1;
	if ((v = cnode_get(m, "hosts")) != NULL) {
		if (get_hosts(x, v, where, d) == -1)
			return -1;
		if (!x->c->fleet)
			return cerr(x, v, "hosts of %s: no source has "
			    "fleet: true, so no line names a host", where);
	}
	seq = cnode_get(m, "sequence");
	hm = cnode_get(m, "hmac");
	if (seq != NULL && hm != NULL)
		return cerr(x, hm, "door '%s' has both sequence and hmac; "
		    "choose one", d->name);
	if (seq == NULL && hm == NULL)
		return cerr(x, name, "door '%s' needs a sequence or an hmac "
		    "section", d->name);
	if (seq != NULL) {
		if (seq->type != CN_SEQ)
			return cerr(x, seq, "sequence of %s: expected a list "
			    "like [7000/tcp, 8000/udp], got %s%s", where,
			    cnode_kind(seq), seq->type == CN_SCALAR &&
			    strchr(seq->s, ',') != NULL ? " (knockd's "
			    "7000,8000:udp is [7000/tcp, 8000/udp] here)" : "");
		if (seq->nkid == 0)
			return cerr(x, seq, "empty sequence in %s", where);
		if (seq->nkid > KW_MAX_SEQ)
			return cerr(x, seq->kid[KW_MAX_SEQ], "too many knocks "
			    "in sequence of %s (max %d)", where, KW_MAX_SEQ);
		for (i = 0; i < seq->nkid; i++)
			if (get_knock(x, seq->kid[i], where, &d->seq[i]) == -1)
				return -1;
		d->nseq = (int)seq->nkid;
	} else if (load_hmac(x, hm, d->name, d) == -1)
		return -1;
	if ((v = cnode_get(m, "timeout")) != NULL &&
	    cnode_uint(x, v, "timeout", where, 1, 3600, &d->timeout) == -1)
		return -1;
	if ((v = cnode_get(m, "stop_after")) != NULL &&
	    cnode_uint(x, v, "stop_after", where, 0, 86400, &d->stop_after))
		return -1;
	if ((v = cnode_get(m, "cmd_timeout")) != NULL &&
	    cnode_uint(x, v, "cmd_timeout", where, 1, 3600, &d->cmd_timeout))
		return -1;
	d->max_open = CONFIG_MAX_OPEN_DEFAULT;
	if ((v = cnode_get(m, "max_open")) != NULL &&
	    cnode_uint(x, v, "max_open", where, 1, CONFIG_MAX_OPEN_LIMIT,
	    &d->max_open))
		return -1;
	if ((v = cnode_get(m, "tcp_flags")) != NULL) {
		if (get_flags(x, v, where, &d->flags_set, &d->flags_clear))
			return -1;
		d->has_flags = 1;
	}
	if ((v = cnode_get(m, "start")) == NULL)
		return cerr(x, name, "door '%s' has no start command (add "
		    "start: [/path/to/action, ...])", d->name);
	if (get_cmd(x, v, "start", where, d, &d->start) == -1)
		return -1;
	if ((v = cnode_get(m, "stop")) != NULL) {
		if (get_cmd(x, v, "stop", where, d, &d->stop) == -1)
			return -1;
		if (d->stop_after == 0)
			return cerr(x, v, "door '%s' has a stop command but "
			    "no stop_after, so it would never run", d->name);
	} else if (d->stop_after > 0)
		return cerr(x, cnode_get(m, "stop_after"), "door '%s' has "
		    "stop_after but no stop command", d->name);
	return 0;
}

int
config_check_doors(struct cctx *x, const struct cnode *n)
{
	struct config *c = x->c;
	size_t i;

	if (cnode_map(x, n, "doors", NULL, "door") == -1)
		return -1;
	if (n->nkid == 0)
		return cerr(x, n, "no doors configured");
	if (n->nkid / 2 > KW_MAX_DOORS)
		return cerr(x, n->kid[2 * KW_MAX_DOORS], "too many doors "
		    "(max %d)", KW_MAX_DOORS);
	if ((c->doors = calloc(n->nkid / 2, sizeof(*c->doors))) == NULL)
		return cerr(x, n, "out of memory");
	c->ndoors = (int)(n->nkid / 2);
	for (i = 0; i < n->nkid; i += 2)
		if (load_door(x, n->kid[i], n->kid[i + 1],
		    &c->doors[i / 2]) == -1)
			return -1;
	return 0;
}
