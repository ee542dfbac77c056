/*
 * setcore.h - what `set` and `compliance` share: a checked request for
 * floors per service (and endpoint) with a cipher policy, and its
 * application as one transaction.
 */
#ifndef MT_SETCORE_H
#define MT_SETCORE_H

#include <jansson.h>

#include "actions.h"
#include "adapter.h"
#include "txn.h"

#define MAX_FLOOR_KEYS 16

struct svc_request {
	const struct mt_adapter *a;
	int service_floor;
	int raise_only;    /* compliance: never lower an endpoint already above the floor */
	char roles[MAX_FLOOR_KEYS][16];
	int role_floors[MAX_FLOOR_KEYS];
	size_t nroles;
};

struct set_args {
	json_t *floors;
	const char *preset;
	json_t *services;
	int reapply, dry_run, verify;
	const char *restart;
	enum restart_mode restart_mode;
	enum cipher_policy ciphers;
	struct svc_request reqs[TXN_MAX_SERVICES];
	size_t nreqs;
	int ignore_lock;                 /* compliance disable: the lock is being lifted */
	/* before_run - optional: adjust t->state (lock, last request) once the
	 * change is planned; it is saved as part of the change. */
	void (*before_run)(struct txn *t, const struct set_args *s);
	const char *mode;                /* compliance: "enable" / "disable" */
};


/* service_of - the managed adapter a floor key ("dovecot", "postfix/smtp")
 * names, or NULL with unknown_service / service_not_managed. */
const struct mt_adapter *service_of(const struct mt_profile *p, const char *key, struct mt_err *err);

/* request_for - s's request for adapter a, added when absent (borrowed). */
struct svc_request *request_for(struct set_args *s, const struct mt_adapter *a);

/* check_services - a "services" list of known names (NULL is fine). */
int check_services(json_t *services, struct mt_err *err);

/* parse_restart - s->restart to s->restart_mode. */
int parse_restart(struct set_args *s, struct mt_err *err);

/* set_apply - take the lock, recover, plan s's requests, then run the change
 * (or its dry run) and fill the reply. Returns 0 or -1 with err. */
int set_apply(struct mt_ctx *ctx, struct set_args *s, json_t *warnings, struct mt_err *err);

/* compliance_prepare - the requests of compliance s->mode ("enable",
 * "disable") for s->services (NULL: every managed one), with its cipher
 * policy and lock hook. Also the `pci` preset. Returns 0 or -1. */
int compliance_prepare(const struct mt_profile *p, struct set_args *s, struct mt_err *err);

#endif
