/* soak.c — the chaos soak behind `make soak`: runs the daemon (plain build,
 * real sandbox, as root) for SOAK_SECONDS while acting as the syslog daemon
 * (scanner noise, genuine clients' knocks, rotations of all three kinds),
 * the operator (reloads, some changing timeouts or removing a door) and the
 * chaos (worker and daemon killed with SIGKILL), writes its ground truth,
 * then checks the daemon's record against it: every genuine sequence opens
 * exactly once unless a rule of the README's "What can be lost" list covers
 * it, nothing else opens, every door closes, no process is left, the
 * worker's memory does not keep growing.
 *
 * Usage: soak TOPDIR KNOCKWATCH WORKDIR SECONDS RATE
 * Test tool, not part of the daemon: it writes only under WORKDIR and
 * signals only the processes it started. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXATT	4096		/* genuine attempts */
#define MAXEV	1024		/* chaos events */
#define MAXRSS	4096		/* memory samples */
#define MAXKN	8		/* knocks per attempt */
#define NUSERS	24		/* HMAC users */
#define GRACE_S	5		/* rotate_grace in the config */
static long long MARGIN = 3000;	/* ms the daemon may lag behind a write
				 * (SOAK_MARGIN_MS) */

enum { D_SSH, D_OTP, D_EXTRA, ND };
static const char *const door_name[ND] = { "ssh", "otp", "extra" };
static const unsigned stop_after[ND] = { 3, 3, 20 };

/* Where a knock line went. */
enum { W_LIVE, W_OLD, W_CTWIN };
enum { R_RENAME, R_COPYTRUNC, R_DELETE };
static const char *const rot_name[] = { "rename+create", "copytruncate",
    "delete+recreate" };

struct attempt {
	int door, user, n, next, gap;
	long step;
	char src[64], wsrc[64];		/* canonical; as written */
	char port[MAXKN][8];
	char proto[MAXKN][4];
	long long t[MAXKN];		/* write time, ms */
	int where[MAXKN];
	long long delta[MAXKN];		/* ms after the rotation (W_OLD) */
	int rot[MAXKN];
	long long due;
	int opens, closes_ok, stops_failed, user_ok;
	const char *rule;
};

enum { E_WKILL, E_DKILL, E_RELOAD, E_ROT };
struct event {
	int kind, arg, arg2;		/* rotation kind; variant; gap */
	long long t0, t1, t2;		/* sent, done, recovered */
};

static struct attempt att[MAXATT];
static int natt;
static struct event ev[MAXEV];
static int nev;
struct rss_sample {
	long long t;
	int pid;
	long rss;
};
static struct rss_sample rss[MAXRSS];
static int nrss;

static const char *top, *kw, *dir;
static long long t_start;
static FILE *truth_f, *events_f;

/* The fake syslog daemon's files. */
static int wfd = -1;			/* where lines go now */
static int newfd = -1;			/* the new file, during a reopen lag */
static int rot_state;			/* 0, W_OLD (lag) or W_CTWIN */
static int rot_kind, rot_ev = -1;	/* the rotation's event */
static long long rot_t, rot_end;
static unsigned long long noise_lines, genuine_lines, bytes_written;
static unsigned rotations[3];

/* The daemon. */
static pid_t dpid = -1;
static int errfd = -1;
static unsigned n_started, n_reloaded, n_reload_failed;
static char errtail[512];
static size_t errtail_len;
static int variant;			/* bit 0: extra present; >> 1: ssh timeout index */
static const unsigned ssh_timeouts[] = { 20, 30, 15 };
static pid_t seen_workers[64];
static int nseen_workers;

static unsigned long long rnd_state;

/* Knobs to take one kind of chaos out, to tell which one a failure needs:
 * SOAK_ROTATIONS (any of rename, copytruncate, delete; default all),
 * SOAK_GAP_ROTATION=0 (no rotation while no worker runs),
 * SOAK_REMOVE_BEFORE_KILL=0 (the daemon kill without removing a door with
 * doors of it open first). */
static int rot_kinds[3], nrot_kinds;
static int gap_rotation = 1, remove_before_kill = 1;

static int
pick_rotation(void);

static unsigned long long
rnd(void)
{
	/* xorshift64*: reproducible from SOAK_SEED. */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static long long
rnd_in(long long lo, long long hi)
{
	return lo + (long long)(rnd() % (unsigned long long)(hi - lo + 1));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t_start;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "soak: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (dpid > 0)
		kill(dpid, SIGKILL);
	exit(2);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* --- the daemon's side: its log, its processes --- */

/* Reads what the daemon logged since the last call; counts the lines
 * the soak waits for. */
static void
poll_err(void)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(errfd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (errtail_len < sizeof(errtail) - 1)
					errtail[errtail_len++] = buf[i];
				continue;
			}
			errtail[errtail_len] = '\0';
			if (strstr(errtail, "started:") != NULL)
				n_started++;
			else if (strstr(errtail, "reloaded:") != NULL)
				n_reloaded++;
			else if (strstr(errtail, "reload failed") != NULL)
				n_reload_failed++;
			errtail_len = 0;
		}
	}
}

/* pid's state letter and parent from /proc, or 0 when it is gone. */
static int
proc_state(pid_t pid, pid_t *ppid, char *comm, size_t commlen)
{
	char p[64], buf[512], *r;
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if ((fd = open(p, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((r = strrchr(buf, ')')) == NULL || r[1] == '\0')
		return 0;
	if (comm != NULL) {
		char *l = strchr(buf, '(');
		size_t len = l ? (size_t)(r - l - 1) : 0;
		if (len >= commlen)
			len = commlen - 1;
		memcpy(comm, l ? l + 1 : "", len);
		comm[len] = '\0';
	}
	if (ppid != NULL)
		*ppid = (pid_t)atoi(r + 4);
	return r[2];
}

static int
alive(pid_t pid)
{
	int s = proc_state(pid, NULL, NULL, 0);

	return s != 0 && s != 'Z' && s != 'X';
}

/* The daemon's worker, or -1. */
static pid_t
worker_pid(void)
{
	DIR *d;
	struct dirent *e;
	pid_t found = -1;

	if (dpid <= 0 || (d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		pid_t pid, pp;
		char comm[32];
		int s;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		s = proc_state(pid, &pp, comm, sizeof(comm));
		if (s != 0 && s != 'Z' && pp == dpid &&
		    strcmp(comm, "kw-worker") == 0) {
			found = pid;
			break;
		}
	}
	closedir(d);
	if (found > 0) {
		int known = 0;
		for (int i = 0; i < nseen_workers; i++)
			known |= seen_workers[i] == found;
		if (!known && nseen_workers < 64)
			seen_workers[nseen_workers++] = found;
	}
	return found;
}

static long
vm_kib(pid_t pid, const char *key)
{
	char p[64], line[256];
	FILE *f;
	long v = -1;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	if ((f = fopen(p, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key) + 1);
	fclose(f);
	return v;
}

static void
start_daemon(void)
{
	char conf[512];

	path(conf, sizeof(conf), "kw.yaml");
	if ((dpid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (dpid == 0) {
		char errp[512];
		int fd;

		path(errp, sizeof(errp), "kw.err");
		fd = open(errp, O_WRONLY | O_APPEND | O_CREAT, 0600);
		dup2(fd, 2);
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execl(kw, kw, "-c", conf, "-vv", (char *)NULL);
		_exit(127);
	}
}

/* Waits (at most ms) until cond() holds, writing the log meanwhile. */
static void tick(void);

static int
wait_until(int (*cond)(void), long ms)
{
	long long end = now_ms() + ms;

	while (!cond()) {
		if (now_ms() >= end)
			return 0;
		tick();
		sleep_ms(5);
	}
	return 1;
}

static unsigned want_started, want_reloaded;
static int
started_cond(void)
{
	poll_err();
	return n_started >= want_started;
}
static int
reloaded_cond(void)
{
	poll_err();
	return n_reloaded + n_reload_failed >= want_reloaded;
}

/* --- configuration --- */

static void
write_config(int v)
{
	char tmp[512], conf[512];
	FILE *f;

	path(tmp, sizeof(tmp), "kw.yaml.tmp");
	path(conf, sizeof(conf), "kw.yaml");
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "state_dir: %s/state\nruntime_dir: %s/run\n"
	    "max_tracked: 65536\nrotate_grace: %d\nsources:\n"
	    "  - file: %s/log/kern.log\n    prefix: \"KNOCK: \"\nusers:\n",
	    dir, dir, GRACE_S, dir);
	for (int u = 0; u < NUSERS; u++)
		fprintf(f, "  u%d: { key_file: %s/keys/u%d.key }\n", u, dir, u);
	fprintf(f, "doors:\n");
	for (int d = 0; d < ND; d++) {
		if (d == D_EXTRA && !(v & 1))
			continue;
		fprintf(f, "  %s:\n", door_name[d]);
		if (d == D_SSH)
			fprintf(f, "    sequence: [7000/tcp, 8000/udp, 9000]\n"
			    "    timeout: %u\n", ssh_timeouts[(v >> 1) % 3]);
		else if (d == D_EXTRA)
			fprintf(f, "    sequence: [7100/tcp, 7200/tcp, 7300/udp]\n"
			    "    timeout: 20\n");
		else
			fprintf(f, "    hmac:\n      length: 4\n"
			    "      range: 20000-20999\n      bind_source: true\n"
			    "    timeout: 20\n");
		fprintf(f, "    start: [%s/actions/log, --file, %s/actions.log, "
		    "open]\n", top, dir);
		fprintf(f, "    stop: [%s/tests/soak/flaky-stop, %s/actions.log, "
		    "close]\n", top, dir);
		fprintf(f, "    stop_after: %u\n    cmd_timeout: 10\n",
		    stop_after[d]);
	}
	if (fclose(f) != 0 || rename(tmp, conf) == -1)
		die("%s: %s", conf, strerror(errno));
	variant = v;
}

/* --- the fake syslog daemon --- */

static void
open_log(void)
{
	char p[512];

	path(p, sizeof(p), "log/kern.log");
	if ((wfd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		die("%s: %s", p, strerror(errno));
}

static int
put(const char *line, size_t len)
{
	if (write(wfd, line, len) != (ssize_t)len)
		die("write: %s", strerror(errno));
	bytes_written += len;
	return rot_state;
}

static size_t
fmt_line(char *buf, size_t len, const char *src, const char *proto,
    unsigned sport, unsigned dport)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;
	int n;

	localtime_r(&now, &tm);
	if (strcmp(proto, "udp") == 0)
		n = snprintf(buf, len, "%s %2d %02d:%02d:%02d fw kernel: "
		    "[  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:"
		    "52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=29 "
		    "TOS=0x00 PREC=0x00 TTL=64 ID=54322 DF PROTO=UDP SPT=%u "
		    "DPT=%u LEN=9\n", mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, src, sport, dport);
	else
		n = snprintf(buf, len, "%s %2d %02d:%02d:%02d fw kernel: "
		    "[  109.780091] KNOCK: IN=eth0 OUT= MAC=52:54:00:12:34:56:"
		    "52:54:00:65:43:21:08:00 SRC=%s DST=192.0.2.1 LEN=60 "
		    "TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=%u "
		    "DPT=%u WINDOW=64240 RES=0x00 SYN URGP=0\n", mon[tm.tm_mon],
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, src, sport,
		    dport);
	return (size_t)n;
}

/* Scanner noise: random sources (never a genuine client's), ports biased
 * towards the doors' first knocks so the table fills, some lines that are
 * not knocks at all. */
static void
noise(unsigned n)
{
	static char buf[256 * 1024];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		char src[64];
		unsigned r = (unsigned)(rnd() % 100), dport;
		const char *proto = rnd() % 10 < 7 ? "tcp" : "udp";

		if (len > sizeof(buf) - 512) {
			put(buf, len);
			len = 0;
		}
		if (r < 8) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "Nov 29 07:00:00 fw kernel: [  1.000000] e1000e: "
			    "eth0 NIC Link is Up %llu\n", rnd() % 1000);
			noise_lines++;
			continue;
		}
		if (rnd() % 8 == 0)
			snprintf(src, sizeof(src), "2001:db8:ffff::%x:%x",
			    (unsigned)(rnd() % 65536), (unsigned)(rnd() % 65536));
		else
			snprintf(src, sizeof(src), "10.%u.%u.%u",
			    (unsigned)(rnd() % 256), (unsigned)(rnd() % 256),
			    (unsigned)(rnd() % 256));
		if (r < 23) {
			dport = 7000;
			proto = "tcp";
		} else if (r < 38)
			dport = 8000;
		else if (r < 46)
			dport = 9000;
		else if (r < 48)
			dport = 20000 + (unsigned)(rnd() % 1000);
		else if (r < 52)
			dport = 7100 + 100 * (unsigned)(rnd() % 3);
		else
			dport = 1 + (unsigned)(rnd() % 65535);
		len += fmt_line(buf + len, sizeof(buf) - len, src, proto,
		    1024 + (unsigned)(rnd() % 60000), dport);
		noise_lines++;
	}
	if (len > 0)
		put(buf, len);
}

/* Rotation step: ends a reopen lag or a copytruncate window when due. */
static void
rotation_tick(long long now)
{
	if (rot_state == W_OLD && now >= rot_end) {
		close(wfd);
		wfd = newfd;
		newfd = -1;
		rot_state = 0;
	} else if (rot_state == W_CTWIN && now >= rot_end) {
		if (ftruncate(wfd, 0) == -1)
			die("ftruncate: %s", strerror(errno));
		rot_state = 0;
	} else
		return;
	/* When the reopen or the truncation really happened. */
	if (rot_ev >= 0)
		ev[rot_ev].t1 = now_ms();
}

static void
rotate(int kind, long long lag)
{
	char cur[512], old[512];

	path(cur, sizeof(cur), "log/kern.log");
	path(old, sizeof(old), "log/kern.log.1");
	rot_kind = kind;
	rot_t = now_ms();
	rotations[kind]++;
	if (kind == R_COPYTRUNC) {
		char buf[65536], tmp[520];
		int in = open(cur, O_RDONLY), out;
		ssize_t n;

		/* A new file for the copy, as logrotate makes (it never
		 * rewrites the file an earlier rotation renamed, which the
		 * daemon may still be reading). */
		snprintf(tmp, sizeof(tmp), "%s.tmp", old);
		out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		if (in == -1 || out == -1)
			die("copytruncate: %s", strerror(errno));
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				die("copy: %s", strerror(errno));
		close(in);
		close(out);
		if (rename(tmp, old) == -1)
			die("rename: %s", strerror(errno));
		/* Lines written from here to the truncation are lost for
		 * every reader: logrotate documents the window. */
		rot_state = W_CTWIN;
		rot_end = rot_t + lag;
	} else {
		if (kind == R_RENAME) {
			if (rename(cur, old) == -1)
				die("rename: %s", strerror(errno));
		} else if (unlink(cur) == -1)
			die("unlink: %s", strerror(errno));
		newfd = open(cur, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
		if (newfd == -1)
			die("%s: %s", cur, strerror(errno));
		/* The syslog daemon writes to the old file until it
		 * reopens. */
		rot_state = W_OLD;
		rot_end = rot_t + lag;
	}
	if (nev < MAXEV) {
		rot_ev = nev;
		ev[nev++] = (struct event){ E_ROT, kind, 0, rot_t, rot_t + lag,
		    0 };
	}
	rotation_tick(rot_t);
}

/* --- genuine clients --- */

static int used[NUSERS][64];	/* (user, step % 64) opened already */
static long used_step[NUSERS][64];

static int
derive(struct attempt *a, long wall)
{
	char conf[512], user[16], tbuf[32], out[256];
	int p[2], st;
	pid_t pid;
	ssize_t n, len = 0;
	char *tok, *save;

	path(conf, sizeof(conf), "seq.yaml");
	snprintf(user, sizeof(user), "u%d", a->user);
	snprintf(tbuf, sizeof(tbuf), "%ld", wall);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(kw, kw, "sequence", "-c", conf, "--door", "otp",
		    "--user", user, "--time", tbuf, "--bind", a->src,
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	close(p[0]);
	out[len] = '\0';
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	a->n = 0;
	for (tok = strtok_r(out, " \n", &save); tok != NULL && a->n < MAXKN;
	    tok = strtok_r(NULL, " \n", &save)) {
		/* PROTO/PORT, as `knockwatch sequence` prints them. */
		char *sl = strchr(tok, '/');
		if (sl == NULL)
			return -1;
		*sl = '\0';
		snprintf(a->proto[a->n], sizeof(a->proto[0]), "%s", tok);
		snprintf(a->port[a->n], sizeof(a->port[0]), "%s", sl + 1);
		a->n++;
	}
	return a->n == 4 ? 0 : -1;
}

/* A new genuine client at door d: a source no one else uses; knocks
 * spread over up to 2.4 s (HMAC: 0.9 s), or all at once for gap clients. */
static struct attempt *
client(int d, int gap)
{
	static const char *const sp[3] = { "7000", "8000", "9000" };
	static const char *const spr[3] = { "tcp", "udp", "tcp" };
	static const char *const ep[3] = { "7100", "7200", "7300" };
	static const char *const epr[3] = { "tcp", "tcp", "udp" };
	struct attempt *a;
	int id;

	if (natt == MAXATT)
		return NULL;
	id = natt + 1;
	a = &att[natt];
	memset(a, 0, sizeof(*a));
	a->door = d;
	a->user = -1;
	a->gap = gap;
	if (id % 4 == 0) {
		snprintf(a->src, sizeof(a->src), "2001:db8:1::%x", id);
		snprintf(a->wsrc, sizeof(a->wsrc),
		    "2001:0db8:0001:0000:0000:0000:0000:%04x", id);
	} else {
		snprintf(a->src, sizeof(a->src), "100.%d.%d.%d", 64 + id / 65536,
		    (id / 256) % 256, id % 256);
		memcpy(a->wsrc, a->src, sizeof(a->wsrc));
	}
	if (d == D_OTP) {
		long wall = (long)time(NULL), step = wall / 30;
		int u, tries;

		/* A (user, step) opens once: each client takes a fresh one. */
		for (tries = 0, u = (int)(rnd() % NUSERS); tries < NUSERS;
		    tries++, u = (u + 1) % NUSERS)
			if (!used[u][step % 64] || used_step[u][step % 64] != step)
				break;
		if (tries == NUSERS)
			return NULL;
		/* Not within 3 s of a step's end, so the step the client
		 * derives is the one the daemon takes it for. */
		if (wall % 30 > 26)
			return NULL;
		a->user = u;
		a->step = step;
		if (derive(a, wall) == -1)
			die("knockwatch sequence failed for %s", a->src);
		used[u][step % 64] = 1;
		used_step[u][step % 64] = step;
	} else {
		a->n = 3;
		for (int i = 0; i < 3; i++) {
			snprintf(a->port[i], sizeof(a->port[0]), "%s",
			    d == D_SSH ? sp[i] : ep[i]);
			snprintf(a->proto[i], sizeof(a->proto[0]), "%s",
			    d == D_SSH ? spr[i] : epr[i]);
		}
	}
	a->due = now_ms();
	natt++;
	return a;
}

/* Writes the knocks that are due. */
static void
clients_tick(long long now)
{
	for (int i = 0; i < natt; i++) {
		struct attempt *a = &att[i];
		char line[512];
		size_t len;

		while (a->next < a->n && a->due <= now) {
			int k = a->next;

			len = fmt_line(line, sizeof(line), a->wsrc, a->proto[k],
			    (unsigned)(41000 + (i % 20000) + k),
			    (unsigned)atoi(a->port[k]));
			a->t[k] = now_ms();
			a->where[k] = put(line, len);
			a->rot[k] = rot_kind;
			a->delta[k] = a->t[k] - rot_t;
			genuine_lines++;
			a->next++;
			if (a->gap)
				a->due = now;
			else
				a->due = now + rnd_in(0, a->door == D_OTP ? 300 :
				    800);
		}
	}
}

static int
clients_busy(void)
{
	for (int i = 0; i < natt; i++)
		if (att[i].next < att[i].n)
			return 1;
	return 0;
}

/* --- the main loop --- */

static long long noise_t0;
static unsigned long long noise_target_done;
static unsigned rate;
static int noise_on = 1;
static long long next_rss;

static void
tick(void)
{
	long long now = now_ms();

	poll_err();
	if (noise_on) {
		unsigned long long want = (unsigned long long)(now - noise_t0) *
		    rate / 1000;
		if (want > noise_target_done) {
			unsigned n = (unsigned)(want - noise_target_done);
			noise(n > 20000 ? 20000 : n);
			noise_target_done = want;
		}
	}
	clients_tick(now);
	rotation_tick(now);
	if (now >= next_rss && nrss < MAXRSS) {
		pid_t w = worker_pid();
		long v = w > 0 ? vm_kib(w, "VmRSS:") : -1;

		if (v > 0)
			rss[nrss++] = (struct rss_sample){ now, (int)w, v };
		next_rss = now + 500;
	}
}

static int
worker_up(void)
{
	return worker_pid() > 0;
}

static pid_t killed_worker;
static int
new_worker(void)
{
	pid_t w = worker_pid();

	return w > 0 && w != killed_worker;
}
static int
killed_gone(void)
{
	return !alive(killed_worker);
}

static void
do_reload(int v)
{
	struct event *e = &ev[nev < MAXEV ? nev++ : MAXEV - 1];

	write_config(v);
	want_reloaded = n_reloaded + n_reload_failed + 1;
	*e = (struct event){ E_RELOAD, v, 0, now_ms(), 0, 0 };
	kill(dpid, SIGHUP);
	if (!wait_until(reloaded_cond, 20000))
		die("a reload was not confirmed within 20 s");
	e->t1 = now_ms();
}

/* Worker killed with SIGKILL; with gap set, a rotation and two clients'
 * whole sequences (one to the old file, one to the new) while no worker
 * runs. */
static void
kill_worker(int gap)
{
	struct event *e = &ev[nev < MAXEV ? nev++ : MAXEV - 1];

	if (!wait_until(worker_up, 20000))
		die("no worker to kill");
	killed_worker = worker_pid();
	*e = (struct event){ E_WKILL, 0, gap, now_ms(), 0, 0 };
	kill(killed_worker, SIGKILL);
	if (!wait_until(killed_gone, 10000))
		die("the killed worker did not die");
	/* Knocks written from t1 on were written after its death. */
	sleep_ms(2);
	e->t1 = now_ms();
	if (gap && rot_state == 0) {
		client(D_SSH, 1);
		clients_tick(now_ms());	/* to the file before the rotation */
		if (gap_rotation)
			rotate(pick_rotation(), 0);
		client(D_SSH, 1);
		clients_tick(now_ms());	/* to the new file */
		if (worker_pid() > 0)
			e->arg2 = 2;	/* the gap was over too soon */
	}
	if (!wait_until(new_worker, 90000))
		die("no new worker within 90 s");
	e->t2 = now_ms();
}

static int extra_src_open;
static const char *extra_src;
static int
extra_opened(void)
{
	char p[512], line[1024], pat[128];
	FILE *f;
	int found = 0;

	path(p, sizeof(p), "actions.log");
	snprintf(pat, sizeof(pat), "event=start door=extra src=%s ", extra_src);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, pat) != NULL;
	fclose(f);
	return found;
}
static int
daemon_gone(void)
{
	int st;

	return waitpid(dpid, &st, WNOHANG) == dpid;
}
static int
killed_and_worker_gone(void)
{
	return !alive(killed_worker);
}

/* The daemon killed with SIGKILL while a door of "extra" is open and a
 * reload has just removed that door; restarted after a pause. */
static void
kill_daemon(void)
{
	struct event *e;
	struct attempt *a;

	if (!(variant & 1))
		do_reload(variant | 1);
	a = client(D_EXTRA, 0);
	if (a != NULL) {
		extra_src = a->src;
		if (!wait_until(extra_opened, 20000))
			fprintf(stderr, "soak: the extra door did not open "
			    "before the daemon kill\n");
		else
			extra_src_open = 1;
	}
	if (remove_before_kill)
		do_reload(variant & ~1);
	e = &ev[nev < MAXEV ? nev++ : MAXEV - 1];
	killed_worker = worker_pid();
	*e = (struct event){ E_DKILL, 0, 0, now_ms(), 0, 0 };
	kill(dpid, SIGKILL);
	if (!wait_until(daemon_gone, 10000))
		die("the killed daemon did not die");
	if (killed_worker > 0 && !wait_until(killed_and_worker_gone, 10000))
		die("the worker outlived its parent by 10 s");
	sleep_ms(2);
	e->t1 = now_ms();
	dpid = -1;
	{
		long long until = now_ms() + rnd_in(500, 2000);
		while (now_ms() < until) {
			tick();
			sleep_ms(5);
		}
	}
	want_started = n_started + 1;
	start_daemon();
	if (!wait_until(started_cond, 20000))
		die("the daemon did not start again");
	e->t2 = now_ms();
}

static int
pick_rotation(void)
{
	return rot_kinds[rnd() % (unsigned)nrot_kinds];
}

/* --- checking --- */

static int pass, fail;

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s - ", ok ? "ok" : "not ok");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (ok)
		pass++;
	else
		fail++;
}

static struct attempt *
find_att(const char *door, const char *src)
{
	for (int i = 0; i < natt; i++)
		if (strcmp(att[i].src, src) == 0 &&
		    strcmp(door_name[att[i].door], door) == 0)
			return &att[i];
	return NULL;
}

static void
field(const char *line, const char *key, char *out, size_t len)
{
	const char *p = strstr(line, key);
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\n' && n < len - 1)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Which rule of the README's list covers a lost attempt, or NULL. */
static const char *
classify(const struct attempt *a)
{
	long long first = a->t[0], last = a->t[a->n - 1];

	for (int k = 0; k < a->n; k++)
		if (a->where[k] == W_CTWIN)
			return "lost:copytruncate";
	for (int k = 0; k < a->n; k++)
		if (a->where[k] == W_OLD && a->delta[k] >= GRACE_S * 1000)
			return "lost:late-rotated";
	for (int i = 0; i < nev; i++) {
		const struct event *e = &ev[i];

		if (e->kind == E_DKILL)
			for (int k = 0; k < a->n; k++)
				if (a->t[k] >= e->t0 && a->t[k] <= e->t2)
					return "lost:daemon-down";
		if ((e->kind == E_DKILL || e->kind == E_WKILL) &&
		    first < e->t1 && last >= e->t0 - MARGIN)
			return "lost:in-flight";
		if (e->kind == E_RELOAD && a->door == D_OTP &&
		    first <= e->t1 && last >= e->t0 - MARGIN)
			return "lost:reload-restart";
		if (e->kind == E_RELOAD && a->door == D_EXTRA &&
		    !(e->arg & 1)) {
			/* Absent from this reload to the next that adds it. */
			long long end = 1LL << 62;
			for (int j = i + 1; j < nev; j++)
				if (ev[j].kind == E_RELOAD && (ev[j].arg & 1)) {
					end = ev[j].t1;
					break;
				}
			if (last >= e->t0 - MARGIN && first <= end)
				return "lost:removed-door";
		}
	}
	/* Last, as it allows the most: unread when the file was truncated
	 * (written shortly before, or since the worker died when none ran
	 * at the truncation). */
	for (int i = 0; i < nev; i++) {
		long long tt = ev[i].t1, from = tt - MARGIN;

		if (ev[i].kind != E_ROT || ev[i].arg != R_COPYTRUNC)
			continue;
		for (int j = 0; j < nev; j++)
			if (ev[j].kind == E_WKILL && ev[j].t0 <= tt &&
			    tt <= ev[j].t2 && ev[j].t0 - MARGIN < from)
				from = ev[j].t0 - MARGIN;
		for (int k = 0; k < a->n; k++)
			if (a->where[k] == W_LIVE && a->t[k] >= from &&
			    a->t[k] <= tt)
				return "lost:copytruncate";
	}
	return NULL;
}

/* The attempt's last knock came before the daemon was killed. */
static int
opened_before_dkill(const struct attempt *a)
{
	for (int i = 0; i < nev; i++)
		if (ev[i].kind == E_DKILL)
			return a->t[a->n - 1] < ev[i].t0;
	return 0;
}

static int
readme_has(const char *readme, const char *rule)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "`%s`", rule);
	return readme != NULL && strstr(readme, pat) != NULL;
}

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf;
	long len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static long long next_status;

/* The daemon's report in WORKDIR/status.end; 0 if it answered. */
static int
save_status(void)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "%s status -S %s/run/knockwatch.sock "
	    ">%s/status.end 2>&1", kw, dir, dir);
	return system(cmd);
}

/* The daemon has nothing left to do: no door open, no action running or
 * queued. */
static int
daemon_idle(void)
{
	char p[512], *s;
	int idle;

	path(p, sizeof(p), "status.end");
	if (save_status() != 0 || (s = slurp(p)) == NULL)
		return 0;
	idle = strstr(s, "\ndoors open 0 ") != NULL &&
	    strstr(s, "\nactions running 0 queued 0 ") != NULL;
	free(s);
	return idle;
}

/* Every start has a successful stop after it, or the daemon is idle (a
 * door it forgot is then left open for good). */
static int
all_closed(void)
{
	char p[512], line[2048];
	FILE *f;
	int open_n = 0;

	tick();
	if (now_ms() >= next_status) {
		next_status = now_ms() + 500;
		if (daemon_idle())
			return 1;
	}
	path(p, sizeof(p), "actions.log");
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	/* Starts minus successful stops, over the whole transcript. */
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "event=start ") != NULL)
			open_n++;
		else if (strstr(line, "event=stop ") != NULL &&
		    strstr(line, " rc=0") != NULL)
			open_n--;
	}
	fclose(f);
	return open_n <= 0;
}

int
main(int argc, char **argv)
{
	char p[512], *readme;
	long long dur;
	int st, rc;
	struct attempt *bar;

	if (argc != 6)
		die("usage: soak TOPDIR KNOCKWATCH WORKDIR SECONDS RATE");
	top = argv[1];
	kw = argv[2];
	dir = argv[3];
	dur = atoll(argv[4]) * 1000;
	rate = (unsigned)atoi(argv[5]);
	rnd_state = getenv("SOAK_SEED") ? strtoull(getenv("SOAK_SEED"), NULL,
	    0) : (unsigned long long)time(NULL) * 2654435761ULL + getpid();
	if (rnd_state == 0)
		rnd_state = 1;
	if (getenv("SOAK_MARGIN_MS") != NULL)
		MARGIN = atoll(getenv("SOAK_MARGIN_MS"));
	{
		const char *r = getenv("SOAK_ROTATIONS");
		static const char *const kn[3] = { "rename", "copytruncate",
		    "delete" };
		for (int k = 0; k < 3; k++)
			if (r == NULL || strstr(r, kn[k]) != NULL)
				rot_kinds[nrot_kinds++] = k;
		if (nrot_kinds == 0)
			die("SOAK_ROTATIONS: none of rename, copytruncate, "
			    "delete");
		gap_rotation = getenv("SOAK_GAP_ROTATION") == NULL ||
		    atoi(getenv("SOAK_GAP_ROTATION")) != 0;
		remove_before_kill = getenv("SOAK_REMOVE_BEFORE_KILL") ==
		    NULL || atoi(getenv("SOAK_REMOVE_BEFORE_KILL")) != 0;
	}
	printf("# seed %llu (SOAK_SEED reproduces the schedule)\n", rnd_state);
	t_start = 0;
	t_start = now_ms();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Keys (files of the parent's, mode 0600), the configs. */
	for (int u = 0; u < NUSERS; u++) {
		char hex[65];
		FILE *f;

		for (int i = 0; i < 64; i++)
			hex[i] = "0123456789abcdef"[rnd() % 16];
		hex[64] = '\0';
		snprintf(p, sizeof(p), "%s/keys/u%d.key", dir, u);
		if ((f = fopen(p, "w")) == NULL)
			die("%s: %s", p, strerror(errno));
		fprintf(f, "%s\n", hex);
		fclose(f);
		chmod(p, 0600);
	}
	write_config(1);
	{
		char conf[512], seqc[512], cmd[1100];
		path(conf, sizeof(conf), "kw.yaml");
		path(seqc, sizeof(seqc), "seq.yaml");
		snprintf(cmd, sizeof(cmd), "cp %s %s", conf, seqc);
		if (system(cmd) != 0)
			die("cannot copy the config");
	}
	open_log();
	path(p, sizeof(p), "kw.err");
	close(open(p, O_WRONLY | O_CREAT | O_APPEND, 0600));
	if ((errfd = open(p, O_RDONLY)) == -1)
		die("%s: %s", p, strerror(errno));
	want_started = 1;
	start_daemon();
	if (!wait_until(started_cond, 20000))
		die("the daemon did not start (see %s/kw.err)", dir);
	if (!wait_until(worker_up, 20000))
		die("no worker");

	/* The schedule: worker kills at 20-30 %, 45 % (with a rotation in the
	 * gap) and 75-85 %; the daemon kill at 60 %; rotations every 6-15 s,
	 * reloads every 4-10 s, a genuine client about every 0.45 s. */
	long long t0 = now_ms(), end = t0 + dur;
	long long wk[3] = { t0 + dur * rnd_in(20, 30) / 100, t0 + dur * 45 / 100,
	    t0 + dur * rnd_in(75, 85) / 100 };
	int wkdone = 0, dkdone = 0;
	long long dk = t0 + dur * 60 / 100;
	long long next_rot = t0 + rnd_in(3000, 8000);
	long long next_reload = t0 + rnd_in(4000, 10000);
	long long next_client = t0 + 500;
	noise_t0 = t0;

	while (now_ms() < end) {
		long long now = now_ms();

		tick();
		if (wkdone < 3 && now >= wk[wkdone] && rot_state == 0) {
			kill_worker(wkdone == 1);
			wkdone++;
			continue;
		}
		if (!dkdone && now >= dk && rot_state == 0) {
			kill_daemon();
			dkdone = 1;
			/* No rotation right after: the new daemon never saw
			 * the old file. */
			next_rot = now_ms() + 6000;
			continue;
		}
		if (now >= next_rot && rot_state == 0 && now < end - 10000) {
			int kind = pick_rotation();
			/* Most reopen within the grace, some well after. */
			long long lag = kind == R_COPYTRUNC ? rnd_in(0, 300) :
			    rnd() % 4 ? rnd_in(0, 3000) : rnd_in(3000, 9000);
			rotate(kind, lag);
			next_rot = now + rnd_in(6000, 15000);
		}
		if (now >= next_reload && now < end - 5000) {
			int v = variant;
			/* Change the ssh timeout, or toggle extra. */
			if (rnd() % 3 == 0)
				v ^= 1;
			else
				v = (v & 1) | (int)(((v >> 1) + 1 + rnd() % 2) % 3) << 1;
			do_reload(v);
			next_reload = now_ms() + rnd_in(4000, 10000);
		}
		if (now >= next_client && now < end - 5000) {
			int r = (int)(rnd() % 20), d;
			d = r < 10 ? D_SSH : r < 17 ? D_OTP : D_EXTRA;
			if (client(d, 0) == NULL && d == D_OTP)
				client(D_SSH, 0);
			next_client = now + rnd_in(100, 800);
		}
		sleep_ms(5);
	}
	/* Drain: the last clients, the end of any rotation, then a barrier
	 * (a static client after everything else) that must open. */
	while (clients_busy() || rot_state != 0) {
		tick();
		sleep_ms(5);
	}
	noise_on = 0;
	bar = client(D_SSH, 2);
	clients_tick(now_ms());
	{
		struct attempt *b = bar;
		char pat[128];
		long long until = now_ms() + 60000;
		int ok = 0;

		snprintf(pat, sizeof(pat), "event=start door=ssh src=%s ",
		    b->src);
		while (!ok && now_ms() < until) {
			char *t;
			path(p, sizeof(p), "actions.log");
			t = slurp(p);
			ok = t != NULL && strstr(t, pat) != NULL;
			free(t);
			tick();
			sleep_ms(50);
		}
	}
	/* Every door closes: stop_after, and failed stops retried (2 s
	 * doubling); 180 s covers five failures in a row. */
	long long tc = now_ms();
	int closed = wait_until(all_closed, 180000);
	long long close_ms = now_ms() - tc;
	/* The daemon's last word, then SIGTERM. */
	if (save_status() != 0)
		fprintf(stderr, "soak: status failed\n");
	pid_t lastw = worker_pid();
	long last_hwm = lastw > 0 ? vm_kib(lastw, "VmHWM:") : -1;
	kill(dpid, SIGTERM);
	{
		long long until = now_ms() + 60000;
		rc = -1;
		while (now_ms() < until) {
			if (waitpid(dpid, &st, WNOHANG) == dpid) {
				rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
				    WTERMSIG(st);
				break;
			}
			sleep_ms(20);
		}
		if (rc == -1) {
			kill(dpid, SIGKILL);
			waitpid(dpid, &st, 0);
		}
	}
	dpid = -1;
	poll_err();

	/* --- ground truth and events, for the record --- */
	path(p, sizeof(p), "truth");
	truth_f = fopen(p, "w");
	path(p, sizeof(p), "events");
	events_f = fopen(p, "w");
	if (truth_f == NULL || events_f == NULL)
		die("cannot write the record");
	for (int i = 0; i < nev; i++) {
		static const char *const kn[] = { "worker-kill", "daemon-kill",
		    "reload", "rotation" };
		fprintf(events_f, "%s t0=%lld t1=%lld t2=%lld arg=%d arg2=%d\n",
		    kn[ev[i].kind], ev[i].t0, ev[i].t1, ev[i].t2, ev[i].arg,
		    ev[i].arg2);
	}

	/* --- the daemon's record against the truth --- */
	{
		FILE *f;
		char line[2048], door[32], src[64], user[32];
		unsigned wrong = 0, starts = 0, stops = 0, stops_failed = 0;

		path(p, sizeof(p), "actions.log");
		if ((f = fopen(p, "r")) == NULL)
			die("no transcript");
		while (fgets(line, sizeof(line), f) != NULL) {
			struct attempt *a;

			field(line, "door=", door, sizeof(door));
			field(line, "src=", src, sizeof(src));
			field(line, "user=", user, sizeof(user));
			a = find_att(door, src);
			if (strstr(line, "event=start ") != NULL) {
				starts++;
				if (a == NULL) {
					wrong++;
					printf("# wrong open: %s", line);
					continue;
				}
				a->opens++;
				a->closes_ok = 0;
				a->user_ok = a->user < 0 ? user[0] == '\0' :
				    user[0] == 'u' && atoi(user + 1) == a->user;
			} else if (strstr(line, "event=stop ") != NULL) {
				stops++;
				if (strstr(line, " rc=0") != NULL) {
					if (a != NULL)
						a->closes_ok++;
				} else {
					stops_failed++;
					if (a != NULL)
						a->stops_failed++;
				}
			}
		}
		fclose(f);

		unsigned lost_deleted = 0, lost_renamed = 0;
		unsigned opened = 0, lost_ok = 0, lost_bad = 0, doubles = 0,
		    left_open = 0, bad_user = 0, gap_n = 0,
		    gap_lost = 0;
		struct rule_count {
			const char *rule;
			unsigned n;
		} rules[8];
		int nrules = 0;

		for (int i = 0; i < natt; i++) {
			struct attempt *a = &att[i];

			fprintf(truth_f, "%s %s user=%d step=%ld gap=%d", a->src,
			    door_name[a->door], a->user, a->step, a->gap);
			for (int k = 0; k < a->n; k++)
				fprintf(truth_f, " %s/%s@%lld%s", a->port[k],
				    a->proto[k], a->t[k],
				    a->where[k] == W_OLD ? "(old)" :
				    a->where[k] == W_CTWIN ? "(ctwin)" : "");
			a->rule = a->opens == 0 ? classify(a) : NULL;
			fprintf(truth_f, " opens=%d%s%s\n", a->opens,
			    a->rule ? " " : "", a->rule ? a->rule : "");
			if (a->gap == 1)
				gap_n++;
			if (a->opens > 0) {
				opened++;
				if (a->opens > 1) {
					doubles++;
					printf("# double open: %s %s (%d)\n",
					    door_name[a->door], a->src, a->opens);
				}
				if (!a->user_ok) {
					bad_user++;
					printf("# wrong user at %s for %s\n",
					    door_name[a->door], a->src);
				}
				if (a->closes_ok == 0) {
					left_open++;
					printf("# door left open: %s for %s "
					    "(%d stops failed)%s\n",
					    door_name[a->door], a->src,
					    a->stops_failed, a->door == D_EXTRA &&
					    remove_before_kill &&
					    opened_before_dkill(a) ?
					    " - its door was removed by a "
					    "reload, then the daemon killed" :
					    "");
				}
				continue;
			}
			if (a->rule != NULL) {
				int r;
				lost_ok++;
				for (r = 0; r < nrules; r++)
					if (strcmp(rules[r].rule, a->rule) == 0)
						break;
				if (r == nrules && nrules < 8)
					rules[nrules++] = (struct rule_count){
					    a->rule, 0 };
				if (r < 8)
					rules[r].n++;
				continue;
			}
			lost_bad++;
			{
				int del = 0, ren = 0;
				for (int k = 0; k < a->n; k++)
					if (a->where[k] == W_OLD) {
						del |= a->rot[k] == R_DELETE;
						ren |= a->rot[k] == R_RENAME;
					}
				lost_deleted += del && !a->gap;
				lost_renamed += ren && !a->gap;
			}
			if (a->gap == 1)
				gap_lost++;
			printf("# LOST: %s %s%s, knocks written at", door_name[a->door],
			    a->src, a->gap == 1 ? " (whole sequence written while no "
			    "worker ran, around a rotation)" : "");
			for (int k = 0; k < a->n; k++)
				printf(" %lld%s%s%s", a->t[k],
				    a->where[k] == W_OLD ? "(after " : "",
				    a->where[k] == W_OLD ? rot_name[a->rot[k]] : "",
				    a->where[k] == W_OLD ? ", to the old file)" : "");
			printf(" ms\n");
		}
		fclose(truth_f);
		fclose(events_f);

		/* --- figures --- */
		long long ran = now_ms();
		unsigned wk_n = 0, dk_n = 0, rl_n = 0;
		long long gap_max = 0;
		for (int i = 0; i < nev; i++) {
			if (ev[i].kind == E_WKILL) {
				wk_n++;
				if (ev[i].t2 - ev[i].t1 > gap_max)
					gap_max = ev[i].t2 - ev[i].t1;
			}
			dk_n += ev[i].kind == E_DKILL;
			rl_n += ev[i].kind == E_RELOAD;
		}
		printf("# ran %.0f s (%lld s of chaos); %llu noise lines "
		    "(%.0f/s), %llu genuine knock lines, %.1f MB written\n",
		    (double)ran / 1000, dur / 1000, noise_lines,
		    (double)noise_lines * 1000 / (double)dur, genuine_lines,
		    (double)bytes_written / 1e6);
		printf("# rotations: %u rename+create, %u copytruncate, %u "
		    "delete+recreate; reloads: %u (%u confirmed, %u failed); "
		    "worker kills: %u (longest gap %lld ms); daemon kills: %u\n",
		    rotations[R_RENAME], rotations[R_COPYTRUNC],
		    rotations[R_DELETE], rl_n, n_reloaded, n_reload_failed, wk_n,
		    gap_max, dk_n);
		printf("# genuine attempts: %d (ssh, otp, extra), opened %u, "
		    "lost as the README allows %u, lost otherwise %u\n",
		    natt, opened, lost_ok, lost_bad);
		for (int r = 0; r < nrules; r++)
			printf("#   %s: %u\n", rules[r].rule, rules[r].n);
		printf("# actions: %u starts, %u stops (%u failed, retried); "
		    "all closed %lld ms after the last knock\n", starts, stops,
		    stops_failed, close_ms);

		check(lost_bad == 0, "no genuine sequence lost outside the "
		    "README's list (%u lost: %u with knocks written to a "
		    "deleted file within rotate_grace, %u to a renamed one, "
		    "%u whole sequences written while no worker ran around a "
		    "rotation, %u other)", lost_bad, lost_deleted, lost_renamed,
		    gap_lost, lost_bad - lost_deleted - lost_renamed - gap_lost);
		int rules_ok = 1;
		snprintf(p, sizeof(p), "%s/README.md", top);
		readme = slurp(p);
		for (int r = 0; r < nrules; r++)
			if (!readme_has(readme, rules[r].rule)) {
				rules_ok = 0;
				printf("# rule %s is not in README.md\n",
				    rules[r].rule);
			}
		check(rules_ok, "every loss it allowed is a rule of the "
		    "README's list");
		check(gap_n > 0, "sequences were written while no worker ran "
		    "(%u)", gap_n);
		check(n_reload_failed == 0, "every reload was carried out (%u "
		    "failed)", n_reload_failed);
		check(wrong == 0, "nothing opens that no genuine client "
		    "knocked (%u)", wrong);
		check(doubles == 0, "no door opens twice for a source (%u)",
		    doubles);
		check(bad_user == 0, "HMAC opens name the right user (%u)",
		    bad_user);
		check(closed && left_open == 0, "every opened door is closed "
		    "at the end (%u left open)", left_open);
		if (remove_before_kill)
		check(extra_src_open, "a door removed by a reload was open "
		    "across the daemon's kill");
		{
			char *s;
			snprintf(p, sizeof(p), "%s/status.end", dir);
			s = slurp(p);
			check(s != NULL && strstr(s, "\ndoors open 0 ") != NULL,
			    "status at the end: doors open 0");
			check(s != NULL && strstr(s, "evictions 0 ") != NULL,
			    "no eviction (a loss the soak does not classify)");
			if (s != NULL) {
				char *l = s;
				while (l && *l) {
					char *nl = strchr(l, '\n');
					if (nl)
						*nl = '\0';
					if (strncmp(l, "lines ", 6) == 0 ||
					    strncmp(l, "tracked ", 8) == 0 ||
					    strncmp(l, "worker ", 7) == 0 ||
					    strncmp(l, "doors ", 6) == 0 ||
					    strncmp(l, "reloads ", 8) == 0)
						printf("# status: %s\n", l);
					l = nl ? nl + 1 : NULL;
				}
			}
			free(s);
		}
		check(rc == 0, "SIGTERM: the daemon exits 0 (%d)", rc);

		/* Processes: every worker seen, every stub (their argv
		 * names the work directory). */
		{
			DIR *d = opendir("/proc");
			struct dirent *de;
			unsigned left = 0;

			for (int i = 0; i < nseen_workers; i++)
				if (alive(seen_workers[i])) {
					left++;
					printf("# left behind: worker %d\n",
					    (int)seen_workers[i]);
					kill(seen_workers[i], SIGKILL);
				}
			while (d != NULL && (de = readdir(d)) != NULL) {
				char cp[64], cl[4096];
				int fd;
				ssize_t n;
				pid_t pid;

				if (!isdigit((unsigned char)de->d_name[0]))
					continue;
				pid = (pid_t)atoi(de->d_name);
				if (pid == getpid())
					continue;
				snprintf(cp, sizeof(cp), "/proc/%d/cmdline",
				    (int)pid);
				if ((fd = open(cp, O_RDONLY)) == -1)
					continue;
				n = read(fd, cl, sizeof(cl) - 1);
				close(fd);
				if (n <= 0)
					continue;
				for (ssize_t i = 0; i < n; i++)
					if (cl[i] == '\0')
						cl[i] = ' ';
				cl[n] = '\0';
				if (strstr(cl, dir) != NULL && alive(pid)) {
					left++;
					printf("# left behind: %d %s\n",
					    (int)pid, cl);
					kill(pid, SIGKILL);
				}
			}
			if (d != NULL)
				closedir(d);
			check(left == 0, "no process left behind (%u)", left);
		}

		/* Memory: the worker that ran longest, after a warm-up of
		 * 30 s (the longest timeout: the table's steady state). */
		{
			pid_t best = -1;
			long long best_span = 0;
			for (int i = 0; i < nrss; i++) {
				long long a0 = -1, a1 = -1;
				for (int j = 0; j < nrss; j++)
					if (rss[j].pid == rss[i].pid) {
						if (a0 < 0)
							a0 = rss[j].t;
						a1 = rss[j].t;
					}
				if (a1 - a0 > best_span) {
					best_span = a1 - a0;
					best = rss[i].pid;
				}
			}
			long lo = -1, hi = 0, first_max = 0, second_min = -1;
			/* 30 s: the longest timeout, after which the
			 * table holds as many attempts as it ever will. */
			long long w0 = -1, warm = 30000;
			int ns = 0, half, idx = 0;
			for (int i = 0; i < nrss; i++)
				if (rss[i].pid == best) {
					if (w0 < 0)
						w0 = rss[i].t;
					if (rss[i].t >= w0 + warm)
						ns++;
				}
			half = ns / 2;
			for (int i = 0; i < nrss; i++) {
				if (rss[i].pid != best ||
				    rss[i].t < w0 + warm)
					continue;
				if (lo < 0 || rss[i].rss < lo)
					lo = rss[i].rss;
				if (rss[i].rss > hi)
					hi = rss[i].rss;
				if (idx < half && rss[i].rss > first_max)
					first_max = rss[i].rss;
				if (idx >= half && (second_min < 0 ||
				    rss[i].rss < second_min))
					second_min = rss[i].rss;
				idx++;
			}
			/* Its size at start: 2 s in, once it has loaded. */
			long start_rss = -1;
			for (int i = 0; i < nrss; i++)
				if (rss[i].pid == best && rss[i].t >= w0 + 2000) {
					start_rss = rss[i].rss;
					break;
				}
			printf("# worker memory (pid %d, %lld s sampled, %d "
			    "samples after %lld s): VmRSS %ld KiB at its start, "
			    "%ld-%ld KiB steady; first half's max %ld, second "
			    "half's min %ld KiB; last worker's VmHWM %ld KiB\n",
			    (int)best, best_span / 1000, ns, warm / 1000, start_rss, lo, hi,
			    first_max, second_min, last_hwm);
			if (ns >= 6)
				check(second_min <= first_max + 512,
				    "the worker's memory does not keep growing "
				    "(second half's min %ld <= first half's max "
				    "%ld + 512 KiB)", second_min, first_max);
			else
				printf("skip - memory growth: no worker lived "
				    "33 s (SOAK_SECONDS too short)\n");
			/* doc/reliability.md's bound: start + max_tracked x 104 B +
			 * 4 MiB. */
			long bound = start_rss + 65536L * 104 / 1024 + 4096;
			check(hi <= bound, "worker VmRSS %ld KiB <= the "
			    "bound of doc/reliability.md %ld KiB", hi, bound);
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail == 0 ? 0 : 1;
}
