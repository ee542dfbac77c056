/*
 * act_status.c - per service and endpoint: the configured floor, the
 * effective floor, the settings that decide them, and warnings. Reads the
 * configuration files only; runs nothing on a warm software cache.
 */
#include <stdlib.h>

#include "actions.h"
#include "adapter.h"
#include "reply.h"
#include "service.h"

int act_status(struct mt_ctx *ctx, struct mt_err *err)
{
	json_t *services = json_array();
	struct mt_service *svc = malloc(sizeof(*svc));
	int live = 0;
	int rc = -1;
	json_t *entry;

	if (svc == NULL)
		reply_fatal_oom();
	if (request_unpack(ctx->req->params, err, "{s?b}", "live", &live) != 0)
		goto out;
	if (live) {
		mt_err_set(err, "bad_request", "\"live\": true needs the probe, which mail-tls-helper %s does not have yet",
			   MT_VERSION);
		goto out;
	}
	for (size_t i = 0; adapters[i] != NULL; i++) {
		if (!profile_manages(ctx->profile, adapters[i]->name))
			continue;
		if (service_describe(ctx->profile, adapters[i], ctx->vcache, 1, svc, err) != 0)
			goto out;
		entry = model_status_json(svc);
		json_object_set_new(entry, "compliance", json_false());
		json_array_append_new(services, entry);
	}
	json_object_set_new(ctx->reply, "profile", json_string(profile_name(ctx->profile)));
	json_object_set_new(ctx->reply, "services", services);
	services = NULL;
	rc = 0;
out:
	json_decref(services);
	free(svc);
	return rc;
}
