/*
 * act_compliance.c - `compliance`: our pci_compliance_resolver. enable: a
 * TLSv1.2 floor with strong ciphers on each service, and a lock that makes
 * `set` refuse anything lower (compliance_locked); disable: the lock lifted
 * and the floors and cipher settings from before enable put back. Both are
 * ordinary changes (journal, rollback, history).
 */
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "reply.h"
#include "setcore.h"
#include "state.h"
#include "tlsver.h"

/* compliance_of - borrowed: state.services[name].compliance, or NULL. */
static json_t *compliance_of(json_t *state, const char *name)
{
	return json_object_get(json_object_get(json_object_get(state, "services"), name), "compliance");
}

/* lock_services - enable: remember each service's effective floors, lock it.
 * The effective floor, not the configured one: a TLSv1 that a cipher list
 * held at TLSv1.2 must not come back as a working TLSv1 on disable. */
static void lock_services(struct txn *t, const struct set_args *s)
{
	json_t *before, *rec;

	(void)s;
	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct mt_service *svc = t->svcs[i].svc;

		if (compliance_of(t->state, svc->name) != NULL)
			continue;   /* enabled again: keep what was there before the first enable */
		before = json_object();
		for (size_t e = 0; e < svc->nendpoints; e++)
			if (!svc->endpoints[e].read_only)
				json_object_set_new(before, svc->endpoints[e].role,
						    json_string(tlsver_name(svc->endpoints[e].effective)));
		rec = json_pack("{s:b, s:o}", "locked", 1, "before", before);
		json_object_set_new(state_service(t->state, svc->name), "compliance", rec);
	}
}

/* unlock_services - disable: the lock and its record go. */
static void unlock_services(struct txn *t, const struct set_args *s)
{
	(void)s;
	for (size_t i = 0; i < t->nsvcs; i++)
		json_object_del(state_service(t->state, t->svcs[i].a->name), "compliance");
}

/* restore_request - disable: the floors effective before enable. Postfix
 * takes one per endpoint; Dovecot and Courier get one service floor, the
 * lowest of them, so that every client that connected before connects
 * again (their endpoints cannot all take floors of their own). */
static void restore_request(struct svc_request *r, json_t *before)
{
	const char *role;
	json_t *v;
	int f, lowest = TLSVER_NONE, differ = 0;

	json_object_foreach(before, role, v) {
		f = tlsver_parse(json_string_value(v) ? json_string_value(v) : "");
		if (f < 0)
			continue;   /* "none" before: nothing to put back for that endpoint */
		differ |= lowest != TLSVER_NONE && f != lowest;
		lowest = lowest == TLSVER_NONE || f < lowest ? f : lowest;
		if (r->nroles < sizeof(r->roles) / sizeof(r->roles[0]) && strlen(role) < sizeof(r->roles[0])) {
			strcpy(r->roles[r->nroles], role);
			r->role_floors[r->nroles++] = f;
		}
	}
	if (!differ || strcmp(r->a->name, "postfix") != 0) {
		r->service_floor = lowest;
		r->nroles = 0;
	}
}

/* wanted - the service is named in services (or services is NULL). */
static int wanted(json_t *services, const char *name)
{
	size_t i;
	json_t *v;

	if (services == NULL)
		return 1;
	json_array_foreach(services, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

/* build_requests - one request per service taking part. */
static int build_requests(const struct mt_profile *p, struct set_args *s, struct mt_err *err)
{
	int enable = strcmp(s->mode, "enable") == 0;
	json_t *state = state_load(profile_str(p, NULL, "state_dir"), err);
	json_t *rec;
	const struct mt_adapter *a;

	if (state == NULL)
		return -1;
	for (size_t i = 0; adapters[i] != NULL; i++) {
		a = adapters[i];
		if (!wanted(s->services, a->name))
			continue;
		if (s->services != NULL && service_of(p, a->name, err) == NULL)
			break;
		if (!profile_manages(p, a->name) || (s->services == NULL && !a->installed(p)))
			continue;
		rec = compliance_of(state, a->name);
		if (enable) {
			request_for(s, a)->service_floor = TLSVER_1_2;
			request_for(s, a)->raise_only = 1;
		}
		else if (rec != NULL)
			restore_request(request_for(s, a), json_object_get(rec, "before"));
	}
	json_decref(state);
	if (err->code == NULL && s->nreqs == 0)
		mt_err_set(err, "bad_request", enable ? "no managed, installed service to put under compliance"
						      : "no service is under compliance");
	return err->code == NULL ? 0 : -1;
}

int compliance_prepare(const struct mt_profile *p, struct set_args *s, struct mt_err *err)
{
	int enable = strcmp(s->mode, "enable") == 0;

	if (!enable && strcmp(s->mode, "disable") != 0) {
		mt_err_set(err, "bad_request", "\"mode\" must be enable or disable");
		return -1;
	}
	if (check_services(s->services, err) != 0 || build_requests(p, s, err) != 0)
		return -1;
	s->ciphers = enable ? CIPHERS_STRONG : CIPHERS_RESTORE;
	s->ignore_lock = !enable;
	s->before_run = enable ? lock_services : unlock_services;
	return 0;
}

int act_compliance(struct mt_ctx *ctx, struct mt_err *err)
{
	struct set_args *s = calloc(1, sizeof(*s));
	json_t *warnings = json_array();
	int rc = -1;

	if (s == NULL)
		reply_fatal_oom();
	s->restart = "auto";
	if (request_unpack(ctx->req->params, err, "{s:s, s?o, s?b, s?s}", "mode", &s->mode, "services",
			   &s->services, "dry_run", &s->dry_run, "restart", &s->restart) == 0 &&
	    parse_restart(s, err) == 0 && compliance_prepare(ctx->profile, s, err) == 0)
		rc = set_apply(ctx, s, warnings, err);
	json_decref(warnings);
	free(s);
	return rc;
}
