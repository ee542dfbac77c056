/*
 * act_status.c - per service and endpoint: the configured floor, the
 * effective floor, the settings that decide them, and warnings. Reads the
 * configuration files only; runs nothing on a warm software cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "adapter.h"
#include "reply.h"
#include "service.h"
#include "probe.h"
#include "state.h"
#include "tlsver.h"

/* mark_drift - a warning on each endpoint whose effective floor is no longer
 * the one mail-tls last applied (someone else changed the files). */
static void mark_drift(struct mt_service *svc, json_t *svc_state)
{
	json_t *applied = json_object_get(svc_state, "applied");
	const char *want;

	for (size_t i = 0; i < svc->nendpoints; i++) {
		struct mt_endpoint *ep = &svc->endpoints[i];

		want = json_string_value(json_object_get(applied, ep->role));
		if (want != NULL && strcmp(want, tlsver_name(ep->effective)) != 0)
			model_warn(ep, "drift", "mail-tls last applied %s here; the configuration now gives %s "
				   "(changed outside mail-tls; `set` with \"reapply\": true puts it back)",
				   want, tlsver_name(ep->effective));
	}
}

/* add_live - each endpoint's "live": the lowest version the probe got
 * accepted ("none": none), where the profile could probe it. */
static void add_live(json_t *entry, const char *service, const struct probe_result *res)
{
	char name[48];
	size_t i;
	json_t *ep;
	int lowest;

	json_array_foreach(json_object_get(entry, "endpoints"), i, ep) {
		snprintf(name, sizeof(name), "%s/%s", service,
			 json_string_value(json_object_get(ep, "endpoint")));
		lowest = probe_lowest(res, name);
		if (lowest != PROBE_NOT_PROBED)
			json_object_set_new(ep, "live", json_string(tlsver_name(lowest)));
	}
}

int act_status(struct mt_ctx *ctx, struct mt_err *err)
{
	json_t *services = json_array();
	struct mt_service *svc = malloc(sizeof(*svc));
	struct mt_err serr = { 0 };
	json_t *state = state_load(profile_str(ctx->profile, NULL, "state_dir"), &serr);
	json_t *svc_state;
	struct probe_result probed = { 0 };
	int live = 0;
	int rc = -1;
	json_t *entry;

	if (svc == NULL)
		reply_fatal_oom();
	if (request_unpack(ctx->req->params, err, "{s?b}", "live", &live) != 0)
		goto out;
	if (live && probe_endpoints(ctx->profile, NULL, 0, PROBE_TIMEOUT_DEFAULT, PROBE_DEADLINE_DEFAULT,
				    &probed, err) != 0)
		goto out;
	for (size_t i = 0; adapters[i] != NULL; i++) {
		if (!profile_manages(ctx->profile, adapters[i]->name))
			continue;
		if (service_describe(ctx->profile, adapters[i], ctx->vcache, 1, svc, err) != 0)
			goto out;
		svc_state = json_object_get(json_object_get(state, "services"), adapters[i]->name);
		mark_drift(svc, svc_state);
		entry = model_status_json(svc);
		json_object_set_new(entry, "compliance", json_boolean(json_is_true(json_object_get(
			json_object_get(svc_state, "compliance"), "locked"))));
		if (live)
			add_live(entry, adapters[i]->name, &probed);
		json_array_append_new(services, entry);
	}
	json_object_set_new(ctx->reply, "profile", json_string(profile_name(ctx->profile)));
	json_object_set_new(ctx->reply, "services", services);
	services = NULL;
	rc = 0;
out:
	if (state == NULL && rc == 0)
		reply_warn(ctx->reply, "state_unreadable", serr.message);
	probe_result_free(&probed);
	json_decref(state);
	json_decref(services);
	free(svc);
	return rc;
}
