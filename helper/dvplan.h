/*
 * dvplan.h - the Dovecot planner (what `set` writes), and the few reader
 * rules of dovecot.c it shares so that both read the configuration alike.
 *
 * Owns (dvplan.c): turning a floor request into line edits of the files that
 * decide the effective value (ssl_min_protocol on 2.3+, ssl_protocols on
 * 2.2; ssl_cipher_list where the floor needs `@SECLEVEL=0`, where a list of
 * TLS 1.2-only suites has no cipher for a lower floor (Dovecot's default
 * list instead), or where a preset asks for a list), the record of what it
 * changed in the service's state, and the
 * proof that the planned files mean what was asked (the reader run over
 * them). Must never: write a file, or plan a value it did not generate.
 */
#ifndef MT_DVPLAN_H
#define MT_DVPLAN_H

#include <jansson.h>
#include <stddef.h>

#include "adapter.h"
#include "dvconf.h"
#include "model.h"

#define DV_CIPHERS_23 "ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH"
#define DV_CIPHERS_22 "ALL:!LOW:!SSLv2:!EXP:!aNULL"

/* What one Dovecot version reads, with its defaults. */
struct dv_rules {
	int legacy;                 /* 2.2 and older: ssl_protocols, no ssl_min_protocol */
	const char *min_default;    /* ssl_min_protocol default (2.3+) */
	const char *ciphers_default;
};

/* dv_rules_for - the rules of version string v ("2.3.19.1"; "" unknown:
 * the current 2.3 rules). */
void dv_rules_for(const char *v, struct dv_rules *r);

/* dv_load_conf - the configuration at path with the defaults of r, the
 * overlays (may be NULL) read instead of their files. Returns 0, 1 (no
 * such file) or -1 as dvconf_load_overlay; conf must be freed always. */
int dv_load_conf(const char *path, const struct dv_rules *r, const struct dvconf_overlay *ov,
		 size_t nov, struct dvconf *conf, struct mt_err *err);

/* dv_status_from_conf - fill svc's endpoints from a parsed configuration
 * (svc->version set by the caller), as status reads it. */
void dv_status_from_conf(const struct dvconf *conf, const char *main_path, struct mt_service *svc);

/* dv_is_partial_section - a section path with a local/remote/local_name
 * filter: its settings apply to some connections only. */
int dv_is_partial_section(const char *section);

/* dvplan_floors - the Dovecot adapter's plan_floors (adapter.h). */
int dvplan_floors(const struct mt_profile *p, const struct mt_service *svc,
		  const struct mt_floor_request *req, json_t *state, struct plan *pl,
		  struct mt_err *err);

#endif
