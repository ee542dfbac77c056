/*
 * test_crplan.c - what the Courier planner relies on from shvars: where
 * each assignment's own bytes start and end, and its last line, so that a
 * rewrite keeps everything around it (`export `, a trailing comment, other
 * commands). The planner itself is tested by the golden cases
 * (tests/golden/set/courier-*, test_plan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "shvars.h"

struct span_want {
	const char *name;
	const char *word;      /* text[start..end) */
	unsigned line, last_line;
};

static const char text[] =
	"A=1\n"                                         /* 1 */
	"  export TLS_PROTOCOL=\"TLSv1.2\"   # plesk\n" /* 2 */
	"TLS_CIPHER_LIST='HIGH:\n"                      /* 3 */
	"!aNULL'\n"                                     /* 4 */
	"B=x\\\n"                                       /* 5 */
	"y ; C=\"$B\" # c\n"                            /* 6 */
	"D=`date` E=${A:-z}\n";                         /* 7 */

static const struct span_want wants[] = {
	{ "A", "A=1", 1, 1 },
	{ "TLS_PROTOCOL", "TLS_PROTOCOL=\"TLSv1.2\"", 2, 2 },
	{ "TLS_CIPHER_LIST", "TLS_CIPHER_LIST='HIGH:\n!aNULL'", 3, 4 },
	{ "B", "B=x\\\ny", 5, 6 },
	{ "C", "C=\"$B\"", 6, 6 },
	{ "D", "D=`date`", 7, 7 },
	{ "E", "E=${A:-z}", 7, 7 },
};

static void test_spans(void **state)
{
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	const struct shvar *v;

	(void)state;
	assert_int_equal(shvars_parse(&sv, "/nonexistent/imapd-ssl", text, strlen(text), &err), 0);
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		v = shvars_get(&sv, wants[i].name);
		if (v == NULL)
			fail_msg("%s not assigned", wants[i].name);
		if (v->end - v->start != strlen(wants[i].word) ||
		    memcmp(text + v->start, wants[i].word, v->end - v->start) != 0)
			fail_msg("%s: span is \"%.*s\", want \"%s\"", wants[i].name, (int)(v->end - v->start),
				 text + v->start, wants[i].word);
		assert_int_equal(v->line, wants[i].line);
		assert_int_equal(v->last_line, wants[i].last_line);
	}
	assert_string_equal(shvars_get(&sv, "TLS_CIPHER_LIST")->value, "HIGH:\n!aNULL");
	assert_string_equal(shvars_get(&sv, "C")->value, "xy");
	assert_true(shvars_get(&sv, "D")->complex);
	shvars_free(&sv);
}

/* A second file's offsets are its own. */
static void test_spans_second_file(void **state)
{
	static const char second[] = "\n\nTLS_PRIORITY=\"NORMAL\"\n";
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	const struct shvar *v;

	(void)state;
	assert_int_equal(shvars_parse(&sv, "/nonexistent/imapd", text, strlen(text), &err), 0);
	assert_int_equal(shvars_parse(&sv, "/nonexistent/imapd-ssl", second, strlen(second), &err), 0);
	v = shvars_get(&sv, "TLS_PRIORITY");
	assert_non_null(v);
	assert_string_equal(v->file, "/nonexistent/imapd-ssl");
	assert_int_equal(v->start, 2);
	assert_int_equal(v->end, strlen(second) - 1);
	assert_int_equal(v->line, 3);
	shvars_free(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_spans_second_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
