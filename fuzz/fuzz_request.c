/*
 * fuzz_request.c - the request parser (request.c: the envelope) and every
 * action's own validation of its parameters, run as main.c runs them:
 * request_parse, then actions_run with a profile, then the reply built and
 * serialised. The profile manages a small Dovecot tree in the private
 * directory with /bin/true as check and reload, no probe endpoint, and one
 * small log; `set`, `compliance` and `rollback` are forced to "dry_run"
 * (whatever the input says), so that nothing is ever written or run and
 * every input meets the same files.
 * Input: the request's bytes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "actions.h"
#include "cipherlist.h"
#include "fuzz.h"
#include "profile.h"
#include "reply.h"
#include "request.h"
#include "vcache.h"

static struct mt_profile profile;

static const char conf[] =
	"protocols = imap pop3\n"
	"ssl = yes\n"
	"ssl_min_protocol = TLSv1.2\n"
	"ssl_cipher_list = HIGH:!aNULL\n"
	"!include_try conf.d/*.conf\n"
	"service imap-login {\n  inet_listener imaps {\n    port = 993\n    ssl = yes\n  }\n}\n";
static const char log_text[] =
	"Mar  1 10:00:00 mx dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, "
	"rip=192.0.2.7, lip=192.0.2.1, TLS handshaking: SSL_accept() failed: error:0A000102:SSL "
	"routines::unsupported protocol, session=<x>\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char text[2048];
	struct mt_err err = { 0 };
	json_t *root;

	(void)argc;
	(void)argv;
	fz_write("etc/dovecot/dovecot.conf", conf, strlen(conf));
	fz_write("etc/dovecot/conf.d/11-plesk-security-ssl.conf", "", 0);
	fz_write("log/maillog", log_text, strlen(log_text));
	snprintf(text, sizeof(text),
		 "{\"name\": \"fuzz\", \"state_dir\": \"%s/state\", \"logs\": [\"%s/log/maillog\"], "
		 "\"dovecot\": {\"config\": \"%s/etc/dovecot/dovecot.conf\", "
		 "\"floor_file\": \"%s/etc/dovecot/conf.d/11-plesk-security-ssl.conf\", "
		 "\"dovecot\": \"/nonexistent/dovecot\", \"doveconf\": \"/nonexistent/doveconf\", "
		 "\"check\": [\"/bin/true\"], \"reload\": [\"/bin/true\"]}}",
		 fz_dir(), fz_dir(), fz_dir(), fz_dir());
	root = json_loads(text, 0, NULL);
	if (root == NULL || profile_load_json(&profile, root, &err) != 0)
		abort();
	return 0;
}

/* force_dry_run - the actions that could write or run something only plan. */
static void force_dry_run(struct mt_request *req)
{
	if ((strcmp(req->action, "set") == 0 || strcmp(req->action, "compliance") == 0 ||
	     strcmp(req->action, "rollback") == 0) && json_is_object(req->params))
		json_object_set_new(req->params, "dry_run", json_true());
}

/* run - what main.c's serve does once the request is parsed. */
static void run(struct mt_request *req, json_t *reply, struct mt_err *err)
{
	struct vcache vc;
	struct mt_ctx ctx = { &profile, &vc, req, reply };
	char section[96];

	force_dry_run(req);
	vcache_open(&vc, profile_str(&profile, NULL, "state_dir"));
	snprintf(section, sizeof(section), "cipherlists %s", OpenSSL_version(OPENSSL_VERSION_STRING));
	cipherlist_attach_cache(vcache_section(&vc, section), &vc.dirty);
	(void)actions_run(&ctx, err);
	cipherlist_attach_cache(NULL, NULL);
	vcache_close(&vc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mt_request req = { 0 };
	struct mt_err err = { 0 };
	json_t *reply = reply_new(NULL, NULL);
	char *out;

	if (size > REQUEST_MAX)
		return json_decref(reply), 0;
	if (request_parse((const char *)data, size, &req, &err) == 0) {
		if (!request_known_action(req.action))
			abort();   /* the parser let an unknown action through */
		run(&req, reply, &err);
	} else if (err.code == NULL) {
		abort();   /* refused without an error */
	}
	if (req.has_request_id)
		json_object_set_new(reply, "request_id", json_string(req.request_id));
	if (err.code != NULL) {
		json_object_del(reply, "services");
		reply_fail(reply, &err);
	}
	out = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (out == NULL)
		abort();   /* every reply can be written */
	free(out);
	json_decref(reply);
	request_free(&req);
	return 0;
}
