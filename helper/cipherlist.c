/*
 * cipherlist.c - a cipher list's lowest usable TLS version, by building it
 * in a throw-away SSL_CTX (OpenSSL's own parser, no handshake).
 */
#include "cipherlist.h"

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

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

#define MEMO_SIZE 8

/* One context for every question of a run (building one costs more than
 * the question), and the last answers: a status asks about the same few
 * lists for every endpoint. */
static SSL_CTX *shared_ctx;
static struct { char *list; int lowest; } memo[MEMO_SIZE];
static size_t memo_next;
static json_t *cache;          /* borrowed: the software cache's section */
static int *cache_dirty;

#define CACHE_MAX 64

void cipherlist_attach_cache(json_t *section, int *dirty)
{
	cache = section;
	cache_dirty = dirty;
}

static void release(void)
{
	SSL_CTX_free(shared_ctx);
	shared_ctx = NULL;
	for (size_t i = 0; i < MEMO_SIZE; i++) {
		free(memo[i].list);
		memo[i].list = NULL;
	}
}

/* ask_openssl - the answer for list from the shared context. */
static int ask_openssl(const char *list)
{
	STACK_OF(SSL_CIPHER) *ciphers;
	int lowest = TLSVER_1_3, v;

	if (shared_ctx == NULL) {
		/* The system's openssl.cnf cannot change what a given list
		 * contains, and reading it is most of OpenSSL's start-up cost. */
		OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
		shared_ctx = SSL_CTX_new(TLS_method());
		if (shared_ctx == NULL)
			return TLSVER_1_0;   /* cannot tell: claim nothing */
	}
	SSL_CTX_set_security_level(shared_ctx, 0);
	if (SSL_CTX_set_cipher_list(shared_ctx, list) != 1)
		return CIPHERLIST_INVALID;
	ciphers = SSL_CTX_get_ciphers(shared_ctx);
	for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); i++) {
		v = version_of(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(ciphers, i)));
		if (v < lowest)
			lowest = v;
	}
	return lowest;
}

int cipherlist_lowest(const char *list)
{
	size_t slot;

	for (size_t i = 0; i < MEMO_SIZE; i++)
		if (memo[i].list != NULL && strcmp(memo[i].list, list) == 0)
			return memo[i].lowest;
	if (memo_next == 0)
		atexit(release);
	slot = memo_next++ % MEMO_SIZE;
	free(memo[slot].list);
	memo[slot].list = strdup(list);
	if (json_is_integer(json_object_get(cache, list))) {
		memo[slot].lowest = (int)json_integer_value(json_object_get(cache, list));
	} else {
		memo[slot].lowest = ask_openssl(list);
		if (cache != NULL && json_object_size(cache) < CACHE_MAX &&
		    json_object_set_new(cache, list, json_integer(memo[slot].lowest)) == 0)
			*cache_dirty = 1;
	}
	return memo[slot].lowest;
}

int cipherlist_raise(struct mt_endpoint *ep, const char *key, const char *list, int floor,
		     int invalid_means)
{
	int lowest;

	/* Cipher lists only restrict TLS 1.2 and below, and TLS 1.2 has the
	 * suites every list keeps: below TLSv1.2 is where they matter (and
	 * asking OpenSSL costs a context, which `status` should not pay for
	 * nothing). */
	if (!tlsver_is_version(floor) || floor >= TLSVER_1_2 || list == NULL)
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
