/*
 * act_rollback.c - `rollback`: restore the files of one change (change_id,
 * or "last": the newest committed change) as they were before it, as a new
 * change of its own. Refused with rollback_conflict when a file no longer
 * holds what that change wrote (a later change or someone else touched it).
 */
#include <string.h>

#include "actions.h"
#include "hash.h"
#include "journal.h"
#include "lock.h"
#include "reply.h"
#include "state.h"
#include "txn.h"

/* find_change - new reference: the manifest to roll back. */
static json_t *find_change(const char *state_dir, const char *id, struct mt_err *err)
{
	json_t *list, *m, *found = NULL;
	size_t i;

	if (strcmp(id, "last") != 0)
		found = journal_load(state_dir, id, err);
	else {
		list = journal_list(state_dir);
		json_array_foreach(list, i, m)
			if (found == NULL && json_is_string(json_object_get(m, "state")) &&
			    strcmp(json_string_value(json_object_get(m, "state")), "committed") == 0)
				found = json_incref(m);
		json_decref(list);
		if (found == NULL)
			mt_err_set(err, "unknown_change", "the journal holds no committed change");
	}
	if (found != NULL && strcmp(json_string_value(json_object_get(found, "state")) ?: "", "committed") != 0) {
		mt_err_set(err, "unknown_change", "change %s was not committed (%s): nothing to roll back", id,
			   json_string_value(json_object_get(found, "state")) ?: "?");
		json_decref(found);
		return NULL;
	}
	return found;
}

/* add_services - every service whose files the change touched. */
static int add_services(struct txn *t, json_t *m, struct mt_err *err)
{
	json_t *file;
	size_t i;
	const struct mt_adapter *a;

	json_array_foreach(json_object_get(m, "files"), i, file) {
		a = adapter_find(json_string_value(json_object_get(file, "service")) ?: "");
		if (a == NULL)
			continue;
		for (size_t k = 0; a != NULL && k < t->nsvcs; k++)
			if (t->svcs[k].a == a)
				a = NULL;
		if (a != NULL && txn_add_service(t, a, err) == NULL)
			return -1;
	}
	return 0;
}

/* plan_restore - each file back to its original, if it still holds what
 * the change wrote. */
static int plan_restore(struct txn *t, json_t *m, struct mt_err *err)
{
	const char *id = json_string_value(json_object_get(m, "change_id"));
	const char *state_dir = t->state_dir;
	char now[HASH_HEX_LEN];
	struct safefile orig;
	struct plan_file *f;
	json_t *file;
	size_t i;
	int rc;

	json_array_foreach(json_object_get(m, "files"), i, file) {
		f = plan_file(&t->plan, json_string_value(json_object_get(file, "service")) ?: "",
			      json_string_value(json_object_get(file, "path")) ?: "", err);
		if (f == NULL)
			return -1;
		hash_sha256_hex(f->before.data ? f->before.data : "", f->before.len, now);
		if (json_is_true(json_object_get(file, "removed")) ? f->existed
		    : (!f->existed || strcmp(now, json_string_value(json_object_get(file, "sha256_after")) ?: "") != 0)) {
			mt_err_set(err, "rollback_conflict", "%s changed after change %s: not rolled back", f->path, id);
			return -1;
		}
		if (!json_is_true(json_object_get(file, "existed"))) {
			rc = plan_set_text(f, "", 0, 1, err);
		} else {
			if (journal_original(state_dir, id, file, &orig, err) != 0)
				return -1;
			rc = plan_set_text(f, orig.data, orig.len, 0, err);
			safefile_free(&orig);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* restore_state - the services' state as it was before the change. */
static void restore_state(struct txn *t, json_t *m)
{
	const char *name;
	json_t *v;

	json_object_foreach(json_object_get(m, "state_before"), name, v)
		json_object_set(json_object_get(t->state, "services"), name, v);
}

/* run - under the lock: plan the restore and apply it (or show it). */
static int run(struct mt_ctx *ctx, const char *id, int dry_run, json_t *warnings, struct mt_err *err)
{
	const char *state_dir = profile_str(ctx->profile, NULL, "state_dir");
	json_t *m = find_change(state_dir, id, err);
	json_t *record = NULL, *planned = json_object();
	struct txn t;
	int rc = -1;

	if (m == NULL || txn_init(&t, ctx->profile, ctx->vcache, err) != 0) {
		json_decref(m);
		json_decref(planned);
		return -1;
	}
	if (add_services(&t, m, err) != 0 || plan_restore(&t, m, err) != 0)
		goto out;
	restore_state(&t, m);
	for (size_t i = 0; i < t.nsvcs; i++)
		json_object_set(planned, t.svcs[i].a->name,
				json_object_get(json_object_get(m, "before"), t.svcs[i].a->name));
	if (dry_run) {
		txn_dry_run(&t, planned, ctx->reply);
		rc = 0;
		goto out;
	}
	record = json_pack("{s:s, s:s, s:O, s:O}", "action", "rollback", "actor",
			   ctx->req->actor[0] ? ctx->req->actor : "unknown", "request", ctx->req->params,
			   "rolls_back", json_object_get(m, "change_id"));
	rc = txn_run(&t, record, ctx->reply, err);
	if (rc == 0)
		json_object_set(ctx->reply, "rolls_back", json_object_get(m, "change_id"));
out:
	(void)warnings;
	json_decref(record);
	json_decref(planned);
	json_decref(m);
	txn_free(&t);
	return rc;
}

int act_rollback(struct mt_ctx *ctx, struct mt_err *err)
{
	const char *state_dir = profile_str(ctx->profile, NULL, "state_dir");
	const char *id = NULL;
	json_t *warnings = json_array();
	size_t i;
	json_t *w;
	int dry_run = 0, lock, rc = -1;

	if (request_unpack(ctx->req->params, err, "{s:s, s?b}", "change_id", &id, "dry_run", &dry_run) != 0) {
		json_decref(warnings);
		return -1;
	}
	lock = lock_acquire(state_dir, profile_ms(ctx->profile, "lock_wait_ms", LOCK_WAIT_DEFAULT_MS), err);
	if (lock >= 0 && txn_recover(ctx->profile, state_dir, warnings, err) == 0)
		rc = run(ctx, id, dry_run, warnings, err);
	json_array_foreach(warnings, i, w)
		reply_warn(ctx->reply, json_string_value(json_object_get(w, "code")),
			   json_string_value(json_object_get(w, "message")));
	json_decref(warnings);
	lock_release(lock);
	return rc;
}
