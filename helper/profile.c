/*
 * profile.c - loading and validating host profiles.
 *
 * Owns: the profile's JSON tree. Must never: accept a relative path, a ".."
 * component, a control character, an unknown key, or a profile file that
 * someone other than root could have written.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "profile_builtin.h"
#include "safefile.h"

#define ARGV_MAX 32
#define CMDS_MAX 8
#define LIST_MAX 16
#define HOSTS_MAX 8

enum kind { K_NAME, K_PATH, K_PATHS, K_CMDS, K_SECTION, K_ENDPOINTS, K_MS };

struct keyspec {
	const char *key;
	enum kind kind;
	int required;
};

#define COMMAND_KEYS                                                                   \
	{ "check", K_CMDS, 0 }, { "reload", K_CMDS, 0 }, { "start", K_CMDS, 0 },      \
	{ "stop", K_CMDS, 0 }, { "restart", K_CMDS, 0 }, { "pidfiles", K_PATHS, 0 }

static const struct keyspec top_keys[] = {
	{ "name", K_NAME, 1 }, { "state_dir", K_PATH, 1 }, { "logs", K_PATHS, 0 },
	{ "qmail_binary", K_PATH, 0 }, { "command_timeout_ms", K_MS, 0 }, { "lock_wait_ms", K_MS, 0 },
	{ "postfix", K_SECTION, 0 }, { "dovecot", K_SECTION, 0 },
	{ "courier", K_SECTION, 0 }, { "endpoints", K_ENDPOINTS, 0 }, { NULL, K_NAME, 0 },
};
static const struct keyspec postfix_keys[] = {
	{ "config_dir", K_PATH, 1 }, { "postconf", K_PATH, 0 }, { "postfix", K_PATH, 0 },
	COMMAND_KEYS, { NULL, K_NAME, 0 },
};
static const struct keyspec dovecot_keys[] = {
	{ "config", K_PATH, 1 }, { "floor_file", K_PATH, 0 }, { "doveconf", K_PATH, 0 },
	{ "dovecot", K_PATH, 0 }, { "doveadm", K_PATH, 0 }, COMMAND_KEYS, { NULL, K_NAME, 0 },
};
static const struct keyspec courier_keys[] = {
	{ "imapd_ssl", K_PATH, 0 }, { "pop3d_ssl", K_PATH, 0 }, { "imapd", K_PATH, 0 },
	{ "pop3d", K_PATH, 0 }, { "couriertls", K_PATH, 0 }, { "gnutls_cli", K_PATH, 0 },
	{ "imapd_bin", K_PATH, 0 }, COMMAND_KEYS, { NULL, K_NAME, 0 },
};

/* Binaries a section may leave out, with their Debian paths. */
static const char *const binary_defaults[][3] = {
	{ "postfix", "postconf", "/usr/sbin/postconf" }, { "postfix", "postfix", "/usr/sbin/postfix" },
	{ "dovecot", "doveconf", "/usr/bin/doveconf" },  { "dovecot", "dovecot", "/usr/sbin/dovecot" },
	{ "dovecot", "doveadm", "/usr/bin/doveadm" },    { "courier", "couriertls", "/usr/bin/couriertls" },
	{ "courier", "gnutls_cli", "/usr/bin/gnutls-cli" }, { "courier", "imapd_bin", "/usr/bin/imapd" },
};

static const char *const endpoint_names[] = {
	"postfix/smtp", "postfix/submission", "postfix/smtps", "dovecot/imap", "dovecot/imaps",
	"dovecot/pop3", "dovecot/pop3s", "courier/imap", "courier/imaps", "courier/pop3",
	"courier/pop3s", NULL,
};

/* clean_string - s is a JSON string without NUL or control characters and
 * shorter than max. */
static int clean_string(const json_t *s, size_t max)
{
	const char *v = json_string_value(s);
	size_t len = json_string_length(s);

	if (v == NULL || len == 0 || len >= max || strlen(v) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)v[i]))
			return 0;
	return 1;
}

/* clean_path - absolute, no "." or ".." component, no empty component. */
static int clean_path(const json_t *s)
{
	const char *p = json_string_value(s);

	if (!clean_string(s, MT_PATH_MAX) || p[0] != '/')
		return 0;
	for (const char *c = p; *c != '\0'; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return 0;
	}
	return 1;
}

/* check_argv - one command: 1..ARGV_MAX clean strings, argv[0] a clean path. */
static int check_argv(const json_t *argv)
{
	size_t i;
	json_t *arg;

	if (!json_is_array(argv) || json_array_size(argv) == 0 || json_array_size(argv) > ARGV_MAX)
		return 0;
	if (!clean_path(json_array_get(argv, 0)))
		return 0;
	json_array_foreach(argv, i, arg)
		if (!clean_string(arg, MT_PATH_MAX))
			return 0;
	return 1;
}

/* normalise_cmds - value is one argv or an array of argv arrays; returns a
 * new reference to the array-of-arrays form, or NULL when invalid. */
static json_t *normalise_cmds(json_t *value)
{
	size_t i;
	json_t *cmd;

	if (json_is_array(value) && json_is_string(json_array_get(value, 0)))
		return check_argv(value) ? json_pack("[O]", value) : NULL;
	if (!json_is_array(value) || json_array_size(value) == 0 || json_array_size(value) > CMDS_MAX)
		return NULL;
	json_array_foreach(value, i, cmd)
		if (!check_argv(cmd))
			return NULL;
	return json_incref(value);
}

/* check_paths - an array of at most LIST_MAX clean paths. */
static int check_paths(const json_t *value)
{
	size_t i;
	json_t *path;

	if (!json_is_array(value) || json_array_size(value) > LIST_MAX)
		return 0;
	json_array_foreach(value, i, path)
		if (!clean_path(path))
			return 0;
	return 1;
}

/* check_host - an IP literal or a host name of letters, digits, '-', '.'. */
static int check_host(const json_t *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	const char *h = json_string_value(host);

	if (!clean_string(host, 254))
		return 0;
	if (inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1)
		return 1;
	for (; *h != '\0'; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
			return 0;
	return 1;
}

/* check_hostport - {"host": ..., "port": 1..65535} and nothing else. */
static int check_hostport(json_t *hp)
{
	json_t *host = NULL;
	json_int_t port = 0;

	if (json_unpack(hp, "{s:o, s:I !}", "host", &host, "port", &port) != 0)
		return 0;
	return check_host(host) && port > 0 && port <= 65535;
}

/* normalise_endpoint - a new reference {"hosts": [...], "sni"?} or NULL. */
static json_t *normalise_endpoint(json_t *value)
{
	json_t *host = NULL, *port = NULL, *hosts = NULL, *sni = NULL, *out = NULL;
	size_t i;
	json_t *hp;

	if (json_unpack(value, "{s?o, s?o, s?o, s?o !}", "host", &host, "port", &port, "hosts",
			&hosts, "sni", &sni) != 0)
		return NULL;
	if ((hosts == NULL) == (host == NULL && port == NULL) || (sni != NULL && !check_host(sni)))
		return NULL;
	if (hosts == NULL)
		hosts = json_pack("[{s:O, s:O}]", "host", host, "port", port);
	else if (json_is_array(hosts) && json_array_size(hosts) > 0 && json_array_size(hosts) <= HOSTS_MAX)
		json_incref(hosts);
	else
		return NULL;
	json_array_foreach(hosts, i, hp)
		if (!check_hostport(hp))
			goto out;
	out = json_pack("{s:O}", "hosts", hosts);
	if (out != NULL && sni != NULL)
		json_object_set(out, "sni", sni);
out:
	json_decref(hosts);
	return out;
}

static int known_endpoint(const char *name)
{
	for (size_t i = 0; endpoint_names[i] != NULL; i++)
		if (strcmp(endpoint_names[i], name) == 0)
			return 1;
	return 0;
}

/* check_endpoints - normalise every entry of the endpoints object in place. */
static int check_endpoints(json_t *obj, struct mt_err *err)
{
	const char *name;
	json_t *value, *norm;

	if (!json_is_object(obj)) {
		mt_err_set(err, "bad_profile", "\"endpoints\" must be an object");
		return -1;
	}
	json_object_foreach(obj, name, value) {
		norm = known_endpoint(name) ? normalise_endpoint(value) : NULL;
		if (norm == NULL) {
			mt_err_set(err, "bad_profile", "endpoint \"%.64s\" is unknown or malformed", name);
			return -1;
		}
		json_object_set_new(obj, name, norm);
	}
	return 0;
}

static int check_section(json_t *obj, const char *section, const struct keyspec *spec,
			 struct mt_err *err);

/* check_value - validate (and normalise in place) obj[key] of kind. */
static int check_value(json_t *obj, const char *key, const struct keyspec *ks, struct mt_err *err)
{
	json_t *value = json_object_get(obj, key);
	json_t *norm;

	switch (ks->kind) {
	case K_NAME:
		if (clean_string(value, 64))
			return 0;
		break;
	case K_PATH:
		if (clean_path(value))
			return 0;
		break;
	case K_PATHS:
		if (check_paths(value))
			return 0;
		break;
	case K_CMDS:
		norm = normalise_cmds(value);
		if (norm != NULL)
			return json_object_set_new(obj, key, norm);
		break;
	case K_SECTION:
		return check_section(value, key,
				     strcmp(key, "postfix") == 0   ? postfix_keys
				     : strcmp(key, "dovecot") == 0 ? dovecot_keys
								   : courier_keys,
				     err);
	case K_ENDPOINTS:
		return check_endpoints(value, err);
	case K_MS:
		if (json_is_integer(value) && json_integer_value(value) >= 100 &&
		    json_integer_value(value) <= 600000)
			return 0;
		break;
	}
	mt_err_set(err, "bad_profile", "\"%s\" has an invalid value (absolute clean paths, argv arrays)", key);
	return -1;
}

static const struct keyspec *find_spec(const struct keyspec *spec, const char *key)
{
	for (; spec->key != NULL; spec++)
		if (strcmp(spec->key, key) == 0)
			return spec;
	return NULL;
}

/* check_section - every key known and valid, every required key present. */
static int check_section(json_t *obj, const char *section, const struct keyspec *spec,
			 struct mt_err *err)
{
	const char *key;
	json_t *value;
	const struct keyspec *ks;

	if (!json_is_object(obj)) {
		mt_err_set(err, "bad_profile", "\"%s\" must be an object", section);
		return -1;
	}
	json_object_foreach(obj, key, value) {
		ks = find_spec(spec, key);
		if (ks == NULL) {
			mt_err_set(err, "bad_profile", "unknown key \"%.64s\" in %s", key, section);
			return -1;
		}
		if (check_value(obj, key, ks, err) != 0)
			return -1;
	}
	for (; spec->key != NULL; spec++)
		if (spec->required && json_object_get(obj, spec->key) == NULL) {
			mt_err_set(err, "bad_profile", "%s lacks \"%s\"", section, spec->key);
			return -1;
		}
	return 0;
}

/* fill_defaults - binaries a managed section left out. */
static void fill_defaults(json_t *root)
{
	json_t *section;

	for (size_t i = 0; i < sizeof(binary_defaults) / sizeof(binary_defaults[0]); i++) {
		section = json_object_get(root, binary_defaults[i][0]);
		if (section != NULL && json_object_get(section, binary_defaults[i][1]) == NULL)
			json_object_set_new(section, binary_defaults[i][1],
					    json_string(binary_defaults[i][2]));
	}
}

int profile_load_json(struct mt_profile *p, json_t *root, struct mt_err *err)
{
	p->root = NULL;
	if (check_section(root, "profile", top_keys, err) != 0) {
		json_decref(root);
		return -1;
	}
	fill_defaults(root);
	p->root = root;
	return 0;
}

/* parse_text - strict JSON text to a validated profile. */
static int parse_text(struct mt_profile *p, const char *text, size_t len, const char *what,
		      struct mt_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL) {
		mt_err_set(err, "bad_profile", "%s: %s (line %d)", what, jerr.text, jerr.line);
		return -1;
	}
	return profile_load_json(p, root, err);
}

int profile_load_builtin(struct mt_profile *p, const char *name, struct mt_err *err)
{
	const char *text = profile_builtin_text(name);

	if (text == NULL) {
		mt_err_set(err, "bad_profile", "no built-in profile \"%.64s\" (plesk, debian)", name);
		return -1;
	}
	return parse_text(p, text, strlen(text), name, err);
}

int profile_load_file(struct mt_profile *p, const char *path, struct mt_err *err)
{
	struct safefile f;
	int rc;

	p->root = NULL;
	if (safefile_check_parents(path, err) != 0)
		return -1;
	rc = safefile_read(path, &f, err);
	if (rc == 1)
		mt_err_set(err, "bad_profile", "profile %s does not exist", path);
	if (rc != 0)
		return -1;
	if (f.len > PROFILE_FILE_MAX) {
		mt_err_set(err, "bad_profile", "profile %s is larger than %u bytes", path, PROFILE_FILE_MAX);
		rc = -1;
	} else {
		rc = parse_text(p, f.data, f.len, path, err);
	}
	safefile_free(&f);
	return rc;
}

void profile_free(struct mt_profile *p)
{
	json_decref(p->root);
	p->root = NULL;
}

const char *profile_name(const struct mt_profile *p)
{
	return json_string_value(json_object_get(p->root, "name"));
}

int profile_manages(const struct mt_profile *p, const char *service)
{
	return json_object_get(p->root, service) != NULL;
}

/* section - the object a key lives in; borrowed. */
static json_t *section(const struct mt_profile *p, const char *service)
{
	return service == NULL ? p->root : json_object_get(p->root, service);
}

const char *profile_str(const struct mt_profile *p, const char *service, const char *key)
{
	return json_string_value(json_object_get(section(p, service), key));
}

json_t *profile_list(const struct mt_profile *p, const char *service, const char *key)
{
	return json_object_get(section(p, service), key);
}

json_t *profile_cmds(const struct mt_profile *p, const char *service, const char *key)
{
	return json_object_get(section(p, service), key);
}

json_t *profile_endpoint(const struct mt_profile *p, const char *endpoint)
{
	return json_object_get(json_object_get(p->root, "endpoints"), endpoint);
}

int profile_ms(const struct mt_profile *p, const char *key, int fallback)
{
	json_t *v = json_object_get(p->root, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : fallback;
}

int profile_endpoint_port(const struct mt_profile *p, const char *endpoint)
{
	json_t *hosts = json_object_get(profile_endpoint(p, endpoint), "hosts");

	return (int)json_integer_value(json_object_get(json_array_get(hosts, 0), "port"));
}
