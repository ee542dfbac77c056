/*
 * fuzz_postfix_plan.c - the Postfix editor: status read from main.cf and
 * master.cf (postfix.c), a floor change planned over them (postfix.c,
 * pfplan.c) and rendered (plan.c), the planned files read back.
 * Input: options FZ_SEP main.cf FZ_SEP master.cf (fzplan.h: the options;
 * byte 10 picks the Postfix version). A missing part is a missing file.
 */
#include <string.h>

#include "fuzz.h"
#include "fzplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mt_profile p;
	static const char *const versions[] = { "3.7.11", "3.5.6", "2.11.0", "" };
	struct fz_part parts[3];
	size_t n = fz_split(data, size, parts, 3);

	fz_profile(&p, "postfix", "{\"config_dir\": \"@/postfix\", \"postconf\": \"/nonexistent/postconf\"}");
	if (n < 2)
		return 0;
	fz_write("postfix/main.cf", parts[1].p, parts[1].len);
	if (n > 2)
		fz_write("postfix/master.cf", parts[2].p, parts[2].len);
	else
		fz_unlink("postfix/master.cf");
	fz_plan_step(&postfix_adapter, &p, versions[fz_opt(&parts[0], 10) % 4], "openssl", &parts[0]);
	return 0;
}
