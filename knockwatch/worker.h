/* worker.h — the unprivileged worker: tails the logs, parses them, runs the
 * knock state machines and HMAC matching, and asks the parent to open a
 * door when a sequence completes. */
#ifndef KW_WORKER_H
#define KW_WORKER_H

/* `knockwatch worker UID GID DIR PPID VERBOSE`, run only by the parent with
 * the sockets of msg.h on descriptors 3 and 4 and the shared inotify
 * instance on 5. Returns an exit status. */
int worker_main(int argc, char **argv);

#endif
