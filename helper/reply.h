/*
 * reply.h - the one JSON object the helper writes to stdout, on every path.
 */
#ifndef MT_REPLY_H
#define MT_REPLY_H

#include <jansson.h>

#include "err.h"

/* reply_new - new reference: {"api": 1, "action", "request_id", "ok": true};
 * action and request_id may be NULL (then JSON null). */
json_t *reply_new(const char *action, const char *request_id);

/* reply_fail - mark reply failed with err's code, message, service, endpoint. */
void reply_fail(json_t *reply, const struct mt_err *err);

/* reply_warn - append {"code", "message"} to the reply's "warnings". */
void reply_warn(json_t *reply, const char *code, const char *message);

/* reply_emit - write reply as one line to stdout. Returns 0 or -1. */
int reply_emit(const json_t *reply);

/* reply_fatal_oom - out of memory: write a fixed reply without allocating
 * and exit 1 (code internal). An interrupted change is recovered by the
 * next request. Never returns. */
void reply_fatal_oom(void) __attribute__((noreturn));

#endif
