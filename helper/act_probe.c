/*
 * act_probe.c - `probe`: live handshakes against the endpoints of the
 * profile, every host of each and every version, with a timeout per
 * handshake and a deadline for the whole probe. Also the profile and JSON
 * side of the probe engine (probe.h) that `set` verify and `status` live
 * reuse.
 *
 * Owns: turning profile endpoints into probe targets and probe results into
 * JSON. Must never: take an address, a port or an SNI name from the request
 * (it may only choose among the profile's endpoints: the helper is not a port
 * scanner), or change anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "probe.h"
#include "reply.h"

#define PROBE_TIMEOUT_MIN 100
#define PROBE_TIMEOUT_MAX 60000
#define PROBE_DEADLINE_MIN 100
#define PROBE_DEADLINE_MAX 600000
#define PROBE_NAMES_MAX 16

/* ------------------------------------------------------------------ JSON */

/* ms_json - new reference: milliseconds rounded to 0.1. */
static json_t *ms_json(double ms)
{
	return json_real((double)(long long)(ms * 10.0 + 0.5) / 10.0);
}

/* cell_json - new reference: {"accepted", "cipher" | "reason", "detail"?, "ms"}. */
static json_t *cell_json(const struct probe_cell *c)
{
	char reason[PROBE_REASON_MAX];
	json_t *j;

	if (c->reason == PROBE_ACCEPTED)
		return json_pack("{s:b, s:s, s:o}", "accepted", 1, "cipher", c->cipher, "ms",
				 ms_json(c->ms));
	j = json_pack("{s:b, s:s}", "accepted", 0, "reason",
		      probe_cell_reason(c, reason, sizeof(reason)));
	if (j == NULL)
		return NULL;
	if (c->detail[0] != '\0')
		json_object_set_new(j, "detail", json_string(c->detail));
	json_object_set_new(j, "ms", ms_json(c->ms));
	return j;
}

/* cert_json - new reference: the certificate, or null when no handshake of
 * the row completed. */
static json_t *cert_json(const struct probe_cert *pc)
{
	json_t *san;

	if (!pc->present)
		return json_null();
	san = json_array();
	for (size_t i = 0; i < pc->nsan; i++)
		json_array_append_new(san, json_string(pc->san[i]));
	return json_pack("{s:s, s:s, s:o, s:s?}", "subject", pc->subject, "issuer", pc->issuer, "san",
			 san, "not_after", pc->not_after[0] != '\0' ? pc->not_after : NULL);
}

/* versions_json - new reference: {"TLSv1": cell, ...} of the probed versions. */
static json_t *versions_json(const struct probe_row *row)
{
	json_t *j = json_object();

	for (int v = 0; v < TLSVER_COUNT; v++)
		if (row->versions & (1u << v))
			json_object_set_new(j, tlsver_name(v), cell_json(&row->cells[v]));
	return j;
}

/* row_json - new reference: one endpoint and host. */
static json_t *row_json(const struct probe_row *row)
{
	const struct probe_target *t = &row->target;
	const char *slash = strchr(t->endpoint, '/');
	char service[16];
	json_t *j;

	snprintf(service, sizeof(service), "%.*s", slash != NULL ? (int)(slash - t->endpoint) : 0,
		 t->endpoint);
	j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "service", service, "endpoint",
		      slash != NULL ? slash + 1 : t->endpoint, "host", t->host, "port", t->port, "tls",
		      t->mode == PROBE_IMPLICIT ? "implicit" : "starttls");
	if (j == NULL)
		return NULL;
	if (t->sni[0] != '\0')
		json_object_set_new(j, "sni", json_string(t->sni));
	if (row->address[0] != '\0' && strcmp(row->address, t->host) != 0)
		json_object_set_new(j, "address", json_string(row->address));
	json_object_set_new(j, "versions", versions_json(row));
	json_object_set_new(j, "lowest",
			    row->lowest == TLSVER_NONE ? json_null() : json_string(tlsver_name(row->lowest)));
	json_object_set_new(j, "certificate", cert_json(&row->cert));
	return j;
}

json_t *probe_result_json(const struct probe_result *r)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(rows, row_json(&r->rows[i]));
	return json_pack("{s:o, s:{s:i, s:i, s:o}}", "endpoints", rows, "stats", "handshakes",
			 (int)r->handshakes, "accepted", (int)r->accepted, "ms", ms_json(r->ms));
}

/* --------------------------------------------------------------- targets */

/* add_targets - one target per host of the profile's entry for name. */
static int add_targets(json_t *entry, const char *name, struct probe_target *t, size_t *nt,
		       struct mt_err *err)
{
	const char *sni = json_string_value(json_object_get(entry, "sni"));
	json_t *hosts = json_object_get(entry, "hosts"), *hp;
	size_t i;

	json_array_foreach(hosts, i, hp) {
		struct probe_target *x = &t[*nt];

		if (*nt == PROBE_MAX_TARGETS) {
			mt_err_set(err, "bad_request", "more than %d endpoint addresses to probe",
				   PROBE_MAX_TARGETS);
			return -1;
		}
		mt_strlcpy(x->endpoint, name, sizeof(x->endpoint));
		mt_strlcpy(x->host, json_string_value(json_object_get(hp, "host")), sizeof(x->host));
		x->port = (int)json_integer_value(json_object_get(hp, "port"));
		mt_strlcpy(x->sni, sni != NULL ? sni : "", sizeof(x->sni));
		x->mode = (enum probe_mode)probe_mode_of(name);
		(*nt)++;
	}
	return 0;
}

/* named_entry - the profile's entry for a name the caller chose. */
static json_t *named_entry(const struct mt_profile *p, const char *name, struct mt_err *err)
{
	json_t *entry;

	if (probe_mode_of(name) < 0) {
		mt_err_set(err, "unknown_endpoint", "\"%.64s\" is not an endpoint (service/role)", name);
		mt_err_where(err, NULL, name);
		return NULL;
	}
	entry = profile_endpoint(p, name);
	if (entry == NULL) {
		mt_err_set(err, "bad_request", "the profile lists no probe address for %s", name);
		mt_err_where(err, NULL, name);
	}
	return entry;
}

/* collect - the targets of names (n), or of every endpoint of the profile. */
static int collect(const struct mt_profile *p, const char *const *names, size_t n,
		   struct probe_target *t, size_t *nt, struct mt_err *err)
{
	const char *name;
	json_t *entry;

	if (names == NULL) {
		for (size_t i = 0; (name = probe_endpoint_at(i)) != NULL; i++) {
			entry = profile_endpoint(p, name);
			if (entry != NULL && add_targets(entry, name, t, nt, err) != 0)
				return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		entry = named_entry(p, names[i], err);
		if (entry == NULL || add_targets(entry, names[i], t, nt, err) != 0)
			return -1;
	}
	return 0;
}

int probe_endpoints(const struct mt_profile *p, const char *const *names, size_t n,
		    int timeout_ms, int deadline_ms, struct probe_result *res, struct mt_err *err)
{
	struct probe_opts opts = { 0, timeout_ms, deadline_ms };
	struct probe_target *t = calloc(PROBE_MAX_TARGETS, sizeof(*t));
	size_t nt = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (t == NULL) {
		mt_err_set(err, "internal", "out of memory for the probe");
		return -1;
	}
	if (collect(p, names, n, t, &nt, err) == 0)
		rc = probe_run(t, nt, &opts, res, err);
	free(t);
	return rc;
}

/* ---------------------------------------------------------------- action */

/* parse_names - the request's "endpoints": 1..PROBE_NAMES_MAX strings, no
 * repeats; names[] borrows from list. */
static int parse_names(json_t *list, const char **names, size_t *n, struct mt_err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > PROBE_NAMES_MAX) {
		mt_err_set(err, "bad_request", "\"endpoints\" must be a list of 1 to %d endpoint names",
			   PROBE_NAMES_MAX);
		return -1;
	}
	json_array_foreach(list, i, v) {
		names[i] = json_string_value(v);
		if (names[i] == NULL) {
			mt_err_set(err, "bad_request", "\"endpoints\" must hold strings (service/role)");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0) {
				mt_err_set(err, "bad_request", "\"endpoints\" names %.64s twice", names[i]);
				return -1;
			}
	}
	*n = i;
	return 0;
}

/* check_ms - a duration parameter within [lo, hi]. */
static int check_ms(const char *key, json_int_t v, int lo, int hi, struct mt_err *err)
{
	if (v >= lo && v <= hi)
		return 0;
	mt_err_set(err, "bad_request", "\"%s\" must be %d to %d", key, lo, hi);
	return -1;
}

int act_probe(struct mt_ctx *ctx, struct mt_err *err)
{
	json_int_t timeout = PROBE_TIMEOUT_DEFAULT, deadline = PROBE_DEADLINE_DEFAULT;
	const char *names[PROBE_NAMES_MAX];
	struct probe_result res;
	json_t *list = NULL, *out;
	size_t n = 0;

	if (request_unpack(ctx->req->params, err, "{s?o, s?I, s?I}", "endpoints", &list,
			   "timeout_ms", &timeout, "deadline_ms", &deadline) != 0)
		return -1;
	if (check_ms("timeout_ms", timeout, PROBE_TIMEOUT_MIN, PROBE_TIMEOUT_MAX, err) != 0 ||
	    check_ms("deadline_ms", deadline, PROBE_DEADLINE_MIN, PROBE_DEADLINE_MAX, err) != 0)
		return -1;
	if (list != NULL && parse_names(list, names, &n, err) != 0)
		return -1;
	if (probe_endpoints(ctx->profile, list != NULL ? names : NULL, n, (int)timeout,
			    (int)deadline, &res, err) != 0)
		return -1;
	out = probe_result_json(&res);
	probe_result_free(&res);
	if (out == NULL)
		reply_fatal_oom();
	json_object_update(ctx->reply, out);
	json_decref(out);
	return 0;
}
