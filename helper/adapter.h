/*
 * adapter.h - the service adapters behind one small table (the shape of
 * OpenSMTPD's table backends). One file per service: postfix.c, dovecot.c,
 * courier.c. The actions (status, capabilities, later set) see services
 * only through this table.
 */
#ifndef MT_ADAPTER_H
#define MT_ADAPTER_H

#include <jansson.h>

#include "err.h"
#include "model.h"
#include "plan.h"
#include "profile.h"

/* Cipher policy a preset asks for, on top of the floor. */
enum cipher_policy {
	CIPHERS_KEEP,          /* only what the floor needs (e.g. @SECLEVEL=0 below TLSv1.2) */
	CIPHERS_INTERMEDIATE,  /* Mozilla's intermediate list */
	CIPHERS_STRONG,        /* compliance (PCI): strong ciphers only */
	CIPHERS_LEGACY,        /* what Windows 7 era clients need, at security level 0 */
	CIPHERS_RESTORE        /* compliance disable: every cipher setting recorded in the
				* state goes back to its previous value */
};

/* What a `set` asks of one service. Floors are enum tlsver values;
 * TLSVER_NONE means "not asked". An endpoint floor wins over the service
 * floor for that endpoint. */
struct mt_floor_request {
	int service_floor;
	int endpoint_floor[MT_MAX_ENDPOINTS];  /* indexed like svc->endpoints */
	enum cipher_policy ciphers;
};

struct mt_adapter {
	const char *name;

	/* installed - 1 when the service's configuration exists on this host. */
	int (*installed)(const struct mt_profile *p);

	/* version_binary - the profile's binary whose identity (dev, ino, size,
	 * mtime) keys the cached software version; borrowed. */
	const char *(*version_binary)(const struct mt_profile *p);

	/* query_version - run the software to learn its version (15-20 ms:
	 * callers cache it). Writes "" when unknown. Returns 0 or -1. */
	int (*query_version)(const struct mt_profile *p, char *buf, size_t size,
			     struct mt_err *err);

	/* tls_binary - optional: the binary whose identity keys the cached TLS
	 * library (Courier: couriertls); NULL means version_binary. */
	const char *(*tls_binary)(const struct mt_profile *p);

	/* query_tls_library - "openssl" or "gnutls" (Courier: from what
	 * couriertls links). Writes "" when unknown. Returns 0 or -1. */
	int (*query_tls_library)(const struct mt_profile *p, char *buf, size_t size,
				 struct mt_err *err);

	/* read_status - fill svc's endpoints from the configuration files.
	 * svc->name, installed, version and tls_library are set by the caller
	 * before the call. Returns 0 or -1 (unsafe_file, io_error). */
	int (*read_status)(const struct mt_profile *p, struct mt_service *svc,
			   struct mt_err *err);

	/* plan_floors - record in pl the edits that give every endpoint of svc
	 * (the current status, from read_status) the floor req asks for, plus
	 * what the floor needs to work (e.g. @SECLEVEL=0). state is this
	 * service's own record in mail-tls's state (borrowed object, never NULL):
	 * the planner reads what earlier changes added and updates it to what
	 * this change leaves, so that raising a floor removes exactly what was
	 * added. Returns 0, or -1 with unsupported_floor (a floor the software
	 * cannot express: the error names the endpoint) or a file error. */
	int (*plan_floors)(const struct mt_profile *p, const struct mt_service *svc,
			   const struct mt_floor_request *req, json_t *state, struct plan *pl,
			   struct mt_err *err);

	/* restart_on_auto - 1 when a reload does not apply a change and
	 * restart "auto" must stop and start the service (Courier). */
	int restart_on_auto;
};

extern const struct mt_adapter postfix_adapter;
extern const struct mt_adapter dovecot_adapter;
extern const struct mt_adapter courier_adapter;

/* adapter_find - the adapter for a service name, or NULL. */
const struct mt_adapter *adapter_find(const char *name);

/* adapters - the table, NULL-terminated, in reply order. */
extern const struct mt_adapter *const adapters[];

#endif
