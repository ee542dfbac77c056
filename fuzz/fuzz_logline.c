/*
 * fuzz_logline.c - the log classifier (logline.c): any line, with any bytes,
 * not NUL-terminated (the input is copied to a buffer of exactly its size,
 * so a read past the end is an ASan report). Checks the promises of
 * logline.h: the prefilter never drops a line the classifier keeps, the
 * fields stay in range, the names are static strings.
 * Input: two bytes of year hint, then the line.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "logline.h"
#include "tlsver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logline out;
	int year, kind;
	char *line;

	if (size < 2)
		return 0;
	year = 1970 + ((data[0] << 8 | data[1]) % 200);
	line = malloc(size - 2 + 1);   /* +1: malloc(0) may be NULL */
	if (line == NULL)
		abort();
	memcpy(line, data + 2, size - 2);
	kind = logline_parse(line, size - 2, year, &out);
	if (kind < 0 || kind != out.kind || kind > LOGLINE_TLS_FAIL)
		abort();
	if (kind != LOGLINE_NONE && !logline_maybe_tls(line, size - 2))
		abort();   /* the prefilter dropped a line the classifier keeps */
	if (out.reason != LOGLINE_R_NONE && kind != LOGLINE_TLS_FAIL)
		abort();
	if (out.version != TLSVER_NONE && !tlsver_is_version(out.version))
		abort();
	if (memchr(out.role, '\0', sizeof(out.role)) == NULL || memchr(out.ip, '\0', sizeof(out.ip)) == NULL)
		abort();
	(void)logline_kind_name(out.kind);
	(void)logline_reason_name(out.reason);
	(void)logline_service_name(out.service);
	free(line);
	return 0;
}
