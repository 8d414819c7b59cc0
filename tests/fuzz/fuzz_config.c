/* fuzz_config.c — libFuzzer target for config.c: each input is written to
 * one temporary file and given to config_load; a loaded config is printed
 * (to /dev/null) and freed, so leaks and bad reads show under ASan. The
 * executable and key-file checks of config_load run against the real file
 * system, which is fine: they only stat. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_path[] = "/tmp/kwfuzz_config.XXXXXX";
static FILE *fz_null;

static void
fz_unlink(void)
{
	unlink(fz_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	log_init(0, 0);
	if ((fd = mkstemp(fz_path)) == -1) {
		perror("mkstemp");
		abort();
	}
	close(fd);
	atexit(fz_unlink);
	if ((fz_null = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct config *c;
	FILE *fp;

	if (size > 65536)
		return 0;
	if ((fp = fopen(fz_path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	err[0] = '\0';
	c = config_load(fz_path, err, sizeof(err));
	if (c == NULL) {
		/* Every refusal says why. */
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	config_print(c, fz_null, 1);
	config_free(c);
	return 0;
}
