/*
 * state.c - loading and saving state.json. Must never: accept a state file
 * someone else could have written, or write it non-atomically.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "safefile.h"

json_t *state_load(const char *state_dir, struct mt_err *err)
{
	char path[1100];
	struct safefile f;
	json_error_t jerr;
	json_t *state = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/state.json", state_dir);
	rc = safefile_read(path, &f, err);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		state = json_loadb(f.data, f.len, JSON_REJECT_DUPLICATES, &jerr);
		safefile_free(&f);
		if (!json_is_object(state)) {
			json_decref(state);
			mt_err_set(err, "io_error", "%s is not a JSON object: %s", path, jerr.text);
			return NULL;
		}
	} else {
		state = json_object();
	}
	if (!json_is_object(json_object_get(state, "services")))
		json_object_set_new(state, "services", json_object());
	return state;
}

int state_save(const char *state_dir, json_t *state, struct mt_err *err)
{
	char path[1100];
	char *text = json_dumps(state, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;

	snprintf(path, sizeof(path), "%s/state.json", state_dir);
	rc = atomicfile_write(path, text, strlen(text), 0, 0, 0600, err);
	free(text);
	return rc;
}

/* child_object - borrowed: parent[key] as an object, created when absent. */
static json_t *child_object(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

json_t *state_service(json_t *state, const char *name)
{
	return child_object(child_object(state, "services"), name);
}

json_t *state_service_part(json_t *state, const char *name, const char *part)
{
	return child_object(state_service(state, name), part);
}
