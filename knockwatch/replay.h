/* replay.h — `knockwatch replay FILE`: a dry run of a log through the
 * configured parsers and state machines. */
#ifndef KW_REPLAY_H
#define KW_REPLAY_H

/* argv[0] is "replay". Returns an exit status (0, 64 usage, 66 unreadable
 * file, 78 config). */
int replay_main(int argc, char **argv);

#endif
