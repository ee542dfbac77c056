/*
 * crplan.h - the Courier planner (what `set` writes), and the reader rules
 * of courier.c it shares so that both read the files alike.
 *
 * Owns (crplan.c): turning a floor request into edits of Courier's
 * shell-sourced files: TLS_PRIORITY on a GnuTLS build (one per launcher
 * pair, validated with `gnutls-cli --priority STR -l`); TLS_PROTOCOL,
 * TLS_STARTTLS_PROTOCOL and `@SECLEVEL=0` in TLS_CIPHER_LIST on an OpenSSL
 * build, with the record of what it added in the service's state; and the
 * proof that the planned files mean what was asked (the reader run over
 * them). Must never: write a file, run anything but gnutls-cli, or plan a
 * value it did not generate.
 */
#ifndef MT_CRPLAN_H
#define MT_CRPLAN_H

#include <jansson.h>

#include "adapter.h"
#include "model.h"
#include "shvars.h"

#define CR_PRIORITY_DEFAULT "NORMAL"
#define CR_CIPHERS_DEFAULT "TLSv1:HIGH:!LOW:!MEDIUM:!EXP:!NULL:!aNULL@STRENGTH"
#define CR_NPAIRS 2

/* One launcher pair: the files it sources and the two endpoints it serves. */
struct cr_pair {
	const char *plain_key;       /* profile key of the plain file (imapd) */
	const char *ssl_key;         /* profile key of the -ssl file (imapd-ssl) */
	const char *plain_role;
	const char *ssl_role;
	int plain_port;
	int ssl_port;
	const char *starttls_var;    /* YES/NO switch of STARTTLS on the plain port */
};

/* imapd + imapd-ssl, pop3d + pop3d-ssl. */
extern const struct cr_pair cr_pairs[CR_NPAIRS];

/* cr_priority_floor - the lowest TLS version a GnuTLS priority string
 * enables; -1 when GnuTLS refuses it or it enables none. */
int cr_priority_floor(const char *prio);

/* cr_load_pair - the pair's files in the launchers' order into vars
 * (zeroed by the caller; freed by the caller in every case). Returns 0, 1
 * when the -ssl file is missing (the pair is not installed), -1. */
int cr_load_pair(const struct mt_profile *p, const struct cr_pair *pair, struct shvars *vars,
		 struct mt_err *err);

/* cr_status_from_vars - fill the pair's two endpoints of svc from its
 * variables, as status reads them. */
void cr_status_from_vars(struct mt_service *svc, const struct cr_pair *pair, const struct shvars *vars,
			 const char *ssl_path, int openssl);

/* crplan_floors - the Courier adapter's plan_floors (adapter.h). */
int crplan_floors(const struct mt_profile *p, const struct mt_service *svc,
		  const struct mt_floor_request *req, json_t *state, struct plan *pl,
		  struct mt_err *err);

#endif
