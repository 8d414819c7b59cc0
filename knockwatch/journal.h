/* journal.h — the open-door journal (state_dir/open): writing the table of
 * open doors, and reading it back at start. */
#ifndef KW_JOURNAL_H
#define KW_JOURNAL_H

#include <stddef.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "door.h"

#define JOURNAL_LINE 4000	/* 4096 lines fit STATE_MAX_FILE */

/* Remembers the journal's path (copied). 0, or -1 out of memory. */
int journal_init(const char *path);
/* Forgets the path; the file stays. */
void journal_free(void);
/* Writes e's journal line (with its newline, NUL-terminated) into out.
 * Returns its length, or -1 when it does not fit cap or JOURNAL_LINE. */
int journal_line(const struct door_entry *e, char *out, size_t cap);
/* Rewrites the journal atomically with one line per used entry of
 * doors[0..n_doors) (nopen of them; none: an empty file). A failed write
 * is logged, not returned. */
void journal_save(const struct door_entry *doors, int n_doors,
    unsigned nopen);
/* Reads the journal left by an earlier run and checks each line against
 * config c: a good line becomes an open door (door_entry_alloc) whose
 * deadline is kept, or is now when it passed or the door can no longer
 * be opened so; bad lines are logged and the file is set aside. Returns
 * 0 when it was read (the caller then journals the table anew), -1 when
 * there was none or it was refused as a whole. */
int journal_recover(const struct config *c, kw_ms now, time_t wall);

#endif
