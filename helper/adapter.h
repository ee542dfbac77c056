/*
 * adapter.h - the service adapters behind one small table (the shape of
 * OpenSMTPD's table backends). One file per service: postfix.c, dovecot.c,
 * courier.c. The actions (status, capabilities, later set) see services
 * only through this table.
 */
#ifndef MT_ADAPTER_H
#define MT_ADAPTER_H

#include "err.h"
#include "model.h"
#include "profile.h"

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

	/* query_tls_library - "openssl" or "gnutls" (Courier: from what
	 * couriertls links). Writes "" when unknown. Returns 0 or -1. */
	int (*query_tls_library)(const struct mt_profile *p, char *buf, size_t size,
				 struct mt_err *err);

	/* read_status - fill svc's endpoints from the configuration files.
	 * svc->name, installed, version and tls_library are set by the caller
	 * before the call. Returns 0 or -1 (unsafe_file, io_error). */
	int (*read_status)(const struct mt_profile *p, struct mt_service *svc,
			   struct mt_err *err);
};

extern const struct mt_adapter postfix_adapter;
extern const struct mt_adapter dovecot_adapter;
extern const struct mt_adapter courier_adapter;

/* adapter_find - the adapter for a service name, or NULL. */
const struct mt_adapter *adapter_find(const char *name);

/* adapters - the table, NULL-terminated, in reply order. */
extern const struct mt_adapter *const adapters[];

#endif
