/*
 * fuzz_pfconf.c - the Postfix readers: main.cf and master.cf as Postfix
 * reads them (pfconf.c), $parameter expansion as each service sees it, and
 * the protocol lists the values hold (pfproto.c), for three Postfix
 * versions.
 * Input: main.cf FZ_SEP master.cf.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pfconf.h"
#include "pfproto.h"
#include "tlsver.h"

static const char *const keys[] = {
	"smtpd_tls_protocols", "smtpd_tls_mandatory_protocols", "smtp_tls_protocols",
	"smtp_tls_mandatory_protocols", "smtpd_tls_security_level", "smtpd_tls_wrappermode",
	"smtpd_tls_ciphers", "smtpd_tls_mandatory_ciphers", "tls_high_cipherlist",
	"tls_medium_cipherlist", "smtpd_enforce_tls", "postscreen_tls_security_level",
	"mail_version", "no_such_parameter",
};

static const unsigned versions[] = { 0, 305, 306 };

/* one_value - look name up for s, expand it and read it as a protocol list. */
static void one_value(const struct pfconf_main *mc, const struct pfconf_master *mf,
		      const struct pfconf_service *s, const char *name)
{
	static char out[4096];
	struct pfconf_value v;
	struct pfproto pp;

	pfconf_lookup(mc, mf, s, name, &v);
	if (pfconf_expand(mc, mf, s, v.raw, out, sizeof(out)) != 0)
		return;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		pfproto_parse(out, versions[i], &pp);
		if (pp.floor != TLSVER_NONE && pfproto_lowest_from(&pp, TLSVER_1_0) != pp.floor)
			abort();   /* the floor is the lowest enabled version */
	}
	(void)tlsver_cipher_seclevel(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_part parts[2];
	size_t n = fz_split(data, size, parts, 2);
	struct pfconf_main mc = { 0 };
	struct pfconf_master mf = { 0 };
	struct mt_err err = { 0 };
	char buf[64];

	if (pfconf_main_parse(&mc, "/etc/postfix/main.cf", parts[0].p, parts[0].len, &err) == 0 &&
	    pfconf_master_parse(&mf, "/etc/postfix/master.cf", n > 1 ? parts[1].p : "",
				n > 1 ? parts[1].len : 0, &err) == 0) {
		mc.version = pfconf_version(pfconf_main_find(&mc, "mail_version")
					    ? pfconf_main_find(&mc, "mail_version")->value : "");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			one_value(&mc, &mf, NULL, keys[k]);
			for (size_t i = 0; i < mf.nsvcs && i < 64; i++)
				one_value(&mc, &mf, &mf.svcs[i], keys[k]);
		}
		for (int f = TLSVER_1_0; f < TLSVER_COUNT; f++)
			pfproto_format(f, mc.version, f & 1, buf, sizeof(buf));
	}
	pfconf_main_free(&mc);
	pfconf_master_free(&mf);
	return 0;
}
