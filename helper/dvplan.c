/*
 * dvplan.c - what `set` writes into Dovecot's configuration.
 *
 * Owns: the Dovecot side of a change (DESIGN.md §2, FACTS.md §4b, G4).
 *  - One floor for the whole service: an endpoint floor is accepted only
 *    when every endpoint ends up with the same floor.
 *  - The floor goes where the reader found the deciding setting: every
 *    assignment that decides an endpoint is rewritten in place (a `protocol`
 *    section override too, with a warning); a floor nobody set is appended
 *    to the profile's floor_file (created when missing; the main file when
 *    the profile names none). 2.3+ writes `ssl_min_protocol = X`, 2.2 an
 *    `ssl_protocols` exclusion list.
 *  - Below TLSv1.2 every deciding ssl_cipher_list must end in
 *    `:@SECLEVEL=0` (OpenSSL 3); a preset may ask for a whole list. A floor
 *    below TLSv1.2 asked with any policy but a preset's own list
 *    (intermediate, strong) also needs a list with a cipher for it: one of
 *    TLS 1.2-only suites (Plesk's, Mozilla's intermediate; cipherlist_lowest)
 *    leaves older clients no shared cipher, so it is replaced by Dovecot's
 *    default list (warning ciphers_block_floor). What was changed is
 *    recorded in the service's state, so that a later raise puts back
 *    exactly what was there:
 *      "cipher_list":   [{file, section?, previous, written}]  (what a floor
 *                       below TLSv1.2 needed: @SECLEVEL=0 added, after the
 *                       default list replaced a blocking one)
 *      "cipher_policy": [{file, section?, previous, written}]  (a preset's list)
 *    previous is the value before mail-tls changed it, null when the line
 *    did not exist; written is what the line holds now. An array: a
 *    `protocol imap { }` section may hold a cipher list of its own.
 *    CIPHERS_RESTORE (compliance disable) puts the preset's lists back the
 *    same way; @SECLEVEL=0 then follows the floor as always. A line that
 *    no longer holds what mail-tls wrote is left alone with a `drift`
 *    warning, and its record is dropped.
 *  - The proof: the reader (dovecot.c) runs over the planned texts and must
 *    find the requested floor on every endpoint, or the plan is refused.
 * Lines are edited in place: indentation and a trailing comment are kept,
 * a `\` continued assignment is replaced whole, nothing else is touched.
 * Must never: write a file, or plan a value it did not generate (version
 * names, constant lists, or a value read from the file plus a constant
 * suffix, refused when Dovecot would not read it back unchanged).
 */
#include "dvplan.h"

#include "planstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cipherlist.h"
#include "plan.h"
#include "tlsver.h"

#define DVP_SERVICE "dovecot"
#define DVP_SECLEVEL0 ":@SECLEVEL=0"
#define DVP_VALUE_MAX 4096          /* a cipher list we write */
#define DVP_MAX_EDITED (MT_MAX_ENDPOINTS * 2 + 16)

/* Mozilla's intermediate configuration (v5.7), TLS 1.2 suites. */
#define DVP_INTERMEDIATE                                                                  \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                      \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                      \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                      \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

/* One planning run: its inputs, the configuration read once, the target. */
struct dvp {
	const struct mt_service *svc;             /* borrowed: status before the change */
	const struct mt_floor_request *req;
	json_t *state;                            /* borrowed: this service's record, updated */
	struct plan *pl;
	struct mt_err *err;
	struct dv_rules rules;
	struct dvconf conf;                       /* owned */
	const char *config;                       /* borrowed from the profile */
	const char *floor_file;                   /* borrowed: where unset keys are appended */
	int floor;                                /* every endpoint's floor; TLSVER_NONE: not asked */
	int need_seclevel0;                       /* cipher lists must end in @SECLEVEL=0 */
	int restore;                              /* put back what earlier floors added */
	const struct dvconf_entry *edited[DVP_MAX_EDITED];  /* replaced this run */
	size_t nedited;
	int default_done;                         /* the default's cipher list was planned */
};

/* Where one endpoint's cipher list is decided. */
struct dvp_loc {
	const struct dvconf_entry *e;   /* the deciding assignment; NULL: Dovecot's default */
	const char *file;               /* e's file, or floor_file */
	const char *section;            /* e's section, or "" (top level) */
	const char *value;              /* what it holds now */
};

/* ---- values ------------------------------------------------------------ */

/* dvp_safe_value - v reads back unchanged as an unquoted Dovecot value: no
 * control character, nothing Dovecot would expand, unquote or cut as a
 * comment, no blanks at the ends, not a `<file` reference. */
static int dvp_safe_value(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= DVP_VALUE_MAX || v[0] == '<' || v[0] == ' ' || v[0] == '\t' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t')
		return 0;
	for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f || strchr("#$\"'\\", *c) != NULL)
			return 0;
	return 1;
}

/* dvp_floor_value - what the floor key gets: a version name (2.3+) or the
 * ssl_protocols exclusion list that leaves floor and up (2.2). Static. */
static const char *dvp_floor_value(const struct dvp *d)
{
	static const char *const lists[TLSVER_COUNT] = {
		"!SSLv2 !SSLv3", "!SSLv2 !SSLv3 !TLSv1", "!SSLv2 !SSLv3 !TLSv1 !TLSv1.1",
		"!SSLv2 !SSLv3 !TLSv1 !TLSv1.1 !TLSv1.2",
	};

	return d->rules.legacy ? lists[d->floor] : tlsver_name(d->floor);
}

/* dvp_policy_list - the cipher list a preset asks for, or NULL (keep). */
static const char *dvp_policy_list(const struct dvp *d)
{
	switch (d->req->ciphers) {
	case CIPHERS_INTERMEDIATE:
	case CIPHERS_STRONG:
		return DVP_INTERMEDIATE;
	case CIPHERS_LEGACY:
		return d->rules.ciphers_default;     /* + @SECLEVEL=0, added below */
	case CIPHERS_KEEP:
	case CIPHERS_RESTORE:   /* undone by dvp_undo_policy */
		break;
	}
	return NULL;
}

/* ---- the target floor -------------------------------------------------- */

/* dvp_refuse - unsupported_floor naming endpoint i: "<endpoint> <why>".
 * Returns -1. */
static int dvp_refuse(struct dvp *d, size_t i, const char *why)
{
	char where[48];

	snprintf(where, sizeof(where), DVP_SERVICE "/%s", d->svc->endpoints[i].role);
	mt_err_set(d->err, "unsupported_floor", "%s %s", where, why);
	mt_err_where(d->err, DVP_SERVICE, where);
	return -1;
}

/* dvp_asker - the endpoint whose own floor breaks the one service floor:
 * i itself when it has one, else the first endpoint that has one. */
static size_t dvp_asker(const struct dvp *d, size_t i)
{
	if (d->req->endpoint_floor[i] != TLSVER_NONE)
		return i;
	for (size_t j = 0; j < d->svc->nendpoints; j++)
		if (d->req->endpoint_floor[j] != TLSVER_NONE)
			return j;
	return i;
}

/* dvp_target - the one floor every endpoint gets: an endpoint's own floor,
 * else the service floor, else (not asked) the floor it has now. Returns 0
 * (d->floor TLSVER_NONE when nothing was asked) or -1 unsupported_floor. */
static int dvp_target(struct dvp *d)
{
	const struct mt_service *svc = d->svc;
	int want = d->req->service_floor, t;

	for (size_t i = 0; i < svc->nendpoints && want == TLSVER_NONE; i++)
		want = d->req->endpoint_floor[i];
	d->floor = want;
	if (want == TLSVER_NONE)
		return 0;
	for (size_t i = 0; i < svc->nendpoints; i++) {
		t = d->req->endpoint_floor[i] != TLSVER_NONE ? d->req->endpoint_floor[i]
			: d->req->service_floor != TLSVER_NONE ? d->req->service_floor
			: svc->endpoints[i].configured;
		if (t != want)
			return dvp_refuse(d, dvp_asker(d, i),
					  "cannot take a floor of its own: Dovecot has one floor for all its endpoints");
		if (!(svc->endpoints[i].floors & (1u << want)))
			return dvp_refuse(d, i, "cannot take this floor");
	}
	return 0;
}

/* dvp_lowest - the lowest floor any endpoint will have (the target, else
 * the current ones); TLSVER_NONE when none has one. */
static int dvp_lowest(const struct dvp *d)
{
	int low = TLSVER_NONE;

	if (d->floor != TLSVER_NONE)
		return d->floor;
	for (size_t i = 0; i < d->svc->nendpoints; i++) {
		int c = d->svc->endpoints[i].configured;

		if (tlsver_is_version(c) && (low == TLSVER_NONE || c < low))
			low = c;
	}
	return low;
}

/* ---- line edits -------------------------------------------------------- */

/* dvp_entry - the parsed assignment a status source points at. Borrowed;
 * NULL with internal when the configuration no longer holds it. */
static const struct dvconf_entry *dvp_entry(struct dvp *d, const struct mt_source *s)
{
	for (size_t i = 0; i < d->conf.n; i++) {
		const struct dvconf_entry *e = &d->conf.entries[i];

		if (e->line == s->line && strcmp(e->key, s->key) == 0 && strcmp(e->file, s->file) == 0)
			return e;
	}
	mt_err_set(d->err, "internal", "%s line %u (%s) changed while the change was planned",
		   s->file, s->line, s->key);
	return NULL;
}

/* dvp_edited - 1 when e was already replaced by this run. */
static int dvp_edited(const struct dvp *d, const struct dvconf_entry *e)
{
	for (size_t i = 0; i < d->nedited; i++)
		if (d->edited[i] == e)
			return 1;
	return 0;
}

/* dvp_join - new string: a + b + c + d (each given with its length). NULL on OOM. */
static char *dvp_join(const char *a, size_t na, const char *b, const char *c, size_t nc,
		      const char *dd)
{
	size_t nb = strlen(b), nd = strlen(dd);
	char *s = malloc(na + nb + nc + nd + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	memcpy(s + na + nb, c, nc);
	memcpy(s + na + nb + nc, dd, nd + 1);
	return s;
}

/* dvp_new_line - new string: e's first line rewritten to `key = value`,
 * keeping its indentation and (single-line assignments) its trailing
 * comment; "" when value is NULL (the line is deleted). */
static char *dvp_new_line(const struct plan_file *f, const struct dvconf_entry *e, const char *key,
			  const char *value)
{
	size_t len = 0, indent, tail, keep;
	const char *line = plan_line(f, e->line, &len);
	char *assign, *out;

	if (value == NULL)
		return strdup("");
	if (line == NULL)
		return NULL;
	indent = strspn(line, " \t");
	tail = len;
	if (e->last_line == e->line) {
		tail = dvconf_comment_at(line, len);
		for (keep = tail; keep > indent && (line[keep - 1] == ' ' || line[keep - 1] == '\t');)
			keep--;
		tail = tail < len ? keep : len;
	}
	assign = dvp_join(key, strlen(key), " = ", value, strlen(value), "");
	if (assign == NULL)
		return NULL;
	out = dvp_join(line, indent, assign, line + tail, len - tail, "\n");
	free(assign);
	return out;
}

/* dvp_too_long - a value longer than mail-tls writes. Returns -1. */
static int dvp_too_long(struct dvp *d, const char *file)
{
	mt_err_set(d->err, "unsupported_floor",
		   "ssl_cipher_list in %s is longer than mail-tls rewrites (%d bytes): change it by hand",
		   file, DVP_VALUE_MAX - 1);
	return -1;
}

/* dvp_check_value - refuse (unsupported_floor) a value that would not read
 * back as written. Returns 0 or -1. */
static int dvp_check_value(struct dvp *d, const char *file, const char *key, const char *value)
{
	if (value == NULL || dvp_safe_value(value))
		return 0;
	mt_err_set(d->err, "unsupported_floor",
		   "%s in %s holds characters mail-tls does not rewrite (quotes, $, #, \\, control characters): change it by hand",
		   key, file);
	return -1;
}

/* dvp_replace - rewrite assignment e as `key = value` (NULL deletes it).
 * Returns 0 or -1. */
static int dvp_replace(struct dvp *d, const struct dvconf_entry *e, const char *key,
		       const char *value)
{
	struct plan_file *f;
	char *text;
	int rc;

	if (dvp_check_value(d, e->file, key, value) != 0)
		return -1;
	if (d->nedited == DVP_MAX_EDITED) {
		mt_err_set(d->err, "internal", "too many Dovecot settings to rewrite");
		return -1;
	}
	f = plan_file(d->pl, DVP_SERVICE, e->file, d->err);
	if (f == NULL)
		return -1;
	text = dvp_new_line(f, e, key, value);
	if (text == NULL) {
		mt_err_set(d->err, "internal", "cannot rewrite %s line %u", e->file, e->line);
		return -1;
	}
	rc = plan_replace(f, e->line, e->last_line - e->line + 1, text, d->err);
	free(text);
	if (rc == 0)
		d->edited[d->nedited++] = e;
	return rc;
}

/* dvp_append - `key = value` at the end of floor_file. Returns 0 or -1. */
static int dvp_append(struct dvp *d, const char *key, const char *value)
{
	struct plan_file *f;
	char *text;
	int rc;

	if (dvp_check_value(d, d->floor_file, key, value) != 0)
		return -1;
	f = plan_file(d->pl, DVP_SERVICE, d->floor_file, d->err);
	if (f == NULL)
		return -1;
	text = dvp_join(key, strlen(key), " = ", value, strlen(value), "\n");
	if (text == NULL) {
		mt_err_set(d->err, "internal", "out of memory");
		return -1;
	}
	rc = plan_append(f, text, d->err);
	free(text);
	return rc;
}

/* ---- the floor --------------------------------------------------------- */

/* dvp_floor_source - the source that decides ep's floor (the reader lists
 * it first among the floor keys), or NULL. */
static const struct mt_source *dvp_floor_source(const struct dvp *d, const struct mt_endpoint *ep)
{
	for (size_t i = 0; i < ep->nsources; i++) {
		const struct mt_source *s = &ep->sources[i];

		if (s->ignored)
			continue;
		if (strcmp(s->key, "ssl_protocols") == 0 ||
		    (!d->rules.legacy && strcmp(s->key, "ssl_min_protocol") == 0))
			return s;
	}
	return NULL;
}

/* dvp_floor_entry - rewrite the assignment e that decides an endpoint's
 * floor (a protocol section override included, with a warning). */
static int dvp_floor_entry(struct dvp *d, const struct dvconf_entry *e, const char *key,
			   const char *value)
{
	if (dvp_edited(d, e))
		return 0;
	if (e->section[0] != '\0')
		plan_warn(d->pl, DVP_SERVICE, "override",
			  "%s in '%s' (%s line %u) overrode the service floor for its endpoints: rewritten to %s",
			  e->key, e->section, e->file, e->line, value);
	return dvp_replace(d, e, key, value);
}

/* dvp_plan_floor - the floor key everywhere it decides an endpoint, or
 * appended to floor_file where only the default decides. An endpoint that
 * already has the floor is left as it is. */
static int dvp_plan_floor(struct dvp *d)
{
	const char *key = d->rules.legacy ? "ssl_protocols" : "ssl_min_protocol";
	const char *value = dvp_floor_value(d);
	const struct mt_source *s;
	const struct dvconf_entry *e;
	int append = 0;

	for (size_t i = 0; i < d->svc->nendpoints; i++) {
		const struct mt_endpoint *ep = &d->svc->endpoints[i];

		s = dvp_floor_source(d, ep);
		if (ep->configured == d->floor && s != NULL)
			continue;
		if (s == NULL || s->is_default) {
			append = 1;
			continue;
		}
		e = dvp_entry(d, s);
		if (e == NULL || dvp_floor_entry(d, e, key, value) != 0)
			return -1;
	}
	return append ? dvp_append(d, key, value) : 0;
}

/* ---- state records ------------------------------------------------------ */

/* dvp_rec_set - state[kind] records that loc held previous (stolen) and
 * now holds written. Returns 0 or -1 (internal). */
static int dvp_rec_set(struct dvp *d, const char *kind, const struct dvp_loc *loc, json_t *previous,
		       const char *written)
{
	if (planstate_set(d->state, kind, loc->file, loc->section, previous, written) != 0) {
		mt_err_set(d->err, "internal", "cannot record the previous value in the state "
			   "(a value that is not UTF-8, or out of memory): nothing was changed");
		return -1;
	}
	return 0;
}

/* ---- cipher lists ------------------------------------------------------ */

/* dvp_cipher_source - ep's ssl_cipher_list source, or NULL. */
static const struct mt_source *dvp_cipher_source(const struct mt_endpoint *ep)
{
	for (size_t i = 0; i < ep->nsources; i++)
		if (strcmp(ep->sources[i].key, "ssl_cipher_list") == 0 && !ep->sources[i].ignored)
			return &ep->sources[i];
	return NULL;
}

/* dvp_locations - the distinct places that decide the endpoints' cipher
 * lists into locs (at most MT_MAX_ENDPOINTS); *n their count. */
static int dvp_locations(struct dvp *d, struct dvp_loc *locs, size_t *n)
{
	const struct mt_source *s;
	struct dvp_loc loc;
	size_t j;

	*n = 0;
	for (size_t i = 0; i < d->svc->nendpoints; i++) {
		s = dvp_cipher_source(&d->svc->endpoints[i]);
		if (s == NULL)
			continue;
		loc = (struct dvp_loc){ NULL, d->floor_file, "", d->rules.ciphers_default };
		if (!s->is_default) {
			loc.e = dvp_entry(d, s);
			if (loc.e == NULL)
				return -1;
			loc = (struct dvp_loc){ loc.e, loc.e->file, loc.e->section, loc.e->value };
		}
		for (j = 0; j < *n && locs[j].e != loc.e; j++)
			;
		if (j == *n)
			locs[(*n)++] = loc;
	}
	return 0;
}

/* dvp_apply_policy - a preset's list at loc: recorded with the value from
 * before mail-tls changed it; an @SECLEVEL=0 record there is superseded.
 * value (DVP_VALUE_MAX) holds the current value and receives the new one.
 * Returns 1 changed, 0 not, -1 error. */
static int dvp_apply_policy(struct dvp *d, const struct dvp_loc *loc, char *value)
{
	const char *list = dvp_policy_list(d);
	size_t idx;

	if (list == NULL || strcmp(value, list) == 0)
		return 0;
	if (dvp_rec_set(d, "cipher_policy", loc,
			planstate_previous(d->state, loc->file, loc->section, loc->e ? loc->e->value : NULL), list) != 0)
		return -1;
	if (planstate_find(d->state, "cipher_list", loc->file, loc->section, &idx) != NULL)
		planstate_drop(d->state, "cipher_list", idx);
	mt_strlcpy(value, list, DVP_VALUE_MAX);
	return 1;
}

/* dvp_apply_seclevel - value gets `:@SECLEVEL=0` when the floor needs it and
 * it does not end at level 0 already; recorded with previous, what a raise
 * puts back (NULL: no line). Returns 1 changed, 0 not, -1 error. */
static int dvp_apply_seclevel(struct dvp *d, const struct dvp_loc *loc, char *value,
			      const char *previous)
{
	char added[DVP_VALUE_MAX];
	size_t idx;

	if (!d->need_seclevel0 || tlsver_cipher_seclevel(value) == 0)
		return 0;
	if (snprintf(added, sizeof(added), "%s" DVP_SECLEVEL0, value) >= (int)sizeof(added))
		return dvp_too_long(d, loc->file);
	if (planstate_find(d->state, "cipher_list", loc->file, loc->section, &idx) != NULL)
		plan_warn(d->pl, DVP_SERVICE, "drift",
			  "ssl_cipher_list in %s lost the @SECLEVEL=0 mail-tls added: added again", loc->file);
	if (dvp_rec_set(d, "cipher_list", loc, previous ? json_string(previous) : json_null(), added) != 0)
		return -1;
	mt_strlcpy(value, added, DVP_VALUE_MAX);
	return 1;
}

/* dvp_blocked - the floor this change sets that the cipher list value has
 * no cipher for, or TLSVER_NONE: no floor asked, TLSv1.2 or more, a preset
 * that asks for its own list, a list OpenSSL rejects (the reader says so),
 * or one with a cipher for the floor. */
static int dvp_blocked(const struct dvp *d, const char *value)
{
	int lowest;

	if (d->floor == TLSVER_NONE || d->floor >= TLSVER_1_2 ||
	    d->req->ciphers == CIPHERS_INTERMEDIATE || d->req->ciphers == CIPHERS_STRONG)
		return TLSVER_NONE;
	lowest = cipherlist_lowest(value);
	return lowest != CIPHERLIST_INVALID && lowest > d->floor ? d->floor : TLSVER_NONE;
}

/* dvp_apply_floor - a floor below TLSv1.2 that the list in value (what loc
 * will hold so far; DVP_VALUE_MAX) has no cipher for: value becomes
 * Dovecot's default list. *previous (pointing into prev, DVP_VALUE_MAX;
 * NULL: no line) becomes what a raise must put back: the list from before
 * the @SECLEVEL=0 or the replacement an earlier floor made there (its
 * cipher_list record goes; the one made for this floor carries it on), else
 * what loc holds now. policy: the preset step changed value. Returns 1
 * replaced, 0 not, -1 error. */
static int dvp_apply_floor(struct dvp *d, const struct dvp_loc *loc, int policy, char *value,
			   char *prev, const char **previous)
{
	int floor = dvp_blocked(d, value);
	const char *written;
	json_t *r, *pv;
	size_t idx;

	if (floor == TLSVER_NONE)
		return 0;
	r = planstate_find(d->state, "cipher_list", loc->file, loc->section, &idx);
	if (r != NULL && !policy) {
		pv = json_object_get(r, "previous");
		written = json_string_value(json_object_get(r, "written"));
		if (loc->e != NULL && written != NULL && strcmp(loc->e->value, written) == 0 &&
		    (json_is_null(pv) || json_is_string(pv))) {
			*previous = json_is_null(pv) ? NULL : prev;
			if (json_is_string(pv) && mt_strlcpy(prev, json_string_value(pv), DVP_VALUE_MAX) != 0)
				return dvp_too_long(d, loc->file);
		} else {
			plan_warn(d->pl, DVP_SERVICE, "drift",
				  "ssl_cipher_list in %s was changed since mail-tls set it: the list there now is the one a raise puts back",
				  loc->file);
		}
	}
	if (r != NULL)
		planstate_drop(d->state, "cipher_list", idx);
	plan_warn(d->pl, DVP_SERVICE, "ciphers_block_floor",
		  "ssl_cipher_list in %s has no cipher for %s (TLS 1.2-only suites): list replaced by the default list so %s clients find a cipher; raising the floor restores it",
		  loc->file, tlsver_name(floor), tlsver_name(floor));
	mt_strlcpy(value, d->rules.ciphers_default, DVP_VALUE_MAX);
	return 1;
}

/* dvp_last_in - the last ssl_cipher_list assignment in exactly (file,
 * section), or NULL. Borrowed. */
static const struct dvconf_entry *dvp_last_in(const struct dvp *d, const char *file,
					      const char *section)
{
	for (size_t i = d->conf.n; i-- > 0;) {
		const struct dvconf_entry *e = &d->conf.entries[i];

		if (strcmp(e->key, "ssl_cipher_list") == 0 && strcmp(e->file, file) == 0 &&
		    strcmp(e->section, section) == 0)
			return e;
	}
	return NULL;
}

/* dvp_fallback - the ssl_cipher_list that decides once e is gone: an
 * earlier one in e's section, else (e in a protocol section) the last
 * global one; NULL: Dovecot's default. Borrowed. */
static const struct dvconf_entry *dvp_fallback(const struct dvp *d, const struct dvconf_entry *e)
{
	const char *scopes[2] = { e->section, "" };

	for (size_t k = 0; k < (e->section[0] != '\0' ? 2u : 1u); k++)
		for (size_t i = d->conf.n; i-- > 0;) {
			const struct dvconf_entry *x = &d->conf.entries[i];

			if (x != e && strcmp(x->key, "ssl_cipher_list") == 0 &&
			    strcmp(x->section, scopes[k]) == 0)
				return x;
		}
	return NULL;
}

/* dvp_at - loc becomes the place of entry e (NULL: the default). */
static void dvp_at(const struct dvp *d, struct dvp_loc *loc, const struct dvconf_entry *e)
{
	*loc = e ? (struct dvp_loc){ e, e->file, e->section, e->value }
		 : (struct dvp_loc){ NULL, d->floor_file, "", d->rules.ciphers_default };
}

/* dvp_done - the cipher list at loc was already planned by this run. */
static int dvp_done(const struct dvp *d, const struct dvp_loc *loc)
{
	return loc->e ? dvp_edited(d, loc->e) : d->default_done;
}

/* dvp_undo_policy - CIPHERS_RESTORE: the preset's list at loc goes back to
 * what was there before it. A line mail-tls added goes, and loc moves to
 * what decides then (its value into value). A line someone changed since
 * is left alone (drift). The record goes. Returns 1 value changed at loc,
 * 0 nothing to write at loc, -1 error. */
static int dvp_undo_policy(struct dvp *d, struct dvp_loc *loc, char *value)
{
	json_t *r, *prev;
	const char *written;
	size_t idx;
	int rc = 0;

	r = planstate_find(d->state, "cipher_policy", loc->file, loc->section, &idx);
	if (r == NULL)
		return 0;
	prev = json_incref(json_object_get(r, "previous"));
	written = json_string_value(json_object_get(r, "written"));
	if (loc->e == NULL || written == NULL || strcmp(loc->e->value, written) != 0 ||
	    !(json_is_null(prev) || json_is_string(prev)))
		plan_warn(d->pl, DVP_SERVICE, "drift",
			  "ssl_cipher_list in %s was changed since mail-tls set it: left as it is", loc->file);
	else if (json_is_string(prev))
		rc = mt_strlcpy(value, json_string_value(prev), DVP_VALUE_MAX) == 0 ? 1 : dvp_too_long(d, loc->file);
	else if (dvp_replace(d, loc->e, "ssl_cipher_list", NULL) != 0)
		rc = -1;
	else {
		dvp_at(d, loc, dvp_fallback(d, loc->e));     /* what the added line hid */
		rc = mt_strlcpy(value, loc->value, DVP_VALUE_MAX) == 0 ? 0 : dvp_too_long(d, loc->file);
	}
	planstate_drop(d->state, "cipher_policy", idx);
	json_decref(prev);
	return rc;
}

/* dvp_write - value at loc: the deciding line rewritten, or appended to
 * floor_file for the default. */
static int dvp_write(struct dvp *d, const struct dvp_loc *loc, const char *value)
{
	if (loc->e != NULL && loc->e->from_file) {
		mt_err_set(d->err, "unsupported_floor",
			   "ssl_cipher_list in %s line %u is read from a file (<%s): change it by hand",
			   loc->e->file, loc->e->line, loc->e->value);
		return -1;
	}
	if (loc->e != NULL)
		return dvp_replace(d, loc->e, "ssl_cipher_list", value);
	d->default_done = 1;
	return dvp_append(d, "ssl_cipher_list", value);
}

/* dvp_plan_location - the cipher list one place should hold: the preset's
 * list (on CIPHERS_RESTORE: the one from before the preset), Dovecot's
 * default where that has no cipher for the floor, then @SECLEVEL=0 when
 * the floor needs it; written once. */
static int dvp_plan_location(struct dvp *d, const struct dvp_loc *where)
{
	struct dvp_loc loc = *where;
	char value[DVP_VALUE_MAX], prev[DVP_VALUE_MAX];
	const char *previous;
	int policy, floor, seclevel;

	if (dvp_done(d, &loc))
		return 0;
	if (mt_strlcpy(value, loc.value, sizeof(value)) != 0)
		return dvp_too_long(d, loc.file);
	if (d->req->ciphers == CIPHERS_RESTORE)
		policy = dvp_undo_policy(d, &loc, value);
	else
		policy = dvp_apply_policy(d, &loc, value);
	if (policy < 0)
		return -1;
	if (dvp_done(d, &loc))
		return 0;                       /* moved to a place planned already */
	memcpy(prev, value, sizeof(prev));
	previous = loc.e != NULL || policy ? prev : NULL;     /* what a raise puts back */
	floor = dvp_apply_floor(d, &loc, policy, value, prev, &previous);
	if (floor < 0)
		return -1;
	seclevel = dvp_apply_seclevel(d, &loc, value, previous);
	if (seclevel < 0)
		return -1;
	if (floor && !seclevel &&
	    dvp_rec_set(d, "cipher_list", &loc, previous ? json_string(previous) : json_null(), value) != 0)
		return -1;
	return policy || floor || seclevel ? dvp_write(d, &loc, value) : 0;
}

/* dvp_restore_one - record r of state[kind]: put back its previous value
 * (delete the line mail-tls added) when the line still holds what was
 * written; else someone changed it: leave it, warn drift. The record goes
 * either way. */
static int dvp_restore_one(struct dvp *d, const char *kind, json_t *r, size_t idx)
{
	const char *file = json_string_value(json_object_get(r, "file"));
	const char *section = json_string_value(json_object_get(r, "section"));
	const char *written = json_string_value(json_object_get(r, "written"));
	json_t *prev = json_object_get(r, "previous");
	const struct dvconf_entry *e = NULL;
	int rc = 0;

	if (file != NULL && written != NULL)
		e = dvp_last_in(d, file, section ? section : "");
	if (e != NULL && strcmp(e->value, written) == 0 && !dvp_edited(d, e) &&
	    (json_is_null(prev) || json_is_string(prev)))
		rc = dvp_replace(d, e, "ssl_cipher_list", json_string_value(prev));
	else
		plan_warn(d->pl, DVP_SERVICE, "drift",
			  "ssl_cipher_list in %s was changed since mail-tls set it: left as it is",
			  file ? file : "(unknown file)");
	if (rc == 0)
		planstate_drop(d->state, kind, idx);
	return rc;
}

/* dvp_restore - undo every change recorded in state[kind] (cipher_list:
 * the @SECLEVEL=0 additions and the default lists put in for a floor, once
 * the floor is TLSv1.2 or more again;
 * cipher_policy: a preset's lists no endpoint reads, on CIPHERS_RESTORE). */
static int dvp_restore(struct dvp *d, const char *kind)
{
	json_t *list = json_object_get(d->state, kind);

	if (!json_is_array(list))
		return 0;
	for (size_t i = json_array_size(list); i-- > 0;)
		if (dvp_restore_one(d, kind, json_array_get(list, i), i) != 0)
			return -1;
	return 0;
}

/* dvp_plan_ciphers - every deciding cipher list; then, on CIPHERS_RESTORE,
 * the preset lists no endpoint reads; then the undoing of what a lower
 * floor added once the floor is TLSv1.2 or more again. */
static int dvp_plan_ciphers(struct dvp *d)
{
	struct dvp_loc locs[MT_MAX_ENDPOINTS];
	size_t n;

	if (dvp_locations(d, locs, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (dvp_plan_location(d, &locs[i]) != 0)
			return -1;
	if (d->req->ciphers == CIPHERS_RESTORE && dvp_restore(d, "cipher_policy") != 0)
		return -1;
	return d->restore ? dvp_restore(d, "cipher_list") : 0;
}

/* dvp_warn_partial - floor and cipher settings in local/remote sections
 * apply to some connections only; they are left as they are. */
static void dvp_warn_partial(struct dvp *d)
{
	static const char *const keys[] = { "ssl_min_protocol", "ssl_protocols", "ssl_cipher_list" };

	for (size_t i = 0; i < d->conf.n; i++) {
		const struct dvconf_entry *e = &d->conf.entries[i];

		if (!dv_is_partial_section(e->section))
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(e->key, keys[k]) == 0)
				plan_warn(d->pl, DVP_SERVICE, "override",
					  "%s in '%s' (%s line %u) applies to some connections only and was left as it is",
					  e->key, e->section, e->file, e->line);
	}
}

/* ---- the proof --------------------------------------------------------- */

/* dvp_overlays - the planned texts of this service's files into ov (at
 * most PLAN_MAX_FILES); returns their count. */
static size_t dvp_overlays(const struct plan *pl, struct dvconf_overlay *ov)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->nfiles; i++)
		if (strcmp(pl->files[i].service, DVP_SERVICE) == 0 && pl->files[i].after != NULL)
			ov[n++] = (struct dvconf_overlay){ pl->files[i].path, pl->files[i].after,
							   pl->files[i].after_len };
	return n;
}

/* dvp_cipher_cause - the reader's warning that a's cipher list keeps it
 * from its configured floor (no cipher for it, no cipher at all, a security
 * level), or NULL. Borrowed. */
static const char *dvp_cipher_cause(const struct mt_endpoint *a)
{
	static const char key[] = "ssl_cipher_list";

	for (size_t i = 0; i < a->nwarnings; i++)
		if (strncmp(a->warnings[i].message, key, sizeof(key) - 1) == 0)
			return a->warnings[i].message;
	return NULL;
}

/* dvp_refuse_proof - the planned files would not give endpoint i the floor
 * want (a: what they give, NULL when the endpoint is gone): the cipher list
 * named when it is what stands in the way. Returns -1. */
static int dvp_refuse_proof(struct dvp *d, size_t i, const struct mt_endpoint *a, int want)
{
	const char *cause = a != NULL && a->configured == want ? dvp_cipher_cause(a) : NULL;
	char why[MT_PATH_MAX * 2 + 400];

	if (cause != NULL)
		snprintf(why, sizeof(why),
			 "would get the floor %s from the planned configuration but effective %s: %s",
			 tlsver_name(want), tlsver_name(a->effective), cause);
	else
		snprintf(why, sizeof(why),
			 "would get the floor %s (effective %s) from the planned configuration, not %s: is %s read by %s?",
			 a ? tlsver_name(a->configured) : "none", a ? tlsver_name(a->effective) : "none",
			 tlsver_name(want), d->floor_file, d->config);
	return dvp_refuse(d, i, why);
}

/* dvp_compare - the planned status gives every endpoint what was asked
 * (configured = effective = the floor, unless TLS is off there; without a
 * floor asked, the configured floors it had). */
static int dvp_compare(struct dvp *d, struct mt_service *after)
{
	for (size_t i = 0; i < d->svc->nendpoints; i++) {
		const struct mt_endpoint *ep = &d->svc->endpoints[i];
		const struct mt_endpoint *a = model_find_endpoint(after, ep->role);

		if (a != NULL && d->floor == TLSVER_NONE && a->configured == ep->configured)
			continue;                   /* a preset's cipher list alone: floors stay */
		if (a != NULL && a->configured == d->floor &&
		    (a->effective == d->floor || model_has_warning(a, "tls_disabled")))
			continue;
		return dvp_refuse_proof(d, i, a, d->floor != TLSVER_NONE ? d->floor : ep->configured);
	}
	return 0;
}

/* dvp_verify - read the planned texts back like `status` does. */
static int dvp_verify(struct dvp *d)
{
	struct dvconf_overlay ov[PLAN_MAX_FILES];
	struct mt_service *after = NULL;
	struct dvconf conf;
	int rc = -1;

	memset(&conf, 0, sizeof(conf));
	if (plan_render(d->pl, d->err) != 0)
		goto out;
	after = calloc(1, sizeof(*after));
	if (after == NULL) {
		mt_err_set(d->err, "internal", "out of memory");
		goto out;
	}
	*after = (struct mt_service){ .installed = 1 };
	memcpy(after->name, d->svc->name, sizeof(after->name));
	memcpy(after->version, d->svc->version, sizeof(after->version));
	memcpy(after->tls_library, d->svc->tls_library, sizeof(after->tls_library));
	rc = dv_load_conf(d->config, &d->rules, ov, dvp_overlays(d->pl, ov), &conf, d->err);
	if (rc == 1)
		mt_err_set(d->err, "internal", "%s vanished while the change was planned", d->config);
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	dv_status_from_conf(&conf, d->config, after);
	rc = dvp_compare(d, after);
out:
	dvconf_free(&conf);
	free(after);
	return rc;
}

/* ---- entry point ------------------------------------------------------- */

/* dvp_plan - the steps, on a set-up run. */
static int dvp_plan(struct dvp *d)
{
	int rc = dv_load_conf(d->config, &d->rules, NULL, 0, &d->conf, d->err);

	if (rc == 1)
		mt_err_set(d->err, "service_not_installed", "%s does not exist", d->config);
	if (rc != 0)
		return -1;
	if (d->floor != TLSVER_NONE && dvp_plan_floor(d) != 0)
		return -1;
	if (dvp_plan_ciphers(d) != 0)
		return -1;
	dvp_warn_partial(d);
	return dvp_verify(d);
}

int dvplan_floors(const struct mt_profile *p, const struct mt_service *svc,
		  const struct mt_floor_request *req, json_t *state, struct plan *pl,
		  struct mt_err *err)
{
	struct dvp *d = calloc(1, sizeof(*d));
	int rc = -1, low;

	if (d == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	*d = (struct dvp){ .svc = svc, .req = req, .state = state, .pl = pl, .err = err };
	d->config = profile_str(p, DVP_SERVICE, "config");
	d->floor_file = profile_str(p, DVP_SERVICE, "floor_file");
	if (d->floor_file == NULL)
		d->floor_file = d->config;
	dv_rules_for(svc->version, &d->rules);
	if (d->config == NULL)
		mt_err_set(err, "bad_profile", "the profile names no Dovecot configuration");
	if (d->config == NULL || dvp_target(d) != 0)
		goto out;
	low = dvp_lowest(d);
	d->need_seclevel0 = req->ciphers == CIPHERS_LEGACY || (low != TLSVER_NONE && low < TLSVER_1_2);
	d->restore = d->floor != TLSVER_NONE && !d->need_seclevel0;
	if (d->floor == TLSVER_NONE && req->ciphers == CIPHERS_KEEP) {
		rc = 0;                         /* nothing asked */
		goto out;
	}
	rc = dvp_plan(d);
out:
	if (rc != 0 && err->service[0] == '\0')
		mt_err_where(err, DVP_SERVICE, err->endpoint[0] ? err->endpoint : NULL);
	dvconf_free(&d->conf);
	free(d);
	return rc;
}
