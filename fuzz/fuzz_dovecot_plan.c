/*
 * fuzz_dovecot_plan.c - the Dovecot editor: status read from dovecot.conf
 * and its includes (dovecot.c, dvconf.c), a floor change planned (dvplan.c)
 * and rendered (plan.c), the planned files read back.
 * Input: options FZ_SEP dovecot.conf FZ_SEP conf.d/10-ssl.conf FZ_SEP
 * conf.d/11-plesk-security-ssl.conf (the floor_file) FZ_SEP conf.d/20-x.conf.
 * Byte 10 of the options picks 2.2 or 2.3. A missing part is a missing
 * file; inputs whose includes could leave the tree are skipped.
 */
#include <string.h>

#include "fuzz.h"
#include "fzplan.h"

static const char *const files[] = {
	"dovecot/dovecot.conf", "dovecot/conf.d/10-ssl.conf", "dovecot/conf.d/11-plesk-security-ssl.conf",
	"dovecot/conf.d/20-x.conf",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_profile p;
	struct fz_part parts[5];
	size_t n = fz_split(data, size, parts, 5);

	fz_profile(&p, "dovecot",
		   "{\"config\": \"@/dovecot/dovecot.conf\", "
		   "\"floor_file\": \"@/dovecot/conf.d/11-plesk-security-ssl.conf\", "
		   "\"dovecot\": \"/nonexistent/dovecot\", \"doveconf\": \"/nonexistent/doveconf\"}");
	if (n < 2 || fz_include_escapes((const char *)data, size))
		return 0;
	fz_write_parts(files, 4, parts, n);
	fz_plan_step(&dovecot_adapter, &p, fz_opt(&parts[0], 10) & 1 ? "2.2.36" : "2.3.19.1", "openssl",
		     &parts[0]);
	return 0;
}
