/*
 * test_pfplan.c - how Postfix settings are written: protocol lists per
 * Postfix version, @SECLEVEL=0, logical-line bounds, and the -o forms the
 * golden cases (tests/golden/set/postfix-*) do not reach, table-driven
 * where it can be. Each test names what it proves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.h"
#include "atomicfile.h"
#include "pfconf.h"
#include "pfplan.h"
#include "pfproto.h"
#include "plan.h"
#include "profile.h"
#include "tlsver.h"

/* ---- protocol lists ---------------------------------------------------------- */

struct format_case {
	const char *why;
	int floor;
	unsigned version;
	int compact;
	const char *want;
};

static const struct format_case format_cases[] = {
	{ "3.6 takes >=", TLSVER_1_2, 306, 0, ">=TLSv1.2" },
	{ "3.7, TLSv1", TLSVER_1_0, 307, 0, ">=TLSv1" },
	{ "-o form of >= is the same word", TLSVER_1_3, 307, 1, ">=TLSv1.3" },
	{ "3.5: exclusion list", TLSVER_1_2, 305, 0, "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1" },
	{ "3.5, TLSv1: SSL only", TLSVER_1_0, 305, 0, "!SSLv2, !SSLv3" },
	{ "3.5, TLSv1.3", TLSVER_1_3, 305, 0, "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2" },
	{ "3.5, -o form: one word", TLSVER_1_1, 305, 1, "!SSLv2,!SSLv3,!TLSv1" },
	{ "unknown version: the list every Postfix reads", TLSVER_1_2, 0, 0,
	  "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1" },
	{ "2.11 as well", TLSVER_1_1, 211, 0, "!SSLv2, !SSLv3, !TLSv1" },
};

static void test_format_table(void **state)
{
	char buf[64];
	struct pfproto res;

	(void)state;
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];

		print_message("  %s\n", c->why);
		assert_int_equal(pfproto_format(c->floor, c->version, c->compact, buf, sizeof(buf)), 0);
		assert_string_equal(buf, c->want);
		/* what that Postfix makes of it: exactly the floor and every version above */
		pfproto_parse(buf, c->version, &res);
		assert_int_equal(res.invalid, 0);
		assert_int_equal(res.floor, c->floor);
		assert_int_equal(res.enabled, ((1u << TLSVER_COUNT) - 1) & ~((1u << c->floor) - 1));
	}
}

static void test_format_refuses(void **state)
{
	char buf[64], small[8];

	(void)state;
	assert_int_equal(pfproto_format(TLSVER_NONE, 307, 0, buf, sizeof(buf)), -1);
	assert_int_equal(pfproto_format(TLSVER_COUNT, 307, 0, buf, sizeof(buf)), -1);
	/* a buffer too small is an error, never a cut list */
	assert_int_equal(pfproto_format(TLSVER_1_3, 305, 0, small, sizeof(small)), -1);
	assert_int_equal(pfproto_format(TLSVER_1_3, 307, 0, small, 4), -1);
}

/* ---- @SECLEVEL ------------------------------------------------------------------ */

struct zero_case {
	const char *why;
	const char *in;
	const char *want;  /* NULL: refused */
};

static const struct zero_case zero_cases[] = {
	{ "FACTS §4a list", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=2",
	  "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=0" },
	{ "only the token that takes effect (the last)", "@SECLEVEL=3:HIGH:@SECLEVEL=1",
	  "@SECLEVEL=3:HIGH:@SECLEVEL=0" },
	{ "a later token that is no level stays", "HIGH:@SECLEVEL=2:@SECLEVEL=9",
	  "HIGH:@SECLEVEL=0:@SECLEVEL=9" },
	{ "blank separator", "HIGH @SECLEVEL=5", "HIGH @SECLEVEL=0" },
	{ "already 0: nothing to do", "DEFAULT:@SECLEVEL=0", NULL },
	{ "no level", "HIGH:!aNULL", NULL },
};

static void test_seclevel_zero(void **state)
{
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(zero_cases) / sizeof(zero_cases[0]); i++) {
		const struct zero_case *c = &zero_cases[i];

		print_message("  %s\n", c->why);
		if (c->want == NULL) {
			assert_int_equal(pfplan_seclevel_zero(c->in, out, sizeof(out)), -1);
			continue;
		}
		assert_int_equal(pfplan_seclevel_zero(c->in, out, sizeof(out)), 0);
		assert_string_equal(out, c->want);
		assert_int_equal(tlsver_cipher_seclevel(out), 0);
	}
	assert_int_equal(pfplan_seclevel_zero("HIGH:@SECLEVEL=2", out, 8), -1);
}

/* ---- edits ----------------------------------------------------------------------- */

struct fixture {
	struct plan pl;
	struct pfconf_main mc;
	struct pfconf_master mf;
	struct pfplan pp;
	struct mt_err err;
};

/* add_file - an existing file of the plan with these bytes (owned by the plan). */
static struct plan_file *add_file(struct plan *pl, const char *path, const char *text, size_t len)
{
	struct plan_file *f = &pl->files[pl->nfiles++];

	mt_strlcpy(f->path, path, sizeof(f->path));
	mt_strlcpy(f->service, "postfix", sizeof(f->service));
	f->existed = 1;
	f->before.data = malloc(len + 1);
	assert_non_null(f->before.data);
	memcpy(f->before.data, text, len);
	f->before.data[len] = '\0';
	f->before.len = len;
	return f;
}

static struct fixture *load(const char *main_text, size_t main_len, const char *master_text,
			    size_t master_len)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct plan_file *mainf, *masterf;

	assert_non_null(fx);
	mainf = add_file(&fx->pl, "main.cf", main_text, main_len);
	masterf = add_file(&fx->pl, "master.cf", master_text, master_len);
	assert_int_equal(pfconf_main_parse(&fx->mc, "main.cf", main_text, main_len, &fx->err), 0);
	assert_int_equal(pfconf_master_parse(&fx->mf, "master.cf", master_text, master_len,
					     &fx->err), 0);
	pfplan_init(&fx->pp, mainf, &fx->mc, masterf, &fx->mf);
	return fx;
}

static void unload(struct fixture *fx)
{
	plan_free(&fx->pl);
	pfconf_main_free(&fx->mc);
	pfconf_master_free(&fx->mf);
	free(fx);
}

/* service - master.cf's service named name (the first). */
static const struct pfconf_service *service(const struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->mf.nsvcs; i++)
		if (strcmp(fx->mf.svcs[i].name, name) == 0)
			return &fx->mf.svcs[i];
	fail_msg("no service %s", name);
	return NULL;
}

/* emitted - emit, render, and compare file i with want. */
static void emitted(struct fixture *fx, size_t i, const char *want, size_t want_len)
{
	struct plan_file *f = &fx->pl.files[i];

	assert_int_equal(pfplan_emit(&fx->pp, &fx->err), 0);
	assert_int_equal(plan_render(&fx->pl, &fx->err), 0);
	if (f->after_len != want_len || memcmp(f->after, want, want_len) != 0)
		fail_msg("--- want\n%.*s--- got\n%.*s", (int)want_len, want, (int)f->after_len,
			 f->after);
}

#define TEXT(s) s, sizeof(s) - 1
#define PF_TEST_MAND "smtpd_tls_mandatory_ciphers"

static void test_logical_lines(void **state)
{
	static const char main_cf[] =
		"a = 1\n"                  /* 1 */
		"b = x,\n"                 /* 2 */
		"# inside\n"               /* 3 */
		"  y,\n"                   /* 4 */
		"\n"                       /* 5 */
		"\tz\n"                    /* 6 */
		"# after\n"                /* 7 */
		"c = 3";                   /* 8, no final newline */
	static const char master_cf[] =
		"smtp inet n - n - - smtpd\n"          /* 1 */
		"  -o a=b\n"                            /* 2 */
		"#  -o c=d\n"                           /* 3 */
		"sub inet n - n - - smtpd\n";           /* 4 */
	struct fixture *fx = load(TEXT(main_cf), TEXT(master_cf));
	const struct pfconf_param *b = pfconf_main_find(&fx->mc, "b");
	const struct pfconf_param *c = pfconf_main_find(&fx->mc, "c");

	(void)state;
	assert_int_equal(b->line, 2);
	assert_int_equal(b->last, 6);  /* the comment after it is not its */
	assert_string_equal(b->value, "x, y, z");
	assert_int_equal(c->line, 8);
	assert_int_equal(c->last, 8);
	assert_int_equal(service(fx, "smtp")->line, 1);
	assert_int_equal(service(fx, "smtp")->last, 2);  /* the commented -o is not its */
	assert_int_equal(service(fx, "sub")->last, 4);
	unload(fx);
}

static void test_main_edits(void **state)
{
	static const char main_cf[] =
		"a = 1\n"
		"b = x,\n"
		"# inside\n"
		"  y,\n"
		"\n"
		"\tz\n"
		"# after\n"
		"c = 3";
	static const char want[] =
		"a = 1\n"
		"b = new\n"
		"# inside\n"
		"\n"
		"# after\n"
		"c = 3\n"
		"d =\n";
	struct fixture *fx = load(TEXT(main_cf), TEXT(""));

	(void)state;
	assert_int_equal(pfplan_set(&fx->pp, NULL, "b", "old", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, NULL, "b", "new", &fx->err), 0);  /* the later wins */
	assert_string_equal(pfplan_get(&fx->pp, NULL, "b"), "new");
	assert_int_equal(pfplan_set(&fx->pp, NULL, "a", "1", &fx->err), 0);   /* already so */
	assert_int_equal(pfplan_set(&fx->pp, NULL, "d", "", &fx->err), 0);    /* empty value */
	emitted(fx, 0, TEXT(want));
	unload(fx);
}

static void test_opt_forms(void **state)
{
	static const char master_cf[] =
		"smtp inet n - n - - smtpd -o smtpd_tls_protocols=>=TLSv1 -o smtpd_tls_mandatory_protocols=>=TLSv1\n"
		"sub inet n - n - - smtpd\n"
		"\t-o {  smtpd_tls_protocols =  >=TLSv1.1 }  -o x=y\n"
		"\t-o smtpd_tls_mandatory_protocols=a -o smtpd_tls_mandatory_protocols=b\n"
		"\t-osmtpd_tls_ciphers=medium\n"
		"# sub ends above\n"
		"pickup unix n - n 60 1 pickup\n";
	static const char want[] =
		"smtp inet n - n - - smtpd -o smtpd_tls_protocols=>=TLSv1.2 -o smtpd_tls_mandatory_protocols=>=TLSv1.2\n"
		"sub inet n - n - - smtpd\n"
		"\t-o {  smtpd_tls_protocols =  >=TLSv1.3 }  -o x=y\n"
		"\t-o smtpd_tls_mandatory_protocols=a -o smtpd_tls_mandatory_protocols=>=TLSv1.3\n"
		"\t-osmtpd_tls_ciphers=high\n"
		"\t-o tls_high_cipherlist=HIGH:@SECLEVEL=0\n"
		"\t-o syslog_name=sub\n"
		"# sub ends above\n"
		"pickup unix n - n 60 1 pickup\n";
	struct fixture *fx = load(TEXT(""), TEXT(master_cf));
	const struct pfconf_service *smtp = service(fx, "smtp"), *sub = service(fx, "sub");

	(void)state;
	assert_int_equal(pfplan_set(&fx->pp, smtp, "smtpd_tls_protocols", ">=TLSv1.2", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, smtp, "smtpd_tls_mandatory_protocols", ">=TLSv1.2",
				    &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "smtpd_tls_protocols", ">=TLSv1.3", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "tls_high_cipherlist", "HIGH:@SECLEVEL=0",
				    &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "smtpd_tls_mandatory_protocols", ">=TLSv1.3",
				    &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "smtpd_tls_ciphers", "high", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "syslog_name", "sub", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "x", "y", &fx->err), 0);  /* already so */
	assert_null(pfplan_get(&fx->pp, smtp, "x"));
	emitted(fx, 1, TEXT(want));
	unload(fx);
}

/* A line the helper cannot rewrite in place: the value is set by a later -o
 * (the last -o wins), and the line stays as it was. */
static void test_opt_fallback(void **state)
{
	static const char master_cf[] =
		"sub inet n - n - - smtpd\n"
		"  -o smtpd_tls_protocols=>=TLS\0v1\n"  /* pfconf drops the NUL; we cannot write it */
		"  -o { smtpd_tls_mandatory_protocols =\n"
		"       >=TLSv1 }\n"                     /* braces across lines */
		"pickup unix n - n 60 1 pickup\n";
	static const char want[] =
		"sub inet n - n - - smtpd\n"
		"  -o smtpd_tls_protocols=>=TLS\0v1\n"
		"  -o { smtpd_tls_mandatory_protocols =\n"
		"       >=TLSv1 }\n"
		"  -o smtpd_tls_protocols=>=TLSv1.2\n"
		"  -o smtpd_tls_mandatory_protocols=>=TLSv1.2\n"
		"pickup unix n - n 60 1 pickup\n";
	struct fixture *fx = load(TEXT(""), TEXT(master_cf));
	const struct pfconf_service *sub = service(fx, "sub");
	const struct pfconf_opt *o = pfconf_service_opt(&fx->mf, sub, "smtpd_tls_mandatory_protocols");

	(void)state;
	assert_non_null(o);
	assert_string_equal(o->value, ">=TLSv1");
	assert_string_equal(pfconf_service_opt(&fx->mf, sub, "smtpd_tls_protocols")->value, ">=TLSv1");
	assert_int_equal(pfplan_set(&fx->pp, sub, "smtpd_tls_protocols", ">=TLSv1.2", &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "smtpd_tls_mandatory_protocols", ">=TLSv1.2",
				    &fx->err), 0);
	emitted(fx, 1, TEXT(want));
	unload(fx);
}

/* Unsetting: an -o leaves its line with the blanks around it (the line
 * too when nothing else is left); a main.cf parameter loses its lines, the
 * comments inside stay; what is not set stays unset. */
static void test_unset(void **state)
{
	static const char main_cf[] =
		"a = 1\n"
		"b = x,\n"
		"# inside\n"
		"  y\n"
		"c = 3\n";
	static const char master_cf[] =
		"sub inet n - n - - smtpd\n"
		"  -o a=b -o c=d  \n"
		"  -o e=f -o g=h\n"
		"  -o tls_medium_cipherlist=HIGH:@SECLEVEL=0\n"
		"  -o i=j\n"
		"pickup unix n - n 60 1 pickup\n";
	static const char want_main[] =
		"a = 1\n"
		"# inside\n"
		"c = 3\n";
	static const char want_master[] =
		"sub inet n - n - - smtpd\n"
		"  -o a=b  \n"
		"  -o g=h\n"
		"  -o i=j\n"
		"pickup unix n - n 60 1 pickup\n";
	struct fixture *fx = load(TEXT(main_cf), TEXT(master_cf));
	const struct pfconf_service *sub = service(fx, "sub");

	(void)state;
	assert_int_equal(pfplan_set(&fx->pp, NULL, "b", NULL, &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, NULL, "z", NULL, &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "c", NULL, &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "e", NULL, &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "tls_medium_cipherlist", NULL, &fx->err), 0);
	assert_int_equal(pfplan_set(&fx->pp, sub, "z", NULL, &fx->err), 0);
	assert_true(pfplan_has(&fx->pp, sub, "z"));
	assert_null(pfplan_get(&fx->pp, sub, "z"));
	assert_false(pfplan_has(&fx->pp, sub, "i"));
	emitted(fx, 0, TEXT(want_main));
	assert_int_equal(fx->pl.files[1].after_len, sizeof(want_master) - 1);
	assert_memory_equal(fx->pl.files[1].after, want_master, sizeof(want_master) - 1);
	unload(fx);
}

struct refuse_case {
	const char *why;
	int opt;  /* as an -o */
	const char *name, *value;
};

static const struct refuse_case refuse_cases[] = {
	{ "newline in a main.cf value", 0, "a", "x\ny" },
	{ "carriage return", 0, "a", "x\r" },
	{ "tab in a main.cf value", 0, "a", "x\ty" },
	{ "DEL", 0, "a", "x\x7f" },
	{ "blank in an -o value", 1, "a", "!SSLv2, !SSLv3" },
	{ "brace in an -o value", 1, "a", "{x}" },
	{ "a name that is no parameter name", 0, "a b", "x" },
	{ "empty name", 0, "", "x" },
};

static void test_refuses(void **state)
{
	static const char master_cf[] = "sub inet n - n - - smtpd\n";
	struct fixture *fx = load(TEXT(""), TEXT(master_cf));
	const struct pfconf_service *sub = service(fx, "sub");
	char big[MT_VALUE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		const struct refuse_case *c = &refuse_cases[i];

		print_message("  %s\n", c->why);
		memset(&fx->err, 0, sizeof(fx->err));
		assert_int_equal(pfplan_set(&fx->pp, c->opt ? sub : NULL, c->name, c->value,
					    &fx->err), -1);
		assert_string_equal(fx->err.code, "internal");
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pfplan_set(&fx->pp, NULL, "a", big, &fx->err), -1);
	assert_int_equal(fx->pp.nsettings, 0);
	/* a blank is fine in main.cf */
	assert_int_equal(pfplan_set(&fx->pp, NULL, "a", "!SSLv2, !SSLv3", &fx->err), 0);
	unload(fx);
}

/* ---- the adapter: compliance enable and disable round trip ------------------ */

/* write_text - path gets text (mode 0644). */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

/* set_once - one plan_floors on the files of dir (Postfix 3.7), written
 * back; main.cf's new text into got (owned by the caller). */
static void set_once(const char *dir, int floor, enum cipher_policy ciphers, json_t *state,
		     char **got)
{
	struct mt_profile p;
	struct mt_service svc;
	struct mt_floor_request req;
	struct plan *pl = calloc(1, sizeof(*pl));
	struct mt_err err = { 0 };
	json_t *prof = json_pack("{s:s, s:s, s:{s:s}}", "name", "t", "state_dir", "/nonexistent",
				 "postfix", "config_dir", dir);

	assert_non_null(pl);
	memset(&p, 0, sizeof(p));
	memset(&svc, 0, sizeof(svc));
	assert_int_equal(profile_load_json(&p, prof, &err), 0);
	strcpy(svc.name, "postfix");
	strcpy(svc.version, "3.7.11");
	svc.installed = 1;
	assert_int_equal(postfix_adapter.read_status(&p, &svc, &err), 0);
	req.service_floor = floor;
	for (size_t i = 0; i < MT_MAX_ENDPOINTS; i++)
		req.endpoint_floor[i] = TLSVER_NONE;
	req.ciphers = ciphers;
	if (postfix_adapter.plan_floors(&p, &svc, &req, state, pl, &err) != 0)
		fail_msg("plan_floors: %s %s", err.code, err.message);
	assert_int_equal(plan_render(pl, &err), 0);
	for (size_t i = 0; i < pl->nfiles; i++)
		if (plan_changed(&pl->files[i]))
			assert_int_equal(atomicfile_write(pl->files[i].path, pl->files[i].after,
							  pl->files[i].after_len, 0, 0, 0644, &err), 0);
	*got = strndup(pl->files[0].after, pl->files[0].after_len);
	plan_free(pl);
	free(pl);
	profile_free(&p);
}

/* Enable (strong ciphers, TLSv1.2) over an admin's @SECLEVEL=2 list, then
 * disable (restore, TLSv1 again): every cipher setting goes back; the list
 * the admin had comes back with @SECLEVEL=0, since TLSv1 needs it, and that
 * fix is recorded for the next raise. */
static void test_ciphers_round_trip(void **state)
{
	static const char admin_list[] = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=2";
	static const char main_cf[] =
		"smtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n"
		"smtpd_tls_key_file = /etc/ssl/private/mail.key\n"
		"smtpd_tls_security_level = may\n"
		"smtpd_tls_protocols = >=TLSv1\n"
		"smtpd_tls_mandatory_protocols = >=TLSv1\n"
		"tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=2\n";
	static const char master_cf[] =
		"smtp      inet  n       -       y       -       -       smtpd\n"
		"submission inet n       -       y       -       -       smtpd\n"
		"  -o smtpd_tls_security_level=encrypt\n";
	static const char want_disabled[] =
		"smtpd_tls_cert_file = /etc/ssl/certs/mail.pem\n"
		"smtpd_tls_key_file = /etc/ssl/private/mail.key\n"
		"smtpd_tls_security_level = may\n"
		"smtpd_tls_protocols = >=TLSv1\n"
		"smtpd_tls_mandatory_protocols = >=TLSv1\n"
		"tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=0\n";
	char dir[] = "/tmp/mt-pfplan-XXXXXX", path[64], *got = NULL;
	json_t *st = json_object(), *rec;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	write_text(path, main_cf);
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	write_text(path, master_cf);

	set_once(dir, TLSVER_1_2, CIPHERS_STRONG, st, &got);
	assert_non_null(strstr(got, "smtpd_tls_mandatory_ciphers = medium\n"));
	assert_non_null(strstr(got, "smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT"));
	assert_non_null(strstr(got, "tls_medium_cipherlist = ECDHE-ECDSA-AES128-GCM-SHA256:"));
	rec = json_object_get(json_object_get(st, "ciphers"), "tls_medium_cipherlist");
	assert_string_equal(json_string_value(json_object_get(rec, "previous")), admin_list);
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(st, "ciphers"),
							       PF_TEST_MAND), "previous")));
	free(got);

	set_once(dir, TLSVER_1_0, CIPHERS_RESTORE, st, &got);
	assert_string_equal(got, want_disabled);
	assert_null(json_object_get(st, "ciphers"));
	rec = json_object_get(json_object_get(st, "cipherlists"), "tls_medium_cipherlist");
	assert_string_equal(json_string_value(json_object_get(rec, "previous")), admin_list);
	free(got);

	set_once(dir, TLSVER_1_2, CIPHERS_KEEP, st, &got);  /* raised: the admin's list is back */
	assert_non_null(strstr(got, "tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:@SECLEVEL=2\n"));
	assert_int_equal(json_object_size(st), 0);
	free(got);
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	unlink(path);
	rmdir(dir);
	json_decref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_seclevel_zero),
		cmocka_unit_test(test_logical_lines),
		cmocka_unit_test(test_main_edits),
		cmocka_unit_test(test_opt_forms),
		cmocka_unit_test(test_opt_fallback),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_ciphers_round_trip),
	};

	return cmocka_run_group_tests_name("pfplan", tests, NULL, NULL);
}
