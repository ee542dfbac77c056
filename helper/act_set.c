/*
 * act_set.c - `set`: floors per service or endpoint, or a preset, applied as
 * one transaction (txn.c), or shown as a plan with diffs (dry_run).
 * Everything in the request is checked before the lock is taken; nothing
 * from the request reaches a file except a version the planners turn into
 * their own text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "adapter.h"
#include "lock.h"
#include "reply.h"
#include "state.h"
#include "tlsver.h"
#include "setcore.h"
#include "txn.h"

/* parse_restart - the restart mode name. */
int parse_restart(struct set_args *s, struct mt_err *err)
{
	static const char *const names[] = { "auto", "reload", "restart", "none" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s->restart, names[i]) == 0) {
			s->restart_mode = (enum restart_mode)i;
			return 0;
		}
	mt_err_set(err, "bad_request", "\"restart\" must be auto, reload, restart or none");
	return -1;
}

/* parse_version - a floor value: a version name. */
static int parse_version(json_t *v, const char *key, struct mt_err *err)
{
	int f = json_is_string(v) ? tlsver_parse(json_string_value(v)) : TLSVER_ERR_INVALID;

	if (f == TLSVER_ERR_SSLV3)
		mt_err_set(err, "invalid_version", "%s: SSLv3 is not supported by this OpenSSL", key);
	else if (f < 0)
		mt_err_set(err, "invalid_version", "%s: the floor must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3",
			   key);
	return f;
}

/* service_of - the managed adapter named name (the part before '/'). */
const struct mt_adapter *service_of(const struct mt_profile *p, const char *key,
					   struct mt_err *err)
{
	char name[16];
	size_t n = strcspn(key, "/");
	const struct mt_adapter *a;

	a = NULL;
	if (n < sizeof(name)) {
		memcpy(name, key, n);
		name[n] = '\0';
		a = adapter_find(name);
	}
	if (a == NULL) {
		mt_err_set(err, "unknown_service", "unknown service \"%.40s\" (postfix, dovecot, courier)", key);
		return NULL;
	}
	if (!profile_manages(p, name)) {
		mt_err_set(err, "service_not_managed", "the profile does not manage %s", name);
		mt_err_where(err, name, NULL);
		return NULL;
	}
	return a;
}

/* request_for - the svc_request of adapter a, added when absent. */
struct svc_request *request_for(struct set_args *s, const struct mt_adapter *a)
{
	struct svc_request *r;

	for (size_t i = 0; i < s->nreqs; i++)
		if (s->reqs[i].a == a)
			return &s->reqs[i];
	r = &s->reqs[s->nreqs++];
	memset(r, 0, sizeof(*r));
	r->a = a;
	r->service_floor = TLSVER_NONE;
	return r;
}

/* parse_floors - {"dovecot": "TLSv1", "postfix/submission": "TLSv1.2"}. */
static int parse_floors(const struct mt_profile *p, struct set_args *s, struct mt_err *err)
{
	const char *key, *role;
	json_t *v;
	struct svc_request *r;
	const struct mt_adapter *a;
	int f;

	if (!json_is_object(s->floors) || json_object_size(s->floors) == 0 ||
	    json_object_size(s->floors) > MAX_FLOOR_KEYS) {
		mt_err_set(err, "bad_request", "\"floors\" must be an object of 1 to %d floors", MAX_FLOOR_KEYS);
		return -1;
	}
	json_object_foreach(s->floors, key, v) {
		if ((a = service_of(p, key, err)) == NULL || (f = parse_version(v, key, err)) < 0)
			return -1;
		r = request_for(s, a);
		role = strchr(key, '/');
		if (role == NULL) {
			r->service_floor = f;
			continue;
		}
		if (strlen(role + 1) == 0 || strlen(role + 1) >= sizeof(r->roles[0])) {
			mt_err_set(err, "unknown_endpoint", "unknown endpoint \"%.40s\"", key);
			return -1;
		}
		strcpy(r->roles[r->nroles], role + 1);
		r->role_floors[r->nroles++] = f;
	}
	return 0;
}

/* parse_preset - a preset: its floor and cipher policy for the named (or
 * every managed) service. */
static int parse_preset(const struct mt_profile *p, struct set_args *s, json_t *warnings,
			struct mt_err *err)
{
	static const struct { const char *name; int floor; enum cipher_policy ciphers; } presets[] = {
		{ "modern", TLSVER_1_3, CIPHERS_KEEP },
		{ "intermediate", TLSVER_1_2, CIPHERS_INTERMEDIATE },
		{ "legacy", TLSVER_1_0, CIPHERS_LEGACY },
	};
	size_t i;
	json_t *name;
	const struct mt_adapter *a;

	if (strcmp(s->preset, "pci") == 0) {
		s->mode = "enable";
		return compliance_prepare(p, s, err);
	}
	for (i = 0; i < 3 && strcmp(presets[i].name, s->preset) != 0; i++)
		;
	if (i == 3) {
		mt_err_set(err, "bad_request", "unknown preset (modern, intermediate, legacy, pci)");
		return -1;
	}
	s->ciphers = presets[i].ciphers;
	if (presets[i].floor < TLSVER_1_2)
		json_array_append_new(warnings, json_pack("{s:s, s:s}", "code", "weak_protocols", "message",
			"TLS 1.0 and 1.1 are deprecated (RFC 8996) and are enabled at OpenSSL security level 0: "
			"use this only for clients that cannot be upgraded"));
	for (size_t k = 0; adapters[k] != NULL; k++) {
		a = adapters[k];
		if (s->services != NULL) {
			int named = 0;
			size_t j;

			json_array_foreach(s->services, j, name)
				named |= json_is_string(name) && strcmp(json_string_value(name), a->name) == 0;
			if (!named)
				continue;
			if (service_of(p, a->name, err) == NULL)
				return -1;
		} else if (!profile_manages(p, a->name) || !a->installed(p)) {
			continue;
		}
		request_for(s, a)->service_floor = presets[i].floor;
	}
	return 0;
}

/* check_services - the "services" list: known names only. */
int check_services(json_t *services, struct mt_err *err)
{
	size_t i;
	json_t *v;

	if (services == NULL)
		return 0;
	if (!json_is_array(services) || json_array_size(services) == 0 || json_array_size(services) > 3)
		goto bad;
	json_array_foreach(services, i, v) {
		if (!json_is_string(v))
			goto bad;
		if (adapter_find(json_string_value(v)) == NULL) {
			mt_err_set(err, "unknown_service", "unknown service \"%.40s\"", json_string_value(v));
			return -1;
		}
	}
	return 0;
bad:
	mt_err_set(err, "bad_request", "\"services\" must be a list of 1 to 3 service names");
	return -1;
}

/* cipher_names - a cipher policy's name in the state. */
static const char *const cipher_names[] = { "keep", "intermediate", "strong", "legacy" };

/* request_json - new reference: what r asked, for reapply:
 * {"service": floor|null, "endpoints": {role: floor}, "ciphers": name}. */
static json_t *request_json(const struct svc_request *r, enum cipher_policy ciphers)
{
	json_t *eps = json_object();

	for (size_t i = 0; i < r->nroles; i++)
		json_object_set_new(eps, r->roles[i], json_string(tlsver_name(r->role_floors[i])));
	return json_pack("{s:o, s:o, s:s}", "service",
			 r->service_floor == TLSVER_NONE ? json_null() : json_string(tlsver_name(r->service_floor)),
			 "endpoints", eps, "ciphers", cipher_names[ciphers]);
}

/* remember_request - the state keeps each service's last request, so that
 * `reapply` can put it back after someone else changed the files. */
static void remember_request(struct txn *t, const struct set_args *s)
{
	for (size_t i = 0; i < s->nreqs; i++)
		json_object_set_new(state_service(t->state, s->reqs[i].a->name), "last_request",
				    request_json(&s->reqs[i], s->ciphers));
}

/* reapply_one - one service's last request back into s. */
static int reapply_one(struct set_args *s, const struct mt_adapter *a, json_t *last)
{
	struct svc_request *r = request_for(s, a);
	const char *role, *c = json_string_value(json_object_get(last, "ciphers"));
	json_t *v;
	int f;

	if (json_is_string(json_object_get(last, "service")))
		r->service_floor = tlsver_parse(json_string_value(json_object_get(last, "service")));
	json_object_foreach(json_object_get(last, "endpoints"), role, v) {
		f = json_is_string(v) ? tlsver_parse(json_string_value(v)) : -1;
		if (f < 0 || r->nroles == MAX_FLOOR_KEYS || strlen(role) >= sizeof(r->roles[0]))
			return -1;
		strcpy(r->roles[r->nroles], role);
		r->role_floors[r->nroles++] = f;
	}
	for (int k = 0; c != NULL && k < 4; k++)
		if (strcmp(c, cipher_names[k]) == 0)
			s->ciphers = (enum cipher_policy)k;
	return r->service_floor < TLSVER_NONE ? -1 : 0;
}

/* parse_reapply - every managed service's last request, from the state. */
static int parse_reapply(const struct mt_profile *p, struct set_args *s, struct mt_err *err)
{
	json_t *state = state_load(profile_str(p, NULL, "state_dir"), err);
	json_t *last;
	int rc = 0;

	if (state == NULL)
		return -1;
	for (size_t i = 0; rc == 0 && adapters[i] != NULL; i++) {
		last = json_object_get(json_object_get(json_object_get(state, "services"), adapters[i]->name),
				       "last_request");
		if (last != NULL && profile_manages(p, adapters[i]->name) &&
		    reapply_one(s, adapters[i], last) != 0) {
			mt_err_set(err, "io_error", "the state's last request for %s is damaged", adapters[i]->name);
			rc = -1;
		}
	}
	json_decref(state);
	if (rc == 0 && s->nreqs == 0) {
		mt_err_set(err, "bad_request", "nothing to reapply: mail-tls has applied no floor yet");
		rc = -1;
	}
	return rc;
}

/* parse_args - the whole request, checked before anything is touched. */
static int parse_args(struct mt_ctx *ctx, struct set_args *s, json_t *warnings, struct mt_err *err)
{
	memset(s, 0, sizeof(*s));
	s->restart = "auto";
	if (request_unpack(ctx->req->params, err, "{s?o, s?s, s?o, s?b, s?b, s?s, s?b}", "floors",
			   &s->floors, "preset", &s->preset, "services", &s->services, "reapply",
			   &s->reapply, "dry_run", &s->dry_run, "restart", &s->restart, "verify",
			   &s->verify) != 0)
		return -1;
	if ((s->floors != NULL) + (s->preset != NULL) + (s->reapply != 0) != 1) {
		mt_err_set(err, "bad_request", "give exactly one of \"floors\", \"preset\" or \"reapply\"");
		return -1;
	}
	if (s->services != NULL && s->preset == NULL) {
		mt_err_set(err, "bad_request", "\"services\" goes with \"preset\" only");
		return -1;
	}
	if (parse_restart(s, err) != 0 || check_services(s->services, err) != 0)
		return -1;
	s->before_run = remember_request;   /* the pci preset replaces it with the lock */
	if (s->floors != NULL)
		return parse_floors(ctx->profile, s, err);
	if (s->reapply)
		return parse_reapply(ctx->profile, s, err);
	return parse_preset(ctx->profile, s, warnings, err);
}

/* endpoint_name - "service/role" into buf. */
static const char *endpoint_name(char *buf, size_t size, const char *service, const char *role)
{
	snprintf(buf, size, "%s/%s", service, role);
	return buf;
}

/* locked_below - the service is under compliance and floor is below TLSv1.2. */
static int locked_below(json_t *state, const char *service, int floor)
{
	json_t *c = json_object_get(json_object_get(json_object_get(state, "services"), service),
				    "compliance");

	return json_is_true(json_object_get(c, "locked")) && floor < TLSVER_1_2;
}

/* role_floors - each named role's floor into fr, checked. */
static int role_floors(const struct svc_request *r, const struct mt_service *svc,
		       struct mt_floor_request *fr, struct mt_err *err)
{
	char name[48];
	const struct mt_endpoint *ep;

	for (size_t i = 0; i < r->nroles; i++) {
		ep = model_find_endpoint((struct mt_service *)svc, r->roles[i]);
		endpoint_name(name, sizeof(name), svc->name, r->roles[i]);
		if (ep == NULL) {
			mt_err_set(err, "unknown_endpoint", "%s has no endpoint %s", svc->name, r->roles[i]);
		} else if (ep->read_only) {
			mt_err_set(err, "unsupported_floor", "%s is reported read-only, never set", name);
		} else {
			fr->endpoint_floor[ep - svc->endpoints] = r->role_floors[i];
			continue;
		}
		mt_err_where(err, svc->name, name);
		return -1;
	}
	return 0;
}

/* raise_only_floors - compliance's floor is a minimum: endpoints already
 * above it keep theirs. All at or above: no floor to write; some above, and
 * each endpoint can take its own floor: only those below get it. */
static void raise_only_floors(const struct mt_service *svc, struct mt_floor_request *fr)
{
	int below = 0, above = 0, own = 1;

	for (size_t i = 0; i < svc->nendpoints; i++) {
		const struct mt_endpoint *ep = &svc->endpoints[i];

		if (ep->read_only)
			continue;
		below += !tlsver_is_version(ep->effective) || ep->effective < fr->service_floor;
		above += tlsver_is_version(ep->effective) && ep->effective > fr->service_floor;
		own &= ep->own_floor;
	}
	if (below == 0) {
		fr->service_floor = TLSVER_NONE;
	} else if (above > 0 && own) {
		for (size_t i = 0; i < svc->nendpoints; i++) {
			const struct mt_endpoint *ep = &svc->endpoints[i];

			if (!ep->read_only && (!tlsver_is_version(ep->effective) || ep->effective < fr->service_floor))
				fr->endpoint_floor[i] = fr->service_floor;
		}
		fr->service_floor = TLSVER_NONE;
	}
}

/* floor_request - what r asks of svc, checked against what each endpoint
 * supports and the compliance lock; planned receives {role: floor}. */
static int floor_request(const struct svc_request *r, const struct mt_service *svc, json_t *state,
			 enum cipher_policy ciphers, struct mt_floor_request *fr, json_t *planned,
			 struct mt_err *err)
{
	char name[48];
	int target;

	if (!svc->installed) {
		mt_err_set(err, "service_not_installed", "%s is not installed on this host", svc->name);
		mt_err_where(err, svc->name, NULL);
		return -1;
	}
	fr->service_floor = r->service_floor;
	fr->ciphers = ciphers;
	for (size_t i = 0; i < MT_MAX_ENDPOINTS; i++)
		fr->endpoint_floor[i] = TLSVER_NONE;
	if (role_floors(r, svc, fr, err) != 0)
		return -1;
	if (r->raise_only && fr->service_floor != TLSVER_NONE)
		raise_only_floors(svc, fr);
	for (size_t i = 0; i < svc->nendpoints; i++) {
		const struct mt_endpoint *ep = &svc->endpoints[i];

		target = fr->endpoint_floor[i] != TLSVER_NONE ? fr->endpoint_floor[i] : fr->service_floor;
		if (ep->read_only || target == TLSVER_NONE) {
			json_object_set_new(planned, ep->role, json_string(tlsver_name(ep->effective)));
			continue;
		}
		endpoint_name(name, sizeof(name), svc->name, ep->role);
		if (!(ep->floors & (1u << target))) {
			mt_err_set(err, "unsupported_floor", "%s cannot take the floor %s", name, tlsver_name(target));
		} else if (locked_below(state, svc->name, target)) {
			mt_err_set(err, "compliance_locked", "%s is under compliance (TLSv1.2 at least): "
				   "`compliance disable` first", svc->name);
		} else {
			json_object_set_new(planned, ep->role, json_string(tlsver_name(target)));
			continue;
		}
		mt_err_where(err, svc->name, name);
		return -1;
	}
	return 0;
}

/* plan_all - describe, check and plan every service of the request. */
static int plan_all(struct mt_ctx *ctx, struct set_args *s, struct txn *t, json_t *planned,
		    struct mt_err *err)
{
	struct mt_floor_request fr;
	struct txn_service *ts;
	json_t *after;

	for (size_t i = 0; i < s->nreqs; i++) {
		ts = txn_add_service(t, s->reqs[i].a, err);
		if (ts == NULL)
			return -1;
		after = json_object();
		json_object_set_new(planned, ts->a->name, after);
		if (floor_request(&s->reqs[i], ts->svc, s->ignore_lock ? NULL : t->state, s->ciphers, &fr,
				  after, err) != 0)
			return -1;
		if (ts->a->plan_floors == NULL) {
			mt_err_set(err, "unsupported_floor", "%s cannot be changed by this version", ts->a->name);
			return -1;
		}
		if (ts->a->plan_floors(ctx->profile, ts->svc, &fr,
				       state_service_part(t->state, ts->a->name, "plan"), &t->plan, err) != 0) {
			if (err->service[0] == '\0')
				mt_err_where(err, ts->a->name, err->endpoint);
			return -1;
		}
	}
	return plan_render(&t->plan, err);
}

/* any_change - 1 when the plan changes at least one file. */
static int any_change(const struct plan *pl)
{
	for (size_t i = 0; i < pl->nfiles; i++)
		if (plan_changed(&pl->files[i]))
			return 1;
	return 0;
}

/* journal_record - new reference: action, actor and request for the journal. */
static json_t *journal_record(struct mt_ctx *ctx)
{
	return json_pack("{s:s, s:s, s:O}", "action", ctx->req->action, "actor",
			 ctx->req->actor[0] ? ctx->req->actor : "unknown", "request", ctx->req->params);
}

/* merge_warnings - append list (borrowed) to the reply's warnings. */
static void merge_warnings(json_t *reply, json_t *list)
{
	size_t i;
	json_t *w;

	json_array_foreach(list, i, w)
		reply_warn(reply, json_string_value(json_object_get(w, "code")),
			   json_string_value(json_object_get(w, "message")));
}

/* set_apply - the change for real (or its dry run), under the lock;
 * recovery first. */
int set_apply(struct mt_ctx *ctx, struct set_args *s, json_t *warnings, struct mt_err *err)
{
	const char *state_dir = profile_str(ctx->profile, NULL, "state_dir");
	struct txn t;
	json_t *planned = json_object();
	json_t *record = NULL;
	int lock = lock_acquire(state_dir, profile_ms(ctx->profile, "lock_wait_ms", LOCK_WAIT_DEFAULT_MS), err);
	int rc = -1;

	if (lock < 0 || txn_recover(ctx->profile, state_dir, warnings, err) != 0) {
		json_decref(planned);
		lock_release(lock);
		return -1;
	}
	if (txn_init(&t, ctx->profile, ctx->vcache, err) != 0 || plan_all(ctx, s, &t, planned, err) != 0)
		goto out;
	t.restart = s->restart_mode;
	t.verify = s->verify;
	if (s->before_run != NULL)
		s->before_run(&t, s);
	if (s->dry_run) {
		txn_dry_run(&t, planned, ctx->reply);
		rc = 0;
	} else if (!any_change(&t.plan)) {
		txn_dry_run(&t, planned, ctx->reply);
		json_object_set_new(ctx->reply, "dry_run", json_false());
		json_object_set_new(ctx->reply, "changed", json_false());
		rc = 0;
	} else {
		record = journal_record(ctx);
		rc = txn_run(&t, record, ctx->reply, err);
	}
out:
	merge_warnings(ctx->reply, warnings);
	json_decref(record);
	json_decref(planned);
	txn_free(&t);
	lock_release(lock);
	return rc;
}

int act_set(struct mt_ctx *ctx, struct mt_err *err)
{
	struct set_args *s = malloc(sizeof(*s));
	json_t *warnings = json_array();
	int rc = -1;

	if (s == NULL)
		reply_fatal_oom();
	if (parse_args(ctx, s, warnings, err) == 0)
		rc = set_apply(ctx, s, warnings, err);
	json_decref(warnings);
	free(s);
	return rc;
}
