/*
 * hash.h - SHA-256 of file contents, as lowercase hex (journal, drift).
 */
#ifndef MT_HASH_H
#define MT_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 65

/* hash_sha256_hex - the digest of len bytes into out (64 hex digits + NUL). */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN]);

#endif
