/*
 * test_shvars.c - the Courier shell-variable parser, table-driven.
 *
 * Each case is the text of one or two files (sourced in that order, as the
 * launchers do) and every assignment the parser must keep, in order. The
 * expected values were checked against /bin/sh (dash): `env -i sh -c
 * 'set -a; . ./file; env'`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "shvars.h"

#define MAX_EXPECT 8

struct want {
	const char *name;
	const char *value;
	unsigned line;
	int complex;
	int second;          /* assigned in the second file */
};

struct shvars_case {
	const char *name;
	const char *text;
	const char *text2;   /* NULL: one file */
	int rc;              /* 0, or -1 with io_error */
	struct want want[MAX_EXPECT];
};

static const struct shvars_case cases[] = {
	{ "plain", "A=1\nB=two\n", NULL, 0, { { "A", "1", 1, 0, 0 }, { "B", "two", 2, 0, 0 } } },
	{ "double quotes", "TLS_PROTOCOL=\"TLSv1.2\"\nX=\"a b\"\n", NULL, 0,
	  { { "TLS_PROTOCOL", "TLSv1.2", 1, 0, 0 }, { "X", "a b", 2, 0, 0 } } },
	{ "single quotes are literal", "A='$B \"q\" \\n'\n", NULL, 0, { { "A", "$B \"q\" \\n", 1, 0, 0 } } },
	{ "one word of several quotings", "K=\"x\"'y'z\n", NULL, 0, { { "K", "xyz", 1, 0, 0 } } },
	{ "doc blocks and comments",
	  "##NAME: TLS_PROTOCOL:0\n#\n# TLS_PROTOCOL=TLSv1\n\nTLS_PROTOCOL=TLSv1.2 # trailing\n", NULL, 0,
	  { { "TLS_PROTOCOL", "TLSv1.2", 5, 0, 0 } } },
	{ "hash inside a word", "J=b#c\n", NULL, 0, { { "J", "b#c", 1, 0, 0 } } },
	{ "reference to an earlier assignment",
	  "TLS_PROTOCOL=\"TLSv1.2\"\nTLS_STARTTLS_PROTOCOL=\"$TLS_PROTOCOL\"\n", NULL, 0,
	  { { "TLS_PROTOCOL", "TLSv1.2", 1, 0, 0 }, { "TLS_STARTTLS_PROTOCOL", "TLSv1.2", 2, 0, 0 } } },
	{ "reference to the name being assigned", "A=1\nA=x$A\n", NULL, 0,
	  { { "A", "1", 1, 0, 0 }, { "A", "x1", 2, 0, 0 } } },
	{ "reference to an unset name", "TLS_STARTTLS_PROTOCOL=\"$TLS_PROTOCOL\"\n", NULL, 0,
	  { { "TLS_STARTTLS_PROTOCOL", "", 1, 0, 0 } } },
	{ "braces and defaults",
	  "A=1\nEMPTY=\nB=${A}x\nC=${NOPE:-dflt}\nD=${A:-no}\nE=${EMPTY-unset}\nF=${EMPTY:-colon}\n", NULL, 0,
	  { { "A", "1", 1, 0, 0 }, { "EMPTY", "", 2, 0, 0 }, { "B", "1x", 3, 0, 0 },
	    { "C", "dflt", 4, 0, 0 }, { "D", "1", 5, 0, 0 }, { "E", "", 6, 0, 0 },
	    { "F", "colon", 7, 0, 0 } } },
	{ "escapes in double quotes", "A=\"a\\\"b\\\\c\\$d\\e\"\n", NULL, 0,
	  { { "A", "a\"b\\c$d\\e", 1, 0, 0 } } },
	{ "unquoted escape", "B=a\\ b\n", NULL, 0, { { "B", "a b", 1, 0, 0 } } },
	{ "backslash-newline", "C=one\\\ntwo\nD=3\n", NULL, 0,
	  { { "C", "onetwo", 1, 0, 0 }, { "D", "3", 3, 0, 0 } } },
	{ "quote over two lines", "D=\"x\ny\"\nE=2\n", NULL, 0,
	  { { "D", "x\ny", 1, 0, 0 }, { "E", "2", 3, 0, 0 } } },
	{ "every assignment kept, in order", "A=1\nA=2\n", NULL, 0,
	  { { "A", "1", 1, 0, 0 }, { "A", "2", 2, 0, 0 } } },
	{ "assignment before a command is not kept", "A=1 true\nB=2\n", NULL, 0, { { "B", "2", 2, 0, 0 } } },
	{ "export", "export A=1 B\n", NULL, 0, { { "A", "1", 1, 0, 0 } } },
	{ "semicolons", "A=1; B=2;C=3\n", NULL, 0,
	  { { "A", "1", 1, 0, 0 }, { "B", "2", 1, 0, 0 }, { "C", "3", 1, 0, 0 } } },
	{ "pipeline skipped", "A=1 | cat\nB=2\n", NULL, 0, { { "B", "2", 2, 0, 0 } } },
	{ "command substitution kept literally", "A=$(cat /x)\nB=`id`\n", NULL, 0,
	  { { "A", "$(cat /x)", 1, 1, 0 }, { "B", "`id`", 2, 1, 0 } } },
	{ "special parameter kept literally", "A=$1\n", NULL, 0, { { "A", "$1", 1, 1, 0 } } },
	{ "other ${} forms kept literally", "A=${#B}\nC=${D:=x}\n", NULL, 0,
	  { { "A", "${#B}", 1, 1, 0 }, { "C", "${D:=x}", 2, 1, 0 } } },
	{ "a lone dollar", "H=$\nI=\"cost $ 5\"\n", NULL, 0,
	  { { "H", "$", 1, 0, 0 }, { "I", "cost $ 5", 2, 0, 0 } } },
	{ "carriage return is part of the value (as in sh)", "A=x\r\nB=\"y\"\r\n", NULL, 0,
	  { { "A", "x\r", 1, 0, 0 }, { "B", "y\r", 2, 0, 0 } } },
	{ "no newline at the end", "A=1", NULL, 0, { { "A", "1", 1, 0, 0 } } },
	{ "not a name", "1A=x\nA-B=y\n=z\n", NULL, 0, { { NULL, NULL, 0, 0, 0 } } },
	{ "double quote left open", "A=\"x\n", NULL, -1, { { NULL, NULL, 0, 0, 0 } } },
	{ "single quote left open", "A='x\n", NULL, -1, { { NULL, NULL, 0, 0, 0 } } },
	{ "brace left open", "A=${B\n", NULL, -1, { { NULL, NULL, 0, 0, 0 } } },
	{ "command substitution left open", "A=$(x\n", NULL, -1, { { NULL, NULL, 0, 0, 0 } } },
	{ "second file sees the first (imapd then imapd-ssl)",
	  "PORT=143\nTLS_PROTOCOL=TLSv1.1\n", "SSLPORT=993\nTLS_STARTTLS_PROTOCOL=\"$TLS_PROTOCOL\"\n", 0,
	  { { "PORT", "143", 1, 0, 0 }, { "TLS_PROTOCOL", "TLSv1.1", 2, 0, 0 },
	    { "SSLPORT", "993", 1, 0, 1 }, { "TLS_STARTTLS_PROTOCOL", "TLSv1.1", 2, 0, 1 } } },
	{ "second file wins", "PORT=143\n", "PORT=1143\n", 0,
	  { { "PORT", "143", 1, 0, 0 }, { "PORT", "1143", 1, 0, 1 } } },
};

static size_t count_want(const struct shvars_case *c)
{
	size_t n = 0;

	while (n < MAX_EXPECT && c->want[n].name != NULL)
		n++;
	return n;
}

static void run_case(void **state)
{
	const struct shvars_case *c = *state;
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	size_t n = count_want(c);
	int rc;

	rc = shvars_parse(&sv, "/etc/courier/imapd", c->text, strlen(c->text), &err);
	if (rc == 0 && c->text2 != NULL)
		rc = shvars_parse(&sv, "/etc/courier/imapd-ssl", c->text2, strlen(c->text2), &err);
	assert_int_equal(rc, c->rc);
	if (rc != 0) {
		assert_string_equal(err.code, "io_error");
		shvars_free(&sv);
		return;
	}
	assert_int_equal(sv.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(sv.vars[i].name, c->want[i].name);
		assert_string_equal(sv.vars[i].value, c->want[i].value);
		assert_int_equal(sv.vars[i].line, c->want[i].line);
		assert_int_equal(sv.vars[i].complex, c->want[i].complex);
		assert_string_equal(sv.vars[i].file,
				    c->want[i].second ? "/etc/courier/imapd-ssl" : "/etc/courier/imapd");
	}
	shvars_free(&sv);
}

/* shvars_get returns the last assignment. */
static void test_get_last(void **state)
{
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	const char *text = "A=1\nB=x\nA=2\n";

	(void)state;
	assert_int_equal(shvars_parse(&sv, "f", text, strlen(text), &err), 0);
	assert_string_equal(shvars_get(&sv, "A")->value, "2");
	assert_int_equal(shvars_get(&sv, "A")->line, 3);
	assert_null(shvars_get(&sv, "C"));
	shvars_free(&sv);
}

/* A NUL byte ends the text, as it ends the shell's reading. */
static void test_nul(void **state)
{
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };
	static const char text[] = "A=x\0B=y\n";

	(void)state;
	assert_int_equal(shvars_parse(&sv, "f", text, sizeof(text) - 1, &err), 0);
	assert_int_equal(sv.n, 1);
	assert_string_equal(sv.vars[0].value, "x");
	shvars_free(&sv);
}

/* A value longer than SHVARS_MAX_VALUE is refused, not cut. */
static void test_value_bound(void **state)
{
	size_t n = SHVARS_MAX_VALUE + 16;
	char *text = malloc(n + 4);
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };

	(void)state;
	assert_non_null(text);
	memcpy(text, "A=", 2);
	memset(text + 2, 'a', n);
	text[n + 2] = '\0';
	assert_int_equal(shvars_parse(&sv, "f", text, n + 2, &err), -1);
	assert_string_equal(err.code, "io_error");
	shvars_free(&sv);
	free(text);
}

/* Too many assignments over the file set are refused. */
static void test_count_bound(void **state)
{
	size_t n = SHVARS_MAX_VARS + 1;
	char *text = malloc(n * 4 + 1);
	struct shvars sv = { 0 };
	struct mt_err err = { 0 };

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 4, "A=1\n", 4);
	text[n * 4] = '\0';
	assert_int_equal(shvars_parse(&sv, "f", text, n * 4, &err), -1);
	shvars_free(&sv);
	free(text);
}

/* Hostile bytes never crash the parser (run under valgrind / ASan). */
static void test_random(void **state)
{
	static const char alphabet[] = "AB_=$\"'\\`{}():-#; \n\t|x1";
	char text[96];
	unsigned seed = 12345;
	struct mt_err err;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct shvars sv = { 0 };
		size_t n = (size_t)(round % (int)sizeof(text));

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		(void)shvars_parse(&sv, "f", text, n, &err);
		shvars_free(&sv);
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 5];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[n].name = cases[i].name;
		tests[n].test_func = run_case;
		tests[n].initial_state = (void *)&cases[i];
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_get_last);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_value_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_count_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_random);
	return _cmocka_run_group_tests("shvars", tests, n, NULL, NULL);
}
