/* config_print.c — prints the loaded configuration for `knockwatch -n`:
 * one line per door, and with -v the settings, sources, users (key
 * fingerprints only) and commands. Never prints a key. */
#include "config.h"
#include "config_check.h"

#include <string.h>
#include <netinet/in.h>

#include <gcrypt.h>

/* Prints s bare when it is unambiguous, else single-quoted, with control
 * bytes as \xHH. */
static void
print_word(FILE *fp, const char *s)
{
	const char *p;

	if (*s != '\0' && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
	    "mnopqrstuvwxyz0123456789_./%:=@+,-")] == '\0') {
		fputs(s, fp);
		return;
	}
	fputc('\'', fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", fp);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, fp);
	}
	fputc('\'', fp);
}

static void
print_argv(FILE *fp, char *const *argv)
{
	int i;

	for (i = 0; argv[i] != NULL; i++) {
		fputc(' ', fp);
		print_word(fp, argv[i]);
	}
}

static void
print_door(const struct config *c, const struct config_door *d, FILE *fp,
    int verbose)
{
	const struct config_hmac *h = &d->hmac;
	const char *sep = "";
	int i;

	fprintf(fp, "door %s: %s", d->name, d->is_hmac ? "hmac" : "static");
	if (d->is_hmac) {
		fputs(" users ", fp);
		for (i = 0; i < h->nusers; i++)
			fprintf(fp, "%s%s", i ? "," : "",
			    c->users[h->users[i]].name);
		fprintf(fp, " length %u range %u-%u period %us skew %u%s %s",
		    h->length, h->lo, h->hi, h->period, h->skew,
		    h->bind_source ? " bind_source" : "",
		    h->udp ? "tcp,udp" : "tcp");
		if (h->has_open)
			fprintf(fp, " open_range %u-%u", h->open_lo,
			    h->open_hi);
	} else
		for (i = 0; i < d->nseq; i++)
			fprintf(fp, " %s/%u", d->seq[i].proto == IPPROTO_UDP ?
			    "udp" : "tcp", d->seq[i].port);
	if (d->has_flags) {
		fputs(" tcp_flags ", fp);
		for (i = 0; config_check_flags[i] != NULL; i++)
			if ((d->flags_set >> i) & 1) {
				fprintf(fp, "%s%s", sep, config_check_flags[i]);
				sep = ",";
			}
		for (i = 0; config_check_flags[i] != NULL; i++)
			if ((d->flags_clear >> i) & 1) {
				fprintf(fp, "%s!%s", sep,
				    config_check_flags[i]);
				sep = ",";
			}
	}
	fprintf(fp, " timeout %us", d->timeout);
	if (d->stop_after > 0)
		fprintf(fp, " stop_after %us", d->stop_after);
	if (d->max_open != CONFIG_MAX_OPEN_DEFAULT)
		fprintf(fp, " max_open %u", d->max_open);
	for (i = 0; i < d->nhosts; i++)
		fprintf(fp, "%s%s", i ? "," : " hosts ", d->hosts[i]);
	fputc('\n', fp);
	if (verbose <= 0)
		return;
	fputs("  start", fp);
	print_argv(fp, d->start.argv);
	fputc('\n', fp);
	if (d->stop.argc > 0) {
		fputs("  stop", fp);
		print_argv(fp, d->stop.argv);
		fputc('\n', fp);
	}
	fprintf(fp, "  cmd_timeout %us\n", d->cmd_timeout);
}

/* One line per door; verbose > 0 adds settings, sources, users (SHA-256
 * fingerprints, never keys) and commands. Writes only to fp. */
void
config_print(const struct config *c, FILE *fp, int verbose)
{
	const struct config_source *s;
	unsigned char md[32];
	int i, j;

	if (verbose > 0) {
		fputs("state_dir ", fp);
		print_word(fp, c->state_dir);
		fprintf(fp, "\nlog %s\nmax_tracked %u max_actions %u "
		    "rotate_grace %us\n", c->log_syslog ? "syslog" : "stderr",
		    c->max_tracked, c->max_actions, c->rotate_grace);
		for (i = 0; i < c->nsources; i++) {
			s = &c->sources[i];
			fputs("source ", fp);
			if (s->kind == CONFIG_SRC_FILE) {
				fputs("file ", fp);
				print_word(fp, s->path);
			} else if (s->kind == CONFIG_SRC_KMSG)
				fputs("kmsg", fp);
			else {
				fputs("command", fp);
				print_argv(fp, s->argv);
			}
			if (s->prefix != NULL) {
				fputs(" prefix ", fp);
				print_word(fp, s->prefix);
			}
			if (s->pattern != NULL) {
				fputs(" pattern ", fp);
				print_word(fp, s->pattern);
			}
			if (s->fleet)
				fputs(" fleet", fp);
			fputs(s->from_start ? " from_start\n" : "\n", fp);
		}
		/* Safe to repeat; the daemon normally initialised it. */
		if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
			gcry_check_version(NULL);
		for (i = 0; i < c->nusers; i++) {
			gcry_md_hash_buffer(GCRY_MD_SHA256, md, c->users[i].key,
			    c->users[i].keylen);
			fprintf(fp, "user %s: key fingerprint ",
			    c->users[i].name);
			for (j = 0; j < 8; j++)
				fprintf(fp, "%02x", md[j]);
			fputc('\n', fp);
			explicit_bzero(md, sizeof(md));
		}
	}
	for (i = 0; i < c->ndoors; i++)
		print_door(c, &c->doors[i], fp, verbose);
}
