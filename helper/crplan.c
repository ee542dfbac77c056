/*
 * crplan.c - what `set` writes into Courier-IMAP's configuration.
 *
 * Owns: the Courier side of a change (DESIGN.md §2, FACTS.md §4c, §4d, G5,
 * G6). The files are shell-sourced, a launcher pair at a time (imapd +
 * imapd-ssl, pop3d + pop3d-ssl): the last assignment wins.
 *  - GnuTLS build (or unknown, read the same way): one TLS_PRIORITY per
 *    pair governs both its endpoints, so an endpoint floor is accepted only
 *    when both end up equal. The string is FACTS.md §4c's
 *    `NORMAL:-VERS-ALL:+VERS-TLS1.3[:+VERS-TLS1.2...]`, built on what the
 *    current value keeps besides its version items, and checked with
 *    `gnutls-cli --priority STR -l` before it is planned. Nothing else is
 *    added, so the state is left as it is.
 *  - OpenSSL build: TLS_PROTOCOL (SSL port) and TLS_STARTTLS_PROTOCOL
 *    (STARTTLS) per endpoint, in libcouriertls.c's spelling (`TLSv1`,
 *    `TLSv1.1+`, `TLSv1.2+`); TLSv1.3 cannot be expressed (an unknown value
 *    means no floor at all) and is refused. Below TLSv1.2 the pair's
 *    TLS_CIPHER_LIST ends in `:@SECLEVEL=0`; a preset may ask for a list.
 *    A floor below TLSv1.2 asked with any policy but a preset's own list
 *    (intermediate, strong) also needs a list with a cipher for it: one of
 *    TLS 1.2-only suites (cipherlist_lowest) is replaced by Courier's
 *    default list (warning ciphers_block_floor). All is recorded in the
 *    state, as for Dovecot:
 *      "cipher_list":   [{file, previous, written}]  (what a floor below
 *                       TLSv1.2 needed: @SECLEVEL=0 added, after the
 *                       default list replaced a blocking one)
 *      "cipher_policy": [{file, previous, written}]  (a preset's list)
 *    and a raise puts back exactly what was there; CIPHERS_RESTORE
 *    (compliance disable) puts a preset's list back; a line someone
 *    changed since is left alone (`drift`). GnuTLS builds get no cipher
 *    changes from a preset (NORMAL already serves TLS 1.0 clients).
 *  - The deciding assignment is rewritten in place (the bytes around it on
 *    its lines are kept); a key nobody set is appended to the pair's -ssl
 *    file as NAME="value".
 *  - The proof: the reader (courier.c) runs over the planned texts. Every
 *    asked endpoint must get its floor; every other endpoint must keep its
 *    effective floor. When an edit would move another endpoint (a
 *    `TLS_STARTTLS_PROTOCOL="$TLS_PROTOCOL"` line, or @SECLEVEL=0 letting a
 *    STARTTLS floor of TLSv1 through), that endpoint's own key is pinned to
 *    the floor it has now, with a warning.
 * Must never: write a file, run anything but gnutls-cli, or plan a value
 * with `"`, `$`, a backquote, a backslash or a control character.
 */
#include "crplan.h"

#include "planstate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cipherlist.h"
#include "plan.h"
#include "spawn.h"
#include "tlsver.h"

#define CRP_SERVICE "courier"
#define CRP_SECLEVEL0 ":@SECLEVEL=0"
#define CRP_VALUE_MAX 4096
#define CRP_GNUTLS_CLI_TIMEOUT_MS 5000
#define CRP_MAX_SPANS 16
#define CRP_NONE SIZE_MAX

/* Mozilla's intermediate configuration (v5.7), TLS 1.2 suites. */
#define CRP_INTERMEDIATE                                                                  \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                      \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                      \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                      \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

/* One launcher pair being planned. Side 0 is the plain (STARTTLS)
 * endpoint, side 1 the SSL one. */
struct crp_pair {
	const struct cr_pair *pair;
	int installed;                  /* its -ssl file exists */
	struct shvars vars;             /* owned: its files as they are */
	const char *path[2];            /* borrowed: plain and -ssl file */
	size_t ep[2];                   /* index in svc->endpoints, or CRP_NONE */
	int want[2];                    /* floor asked for, or TLSVER_NONE */
	int final[2];                   /* floor after the change (asked, else current) */
	int pinned[2];                  /* its key was written to keep its floor */
};

/* Lines already replaced in one file (no edit may touch them twice). */
struct crp_span {
	const char *path;               /* borrowed */
	unsigned first, last;
};

/* One planning run. */
struct crp {
	const struct mt_profile *p;
	const struct mt_service *svc;   /* borrowed: status before the change */
	const struct mt_floor_request *req;
	json_t *state;                  /* borrowed: this service's record, updated */
	struct plan *pl;
	struct mt_err *err;
	int openssl;
	struct crp_pair pairs[CR_NPAIRS];
	struct crp_span spans[CRP_MAX_SPANS];
	size_t nspans;
	char checked[CRP_VALUE_MAX];    /* the last priority gnutls-cli accepted */
};

static const char *const crp_keys[2] = { "TLS_STARTTLS_PROTOCOL", "TLS_PROTOCOL" };

/* ---- errors and values ----------------------------------------------- */

/* crp_refuse - unsupported_floor about endpoint index i: "<endpoint> <why>".
 * Returns -1. */
static int crp_refuse(struct crp *c, size_t i, const char *why)
{
	char where[48];

	snprintf(where, sizeof(where), CRP_SERVICE "/%s", c->svc->endpoints[i].role);
	mt_err_set(c->err, "unsupported_floor", "%s %s", where, why);
	mt_err_where(c->err, CRP_SERVICE, where);
	return -1;
}

/* crp_safe_value - v can stand between double quotes in a shell-sourced
 * file and mean itself: no `"`, `$`, backquote, backslash or control
 * character, and shorter than CRP_VALUE_MAX. */
static int crp_safe_value(const char *v)
{
	if (strlen(v) >= CRP_VALUE_MAX)
		return 0;
	for (const unsigned char *ch = (const unsigned char *)v; *ch != '\0'; ch++)
		if (*ch < 0x20 || *ch == 0x7f || strchr("\"$`\\", *ch) != NULL)
			return 0;
	return 1;
}

/* crp_check_value - refuse (unsupported_floor) what crp_safe_value does
 * not accept. Returns 0 or -1. */
static int crp_check_value(struct crp *c, const char *file, const char *name, const char *value)
{
	if (value == NULL || crp_safe_value(value))
		return 0;
	mt_err_set(c->err, "unsupported_floor",
		   "%s for %s would hold characters mail-tls does not write into a shell-sourced file (\", $, `, \\, control characters): change it by hand",
		   name, file);
	return -1;
}

/* crp_protocol_value - TLS_PROTOCOL's spelling of a floor (libcouriertls.c);
 * NULL for TLSv1.3, which it cannot express. Static. */
static const char *crp_protocol_value(int floor)
{
	static const char *const names[TLSVER_COUNT] = { "TLSv1", "TLSv1.1+", "TLSv1.2+", NULL };

	return tlsver_is_version(floor) ? names[floor] : NULL;
}

/* ---- line edits -------------------------------------------------------- */

/* crp_claim - lines first..last of path are edited once only. Returns 0,
 * or -1 with unsupported_floor when an earlier edit touched them. */
static int crp_claim(struct crp *c, const char *path, unsigned first, unsigned last)
{
	for (size_t i = 0; i < c->nspans; i++)
		if (strcmp(c->spans[i].path, path) == 0 && first <= c->spans[i].last &&
		    c->spans[i].first <= last) {
			mt_err_set(c->err, "unsupported_floor",
				   "%s line %u holds several settings mail-tls must change: put them on lines of their own",
				   path, first);
			return -1;
		}
	if (c->nspans == CRP_MAX_SPANS) {
		mt_err_set(c->err, "internal", "too many Courier settings to rewrite");
		return -1;
	}
	c->spans[c->nspans++] = (struct crp_span){ path, first, last };
	return 0;
}

/* crp_claimed - an edit of this run touches line `line` of path. */
static int crp_claimed(const struct crp *c, const char *path, unsigned line)
{
	for (size_t i = 0; i < c->nspans; i++)
		if (strcmp(c->spans[i].path, path) == 0 && c->spans[i].first <= line &&
		    line <= c->spans[i].last)
			return 1;
	return 0;
}

/* crp_bounds - the byte range [*ls, *le) of v's lines in f's original
 * text (without the last newline). Returns 0, or -1 (internal) when v's
 * offsets do not lie inside them. */
static int crp_bounds(struct crp *c, const struct plan_file *f, const struct shvar *v, size_t *ls,
		      size_t *le)
{
	size_t len = 0, llen = 0;
	const char *first = plan_line(f, v->line, &len);
	const char *last = plan_line(f, v->last_line, &llen);

	if (first != NULL && last != NULL) {
		*ls = (size_t)(first - f->before.data);
		*le = (size_t)(last - f->before.data) + llen;
		if (*ls <= v->start && v->start <= v->end && v->end <= *le)
			return 0;
	}
	mt_err_set(c->err, "internal", "%s line %u changed while the change was planned", v->file, v->line);
	return -1;
}

/* crp_is_blank_or_comment - s[0..n) holds only blanks, then maybe a comment. */
static int crp_is_blank_or_comment(const char *s, size_t n)
{
	size_t b = strspn(s, " \t");

	return b >= n || s[b] == '#';
}

/* crp_new_text - new string: v's lines with the assignment's own bytes
 * replaced by NAME="value"; "" (the lines go) when value is NULL and
 * nothing but blanks and a comment surround the assignment; NULL when
 * they hold more (*more set) or on OOM. */
static char *crp_new_text(const struct plan_file *f, const struct shvar *v, size_t ls, size_t le,
			  const char *value, int *more)
{
	const char *d = f->before.data;
	size_t pre = v->start - ls, post = le - v->end, n;
	char *s;

	*more = 0;
	if (value == NULL) {
		*more = strspn(d + ls, " \t") < pre || !crp_is_blank_or_comment(d + v->end, post);
		return *more ? NULL : strdup("");
	}
	n = pre + strlen(v->name) + strlen(value) + post + 5;
	s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "%.*s%s=\"%s\"%.*s\n", (int)pre, d + ls, v->name, value, (int)post,
			 d + v->end);
	return s;
}

/* crp_replace - rewrite assignment v as NAME="value" in place (NULL: delete
 * its lines). Returns 0; 1 when it cannot be deleted alone (other commands
 * share its lines; nothing planned); -1 on error. */
static int crp_replace(struct crp *c, const struct shvar *v, const char *value)
{
	struct plan_file *f;
	size_t ls, le;
	char *text;
	int more, rc;

	if (crp_check_value(c, v->file, v->name, value) != 0)
		return -1;
	if (v->complex) {
		mt_err_set(c->err, "unsupported_floor",
			   "%s in %s line %u uses shell syntax mail-tls does not rewrite: change it by hand",
			   v->name, v->file, v->line);
		return -1;
	}
	f = plan_file(c->pl, CRP_SERVICE, v->file, c->err);
	if (f == NULL || crp_bounds(c, f, v, &ls, &le) != 0)
		return -1;
	text = crp_new_text(f, v, ls, le, value, &more);
	if (more)
		return 1;
	if (text == NULL) {
		mt_err_set(c->err, "internal", "out of memory");
		return -1;
	}
	rc = crp_claim(c, v->file, v->line, v->last_line);
	if (rc == 0)
		rc = plan_replace(f, v->line, v->last_line - v->line + 1, text, c->err);
	free(text);
	return rc;
}

/* crp_append - NAME="value" at the end of path. Returns 0 or -1. */
static int crp_append(struct crp *c, const char *path, const char *name, const char *value)
{
	struct plan_file *f;
	char line[CRP_VALUE_MAX + 128];

	if (crp_check_value(c, path, name, value) != 0)
		return -1;
	f = plan_file(c->pl, CRP_SERVICE, path, c->err);
	if (f == NULL)
		return -1;
	snprintf(line, sizeof(line), "%s=\"%s\"\n", name, value);
	return plan_append(f, line, c->err);
}

/* crp_write - name gets value at v (NULL: appended to the pair's -ssl
 * file). Returns 0 or -1. */
static int crp_write(struct crp *c, const struct crp_pair *cp, const struct shvar *v,
		     const char *name, const char *value)
{
	if (v == NULL)
		return crp_append(c, cp->path[1], name, value);
	return crp_replace(c, v, value) == 0 ? 0 : -1;
}

/* crp_set - name gets value for the pair: its deciding assignment is
 * rewritten, else the -ssl file gets one. Returns 0 or -1. */
static int crp_set(struct crp *c, const struct crp_pair *cp, const char *name, const char *value)
{
	return crp_write(c, cp, shvars_get(&cp->vars, name), name, value);
}

/* crp_fallback - the assignment of v's name that decides once v is gone
 * (the one before it in the pair's files), or NULL. Borrowed. */
static const struct shvar *crp_fallback(const struct shvars *vars, const struct shvar *v)
{
	for (const struct shvar *x = v; x-- > vars->vars;)
		if (strcmp(x->name, v->name) == 0)
			return x;
	return NULL;
}

/* ---- state records ------------------------------------------------------ */

/* crp_rec_set - state[kind] records that file held previous (stolen) and
 * now holds written. Returns 0 or -1 (internal). */
static int crp_rec_set(struct crp *c, const char *kind, const char *file, json_t *previous,
		       const char *written)
{
	if (planstate_set(c->state, kind, file, "", previous, written) != 0) {
		mt_err_set(c->err, "internal", "cannot record the previous value in the state "
			   "(a value that is not UTF-8, or out of memory): nothing was changed");
		return -1;
	}
	return 0;
}

/* ---- GnuTLS ------------------------------------------------------------ */

/* crp_is_vers_item - an element of a priority string that adds or removes
 * protocol versions ("+VERS-TLS1.2", "-VERS-ALL", "!VERS-SSL3.0"). */
static int crp_is_vers_item(const char *item)
{
	item += strspn(item, " \t");
	return (item[0] == '+' || item[0] == '-' || item[0] == '!') &&
	       strncasecmp(item + 1, "VERS-", 5) == 0;
}

/* crp_put - append s[0..n) to out (size CRP_VALUE_MAX); -1 when full. */
static int crp_put(char *out, size_t *len, const char *s, size_t n)
{
	if (*len + n >= CRP_VALUE_MAX)
		return -1;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* crp_priority - the priority string for floor, built on cur (CRP_VALUE_MAX
 * bytes into out). What the admin added stays: the base keyword and every
 * element that is not a VERS-* item (%SERVER_PRECEDENCE, cipher, MAC and
 * group items...) keep their order; the version items are replaced by
 * -VERS-ALL and one +VERS-TLS1.x per version from TLS1.3 down to the
 * floor, last, so that nothing after them can enable another version.
 * Returns 0 or -1 (too long). */
static int crp_priority(const char *cur, int floor, char *out)
{
	static const char *const vers[TLSVER_COUNT] = {
		":+VERS-TLS1.0", ":+VERS-TLS1.1", ":+VERS-TLS1.2", ":+VERS-TLS1.3",
	};
	size_t len = 0, n = strcspn(cur, ":");
	const char *p = cur;

	out[0] = '\0';
	if (crp_put(out, &len, cur, n) != 0)
		return -1;
	while (p[n] == ':') {
		p += n + 1;
		n = strcspn(p, ":");
		if (!crp_is_vers_item(p) && (crp_put(out, &len, ":", 1) != 0 || crp_put(out, &len, p, n) != 0))
			return -1;
	}
	if (crp_put(out, &len, ":-VERS-ALL", 10) != 0)
		return -1;
	for (int v = TLSVER_1_3; v >= floor; v--)
		if (crp_put(out, &len, vers[v], strlen(vers[v])) != 0)
			return -1;
	return 0;
}

/* crp_gnutls_check - `gnutls-cli --priority prio -l` exits 0. Returns 0,
 * or -1 with config_check_failed (gnutls-cli missing, refusing, hanging). */
static int crp_gnutls_check(struct crp *c, const char *prio)
{
	const char *bin = profile_str(c->p, CRP_SERVICE, "gnutls_cli");
	char *argv[] = { (char *)bin, "--priority", (char *)prio, "-l", NULL };
	struct spawn_result *res;
	struct mt_err run_err = { 0 };
	int rc = -1;

	if (strcmp(c->checked, prio) == 0)
		return 0;
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		mt_err_set(c->err, "internal", "out of memory");
		return -1;
	}
	if (bin == NULL || spawn_run(argv, SPAWN_DISCARD, CRP_GNUTLS_CLI_TIMEOUT_MS, res, &run_err) != 0)
		mt_err_set(c->err, "config_check_failed",
			   "cannot check the GnuTLS priority string %s: gnutls-cli did not run (%s)", prio,
			   bin == NULL ? "not in the profile" : run_err.message);
	else if (res->exit_code != 0)
		mt_err_set(c->err, "config_check_failed",
			   "%s --priority '%s' -l exited %d: %s", bin, prio, res->exit_code,
			   res->exit_code == 127 ? "gnutls-cli could not be run (is it installed?)"
						 : "GnuTLS does not accept the string");
	else
		rc = 0;
	if (rc == 0)
		mt_strlcpy(c->checked, prio, sizeof(c->checked));
	free(res);
	return rc;
}

/* crp_gnutls_asker - the side of the pair that asked for its own floor. */
static int crp_gnutls_asker(const struct crp *c, const struct crp_pair *cp)
{
	int own0 = c->req->endpoint_floor[cp->ep[0]] != TLSVER_NONE;

	return own0 ? 0 : 1;
}

/* crp_gnutls_pair - one TLS_PRIORITY for both endpoints of the pair. */
static int crp_gnutls_pair(struct crp *c, struct crp_pair *cp)
{
	const struct shvar *v = shvars_get(&cp->vars, "TLS_PRIORITY");
	const char *cur = v != NULL && v->value[0] != '\0' ? v->value : CR_PRIORITY_DEFAULT;
	char prio[CRP_VALUE_MAX];
	int floor = cp->final[0];

	if (cp->want[0] == TLSVER_NONE && cp->want[1] == TLSVER_NONE)
		return 0;
	if (cp->final[0] != cp->final[1])
		return crp_refuse(c, cp->ep[crp_gnutls_asker(c, cp)],
				  "cannot take a floor of its own: GnuTLS Courier reads one TLS_PRIORITY for the SSL port and STARTTLS");
	if (!tlsver_is_version(floor) || !(c->svc->endpoints[cp->ep[1]].floors & (1u << floor)))
		return crp_refuse(c, cp->ep[1], "cannot take this floor");
	if (cr_priority_floor(cur) < 0) {
		plan_warn(c->pl, CRP_SERVICE, "invalid_value",
			  "TLS_PRIORITY '%.200s' is not a string GnuTLS accepts: replaced, built on NORMAL", cur);
		cur = CR_PRIORITY_DEFAULT;
	}
	if (crp_priority(cur, floor, prio) != 0) {
		mt_err_set(c->err, "unsupported_floor", "TLS_PRIORITY in %s is too long to rewrite", cp->path[1]);
		return -1;
	}
	if (v != NULL && strcmp(v->value, prio) == 0)
		return 0;
	if (crp_check_value(c, cp->path[1], "TLS_PRIORITY", prio) != 0 || crp_gnutls_check(c, prio) != 0)
		return -1;
	return crp_set(c, cp, "TLS_PRIORITY", prio);
}

/* ---- OpenSSL ----------------------------------------------------------- */

/* crp_openssl_key - the protocol key of one side, where it is asked. */
static int crp_openssl_key(struct crp *c, struct crp_pair *cp, int side)
{
	const struct mt_endpoint *ep = &c->svc->endpoints[cp->ep[side]];
	int want = cp->want[side];
	const char *value = crp_protocol_value(want);

	if (want == TLSVER_NONE)
		return 0;
	if (value == NULL)
		return crp_refuse(c, cp->ep[side],
				  "cannot take the floor TLSv1.3: Courier's OpenSSL build has no such setting, and an unknown TLS_PROTOCOL value would lower the floor to what the security level allows");
	if (!(ep->floors & (1u << want)))
		return crp_refuse(c, cp->ep[side], "cannot take this floor");
	if (ep->configured == want)
		return 0;
	return crp_set(c, cp, crp_keys[side], value);
}

/* crp_policy_list - the cipher list a preset asks for, or NULL (keep). */
static const char *crp_policy_list(const struct crp *c)
{
	switch (c->req->ciphers) {
	case CIPHERS_INTERMEDIATE:
	case CIPHERS_STRONG:
		return CRP_INTERMEDIATE;
	case CIPHERS_LEGACY:
		return CR_CIPHERS_DEFAULT;     /* + @SECLEVEL=0, added below */
	case CIPHERS_KEEP:
	case CIPHERS_RESTORE:   /* undone by crp_undo_policy */
		break;
	}
	return NULL;
}

/* crp_needs_seclevel0 - the legacy preset, or a side of the pair asks for
 * a floor below TLSv1.2. */
static int crp_needs_seclevel0(const struct crp *c, const struct crp_pair *cp)
{
	if (c->req->ciphers == CIPHERS_LEGACY)
		return 1;
	for (int s = 0; s < 2; s++)
		if (cp->want[s] != TLSVER_NONE && cp->want[s] < TLSVER_1_2)
			return 1;
	return 0;
}

/* crp_all_high - a floor was asked and every side of the pair ends at
 * TLSv1.2 or more: what @SECLEVEL=0 was added for is gone. */
static int crp_all_high(const struct crp_pair *cp)
{
	return (cp->want[0] != TLSVER_NONE || cp->want[1] != TLSVER_NONE) &&
	       cp->final[0] >= TLSVER_1_2 && cp->final[1] >= TLSVER_1_2;
}

/* crp_apply_policy - a preset's list into value (CRP_VALUE_MAX; the current
 * list), recorded. Returns 1 changed, 0 not, -1 error. */
static int crp_apply_policy(struct crp *c, const char *file, const struct shvar *v, char *value)
{
	const char *list = crp_policy_list(c);
	size_t idx;

	if (list == NULL || strcmp(value, list) == 0)
		return 0;
	if (crp_rec_set(c, "cipher_policy", file, planstate_previous(c->state, file, "", v ? v->value : NULL),
			list) != 0)
		return -1;
	if (planstate_find(c->state, "cipher_list", file, "", &idx) != NULL)
		planstate_drop(c->state, "cipher_list", idx);
	mt_strlcpy(value, list, CRP_VALUE_MAX);
	return 1;
}

/* crp_apply_seclevel - `:@SECLEVEL=0` onto value when the pair needs it
 * and the list does not end at level 0 already; recorded with previous,
 * what the line held (NULL: it was not set). Returns 1 changed, 0 not, -1
 * error. */
static int crp_apply_seclevel(struct crp *c, const struct crp_pair *cp, const char *file,
			      const char *previous, char *value)
{
	char added[CRP_VALUE_MAX];
	size_t idx;

	if (!crp_needs_seclevel0(c, cp) || tlsver_cipher_seclevel(value) == 0)
		return 0;
	if (snprintf(added, sizeof(added), "%s" CRP_SECLEVEL0, value) >= (int)sizeof(added)) {
		mt_err_set(c->err, "unsupported_floor", "TLS_CIPHER_LIST in %s is too long to rewrite", file);
		return -1;
	}
	if (planstate_find(c->state, "cipher_list", file, "", &idx) != NULL)
		plan_warn(c->pl, CRP_SERVICE, "drift",
			  "TLS_CIPHER_LIST in %s lost the @SECLEVEL=0 mail-tls added: added again", file);
	if (crp_rec_set(c, "cipher_list", file, previous ? json_string(previous) : json_null(), added) != 0)
		return -1;
	mt_strlcpy(value, added, CRP_VALUE_MAX);
	return 1;
}

/* crp_copy - src into value (CRP_VALUE_MAX). Returns 0, or -1 with
 * unsupported_floor when it does not fit. */
static int crp_copy(struct crp *c, const char *file, char *value, const char *src)
{
	if (mt_strlcpy(value, src, CRP_VALUE_MAX) == 0)
		return 0;
	mt_err_set(c->err, "unsupported_floor", "TLS_CIPHER_LIST in %s is too long to rewrite", file);
	return -1;
}

/* crp_blocked - the lowest floor below TLSv1.2 this change asks of a side
 * of the pair that the cipher list value has no cipher for, or TLSVER_NONE:
 * none asked, a preset that asks for its own list, a list OpenSSL rejects
 * (the reader says so), or one with a cipher for it. */
static int crp_blocked(const struct crp *c, const struct crp_pair *cp, const char *value)
{
	int low = TLSVER_NONE, lowest;

	if (c->req->ciphers == CIPHERS_INTERMEDIATE || c->req->ciphers == CIPHERS_STRONG)
		return TLSVER_NONE;
	for (int s = 0; s < 2; s++)
		if (tlsver_is_version(cp->want[s]) && cp->want[s] < TLSVER_1_2 &&
		    (low == TLSVER_NONE || cp->want[s] < low))
			low = cp->want[s];
	if (low == TLSVER_NONE)
		return TLSVER_NONE;
	lowest = cipherlist_lowest(value);
	return lowest != CIPHERLIST_INVALID && lowest > low ? low : TLSVER_NONE;
}

/* crp_apply_floor - a floor below TLSv1.2 that the list in value (what v,
 * in file, will hold so far; CRP_VALUE_MAX) has no cipher for: value
 * becomes Courier's default list. *previous (pointing into prev,
 * CRP_VALUE_MAX; NULL: not set) becomes what a raise must put back: the
 * list from before the @SECLEVEL=0 or the replacement an earlier floor made
 * there (its cipher_list record goes; the one made for this floor carries
 * it on), else what is there now. policy: the preset step changed value.
 * Returns 1 replaced, 0 not, -1 error. */
static int crp_apply_floor(struct crp *c, const struct crp_pair *cp, const char *file,
			   const struct shvar *v, int policy, char *value, char *prev,
			   const char **previous)
{
	int floor = crp_blocked(c, cp, value);
	const char *written;
	json_t *r, *pv;
	size_t idx;

	if (floor == TLSVER_NONE)
		return 0;
	r = planstate_find(c->state, "cipher_list", file, "", &idx);
	if (r != NULL && !policy) {
		pv = json_object_get(r, "previous");
		written = json_string_value(json_object_get(r, "written"));
		if (v != NULL && written != NULL && strcmp(v->value, written) == 0 &&
		    (json_is_null(pv) || json_is_string(pv))) {
			*previous = json_is_null(pv) ? NULL : prev;
			if (json_is_string(pv) && crp_copy(c, file, prev, json_string_value(pv)) != 0)
				return -1;
		} else {
			plan_warn(c->pl, CRP_SERVICE, "drift",
				  "TLS_CIPHER_LIST in %s was changed since mail-tls set it: the list there now is the one a raise puts back",
				  file);
		}
	}
	if (r != NULL)
		planstate_drop(c->state, "cipher_list", idx);
	plan_warn(c->pl, CRP_SERVICE, "ciphers_block_floor",
		  "TLS_CIPHER_LIST in %s has no cipher for %s (TLS 1.2-only suites): list replaced by the default list so %s clients find a cipher; raising the floor restores it",
		  file, tlsver_name(floor), tlsver_name(floor));
	return crp_copy(c, file, value, CR_CIPHERS_DEFAULT) == 0 ? 1 : -1;
}

/* crp_delete_added - the TLS_CIPHER_LIST line mail-tls added (*v) goes, and
 * *v moves to what decides then (its value, or the default, into value).
 * Returns 0 or -1. */
static int crp_delete_added(struct crp *c, const struct crp_pair *cp, const struct shvar **v,
			    char *value)
{
	int rc = crp_replace(c, *v, NULL);

	if (rc < 0)
		return -1;
	if (rc > 0) {
		plan_warn(c->pl, CRP_SERVICE, "drift",
			  "TLS_CIPHER_LIST in %s line %u shares its lines with other commands now: left as it is",
			  (*v)->file, (*v)->line);
		return 0;
	}
	*v = crp_fallback(&cp->vars, *v);
	return crp_copy(c, cp->path[1], value, *v && (*v)->value[0] ? (*v)->value : CR_CIPHERS_DEFAULT);
}

/* crp_undo_policy - CIPHERS_RESTORE: the preset's list in the pair goes
 * back to what was there before it (a line mail-tls added goes: *v moves
 * to what decides then). A line someone changed since is left alone
 * (drift). The record goes. Returns 1 value changed at *v, 0 nothing to
 * write there, -1 error. */
static int crp_undo_policy(struct crp *c, const struct crp_pair *cp, const struct shvar **v,
			   char *value)
{
	const char *file = *v ? (*v)->file : cp->path[1];
	json_t *r, *prev, *written;
	size_t idx;
	int ours, rc = 0;

	r = planstate_find(c->state, "cipher_policy", file, "", &idx);
	if (r == NULL)
		return 0;
	prev = json_incref(json_object_get(r, "previous"));
	written = json_object_get(r, "written");
	ours = *v != NULL && json_is_string(written) && strcmp((*v)->value, json_string_value(written)) == 0;
	planstate_drop(c->state, "cipher_policy", idx);     /* r and written are gone */
	if (ours && json_is_string(prev))
		rc = crp_copy(c, file, value, json_string_value(prev)) == 0 ? 1 : -1;
	else if (ours && json_is_null(prev))
		rc = crp_delete_added(c, cp, v, value);
	else
		plan_warn(c->pl, CRP_SERVICE, "drift",
			  "TLS_CIPHER_LIST in %s was changed since mail-tls set it: left as it is", file);
	json_decref(prev);
	return rc;
}

/* crp_plan_cipher_list - the pair's TLS_CIPHER_LIST: a preset's list (on
 * CIPHERS_RESTORE: the one from before the preset), Courier's default where
 * that has no cipher for a floor asked, then @SECLEVEL=0 when a side goes
 * below TLSv1.2; written once. */
static int crp_plan_cipher_list(struct crp *c, struct crp_pair *cp)
{
	const struct shvar *v = shvars_get(&cp->vars, "TLS_CIPHER_LIST");
	char value[CRP_VALUE_MAX], listed[CRP_VALUE_MAX];
	const char *file, *previous;
	int policy, floor, seclevel;

	if (crp_copy(c, cp->path[1], value, v && v->value[0] ? v->value : CR_CIPHERS_DEFAULT) != 0)
		return -1;
	if (c->req->ciphers == CIPHERS_RESTORE)
		policy = crp_undo_policy(c, cp, &v, value);
	else
		policy = crp_apply_policy(c, v ? v->file : cp->path[1], v, value);
	if (policy < 0)
		return -1;
	file = v ? v->file : cp->path[1];
	memcpy(listed, value, sizeof(listed));
	previous = policy ? listed : v ? v->value : NULL;     /* what a raise puts back */
	floor = crp_apply_floor(c, cp, file, v, policy, value, listed, &previous);
	if (floor < 0)
		return -1;
	seclevel = crp_apply_seclevel(c, cp, file, previous, value);
	if (seclevel < 0)
		return -1;
	if (floor && !seclevel &&
	    crp_rec_set(c, "cipher_list", file, previous ? json_string(previous) : json_null(), value) != 0)
		return -1;
	return policy || floor || seclevel ? crp_write(c, cp, v, "TLS_CIPHER_LIST", value) : 0;
}

/* crp_restore_one - record r of state[kind]: the cipher list goes back to
 * its previous value (the line mail-tls added goes) when it still holds
 * what was written; else someone changed it: left alone, drift. The
 * record goes. */
static int crp_restore_one(struct crp *c, const struct crp_pair *cp, const char *kind, json_t *r,
			   size_t idx)
{
	const struct shvar *v = shvars_get(&cp->vars, "TLS_CIPHER_LIST");
	const char *file = json_string_value(json_object_get(r, "file"));
	const char *written = json_string_value(json_object_get(r, "written"));
	json_t *prev = json_object_get(r, "previous");
	int rc = 1;

	if (v != NULL && written != NULL && strcmp(v->file, file) == 0 &&
	    strcmp(v->value, written) == 0 && (json_is_null(prev) || json_is_string(prev)) &&
	    !crp_claimed(c, v->file, v->line))
		rc = crp_replace(c, v, json_string_value(prev));
	if (rc < 0)
		return -1;
	if (rc > 0)
		plan_warn(c->pl, CRP_SERVICE, "drift",
			  "TLS_CIPHER_LIST in %s was changed since mail-tls set it: left as it is", file);
	planstate_drop(c->state, kind, idx);
	return 0;
}

/* crp_restore - undo every change state[kind] records in the pair's files
 * (cipher_list: @SECLEVEL=0 and a default list put in for a floor, once
 * its floors are TLSv1.2 or more again;
 * cipher_policy: a preset's lists left over, on CIPHERS_RESTORE). */
static int crp_restore(struct crp *c, const struct crp_pair *cp, const char *kind)
{
	json_t *list = json_object_get(c->state, kind), *r;
	const char *file;

	for (size_t i = json_array_size(list); i-- > 0;) {
		r = json_array_get(list, i);
		file = json_string_value(json_object_get(r, "file"));
		if (file == NULL || (strcmp(file, cp->path[1]) != 0 &&
				     (cp->path[0] == NULL || strcmp(file, cp->path[0]) != 0)))
			continue;
		if (crp_restore_one(c, cp, kind, r, i) != 0)
			return -1;
		list = json_object_get(c->state, kind);
	}
	return 0;
}

/* crp_openssl_pair - both protocol keys, then the cipher list. */
static int crp_openssl_pair(struct crp *c, struct crp_pair *cp)
{
	int asked = cp->want[0] != TLSVER_NONE || cp->want[1] != TLSVER_NONE;

	if (!asked && c->req->ciphers == CIPHERS_KEEP)
		return 0;
	if (crp_openssl_key(c, cp, 1) != 0 || crp_openssl_key(c, cp, 0) != 0)
		return -1;
	if (crp_plan_cipher_list(c, cp) != 0)
		return -1;
	if (c->req->ciphers == CIPHERS_RESTORE && crp_restore(c, cp, "cipher_policy") != 0)
		return -1;
	if (!crp_needs_seclevel0(c, cp) && crp_all_high(cp))
		return crp_restore(c, cp, "cipher_list");
	return 0;
}

/* ---- the proof --------------------------------------------------------- */

/* crp_load_planned - the pair's files as the plan leaves them into vars
 * (zeroed by the caller). Returns 0 or -1. */
static int crp_load_planned(struct crp *c, const struct crp_pair *cp, struct shvars *vars)
{
	for (int s = 0; s < 2; s++) {
		const struct plan_file *f = cp->path[s] ? plan_find(c->pl, cp->path[s]) : NULL;
		int rc;

		if (cp->path[s] == NULL)
			continue;
		if (f != NULL)
			rc = shvars_parse(vars, f->path, f->after ? f->after : "", f->after_len, c->err);
		else
			rc = shvars_load(vars, cp->path[s], c->err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* crp_status_after - the status the planned texts give, into after. */
static int crp_status_after(struct crp *c, struct mt_service *after)
{
	struct shvars vars;
	int rc = 0;

	*after = (struct mt_service){ .installed = 1 };
	memcpy(after->name, c->svc->name, sizeof(after->name));
	memcpy(after->version, c->svc->version, sizeof(after->version));
	memcpy(after->tls_library, c->svc->tls_library, sizeof(after->tls_library));
	if (plan_render(c->pl, c->err) != 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < CR_NPAIRS; i++) {
		if (!c->pairs[i].installed)
			continue;
		memset(&vars, 0, sizeof(vars));
		rc = crp_load_planned(c, &c->pairs[i], &vars);
		if (rc == 0)
			cr_status_from_vars(after, c->pairs[i].pair, &vars, c->pairs[i].path[1], c->openssl);
		shvars_free(&vars);
	}
	return rc;
}

/* crp_endpoint_ok - side s of cp reads in after what was asked (its floor,
 * configured and effective, unless TLS is off there), or, not asked, the
 * effective floor it had (and its configured one unless it was pinned). */
static int crp_endpoint_ok(const struct crp *c, const struct crp_pair *cp, int s,
			   struct mt_service *after)
{
	const struct mt_endpoint *ep = &c->svc->endpoints[cp->ep[s]];
	const struct mt_endpoint *a = model_find_endpoint(after, ep->role);
	int want = cp->want[s];

	if (a == NULL)
		return 0;
	if (want != TLSVER_NONE)
		return a->configured == want &&
		       (a->effective == want || model_has_warning(a, "tls_disabled"));
	return a->effective == ep->effective && (cp->pinned[s] || a->configured == ep->configured);
}

/* crp_pin - side s was not asked but would move: write its own key to the
 * effective floor it has now. Returns 0, or -1 when that cannot be said. */
static int crp_pin(struct crp *c, struct crp_pair *cp, int s)
{
	const struct mt_endpoint *ep = &c->svc->endpoints[cp->ep[s]];
	const char *value = crp_protocol_value(ep->effective);

	if (!c->openssl || cp->pinned[s] || value == NULL)
		return crp_refuse(c, cp->ep[s], "would change its floor too, and mail-tls cannot keep it: set its floor as well");
	cp->pinned[s] = 1;
	plan_warn(c->pl, CRP_SERVICE, "override",
		  "%s keeps its floor %s: %s=\"%s\" written, since the change of its pair's other endpoint would move it",
		  ep->role, tlsver_name(ep->effective), crp_keys[s], value);
	return crp_set(c, cp, crp_keys[s], value);
}

/* crp_refuse_proof - side s of cp would not get the floor asked from the
 * planned files: the cipher list named when the reader says it is what
 * stands in the way. Returns -1. */
static int crp_refuse_proof(struct crp *c, const struct crp_pair *cp, int s,
			    struct mt_service *after)
{
	static const char key[] = "TLS_CIPHER_LIST";
	const struct mt_endpoint *a = model_find_endpoint(after, c->svc->endpoints[cp->ep[s]].role);
	char why[600];

	for (size_t i = 0; a != NULL && a->configured == cp->want[s] && i < a->nwarnings; i++)
		if (strncmp(a->warnings[i].message, key, sizeof(key) - 1) == 0) {
			snprintf(why, sizeof(why), "would get the floor %s from the planned files but effective %s: %s",
				 tlsver_name(cp->want[s]), tlsver_name(a->effective), a->warnings[i].message);
			return crp_refuse(c, cp->ep[s], why);
		}
	return crp_refuse(c, cp->ep[s],
			  "would not get the floor asked from the planned files (a setting mail-tls does not rewrite decides it)");
}

/* crp_check_round - compare after with what was asked; pin (round 0) or
 * refuse (round 1) what moved. Returns 0 all good, 1 pinned, -1 refused. */
static int crp_check_round(struct crp *c, struct mt_service *after, int round)
{
	int pinned = 0;

	for (size_t i = 0; i < CR_NPAIRS; i++) {
		struct crp_pair *cp = &c->pairs[i];

		for (int s = 0; cp->installed && s < 2; s++) {
			if (cp->ep[s] == CRP_NONE || crp_endpoint_ok(c, cp, s, after))
				continue;
			if (cp->want[s] != TLSVER_NONE)
				return crp_refuse_proof(c, cp, s, after);
			if (round > 0)
				return crp_refuse(c, cp->ep[s],
						  "would not get the floor asked from the planned files (a setting mail-tls does not rewrite decides it)");
			if (crp_pin(c, cp, s) != 0)
				return -1;
			pinned = 1;
		}
	}
	return pinned;
}

/* crp_verify - read the planned texts back like `status` does. */
static int crp_verify(struct crp *c)
{
	struct mt_service *after = calloc(1, sizeof(*after));
	int rc = -1;

	if (after == NULL) {
		mt_err_set(c->err, "internal", "out of memory");
		return -1;
	}
	for (int round = 0; round < 2; round++) {
		if (crp_status_after(c, after) != 0)
			break;
		rc = crp_check_round(c, after, round);
		if (rc <= 0)
			break;
		rc = -1;
	}
	free(after);
	return rc;
}

/* ---- entry point ------------------------------------------------------- */

/* crp_endpoint_index - svc's index of role, or CRP_NONE. */
static size_t crp_endpoint_index(const struct mt_service *svc, const char *role)
{
	for (size_t i = 0; i < svc->nendpoints; i++)
		if (strcmp(svc->endpoints[i].role, role) == 0)
			return i;
	return CRP_NONE;
}

/* crp_load - pair i's files and what is asked of its endpoints. */
static int crp_load(struct crp *c, size_t i)
{
	struct crp_pair *cp = &c->pairs[i];
	const char *roles[2];
	int rc;

	cp->pair = &cr_pairs[i];
	roles[0] = cp->pair->plain_role;
	roles[1] = cp->pair->ssl_role;
	cp->path[0] = profile_str(c->p, CRP_SERVICE, cp->pair->plain_key);
	cp->path[1] = profile_str(c->p, CRP_SERVICE, cp->pair->ssl_key);
	rc = cr_load_pair(c->p, cp->pair, &cp->vars, c->err);
	cp->installed = rc == 0;
	for (int s = 0; s < 2; s++) {
		size_t e = crp_endpoint_index(c->svc, roles[s]);

		cp->ep[s] = e;
		cp->want[s] = e == CRP_NONE ? TLSVER_NONE
			      : c->req->endpoint_floor[e] != TLSVER_NONE ? c->req->endpoint_floor[e]
			      : c->req->service_floor;
		cp->final[s] = cp->want[s] != TLSVER_NONE ? cp->want[s]
			       : e == CRP_NONE ? TLSVER_NONE : c->svc->endpoints[e].configured;
	}
	if (cp->installed && (cp->ep[0] == CRP_NONE || cp->ep[1] == CRP_NONE))
		cp->installed = 0;            /* status saw no endpoints here: nothing to plan */
	return rc < 0 ? -1 : 0;
}

/* crp_plan - every installed pair, then the proof. */
static int crp_plan(struct crp *c)
{
	for (size_t i = 0; i < CR_NPAIRS; i++) {
		if (crp_load(c, i) != 0)
			return -1;
		if (!c->pairs[i].installed)
			continue;
		if ((c->openssl ? crp_openssl_pair(c, &c->pairs[i]) : crp_gnutls_pair(c, &c->pairs[i])) != 0)
			return -1;
	}
	return crp_verify(c);
}

int crplan_floors(const struct mt_profile *p, const struct mt_service *svc,
		  const struct mt_floor_request *req, json_t *state, struct plan *pl,
		  struct mt_err *err)
{
	struct crp *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	*c = (struct crp){ .p = p, .svc = svc, .req = req, .state = state, .pl = pl, .err = err,
			   .openssl = strcmp(svc->tls_library, "openssl") == 0 };
	rc = crp_plan(c);
	if (rc != 0 && err->service[0] == '\0')
		mt_err_where(err, CRP_SERVICE, NULL);
	for (size_t i = 0; i < CR_NPAIRS; i++)
		shvars_free(&c->pairs[i].vars);
	free(c);
	return rc;
}
