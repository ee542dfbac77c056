/*
 * act_capabilities.c - helper and OpenSSL versions; per service: installed,
 * running, software version, TLS library, and the floors each endpoint
 * supports. Reads, never writes (except the software cache).
 */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "actions.h"
#include "adapter.h"
#include "reply.h"
#include "safefile.h"
#include "service.h"

/* openssl_json - new reference: the runtime library and its default
 * security level (Debian: 2). */
static json_t *openssl_json(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	int level = ctx != NULL ? SSL_CTX_get_security_level(ctx) : -1;

	SSL_CTX_free(ctx);
	return json_pack("{s:s, s:i}", "version", OpenSSL_version(OPENSSL_VERSION_STRING),
			 "security_level", level);
}

/* qmail_json - new reference: qmail's entry when the profile names its
 * binary and it exists (Plesk runs Postfix or qmail), else NULL. */
static json_t *qmail_json(const struct mt_profile *p)
{
	const char *bin = profile_str(p, NULL, "qmail_binary");

	if (bin == NULL || !safefile_exists(bin))
		return NULL;
	return json_pack("{s:s, s:b, s:b}", "service", "qmail", "installed", 1, "supported", 0);
}

int act_capabilities(struct mt_ctx *ctx, struct mt_err *err)
{
	json_t *services = json_array();
	struct mt_service *svc = malloc(sizeof(*svc));
	json_t *entry, *qmail;
	int rc = -1;

	if (svc == NULL)
		reply_fatal_oom();
	if (request_unpack(ctx->req->params, err, "{}") != 0)
		goto out;
	for (size_t i = 0; adapters[i] != NULL; i++) {
		if (!profile_manages(ctx->profile, adapters[i]->name))
			continue;
		if (service_describe(ctx->profile, adapters[i], ctx->vcache, 1, svc, err) != 0)
			goto out;
		entry = model_capabilities_json(svc);
		json_object_set_new(entry, "supported", json_true());
		json_array_append_new(services, entry);
	}
	qmail = qmail_json(ctx->profile);
	if (qmail != NULL)
		json_array_append_new(services, qmail);
	json_object_set_new(ctx->reply, "helper", json_pack("{s:s}", "version", MT_VERSION));
	json_object_set_new(ctx->reply, "openssl", openssl_json());
	json_object_set_new(ctx->reply, "profile", json_string(profile_name(ctx->profile)));
	json_object_set_new(ctx->reply, "services", services);
	services = NULL;
	rc = 0;
out:
	json_decref(services);
	free(svc);
	return rc;
}
