/* spawn.h — the one fork/exec path of the daemon (a vfork-style clone):
 * action commands and command sources start here. An argv array and an
 * environment given in full, never a shell. */
#ifndef KW_SPAWN_H
#define KW_SPAWN_H

#include <signal.h>
#include <sys/types.h>

/* What differs between callers, said by name (designated initialisers):
 * everything else is the same for every child (see spawn.c). */
struct spawn_opts {
	char *const *argv;	/* argv[0] is the program */
	char *const *envp;	/* the child's whole environment */
	/* 1: a bare argv[0] is looked up in envp's PATH (command sources
	 * may name a program so); 0: argv[0] is run as given (actions are
	 * absolute paths, checked when the config was read). */
	int search_path;
	/* 1: stderr into the pipe too (actions: their errors are logged
	 * with their output); 0: stderr stays ours (command sources: the
	 * pipe carries log lines, which their complaints must not mimic). */
	int stderr_to_pipe;
	/* Signal the child gets when the daemon dies, or 0 (actions finish
	 * the firewall change they began; a command source is a reader that
	 * must not outlive the daemon). */
	int death_signal;
};

/* Starts o->argv in a new session with an empty signal mask, default
 * dispositions, stdin from /dev/null, stdout (and with stderr_to_pipe
 * stderr) into a pipe and no other descriptor. Returns the pipe's read end
 * (non-blocking, close-on-exec; the caller owns it) and *pid, the leader of
 * the child's own process group; -1 with errno when no child started. A
 * program that cannot be run exits 127 after one line on its stderr. */
int spawn_start(const struct spawn_opts *o, pid_t *pid);

#endif
