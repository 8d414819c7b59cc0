/* cli_seq.h — the client's sequence: derived (from a config, or a key and
 * options) or given, printed by `sequence`, sent by `knock`. Internal to
 * the client. */
#ifndef KW_CLI_SEQ_H
#define KW_CLI_SEQ_H

#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "cli_opts.h"
#include "config.h"

/* The result: a sequence ready to print or send. */
struct cli_seq {
	struct config_knock k[KW_MAX_SEQ];
	unsigned n;
	int has_open;
	uint16_t open_port;
	int hmac;			/* derived: step and period are set */
	uint64_t step;			/* the HMAC time step derived */
	unsigned period;		/* its seconds */
	int bind_source;		/* the source address is part of msg */
	char bind[ADDR_STRLEN];		/* canonical; "" until known */
};

/* Loads the key, derives s (config, key or static). The bind address, if
 * the door uses one, must already be in s->bind. Returns 0 or a status. */
int cli_seq_build(const struct cli_opts *o, struct cli_seq *s);
/* Prints s as one line to fp: 0 or -1. */
int cli_seq_print(const struct cli_seq *s, FILE *fp);
/* Canonical text of a numeric --bind (already checked by cli_parse). */
void cli_seq_canon(const char *text, char out[ADDR_STRLEN]);

#endif
