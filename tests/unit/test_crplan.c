/*
 * test_crplan.c - what the Courier planner relies on from shvars: where
 * each assignment's own bytes start and end, and its last line, so that a
 * rewrite keeps everything around it (`export `, a trailing comment, other
 * commands); and the OpenSSL planner over several changes in a row, each
 * starting from the files and state the one before left: TLSv1,
 * compliance enable (TLSv1.2, strong list), disable (CIPHERS_RESTORE),
 * raise. Single changes are the golden cases (tests/golden/set/courier-*,
 * test_plan). The tree case writes files under /tmp (root-owned, as
 * safefile_read demands: skipped when not run as root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.h"
#include "plan.h"
#include "profile.h"
#include "shvars.h"
#include "tlsver.h"

#include "planstep.c.inc"

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

/* ---- changes in a row (OpenSSL build) ------------------------------------- */

#define INTERMEDIATE                                                                      \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                      \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                      \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                      \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
#define DEFAULT_LIST "TLSv1:HIGH:!LOW:!MEDIUM:!EXP:!NULL:!aNULL@STRENGTH"
#define FIRST "TLS_PROTOCOL=\"TLSv1.2\"\nTLS_STARTTLS_PROTOCOL=\"TLSv1.2\"\n"
#define AT_TLSV1 "TLS_PROTOCOL=\"TLSv1\"\nTLS_STARTTLS_PROTOCOL=\"TLSv1\"\n"
#define AT_TLSV12 "TLS_PROTOCOL=\"TLSv1.2+\"\nTLS_STARTTLS_PROTOCOL=\"TLSv1.2+\"\n"

/* One step: what is asked, what both -ssl files hold after it, the state
 * it leaves ("@/" stands for the tree). */
struct step {
	int floor;
	enum cipher_policy ciphers;
	const char *after;
	const char *state;
};

static void write_text(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	chmod(path, 0644);
}


/* run_step - status, plan, check, and write the planned files back. */
static void run_step(const struct mt_profile *p, json_t *state, const struct step *st,
		     const char *root, char paths[2][PATH_MAX + 32])
{
	struct mt_service *svc = calloc(1, sizeof(*svc));
	struct plan *pl = calloc(1, sizeof(*pl));

	snprintf(svc->name, sizeof(svc->name), "courier");
	snprintf(svc->tls_library, sizeof(svc->tls_library), "openssl");
	plan_and_write(&courier_adapter, p, svc, st->floor, st->ciphers, state, pl);
	for (int i = 0; i < 2; i++)
		assert_string_equal(read_text(paths[i]), st->after);
	assert_state(state, st->state, root);
	plan_free(pl);
	free(pl);
	free(svc);
}

#define REC(kind, prev, written)                                                          \
	"{\"" kind "\": [{\"file\": \"@/imapd-ssl\", \"previous\": " prev ", \"written\": \"" \
	written "\"}, {\"file\": \"@/pop3d-ssl\", \"previous\": " prev ", \"written\": \""  \
	written "\"}]}"

/* TLSv1, compliance on and off, raise: the cipher list mail-tls added for
 * TLSv1 becomes the strong list, goes back to the default with @SECLEVEL=0,
 * and goes; the files end as libcouriertls reads the start. */
static void test_steps_openssl(void **state)
{
	static const struct step steps[] = {
		{ TLSVER_1_0, CIPHERS_KEEP, AT_TLSV1 "TLS_CIPHER_LIST=\"" DEFAULT_LIST ":@SECLEVEL=0\"\n",
		  REC("cipher_list", "null", DEFAULT_LIST ":@SECLEVEL=0") },
		{ TLSVER_1_2, CIPHERS_STRONG, AT_TLSV12 "TLS_CIPHER_LIST=\"" INTERMEDIATE "\"\n",
		  REC("cipher_policy", "null", INTERMEDIATE) },
		{ TLSVER_1_0, CIPHERS_RESTORE, AT_TLSV1 "TLS_CIPHER_LIST=\"" DEFAULT_LIST ":@SECLEVEL=0\"\n",
		  REC("cipher_list", "null", DEFAULT_LIST ":@SECLEVEL=0") },
		{ TLSVER_1_2, CIPHERS_KEEP, AT_TLSV12, "{}" },
	};
	char root[] = "/tmp/mt-crplan-XXXXXX", paths[2][PATH_MAX + 32];
	struct mt_profile p;
	struct mt_err err = { 0 };
	json_t *st = json_object();

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(root));
	chmod(root, 0755);
	snprintf(paths[0], sizeof(paths[0]), "%s/imapd-ssl", root);
	snprintf(paths[1], sizeof(paths[1]), "%s/pop3d-ssl", root);
	for (int i = 0; i < 2; i++)
		write_text(paths[i], FIRST);
	assert_int_equal(profile_load_json(&p, json_pack("{s:s, s:s, s:{s:s, s:s}}", "name", "t",
							 "state_dir", "/nonexistent", "courier", "imapd_ssl",
							 paths[0], "pop3d_ssl", paths[1]), &err), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		run_step(&p, st, &steps[i], root, paths);
	json_decref(st);
	profile_free(&p);
	for (int i = 0; i < 2; i++)
		unlink(paths[i]);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_spans_second_file),
		cmocka_unit_test(test_steps_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
