/*
 * fuzz_courier_plan.c - the Courier editor: status read from imapd,
 * imapd-ssl, pop3d and pop3d-ssl (courier.c, shvars.c), a floor change
 * planned (crplan.c) and rendered (plan.c), the planned files read back.
 * Input: options FZ_SEP imapd FZ_SEP imapd-ssl FZ_SEP pop3d FZ_SEP pop3d-ssl.
 * Byte 10 of the options picks an OpenSSL or a GnuTLS build (gnutls-cli is
 * a path that does not exist: a priority string the planner would write is
 * then refused, as on a host without it). A missing part is a missing file.
 */
#include <string.h>

#include "fuzz.h"
#include "fzplan.h"

static const char *const files[] = {
	"courier/imapd", "courier/imapd-ssl", "courier/pop3d", "courier/pop3d-ssl",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_profile p;
	struct fz_part parts[5];
	size_t n = fz_split(data, size, parts, 5);

	fz_profile(&p, "courier",
		   "{\"imapd\": \"@/courier/imapd\", \"imapd_ssl\": \"@/courier/imapd-ssl\", "
		   "\"pop3d\": \"@/courier/pop3d\", \"pop3d_ssl\": \"@/courier/pop3d-ssl\", "
		   "\"imapd_bin\": \"/nonexistent/imapd\", \"couriertls\": \"/nonexistent/couriertls\", "
		   "\"gnutls_cli\": \"/nonexistent/gnutls-cli\"}");
	if (n < 2)
		return 0;
	fz_write_parts(files, 4, parts, n);
	fz_plan_step(&courier_adapter, &p, "5.0.13", fz_opt(&parts[0], 10) & 1 ? "gnutls" : "openssl",
		     &parts[0]);
	return 0;
}
