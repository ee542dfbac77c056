/*
 * planstate.c - a planner's records of what mail-tls changed (planstate.h).
 */
#include "planstate.h"

#include <string.h>

json_t *planstate_find(json_t *state, const char *kind, const char *file, const char *section,
		       size_t *idx)
{
	json_t *r;
	const char *sec;
	size_t i;

	json_array_foreach(json_object_get(state, kind), i, r) {
		sec = json_string_value(json_object_get(r, "section"));
		if (json_is_string(json_object_get(r, "file")) &&
		    strcmp(json_string_value(json_object_get(r, "file")), file) == 0 &&
		    strcmp(sec ? sec : "", section) == 0) {
			*idx = i;
			return r;
		}
	}
	return NULL;
}

void planstate_drop(json_t *state, const char *kind, size_t idx)
{
	json_t *list = json_object_get(state, kind);

	json_array_remove(list, idx);
	if (json_array_size(list) == 0)
		json_object_del(state, kind);
}

json_t *planstate_previous(json_t *state, const char *file, const char *section, const char *now)
{
	static const char *const kinds[] = { "cipher_policy", "cipher_list" };
	json_t *r;
	size_t idx;

	for (size_t k = 0; k < 2; k++)
		if ((r = planstate_find(state, kinds[k], file, section, &idx)) != NULL)
			return json_incref(json_object_get(r, "previous"));
	return now ? json_string(now) : json_null();
}

int planstate_set(json_t *state, const char *kind, const char *file, const char *section,
		  json_t *previous, const char *written)
{
	json_t *list, *r;
	size_t idx;

	if (planstate_find(state, kind, file, section, &idx) != NULL)
		planstate_drop(state, kind, idx);
	list = json_object_get(state, kind);
	if (list == NULL && json_object_set_new(state, kind, list = json_array()) != 0)
		list = NULL;
	r = json_pack("{s:s, s:o, s:s}", "file", file, "previous", previous, "written", written);
	if (r != NULL && section[0] != '\0' && json_object_set_new(r, "section", json_string(section)) != 0) {
		json_decref(r);
		r = NULL;
	}
	if (list == NULL || r == NULL || json_array_append_new(list, r) != 0)
		return -1;
	return 0;
}
