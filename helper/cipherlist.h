/*
 * cipherlist.h - what an OpenSSL cipher list allows, asked of OpenSSL
 * itself: a list of TLS 1.2-only ciphers (Mozilla's intermediate list)
 * makes TLS 1.0/1.1 impossible whatever the protocol floor says.
 */
#ifndef MT_CIPHERLIST_H
#define MT_CIPHERLIST_H

#define CIPHERLIST_INVALID (-2)   /* OpenSSL matches no cipher: TLS setup fails */

/* cipherlist_lowest - the lowest TLS version that at least one cipher of
 * the OpenSSL cipher list can be used with (TLSv1.3 when it leaves none
 * for TLS 1.2 and below; its own suites are configured apart), or
 * CIPHERLIST_INVALID. Security levels are not judged here. */
int cipherlist_lowest(const char *list);

struct mt_endpoint;

#include <jansson.h>

/* cipherlist_attach_cache - remember answers across runs in section (a
 * borrowed object of the software cache, keyed by the OpenSSL version that
 * gave them); *dirty is set when an answer is added. Without it every run
 * asks OpenSSL, whose start-up costs more than a whole warm `status`. */
void cipherlist_attach_cache(json_t *section, int *dirty);

/* cipherlist_raise - the floor a client really meets once key's cipher list
 * (list, as the service reads it) is applied to a floor below TLSv1.2
 * (higher floors are returned as they are): unchanged, raised to
 * the lowest version the list has ciphers for (warning ciphers_block_floor),
 * or invalid_means when OpenSSL matches no cipher at all (warning
 * invalid_value; what the daemon then does differs: Dovecot and Postfix
 * start no TLS, Courier ignores the error and only TLS 1.3 works). */
int cipherlist_raise(struct mt_endpoint *ep, const char *key, const char *list, int floor,
		     int invalid_means);

#endif
