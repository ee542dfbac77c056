/*
 * fuzz_profile.c - the host profile parser and validator (profile.c): any
 * JSON text, then every accessor on what it accepted.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"
#include "profile.h"

static const char *const services[] = { NULL, "postfix", "dovecot", "courier" };
static const char *const keys[] = {
	"state_dir", "qmail_binary", "config_dir", "postconf", "postfix", "config", "floor_file",
	"doveconf", "dovecot", "doveadm", "imapd", "imapd_ssl", "pop3d", "pop3d_ssl", "imapd_bin",
	"couriertls", "gnutls_cli", "name",
};
static const char *const cmds[] = { "check", "reload", "start", "stop", "restart" };

/* accessors - what the actions ask of an accepted profile. */
static void accessors(const struct mt_profile *p)
{
	const char *ep;

	(void)profile_name(p);
	(void)profile_ms(p, "command_timeout_ms", 60000);
	(void)profile_ms(p, "lock_wait_ms", 120000);
	(void)profile_list(p, NULL, "logs");
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
		if (services[s] != NULL && !profile_manages(p, services[s]))
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v = profile_str(p, services[s], keys[k]);

			if (v != NULL && strcmp(keys[k], "name") != 0 && v[0] != '/')
				abort();   /* every path the profile gives is absolute */
		}
		for (size_t c = 0; services[s] != NULL && c < sizeof(cmds) / sizeof(cmds[0]); c++)
			(void)profile_cmds(p, services[s], cmds[c]);
		(void)profile_list(p, services[s], "pidfiles");
	}
	for (size_t i = 0; (ep = probe_endpoint_at(i)) != NULL; i++) {
		(void)profile_endpoint(p, ep);
		(void)profile_endpoint_port(p, ep);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_profile p = { 0 };
	struct mt_err err = { 0 };
	json_t *root;

	if (size > PROFILE_FILE_MAX)
		return 0;
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return 0;
	if (profile_load_json(&p, root, &err) == 0)
		accessors(&p);
	else if (err.code == NULL || strcmp(err.code, "bad_profile") != 0)
		abort();   /* a refusal is always bad_profile */
	profile_free(&p);
	return 0;
}
