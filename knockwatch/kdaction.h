/* kdaction.h — a knockd command that calls a knockwatch action. */
#ifndef KW_KDACTION_H
#define KW_KDACTION_H

#include <stddef.h>

/* cmd (shell text, as knockd writes it) is "DIR/actions/PROG open|close
 * ..." without a --door argument: returns 1 with *verb "open" or "close"
 * and the program's path in prog (len bytes, truncated); else 0. */
int kd_action_call(const char *cmd, const char **verb, char *prog,
    size_t len);

#endif
