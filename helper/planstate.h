/*
 * planstate.h - the records a planner keeps in its service's state about
 * settings mail-tls changed: state[kind] is an array of {file, section?,
 * previous, written} ("previous" null when mail-tls created the line), so
 * that raising a floor or disabling compliance puts back exactly what was
 * there. Shared by the Dovecot and Courier planners.
 */
#ifndef MT_PLANSTATE_H
#define MT_PLANSTATE_H

#include <jansson.h>
#include <stddef.h>

/* planstate_find - the record of (file, section) in state[kind] and its
 * index, or NULL. section "" means none. Borrowed. */
json_t *planstate_find(json_t *state, const char *kind, const char *file, const char *section,
		       size_t *idx);

/* planstate_drop - remove state[kind][idx]; the key goes with its last record. */
void planstate_drop(json_t *state, const char *kind, size_t idx);

/* planstate_previous - new reference: the value (file, section) held
 * before mail-tls changed it (from a cipher_policy or cipher_list record),
 * else now (JSON null when now is NULL: the setting is absent). */
json_t *planstate_previous(json_t *state, const char *file, const char *section, const char *now);

/* planstate_set - record in state[kind] that (file, section) held previous
 * (stolen) and now holds written, replacing an older record. Returns 0 or
 * -1 (out of memory). */
int planstate_set(json_t *state, const char *kind, const char *file, const char *section,
		  json_t *previous, const char *written);

#endif
