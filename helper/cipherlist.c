/*
 * cipherlist.c - a cipher list's lowest usable TLS version, by building it
 * in a throw-away SSL_CTX (OpenSSL's own parser, no handshake).
 */
#include "cipherlist.h"

#include <openssl/ssl.h>

#include "model.h"
#include "tlsver.h"

/* version_of - the tlsver of the protocol a cipher needs at least, from
 * SSL_CIPHER_get_version ("SSLv3" ciphers serve TLS 1.0 and up). */
static int version_of(const char *name)
{
	int v = tlsver_parse(name);

	if (v >= 0)
		return v;
	return name[0] == 'S' ? TLSVER_1_0 : TLSVER_1_3;
}

int cipherlist_lowest(const char *list)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	STACK_OF(SSL_CIPHER) *ciphers;
	int lowest = CIPHERLIST_INVALID, v;

	if (ctx == NULL)
		return TLSVER_1_0;   /* cannot tell: claim nothing */
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_cipher_list(ctx, list) == 1) {
		lowest = TLSVER_1_3;
		ciphers = SSL_CTX_get_ciphers(ctx);
		for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); i++) {
			v = version_of(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(ciphers, i)));
			if (v < lowest)
				lowest = v;
		}
	}
	SSL_CTX_free(ctx);
	return lowest;
}

int cipherlist_raise(struct mt_endpoint *ep, const char *key, const char *list, int floor,
		     int invalid_means)
{
	int lowest;

	if (!tlsver_is_version(floor) || list == NULL)
		return floor;
	lowest = cipherlist_lowest(list);
	if (lowest == CIPHERLIST_INVALID) {
		model_warn(ep, "invalid_value", "%s matches no cipher OpenSSL knows: %s", key,
			   invalid_means == TLSVER_NONE ? "TLS cannot start on this endpoint"
							: "only TLS 1.3, whose suites are set apart, works");
		return invalid_means;
	}
	if (lowest <= floor)
		return floor;
	model_warn(ep, "ciphers_block_floor", "%s has no cipher for %s (TLS 1.2-only suites): clients "
		   "need %s or newer", key, tlsver_name(floor), tlsver_name(lowest));
	return lowest;
}
