/* hash.h — SipHash-2-4 keyed with random bytes, so forged source addresses
 * cannot be chosen to collide in the tracking table. */
#ifndef KW_HASH_H
#define KW_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_key {
	uint64_t k0, k1;
};

/* Fills key from libgcrypt's nonce generator. */
void hash_key_random(struct hash_key *key);
uint64_t hash_bytes(const struct hash_key *key, const void *data, size_t len);

#endif
