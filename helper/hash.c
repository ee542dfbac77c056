/*
 * hash.c - SHA-256 through OpenSSL's one-shot EVP_Digest.
 */
#include "hash.h"

#include <openssl/evp.h>
#include <stdio.h>

void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
		n = 0;
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[n == 0 ? 0 : 64] = '\0';
}
