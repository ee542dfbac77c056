/*
 * act_history.c - `history`: the journal's changes, newest first, with
 * their before/after floors keyed service/role. Reads only.
 */
#include <stdio.h>

#include "actions.h"
#include "journal.h"

#define HISTORY_DEFAULT 20

/* flat_map - new reference: {service: {role: v}} as {"service/role": v}. */
static json_t *flat_map(json_t *maps)
{
	json_t *flat = json_object();
	const char *service, *role;
	json_t *roles, *v;
	char key[64];

	json_object_foreach(maps, service, roles)
		json_object_foreach(roles, role, v) {
			snprintf(key, sizeof(key), "%s/%s", service, role);
			json_object_set(flat, key, v);
		}
	return flat;
}

/* row - new reference: one history row from a manifest. */
static json_t *row(json_t *m)
{
	json_t *r = json_pack("{s:O?, s:O?, s:O?, s:O?, s:o, s:o, s:O?, s:O?}", "change_id",
			      json_object_get(m, "change_id"), "time", json_object_get(m, "time"),
			      "actor", json_object_get(m, "actor"), "action", json_object_get(m, "action"),
			      "before", flat_map(json_object_get(m, "before")), "after",
			      flat_map(json_object_get(m, "after")), "outcome",
			      json_object_get(m, "outcome"), "state", json_object_get(m, "state"));

	if (json_object_get(m, "rolls_back") != NULL)
		json_object_set(r, "rolls_back", json_object_get(m, "rolls_back"));
	return r;
}

int act_history(struct mt_ctx *ctx, struct mt_err *err)
{
	json_int_t limit = HISTORY_DEFAULT;
	json_t *list, *m, *changes;
	size_t i;

	if (request_unpack(ctx->req->params, err, "{s?I}", "limit", &limit) != 0)
		return -1;
	if (limit < 1 || limit > JOURNAL_KEEP) {
		mt_err_set(err, "bad_request", "\"limit\" must be 1 to %d", JOURNAL_KEEP);
		return -1;
	}
	list = journal_list(profile_str(ctx->profile, NULL, "state_dir"));
	changes = json_array();
	json_array_foreach(list, i, m)
		if ((json_int_t)i < limit)
			json_array_append_new(changes, row(m));
	json_decref(list);
	json_object_set_new(ctx->reply, "changes", changes);
	return 0;
}
