/*
 * fuzz_diag.c - diagnose's reading and aggregation: the streaming splitter
 * with the vector prefilter (logscan_buf + logfilter_next) at any block
 * size, every line into the aggregator (diag_line), the reply built and
 * serialised (diag_json, json_dumps). Checks the promises of logfilter.h
 * (the vector search and the newline count agree with the byte reference)
 * and of diag.h (totals add up whatever the tables keep).
 * Input: one byte of block size (1..256), one of year hint, then the log.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "logfilter.h"
#include "logscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_filter - the vector search against the byte reference, from every
 * start of the first 64 bytes. */
static void check_filter(const char *text, size_t len)
{
	size_t naive = 0;

	for (size_t off = 0; off < len && off < 64; off++)
		if (logfilter_next(text + off, text + len) != logfilter_next_bytes(text + off, text + len))
			abort();
	for (size_t i = 0; i < len; i++)
		naive += text[i] == '\n';
	if (logfilter_newlines(text, text + len) != naive)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logscan_stats st = { 0 };
	struct diag *d;
	json_t *o;
	char *text, *dump;
	size_t block;

	if (size < 2)
		return 0;
	block = (size_t)data[0] + 1;
	text = malloc(size - 2 + 1);   /* exactly the log: a read past it is an ASan report */
	d = diag_new(0, 0, 0, 0, 2000 + data[1] % 60);
	o = json_object();
	if (text == NULL || d == NULL || o == NULL)
		abort();
	memcpy(text, data + 2, size - 2);
	check_filter(text, size - 2);
	if (logscan_buf(text, size - 2, block, logfilter_next, diag_line, d, &st) != 0)
		abort();
	if (st.bytes != size - 2)
		abort();
	diag_json(d, 1 + data[0] % 20, o);
	if (diag_fail_total(d, 0, 0) != (unsigned long long)json_integer_value(
		    json_object_get(json_object_get(o, "totals"), "failures")))
		abort();
	dump = json_dumps(o, 0);   /* valid UTF-8 whatever the log held */
	if (dump == NULL)
		abort();
	free(dump);
	json_decref(o);
	diag_free(d);
	free(text);
	return 0;
}
