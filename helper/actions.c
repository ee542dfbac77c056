/*
 * actions.c - dispatch of an action name to its implementation.
 */
#include "actions.h"

#include <string.h>

struct action_entry {
	const char *name;
	int (*run)(struct mt_ctx *ctx, struct mt_err *err);
};

static const struct action_entry table[] = {
	{ "capabilities", act_capabilities },
	{ "status", act_status },
	{ "set", act_set },
	{ "rollback", act_rollback },
	{ "history", act_history },
	{ "compliance", act_compliance },
	{ "diagnose", act_diagnose },
	{ "probe", act_probe },
	{ NULL, NULL },
};

int actions_run(struct mt_ctx *ctx, struct mt_err *err)
{
	for (const struct action_entry *a = table; a->name != NULL; a++)
		if (strcmp(a->name, ctx->req->action) == 0)
			return a->run(ctx, err);
	mt_err_set(err, "unknown_action", "action \"%s\" is part of protocol v1 but not available in mail-tls-helper %s",
		   ctx->req->action, MT_VERSION);
	return -1;
}
