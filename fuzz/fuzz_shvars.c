/*
 * fuzz_shvars.c - Courier's shell-sourced files (shvars.c) and what status
 * reads from them (courier.c's cr_status_from_vars), for an OpenSSL and a
 * GnuTLS build, and GnuTLS priority strings (cr_priority_floor).
 * Input: imapd FZ_SEP imapd-ssl.
 */
#include <stdlib.h>
#include <string.h>

#include "crplan.h"
#include "fuzz.h"
#include "model.h"
#include "shvars.h"

static const char *const names[] = {
	"TLS_PROTOCOL", "TLS_STARTTLS_PROTOCOL", "TLS_CIPHER_LIST", "TLS_PRIORITY",
	"IMAPDSSLSTART", "IMAPDSTARTTLS", "IMAP_TLS_REQUIRED", "SSLPORT", "PORT", "TLS_MIN_PROTOCOL",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_service svc;
	struct fz_part parts[2];
	size_t n = fz_split(data, size, parts, 2);
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	const struct shvar *v;

	if (shvars_parse(&sv, "/etc/courier/imapd", parts[0].p, parts[0].len, &err) == 0 &&
	    (n < 2 || shvars_parse(&sv, "/etc/courier/imapd-ssl", parts[1].p, parts[1].len, &err) == 0)) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			v = shvars_get(&sv, names[i]);
			if (v != NULL && (v->line == 0 || v->last_line < v->line || v->end < v->start))
				abort();   /* positions are the file's */
			if (v != NULL && strcmp(names[i], "TLS_PRIORITY") == 0 && strlen(v->value) < 4096)
				(void)cr_priority_floor(v->value);
		}
		for (int openssl = 0; openssl <= 1; openssl++) {
			memset(&svc, 0, sizeof(svc));
			strcpy(svc.name, "courier");
			svc.installed = 1;
			cr_status_from_vars(&svc, &cr_pairs[0], &sv, "/etc/courier/imapd-ssl", openssl);
			if (svc.nendpoints > MT_MAX_ENDPOINTS)
				abort();
		}
	}
	shvars_free(&sv);
	return 0;
}
