/*
 * postfix.c - the Postfix adapter: which TLS floor each SMTP role has.
 *
 * Owns: the roles (DESIGN.md §2): every master.cf `inet` service whose
 * command is smtpd, and every `pass` smtpd behind a postscreen `inet`
 * service (which then names the listener: its port, its instance), is
 * `smtps` when its effective smtpd_tls_wrappermode is yes, else `smtp` when
 * it is the MX listener (smtp, *:smtp, *:25, or the port of the profile's
 * postfix/smtp probe endpoint, so that a sandbox's 127.0.0.1:10025 is
 * `smtp`), else `submission`; which protocol key a role reads (smtpd's
 * pre_jail_init(): the mandatory one with wrappermode, an enforcing
 * smtpd_tls_security_level or, with no level, smtpd_enforce_tls); master.cf
 * -o overrides winning over main.cf; a cipher list's own @SECLEVEL;
 * postscreen's own STARTTLS (through tlsproxy, when an after-220 test is
 * on); and the read-only `outbound` (the SMTP client). Names, levels and
 * grades are read in any case, as Postfix's name_code() does. Per-IP
 * listeners of one role are one endpoint with their master.cf names as
 * instances, at the lowest floor among them.
 * Plans `set` (plan_floors, DESIGN.md §2 "Where a Postfix floor is
 * written"): which main.cf parameter or master.cf -o gets which protocol
 * list (pfproto_format: ">=" from Postfix 3.6, exclusion lists before);
 * a service floor sets both protocol keys in main.cf and rewrites every
 * protocol -o of a listener without a floor of its own; submission and
 * smtps floors are -o overrides of all their listeners; an smtp floor is
 * main.cf's key it reads unless it has an -o of it or another role reads
 * that key too (behind postscreen, the -o overrides are the pass smtpd's,
 * and the key postscreen's tlsproxy reads follows the smtp floor when it
 * answers STARTTLS); a cipher list with no cipher for a floor below TLSv1.2
 * (TLS 1.2-only suites) gets Postfix's built-in list of its grade, and a
 * cipher list's own @SECLEVEL is set to 0, where such a floor needs it, both
 * put back (state "cipherlists") when none does; the intermediate and
 * strong cipher policies (state "ciphers"). pfplan turns the settings into
 * line edits.
 * Never: writes a file, runs anything but `postconf -h mail_version`, or
 * reads a file other than through pfconf (safefile_read) and the plan.
 */
#include "adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfconf.h"
#include "pfplan.h"
#include "pfproto.h"
#include "safefile.h"
#include "spawn.h"
#include "cipherlist.h"
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

/* cipherlist_key - the tls_*_cipherlist a cipher grade (any case: Postfix's
 * tls_cipher_grade() is name_code() with strcasecmp()) uses (Postfix 3.6+:
 * low and export are medium), or NULL for a grade Postfix does not know. */
static const char *cipherlist_key(const char *grade)
{
	static const char *const map[][2] = {
		{ "high", "tls_high_cipherlist" }, { "medium", "tls_medium_cipherlist" },
		{ "low", "tls_medium_cipherlist" }, { "export", "tls_medium_cipherlist" },
		{ "null", "tls_null_cipherlist" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(grade, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The parameters a Postfix TLS server program reads to decide whether and
 * how it offers TLS: smtpd; postscreen (whether it answers STARTTLS itself,
 * through tlsproxy); tlsproxy (postscreen's TLS engine, whose settings
 * default to smtpd's: $smtpd_tls_protocols, ...). */
struct pf_daemon {
	const char *name;
	const char *level, *use, *enforce;
	const char *wrapper;             /* NULL: no wrapper mode */
	const char *proto, *mand_proto;  /* NULL: it does no handshake itself */
	const char *grade, *mand_grade;
	const char *certs[4];            /* certs[0] NULL: none of its own */
	const char *off_why, *nocert_why;
};

static const struct pf_daemon pf_smtpd = {
	"smtpd", "smtpd_tls_security_level", "smtpd_use_tls", "smtpd_enforce_tls",
	"smtpd_tls_wrappermode", PF_PROTO, PF_MAND_PROTO, "smtpd_tls_ciphers",
	"smtpd_tls_mandatory_ciphers",
	{ "smtpd_tls_cert_file", "smtpd_tls_eccert_file", "smtpd_tls_dcert_file",
	  "smtpd_tls_chain_files" },
	"TLS is off (smtpd_tls_security_level none or unset): STARTTLS is not offered",
	"no server certificate (smtpd_tls_cert_file, smtpd_tls_chain_files): TLS is unavailable",
};

static const struct pf_daemon pf_postscreen = {
	"postscreen", "postscreen_tls_security_level", "postscreen_use_tls",
	"postscreen_enforce_tls", NULL, NULL, NULL, NULL, NULL, { NULL, NULL, NULL, NULL },
	"STARTTLS is not offered", NULL,
};

static const struct pf_daemon pf_tlsproxy = {
	"tlsproxy", "tlsproxy_tls_security_level", "tlsproxy_use_tls", "tlsproxy_enforce_tls",
	NULL, "tlsproxy_tls_protocols", "tlsproxy_tls_mandatory_protocols", "tlsproxy_tls_ciphers",
	"tlsproxy_tls_mandatory_ciphers",
	{ "tlsproxy_tls_cert_file", "tlsproxy_tls_eccert_file", "tlsproxy_tls_dcert_file",
	  "tlsproxy_tls_chain_files" },
	"its TLS server role is off", "it has no server certificate",
};

/* pf_enforce - d's var_*_enforce_tls: wrappermode; else a non-empty
 * security level decides (any case, Postfix's tls_level_lookup(): encrypt
 * and the levels the server maps to it enforce; may and none do not;
 * anything else stops the program, and ep, when not NULL, is told); else
 * its *_enforce_tls. */
static int pf_enforce(const struct pf_conf *c, const struct pfconf_service *s,
		      const struct pf_daemon *d, struct mt_endpoint *ep)
{
	static const char *const enforcing[] = { "encrypt", "fingerprint", "verify", "secure" };
	struct pf_setting level;

	if (d->wrapper != NULL && pf_yes(c, s, d->wrapper))
		return 1;
	pf_get(c, s, d->level, &level);
	if (level.value[0] == '\0')
		return pf_yes(c, s, d->enforce);
	for (size_t i = 0; i < sizeof(enforcing) / sizeof(enforcing[0]); i++)
		if (strcasecmp(level.value, enforcing[i]) == 0)
			return 1;
	if (ep != NULL && strcasecmp(level.value, "may") != 0 &&
	    strcasecmp(level.value, "none") != 0)
		model_warn(ep, "invalid_value", "%s: %s = \"%.160s\" is not a level %s accepts: "
			   "it stops with a fatal error", s->name, d->level, level.value, d->name);
	return 0;
}

/* ---- one listener --------------------------------------------------------- */

/* pf_floor_of - configured floor of l->proto as a Postfix of `version`
 * (pfconf_version) reads it, or TLSVER_NONE with a warning on ep when the
 * list cannot work; fills pp. */
static int pf_floor_of(const struct pf_listener *l, unsigned version, struct pfproto *pp,
		       struct mt_endpoint *ep)
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
	pfproto_parse(s->value, version, pp);
	if (pp->too_new)
		model_warn(ep, "invalid_value", "Invalid TLS protocol list \"%.160s\" (%s): "
			   "\">=\" and \"<=\" need Postfix 3.6; Postfix %u.%u disables TLS on "
			   "this endpoint", s->value, s->key, version / 100, version % 100);
	else if (pp->invalid)
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
	int level, from;

	if (l->clist.key == NULL) {
		model_warn(ep, "invalid_value", "%s = \"%.160s\" is not a cipher grade: Postfix "
			   "aborts every TLS session on this endpoint", l->grade.key,
			   l->grade.value);
		return TLSVER_NONE;
	}
	from = cipherlist_raise(ep, l->clist.key, l->clist.value, pp->floor, TLSVER_NONE);
	if (!tlsver_is_version(from))
		return TLSVER_NONE;
	level = tlsver_cipher_seclevel(l->clist.value);
	if (level < 1 || from >= TLSVER_1_2)
		return pfproto_lowest_from(pp, from);
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
	l->configured = pf_floor_of(l, c->mc.version, &pp, ep);
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

/* pf_runs - master.cf entry s has this type and runs this command. */
static int pf_runs(const struct pfconf_service *s, const char *type, const char *command)
{
	const char *base = strrchr(s->command, '/');

	base = base != NULL ? base + 1 : s->command;
	return strcmp(s->type, type) == 0 && strcmp(base, command) == 0;
}

/* pf_front - the inet service through which clients reach smtpd service
 * s: s itself when it is an inet smtpd; for a pass smtpd, the first
 * postscreen inet service that hands its clients to it (postscreen's
 * smtpd_service_name, default smtpd: `smtp inet ... postscreen` with
 * `smtpd pass ... smtpd`); NULL when clients do not reach s. Borrowed. */
static const struct pfconf_service *pf_front(const struct pf_conf *c,
					     const struct pfconf_service *s)
{
	struct pf_setting name;

	if (pf_runs(s, "inet", "smtpd"))
		return s;
	if (!pf_runs(s, "pass", "smtpd"))
		return NULL;
	for (size_t i = 0; i < c->mf.nsvcs; i++) {
		const struct pfconf_service *p = &c->mf.svcs[i];

		if (!pf_runs(p, "inet", "postscreen"))
			continue;
		pf_get(c, p, "smtpd_service_name", &name);
		if (strcmp(name.value, s->name) == 0)
			return p;
	}
	return NULL;
}

/* pf_role - the role of master.cf entry s, or -1 when it is no smtpd that
 * clients reach (pf_front). The name of the service that listens decides
 * between smtp and submission: behind postscreen, the postscreen's. */
static int pf_role(const struct pf_conf *c, const struct pfconf_service *s)
{
	const struct pfconf_service *f = pf_front(c, s);

	if (f == NULL)
		return -1;
	if (pf_yes(c, s, "smtpd_tls_wrappermode"))
		return PF_SMTPS;
	if (strcmp(f->name, "smtp") == 0 || ends_with(f->name, ":smtp") ||
	    ends_with(f->name, ":25"))
		return PF_SMTP;
	if (c->mx_port > 0 && pf_port(f->name) == c->mx_port)
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

/* pf_tls_off - why d (service s) offers no TLS at all, or NULL: security
 * level none (with no level: neither *_use_tls nor enforcement), or no
 * server certificate (when d has certificates of its own). The reason is a
 * static string. */
static const char *pf_tls_off(const struct pf_conf *c, const struct pfconf_service *s,
			      const struct pf_daemon *d, int enforce)
{
	struct pf_setting v;

	if (!enforce) {
		pf_get(c, s, d->level, &v);
		if (strcasecmp(v.value, "none") == 0 ||
		    (v.value[0] == '\0' && !pf_yes(c, s, d->use)))
			return d->off_why;
	}
	if (d->certs[0] == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(d->certs) / sizeof(d->certs[0]); i++) {
		pf_get(c, s, d->certs[i], &v);
		if (v.value[0] != '\0')
			return NULL;
	}
	return d->nocert_why;
}

/* pf_tlsproxy_of - the tlsproxy service with which postscreen service p
 * does STARTTLS itself, or NULL. postscreen hands a client to smtpd right
 * after its pre-greeting tests, before the client can say STARTTLS, unless
 * an after-220 test (postscreen_pipelining_enable,
 * postscreen_non_smtp_command_enable, postscreen_bare_newline_enable; all
 * off by default) keeps the client talking to postscreen's own SMTP engine,
 * which answers STARTTLS through tlsproxy when it offers it (postscreen's
 * security level, default $smtpd_tls_security_level). *test gets the test
 * that is on. Borrowed. */
static const struct pfconf_service *pf_tlsproxy_of(const struct pf_conf *c,
						   const struct pfconf_service *p,
						   const char **test)
{
	static const char *const tests[] = { "postscreen_pipelining_enable",
					     "postscreen_non_smtp_command_enable",
					     "postscreen_bare_newline_enable" };
	struct pf_setting name;

	*test = NULL;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]) && *test == NULL; i++)
		if (pf_yes(c, p, tests[i]))
			*test = tests[i];
	if (*test == NULL ||
	    pf_tls_off(c, p, &pf_postscreen, pf_enforce(c, p, &pf_postscreen, NULL)) != NULL)
		return NULL;
	pf_get(c, p, "tlsproxy_service_name", &name);
	for (size_t i = 0; i < c->mf.nsvcs; i++)
		if (pf_runs(&c->mf.svcs[i], "unix", "tlsproxy") &&
		    strcmp(c->mf.svcs[i].name, name.value) == 0)
			return &c->mf.svcs[i];
	return NULL;
}

/* add_tlsproxy - when postscreen service p answers STARTTLS itself
 * (pf_tlsproxy_of), what its tlsproxy lets a client negotiate joins smtpd
 * listener l (the lower floor wins), its settings join ep's sources, and
 * ep is told. */
static void add_tlsproxy(const struct pf_conf *c, const struct pfconf_service *p,
			 struct pf_listener *l, struct mt_endpoint *ep)
{
	const char *test;
	const struct pfconf_service *t = pf_tlsproxy_of(c, p, &test);
	struct pf_listener tl;
	int enforce;

	if (t == NULL)
		return;
	enforce = pf_enforce(c, t, &pf_tlsproxy, ep);
	if (pf_tls_off(c, t, &pf_tlsproxy, enforce) != NULL)
		return;  /* postscreen's STARTTLS fails: no TLS before smtpd */
	pf_eval(c, t, enforce ? pf_tlsproxy.mand_proto : pf_tlsproxy.proto,
		enforce ? pf_tlsproxy.mand_grade : pf_tlsproxy.grade, &tl, ep);
	add_listener_sources(ep, &tl);
	model_warn(ep, "override", "postscreen service %s runs after-220 tests (%s = yes): a "
		   "client may do STARTTLS with %s there (%s: %s) before it reaches smtpd service "
		   "%s (%s): the lower is reported", p->name, test, t->name, tl.proto.key,
		   tlsver_name(tl.effective), l->svc->name, tlsver_name(l->effective));
	l->configured = lowest(l->configured, tl.configured);
	l->effective = lowest(l->effective, tl.effective);
}

/* add_listener - one smtpd service of ep's role; behind postscreen, the
 * instances name the postscreen service too, and the port is its. */
static void add_listener(const struct pf_conf *c, const struct pfconf_service *s,
			 struct mt_endpoint *ep, struct pf_fold *f)
{
	const struct pfconf_service *front = pf_front(c, s);
	struct pf_listener l;
	struct pf_setting other;
	int enforce = pf_enforce(c, s, &pf_smtpd, ep);
	const char *off = pf_tls_off(c, s, &pf_smtpd, enforce);

	pf_eval(c, s, enforce ? PF_MAND_PROTO : PF_PROTO,
		enforce ? pf_smtpd.mand_grade : pf_smtpd.grade, &l, ep);
	if (off != NULL) {
		l.effective = TLSVER_NONE;
		model_warn(ep, "tls_disabled", "%s: %s", s->name, off);
	}
	model_instance(ep, front->name);
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
	if (front != s)
		add_tlsproxy(c, front, &l, ep);
	if (ep->port == 0)
		ep->port = pf_port(front->name);
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

		if (pf_role(c, s) != (int)role)
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
	pfproto_parse(mand.value, c->mc.version, &pp);
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

/* ---- set: the planner ------------------------------------------------------ */

#define PF_CIPHERS "smtpd_tls_ciphers"
#define PF_MAND_CIPHERS "smtpd_tls_mandatory_ciphers"
#define PF_MEDIUM_LIST "tls_medium_cipherlist"
#define PF_EXCLUDE "smtpd_tls_exclude_ciphers"
#define PF_FLOOR_TEXT 64  /* the longest protocol list pfproto_format writes, and more */

/* Mozilla's "intermediate" TLS 1.2 cipher suites (ssl-config.mozilla.org). */
static const char pf_intermediate_list[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/* What the strong (PCI) policy excludes on top. */
static const char pf_strong_exclude[] =
	"aNULL, eNULL, EXPORT, DES, RC4, MD5, PSK, aECDH, EDH-DSS-DES-CBC3-SHA, "
	"EDH-RSA-DES-CBC3-SHA, KRB5-DES, CBC3-SHA";

/* One planning run. */
struct pf_planner {
	struct pf_conf c;        /* owned: main.cf and master.cf parsed from the plan's bytes */
	struct pfplan *pp;       /* owned: the settings made so far */
	struct plan *pl;         /* borrowed */
	json_t *state;           /* owned: a working copy of the service's state */
	enum cipher_policy ciphers;
	unsigned version;        /* pfconf_version of the running Postfix, 0 unknown */
	int service_floor;       /* TLSVER_NONE: not asked */
	int ep_floor[PF_NROLES]; /* endpoint floors; TLSVER_NONE: not asked, or the
				  * service floor itself (main.cf then covers it) */
	int asked[PF_NROLES];    /* the role's floor is set by this change... */
	int floor[PF_NROLES];    /* ...to this */
};

/* pf_role_index - the role named role, or -1 (outbound). */
static int pf_role_index(const char *role)
{
	for (int r = 0; r < PF_NROLES; r++)
		if (strcmp(role_names[r], role) == 0)
			return r;
	return -1;
}

/* pf_reads - the protocol key smtpd service s reads. */
static const char *pf_reads(const struct pf_conf *c, const struct pfconf_service *s)
{
	return pf_enforce(c, s, &pf_smtpd, NULL) ? PF_MAND_PROTO : PF_PROTO;
}

/* pf_listener_role - the role of master.cf entry i, or -1 when it is no
 * smtpd that clients reach (an inet smtpd, or the pass smtpd behind a
 * postscreen: its -o overrides are where its settings go). */
static int pf_listener_role(const struct pf_conf *c, size_t i)
{
	return pf_role(c, &c->mf.svcs[i]);
}

/* pf_floor_text - the protocol list for floor into buf[PF_FLOOR_TEXT]:
 * main.cf form, or (compact) the one-word form of an -o argument. */
static int pf_floor_text(const struct pf_planner *pr, int floor, int compact, char *buf,
			 struct mt_err *err)
{
	if (pfproto_format(floor, pr->version, compact, buf, PF_FLOOR_TEXT) != 0) {
		mt_err_set(err, "internal", "cannot write floor %d as a Postfix protocol list", floor);
		return -1;
	}
	return 0;
}

/* pf_refuse - unsupported_floor for role. Returns -1. */
static int pf_refuse(struct mt_err *err, const char *role, const char *why)
{
	char endpoint[sizeof(err->endpoint)];

	snprintf(endpoint, sizeof(endpoint), "postfix/%s", role);
	mt_err_set(err, "unsupported_floor", "%s: %s", endpoint, why);
	mt_err_where(err, "postfix", endpoint);
	return -1;
}

/* pf_plan_request - the request per role, checked against svc's endpoints:
 * the read-only outbound and floors an endpoint does not offer are refused. */
static int pf_plan_request(const struct mt_service *svc, const struct mt_floor_request *req,
			   struct pf_planner *pr, struct mt_err *err)
{
	int f, role, all = req->service_floor;

	if (all != TLSVER_NONE && !tlsver_is_version(all)) {
		mt_err_set(err, "invalid_version", "not a TLS version: %d", all);
		return -1;
	}
	pr->service_floor = all;
	for (int r = 0; r < PF_NROLES; r++) {
		pr->ep_floor[r] = TLSVER_NONE;
		pr->asked[r] = all != TLSVER_NONE;
		pr->floor[r] = all;
	}
	for (size_t i = 0; i < svc->nendpoints; i++) {
		const struct mt_endpoint *ep = &svc->endpoints[i];

		f = req->endpoint_floor[i];
		role = pf_role_index(ep->role);
		if (f != TLSVER_NONE && ep->read_only)
			return pf_refuse(err, ep->role, "the SMTP client (smtp_tls_*) is reported "
					 "by status and never written by set");
		if (f != TLSVER_NONE && (role < 0 || !tlsver_is_version(f) || !ep->own_floor ||
					 (ep->floors & (1u << f)) == 0))
			return pf_refuse(err, ep->role, "this endpoint cannot take that floor");
		if (role < 0 || f == TLSVER_NONE)
			continue;
		pr->ep_floor[role] = f != all ? f : TLSVER_NONE;
		pr->asked[role] = 1;
		pr->floor[role] = f;
	}
	return 0;
}

/* pf_plan_load - main.cf and master.cf into the plan (read once, there) and
 * parsed from those very bytes into pr->c. */
static int pf_plan_load(const struct mt_profile *p, struct pf_planner *pr, struct mt_err *err)
{
	char path[MT_PATH_MAX];
	struct plan_file *mainf, *masterf;

	if (pf_path(p, "main.cf", path, sizeof(path), err) != 0 ||
	    (mainf = plan_file(pr->pl, "postfix", path, err)) == NULL ||
	    pfconf_main_parse(&pr->c.mc, path, mainf->before.data ? mainf->before.data : "",
			      mainf->before.len, err) != 0)
		return -1;
	if (pf_path(p, "master.cf", path, sizeof(path), err) != 0 ||
	    (masterf = plan_file(pr->pl, "postfix", path, err)) == NULL ||
	    pfconf_master_parse(&pr->c.mf, path, masterf->before.data ? masterf->before.data : "",
				masterf->before.len, err) != 0)
		return -1;
	pr->c.mc.version = pr->version;
	pr->c.mx_port = profile_endpoint_port(p, "postfix/smtp");
	pfplan_init(pr->pp, mainf, &pr->c.mc, masterf, &pr->c.mf);
	return 0;
}

/* pf_rewrite_override - s's -o for key, when it has one that differs from
 * value, rewritten to value, with a warning: it would win over main.cf. */
static int pf_rewrite_override(struct pf_planner *pr, const struct pfconf_service *s,
			       const char *key, const char *value, struct mt_err *err)
{
	const struct pfconf_opt *o = pfconf_service_opt(&pr->c.mf, s, key);

	if (o == NULL || strcmp(o->value, value) == 0)
		return 0;
	plan_warn(pr->pl, "postfix", "override", "master.cf service %s: -o %s=%.120s rewritten to "
		  "%s (it would win over main.cf)", s->name, key, o->value, value);
	return pfplan_set(pr->pp, s, key, value, err);
}

/* pf_plan_service_floor - both protocol keys in main.cf, and the protocol
 * overrides of every listener whose role has no floor of its own. */
static int pf_plan_service_floor(struct pf_planner *pr, struct mt_err *err)
{
	char mv[PF_FLOOR_TEXT], ov[PF_FLOOR_TEXT];
	int role;

	if (pr->service_floor == TLSVER_NONE)
		return 0;
	if (pf_floor_text(pr, pr->service_floor, 0, mv, err) != 0 ||
	    pf_floor_text(pr, pr->service_floor, 1, ov, err) != 0 ||
	    pfplan_set(pr->pp, NULL, PF_PROTO, mv, err) != 0 ||
	    pfplan_set(pr->pp, NULL, PF_MAND_PROTO, mv, err) != 0)
		return -1;
	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		const struct pfconf_service *s = &pr->c.mf.svcs[i];

		if ((role = pf_listener_role(&pr->c, i)) < 0 || pr->ep_floor[role] != TLSVER_NONE)
			continue;
		if (pf_rewrite_override(pr, s, PF_MAND_PROTO, ov, err) != 0 ||
		    pf_rewrite_override(pr, s, PF_PROTO, ov, err) != 0)
			return -1;
	}
	return 0;
}

/* pf_plan_own - listener s gets floor as its own -o overrides of both
 * protocol keys (an existing one rewritten, else new lines). */
static int pf_plan_own(struct pf_planner *pr, const struct pfconf_service *s, int floor,
		       struct mt_err *err)
{
	char ov[PF_FLOOR_TEXT];

	if (pf_floor_text(pr, floor, 1, ov, err) != 0 ||
	    pfplan_set(pr->pp, s, PF_MAND_PROTO, ov, err) != 0 ||
	    pfplan_set(pr->pp, s, PF_PROTO, ov, err) != 0)
		return -1;
	return 0;
}

/* pf_main_sharer - a listener of another role that reads main.cf's key
 * (no -o of its own, no floor of its own in this change), or NULL. */
static const struct pfconf_service *pf_main_sharer(const struct pf_planner *pr, const char *key)
{
	int role;

	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		const struct pfconf_service *s = &pr->c.mf.svcs[i];

		role = pf_listener_role(&pr->c, i);
		if (role < 0 || role == PF_SMTP || pr->ep_floor[role] != TLSVER_NONE)
			continue;
		if (strcmp(pf_reads(&pr->c, s), key) == 0 &&
		    pfconf_service_opt(&pr->c.mf, s, key) == NULL)
			return s;
	}
	return NULL;
}

/* pf_plan_smtp - an smtp listener's own floor without a service floor: its
 * -o of the key it reads when it has one, else main.cf's key, unless
 * another role reads that too (then -o overrides of its own). */
static int pf_plan_smtp(struct pf_planner *pr, const struct pfconf_service *s, int floor,
			struct mt_err *err)
{
	const char *key = pf_reads(&pr->c, s);
	const struct pfconf_service *other;
	char v[PF_FLOOR_TEXT];

	if (pfconf_service_opt(&pr->c.mf, s, key) != NULL)
		return pf_floor_text(pr, floor, 1, v, err) != 0 ? -1 :
		       pfplan_set(pr->pp, s, key, v, err);
	if ((other = pf_main_sharer(pr, key)) == NULL)
		return pf_floor_text(pr, floor, 0, v, err) != 0 ? -1 :
		       pfplan_set(pr->pp, NULL, key, v, err);
	plan_warn(pr->pl, "postfix", "override", "the floor of postfix/smtp goes into master.cf "
		  "service %s as -o overrides: main.cf's %s is also read by service %s", s->name,
		  key, other->name);
	return pf_plan_own(pr, s, floor, err);
}

/* pf_plan_endpoint_floors - every listener of a role with its own floor:
 * submission and smtps (and smtp beside a service floor) in master.cf, smtp
 * alone where it reads. */
static int pf_plan_endpoint_floors(struct pf_planner *pr, struct mt_err *err)
{
	int role, floor, rc;

	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		const struct pfconf_service *s = &pr->c.mf.svcs[i];

		if ((role = pf_listener_role(&pr->c, i)) < 0 ||
		    (floor = pr->ep_floor[role]) == TLSVER_NONE)
			continue;
		if (role == PF_SMTP && pr->service_floor == TLSVER_NONE)
			rc = pf_plan_smtp(pr, s, floor, err);
		else
			rc = pf_plan_own(pr, s, floor, err);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* pf_tlsproxy_now - the floor tlsproxy service t gets from key (one of its
 * protocol keys, at its default $smtpd_tls_...: base) after this change:
 * main.cf's base as this change sets it, unless t overrides base; else
 * what t reads now. TLSVER_NONE when that is no working list. */
static int pf_tlsproxy_now(const struct pf_planner *pr, const struct pfconf_service *t,
			   const char *key, const char *base)
{
	struct pf_setting cur;
	struct pfproto pp;
	const char *value;

	if (pfplan_has(pr->pp, NULL, base) && pfconf_service_opt(&pr->c.mf, t, base) == NULL) {
		value = pfplan_get(pr->pp, NULL, base);  /* a list the helper wrote: no $ */
	} else {
		pf_get(&pr->c, t, key, &cur);
		value = cur.failed ? NULL : cur.value;
	}
	if (value == NULL)
		return TLSVER_NONE;
	pfproto_parse(value, pr->version, &pp);
	return pp.invalid ? TLSVER_NONE : pp.floor;
}

/* pf_plan_tlsproxy - when clients of an smtp listener behind postscreen
 * can do STARTTLS with postscreen's tlsproxy (pf_tlsproxy_of), the protocol
 * key tlsproxy reads gets the smtp floor too: its -o when it has one, else
 * main.cf's setting; left at its default ($smtpd_tls_protocols or the
 * mandatory one), it follows main.cf, and main.cf gets the key only when
 * that does not carry the floor after this change. */
static int pf_plan_tlsproxy(struct pf_planner *pr, struct mt_err *err)
{
	const struct pfconf_service *t, *at;
	const struct pfconf_opt *o;
	const struct pfconf_param *mp;
	const char *test, *key, *base, *cur;
	int enforce, floor = pr->floor[PF_SMTP];
	char v[PF_FLOOR_TEXT];

	if (!pr->asked[PF_SMTP])
		return 0;
	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		const struct pfconf_service *s = &pr->c.mf.svcs[i], *front = pf_front(&pr->c, s);

		if (front == NULL || front == s || pf_role(&pr->c, s) != PF_SMTP ||
		    (t = pf_tlsproxy_of(&pr->c, front, &test)) == NULL)
			continue;
		enforce = pf_enforce(&pr->c, t, &pf_tlsproxy, NULL);
		key = enforce ? pf_tlsproxy.mand_proto : pf_tlsproxy.proto;
		base = enforce ? PF_MAND_PROTO : PF_PROTO;
		at = NULL;
		cur = NULL;
		if ((o = pfconf_service_opt(&pr->c.mf, t, key)) != NULL) {
			at = t;
			cur = o->value;
		} else if ((mp = pfconf_main_find(&pr->c.mc, key)) != NULL) {
			cur = mp->value;
		} else if (pf_tlsproxy_now(pr, t, key, base) == floor) {
			continue;
		}
		if (pf_floor_text(pr, floor, at != NULL, v, err) != 0)
			return -1;
		if (cur != NULL && strcmp(cur, v) == 0)
			continue;
		if (pfplan_set(pr->pp, at, key, v, err) != 0)
			return -1;
		plan_warn(pr->pl, "postfix", "override", "postscreen service %s runs after-220 "
			  "tests (%s = yes): %s, with which it answers STARTTLS, gets the floor "
			  "of postfix/smtp in %s too", front->name, test, t->name, key);
	}
	return 0;
}

/* ---- set: state records ------------------------------------------------------ */

/* pf_state_object - state's object member name, created when absent; NULL
 * when it cannot be. Borrowed. */
static json_t *pf_state_object(json_t *state, const char *name)
{
	json_t *o = json_object_get(state, name);

	if (json_is_object(o))
		return o;
	o = json_object();
	return o != NULL && json_object_set_new(state, name, o) == 0 ? o : NULL;
}

/* pf_state_prune - drop the record tables that are empty. */
static void pf_state_prune(json_t *state)
{
	static const char *const tables[] = { "cipherlists", "ciphers" };

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (json_is_object(json_object_get(state, tables[i])) &&
		    json_object_size(json_object_get(state, tables[i])) == 0)
			json_object_del(state, tables[i]);
}

/* pf_record_set - table[id] = {"previous": previous (null: unset),
 * "written": written}. Returns 0, or -1 (internal: not UTF-8, no memory). */
static int pf_record_set(json_t *state, const char *table, const char *id, const char *previous,
			 const char *written, struct mt_err *err)
{
	json_t *t = pf_state_object(state, table);
	json_t *rec = json_pack("{s:o, s:s}", "previous",
				previous != NULL ? json_string(previous) : json_null(), "written",
				written);

	if (t == NULL || rec == NULL || json_object_set_new(t, id, rec) != 0) {
		mt_err_set(err, "internal", "cannot record the previous value of %s in the state "
			   "(a value that is not UTF-8, or out of memory): nothing was changed",
			   id);
		return -1;
	}
	return 0;
}

/* pf_record_holds - rec says mail-tls wrote exactly cur (cur NULL: unset). */
static int pf_record_holds(json_t *rec, const char *cur)
{
	const char *written = json_string_value(json_object_get(rec, "written"));

	return cur != NULL && written != NULL && strcmp(written, cur) == 0;
}

/* pf_record_id - where a cipher list record points: "name" for main.cf,
 * "service/type/name" (postconf -P's notation) for an -o of s. */
static void pf_record_id(const struct pfconf_service *s, const char *name, char *buf, size_t size)
{
	if (s == NULL)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s/%s/%s", s->name, s->type, name);
}

/* pf_record_locate - the service (NULL: main.cf) and the parameter name a
 * record id points to; -1 when its master.cf service is gone. */
static int pf_record_locate(const struct pf_conf *c, const char *id,
			    const struct pfconf_service **s, char *name, size_t size)
{
	const char *slash = strchr(id, '/'), *type, *key;

	*s = NULL;
	if (slash == NULL)
		return mt_strlcpy(name, id, size);
	type = slash + 1;
	if ((key = strchr(type, '/')) == NULL)
		return -1;
	for (size_t i = 0; i < c->mf.nsvcs && *s == NULL; i++)
		if (strlen(c->mf.svcs[i].name) == (size_t)(slash - id) &&
		    strncmp(c->mf.svcs[i].name, id, (size_t)(slash - id)) == 0 &&
		    strlen(c->mf.svcs[i].type) == (size_t)(key - type) &&
		    strncmp(c->mf.svcs[i].type, type, (size_t)(key - type)) == 0)
			*s = &c->mf.svcs[i];
	return *s != NULL ? mt_strlcpy(name, key + 1, size) : -1;
}

/* pf_current - name's value as written in main.cf (s NULL) or in s's -o;
 * NULL when unset there. Borrowed. */
static const char *pf_current(const struct pf_conf *c, const struct pfconf_service *s,
			      const char *name)
{
	const struct pfconf_param *p;
	const struct pfconf_opt *o;

	if (s != NULL)
		return (o = pfconf_service_opt(&c->mf, s, name)) != NULL ? o->value : NULL;
	return (p = pfconf_main_find(&c->mc, name)) != NULL ? p->value : NULL;
}

/* pf_put_back - what record rec (id) says was there before mail-tls
 * ("previous"; null: unset) goes back to name in main.cf (s NULL) or s's
 * -o, when the file still holds what mail-tls wrote there ("written");
 * else someone changed it since: it is left, with a drift warning. */
static int pf_put_back(struct pf_planner *pr, const struct pfconf_service *s, const char *name,
		       const char *id, json_t *rec, struct mt_err *err)
{
	json_t *pv = json_object_get(rec, "previous");
	const char *cur = pf_current(&pr->c, s, name), *prev = json_string_value(pv);

	if ((prev != NULL || json_is_null(pv)) && pf_record_holds(rec, cur))
		return pfplan_set(pr->pp, s, name, prev, err);
	plan_warn(pr->pl, "postfix", "drift", "%s was changed after mail-tls set it (now "
		  "\"%.100s\"): left as it is; before mail-tls it was \"%.100s\"", id,
		  cur != NULL ? cur : "unset", prev != NULL ? prev : "unset");
	return 0;
}

/* ---- set: ciphers --------------------------------------------------------------- */

/* pf_policy_set - main.cf name = value for a cipher policy, remembering
 * what was there (for a later restore) unless the state already holds the
 * value from before mail-tls. A cipher list mail-tls had given @SECLEVEL=0
 * or its built-in list for a floor counts as its value from before that. */
static int pf_policy_set(struct pf_planner *pr, const char *name, const char *value,
			 struct mt_err *err)
{
	const char *cur = pf_current(&pr->c, NULL, name), *prev = cur;
	json_t *cls = json_object_get(pr->state, "cipherlists");
	json_t *fixed = json_is_object(cls) ? json_object_get(cls, name) : NULL;
	json_t *ciphers = json_object_get(pr->state, "ciphers");

	if (pf_record_holds(fixed, cur))
		prev = json_string_value(json_object_get(fixed, "previous"));
	if (!pf_record_holds(json_object_get(ciphers, name), prev) &&
	    (cur == NULL || strcmp(cur, value) != 0) &&
	    pf_record_set(pr->state, "ciphers", name, prev, value, err) != 0)
		return -1;
	if (fixed != NULL)
		json_object_del(cls, name);
	return pfplan_set(pr->pp, NULL, name, value, err);
}

/* pf_policy_restore - CIPHERS_RESTORE: every main.cf setting a cipher
 * policy made goes back to what was there before (pf_put_back); the
 * records go. */
static int pf_policy_restore(struct pf_planner *pr, struct mt_err *err)
{
	json_t *ciphers = json_object_get(pr->state, "ciphers"), *rec;
	const char *name;
	void *next;

	if (!json_is_object(ciphers))
		return 0;
	json_object_foreach_safe(ciphers, next, name, rec) {
		if (pf_put_back(pr, NULL, name, name, rec, err) != 0)
			return -1;
		json_object_del(ciphers, name);
	}
	return 0;
}

/* pf_plan_ciphers - the cipher policy: intermediate and strong set the
 * mandatory grade to medium with Mozilla's intermediate list; strong also
 * excludes weak ciphers; restore puts back what they replaced. keep and
 * legacy change nothing (Postfix already runs at security level 0:
 * FACTS.md §4a). */
static int pf_plan_ciphers(struct pf_planner *pr, struct mt_err *err)
{
	if (pr->ciphers == CIPHERS_RESTORE)
		return pf_policy_restore(pr, err);
	if (pr->ciphers != CIPHERS_INTERMEDIATE && pr->ciphers != CIPHERS_STRONG)
		return 0;
	if (pf_policy_set(pr, PF_MAND_CIPHERS, "medium", err) != 0 ||
	    pf_policy_set(pr, PF_MEDIUM_LIST, pf_intermediate_list, err) != 0)
		return -1;
	return pr->ciphers == CIPHERS_STRONG ? pf_policy_set(pr, PF_EXCLUDE, pf_strong_exclude, err)
					     : 0;
}

/* pf_list_of - the cipher list (tls_<grade>_cipherlist) listener s uses,
 * or NULL for a grade Postfix does not know. Static string. */
static const char *pf_list_of(const struct pf_conf *c, const struct pfconf_service *s)
{
	struct pf_setting grade;

	pf_get(c, s, pf_enforce(c, s, &pf_smtpd, NULL) ? PF_MAND_CIPHERS : PF_CIPHERS, &grade);
	return cipherlist_key(grade.value);
}

/* pf_final - the floor listener i has after the change: what the change
 * sets for its role, else what its protocol setting says now (TLSVER_NONE
 * when it enables no version). */
static int pf_final(const struct pf_planner *pr, size_t i, int role)
{
	struct pf_setting proto;
	struct pfproto pp;

	if (pr->asked[role])
		return pr->floor[role];
	pf_get(&pr->c, &pr->c.mf.svcs[i], pf_reads(&pr->c, &pr->c.mf.svcs[i]), &proto);
	if (proto.failed)
		return TLSVER_NONE;
	pfproto_parse(proto.value, pr->version, &pp);
	return pp.invalid ? TLSVER_NONE : pp.floor;
}

/* pf_low - a floor below TLSv1.2, which a cipher list's @SECLEVEL=N blocks. */
static int pf_low(int floor)
{
	return tlsver_is_version(floor) && floor < TLSVER_1_2;
}

/* pf_list_users - whether a listener with a floor below TLSv1.2 after the
 * change uses cipher list key where it is written: as an -o of where, or
 * (where NULL) in main.cf; only_untouched: among the listeners whose role
 * this change leaves alone. The first such listener, or NULL. */
static const struct pfconf_service *pf_list_users(const struct pf_planner *pr,
						  const struct pfconf_service *where,
						  const char *key, int only_untouched)
{
	int role;

	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		const struct pfconf_service *s = &pr->c.mf.svcs[i];
		const char *list;

		if ((role = pf_listener_role(&pr->c, i)) < 0 || (only_untouched && pr->asked[role]) ||
		    (where != NULL && s != where))
			continue;
		list = pf_list_of(&pr->c, s);
		if (list == NULL || strcmp(list, key) != 0 ||
		    (where == NULL && pfconf_service_opt(&pr->c.mf, s, key) != NULL))
			continue;
		if (pf_low(pf_final(pr, i, role)))
			return s;
	}
	return NULL;
}

/* pf_list_raw - cipher list key as listener s reads it with this change so
 * far: where it is written (*at: s for its -o, NULL for main.cf) and its
 * value as written there; NULL: Postfix's built-in list. Borrowed. */
static const char *pf_list_raw(const struct pf_planner *pr, const struct pfconf_service *s,
			       const char *key, const struct pfconf_service **at)
{
	*at = s;
	if (pfplan_get(pr->pp, s, key) != NULL)
		return pfplan_get(pr->pp, s, key);
	if (!pfplan_has(pr->pp, s, key) && pfconf_service_opt(&pr->c.mf, s, key) != NULL)
		return pfconf_service_opt(&pr->c.mf, s, key)->value;
	*at = NULL;  /* no -o of its own (or it goes in this change): main.cf's */
	return pfplan_has(pr->pp, NULL, key) ? pfplan_get(pr->pp, NULL, key)
					     : pf_current(&pr->c, NULL, key);
}

/* pf_warn_fixed - the seclevel_blocks_floor warning of one fix of key:
 * where it was (an -o of s, else main.cf), where the fix goes, and for
 * whom main.cf's list stays as it is. */
static void pf_warn_fixed(struct pf_planner *pr, const struct pfconf_service *s, int in_opt,
			  const struct pfconf_service *other, const char *key, int level)
{
	const char *tail = "(undone when no floor below TLSv1.2 needs it)";

	if (in_opt)
		plan_warn(pr->pl, "postfix", "seclevel_blocks_floor", "master.cf service %s: -o %s "
			  "sets @SECLEVEL=%d, which blocks TLS 1.0/1.1: changed to @SECLEVEL=0 %s",
			  s->name, key, level, tail);
	else if (other != NULL)
		plan_warn(pr->pl, "postfix", "seclevel_blocks_floor", "main.cf's %s sets "
			  "@SECLEVEL=%d, which blocks TLS 1.0/1.1: master.cf service %s gets it "
			  "with @SECLEVEL=0 as an -o, so that service %s keeps its floor %s", key,
			  level, s->name, other->name, tail);
	else
		plan_warn(pr->pl, "postfix", "seclevel_blocks_floor", "main.cf's %s sets "
			  "@SECLEVEL=%d, which blocks TLS 1.0/1.1: changed to @SECLEVEL=0 %s", key,
			  level, tail);
}

/* pf_fix_seclevel - the cipher list listener s uses, when it carries its own
 * @SECLEVEL=N (N >= 1), gets @SECLEVEL=0 where it is written (main.cf or
 * s's -o), in the value this change leaves there so far (a cipher policy
 * restored may have put one back, pf_plan_cipher_floor a built-in list);
 * the value before goes into the state.
 * When main.cf's list also serves a listener this change leaves alone,
 * whose protocol setting allows TLS 1.0/1.1 that the level blocks now, the
 * fixed list becomes an -o of s instead (previous: unset), so that the
 * other endpoint keeps its effective floor. A level that comes through a
 * $parameter is refused: the helper writes only the value with the token
 * it replaced. */
static int pf_fix_seclevel(struct pf_planner *pr, const struct pfconf_service *s, int role,
			   struct mt_err *err)
{
	const struct pfconf_service *at, *where, *other = NULL;
	const char *key = pf_list_of(&pr->c, s), *raw;
	char value[MT_VALUE_MAX], fixed[MT_VALUE_MAX], id[256], why[256];
	int level;

	if (key == NULL)
		return 0;
	raw = pf_list_raw(pr, s, key, &at);
	if (raw == NULL || pfconf_expand(&pr->c.mc, &pr->c.mf, s, raw, value, sizeof(value)) != 0 ||
	    (level = tlsver_cipher_seclevel(value)) < 1)
		return 0;  /* no level of its own (or fixed already in this change) */
	where = at;
	if (at == NULL && !pfplan_has(pr->pp, NULL, key) &&
	    (other = pf_list_users(pr, NULL, key, 1)) != NULL)
		where = s;
	if (pfplan_seclevel_zero(raw, fixed, sizeof(fixed)) != 0 ||
	    pfconf_expand(&pr->c.mc, &pr->c.mf, s, fixed, value, sizeof(value)) != 0 ||
	    tlsver_cipher_seclevel(value) >= 1) {
		snprintf(why, sizeof(why), "%s gets @SECLEVEL=%d through a $parameter, which blocks "
			 "TLS 1.0/1.1: the helper does not edit that; set it by hand", key, level);
		return pf_refuse(err, role_names[role], why);
	}
	pf_record_id(where, key, id, sizeof(id));
	if (pf_record_set(pr->state, "cipherlists", id, other != NULL ? NULL : raw, fixed, err) != 0)
		return -1;
	pf_warn_fixed(pr, s, at != NULL, other, key, level);
	return pfplan_set(pr->pp, where, key, fixed, err);
}

/* pf_plan_seclevel - every listener whose role this change sets below
 * TLSv1.2 gets its cipher list's @SECLEVEL fixed. */
static int pf_plan_seclevel(struct pf_planner *pr, struct mt_err *err)
{
	int role;

	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		if ((role = pf_listener_role(&pr->c, i)) < 0 || !pr->asked[role] ||
		    !pf_low(pr->floor[role]))
			continue;
		if (pf_fix_seclevel(pr, &pr->c.mf.svcs[i], role, err) != 0)
			return -1;
	}
	return 0;
}

/* pf_client_reads - the SMTP client (outbound) reads main.cf's cipher list
 * key (its smtp_tls_ciphers grade). */
static int pf_client_reads(const struct pf_planner *pr, const char *key)
{
	struct pf_setting grade;
	const char *k;

	pf_get(&pr->c, NULL, "smtp_tls_ciphers", &grade);
	k = cipherlist_key(grade.value);
	return k != NULL && strcmp(k, key) == 0;
}

/* pf_fix_cipher_floor - the cipher list listener s reads, when it has no
 * cipher for floor (TLS 1.2-only suites: cipherlist_lowest), becomes
 * Postfix's built-in list of its grade where it is written: main.cf's value
 * or s's -o, replaced in place, so that a raise puts the one from before
 * back at the same place (removing the setting would have main.cf's line
 * come back at the end of the file, and s's -o fall back to main.cf's list,
 * which may block too). The value before goes into the state
 * ("cipherlists", as the @SECLEVEL fix: a @SECLEVEL=0 or built-in list
 * mail-tls wrote there before counts as the value from before that). When
 * main.cf's list also serves a listener this change leaves alone, whose
 * protocol setting allows TLS 1.0/1.1 that the list keeps out now, the
 * built-in list becomes an -o of s instead (previous: unset), so that the
 * other endpoint keeps its effective floor. An unknown grade, a list that
 * cannot be expanded or that OpenSSL rejects is left to status to report. */
static int pf_fix_cipher_floor(struct pf_planner *pr, const struct pfconf_service *s, int floor,
			       struct mt_err *err)
{
	const struct pfconf_service *at, *where, *other = NULL;
	const char *key = pf_list_of(&pr->c, s), *raw, *builtin, *prev;
	char value[MT_VALUE_MAX], id[256];
	json_t *rec, *pv;
	int lowest;

	if (key == NULL || (raw = pf_list_raw(pr, s, key, &at)) == NULL ||
	    pfconf_expand(&pr->c.mc, &pr->c.mf, s, raw, value, sizeof(value)) != 0)
		return 0;
	lowest = cipherlist_lowest(value);
	builtin = pfconf_default(&pr->c.mc, key);
	if (lowest == CIPHERLIST_INVALID || lowest <= floor || builtin == NULL)
		return 0;
	where = at;
	if (at == NULL && (other = pf_list_users(pr, NULL, key, 1)) != NULL)
		where = s;
	pf_record_id(where, key, id, sizeof(id));
	prev = other != NULL ? NULL : raw;
	rec = json_object_get(json_object_get(pr->state, "cipherlists"), id);
	pv = json_object_get(rec, "previous");
	if (other == NULL && !pfplan_has(pr->pp, where, key) && pf_record_holds(rec, raw) &&
	    (json_is_string(pv) || json_is_null(pv)))
		prev = json_string_value(pv);   /* before an earlier fix of mail-tls's there */
	if (pf_record_set(pr->state, "cipherlists", id, prev, builtin, err) != 0)
		return -1;
	if (other != NULL)
		plan_warn(pr->pl, "postfix", "ciphers_block_floor", "main.cf's %s has no cipher "
			  "for %s (TLS 1.2-only suites): master.cf service %s gets Postfix's built-in "
			  "list as an -o so %s clients find a cipher, and service %s keeps its floor; "
			  "raising the floor restores it", key, tlsver_name(floor), s->name,
			  tlsver_name(floor), other->name);
	else
		plan_warn(pr->pl, "postfix", "ciphers_block_floor", "%s%s%s %s has no cipher for "
			  "%s (TLS 1.2-only suites): list replaced by Postfix's built-in list so %s "
			  "clients find a cipher; raising the floor restores it%s",
			  at != NULL ? "master.cf service " : "main.cf's", at != NULL ? s->name : "",
			  at != NULL ? ": -o" : "", key, tlsver_name(floor), tlsver_name(floor),
			  at == NULL && pf_client_reads(pr, key) ? " (the SMTP client, outbound, "
			  "reads that list too)" : "");
	return pfplan_set(pr->pp, where, key, builtin, err);
}

/* pf_plan_cipher_floor - every listener whose role this change sets below
 * TLSv1.2 gets a cipher list with a cipher for that floor, unless a cipher
 * policy asks for its own list (intermediate, strong). */
static int pf_plan_cipher_floor(struct pf_planner *pr, struct mt_err *err)
{
	int role;

	if (pr->ciphers == CIPHERS_INTERMEDIATE || pr->ciphers == CIPHERS_STRONG)
		return 0;
	for (size_t i = 0; i < pr->c.mf.nsvcs; i++) {
		if ((role = pf_listener_role(&pr->c, i)) < 0 || !pr->asked[role] ||
		    !pf_low(pr->floor[role]))
			continue;
		if (pf_fix_cipher_floor(pr, &pr->c.mf.svcs[i], pr->floor[role], err) != 0)
			return -1;
	}
	return 0;
}

/* pf_restore_one - one @SECLEVEL fix or built-in list that no listener
 * needs after this change is undone (pf_put_back: the value before, or an
 * -o mail-tls added removed); 1 when still needed (the record stays), 0
 * when the record can go, -1 on error. */
static int pf_restore_one(struct pf_planner *pr, const char *id, json_t *rec, struct mt_err *err)
{
	const struct pfconf_service *s;
	char name[64];

	if (pf_record_locate(&pr->c, id, &s, name, sizeof(name)) != 0) {
		plan_warn(pr->pl, "postfix", "drift", "%s: that master.cf service is gone; mail-tls "
			  "forgets the @SECLEVEL=0 it set there", id);
		return 0;
	}
	if (pf_list_users(pr, s, name, 0) != NULL)
		return 1;
	if (pfplan_has(pr->pp, s, name))
		return 0;  /* a cipher policy sets it in this change */
	return pf_put_back(pr, s, name, id, rec, err);
}

/* pf_plan_restore - every @SECLEVEL fix or built-in list of an earlier
 * change that no listener needs any more (its floor is TLSv1.2 or higher
 * after this one) is undone or left with drift, and its record dropped. */
static int pf_plan_restore(struct pf_planner *pr, struct mt_err *err)
{
	json_t *cls = json_object_get(pr->state, "cipherlists"), *rec;
	const char *id;
	void *next;
	int rc;

	if (!json_is_object(cls))
		return 0;
	json_object_foreach_safe(cls, next, id, rec) {
		if ((rc = pf_restore_one(pr, id, rec, err)) < 0)
			return -1;
		if (rc == 0)
			json_object_del(cls, id);
	}
	return 0;
}

/* pf_plan_floors - the adapter's plan_floors (adapter.h). The state is
 * changed only when the plan succeeds. */
static int pf_plan_floors(const struct mt_profile *p, const struct mt_service *svc,
			  const struct mt_floor_request *req, json_t *state, struct plan *pl,
			  struct mt_err *err)
{
	struct pf_planner pr;
	int rc = -1;

	memset(&pr, 0, sizeof(pr));
	pr.pl = pl;
	pr.ciphers = req->ciphers;
	pr.version = pfconf_version(svc->version);
	pr.pp = calloc(1, sizeof(*pr.pp));
	pr.state = json_deep_copy(state);
	if (pr.pp == NULL || pr.state == NULL) {
		mt_err_set(err, "internal", "out of memory");
		goto out;
	}
	if (pf_plan_request(svc, req, &pr, err) != 0 || pf_plan_load(p, &pr, err) != 0 ||
	    pf_plan_service_floor(&pr, err) != 0 || pf_plan_endpoint_floors(&pr, err) != 0 ||
	    pf_plan_tlsproxy(&pr, err) != 0 ||
	    pf_plan_ciphers(&pr, err) != 0 || pf_plan_cipher_floor(&pr, err) != 0 ||
	    pf_plan_seclevel(&pr, err) != 0 ||
	    pf_plan_restore(&pr, err) != 0 || pfplan_emit(pr.pp, err) != 0)
		goto out;
	pf_state_prune(pr.state);
	json_object_clear(state);
	if (json_object_update(state, pr.state) != 0) {
		mt_err_set(err, "internal", "out of memory");
		goto out;
	}
	rc = 0;
out:
	json_decref(pr.state);
	free(pr.pp);
	pfconf_master_free(&pr.c.mf);
	pfconf_main_free(&pr.c.mc);
	return rc;
}

const struct mt_adapter postfix_adapter = {
	.name = "postfix",
	.installed = pf_installed,
	.version_binary = pf_version_binary,
	.query_version = pf_query_version,
	.query_tls_library = pf_query_tls_library,
	.read_status = pf_read_status,
	.plan_floors = pf_plan_floors,
};
