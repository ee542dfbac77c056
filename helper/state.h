/*
 * state.h - mail-tls's own record in state_dir/state.json: per service the
 * floors it last applied, what planners added (to remove it again), and
 * the compliance lock. Written atomically, as part of a change.
 */
#ifndef MT_STATE_H
#define MT_STATE_H

#include <jansson.h>

#include "err.h"

/* state_load - new reference: the state ({"services": {}} when absent).
 * NULL with an error when the file is unsafe or not valid JSON. */
json_t *state_load(const char *state_dir, struct mt_err *err);

/* state_save - write state atomically (root, 0600). Returns 0 or -1. */
int state_save(const char *state_dir, json_t *state, struct mt_err *err);

/* state_service - borrowed: state.services[name], created when absent. */
json_t *state_service(json_t *state, const char *name);

/* state_service_part - borrowed: state.services[name][part] (an object),
 * created when absent. */
json_t *state_service_part(json_t *state, const char *name, const char *part);

#endif
