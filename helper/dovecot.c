/*
 * dovecot.c - the Dovecot adapter: installed, version, TLS library, and the
 * status of the endpoints imap, imaps, pop3 and pop3s.
 *
 * Owns: deciding which setting governs each endpoint (the last assignment
 * in a `protocol` section that applies, else the last global one, else
 * Dovecot's default), the floor it expresses (ssl_min_protocol on 2.3+,
 * where an obsolete ssl_protocols line is converted like Dovecot does;
 * ssl_protocols on 2.2) and the effective floor after OpenSSL's security
 * level (FACTS.md §4b: on OpenSSL 3, TLS 1.0/1.1 need `@SECLEVEL=0` in
 * ssl_cipher_list). Dovecot has one floor for the whole service: no endpoint
 * takes a floor of its own.
 * Must never: read a file other than through dvconf/safefile, run anything
 * but `dovecot --version` (through spawn_run), or write anything. What `set`
 * writes is planned in dvplan.c, which reads through the same rules.
 *
 * Assumes the OpenSSL Dovecot links is 3.x, like the helper's own (DESIGN.md
 * §4): at every security level >= 1 it refuses TLS 1.0/1.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapter.h"
#include "dvconf.h"
#include "dvplan.h"
#include "safefile.h"
#include "spawn.h"
#include "cipherlist.h"
#include "tlsver.h"

#define DV_VERSION_TIMEOUT_MS 10000
#define DV_PROTOCOLS "imap pop3 lmtp"
#define DV_ALL_FLOORS ((1u << TLSVER_COUNT) - 1)

/* The endpoints, in reply order: role, protocol, login service, listener. */
static const struct dv_role {
	const char *role;
	const char *protocol;
	const char *listener;    /* section path of its inet_listener */
	int port;
} dv_roles[] = {
	{ "imap", "imap", "service imap-login/inet_listener imap", 143 },
	{ "imaps", "imap", "service imap-login/inet_listener imaps", 993 },
	{ "pop3", "pop3", "service pop3-login/inet_listener pop3", 110 },
	{ "pop3s", "pop3", "service pop3-login/inet_listener pop3s", 995 },
};

/* The floor an endpoint's settings express. */
struct dv_floor {
	const struct dvconf_entry *e;   /* the deciding assignment; NULL: the default */
	int version;                    /* enum tlsver; TLSVER_NONE when invalid */
	int invalid;                    /* a value Dovecot refuses: TLS fails */
};

void dv_rules_for(const char *v, struct dv_rules *r)
{
	int major = 2, minor = 3, patch = 19;

	if (v[0] != '\0' && sscanf(v, "%d.%d.%d", &major, &minor, &patch) < 2)
		major = 2, minor = 3, patch = 19;
	r->legacy = major < 2 || (major == 2 && minor < 3);
	/* ssl_min_protocol defaulted to TLSv1 until 2.3.14, TLSv1.2 from 2.3.15 */
	r->min_default = major == 2 && minor == 3 && patch < 15 ? "TLSv1" : "TLSv1.2";
	r->ciphers_default = r->legacy ? DV_CIPHERS_22 : DV_CIPHERS_23;
}

/* dv_protocol_scope - section is a `protocol NAME` (or `protocol !NAME`)
 * filter at top level that applies to proto. */
static int dv_protocol_scope(const char *section, const char *proto)
{
	const char *name = section + 9;

	if (strncmp(section, "protocol ", 9) != 0 || strchr(section, '/') != NULL)
		return 0;
	return name[0] == '!' ? strcmp(name + 1, proto) != 0 : strcmp(name, proto) == 0;
}

/* dv_in_scope - entry e is read for proto: pass 0 looks at protocol
 * filters, pass 1 at the top level. */
static int dv_in_scope(const struct dvconf_entry *e, const char *proto, int pass)
{
	return pass == 0 ? dv_protocol_scope(e->section, proto) : e->section[0] == '\0';
}

/* dv_pick - the assignment of key that proto reads (protocol filter first,
 * then global), or NULL. Borrowed from conf. */
static const struct dvconf_entry *dv_pick(const struct dvconf *conf, const char *proto,
					  const char *key)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = conf->n; i-- > 0;)
			if (strcmp(conf->entries[i].key, key) == 0 &&
			    dv_in_scope(&conf->entries[i], proto, pass))
				return &conf->entries[i];
	return NULL;
}

/* dv_min_protocol - an ssl_min_protocol value as Dovecot 2.3.19 reads it
 * (case-insensitive; OpenSSL 3 has no SSLv3, so ANY and SSLv3 mean TLSv1).
 * Returns the version or -1. */
static int dv_min_protocol(const char *v)
{
	static const struct { const char *name; int version; } names[] = {
		{ "ANY", TLSVER_1_0 }, { "SSLv3", TLSVER_1_0 }, { "TLSv1", TLSVER_1_0 },
		{ "TLSv1.1", TLSVER_1_1 }, { "TLSv1.2", TLSVER_1_2 }, { "TLSv1.3", TLSVER_1_3 },
		{ "LATEST", TLSVER_1_3 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(v, names[i].name) == 0)
			return names[i].version;
	return -1;
}

/* Protocol bits of an ssl_protocols list. */
enum { DV_SSLV2 = 1, DV_SSLV3 = 2, DV_TLS10 = 4, DV_TLS11 = 8, DV_TLS12 = 16 };

/* dv_proto_bit - one name of an ssl_protocols list; 0 when unknown. The
 * 2.3 conversion knows SSLv3..TLSv1.2 with exact case; 2.2 also SSLv2, in
 * any case. */
static int dv_proto_bit(const char *name, size_t n, int legacy)
{
	static const struct { const char *name; int bit; } names[] = {
		{ "SSLv2", DV_SSLV2 }, { "SSLv3", DV_SSLV3 }, { "TLSv1", DV_TLS10 },
		{ "TLSv1.1", DV_TLS11 }, { "TLSv1.2", DV_TLS12 },
	};

	for (size_t i = legacy ? 0 : 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
		    (legacy ? strncasecmp(name, names[i].name, n) : strncmp(name, names[i].name, n)) == 0)
			return names[i].bit;
	return 0;
}

/* dv_protocols_floor - the lowest TLS version an ssl_protocols list leaves
 * enabled (2.2: TLS 1.3, which the list cannot name, stays enabled; 2.3:
 * the ssl_min_protocol Dovecot converts it to, SSLv3 read as TLSv1).
 * Returns the version, or -1 for an unknown name or nothing enabled. */
static int dv_protocols_floor(const char *list, int legacy)
{
	int include = 0, exclude = 0, bit, enabled;
	size_t n;

	for (const char *p = list; *p != '\0'; p += n) {
		p += strspn(p, " ,");
		n = strcspn(p, " ,");
		if (n == 0)
			break;
		bit = dv_proto_bit(p + (*p == '!'), n - (*p == '!'), legacy);
		if (bit == 0)
			return -1;
		if (*p == '!')
			exclude |= bit;
		else
			include |= bit;
	}
	enabled = (include ? include : DV_SSLV3 | DV_TLS10 | DV_TLS11 | DV_TLS12) & ~exclude;
	if (!legacy && (enabled & (DV_SSLV3 | DV_TLS10)))
		return TLSVER_1_0;
	if (enabled & DV_TLS10)
		return TLSVER_1_0;
	if (enabled & DV_TLS11)
		return TLSVER_1_1;
	if (enabled & DV_TLS12)
		return TLSVER_1_2;
	return legacy ? TLSVER_1_3 : -1;
}

/* dv_ignored - an obsolete ssl_protocols that Dovecot 2.3 cannot convert
 * to ssl_min_protocol: listed as ignored, with a warning. */
static void dv_ignored(struct mt_endpoint *ep, const struct dvconf_entry *e)
{
	struct mt_source *s = model_source(ep, e->file, e->line, e->key, e->value);

	if (s != NULL)
		s->ignored = 1;
	model_warn(ep, "invalid_value",
		   "ssl_protocols '%s' names a protocol Dovecot 2.3 cannot convert to ssl_min_protocol: Dovecot ignores it",
		   e->value);
}

/* dv_floor_modern - 2.3+: the last ssl_min_protocol, or the last obsolete
 * ssl_protocols that Dovecot can convert, protocol filter first. An
 * ssl_protocols it cannot convert is skipped, as Dovecot does, with a
 * warning. */
static void dv_floor_modern(const struct dvconf *conf, const char *proto, struct mt_endpoint *ep,
			    struct dv_floor *f)
{
	const struct dvconf_entry *e;
	int v;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = conf->n; i-- > 0;) {
			e = &conf->entries[i];
			if (!dv_in_scope(e, proto, pass))
				continue;
			if (strcmp(e->key, "ssl_min_protocol") == 0)
				v = dv_min_protocol(e->value);
			else if (strcmp(e->key, "ssl_protocols") == 0)
				v = dv_protocols_floor(e->value, 0);
			else
				continue;
			if (v < 0 && strcmp(e->key, "ssl_protocols") == 0) {
				dv_ignored(ep, e);
				continue;
			}
			f->e = e;
			f->version = v < 0 ? TLSVER_NONE : v;
			f->invalid = v < 0;
			return;
		}
}

/* dv_floor_legacy - 2.2: the last ssl_protocols; ssl_min_protocol is a
 * setting 2.2 does not have. */
static void dv_floor_legacy(const struct dvconf *conf, const char *proto, struct mt_endpoint *ep,
			    struct dv_floor *f)
{
	const struct dvconf_entry *e = dv_pick(conf, proto, "ssl_min_protocol");
	struct mt_source *s;
	int v;

	if (e != NULL && (s = model_source(ep, e->file, e->line, e->key, e->value)) != NULL) {
		s->ignored = 1;
		model_warn(ep, "ignored_key", "ssl_min_protocol is ignored: Dovecot 2.2 reads ssl_protocols");
	}
	e = dv_pick(conf, proto, "ssl_protocols");
	if (e == NULL)
		return;
	v = dv_protocols_floor(e->value, 1);
	f->e = e;
	f->version = v < 0 ? TLSVER_NONE : v;
	f->invalid = v < 0;
}

/* dv_add_source - a source for entry e, or for the default of key. */
static void dv_add_source(struct mt_endpoint *ep, const struct dvconf_entry *e, const char *main_path,
			  const char *key, const char *default_value)
{
	struct mt_source *s;

	if (e != NULL) {
		s = model_source(ep, e->file, e->line, e->key, e->value);
		if (s != NULL && e->section[0] != '\0')
			s->is_override = 1;    /* a protocol filter overrides the global value */
		return;
	}
	s = model_source(ep, main_path, 0, key, default_value);
	if (s != NULL)
		s->is_default = 1;
}

/* dv_effective - the floor a client meets: TLS off, the configured floor,
 * or TLSv1.2 where the security level refuses TLS 1.0/1.1. */
static void dv_effective(struct mt_endpoint *ep, const char *ciphers, int tls_off)
{
	int level = tlsver_cipher_seclevel(ciphers);

	ep->effective = tls_off ? TLSVER_NONE : ep->configured;
	if (!tls_off)
		ep->effective = cipherlist_raise(ep, "ssl_cipher_list", ciphers, ep->effective, TLSVER_NONE);
	if (tls_off || !tlsver_is_version(ep->effective) || ep->effective >= TLSVER_1_2 || level == 0)
		return;
	ep->effective = TLSVER_1_2;
	if (level < 0)
		model_warn(ep, "seclevel_blocks_floor",
			   "ssl_cipher_list keeps OpenSSL's security level at 2: TLS 1.0/1.1 cannot be negotiated");
	else
		model_warn(ep, "seclevel_blocks_floor",
			   "ssl_cipher_list sets OpenSSL's security level to %d (@SECLEVEL=%d): TLS 1.0/1.1 cannot be negotiated",
			   level, level);
}

/* dv_tls_off - 1 when `ssl = no` applies to proto (a global `no` wins over
 * any filter, as in Dovecot); adds its source and warning. */
static int dv_tls_off(const struct dvconf *conf, const char *proto, struct mt_endpoint *ep)
{
	const struct dvconf_entry *global = dvconf_last(conf, "", "ssl");
	const struct dvconf_entry *e = dv_pick(conf, proto, "ssl");

	if (global != NULL && strcmp(global->value, "no") == 0)
		e = global;
	if (e == NULL || strcmp(e->value, "no") != 0)
		return 0;
	model_source(ep, e->file, e->line, e->key, e->value);
	model_warn(ep, "tls_disabled", "ssl = no: Dovecot offers no TLS here");
	return 1;
}

/* dv_fill_endpoint - configured and effective floor of one endpoint with
 * the settings that decide them. */
static void dv_fill_endpoint(const struct dvconf *conf, const struct dv_rules *r, const char *main_path,
			     const struct dv_role *role, struct mt_endpoint *ep)
{
	struct dv_floor f = { NULL, TLSVER_NONE, 0 };
	const struct dvconf_entry *ciphers = dv_pick(conf, role->protocol, "ssl_cipher_list");
	int tls_off;

	ep->own_floor = 0;
	ep->floors = DV_ALL_FLOORS;
	if (r->legacy)
		dv_floor_legacy(conf, role->protocol, ep, &f);
	else
		dv_floor_modern(conf, role->protocol, ep, &f);
	if (f.e == NULL)
		f.version = r->legacy ? TLSVER_1_0 : dv_min_protocol(r->min_default);
	dv_add_source(ep, f.e, main_path, r->legacy ? "ssl_protocols" : "ssl_min_protocol",
		      r->legacy ? "!SSLv3" : r->min_default);
	dv_add_source(ep, ciphers, main_path, "ssl_cipher_list", r->ciphers_default);
	tls_off = dv_tls_off(conf, role->protocol, ep);
	ep->configured = f.version;
	if (f.invalid && f.e != NULL)
		model_warn(ep, "invalid_value",
			   "%s '%s' is not a value Dovecot knows: every TLS connection fails",
			   f.e->key, f.e->value);
	dv_effective(ep, ciphers ? ciphers->value : r->ciphers_default, tls_off || f.invalid);
}

/* dv_protocol_enabled - proto is in the `protocols` list. */
static int dv_protocol_enabled(const char *list, const char *proto)
{
	size_t n, len = strlen(proto);

	for (const char *p = list; *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == len && strncmp(p, proto, n) == 0)
			return 1;
	}
	return 0;
}

/* dv_port - the listener's port: its last `port =`, else the default;
 * 0 when the listener is disabled. */
static int dv_port(const struct dvconf *conf, const struct dv_role *role, struct mt_service *svc)
{
	const struct dvconf_entry *e = dvconf_last(conf, role->listener, "port");
	char *end;
	long port;

	if (e == NULL)
		return role->port;
	port = strtol(e->value, &end, 10);
	if (end == e->value || *end != '\0' || port < 0 || port > 65535) {
		model_service_warn(svc, "invalid_value", "port '%s' in '%s' is not a port number: %d assumed",
				   e->value, role->listener, role->port);
		return role->port;
	}
	return (int)port;
}

int dv_is_partial_section(const char *section)
{
	static const char *const filters[] = { "local ", "remote ", "local_name " };

	for (const char *p = section; p != NULL && *p != '\0'; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
			if (strncmp(p, filters[i], strlen(filters[i])) == 0)
				return 1;
	return 0;
}

/* dv_warn_partial - TLS settings this reader does not attribute to an
 * endpoint because they apply to some addresses or names only. */
static void dv_warn_partial(const struct dvconf *conf, struct mt_service *svc)
{
	static const char *const keys[] = { "ssl", "ssl_min_protocol", "ssl_protocols", "ssl_cipher_list" };
	const struct dvconf_entry *e;

	for (size_t i = 0; i < conf->n; i++) {
		e = &conf->entries[i];
		if (!dv_is_partial_section(e->section))
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(e->key, keys[k]) == 0)
				model_service_warn(svc, "override",
						   "%s in '%s' applies to some connections only and is not shown per endpoint",
						   e->key, e->section);
	}
}

void dv_status_from_conf(const struct dvconf *conf, const char *main_path, struct mt_service *svc)
{
	const struct dvconf_entry *protocols = dvconf_last(conf, "", "protocols");
	const char *list = protocols ? protocols->value : DV_PROTOCOLS;
	struct dv_rules r;
	struct mt_endpoint *ep;
	int port;

	dv_rules_for(svc->version, &r);
	for (size_t i = 0; i < sizeof(dv_roles) / sizeof(dv_roles[0]); i++) {
		if (!dv_protocol_enabled(list, dv_roles[i].protocol))
			continue;
		port = dv_port(conf, &dv_roles[i], svc);
		if (port == 0)
			continue;               /* port = 0: the listener is off */
		ep = model_endpoint(svc, dv_roles[i].role);
		if (ep == NULL)
			break;
		ep->port = port;
		dv_fill_endpoint(conf, &r, main_path, &dv_roles[i], ep);
	}
	dv_warn_partial(conf, svc);
}

int dv_load_conf(const char *path, const struct dv_rules *r, const struct dvconf_overlay *ov,
		 size_t nov, struct dvconf *conf, struct mt_err *err)
{
	struct dvconf_default defaults[4];

	defaults[0] = (struct dvconf_default){ "protocols", DV_PROTOCOLS };
	defaults[1] = (struct dvconf_default){ "ssl_cipher_list", r->ciphers_default };
	defaults[2] = (struct dvconf_default){ "ssl_min_protocol", r->min_default };
	defaults[3] = (struct dvconf_default){ NULL, NULL };
	return dvconf_load_overlay(conf, path, defaults, ov, nov, err);
}

static int dovecot_read_status(const struct mt_profile *p, struct mt_service *svc, struct mt_err *err)
{
	const char *path = profile_str(p, "dovecot", "config");
	struct dv_rules r;
	struct dvconf conf;
	int rc;

	if (path == NULL)
		return 0;
	dv_rules_for(svc->version, &r);
	rc = dv_load_conf(path, &r, NULL, 0, &conf, err);
	if (rc == 0)
		dv_status_from_conf(&conf, path, svc);
	dvconf_free(&conf);
	return rc < 0 ? -1 : 0;
}

static int dovecot_installed(const struct mt_profile *p)
{
	const char *path = profile_str(p, "dovecot", "config");

	return path != NULL && safefile_exists(path);
}

static const char *dovecot_version_binary(const struct mt_profile *p)
{
	return profile_str(p, "dovecot", "dovecot");
}

/* first_word - copy the first word of text ("2.3.19.1 (9b53102964)") into
 * buf; "" when it is empty or not a plain version-like token. */
static void first_word(const char *text, char *buf, size_t size)
{
	size_t n;

	text += strspn(text, " \t\r\n");
	n = strcspn(text, " \t\r\n");
	buf[0] = '\0';
	if (n == 0 || n >= size || strspn(text, "0123456789.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-+~") < n)
		return;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

static int dovecot_query_version(const struct mt_profile *p, char *buf, size_t size, struct mt_err *err)
{
	const char *bin = profile_str(p, "dovecot", "dovecot");
	char *argv[] = { (char *)bin, "--version", NULL };
	char out[SPAWN_OUTPUT_MAX];

	buf[0] = '\0';
	if (bin == NULL)
		return 0;
	if (spawn_capture(argv, DV_VERSION_TIMEOUT_MS, out, sizeof(out), err) != 0)
		return -1;
	first_word(out, buf, size);
	return 0;
}

static int dovecot_query_tls_library(const struct mt_profile *p, char *buf, size_t size,
				     struct mt_err *err)
{
	(void)p;
	(void)err;
	mt_strlcpy(buf, "openssl", size);
	return 0;
}

const struct mt_adapter dovecot_adapter = {
	.name = "dovecot",
	.installed = dovecot_installed,
	.version_binary = dovecot_version_binary,
	.query_version = dovecot_query_version,
	.query_tls_library = dovecot_query_tls_library,
	.read_status = dovecot_read_status,
	.plan_floors = dvplan_floors,
	.restart_on_auto = 0,
};
