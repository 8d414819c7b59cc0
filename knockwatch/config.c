/* config.c — loads and validates the YAML configuration: cnode.c builds a
 * small bounded tree, then the top level is checked here, the users by
 * key.c, the sources and doors by config_check.c. Every error names
 * FILE:LINE:COL; nothing here logs (errors go into the caller's buffer) and
 * nothing ever prints or echoes key material. */
#include "config.h"
#include "key.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pwd.h>

#include "cnode.h"
#include "config_check.h"

static const struct config_opts config_defaults = {
	.fd = -1,
	.no_keys = 0,
	.no_exec_check = 0,
	.open_key = NULL,
	.arg = NULL,
};

static const char *const top_keys[] = { "state_dir", "log", "max_tracked",
    "max_actions", "rotate_grace", "sources", "users", "doors", "runtime_dir",
    "allow", "deny", "penalty", "user", NULL };
static const char *const penalty_keys[] = { "failures", "window", "ban",
    NULL };

int
config_acl_ok(const struct config_acl *acl, const struct kw_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	struct kw_addr v4;
	int is_mapped = a->family == AF_INET6 &&
	    memcmp(a->a, mapped, sizeof(mapped)) == 0;

	/* ::ffff:a.b.c.d (the kernel logs it for an IPv6 packet with that
	 * source) is a.b.c.d to the lists too: deny 192.0.2.0/24 must not be
	 * passed by writing the address the other way, nor an IPv4 allow
	 * list by a mapped source. It is refused when either form is denied
	 * and let through when either form is allowed. */
	if (is_mapped) {
		memset(&v4, 0, sizeof(v4));
		v4.family = AF_INET;
		memcpy(v4.a, a->a + 12, 4);
	}
	if (acl->ndeny > 0 && (addr_in_any(a, acl->deny, acl->ndeny) ||
	    (is_mapped && addr_in_any(&v4, acl->deny, acl->ndeny))))
		return 0;
	return acl->nallow == 0 || addr_in_any(a, acl->allow, acl->nallow) ||
	    (is_mapped && addr_in_any(&v4, acl->allow, acl->nallow));
}

/* user: the account the worker runs as (default nobody). The parent and
 * `-n` look it up; the worker, which has dropped to it, does not. */
static int
load_user(struct cctx *x, const struct cnode *root)
{
	struct config *c = x->c;
	const struct cnode *v = cnode_get(root, "user");
	struct passwd *pw;

	if (v != NULL) {
		if (cnode_str(x, v, "user", "the top level", &c->run_user)
		    == -1)
			return -1;
		if (!cnode_name_ok(c->run_user) || c->run_user[0] == '-')
			return cerr(x, v, "user '%.64s': expected an account "
			    "name", c->run_user);
	} else if ((c->run_user = strdup("nobody")) == NULL)
		return cerr(x, root, "out of memory");
	if (x->o->no_exec_check)
		return 0;
	errno = 0;
	if ((pw = getpwnam(c->run_user)) == NULL)
		return cerr(x, v ? v : root, "user '%s' (the account the "
		    "worker runs as) does not exist: create it with "
		    "useradd -r -s /usr/sbin/nologin %s%s", c->run_user,
		    c->run_user, v ? "" : ", or set user:");
	if (pw->pw_uid == 0)
		return cerr(x, v ? v : root, "user '%s' is uid 0: the worker "
		    "that reads log text must not run as root", c->run_user);
	c->run_uid = pw->pw_uid;
	c->run_gid = pw->pw_gid;
	return 0;
}

static int
load_top(struct cctx *x, const struct cnode *root)
{
	struct config *c = x->c;
	const char *where = "the top level";
	const struct cnode *v;

	if (config_misplaced(x, root, top_keys) == -1 ||
	    cnode_map(x, root, where, top_keys, NULL) == -1)
		return -1;
	if ((v = cnode_get(root, "state_dir")) != NULL) {
		if (cnode_str(x, v, "state_dir", where, &c->state_dir) == -1)
			return -1;
		if (c->state_dir[0] != '/')
			return cerr(x, v, "state_dir '%.200s' is not an "
			    "absolute path", c->state_dir);
	} else if ((c->state_dir = strdup("/var/lib/knockwatch")) == NULL)
		return cerr(x, root, "out of memory");
	if ((v = cnode_get(root, "log")) != NULL) {
		if (cnode_scalar(x, v, "log", where) == -1)
			return -1;
		if (strcmp(v->s, "syslog") == 0)
			c->log_syslog = 1;
		else if (strcmp(v->s, "stderr") != 0)
			return cerr(x, v, "log: expected stderr or syslog, "
			    "got '%.32s'", v->s);
	}
	if ((v = cnode_get(root, "runtime_dir")) != NULL) {
		if (cnode_str(x, v, "runtime_dir", where, &c->runtime_dir)
		    == -1)
			return -1;
		if (c->runtime_dir[0] != '/' || strlen(c->runtime_dir) > 80)
			return cerr(x, v, "runtime_dir '%.200s': expected an "
			    "absolute path of at most 80 characters",
			    c->runtime_dir);
	} else if ((c->runtime_dir = strdup("/run/knockwatch")) == NULL)
		return cerr(x, root, "out of memory");
	if (config_check_acl(x, root, where, &c->acl) == -1)
		return -1;
	if (load_user(x, root) == -1)
		return -1;
	c->penalty_failures = 10;
	c->penalty_window = 60;
	c->penalty_ban = 300;
	if ((v = cnode_get(root, "penalty")) != NULL) {
		const struct cnode *p;
		if (cnode_map(x, v, "penalty", penalty_keys, NULL) == -1)
			return -1;
		if ((p = cnode_get(v, "failures")) != NULL &&
		    cnode_uint(x, p, "failures", "penalty", 0, 100000,
		    &c->penalty_failures) == -1)
			return -1;
		if ((p = cnode_get(v, "window")) != NULL &&
		    cnode_uint(x, p, "window", "penalty", 1, 86400,
		    &c->penalty_window) == -1)
			return -1;
		if ((p = cnode_get(v, "ban")) != NULL &&
		    cnode_uint(x, p, "ban", "penalty", 1, 604800,
		    &c->penalty_ban) == -1)
			return -1;
	}
	c->max_tracked = 65536;
	c->max_actions = 16;
	c->rotate_grace = 30;
	if ((v = cnode_get(root, "max_tracked")) != NULL &&
	    cnode_uint(x, v, "max_tracked", where, 16, 16777216,
	    &c->max_tracked) == -1)
		return -1;
	if ((v = cnode_get(root, "max_actions")) != NULL &&
	    cnode_uint(x, v, "max_actions", where, 1, 1024,
	    &c->max_actions) == -1)
		return -1;
	if ((v = cnode_get(root, "rotate_grace")) != NULL &&
	    cnode_uint(x, v, "rotate_grace", where, 0, 3600,
	    &c->rotate_grace) == -1)
		return -1;
	if ((v = cnode_get(root, "sources")) == NULL)
		return cerr(x, root, "no sources configured (add sources: "
		    "[{file: /var/log/kern.log}])");
	if (config_check_sources(x, v) == -1)
		return -1;
	/* Users before doors: hmac doors refer to them. */
	if ((v = cnode_get(root, "users")) != NULL &&
	    key_load_users(x, v) == -1)
		return -1;
	if ((v = cnode_get(root, "doors")) == NULL)
		return cerr_file(x, "no doors configured (add a doors: "
		    "section, knockwatch.yaml(5))");
	return config_check_doors(x, v);
}

/* Contract in config.h: NULL and "FILE:LINE:COL: ..." in err on failure;
 * the caller owns the result and frees it with config_free. */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	return config_load_opts(path, &config_defaults, err, errlen);
}

struct config *
config_load_opts(const char *path, const struct config_opts *o, char *err,
    size_t errlen)
{
	struct cctx x = { .path = path, .err = err, .errlen = errlen,
	    .o = o };
	struct cnode *root = NULL;
	unsigned char *buf;
	size_t len = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((buf = cnode_read(&x, &len)) == NULL)
		return NULL;
	root = cnode_load(&x, buf, len);
	explicit_bzero(buf, len);
	free(buf);
	if (root == NULL)
		return NULL;
	if ((x.c = calloc(1, sizeof(*x.c))) == NULL ||
	    (x.c->path = strdup(path)) == NULL) {
		cerr(&x, NULL, "out of memory");
		goto fail;
	}
	if (load_top(&x, root) == -1)
		goto fail;
	cnode_free(root);
	return x.c;
fail:
	cnode_free(root);
	config_free(x.c);
	return NULL;
}

/* Frees c and everything it owns, wiping keys first. NULL is allowed. */
void
config_free(struct config *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsources; i++) {
		free(c->sources[i].path);
		cnode_argv_free(c->sources[i].argv);
		free(c->sources[i].prefix);
		free(c->sources[i].pattern);
	}
	for (i = 0; i < c->ndoors; i++) {
		free(c->doors[i].name);
		free(c->doors[i].hmac.users);
		cnode_argv_free(c->doors[i].start.argv);
		cnode_argv_free(c->doors[i].stop.argv);
		free(c->doors[i].acl.allow);
		free(c->doors[i].acl.deny);
		for (int h = 0; h < c->doors[i].nhosts; h++)
			free(c->doors[i].hosts[h]);
		free(c->doors[i].hosts);
	}
	for (i = 0; i < c->nusers; i++) {
		explicit_bzero(c->users[i].key, sizeof(c->users[i].key));
		free(c->users[i].name);
		free(c->users[i].key_file);
	}
	free(c->sources);
	free(c->doors);
	free(c->users);
	free(c->state_dir);
	free(c->runtime_dir);
	free(c->run_user);
	free(c->acl.allow);
	free(c->acl.deny);
	free(c->path);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* Index of the named door, or -1 (linear: at most KW_MAX_DOORS). */
int
config_door_index(const struct config *c, const char *name)
{
	int i;

	for (i = 0; i < c->ndoors; i++)
		if (strcmp(c->doors[i].name, name) == 0)
			return i;
	return -1;
}

/* Index of the named user, or -1 (binary search: users are sorted). */
int
config_user_index(const struct config *c, const char *name)
{
	int lo = 0, hi = c->nusers - 1, mid, r;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = strcmp(name, c->users[mid].name)) == 0)
			return mid;
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

