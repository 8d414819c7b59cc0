/* test_door.c — door.c through its public functions only, with real
 * commands (a small sh script in a mkdtemp directory that records each call
 * and exits with the status a file says) run by action.c on this process's
 * own event set: a failed stop is retried with a doubling back-off capped at
 * five minutes, and the door stays open and journaled meanwhile; a stop that
 * refuses its arguments (exit 64) is given up; a knock while the door closes
 * reopens it when the stop succeeds; a knock while it is open extends it
 * without a second start; a failed start opens nothing. `now` is passed in
 * throughout; the only waits are for the child processes to exit, polled on
 * the event set with a deadline. Retry deadlines come from door.c's own
 * clock reading when the stop ends, so they are checked between readings
 * taken before and after, never against a fixed time. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "addr.h"
#include "clock.h"
#include "config.h"
#include "door.h"
#include "ev.h"
#include "knock.h"
#include "log.h"
#include "test.h"

#define STOP_AFTER 5		/* seconds, the door of the test config */
#define MAX_OPEN 40		/* its max_open: twice the command limits */

static char top[] = "/tmp/kw-test-door.XXXXXX";
static struct config *cfg;

static const char *
p(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

static void
put(const char *path, const char *s, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(s, f) == EOF || fclose(f) == EOF ||
	    chmod(path, mode) == -1) {
		perror(path);
		exit(2);
	}
}

/* The next start / stop exits with rc. */
static void
start_rc(int rc)
{
	char b[16];

	snprintf(b, sizeof(b), "%d\n", rc);
	put(p("start.rc"), b, 0600);
}

static void
stop_rc(int rc)
{
	char b[16];

	snprintf(b, sizeof(b), "%d\n", rc);
	put(p("stop.rc"), b, 0600);
}

/* The transcript: one "EVENT SRC" line per command run, in order. */
static char transcript[4096];

static const char *
calls(void)
{
	FILE *f = fopen(p("calls"), "r");
	size_t n = 0;

	transcript[0] = '\0';
	if (f != NULL) {
		n = fread(transcript, 1, sizeof(transcript) - 1, f);
		fclose(f);
	}
	transcript[n] = '\0';
	return transcript;
}

static void
calls_reset(void)
{
	put(p("calls"), "", 0600);
}

/* Runs the event set until every command has ended (10 s at most). */
static void
settle(void)
{
	kw_ms end = clock_now_ms() + 10000;

	while (action_pending() > 0 && clock_now_ms() < end) {
		ev_wait(100);
		action_tick(clock_now_ms());
	}
	T_OK(action_pending() == 0, "commands still running after 10 s");
}

static void
knock(const char *src, kw_ms now)
{
	struct door_req ev;

	memset(&ev, 0, sizeof(ev));
	ev.door = 0;
	ev.user = -1;
	if (addr_parse(src, strlen(src), &ev.src) == -1) {
		fprintf(stderr, "bad test address %s\n", src);
		exit(2);
	}
	door_open(cfg, &ev, now, clock_wall());
}

static struct door_stats
st(void)
{
	struct door_stats s;

	door_stats(&s);
	return s;
}

static int
journal_has(const char *src)
{
	FILE *f = fopen(p("journal"), "r");
	char buf[8192], word[64];
	size_t len;

	if (f == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	snprintf(word, sizeof(word), " %s ", src);
	return strstr(buf, word) != NULL;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
dump_line(void *arg, const char *line)
{
	snprintf(arg, 256, "%s", line);
}

/* A failed stop is retried after 2, 4, 8 ... s, at most 300 s; the door
 * stays open and journaled; a later stop that succeeds closes it. */
static void
test_retry(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms(), dl, t0, t1, wait = 2000;
	char line[256] = "";

	calls_reset();
	start_rc(0);
	stop_rc(1);
	knock("192.0.2.7", now);
	settle();
	T_STREQ(calls(), "start 192.0.2.7\n");
	s = st();
	T_INTEQ(s.opened - s0.opened, 1);
	T_INTEQ(s.open, 1);
	T_INTEQ(door_deadline(), now + STOP_AFTER * 1000);
	T_OK(journal_has("192.0.2.7"), "the open door is not journaled");

	/* Not yet due: nothing runs. */
	door_tick(now + STOP_AFTER * 1000 - 1);
	T_INTEQ(action_pending(), 0);

	for (int attempt = 1; attempt <= 9; attempt++) {
		t0 = clock_now_ms();
		door_tick(door_deadline());
		/* While its stop runs, the door has no deadline. */
		T_INTEQ(door_deadline(), KW_MS_NEVER);
		door_dump(dump_line, line, t0);
		T_OK(strstr(line, "(closing)") != NULL, "dump: %s", line);
		settle();
		t1 = clock_now_ms();
		s = st();
		T_INTEQ(s.stop_failures - s0.stop_failures, attempt);
		T_INTEQ(s.open, 1);
		dl = door_deadline();
		T_OK(dl >= t0 + wait && dl <= t1 + wait,
		    "attempt %d: retry at %lld, want %lld ms after %lld..%lld",
		    attempt, (long long)dl, (long long)wait, (long long)t0,
		    (long long)t1);
		T_OK(journal_has("192.0.2.7"), "attempt %d: not journaled",
		    attempt);
		wait = wait * 2 > 300000 ? 300000 : wait * 2;
	}
	T_STREQ(calls(), "start 192.0.2.7\nstop 192.0.2.7\nstop 192.0.2.7\n"
	    "stop 192.0.2.7\nstop 192.0.2.7\nstop 192.0.2.7\nstop 192.0.2.7\n"
	    "stop 192.0.2.7\nstop 192.0.2.7\nstop 192.0.2.7\n");

	/* The tenth attempt succeeds: closed, out of the journal. */
	stop_rc(0);
	door_tick(door_deadline());
	settle();
	s = st();
	T_INTEQ(s.closed - s0.closed, 1);
	T_INTEQ(s.open, 0);
	T_INTEQ(door_deadline(), KW_MS_NEVER);
	T_OK(!journal_has("192.0.2.7"), "a closed door is still journaled");
}

/* A stop that exits 64 refused its arguments: it would at every retry, so
 * the door is given up (and logged), not retried for ever. */
static void
test_usage_error(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms();

	calls_reset();
	start_rc(0);
	stop_rc(64);
	knock("192.0.2.9", now);
	settle();
	door_tick(now + STOP_AFTER * 1000);
	settle();
	s = st();
	T_INTEQ(s.stop_unusable - s0.stop_unusable, 1);
	T_INTEQ(s.stop_failures - s0.stop_failures, 0);
	T_INTEQ(s.open, 0);
	T_INTEQ(door_deadline(), KW_MS_NEVER);
	T_STREQ(calls(), "start 192.0.2.9\nstop 192.0.2.9\n");
	T_OK(!journal_has("192.0.2.9"), "a given-up door is still journaled");
}

/* A knock while the stop command runs: once the stop succeeds, the door
 * opens afresh (start again) for a full stop_after. */
static void
test_reopen(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms(), t0, t1, dl;

	calls_reset();
	start_rc(0);
	stop_rc(0);
	knock("2001:db8::8", now);
	settle();
	door_tick(now + STOP_AFTER * 1000);
	/* The stop is running (its exit is not read before settle). */
	T_INTEQ(action_pending(), 1);
	t0 = clock_now_ms();
	knock("2001:db8::8", t0);
	s = st();
	T_INTEQ(s.extended - s0.extended, 1);
	T_INTEQ(s.opened - s0.opened, 1);
	settle();
	t1 = clock_now_ms();
	T_STREQ(calls(), "start 2001:db8::8\nstop 2001:db8::8\n"
	    "start 2001:db8::8\n");
	s = st();
	T_INTEQ(s.closed - s0.closed, 1);
	T_INTEQ(s.open, 1);
	dl = door_deadline();
	T_OK(dl >= t0 + STOP_AFTER * 1000 && dl <= t1 + STOP_AFTER * 1000,
	    "reopened door closes at %lld, want %d s after %lld..%lld",
	    (long long)dl, STOP_AFTER, (long long)t0, (long long)t1);
	T_OK(journal_has("2001:db8::8"), "the reopened door is not journaled");

	/* Shutdown closes it. */
	door_close_all(clock_now_ms(), clock_wall());
	settle();
	s = st();
	T_INTEQ(s.open, 0);
	T_INTEQ(s.closed - s0.closed, 2);
	T_STREQ(calls(), "start 2001:db8::8\nstop 2001:db8::8\n"
	    "start 2001:db8::8\nstop 2001:db8::8\n");
}

/* A knock while the door is open only moves its deadline. */
static void
test_extend(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms();

	calls_reset();
	start_rc(0);
	stop_rc(0);
	knock("192.0.2.10", now);
	settle();
	knock("192.0.2.10", now + 3000);
	settle();
	s = st();
	T_INTEQ(s.extended - s0.extended, 1);
	T_INTEQ(s.opened - s0.opened, 1);
	T_INTEQ(door_deadline(), now + 3000 + STOP_AFTER * 1000);
	/* The old deadline passes: nothing runs. */
	door_tick(now + STOP_AFTER * 1000);
	T_INTEQ(action_pending(), 0);
	door_tick(now + 3000 + STOP_AFTER * 1000);
	settle();
	T_STREQ(calls(), "start 192.0.2.10\nstop 192.0.2.10\n");
	T_INTEQ(st().open, 0);
}

/* A start that fails opened nothing: no slot, no journal line, no stop. */
static void
test_start_fails(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms();

	calls_reset();
	start_rc(1);
	stop_rc(0);
	knock("192.0.2.11", now);
	settle();
	s = st();
	T_INTEQ(s.start_failures - s0.start_failures, 1);
	T_INTEQ(s.open, 0);
	T_INTEQ(door_deadline(), KW_MS_NEVER);
	door_tick(now + STOP_AFTER * 1000);
	settle();
	T_STREQ(calls(), "start 192.0.2.11\n");
	T_OK(!journal_has("192.0.2.11"), "a door that did not open is "
	    "journaled");
}

/* Counts "stop " lines in the transcript. */
static int
stops_run(void)
{
	int n = 0;

	for (const char *c = calls(); (c = strstr(c, "stop ")) != NULL; c++)
		n++;
	return n;
}

/* As the daemon's loop: the doors' tick and the commands' tick until no
 * command runs and no door waits (30 s at most). */
static void
settle_doors(void)
{
	kw_ms end = clock_now_ms() + 30000;

	while ((action_pending() > 0 || door_busy()) && clock_now_ms() < end) {
		door_tick(clock_now_ms());
		ev_wait(100);
		action_tick(clock_now_ms());
	}
	T_OK(action_pending() == 0 && !door_busy(), "doors still busy");
}

/* max_open (MAX_OPEN in the test config) entries of one door at most: the
 * next source is refused (door_open -1, counted) while an open one still
 * extends. At shutdown more doors than the command limits take (4
 * running, 16 queued) all close: the stops wait for room, none is refused
 * or counted as failed. */
static void
test_cap_and_shutdown(void)
{
	struct door_stats s0 = st(), s;
	kw_ms now = clock_now_ms();
	struct door_req ev;
	char src[64];

	calls_reset();
	start_rc(0);
	stop_rc(0);
	for (int i = 0; i < MAX_OPEN; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", i + 1);
		knock(src, now);
		settle();
	}
	s = st();
	T_INTEQ(s.open, MAX_OPEN);
	memset(&ev, 0, sizeof(ev));
	ev.user = -1;
	addr_parse("198.51.100.200", 14, &ev.src);
	T_INTEQ(door_open(cfg, &ev, now, clock_wall()), -1);
	T_INTEQ(st().refused - s0.refused, 1);
	T_INTEQ(st().open, MAX_OPEN);
	addr_parse("198.51.100.1", 12, &ev.src);
	T_INTEQ(door_open(cfg, &ev, now, clock_wall()), 0);
	T_INTEQ(st().extended - s.extended, 1);

	door_close_all(clock_now_ms(), clock_wall());
	settle_doors();
	s = st();
	T_INTEQ(s.open, 0);
	T_INTEQ(s.stop_failures - s0.stop_failures, 0);
	T_INTEQ(s.closed - s0.closed, MAX_OPEN);
	T_INTEQ(stops_run(), MAX_OPEN);
}

int
main(void)
{
	char conf[4096], err[512];

	if (mkdtemp(top) == NULL) {
		perror(top);
		return 2;
	}
	/* ACT CALLS RCFILE EVENT SRC: records "EVENT SRC", exits with the
	 * number in RCFILE. */
	put(p("act"), "#!/bin/sh\nprintf '%s %s\\n' \"$3\" \"$4\" >>\"$1\"\n"
	    "exit \"$(cat \"$2\")\"\n", 0700);
	put(p("kern.log"), "", 0600);
	snprintf(conf, sizeof(conf),
	    "state_dir: %s/state\n"
	    "runtime_dir: %s/run\n"
	    "sources:\n"
	    "  - file: %s/kern.log\n"
	    "    prefix: \"KNOCK: \"\n"
	    "doors:\n"
	    "  ssh:\n"
	    "    sequence: [7000/tcp, 8000/udp, 9000]\n"
	    "    start: [%s/act, %s/calls, %s/start.rc, start, \"%%SRC%%\"]\n"
	    "    stop: [%s/act, %s/calls, %s/stop.rc, stop, \"%%SRC%%\"]\n"
	    "    stop_after: %d\n"
	    "    max_open: %d\n",
	    top, top, top, top, top, top, top, top, top, STOP_AFTER, MAX_OPEN);
	put(p("kw.yaml"), conf, 0600);
	if ((cfg = config_load(p("kw.yaml"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	log_init(0, 0);
	if (ev_init() == -1 || door_init(p("journal")) == -1) {
		perror("init");
		return 2;
	}
	action_set_limits(4, 16);

	test_retry();
	test_usage_error();
	test_reopen();
	test_extend();
	test_start_fails();
	test_cap_and_shutdown();	/* last: leaves the shutdown state */

	door_free();
	ev_free();
	config_free(cfg);
	if (nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1)
		perror(top);
	return t_done();
}
