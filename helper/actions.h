/*
 * actions.h - the actions of protocol v1 and what each one is given.
 * One file per action (act_<name>.c); each validates its own parameters
 * strictly, then adds its results to the reply.
 */
#ifndef MT_ACTIONS_H
#define MT_ACTIONS_H

#include <jansson.h>

#include "err.h"
#include "profile.h"
#include "request.h"
#include "vcache.h"

struct mt_ctx {
	const struct mt_profile *profile;
	struct vcache *vcache;
	struct mt_request *req;
	json_t *reply;        /* borrowed: the action adds its fields */
};

/* actions_run - run req->action. Returns 0, or -1 with err set (the reply
 * may already hold partial results, which main discards). */
int actions_run(struct mt_ctx *ctx, struct mt_err *err);

int act_capabilities(struct mt_ctx *ctx, struct mt_err *err);
int act_status(struct mt_ctx *ctx, struct mt_err *err);
int act_set(struct mt_ctx *ctx, struct mt_err *err);
int act_history(struct mt_ctx *ctx, struct mt_err *err);
int act_rollback(struct mt_ctx *ctx, struct mt_err *err);
int act_compliance(struct mt_ctx *ctx, struct mt_err *err);
int act_probe(struct mt_ctx *ctx, struct mt_err *err);
int act_diagnose(struct mt_ctx *ctx, struct mt_err *err);

#endif
