/* test_config.c — config_load against the corpus in tests/data/config/:
 * NN-name.yaml with NN-name.out (good: config_print output) or NN-name.err
 * (bad: the exact "FILE:LINE:COL: message", FILE written as @FILE@; a
 * trailing "..." makes it a prefix). Files mentioning @DIR@ are copied into
 * a temporary directory (holding bob.key 0600 and bad.key 0644) with @DIR@
 * replaced, in .err files too. Plus field-by-field checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <gcrypt.h>

#include "config.h"
#include "parse.h"
#include "key.h"
#include "test.h"

static const char *top;
static char tmpdir[] = "/tmp/kw-test-config.XXXXXX";

/* The whole file, NUL-terminated, or NULL. Caller frees. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (getdelim(&buf, &len, '\0', fp) == -1) {
		free(buf);
		buf = strdup("");
	}
	fclose(fp);
	return buf;
}

/* s with every from replaced by to. Caller frees. */
static char *
subst(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	if ((out = malloc(strlen(s) + n * tl + 1)) == NULL)
		abort();
	for (o = out; (p = strstr(s, from)) != NULL; s = p + fl) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
	}
	strcpy(o, s);
	return out;
}

static void
write_file(const char *path, const char *s, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(s, fp) == EOF || fclose(fp) == EOF ||
	    chmod(path, mode) == -1) {
		perror(path);
		exit(2);
	}
}

/* Loads tests/data/config/name; path receives the file name given to
 * config_load. */
static struct config *
load_case(const char *name, char *path, size_t plen, char *err, size_t elen)
{
	char *text, *t;

	snprintf(path, plen, "%s/tests/data/config/%s", top, name);
	/* Loaded from a 0600 copy: a checkout leaves the files 0644, and an
	 * inline key in a file others can read is refused. */
	if ((text = slurp(path)) != NULL) {
		t = subst(text, "@DIR@", tmpdir);
		snprintf(path, plen, "%s/%s", tmpdir, name);
		write_file(path, t, 0600);
		free(t);
	}
	free(text);
	return config_load(path, err, elen);
}

static char *
print_str(const struct config *c, int verbose)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		abort();
	config_print(c, fp, verbose);
	fclose(fp);
	return buf;
}

static void
check_bad(const char *name, const char *errfile)
{
	char path[512], err[512], *want, *exp, *t;
	struct config *c;
	size_t n;

	c = load_case(name, path, sizeof(path), err, sizeof(err));
	T_OK(c == NULL, "%s: loaded, expected an error", name);
	config_free(c);
	if ((want = slurp(errfile)) == NULL) {
		T_OK(0, "%s: cannot read %s", name, errfile);
		return;
	}
	want[strcspn(want, "\n")] = '\0';
	t = subst(want, "@FILE@", path);
	exp = subst(t, "@DIR@", tmpdir);
	free(t);
	n = strlen(exp);
	if (n >= 3 && strcmp(exp + n - 3, "...") == 0)
		T_OK(strncmp(err, exp, n - 3) == 0, "%s:\n  got  '%s'\n  "
		    "want '%s'", name, err, exp);
	else
		T_OK(strcmp(err, exp) == 0, "%s:\n  got  '%s'\n  want '%s'",
		    name, err, exp);
	free(exp);
	free(want);
}

static void
check_good(const char *name, const char *outfile)
{
	char path[512], err[512], *want, *got;
	struct config *c;

	c = load_case(name, path, sizeof(path), err, sizeof(err));
	T_OK(c != NULL, "%s: %s", name, err);
	if (c == NULL)
		return;
	want = slurp(outfile);
	got = print_str(c, 0);
	T_OK(want != NULL && strcmp(got, want) == 0, "%s: config_print:\n%s"
	    "expected:\n%s", name, got, want ? want : "(no .out)\n");
	free(got);
	free(want);
	/* Verbose output must never contain the key's hex text. */
	got = print_str(c, 1);
	T_OK(strstr(got, "0405060708") == NULL &&
	    strstr(got, "445566778899") == NULL, "%s: key in output", name);
	free(got);
	config_free(c);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_corpus(void)
{
	char dir[400], side[600], *names[256];
	struct dirent *de;
	size_t n = 0, i, len;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/data/config", top);
	if ((d = opendir(dir)) == NULL) {
		T_OK(0, "opendir %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL && n < 256) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	T_OK(n >= 40, "only %zu corpus files", n);
	for (i = 0; i < n; i++) {
		len = strlen(names[i]) - 5;
		snprintf(side, sizeof(side), "%s/%.*s.err", dir, (int)len,
		    names[i]);
		if (access(side, F_OK) == 0)
			check_bad(names[i], side);
		else {
			snprintf(side, sizeof(side), "%s/%.*s.out", dir,
			    (int)len, names[i]);
			check_good(names[i], side);
		}
		free(names[i]);
	}
}

static void
check_full(void)
{
	char path[512], err[512], *out;
	const struct config_door *d;
	const struct config_hmac *h;
	struct config *c;
	int a, b;

	c = load_case("01-full.yaml", path, sizeof(path), err, sizeof(err));
	T_OK(c != NULL, "01-full: %s", err);
	if (c == NULL)
		return;
	T_STREQ(c->path, path);
	T_STREQ(c->state_dir, "/var/lib/knockwatch");
	T_INTEQ(c->log_syslog, 1);
	T_INTEQ(c->max_tracked, 4096);
	T_INTEQ(c->max_actions, 8);
	T_INTEQ(c->rotate_grace, 60);

	T_INTEQ(c->nsources, 3);
	T_INTEQ(c->sources[0].kind, CONFIG_SRC_FILE);
	T_STREQ(c->sources[0].path, "/var/log/kern.log");
	T_STREQ(c->sources[0].prefix, "KNOCK: ");
	T_OK(c->sources[0].pattern != NULL &&
	    strncmp(c->sources[0].pattern, "SRC=(?<src>", 11) == 0, "pattern");
	T_INTEQ(c->sources[0].from_start, 1);
	T_INTEQ(c->sources[1].kind, CONFIG_SRC_KMSG);
	T_STREQ(c->sources[1].prefix, "KW ");
	T_OK(c->sources[1].pattern == NULL && c->sources[1].path == NULL,
	    "kmsg source fields");
	T_INTEQ(c->sources[1].from_start, 0);
	T_INTEQ(c->sources[2].kind, CONFIG_SRC_COMMAND);
	T_STREQ(c->sources[2].argv[0], "journalctl");
	T_STREQ(c->sources[2].argv[6], "0");
	T_OK(c->sources[2].argv[7] == NULL, "command argv terminated");

	T_INTEQ(c->nusers, 2);
	a = config_user_index(c, "alice");
	b = config_user_index(c, "bob");
	T_OK(a >= 0 && b >= 0 && a != b, "user index %d %d", a, b);
	T_INTEQ(config_user_index(c, "carol"), -1);
	T_INTEQ(config_user_index(c, ""), -1);
	if (a >= 0 && b >= 0) {
		T_STREQ(c->users[a].name, "alice");
		T_INTEQ(c->users[a].keylen, 32);
		T_INTEQ(c->users[a].key[0], 0x00);
		T_INTEQ(c->users[a].key[31], 0x1f);
		T_INTEQ(c->users[b].keylen, 16);
		T_INTEQ(c->users[b].key[0], 0xf0);
		T_INTEQ(c->users[b].key[15], 0x0f);
	}

	T_INTEQ(c->ndoors, 2);
	T_INTEQ(config_door_index(c, "ssh"), 0);
	T_INTEQ(config_door_index(c, "ssh-otp"), 1);
	T_INTEQ(config_door_index(c, "ftp"), -1);
	d = &c->doors[0];
	T_STREQ(d->name, "ssh");
	T_INTEQ(d->is_hmac, 0);
	T_INTEQ(d->nseq, 3);
	T_INTEQ(d->seq[0].port, 7000);
	T_INTEQ(d->seq[0].proto, IPPROTO_TCP);
	T_INTEQ(d->seq[1].port, 8000);
	T_INTEQ(d->seq[1].proto, IPPROTO_UDP);
	T_INTEQ(d->seq[2].port, 9000);
	T_INTEQ(d->seq[2].proto, IPPROTO_TCP);
	T_INTEQ(d->timeout, 10);
	T_INTEQ(d->has_flags, 1);
	T_INTEQ(d->flags_set, PARSE_TCP_SYN);
	T_INTEQ(d->flags_clear, PARSE_TCP_ACK);
	T_INTEQ(d->start.argc, 4);
	T_STREQ(d->start.argv[0], "/bin/true");
	T_STREQ(d->start.argv[2], "%SRC%");
	T_OK(d->start.argv[4] == NULL, "start argv terminated");
	T_INTEQ(d->stop.argc, 4);
	T_STREQ(d->stop.argv[2], "%IP%");
	T_INTEQ(d->stop_after, 30);
	T_INTEQ(d->cmd_timeout, 5);

	d = &c->doors[1];
	h = &d->hmac;
	T_STREQ(d->name, "ssh-otp");
	T_INTEQ(d->is_hmac, 1);
	T_INTEQ(d->nseq, 0);
	T_INTEQ(h->nusers, 2);
	if (h->nusers == 2) {
		T_INTEQ(h->users[0], b);
		T_INTEQ(h->users[1], a);
	}
	T_INTEQ(h->length, 4);
	T_INTEQ(h->lo, 20000);
	T_INTEQ(h->hi, 59999);
	T_INTEQ(h->period, 30);
	T_INTEQ(h->skew, 1);
	T_INTEQ(h->bind_source, 1);
	T_INTEQ(h->udp, 1);
	T_INTEQ(h->has_open, 1);
	T_INTEQ(h->open_lo, 40000);
	T_INTEQ(h->open_hi, 40099);
	T_INTEQ(d->timeout, 20);
	T_INTEQ(d->has_flags, 0);
	T_INTEQ(d->start.argc, 6);
	T_STREQ(d->start.argv[5], "%OPEN_PORT%");
	/* A plain string is split on whitespace. */
	T_INTEQ(d->stop.argc, 4);
	T_STREQ(d->stop.argv[0], "/bin/true");
	T_STREQ(d->stop.argv[3], "%OPEN_PORT%");
	T_INTEQ(d->stop_after, 30);
	T_INTEQ(d->cmd_timeout, 10);

	out = print_str(c, 1);
	T_STREQ(out,
	    "state_dir /var/lib/knockwatch\n"
	    "log syslog\n"
	    "max_tracked 4096 max_actions 8 rotate_grace 60s\n"
	    "source file /var/log/kern.log prefix 'KNOCK: ' pattern "
	    "'SRC=(?<src>[0-9a-fA-F.:]+) .*PROTO=(?<proto>TCP|UDP) "
	    ".*DPT=(?<dport>[0-9]+)' from_start\n"
	    "source kmsg prefix 'KW '\n"
	    "source command journalctl -k -f -o short-iso -n 0\n"
	    "user alice: key fingerprint 630dcd2966c43366\n"
	    "user bob: key fingerprint 6995d874e546bd6e\n"
	    "door ssh: static tcp/7000 udp/8000 tcp/9000 tcp_flags syn,!ack "
	    "timeout 10s stop_after 30s\n"
	    "  start /bin/true open %SRC% 22/tcp\n"
	    "  stop /bin/true close %IP% 22/tcp\n"
	    "  cmd_timeout 5s\n"
	    "door ssh-otp: hmac users bob,alice length 4 range 20000-59999 "
	    "period 30s skew 1 bind_source tcp,udp open_range 40000-40099 "
	    "timeout 20s stop_after 30s\n"
	    "  start /usr/bin/env door=%DOOR% user=%USER% /bin/true %SRC% "
	    "%OPEN_PORT%\n"
	    "  stop /bin/true close %SRC% %OPEN_PORT%\n"
	    "  cmd_timeout 10s\n");
	free(out);
	config_free(c);
}

static void
check_defaults(void)
{
	char path[512], err[512];
	const struct config_door *d;
	struct config *c;

	c = load_case("02-minimal.yaml", path, sizeof(path), err, sizeof(err));
	T_OK(c != NULL, "02-minimal: %s", err);
	if (c == NULL)
		return;
	T_STREQ(c->state_dir, "/var/lib/knockwatch");
	T_INTEQ(c->log_syslog, 0);
	T_INTEQ(c->max_tracked, 65536);
	T_INTEQ(c->max_actions, 16);
	T_INTEQ(c->rotate_grace, 30);
	T_INTEQ(c->nsources, 1);
	T_INTEQ(c->sources[0].kind, CONFIG_SRC_KMSG);
	T_OK(c->sources[0].prefix == NULL, "no prefix");
	T_INTEQ(c->nusers, 0);
	T_INTEQ(config_user_index(c, "alice"), -1);
	d = &c->doors[0];
	T_INTEQ(d->timeout, 10);
	T_INTEQ(d->cmd_timeout, 10);
	T_INTEQ(d->stop_after, 0);
	T_INTEQ(d->stop.argc, 0);
	T_OK(d->stop.argv == NULL, "no stop argv");
	T_INTEQ(d->has_flags, 0);
	T_INTEQ(d->start.argc, 2);
	config_free(c);

	c = load_case("03-minimal-hmac.yaml", path, sizeof(path), err,
	    sizeof(err));
	T_OK(c != NULL, "03-minimal-hmac: %s", err);
	if (c == NULL)
		return;
	T_INTEQ(c->sources[0].kind, CONFIG_SRC_COMMAND);
	T_STREQ(c->sources[0].argv[2], "-f");
	T_OK(c->sources[0].argv[3] == NULL, "split command");
	T_INTEQ(c->users[0].keylen, 16);
	T_INTEQ(c->users[0].key[15], 0xff);
	d = &c->doors[0];
	T_INTEQ(d->hmac.nusers, 1);
	T_INTEQ(d->hmac.length, 4);
	T_INTEQ(d->hmac.lo, 20000);
	T_INTEQ(d->hmac.hi, 59999);
	T_INTEQ(d->hmac.period, 30);
	T_INTEQ(d->hmac.skew, 1);
	T_INTEQ(d->hmac.bind_source, 0);
	T_INTEQ(d->hmac.udp, 0);
	T_INTEQ(d->hmac.has_open, 0);
	config_free(c);
}

/* Cases that need files made at run time. */
static void
check_files(void)
{
	char path[512], err[512], want[700], *big;
	struct config *c;
	size_t n;

	snprintf(path, sizeof(path), "%s/no-such.yaml", tmpdir);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "missing file");
	snprintf(want, sizeof(want), "%s:1:1: cannot open: No such file or "
	    "directory", path);
	T_STREQ(err, want);

	T_OK(config_load(tmpdir, err, sizeof(err)) == NULL, "directory");
	snprintf(want, sizeof(want), "%s:1:1: not a regular file", tmpdir);
	T_STREQ(err, want);

	/* Over 16 MiB is refused before parsing. */
	n = 16 * 1024 * 1024 + 10;
	if ((big = malloc(n + 1)) == NULL)
		abort();
	memset(big, '#', n);
	big[n] = '\0';
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	write_file(path, big, 0600);
	free(big);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "big file");
	snprintf(want, sizeof(want), "%s:1:1: file larger than 16777216 bytes",
	    path);
	T_STREQ(err, want);

	/* A small error buffer is truncated, never overrun. */
	memset(err, 'x', sizeof(err));
	c = load_case("11-bad-port.yaml", path, sizeof(path), err, 8);
	T_OK(c == NULL && strlen(err) == 7 && err[8] == 'x', "truncation");
	c = load_case("11-bad-port.yaml", path, sizeof(path), err, 0);
	T_OK(c == NULL && err[0] != '\0', "errlen 0");

	/* The key_file must be a regular file. */
	snprintf(path, sizeof(path), "%s/dir.key", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dirkey.yaml", tmpdir);
	snprintf(want, sizeof(want), "sources: [{kmsg: true}]\nusers:\n"
	    "  bob: {key_file: %s/dir.key}\ndoors:\n  otp: {hmac: {}, "
	    "start: [/bin/true]}\n", tmpdir);
	write_file(path, want, 0600);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "key_file dir");
	T_OK(strstr(err, ":3:19: key_file '") != NULL &&
	    strstr(err, "dir.key' of user 'bob' is not a regular file"),
	    "key_file dir: %s", err);

	/* Whitespace-only key file. */
	snprintf(path, sizeof(path), "%s/blank.key", tmpdir);
	write_file(path, " \n\n", 0600);
	snprintf(path, sizeof(path), "%s/blank.yaml", tmpdir);
	snprintf(want, sizeof(want), "sources: [{kmsg: true}]\nusers:\n"
	    "  bob: {key_file: %s/blank.key}\ndoors:\n  otp: {hmac: {}, "
	    "start: [/bin/true]}\n", tmpdir);
	write_file(path, want, 0600);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "blank key_file");
	T_OK(strstr(err, "of user 'bob' is too short: 0 bytes") != NULL,
	    "blank key_file: %s", err);

	/* An inline key in a config others can read is refused like a
	 * key_file of mode 0644; at 0600 it loads. */
	snprintf(path, sizeof(path), "%s/inline.yaml", tmpdir);
	snprintf(want, sizeof(want), "sources: [{kmsg: true}]\nusers:\n"
	    "  bob: {key: 000102030405060708090a0b0c0d0e0f}\ndoors:\n  otp: "
	    "{hmac: {}, start: [/bin/true]}\n");
	write_file(path, want, 0644);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "inline key, 0644");
	T_OK(strstr(err, ":3:14: inline key of user 'bob' in a config that "
	    "group or others can read (mode 0644)") != NULL,
	    "inline key, 0644: %s", err);
	write_file(path, want, 0640);
	T_OK(config_load(path, err, sizeof(err)) == NULL, "inline key, 0640");
	write_file(path, want, 0600);
	c = config_load(path, err, sizeof(err));
	T_OK(c != NULL, "inline key, 0600: %s", err);
	config_free(c);

	config_free(NULL);
}

/* The parent's load keeps no key and opens no key file; the worker's reads
 * the config from a descriptor and gets key files through open_key. */
static int opened_keys;

static int
count_open_key(void *arg, const char *path)
{
	(void)arg;
	opened_keys++;
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void
check_privsep_modes(void)
{
	struct config_opts keyless = { -1, 1, 0, NULL, NULL, 0 };
	struct config_opts worker = { -1, 0, 1, count_open_key, NULL, 0 };
	static const unsigned char zero[KW_MAX_KEY];
	char path[512], text[1024], err[512];
	struct config *c;
	int fd, a, b;

	snprintf(path, sizeof(path), "%s/privsep.yaml", tmpdir);
	snprintf(text, sizeof(text), "sources: [{kmsg: true}]\nusers:\n"
	    "  alice: {key: 000102030405060708090a0b0c0d0e0f}\n"
	    "  bob: {key_file: %s/no-such.key}\n"
	    "doors:\n  otp: {hmac: {}, start: [/no/such/command]}\n", tmpdir);
	write_file(path, text, 0600);
	/* -n and the old single process check both. */
	T_OK(config_load(path, err, sizeof(err)) == NULL, "full load");
	/* The parent: the command exists, the key file is not opened. */
	snprintf(text, sizeof(text), "sources: [{kmsg: true}]\nusers:\n"
	    "  alice: {key: 000102030405060708090a0b0c0d0e0f}\n"
	    "  bob: {key_file: %s/no-such.key}\n"
	    "doors:\n  otp: {hmac: {}, start: [/bin/true]}\n", tmpdir);
	write_file(path, text, 0600);
	c = config_load_opts(path, &keyless, err, sizeof(err));
	T_OK(c != NULL, "keyless load: %s", err);
	if (c != NULL) {
		a = config_user_index(c, "alice");
		b = config_user_index(c, "bob");
		T_OK(a >= 0 && c->users[a].keylen == 0 &&
		    memcmp(c->users[a].key, zero, KW_MAX_KEY) == 0,
		    "the parent keeps no inline key");
		T_OK(b >= 0 && c->users[b].key_file != NULL &&
		    strstr(c->users[b].key_file, "no-such.key") != NULL,
		    "the parent records the key file");
		T_STREQ(c->run_user, "nobody");
		config_free(c);
	}
	/* The worker: from a descriptor (the path is only a name), no
	 * command check, key files through open_key. */
	snprintf(path, sizeof(path), "%s/bob.key", tmpdir);
	snprintf(text, sizeof(text), "user: nosuchaccount\n"
	    "sources: [{kmsg: true}]\nusers:\n  bob: {key_file: %s}\n"
	    "doors:\n  otp: {hmac: {}, start: [/no/such/command]}\n", path);
	snprintf(path, sizeof(path), "%s/worker.yaml", tmpdir);
	write_file(path, text, 0600);
	fd = open(path, O_RDONLY);
	unlink(path);
	worker.fd = fd;
	c = config_load_opts("/gone.yaml", &worker, err, sizeof(err));
	T_OK(c != NULL, "worker load: %s", err);
	T_INTEQ(opened_keys, 1);
	if (c != NULL) {
		T_INTEQ(c->users[0].keylen, 16);
		T_INTEQ(c->users[0].key[0], 0xf0);
		config_free(c);
	}
	close(fd);
	/* user: must exist (the parent looks it up) and must not be root. */
	snprintf(path, sizeof(path), "%s/user.yaml", tmpdir);
	write_file(path, "user: nosuchaccount\nsources: [{kmsg: true}]\n"
	    "doors:\n  d: {sequence: [1], start: [/bin/true]}\n", 0600);
	T_OK(config_load(path, err, sizeof(err)) == NULL &&
	    strstr(err, ":1:7: user 'nosuchaccount' (the account the worker "
	    "runs as) does not exist") != NULL, "unknown user: %s", err);
	write_file(path, "user: root\nsources: [{kmsg: true}]\n"
	    "doors:\n  d: {sequence: [1], start: [/bin/true]}\n", 0600);
	T_OK(config_load(path, err, sizeof(err)) == NULL &&
	    strstr(err, "must not run as root") != NULL, "root: %s", err);
	write_file(path, "user: -rf\nsources: [{kmsg: true}]\n"
	    "doors:\n  d: {sequence: [1], start: [/bin/true]}\n", 0600);
	T_OK(config_load(path, err, sizeof(err)) == NULL &&
	    strstr(err, "expected an account name") != NULL, "-rf: %s", err);
}

/* A restarted worker (skip_bad_keys): a key file that is not a key
 * disables its user, who is then in no door; any other load fails. */
static void
check_skip_bad_keys(void)
{
	struct config_opts strict = { -1, 0, 1, NULL, NULL, 0 };
	struct config_opts restart = { -1, 0, 1, NULL, NULL, 1 };
	static const unsigned char zero[KW_MAX_KEY];
	char path[512], text[1024], err[512];
	struct config *c;
	int a, b, otp, only;

	snprintf(path, sizeof(path), "%s/garbage.key", tmpdir);
	write_file(path, "not a key at all\n", 0600);
	snprintf(text, sizeof(text), "sources: [{kmsg: true}]\nusers:\n"
	    "  alice: {key: 000102030405060708090a0b0c0d0e0f}\n"
	    "  bob: {key_file: %s}\n"
	    "doors:\n  otp: {hmac: {}, start: [/bin/true]}\n"
	    "  only: {hmac: {users: [bob]}, start: [/bin/true]}\n", path);
	snprintf(path, sizeof(path), "%s/skip.yaml", tmpdir);
	write_file(path, text, 0600);
	T_OK(config_load_opts(path, &strict, err, sizeof(err)) == NULL &&
	    strstr(err, "garbage.key' of user 'bob' is not hex") != NULL,
	    "strict load names the key file: %s", err);
	c = config_load_opts(path, &restart, err, sizeof(err));
	T_OK(c != NULL && err[0] == '\0', "restart load: %s", err);
	if (c == NULL)
		return;
	a = config_user_index(c, "alice");
	b = config_user_index(c, "bob");
	otp = strcmp(c->doors[0].name, "otp") == 0 ? 0 : 1;
	only = 1 - otp;
	T_OK(a >= 0 && !c->users[a].disabled && c->users[a].keylen == 16,
	    "alice keeps her key");
	T_OK(b >= 0 && c->users[b].disabled && c->users[b].keylen == 0 &&
	    memcmp(c->users[b].key, zero, KW_MAX_KEY) == 0, "bob is disabled");
	T_INTEQ(c->doors[otp].hmac.nusers, 2);
	key_prune_disabled(c);
	T_INTEQ(c->doors[otp].hmac.nusers, 1);
	T_INTEQ(c->doors[otp].hmac.users[0], a);
	T_INTEQ(c->doors[only].hmac.nusers, 0);
	config_free(c);
}

int
main(void)
{
	char path[600];

	if ((top = getenv("KW_TOP")) == NULL || *top == '\0')
		top = ".";
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bob.key", tmpdir);
	write_file(path, "  f0e1d2c3b4a5968778695a4b3c2d1e0f\n", 0600);
	snprintf(path, sizeof(path), "%s/bad.key", tmpdir);
	write_file(path, "000102030405060708090a0b0c0d0e0f\n", 0644);
	gcry_check_version(NULL);

	run_corpus();
	check_full();
	check_defaults();
	check_files();
	check_privsep_modes();
	check_skip_bad_keys();

	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (system(path) != 0)
		T_OK(0, "cannot remove %s", tmpdir);
	return t_done();
}
