/* action.c — runs action commands through spawn.c: an argv array and a
 * minimal environment, never a shell; each child leads its own process
 * group, which is killed at its time limit and signalled again before it is
 * reaped so nothing it forked stays behind. */
#include "action.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "ev.h"
#include "kwlimits.h"
#include "linebuf.h"
#include "log.h"
#include "spawn.h"

#define ACTION_ARG_MAX	4096
#define ACTION_KILL_GRACE_MS 2000
#define ACTION_POLL_MS	50	/* exit polling when there is no pidfd */
#define ACTION_OUT_LINE	512

struct job {
	char **argv;
	char env[9][280];	/* KNOCK_HOST= + HOST_MAX */
	char *envp[10];
	char label[480];
	unsigned timeout_s;
	action_done_cb cb;
	void *arg;
	pid_t pid;
	int pidfd, outfd;
	kw_ms started, deadline;
	kw_ms poll_at;		/* no pidfd: next waitid check, else NEVER */
	int killed;		/* 0, 1 after TERM, 2 after KILL */
	char obuf[ACTION_OUT_LINE];
	struct linebuf out;	/* over obuf, set up at the first read */
	struct job *next;
};

static struct job *running, *queue_head, *queue_tail;
static unsigned max_running = 16, max_queued = ACTION_MAX_QUEUE;
static struct action_stats stats;

void
action_set_limits(unsigned mr, unsigned mq)
{
	max_running = mr ? mr : 1;
	max_queued = mq;
}

static size_t
subst(char *out, size_t cap, const char *in, const struct action_vars *v)
{
	static const struct { const char *name; size_t off; } ph[] = {
		{ "%SRC%", offsetof(struct action_vars, src) },
		{ "%IP%", offsetof(struct action_vars, src) },
		{ "%DOOR%", offsetof(struct action_vars, door) },
		{ "%USER%", offsetof(struct action_vars, user) },
		{ "%OPEN_PORT%", offsetof(struct action_vars, open_port) },
		{ "%HOST%", offsetof(struct action_vars, host) },
	};
	size_t n = 0;

	while (*in != '\0') {
		const char *val = NULL;
		size_t skip = 1;

		for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
			size_t l = strlen(ph[i].name);
			if (strncmp(in, ph[i].name, l) == 0) {
				val = *(const char *const *)
				    ((const char *)v + ph[i].off);
				if (val == NULL)
					val = "";
				skip = l;
				break;
			}
		}
		if (val == NULL) {
			if (n + 1 < cap)
				out[n] = *in;
			n++;
		} else {
			size_t l = strlen(val);
			if (n + l < cap)
				memcpy(out + n, val, l);
			n += l;
		}
		in += skip;
	}
	if (n < cap)
		out[n] = '\0';
	return n;
}

struct subst_arg {
	const struct config_cmd *cmd;
	const struct action_vars *v;
};

static size_t
fill_subst(void *arg, int i, char *out, size_t cap)
{
	const struct subst_arg *a = arg;

	return subst(out, cap, a->cmd->argv[i], a->v);
}

char **
action_argv(const struct config_cmd *cmd, const struct action_vars *v)
{
	struct subst_arg a = { .cmd = cmd, .v = v };

	/* Each element is substituted on its own: a value is never split,
	 * and never scanned again for placeholders. */
	return argv_pack(cmd->argc, fill_subst, &a, ACTION_ARG_MAX);
}

static void
job_free(struct job *j)
{
	free(j->argv);
	free(j);
}

/* linebuf_cb: logs one line of the child's output, control bytes shown
 * as '?'. */
static int
out_line(void *arg, char *line, size_t len)
{
	struct job *j = arg;

	for (size_t i = 0; i < len; i++)
		if (!(line[i] >= 0x20 && line[i] != 0x7f))
			line[i] = '?';
	log_info("%s: %s", j->label, line);
	return 0;
}

/* Logs the child's output line by line; overlong lines are cut. */
static void
out_read(struct job *j)
{
	char buf[4096];
	ssize_t n;

	if (j->out.buf == NULL)
		linebuf_init(&j->out, j->obuf, sizeof(j->obuf) - 1,
		    LINEBUF_CUT);
	while ((n = read(j->outfd, buf, sizeof(buf))) > 0)
		(void)linebuf_feed(&j->out, buf, (size_t)n, out_line, j);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		(void)linebuf_flush(&j->out, out_line, j);
		ev_del(j->outfd);
		close(j->outfd);
		j->outfd = -1;
	}
}

static void
on_output(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	out_read(arg);
}

static void start_queued(kw_ms now);

static void
finish(struct job *j)
{
	struct job **pp;
	int status = 0, ok;
	kw_ms now = clock_now_ms();

	/* The leader has exited but is not reaped, so its process group id
	 * cannot have been reused: clear out anything it left behind. */
	kill(-j->pid, SIGKILL);
	while (waitpid(j->pid, &status, 0) == -1 && errno == EINTR)
		;
	if (j->pidfd != -1) {
		ev_del(j->pidfd);
		close(j->pidfd);
	}
	if (j->outfd != -1) {
		out_read(j);
		if (j->outfd != -1) {
			ev_del(j->outfd);
			close(j->outfd);
		}
	}
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok) {
		stats.ok++;
		log_info("%s: exit 0 in %lld ms", j->label,
		    (long long)(now - j->started));
	} else {
		stats.failed++;
		if (WIFEXITED(status))
			log_warnx("%s: failed with exit %d in %lld ms", j->label,
			    WEXITSTATUS(status), (long long)(now - j->started));
		else
			log_warnx("%s: killed by signal %d after %lld ms%s",
			    j->label, WTERMSIG(status),
			    (long long)(now - j->started),
			    j->killed ? " (run-time limit)" : "");
	}
	for (pp = &running; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	stats.running--;
	if (j->cb != NULL)
		j->cb(j->arg, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	job_free(j);
	start_queued(now);
}

static void
on_exit_fd(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	finish(arg);
}

static int
spawn(struct job *j, kw_ms now)
{
	/* An action is an absolute path (checked when the config was read);
	 * what it prints, errors included, is logged; it is left to finish
	 * its firewall change when the daemon dies, as the journal expects. */
	const struct spawn_opts o = {
		.argv = j->argv,
		.envp = j->envp,
		.search_path = 0,
		.stderr_to_pipe = 1,
		.death_signal = 0,
	};

	if ((j->outfd = spawn_start(&o, &j->pid)) == -1) {
		log_warn("%s: cannot start", j->label);
		return -1;
	}
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	j->poll_at = KW_MS_NEVER;
	j->started = now;
	j->deadline = now + (kw_ms)j->timeout_s * 1000;
	j->next = running;
	running = j;
	stats.running++;
	stats.started++;
	if (j->pidfd != -1 && ev_add(j->pidfd, EPOLLIN, on_exit_fd, j) == -1) {
		close(j->pidfd);
		j->pidfd = -1;
	}
	if (j->pidfd == -1) {
		/* No pidfd (descriptors exhausted, a kernel or a tool such as
		 * valgrind without pidfd_open): the child runs already, so
		 * watch it by polling rather than give up on it. */
		log_warn("%s: no pidfd for pid %d, polling for its exit",
		    j->label, (int)j->pid);
		j->poll_at = now + ACTION_POLL_MS;
	}
	if (ev_add(j->outfd, EPOLLIN, on_output, j) == -1) {
		close(j->outfd);
		j->outfd = -1;
	}
	log_debug("%s: started pid %d", j->label, (int)j->pid);
	return 0;
}

static void
start_queued(kw_ms now)
{
	while (queue_head != NULL && stats.running < max_running) {
		struct job *j = queue_head;

		queue_head = j->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		stats.queued--;
		if (spawn(j, now) == -1) {
			stats.failed++;
			if (j->cb != NULL)
				j->cb(j->arg, -1);
			job_free(j);
		}
	}
}

int
action_room(void)
{
	return stats.running < max_running || stats.queued < max_queued;
}

int
action_run(char **argv, const struct action_vars *v, unsigned timeout_s,
    action_done_cb cb, void *arg, kw_ms now)
{
	struct job *j;

	if (stats.running >= max_running && stats.queued >= max_queued) {
		stats.refused++;
		log_warnx("door %s %s for %s: %u commands queued already, "
		    "refused", v->door, v->event, v->src, stats.queued);
		free(argv);
		return -1;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		free(argv);
		return -1;
	}
	j->argv = argv;
	j->timeout_s = timeout_s;
	j->cb = cb;
	j->arg = arg;
	j->pidfd = j->outfd = -1;
	snprintf(j->env[0], sizeof(j->env[0]), "KNOCK_EVENT=%s", v->event);
	snprintf(j->env[1], sizeof(j->env[1]), "KNOCK_SRC=%s", v->src);
	snprintf(j->env[2], sizeof(j->env[2]), "KNOCK_DOOR=%s", v->door);
	snprintf(j->env[3], sizeof(j->env[3]), "KNOCK_USER=%s", v->user);
	snprintf(j->env[4], sizeof(j->env[4]), "KNOCK_OPEN_PORT=%s",
	    v->open_port);
	snprintf(j->env[5], sizeof(j->env[5]), "KNOCK_FAMILY=%s", v->family);
	snprintf(j->env[6], sizeof(j->env[6]), "LANG=C");
	/* PATH is fixed, not inherited: the action sees nothing of ours. */
	snprintf(j->env[7], sizeof(j->env[7]), "PATH=%s", KW_CHILD_PATH);
	snprintf(j->env[8], sizeof(j->env[8]), "KNOCK_HOST=%s",
	    v->host != NULL ? v->host : "");
	for (int i = 0; i < 9; i++)
		j->envp[i] = j->env[i];
	j->envp[9] = NULL;
	snprintf(j->label, sizeof(j->label), "door %s %s for %s%s%s%s%s",
	    v->door, v->event, v->src, v->user[0] ? " user " : "", v->user,
	    v->host != NULL && v->host[0] ? " at host " : "",
	    v->host != NULL ? v->host : "");
	if (stats.running < max_running) {
		if (spawn(j, now) == -1) {
			stats.failed++;
			job_free(j);
			return -1;
		}
		return 0;
	}
	stats.queued++;
	stats.queued_total++;
	log_warnx("%s: %u commands running, queued", j->label, stats.running);
	if (queue_tail != NULL)
		queue_tail->next = j;
	else
		queue_head = j;
	queue_tail = j;
	return 0;
}

/* 1 when the leader of a job without a pidfd has exited; it is left
 * unreaped (WNOWAIT), as finish() expects. */
static int
exited(struct job *j)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == ECHILD;
	return si.si_pid == j->pid;
}

void
action_tick(kw_ms now)
{
	struct job *j, *next;

	for (j = running; j != NULL; j = next) {
		next = j->next;
		if (j->pidfd != -1 || now < j->poll_at)
			continue;
		if (exited(j))
			finish(j);	/* may start queued jobs at the head */
		else
			j->poll_at = now + ACTION_POLL_MS;
	}
	for (j = running; j != NULL; j = j->next) {
		if (now < j->deadline)
			continue;
		if (j->killed == 0) {
			log_warnx("%s: still running after %u s, terminating",
			    j->label, j->timeout_s);
			stats.timeouts++;
			kill(-j->pid, SIGTERM);
			j->killed = 1;
			j->deadline = now + ACTION_KILL_GRACE_MS;
		} else {
			kill(-j->pid, SIGKILL);
			j->killed = 2;
			j->deadline = KW_MS_NEVER;
		}
	}
}

kw_ms
action_deadline(void)
{
	kw_ms min = KW_MS_NEVER;

	for (struct job *j = running; j != NULL; j = j->next) {
		if (j->deadline < min)
			min = j->deadline;
		if (j->poll_at < min)
			min = j->poll_at;
	}
	return min;
}

unsigned
action_pending(void)
{
	return stats.running + stats.queued;
}

void
action_stats(struct action_stats *st)
{
	*st = stats;
}
