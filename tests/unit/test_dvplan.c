/*
 * test_dvplan.c - what the Dovecot planner relies on from dvconf: the
 * comment scan that keeps a trailing comment, the last physical line of a
 * continued assignment, and overlays (planned texts read instead of files,
 * and matched by !include patterns before they exist); and the planner over
 * several changes in a row, where each step starts from the files and the
 * state the one before left: set TLSv1, compliance enable (TLSv1.2, strong
 * list), compliance disable (CIPHERS_RESTORE), raise. Single changes are
 * the golden cases (tests/golden/set/dovecot-*, test_plan).
 * Tree cases write files under /tmp (root-owned, as safefile_read demands:
 * skipped when not run as root).
 */
#define _XOPEN_SOURCE 700   /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.h"
#include "dvconf.h"
#include "plan.h"
#include "profile.h"
#include "tlsver.h"

#include "planstep.c.inc"

/* ---- dvconf_comment_at ---------------------------------------------------- */

static const struct {
	const char *line;
	size_t at;               /* SIZE_MAX: no comment (the line's length) */
} comment_cases[] = {
	{ "ssl_min_protocol = TLSv1.2", SIZE_MAX },
	{ "ssl_min_protocol = TLSv1.2 # plesk", 27 },
	{ "  ssl_min_protocol = TLSv1.2\t# tab", 29 },
	{ "# whole line", 0 },
	{ "x = \"a#b\" # c", 10 },
	{ "x = 'a#b' # c", 10 },
	{ "x = \"a\\\"#b\" # c", 12 },
	{ "x = \"open # never closed", SIZE_MAX },
	{ "x = a#b", 5 },
	{ "", SIZE_MAX },
};

static void test_comment_at(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(comment_cases) / sizeof(comment_cases[0]); i++) {
		const char *l = comment_cases[i].line;
		size_t want = comment_cases[i].at == SIZE_MAX ? strlen(l) : comment_cases[i].at;

		if (dvconf_comment_at(l, strlen(l)) != want)
			fail_msg("comment_at(\"%s\") = %zu, want %zu", l, dvconf_comment_at(l, strlen(l)), want);
	}
}

/* The scan respects the length it is given, not a NUL. */
static void test_comment_at_bounded(void **state)
{
	(void)state;
	assert_int_equal(dvconf_comment_at("abc # d", 3), 3);
	assert_int_equal(dvconf_comment_at("\"ab#\" # d", 4), 4);
}

/* ---- last_line ------------------------------------------------------------ */

static void test_last_line(void **state)
{
	static const char text[] = "a = one \\\n  two \\\n  three\n"
				   "b = x # comment \\\n"
				   "c = y\n"
				   "\n"
				   "d = z\n";
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	assert_int_equal(dvconf_parse_text(&conf, "/nonexistent/dovecot.conf", text, strlen(text), NULL, &err), 0);
	assert_int_equal(conf.n, 4);
	assert_string_equal(conf.entries[0].value, "one two three");
	assert_int_equal(conf.entries[0].line, 1);
	assert_int_equal(conf.entries[0].last_line, 3);
	/* a `\` inside a comment does not continue the line */
	assert_string_equal(conf.entries[1].key, "b");
	assert_int_equal(conf.entries[1].line, 4);
	assert_int_equal(conf.entries[1].last_line, 4);
	assert_int_equal(conf.entries[2].last_line, 5);
	assert_int_equal(conf.entries[3].line, 7);
	assert_int_equal(conf.entries[3].last_line, 7);
	dvconf_free(&conf);
}

/* ---- overlays ------------------------------------------------------------- */

struct tree {
	char root[PATH_MAX];
};

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char dir[PATH_MAX + 16];

	if (geteuid() != 0) {
		free(t);
		return 0;
	}
	snprintf(t->root, sizeof(t->root), "/tmp/mt-dvplan-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	chmod(t->root, 0755);
	snprintf(dir, sizeof(dir), "%s/conf.d", t->root);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file(t->root, "dovecot.conf",
		   "protocols = imap\n!include conf.d/*.conf\n!include_try local.conf\n");
	write_file(t->root, "conf.d/10-ssl.conf", "ssl_min_protocol = TLSv1.2\n");
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	if (t != NULL)
		nftw(t->root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* path_in - root + "/" + rel into buf. */
static const char *path_in(char *buf, size_t size, const struct tree *t, const char *rel)
{
	snprintf(buf, size, "%s/%s", t->root, rel);
	return buf;
}

/* entry - the index of the first entry with key and value, or -1. */
static int entry(const struct dvconf *conf, const char *key, const char *value)
{
	for (size_t i = 0; i < conf->n; i++)
		if (strcmp(conf->entries[i].key, key) == 0 && strcmp(conf->entries[i].value, value) == 0)
			return (int)i;
	return -1;
}

/* Without overlays: what is on disk. */
static void test_overlay_none(void **state)
{
	struct tree *t = *state;
	char main_path[PATH_MAX + 32];
	struct dvconf conf;
	struct mt_err err = { 0 };

	if (t == NULL)
		skip();
	path_in(main_path, sizeof(main_path), t, "dovecot.conf");
	assert_int_equal(dvconf_load_overlay(&conf, main_path, NULL, NULL, 0, &err), 0);
	assert_true(entry(&conf, "ssl_min_protocol", "TLSv1.2") >= 0);
	dvconf_free(&conf);
}

/* An overlay replaces a file's text, a new file matched by a glob is read
 * in glob order, one matched by an !include_try of a missing file too;
 * dot files and other directories are not matched. */
static void test_overlay_files(void **state)
{
	struct tree *t = *state;
	char p[6][PATH_MAX + 32];
	struct dvconf_overlay ov[5];
	struct dvconf conf;
	struct mt_err err = { 0 };
	int changed, early, late, local;

	if (t == NULL)
		skip();
	path_in(p[0], sizeof(p[0]), t, "dovecot.conf");
	ov[0] = (struct dvconf_overlay){ path_in(p[1], sizeof(p[1]), t, "conf.d/10-ssl.conf"),
					 "ssl_min_protocol = TLSv1\n", 25 };
	ov[1] = (struct dvconf_overlay){ path_in(p[2], sizeof(p[2]), t, "conf.d/99-mail-tls.conf"),
					 "ssl_cipher_list = late\n", 23 };
	ov[2] = (struct dvconf_overlay){ path_in(p[3], sizeof(p[3]), t, "conf.d/05-early.conf"),
					 "ssl_cipher_list = early\n", 24 };
	ov[3] = (struct dvconf_overlay){ path_in(p[4], sizeof(p[4]), t, "conf.d/.hidden.conf"),
					 "hidden = yes\n", 13 };
	ov[4] = (struct dvconf_overlay){ path_in(p[5], sizeof(p[5]), t, "local.conf"), "local = yes\n", 12 };
	assert_int_equal(dvconf_load_overlay(&conf, p[0], NULL, ov, 5, &err), 0);
	changed = entry(&conf, "ssl_min_protocol", "TLSv1");
	early = entry(&conf, "ssl_cipher_list", "early");
	late = entry(&conf, "ssl_cipher_list", "late");
	local = entry(&conf, "local", "yes");
	assert_true(changed >= 0 && early >= 0 && late >= 0 && local >= 0);
	assert_int_equal(entry(&conf, "ssl_min_protocol", "TLSv1.2"), -1);
	assert_int_equal(entry(&conf, "hidden", "yes"), -1);
	assert_true(early < changed && changed < late && late < local);
	assert_string_equal(conf.entries[late].file, p[2]);
	dvconf_free(&conf);
}

/* An overlay of the main file is its text. */
static void test_overlay_main(void **state)
{
	struct tree *t = *state;
	char main_path[PATH_MAX + 32];
	struct dvconf_overlay ov;
	struct dvconf conf;
	struct mt_err err = { 0 };

	if (t == NULL)
		skip();
	ov = (struct dvconf_overlay){ path_in(main_path, sizeof(main_path), t, "dovecot.conf"),
				      "ssl = no\n", 9 };
	assert_int_equal(dvconf_load_overlay(&conf, main_path, NULL, &ov, 1, &err), 0);
	assert_int_equal(conf.n, 1);
	assert_string_equal(conf.entries[0].value, "no");
	dvconf_free(&conf);
}

/* `!include` of a pattern that matches nothing but an overlay is no error. */
static void test_overlay_include_new(void **state)
{
	struct tree *t = *state;
	char p[2][PATH_MAX + 32];
	struct dvconf_overlay ov[2];
	struct dvconf conf;
	struct mt_err err = { 0 };

	if (t == NULL)
		skip();
	path_in(p[0], sizeof(p[0]), t, "dovecot.conf");
	ov[0] = (struct dvconf_overlay){ p[0], "!include extra/*.conf\n", 22 };
	assert_int_equal(dvconf_load_overlay(&conf, p[0], NULL, ov, 1, &err), -1);
	assert_string_equal(err.code, "io_error");
	dvconf_free(&conf);
	ov[1] = (struct dvconf_overlay){ path_in(p[1], sizeof(p[1]), t, "extra/new.conf"), "n = 1\n", 6 };
	assert_int_equal(dvconf_load_overlay(&conf, p[0], NULL, ov, 2, &err), 0);
	assert_true(entry(&conf, "n", "1") >= 0);
	dvconf_free(&conf);
}

/* ---- changes in a row ----------------------------------------------------- */

#define INTERMEDIATE                                                                      \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                      \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                      \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                      \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
#define DEFAULT_LIST "ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW@STRENGTH"

/* One step: what is asked, what the floor file holds after it, the state
 * it leaves (JSON, "@" for the tree) and a warning it must give ("" none). */
struct step {
	int floor;
	enum cipher_policy ciphers;
	const char *after;
	const char *state;
	const char *warning;
};


/* run_step - status, plan, check, and write the planned files back. */
static void run_step(const struct tree *t, const struct mt_profile *p, json_t *state,
		     const struct step *st, const char *floor_file)
{
	struct mt_service *svc = calloc(1, sizeof(*svc));
	struct plan *pl = calloc(1, sizeof(*pl));
	int found = st->warning[0] == '\0';

	snprintf(svc->name, sizeof(svc->name), "dovecot");
	snprintf(svc->version, sizeof(svc->version), "2.3.19.1");
	snprintf(svc->tls_library, sizeof(svc->tls_library), "openssl");
	plan_and_write(&dovecot_adapter, p, svc, st->floor, st->ciphers, state, pl);
	for (size_t i = 0; i < pl->nwarnings; i++)
		found |= strcmp(pl->warnings[i].code, st->warning) == 0;
	if (!found)
		fail_msg("expected a warning %s", st->warning);
	assert_string_equal(read_text(floor_file), st->after);
	assert_state(state, st->state, t->root);
	plan_free(pl);
	free(pl);
	free(svc);
}

/* run_steps - the steps in a row from a floor file holding first and the
 * service state state (borrowed, updated). The tree's 10-ssl.conf holds
 * the floor (ssl_min_protocol = TLSv1.2). */
static void run_steps(const struct tree *t, const char *first, const struct step *steps, size_t n,
		      json_t *state)
{
	char floor_file[PATH_MAX * 2], conf[PATH_MAX * 2];
	struct mt_profile p;
	struct mt_err err = { 0 };

	write_file(t->root, "conf.d/11-plesk-security-ssl.conf", first);
	path_in(floor_file, sizeof(floor_file), t, "conf.d/11-plesk-security-ssl.conf");
	path_in(conf, sizeof(conf), t, "dovecot.conf");
	assert_int_equal(profile_load_json(&p, json_pack("{s:s, s:s, s:{s:s, s:s}}", "name", "t",
							 "state_dir", "/nonexistent", "dovecot", "config",
							 conf, "floor_file", floor_file), &err), 0);
	for (size_t i = 0; i < n; i++)
		run_step(t, &p, state, &steps[i], floor_file);
	profile_free(&p);
}

/* run_fresh - run_steps from an empty state. */
static void run_fresh(const struct tree *t, const char *first, const struct step *steps, size_t n)
{
	json_t *st = json_object();

	run_steps(t, first, steps, n, st);
	json_decref(st);
}

/* A cipher list of Plesk's: TLSv1, compliance on and off, raise: every
 * step leaves exactly what the one before it had, the last the original. */
static void test_steps_plesk_list(void **state)
{
	static const char first[] = "ssl_cipher_list = HIGH:!aNULL # sslmng\nssl_min_protocol = TLSv1.2\n";
	static const struct step steps[] = {
		{ TLSVER_1_0, CIPHERS_KEEP,
		  "ssl_cipher_list = HIGH:!aNULL:@SECLEVEL=0 # sslmng\nssl_min_protocol = TLSv1\n",
		  "{\"cipher_list\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": \"HIGH:!aNULL\", \"written\": \"HIGH:!aNULL:@SECLEVEL=0\"}]}", "" },
		{ TLSVER_1_2, CIPHERS_STRONG,
		  "ssl_cipher_list = " INTERMEDIATE " # sslmng\nssl_min_protocol = TLSv1.2\n",
		  "{\"cipher_policy\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": \"HIGH:!aNULL\", \"written\": \"" INTERMEDIATE "\"}]}", "" },
		{ TLSVER_1_0, CIPHERS_RESTORE,
		  "ssl_cipher_list = HIGH:!aNULL:@SECLEVEL=0 # sslmng\nssl_min_protocol = TLSv1\n",
		  "{\"cipher_list\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": \"HIGH:!aNULL\", \"written\": \"HIGH:!aNULL:@SECLEVEL=0\"}]}", "" },
		{ TLSVER_1_2, CIPHERS_KEEP, first, "{}", "" },
	};

	if (*state == NULL)
		skip();
	run_fresh(*state, first, steps, sizeof(steps) / sizeof(steps[0]));
}

/* No cipher list anywhere (Dovecot's default): compliance adds one line
 * and disable takes it away again; back to TLSv1 it makes way for the
 * default list with @SECLEVEL=0. */
static void test_steps_default(void **state)
{
	static const char first[] = "ssl_prefer_server_ciphers = yes\n";
	static const struct step steps[] = {
		{ TLSVER_1_2, CIPHERS_STRONG,
		  "ssl_prefer_server_ciphers = yes\nssl_cipher_list = " INTERMEDIATE "\n",
		  "{\"cipher_policy\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": null, \"written\": \"" INTERMEDIATE "\"}]}", "" },
		{ TLSVER_1_2, CIPHERS_RESTORE, first, "{}", "" },
		{ TLSVER_1_2, CIPHERS_STRONG,
		  "ssl_prefer_server_ciphers = yes\nssl_cipher_list = " INTERMEDIATE "\n",
		  "{\"cipher_policy\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": null, \"written\": \"" INTERMEDIATE "\"}]}", "" },
		{ TLSVER_1_0, CIPHERS_RESTORE,
		  "ssl_prefer_server_ciphers = yes\nssl_cipher_list = " DEFAULT_LIST ":@SECLEVEL=0\n",
		  "{\"cipher_list\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": null, \"written\": \"" DEFAULT_LIST ":@SECLEVEL=0\"}]}", "" },
		{ TLSVER_1_2, CIPHERS_KEEP, first, "{}", "" },
	};
	struct tree *t = *state;
	char ssl[PATH_MAX * 2];

	if (t == NULL)
		skip();
	run_fresh(t, first, steps, sizeof(steps) / sizeof(steps[0]));
	assert_string_equal(read_text(path_in(ssl, sizeof(ssl), t, "conf.d/10-ssl.conf")),
			    "ssl_min_protocol = TLSv1.2\n");
}

/* Someone replaced the strong list while compliance was on: disable leaves
 * their list, says so, and forgets the record. */
static void test_steps_restore_drift(void **state)
{
	static const char first[] = "ssl_cipher_list = HIGH:!aNULL\n";
	static const struct step steps[] = {
		{ TLSVER_1_2, CIPHERS_STRONG, "ssl_cipher_list = " INTERMEDIATE "\n",
		  "{\"cipher_policy\": [{\"file\": \"@/conf.d/11-plesk-security-ssl.conf\","
		  " \"previous\": \"HIGH:!aNULL\", \"written\": \"" INTERMEDIATE "\"}]}", "" },
	};
	static const struct step after_edit[] = {
		{ TLSVER_1_2, CIPHERS_RESTORE, "ssl_cipher_list = HIGH\n", "{}", "drift" },
	};
	struct tree *t = *state;
	json_t *st = json_object();

	if (t == NULL)
		skip();
	run_steps(t, first, steps, 1, st);
	run_steps(t, "ssl_cipher_list = HIGH\n", after_edit, 1, st);
	json_decref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comment_at),
		cmocka_unit_test(test_comment_at_bounded),
		cmocka_unit_test(test_last_line),
		cmocka_unit_test_setup_teardown(test_overlay_none, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_overlay_files, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_overlay_main, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_overlay_include_new, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_steps_plesk_list, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_steps_default, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_steps_restore_drift, tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
