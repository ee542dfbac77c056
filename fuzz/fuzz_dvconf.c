/*
 * fuzz_dvconf.c - the Dovecot reader: dovecot.conf with `!include` and
 * `!include_try` of other files, sections, quotes, continuations and
 * $references (dvconf.c), then what status reads from it (dv_status_from_conf)
 * under the rules of Dovecot 2.2 and 2.3.
 * Input: dovecot.conf FZ_SEP conf.d/10-a.conf FZ_SEP conf.d/20-b.conf ...
 * The files are overlays (dvconf_load_overlay): nothing is written, and the
 * main file's `!include conf.d/<glob>.conf` matches them. Inputs whose includes
 * could leave the private directory are skipped (fz_include_escapes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dvconf.h"
#include "dvplan.h"
#include "fuzz.h"
#include "model.h"

static const char *const sections[] = {
	"", "protocol imap", "protocol pop3", "service imap-login/inet_listener imaps",
};
static const char *const keys[] = { "ssl_min_protocol", "ssl_protocols", "ssl_cipher_list", "ssl" };

/* query - the lookups status makes, and the comment scan of each line. */
static void query(const struct dvconf *conf, const struct fz_part *main_part)
{
	const char *p = main_part->p, *end = p + main_part->len;

	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			(void)dvconf_last(conf, sections[s], keys[k]);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (dvconf_comment_at(p, len) > len)
			abort();   /* never past the line */
		p += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_service svc;
	static const char *const versions[] = { "2.2.36", "2.3.19.1" };
	struct fz_part parts[FZ_MAX_PARTS];
	size_t n = fz_split(data, size, parts, FZ_MAX_PARTS);
	struct dvconf_overlay ov[FZ_MAX_PARTS];
	char names[FZ_MAX_PARTS][512];
	const char *main_path = fz_path(0, "dovecot.conf");
	struct dv_rules r;

	if (fz_include_escapes((const char *)data, size))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			snprintf(names[i], sizeof(names[i]), "%s", main_path);
		else
			snprintf(names[i], sizeof(names[i]), "%s/conf.d/%zu0-part.conf", fz_dir(), i);
		ov[i].path = names[i];
		ov[i].text = parts[i].p;
		ov[i].len = parts[i].len;
	}
	for (size_t v = 0; v < 2; v++) {
		struct dvconf conf = { 0 };
		struct mt_err err = { 0 };

		dv_rules_for(versions[v], &r);
		if (dv_load_conf(main_path, &r, ov, n, &conf, &err) == 0) {
			query(&conf, &parts[0]);
			memset(&svc, 0, sizeof(svc));
			strcpy(svc.name, "dovecot");
			strcpy(svc.version, versions[v]);
			svc.installed = 1;
			dv_status_from_conf(&conf, main_path, &svc);
			if (svc.nendpoints > MT_MAX_ENDPOINTS)
				abort();
		}
		dvconf_free(&conf);
	}
	return 0;
}
