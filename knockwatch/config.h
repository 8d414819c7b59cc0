/* config.h — the loaded configuration; immutable once loaded, swapped
 * whole on reload. */
#ifndef KW_CONFIG_H
#define KW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"

#define KW_MAX_SEQ	16	/* knocks in a sequence */
#define KW_MAX_ARGV	64	/* elements in a start/stop command */
#define KW_MAX_DOORS	1024
#define CONFIG_MAX_OPEN_DEFAULT	1024	/* a door's max_open: a quarter */
#define CONFIG_MAX_OPEN_LIMIT	4096	/* = door.h's DOOR_MAX_OPEN */
/* Bytes of a config file: KW_MAX_USERS users with inline keys take 9 MB. */
#define CONFIG_MAX_FILE	(16 * 1024 * 1024)
#define KW_MAX_SOURCES	64
#define KW_MAX_USERS	100000
#define KW_MAX_KEY	64	/* key bytes */
#define KW_MIN_KEY	16
#define KW_NAME_MAX	64	/* door and user names: [A-Za-z0-9_.-]{1,64} */

enum config_source_kind {
	CONFIG_SRC_FILE,
	CONFIG_SRC_KMSG,
	CONFIG_SRC_COMMAND,
};

struct config_source {
	enum config_source_kind kind;
	char *path;		/* FILE: absolute path */
	char **argv;		/* COMMAND: NULL-terminated */
	char *prefix;		/* optional LOG prefix, or NULL */
	char *pattern;		/* optional custom PCRE2 pattern, or NULL */
	int from_start;		/* "from_start: true": read existing lines */
	int fleet;		/* "fleet: true": each line's host from its
				 * syslog header (a collector's file) */
};

struct config_knock {
	uint16_t port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

struct config_cmd {
	char **argv;		/* NULL-terminated; argv[0] absolute, executable */
	int argc;		/* 0: no command configured */
};

struct config_hmac {
	int *users;		/* indices into config.users */
	int nusers;
	unsigned length;	/* 2..16, default 4 */
	uint16_t lo, hi;	/* range, default 20000-59999 */
	unsigned period;	/* seconds, default 30 */
	unsigned skew;		/* default 1 */
	int bind_source;	/* default 0 */
	int udp;		/* protocols [tcp, udp] */
	int has_open;
	uint16_t open_lo, open_hi;
};

/* allow/deny lists: a source is refused when it is in deny, or when allow
 * is not empty and it is not in allow. */
struct config_acl {
	struct kw_cidr *allow, *deny;
	int nallow, ndeny;
};

#define KW_MAX_CIDRS 1024

struct config_door {
	char *name;
	struct config_acl acl;
	int is_hmac;
	struct config_knock seq[KW_MAX_SEQ];	/* static doors */
	int nseq;
	struct config_hmac hmac;		/* HMAC doors */
	unsigned timeout;	/* seconds first..last knock, default 10 */
	uint8_t flags_set;	/* tcp_flags: these PARSE_TCP_* bits must be set */
	uint8_t flags_clear;	/* and these clear ("!ack") */
	int has_flags;
	struct config_cmd start, stop;
	unsigned stop_after;	/* seconds; 0 = never run stop */
	unsigned cmd_timeout;	/* seconds, default 10 */
	unsigned max_open;	/* open entries at once, default
				 * CONFIG_MAX_OPEN_DEFAULT (of door.h's 4096) */
	char **hosts;		/* "hosts:", canonical (host_canon); NULL:
				 * every host */
	int nhosts;
};

struct config_user {
	char *name;
	char *key_file;		/* NULL for an inline key */
	unsigned char key[KW_MAX_KEY];	/* wiped by config_free */
	size_t keylen;
	int disabled;		/* key file unusable at a worker restart
				 * (skip_bad_keys): in no door, never matches */
};

struct config {
	char *path;
	char *state_dir;	/* default /var/lib/knockwatch */
	struct config_source *sources;
	int nsources;
	struct config_door *doors;
	int ndoors;
	struct config_user *users;
	int nusers;
	unsigned max_tracked;	/* tracked (source, door) attempts, default 65536 */
	unsigned max_actions;	/* concurrently running actions, default 16 */
	unsigned rotate_grace;	/* seconds a renamed log is still read, default 30 */
	int log_syslog;		/* "log: syslog" */
	char *runtime_dir;	/* status socket, default /run/knockwatch */
	struct config_acl acl;	/* global allow/deny */
	unsigned penalty_failures;	/* failed attempts ... default 10, 0 = off */
	unsigned penalty_window;	/* ... within this many seconds, default 60 */
	unsigned penalty_ban;	/* ignore the source this long, default 300 */
	char *run_user;		/* "user:", the worker's account, default nobody */
	uid_t run_uid;		/* looked up unless no_exec_check */
	gid_t run_gid;
	int fleet;		/* some source has fleet: true */
};

/* How config_load_opts reaches files. The parent parses the config without
 * keys; the worker, which can open nothing, parses the descriptor the parent
 * opened and asks it for each key file. */
struct config_opts {
	int fd;			/* >= 0: read the config from here, not path */
	int no_keys;		/* record key_file paths, keep no key bytes */
	int no_exec_check;	/* skip command checks and the user lookup */
	int (*open_key)(void *arg, const char *path);	/* NULL: open(2) */
	void *arg;
	/* A key_file that cannot be read or is not a key disables its user
	 * (one LOG_ERR line naming user and file) instead of failing the
	 * load: the worker restarted on a config it ran before. */
	int skip_bad_keys;
};

/* 1 when acl lets a through. An IPv4-mapped IPv6 address (::ffff:0:0/96)
 * is checked as itself and as its IPv4 address: denied when either is
 * denied, allowed when either is allowed. */
int config_acl_ok(const struct config_acl *acl, const struct kw_addr *a);

/* Loads and validates path. On error returns NULL and writes
 * "FILE:LINE:COL: what is wrong" into err. The caller frees with config_free. */
struct config *config_load(const char *path, char *err, size_t errlen);
/* The same with options o (see struct config_opts). */
struct config *config_load_opts(const char *path, const struct config_opts *o,
    char *err, size_t errlen);
/* Frees everything, wiping key material first. NULL is allowed. */
void config_free(struct config *c);
/* One line per door (and with verbose > 0 sources, users with key
 * fingerprints, commands). Never prints a key. */
void config_print(const struct config *c, FILE *fp, int verbose);
/* Index of the named door or user, or -1. */
int config_door_index(const struct config *c, const char *name);
int config_user_index(const struct config *c, const char *name);

#endif
