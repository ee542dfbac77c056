/*
 * txn.h - a change as a transaction (DESIGN.md §3): journal the originals,
 * write each file atomically, run the services' checkers, reload or
 * restart, commit; any failure after the first write restores every file
 * byte for byte and reloads again. The caller holds the lock and has
 * planned and rendered the change.
 */
#ifndef MT_TXN_H
#define MT_TXN_H

#include <jansson.h>

#include "adapter.h"
#include "err.h"
#include "plan.h"
#include "profile.h"
#include "vcache.h"

#define TXN_MAX_SERVICES 3

enum restart_mode { RESTART_AUTO, RESTART_RELOAD, RESTART_RESTART, RESTART_NONE };

struct txn_service {
	const struct mt_adapter *a;
	struct mt_service *svc;     /* owned: the status before the change */
	json_t *commands;           /* owned: [{argv, exit, ms}] run for this service */
	int applied;                /* reloaded or restarted by this change */
};

struct txn {
	const struct mt_profile *p;
	struct vcache *vc;
	const char *state_dir;
	struct txn_service svcs[TXN_MAX_SERVICES];
	size_t nsvcs;
	struct plan plan;           /* owned */
	json_t *state;              /* owned: state.json as the change leaves it */
	char *state_text;           /* owned: state.json as it was (restored on failure) */
	enum restart_mode restart;
	int verify;                 /* probe the changed endpoints before committing */
	json_t *warnings;           /* owned: [{code, message}] for the reply */
};

/* txn_init - an empty transaction for profile p; loads state.json.
 * Returns 0 or -1. */
int txn_init(struct txn *t, const struct mt_profile *p, struct vcache *vc, struct mt_err *err);

/* txn_add_service - describe service a (status before) and take part.
 * Borrowed pointer to its entry, or NULL with an error. */
struct txn_service *txn_add_service(struct txn *t, const struct mt_adapter *a,
				    struct mt_err *err);

/* txn_run - journal, write, check, apply, commit. record (borrowed) holds
 * action, actor and request for the journal and the audit log. Fills reply
 * with change_id and services[]. Returns 0, or -1 with err (the files are
 * then as before, or rollback_failed says what to restore by hand). */
int txn_run(struct txn *t, json_t *record, json_t *reply, struct mt_err *err);

/* txn_dry_run - the reply of a dry run: services[] with before, the
 * planned floors as after, and a diff per file. Nothing is written. */
void txn_dry_run(struct txn *t, json_t *planned_after, json_t *reply);

/* txn_free - release everything t owns. */
void txn_free(struct txn *t);

/* txn_effective_map - new reference: {role: effective} of svc. */
json_t *txn_effective_map(const struct mt_service *svc);

/* txn_recover - finish or undo a change an earlier request left open, and
 * reload the services it touched (warning `recovered` added to warnings).
 * Returns 0 or -1 (rollback_failed). */
int txn_recover(const struct mt_profile *p, const char *state_dir, json_t *warnings,
		struct mt_err *err);

#endif
