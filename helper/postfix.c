/*
 * postfix.c - the Postfix adapter: which TLS floor each SMTP role has.
 *
 * Owns: the roles (DESIGN.md §2): every master.cf `inet` service whose
 * command is smtpd is `smtps` when its effective smtpd_tls_wrappermode is
 * yes, else `smtp` when it is the MX listener (smtp, *:smtp, *:25, or the
 * port of the profile's postfix/smtp probe endpoint, so that a sandbox's
 * 127.0.0.1:10025 is `smtp`), else `submission`; which protocol key a role
 * reads (smtpd's pre_jail_init(): the mandatory one with wrappermode, an
 * enforcing smtpd_tls_security_level or, with no level, smtpd_enforce_tls);
 * master.cf -o overrides winning over main.cf; a cipher list's own
 * @SECLEVEL; and the read-only `outbound` (the SMTP client). Per-IP
 * listeners of one role are one endpoint with their master.cf names as
 * instances, at the lowest floor among them.
 * Never: writes a file, runs anything but `postconf -h mail_version`, or
 * reads a file other than through pfconf (safefile_read).
 */
#include "adapter.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pfconf.h"
#include "pfproto.h"
#include "safefile.h"
#include "spawn.h"
#include "tlsver.h"

#define PF_PROTO "smtpd_tls_protocols"
#define PF_MAND_PROTO "smtpd_tls_mandatory_protocols"
#define PF_VERSION_TIMEOUT_MS 5000
#define PF_ALL_FLOORS ((1u << TLSVER_COUNT) - 1)

enum pf_role { PF_SMTP, PF_SUBMISSION, PF_SMTPS, PF_NROLES };

static const char *const role_names[PF_NROLES] = { "smtp", "submission", "smtps" };

struct pf_conf {
	struct pfconf_main mc;    /* owned */
	struct pfconf_master mf;  /* owned */
	int mx_port;              /* the profile's postfix/smtp port, 0 if none */
};

/* One parameter as one service sees it: where it comes from, expanded. */
struct pf_setting {
	const char *key;           /* static */
	struct pfconf_value v;     /* borrowed from pf_conf */
	char value[MT_VALUE_MAX];  /* $-expanded; "" when that failed */
	int failed;                /* expansion failed (loop, depth, syntax, size) */
};

/* What one smtpd service (or the SMTP client) lets a client negotiate. */
struct pf_listener {
	const struct pfconf_service *svc;  /* NULL: the SMTP client */
	struct pf_setting proto;           /* the protocol key it reads */
	struct pf_setting grade;           /* its cipher grade key */
	struct pf_setting clist;           /* tls_<grade>_cipherlist; key NULL if none */
	int configured, effective;
};

/* Several listeners of one role folded into one endpoint. */
struct pf_fold {
	size_t n;
	int differ;
	char summary[256];  /* "name version, ..." for the override warning */
};

/* ---- small helpers -------------------------------------------------------- */

/* pf_path - config_dir/name into buf. Returns 0 or -1 (bad_profile). */
static int pf_path(const struct mt_profile *p, const char *name, char *buf, size_t size,
		   struct mt_err *err)
{
	const char *dir = profile_str(p, "postfix", "config_dir");
	int n;

	if (dir == NULL) {
		mt_err_set(err, "bad_profile", "the profile has no postfix.config_dir");
		return -1;
	}
	n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size) {
		mt_err_set(err, "bad_profile", "postfix.config_dir is too long");
		return -1;
	}
	return 0;
}

/* lowest - the lower of two floors, where TLSVER_NONE (no TLS there) loses
 * to any version: what a client can get somewhere. */
static int lowest(int a, int b)
{
	if (a == TLSVER_NONE)
		return b;
	if (b == TLSVER_NONE)
		return a;
	return a < b ? a : b;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* pf_port - the port a master.cf service name listens on ("smtp",
 * "host:port", "[::1]:smtp", "2525"), or 0 when it does not say. */
static int pf_port(const char *name)
{
	static const struct { const char *name; int port; } known[] = {
		{ "smtp", 25 }, { "submission", 587 }, { "submissions", 465 }, { "smtps", 465 },
	};
	const char *p = strrchr(name, ':');
	long port = 0;

	p = p != NULL ? p + 1 : name;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(p, known[i].name) == 0)
			return known[i].port;
	for (; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	return *p == '\0' && port > 0 && port <= 65535 ? (int)port : 0;
}

/* ---- settings ------------------------------------------------------------- */

/* pf_get - key as service s sees it (s NULL: main.cf alone), expanded. */
static void pf_get(const struct pf_conf *c, const struct pfconf_service *s, const char *key,
		   struct pf_setting *out)
{
	out->key = key;
	pfconf_lookup(&c->mc, &c->mf, s, key, &out->v);
	out->failed = pfconf_expand(&c->mc, &c->mf, s, out->v.raw, out->value,
				    sizeof(out->value)) != 0;
}

/* pf_yes - a Postfix boolean (yes/no, any case) that is yes. */
static int pf_yes(const struct pf_conf *c, const struct pfconf_service *s, const char *key)
{
	struct pf_setting b;

	pf_get(c, s, key, &b);
	return strcasecmp(b.value, "yes") == 0;
}

/* cipherlist_key - the tls_*_cipherlist a cipher grade uses (Postfix 3.6+:
 * low and export are medium), or NULL for a grade Postfix does not know. */
static const char *cipherlist_key(const char *grade)
{
	static const char *const map[][2] = {
		{ "high", "tls_high_cipherlist" }, { "medium", "tls_medium_cipherlist" },
		{ "low", "tls_medium_cipherlist" }, { "export", "tls_medium_cipherlist" },
		{ "null", "tls_null_cipherlist" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(grade, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* pf_enforce - smtpd's var_smtpd_enforce_tls: wrappermode; else a
 * non-empty smtpd_tls_security_level decides (encrypt and the levels smtpd
 * maps to it enforce; may and none do not; anything else stops smtpd);
 * else smtpd_enforce_tls. */
static int pf_enforce(const struct pf_conf *c, const struct pfconf_service *s,
		      struct mt_endpoint *ep)
{
	static const char *const enforcing[] = { "encrypt", "fingerprint", "verify", "secure" };
	struct pf_setting level;

	if (pf_yes(c, s, "smtpd_tls_wrappermode"))
		return 1;
	pf_get(c, s, "smtpd_tls_security_level", &level);
	if (level.value[0] == '\0')
		return pf_yes(c, s, "smtpd_enforce_tls");
	for (size_t i = 0; i < sizeof(enforcing) / sizeof(enforcing[0]); i++)
		if (strcmp(level.value, enforcing[i]) == 0)
			return 1;
	if (strcmp(level.value, "may") != 0 && strcmp(level.value, "none") != 0)
		model_warn(ep, "invalid_value", "%s: smtpd_tls_security_level = \"%.160s\" is not "
			   "a level smtpd accepts: it stops with a fatal error", s->name,
			   level.value);
	return 0;
}

/* ---- one listener --------------------------------------------------------- */

/* pf_floor_of - configured floor of l->proto, or TLSVER_NONE with a
 * warning on ep when the list cannot work; fills pp. */
static int pf_floor_of(const struct pf_listener *l, struct pfproto *pp, struct mt_endpoint *ep)
{
	const struct pf_setting *s = &l->proto;

	if (s->failed) {
		model_warn(ep, "invalid_value", "%s = \"%.160s\" cannot be expanded: a "
			   "$-reference loop or syntax error (Postfix then stops with a fatal "
			   "error), or beyond what the helper follows (%d levels, %d references, "
			   "%d bytes)", s->key, s->v.raw, PFCONF_EXPAND_DEPTH, PFCONF_EXPAND_BUDGET,
			   MT_VALUE_MAX - 1);
		return TLSVER_NONE;
	}
	pfproto_parse(s->value, pp);
	if (pp->invalid)
		model_warn(ep, "invalid_value", "Invalid TLS protocol list \"%.160s\" (%s): "
			   "Postfix disables TLS on this endpoint", s->value, s->key);
	else if (pp->floor == TLSVER_NONE)
		model_warn(ep, "invalid_value", "%s = \"%.160s\" enables no TLS version: every TLS "
			   "handshake on this endpoint fails", s->key, s->value);
	return pp->floor;
}

/* pf_cipher_limit - the effective floor once the cipher grade and its list
 * are applied: an unknown grade aborts every session; @SECLEVEL=N (N >= 1)
 * lifts TLS 1.0/1.1 out of reach on OpenSSL 3. */
static int pf_cipher_limit(const struct pf_listener *l, const struct pfproto *pp,
			   struct mt_endpoint *ep)
{
	int level;

	if (l->clist.key == NULL) {
		model_warn(ep, "invalid_value", "%s = \"%.160s\" is not a cipher grade: Postfix "
			   "aborts every TLS session on this endpoint", l->grade.key,
			   l->grade.value);
		return TLSVER_NONE;
	}
	level = tlsver_cipher_seclevel(l->clist.value);
	if (level < 1 || pp->floor >= TLSVER_1_2)
		return pp->floor;
	model_warn(ep, "seclevel_blocks_floor", "%s sets OpenSSL's security level to %d "
		   "(@SECLEVEL=%d): TLS 1.0/1.1 cannot be negotiated", l->clist.key, level, level);
	return pfproto_lowest_from(pp, TLSVER_1_2);
}

/* pf_eval - what service s (NULL: the SMTP client) negotiates when it reads
 * proto_key and grade_key; warnings go to ep. */
static void pf_eval(const struct pf_conf *c, const struct pfconf_service *s, const char *proto_key,
		    const char *grade_key, struct pf_listener *l, struct mt_endpoint *ep)
{
	struct pfproto pp;
	const char *clist_key;

	l->svc = s;
	pf_get(c, s, proto_key, &l->proto);
	pf_get(c, s, grade_key, &l->grade);
	clist_key = cipherlist_key(l->grade.value);
	l->clist.key = NULL;
	if (clist_key != NULL)
		pf_get(c, s, clist_key, &l->clist);
	l->configured = pf_floor_of(l, &pp, ep);
	l->effective = l->configured == TLSVER_NONE ? TLSVER_NONE : pf_cipher_limit(l, &pp, ep);
}

/* ---- sources -------------------------------------------------------------- */

/* same_source - ep already lists this source. */
static int same_source(const struct mt_endpoint *ep, const struct pf_setting *s,
		       const char *instance, int ignored)
{
	for (size_t i = 0; i < ep->nsources; i++) {
		const struct mt_source *o = &ep->sources[i];

		if (o->line == s->v.line && o->is_default == s->v.is_default &&
		    o->is_override == s->v.is_override && o->ignored == ignored &&
		    strcmp(o->key, s->key) == 0 && strcmp(o->file, s->v.file) == 0 &&
		    strcmp(o->value, s->v.raw) == 0 && strcmp(o->instance, instance) == 0)
			return 1;
	}
	return 0;
}

/* add_source - s as a source of ep (raw value, as written), once; an
 * override names the master.cf service it belongs to. */
static void add_source(struct mt_endpoint *ep, const struct pf_setting *s,
		       const struct pfconf_service *svc, int ignored)
{
	const char *instance = s->v.is_override && svc != NULL ? svc->name : "";
	struct mt_source *src;

	if (same_source(ep, s, instance, ignored))
		return;
	src = model_source(ep, s->v.file, s->v.line, s->key, s->v.raw);
	if (src == NULL)
		return;
	src->is_default = s->v.is_default;
	src->is_override = s->v.is_override;
	src->ignored = ignored;
	mt_strlcpy(src->instance, instance, sizeof(src->instance));
}

/* add_listener_sources - the protocol key, the cipher grade and, when
 * someone set it, the grade's cipher list. */
static void add_listener_sources(struct mt_endpoint *ep, const struct pf_listener *l)
{
	add_source(ep, &l->proto, l->svc, 0);
	add_source(ep, &l->grade, l->svc, 0);
	if (l->clist.key != NULL && !l->clist.v.is_default)
		add_source(ep, &l->clist, l->svc, 0);
}

/* ---- roles ---------------------------------------------------------------- */

/* pf_is_smtpd_inet - an inet service whose command is smtpd. */
static int pf_is_smtpd_inet(const struct pfconf_service *s)
{
	const char *base = strrchr(s->command, '/');

	base = base != NULL ? base + 1 : s->command;
	return strcmp(s->type, "inet") == 0 && strcmp(base, "smtpd") == 0;
}

/* pf_role - the role of an smtpd inet service. */
static enum pf_role pf_role(const struct pf_conf *c, const struct pfconf_service *s)
{
	if (pf_yes(c, s, "smtpd_tls_wrappermode"))
		return PF_SMTPS;
	if (strcmp(s->name, "smtp") == 0 || ends_with(s->name, ":smtp") ||
	    ends_with(s->name, ":25"))
		return PF_SMTP;
	if (c->mx_port > 0 && pf_port(s->name) == c->mx_port)
		return PF_SMTP;
	return PF_SUBMISSION;
}

/* fold_in - one listener's floors into ep (the lowest wins). */
static void fold_in(struct mt_endpoint *ep, struct pf_fold *f, const struct pf_listener *l)
{
	size_t used = strlen(f->summary);

	if (f->n > 0 && (l->configured != ep->configured || l->effective != ep->effective))
		f->differ = 1;
	ep->configured = f->n == 0 ? l->configured : lowest(ep->configured, l->configured);
	ep->effective = f->n == 0 ? l->effective : lowest(ep->effective, l->effective);
	snprintf(f->summary + used, sizeof(f->summary) - used, "%s%s %s", f->n > 0 ? ", " : "",
		 l->svc->name, tlsver_name(l->effective));
	f->n++;
}

/* pf_tls_off - why smtpd service s offers no TLS at all, or NULL: security
 * level none (with no level: neither smtpd_use_tls nor enforcement), or no
 * server certificate. The reason is a static string. */
static const char *pf_tls_off(const struct pf_conf *c, const struct pfconf_service *s, int enforce)
{
	static const char *const cert_keys[] = { "smtpd_tls_cert_file", "smtpd_tls_eccert_file",
						 "smtpd_tls_dcert_file", "smtpd_tls_chain_files" };
	struct pf_setting v;

	if (!enforce) {
		pf_get(c, s, "smtpd_tls_security_level", &v);
		if (strcmp(v.value, "none") == 0 || (v.value[0] == '\0' && !pf_yes(c, s, "smtpd_use_tls")))
			return "TLS is off (smtpd_tls_security_level none or unset): STARTTLS is not offered";
	}
	for (size_t i = 0; i < sizeof(cert_keys) / sizeof(cert_keys[0]); i++) {
		pf_get(c, s, cert_keys[i], &v);
		if (v.value[0] != '\0')
			return NULL;
	}
	return "no server certificate (smtpd_tls_cert_file, smtpd_tls_chain_files): TLS is unavailable";
}

/* add_listener - one smtpd service of ep's role. */
static void add_listener(const struct pf_conf *c, const struct pfconf_service *s,
			 struct mt_endpoint *ep, struct pf_fold *f)
{
	struct pf_listener l;
	struct pf_setting other;
	int enforce = pf_enforce(c, s, ep);
	const char *off = pf_tls_off(c, s, enforce);

	pf_eval(c, s, enforce ? PF_MAND_PROTO : PF_PROTO,
		enforce ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers", &l, ep);
	if (off != NULL) {
		l.effective = TLSVER_NONE;
		model_warn(ep, "tls_disabled", "%s: %s", s->name, off);
	}
	model_instance(ep, s->name);
	add_listener_sources(ep, &l);
	pf_get(c, s, enforce ? PF_PROTO : PF_MAND_PROTO, &other);
	if (other.v.is_override) {  /* set on this service, but not read by it */
		add_source(ep, &other, s, 1);
		model_warn(ep, "ignored_key", "master.cf service %s sets %s = %.160s, which this "
			   "role does not read (it reads %s)", s->name, other.key, other.v.raw,
			   l.proto.key);
	}
	if (l.proto.v.is_override)
		model_warn(ep, "override", "master.cf service %s sets %s = %.160s, overriding "
			   "main.cf", s->name, l.proto.key, l.proto.v.raw);
	if (ep->port == 0)
		ep->port = pf_port(s->name);
	fold_in(ep, f, &l);
}

/* pf_role_endpoint - the endpoint of one role, when master.cf has a
 * listener for it. */
static void pf_role_endpoint(const struct pf_conf *c, struct mt_service *svc, enum pf_role role)
{
	struct mt_endpoint *ep = NULL;
	struct pf_fold f = { 0, 0, "" };

	for (size_t i = 0; i < c->mf.nsvcs; i++) {
		const struct pfconf_service *s = &c->mf.svcs[i];

		if (!pf_is_smtpd_inet(s) || pf_role(c, s) != role)
			continue;
		if (ep == NULL && (ep = model_endpoint(svc, role_names[role])) == NULL)
			return;
		add_listener(c, s, ep, &f);
	}
	if (ep == NULL)
		return;
	ep->own_floor = 1;
	ep->floors = PF_ALL_FLOORS;
	if (f.differ)
		model_warn(ep, "override", "the %s listeners differ (%s): the lowest is reported",
			   role_names[role], f.summary);
}

/* pf_outbound - the SMTP client: opportunistic smtp_tls_protocols decides,
 * smtp_tls_mandatory_protocols is shown beside it. Read-only. */
static void pf_outbound(const struct pf_conf *c, struct mt_service *svc)
{
	struct mt_endpoint *ep = model_endpoint(svc, "outbound");
	struct pf_listener l;
	struct pf_setting mand;
	struct pfproto pp;

	if (ep == NULL)
		return;
	ep->read_only = 1;
	pf_eval(c, NULL, "smtp_tls_protocols", "smtp_tls_ciphers", &l, ep);
	pf_get(c, NULL, "smtp_tls_mandatory_protocols", &mand);
	add_source(ep, &l.proto, NULL, 0);
	add_source(ep, &mand, NULL, 0);
	add_source(ep, &l.grade, NULL, 0);
	if (l.clist.key != NULL && !l.clist.v.is_default)
		add_source(ep, &l.clist, NULL, 0);
	pfproto_parse(mand.value, &pp);
	if (mand.failed || pp.invalid)
		model_warn(ep, "invalid_value", "Invalid TLS protocol list \"%.160s\" (%s): the "
			   "Postfix SMTP client aborts TLS where TLS is mandatory", mand.v.raw,
			   mand.key);
	ep->configured = l.configured;
	ep->effective = l.effective;
}

/* ---- the adapter ---------------------------------------------------------- */

/* pf_installed - main.cf exists in the profile's config_dir. */
static int pf_installed(const struct mt_profile *p)
{
	char path[MT_PATH_MAX];
	struct mt_err err = { 0 };

	return pf_path(p, "main.cf", path, sizeof(path), &err) == 0 && safefile_exists(path);
}

/* pf_version_binary - the postconf path (borrowed from the profile). */
static const char *pf_version_binary(const struct mt_profile *p)
{
	return profile_str(p, "postfix", "postconf");
}

/* first_version_line - the first line of out that looks like a version
 * ("3.7.11"), skipping postconf's warnings on the shared stderr. */
static void first_version_line(const char *out, char *buf, size_t size)
{
	const char *ok = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_~";
	size_t n;

	for (; *out != '\0'; out += n + (out[n] != '\0')) {
		n = strcspn(out, "\r\n");
		if (n > 0 && n < size && out[0] >= '0' && out[0] <= '9' && strspn(out, ok) == n) {
			memcpy(buf, out, n);
			buf[n] = '\0';
			return;
		}
	}
}

/* pf_query_version - `postconf -c DIR -h mail_version` into the caller's
 * buf ("" when it fails or prints no version). Returns 0, or -1 when it
 * could not be run. */
static int pf_query_version(const struct mt_profile *p, char *buf, size_t size,
			    struct mt_err *err)
{
	char bin[MT_PATH_MAX], dir[MT_PATH_MAX], opt_c[] = "-c", opt_h[] = "-h",
	     param[] = "mail_version";
	char *argv[] = { bin, opt_c, dir, opt_h, param, NULL };
	const char *b = profile_str(p, "postfix", "postconf");
	const char *d = profile_str(p, "postfix", "config_dir");
	char out[SPAWN_OUTPUT_MAX];

	buf[0] = '\0';
	if (b == NULL || d == NULL || mt_strlcpy(bin, b, sizeof(bin)) != 0 ||
	    mt_strlcpy(dir, d, sizeof(dir)) != 0) {
		mt_err_set(err, "bad_profile",
			   "postfix.postconf or postfix.config_dir is missing or too long");
		return -1;
	}
	if (spawn_capture(argv, PF_VERSION_TIMEOUT_MS, out, sizeof(out), err) != 0)
		return -1;
	first_version_line(out, buf, size);
	return 0;
}

/* pf_query_tls_library - Postfix links OpenSSL: "openssl" into buf. */
static int pf_query_tls_library(const struct mt_profile *p, char *buf, size_t size,
				struct mt_err *err)
{
	(void)p;
	(void)err;
	mt_strlcpy(buf, "openssl", size);
	return 0;
}

/* pf_load - main.cf and master.cf of the profile into c (owned by c even
 * on failure). Absent files read as empty. Returns 0 or -1. */
static int pf_load(const struct mt_profile *p, const char *version, struct pf_conf *c,
		   struct mt_err *err)
{
	char path[MT_PATH_MAX];

	if (pf_path(p, "main.cf", path, sizeof(path), err) != 0 ||
	    pfconf_main_read(&c->mc, path, err) < 0)
		return -1;
	c->mc.version = pfconf_version(version);
	c->mx_port = profile_endpoint_port(p, "postfix/smtp");
	if (pf_path(p, "master.cf", path, sizeof(path), err) != 0 ||
	    pfconf_master_read(&c->mf, path, err) < 0)
		return -1;
	return 0;
}

/* pf_read_status - svc's endpoints (smtp, submission, smtps as master.cf has
 * them, then outbound) from main.cf and master.cf; everything read is
 * released before returning. Returns 0 or -1 (unsafe_file, io_error,
 * bad_profile, internal). */
static int pf_read_status(const struct mt_profile *p, struct mt_service *svc,
			  struct mt_err *err)
{
	struct pf_conf c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	if (pf_load(p, svc->version, &c, err) != 0)
		goto out;
	for (int role = 0; role < PF_NROLES; role++)
		pf_role_endpoint(&c, svc, (enum pf_role)role);
	pf_outbound(&c, svc);
	rc = 0;
out:
	pfconf_master_free(&c.mf);
	pfconf_main_free(&c.mc);
	return rc;
}

const struct mt_adapter postfix_adapter = {
	.name = "postfix",
	.installed = pf_installed,
	.version_binary = pf_version_binary,
	.query_version = pf_query_version,
	.query_tls_library = pf_query_tls_library,
	.read_status = pf_read_status,
};
