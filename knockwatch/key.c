/* key.c — turns a user's hex key text into bytes; shared by the config
 * loader and the client. Never prints or logs what it decodes. */
#include "key.h"

#include <string.h>

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum key_result
key_from_hex(const char *s, size_t len, unsigned char key[KW_MAX_KEY],
    size_t *keylen, size_t *bad)
{
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) == -1) {
			*bad = i;
			return KEY_BADCHAR;
		}
	if (len % 2)
		return KEY_ODD;
	if (len / 2 < KW_MIN_KEY)
		return KEY_SHORT;
	if (len / 2 > KW_MAX_KEY)
		return KEY_LONG;
	for (size_t i = 0; i < len / 2; i++)
		key[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
		    hexval(s[2 * i + 1]));
	*keylen = len / 2;
	return KEY_OK;
}
