/*
 * model.c - the status records readers fill, and their JSON.
 */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "tlsver.h"

struct mt_endpoint *model_find_endpoint(struct mt_service *svc, const char *role)
{
	for (size_t i = 0; i < svc->nendpoints; i++)
		if (strcmp(svc->endpoints[i].role, role) == 0)
			return &svc->endpoints[i];
	return NULL;
}

struct mt_endpoint *model_endpoint(struct mt_service *svc, const char *role)
{
	struct mt_endpoint *ep = model_find_endpoint(svc, role);

	if (ep != NULL)
		return ep;
	if (svc->nendpoints == MT_MAX_ENDPOINTS)
		return NULL;
	ep = &svc->endpoints[svc->nendpoints++];
	memset(ep, 0, sizeof(*ep));
	mt_strlcpy(ep->role, role, sizeof(ep->role));
	ep->configured = TLSVER_NONE;
	ep->effective = TLSVER_NONE;
	return ep;
}

/* copy_marked - copy src into dst; a value that does not fit ends in "...". */
static void copy_marked(char *dst, const char *src, size_t n)
{
	if (mt_strlcpy(dst, src, n) < 0 && n > 4)
		memcpy(dst + n - 4, "...", 4);
	mt_utf8_clean(dst);
}

struct mt_source *model_source(struct mt_endpoint *ep, const char *file, unsigned line,
			       const char *key, const char *value)
{
	struct mt_source *src;

	if (ep->nsources == MT_MAX_SOURCES)
		return NULL;
	src = &ep->sources[ep->nsources++];
	memset(src, 0, sizeof(*src));
	copy_marked(src->file, file, sizeof(src->file));
	src->line = line;
	copy_marked(src->key, key, sizeof(src->key));
	copy_marked(src->value, value, sizeof(src->value));
	return src;
}

/* add_warning - append code+message to a warning table unless present. */
__attribute__((format(printf, 4, 0)))
static void add_warning(struct mt_warning *table, size_t *n, const char *code,
			const char *fmt, va_list ap)
{
	struct mt_warning w;

	w.code = code;
	vsnprintf(w.message, sizeof(w.message), fmt, ap);
	mt_utf8_clean(w.message);
	for (size_t i = 0; i < *n; i++)
		if (strcmp(table[i].code, code) == 0 && strcmp(table[i].message, w.message) == 0)
			return;
	if (*n < MT_MAX_WARNINGS)
		table[(*n)++] = w;
}

void model_warn(struct mt_endpoint *ep, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_warning(ep->warnings, &ep->nwarnings, code, fmt, ap);
	va_end(ap);
}

void model_service_warn(struct mt_service *svc, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_warning(svc->warnings, &svc->nwarnings, code, fmt, ap);
	va_end(ap);
}

void model_instance(struct mt_endpoint *ep, const char *name)
{
	for (size_t i = 0; i < ep->ninstances; i++)
		if (strcmp(ep->instances[i], name) == 0)
			return;
	if (ep->ninstances < MT_MAX_INSTANCES) {
		mt_strlcpy(ep->instances[ep->ninstances], name, sizeof(ep->instances[0]));
		mt_utf8_clean(ep->instances[ep->ninstances++]);
	}
}

int model_has_warning(const struct mt_endpoint *ep, const char *code)
{
	for (size_t i = 0; i < ep->nwarnings; i++)
		if (strcmp(ep->warnings[i].code, code) == 0)
			return 1;
	return 0;
}

/* warnings_json - new reference: [{code, message}, ...]. */
static json_t *warnings_json(const struct mt_warning *w, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "code", w[i].code,
							 "message", w[i].message)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

/* source_json - new reference: one entry of "sources". */
static json_t *source_json(const struct mt_source *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "file", s->file, "key", s->key, "value", s->value);

	if (o == NULL)
		return NULL;
	if (s->line > 0)
		json_object_set_new(o, "line", json_integer(s->line));
	if (s->is_default)
		json_object_set_new(o, "default", json_true());
	if (s->is_override)
		json_object_set_new(o, "override", json_true());
	if (s->ignored)
		json_object_set_new(o, "ignored", json_true());
	if (s->instance[0] != '\0')
		json_object_set_new(o, "instance", json_string(s->instance));
	return o;
}

/* floors_json - new reference: the names of the floors in mask. */
static json_t *floors_json(unsigned mask)
{
	json_t *arr = json_array();

	for (int v = 0; arr != NULL && v < TLSVER_COUNT; v++)
		if (mask & (1u << v))
			json_array_append_new(arr, json_string(tlsver_name(v)));
	return arr;
}

/* endpoint_base_json - new reference: {endpoint, port?, instances?}. */
static json_t *endpoint_base_json(const struct mt_endpoint *ep)
{
	json_t *o = json_pack("{s:s}", "endpoint", ep->role);
	json_t *inst;

	if (o == NULL)
		return NULL;
	if (ep->port > 0)
		json_object_set_new(o, "port", json_integer(ep->port));
	if (ep->ninstances > 0) {
		inst = json_array();
		for (size_t i = 0; inst != NULL && i < ep->ninstances; i++)
			json_array_append_new(inst, json_string(ep->instances[i]));
		json_object_set_new(o, "instances", inst);
	}
	if (ep->read_only)
		json_object_set_new(o, "read_only", json_true());
	return o;
}

/* endpoint_status_json - new reference: one status endpoint. */
static json_t *endpoint_status_json(const struct mt_endpoint *ep)
{
	json_t *o = endpoint_base_json(ep);
	json_t *sources = json_array();

	if (o == NULL || sources == NULL) {
		json_decref(o);
		json_decref(sources);
		return NULL;
	}
	json_object_set_new(o, "configured", json_string(tlsver_name(ep->configured)));
	json_object_set_new(o, "effective", json_string(tlsver_name(ep->effective)));
	for (size_t i = 0; i < ep->nsources; i++)
		json_array_append_new(sources, source_json(&ep->sources[i]));
	json_object_set_new(o, "sources", sources);
	if (ep->nwarnings > 0)
		json_object_set_new(o, "warnings", warnings_json(ep->warnings, ep->nwarnings));
	return o;
}

/* service_base_json - new reference: the fields both replies share. */
static json_t *service_base_json(const struct mt_service *svc)
{
	json_t *o = json_pack("{s:s, s:b}", "service", svc->name, "installed", svc->installed);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "version", svc->version[0] ? json_string(svc->version) : json_null());
	if (svc->nwarnings > 0)
		json_object_set_new(o, "warnings", warnings_json(svc->warnings, svc->nwarnings));
	return o;
}

/* with_endpoints - add "endpoints" built by one of the endpoint renderers;
 * returns o, or NULL (o released) on OOM. */
static json_t *with_endpoints(json_t *o, const struct mt_service *svc,
			      json_t *(*render)(const struct mt_endpoint *))
{
	json_t *arr = json_array();
	json_t *item;

	if (o == NULL || arr == NULL)
		goto fail;
	for (size_t i = 0; i < svc->nendpoints; i++) {
		item = render(&svc->endpoints[i]);
		if (item == NULL || json_array_append_new(arr, item) != 0)
			goto fail;
	}
	if (json_object_set_new(o, "endpoints", arr) != 0)
		goto fail_owned;
	return o;
fail:
	json_decref(arr);
fail_owned:
	json_decref(o);
	return NULL;
}

json_t *model_status_json(const struct mt_service *svc)
{
	return with_endpoints(service_base_json(svc), svc, endpoint_status_json);
}

/* endpoint_caps_json - new reference: one capabilities endpoint. */
static json_t *endpoint_caps_json(const struct mt_endpoint *ep)
{
	json_t *o = endpoint_base_json(ep);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "floors", floors_json(ep->floors));
	json_object_set_new(o, "own_floor", json_boolean(ep->own_floor));
	return o;
}

json_t *model_capabilities_json(const struct mt_service *svc)
{
	json_t *o = service_base_json(svc);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "running", svc->running < 0 ? json_null() : json_boolean(svc->running));
	json_object_set_new(o, "tls_library",
			    svc->tls_library[0] ? json_string(svc->tls_library) : json_null());
	return with_endpoints(o, svc, endpoint_caps_json);
}
