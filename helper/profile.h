/*
 * profile.h - the host profile: where every path and command comes from.
 *
 * Never from the request. Built-in profiles (plesk, debian) or a JSON file
 * checked for ownership and mode (the file and every parent directory).
 * The profile is validated strictly when loaded: unknown keys, relative
 * paths, ".." components and over-long values are refused with bad_profile,
 * so accessors return values that are known to be well-formed.
 * Missing optional keys are filled with the defaults of the built-in
 * binaries, so accessors need no fallbacks.
 */
#ifndef MT_PROFILE_H
#define MT_PROFILE_H

#include <jansson.h>

#include "err.h"

#define PROFILE_FILE_MAX (64u << 10)

struct mt_profile {
	json_t *root;      /* owned, validated, defaults filled */
};

/* profile_load_builtin - "plesk" or "debian". Returns 0 or -1 (bad_profile). */
int profile_load_builtin(struct mt_profile *p, const char *name, struct mt_err *err);

/* profile_load_file - a profile file, after the ownership and mode checks of
 * the file (on the open fd) and of every parent directory. Returns 0 or -1
 * with unsafe_file or bad_profile. */
int profile_load_file(struct mt_profile *p, const char *path, struct mt_err *err);

/* profile_load_json - validate a parsed profile (steals root). Used by the
 * two loaders above and by tests. Returns 0 or -1 with bad_profile. */
int profile_load_json(struct mt_profile *p, json_t *root, struct mt_err *err);

/* profile_free - release p (may be zeroed). */
void profile_free(struct mt_profile *p);

/* profile_name - the profile's "name"; borrowed. */
const char *profile_name(const struct mt_profile *p);

/* profile_manages - 1 when the profile has a section for service. */
int profile_manages(const struct mt_profile *p, const char *service);

/* profile_str - a string value; service NULL for a top-level key (state_dir).
 * Borrowed; NULL when absent. */
const char *profile_str(const struct mt_profile *p, const char *service, const char *key);

/* profile_list - an array value (logs, pidfiles); borrowed; NULL when absent. */
json_t *profile_list(const struct mt_profile *p, const char *service, const char *key);

/* profile_cmds - a command key (check, reload, start, stop, restart) as an
 * array of argv arrays (a single argv in the file is normalised to one
 * command). Borrowed; NULL when absent. */
json_t *profile_cmds(const struct mt_profile *p, const char *service, const char *key);

/* profile_endpoint - the probe entry of "service/role" ({"hosts": [...],
 * "sni"?}, normalised from host/port); borrowed; NULL when absent. */
json_t *profile_endpoint(const struct mt_profile *p, const char *endpoint);

/* profile_ms - a top-level duration in milliseconds (command_timeout_ms,
 * lock_wait_ms: 100..600000), or fallback when the profile has none. */
int profile_ms(const struct mt_profile *p, const char *key, int fallback);

/* profile_endpoint_port - the first probe port of "service/role", or 0. */
int profile_endpoint_port(const struct mt_profile *p, const char *endpoint);

#endif
