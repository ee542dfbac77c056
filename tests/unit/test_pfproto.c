/*
 * test_pfproto.c - Postfix protocol lists and @SECLEVEL, table-driven.
 *
 * Expected values follow tls_proto_mask_lims() (Postfix 3.x) and FACTS.md
 * §4a/§7; every row names what it proves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "pfproto.h"
#include "tlsver.h"

#define V10 (1u << TLSVER_1_0)
#define V11 (1u << TLSVER_1_1)
#define V12 (1u << TLSVER_1_2)
#define V13 (1u << TLSVER_1_3)
#define ALL (V10 | V11 | V12 | V13)

struct proto_case {
	const char *why;
	const char *list;
	unsigned enabled;
	int floor;
	int invalid;
};

static const struct proto_case proto_cases[] = {
	{ ">= floor (Postfix >= 3.6 syntax)", ">=TLSv1.2", V12 | V13, TLSVER_1_2, 0 },
	{ "<= is a ceiling, not a floor", "<=TLSv1.2", V10 | V11 | V12, TLSVER_1_0, 0 },
	{ "exclusion list, commas", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", V12 | V13, TLSVER_1_2, 0 },
	{ "exclusion list, blanks only", "!SSLv2 !SSLv3 !TLSv1 !TLSv1.1", V12 | V13,
	  TLSVER_1_2, 0 },
	{ "exclusion list, colons", "!SSLv2:!SSLv3:!TLSv1:!TLSv1.1", V12 | V13, TLSVER_1_2, 0 },
	{ "tabs, newlines, mixed separators", "\t!SSLv2,:!SSLv3\n !TLSv1 ,", V11 | V12 | V13,
	  TLSVER_1_1, 0 },
	{ "Plesk positive list", "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3", ALL, TLSVER_1_0, 0 },
	{ "positive list excludes what it leaves out", "TLSv1.2 TLSv1.3", V12 | V13,
	  TLSVER_1_2, 0 },
	{ "positive list with a hole", "TLSv1 TLSv1.2", V10 | V12, TLSVER_1_0, 0 },
	{ "hole: the floor is the lowest enabled", ">=TLSv1.1 !TLSv1.2", V11 | V13, TLSVER_1_1, 0 },
	{ "exclusion wins over inclusion", "TLSv1.2 TLSv1.3 !TLSv1.2", V13, TLSVER_1_3, 0 },
	{ "unknown name: the whole list is invalid", "bogus", 0, TLSVER_NONE, 1 },
	{ "unknown floor version", ">=TLSv9", 0, TLSVER_NONE, 1 },
	{ "invalid token after valid ones", ">=TLSv1.2 !TLSv1.4", 0, TLSVER_NONE, 1 },
	{ "names are case-insensitive (name_code)", "tlsv1.2", V12, TLSVER_1_2, 0 },
	{ "exclusion list in lower case", "!sslv2, !sslv3, !tlsv1, !tlsv1.1", V12 | V13,
	  TLSVER_1_2, 0 },
	{ "mixed case", "!SslV2 !SSLV3 !Tlsv1", V11 | V12 | V13, TLSVER_1_1, 0 },
	{ ">= operand in any case", ">=tlsv1.1", V11 | V12 | V13, TLSVER_1_1, 0 },
	{ "<= operand in any case", "<=TLSV1.2", V10 | V11 | V12, TLSVER_1_0, 0 },
	{ ">=none in lower case is no floor", ">=none", ALL, TLSVER_1_0, 0 },
	{ "a name with a suffix is no name", "TLSv1.2x", 0, TLSVER_NONE, 1 },
	{ "a lone ! is invalid", "!", 0, TLSVER_NONE, 1 },
	{ "empty list: everything", "", ALL, TLSVER_1_0, 0 },
	{ "separators only: everything", " ,: ", ALL, TLSVER_1_0, 0 },
	{ "built-in default >= 3.6", PFPROTO_DEFAULT, ALL, TLSVER_1_0, 0 },
	{ "built-in default < 3.6", PFPROTO_DEFAULT_PRE36, ALL, TLSVER_1_0, 0 },
	{ ">=SSLv3 allows every TLS version", ">=SSLv3", ALL, TLSVER_1_0, 0 },
	{ ">=None is no floor", ">=None", ALL, TLSVER_1_0, 0 },
	{ "floor as a hex protocol number", ">=0x303", V12 | V13, TLSVER_1_2, 0 },
	{ "hex without 0x", ">=302", V11 | V12 | V13, TLSVER_1_1, 0 },
	{ "hex OpenSSL refuses: no bound", ">=305", ALL, TLSVER_1_0, 0 },
	{ "empty >= operand is 0: no bound", ">=", ALL, TLSVER_1_0, 0 },
	{ "hex with junk is invalid", ">=0x30g", 0, TLSVER_NONE, 1 },
	{ "negative hex is invalid", ">=-1", 0, TLSVER_NONE, 1 },
	{ "floor above ceiling: nothing enabled", ">=TLSv1.3 <=TLSv1.2", 0, TLSVER_NONE, 0 },
	{ "<=SSLv3: no TLS version", "<=SSLv3", 0, TLSVER_NONE, 0 },
	{ "last floor wins", ">=TLSv1.3 >=TLSv1.1", V11 | V12 | V13, TLSVER_1_1, 0 },
	{ "only TLSv1.3", ">=TLSv1.3", V13, TLSVER_1_3, 0 },
};

static void test_proto_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(proto_cases) / sizeof(proto_cases[0]); i++) {
		const struct proto_case *c = &proto_cases[i];
		struct pfproto res;

		pfproto_parse(c->list, 0, &res);
		print_message("  %s: \"%s\"\n", c->why, c->list);
		assert_int_equal(res.invalid, c->invalid);
		assert_int_equal(res.enabled, c->enabled);
		assert_int_equal(res.floor, c->floor);
	}
}

static void test_lowest_from(void **state)
{
	struct pfproto res;

	(void)state;
	pfproto_parse("TLSv1 TLSv1.3", 0, &res);
	assert_int_equal(pfproto_lowest_from(&res, TLSVER_1_2), TLSVER_1_3);
	assert_int_equal(pfproto_lowest_from(&res, TLSVER_NONE), TLSVER_1_0);
	pfproto_parse("<=TLSv1.1", 0, &res);
	assert_int_equal(pfproto_lowest_from(&res, TLSVER_1_2), TLSVER_NONE);
}

static void test_long_list(void **state)
{
	static char buf[64 * 1024];
	struct pfproto res;
	size_t n = 0;

	(void)state;
	while (n + 8 < sizeof(buf)) {
		memcpy(buf + n, "!TLSv1, ", 8);
		n += 8;
	}
	buf[n] = '\0';
	pfproto_parse(buf, 0, &res);
	assert_int_equal(res.invalid, 0);
	assert_int_equal(res.floor, TLSVER_1_1);
}

struct version_case {
	const char *why;
	const char *list;
	unsigned version;  /* pfconf_version */
	int floor;
	int invalid, too_new;
};

/* ">=" / "<=" came with Postfix 3.6 (tls_proto_mask_lims()); before, such
 * a token is an unknown protocol name and the whole list is invalid. */
static const struct version_case version_cases[] = {
	{ ">= on 3.5: invalid", ">=TLSv1.2", 305, TLSVER_NONE, 1, 1 },
	{ "<= on 3.5: invalid", "!SSLv2 <=TLSv1.2", 305, TLSVER_NONE, 1, 1 },
	{ ">= on 2.11: invalid", ">=TLSv1", 211, TLSVER_NONE, 1, 1 },
	{ "the 3.5 default", PFPROTO_DEFAULT_PRE36, 305, TLSVER_1_0, 0, 0 },
	{ "exclusion list on 3.5", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", 305, TLSVER_1_2, 0,
	  0 },
	{ "an unknown name first is not too_new", "bogus >=TLSv1.2", 305, TLSVER_NONE, 1, 0 },
	{ ">= on 3.6", ">=TLSv1.2", 306, TLSVER_1_2, 0, 0 },
	{ ">= on 3.7", ">=TLSv1.3", 307, TLSVER_1_3, 0, 0 },
	{ ">= when the version is unknown: the newest", ">=TLSv1.1", 0, TLSVER_1_1, 0, 0 },
	{ ">=bogus on 3.6 is invalid, not too_new", ">=bogus", 306, TLSVER_NONE, 1, 0 },
};

static void test_version_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(version_cases) / sizeof(version_cases[0]); i++) {
		const struct version_case *c = &version_cases[i];
		struct pfproto res;

		pfproto_parse(c->list, c->version, &res);
		print_message("  %s: \"%s\" (%u)\n", c->why, c->list, c->version);
		assert_int_equal(res.invalid, c->invalid);
		assert_int_equal(res.too_new, c->too_new);
		assert_int_equal(res.floor, c->floor);
	}
}

struct seclevel_case {
	const char *why;
	const char *list;
	int level;
};

static const struct seclevel_case seclevel_cases[] = {
	{ "FACTS §4a list", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=2", 2 },
	{ "Postfix default medium list", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", -1 },
	{ "explicit level 0", "DEFAULT:@SECLEVEL=0", 0 },
	{ "the last one wins", "@SECLEVEL=3:HIGH:@SECLEVEL=1", 1 },
	{ "level out of range", "HIGH:@SECLEVEL=9", -1 },
	{ "two digits are not a level", "HIGH:@SECLEVEL=10", -1 },
	{ "blank separator", "HIGH @SECLEVEL=2", 2 },
	{ "empty", "", -1 },
	{ "truncated", "HIGH:@SECLEVEL=", -1 },
};

static void test_seclevel_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seclevel_cases) / sizeof(seclevel_cases[0]); i++) {
		print_message("  %s: \"%s\"\n", seclevel_cases[i].why, seclevel_cases[i].list);
		assert_int_equal(tlsver_cipher_seclevel(seclevel_cases[i].list), seclevel_cases[i].level);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_table),
		cmocka_unit_test(test_lowest_from),
		cmocka_unit_test(test_long_list),
		cmocka_unit_test(test_version_table),
		cmocka_unit_test(test_seclevel_table),
	};

	return cmocka_run_group_tests_name("pfproto", tests, NULL, NULL);
}
