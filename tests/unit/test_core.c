/*
 * test_core.c - the helper's core modules: the version model, profile
 * validation, trusted-file rules and spawning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "safefile.h"
#include "spawn.h"
#include "tlsver.h"

static void test_tlsver(void **state)
{
	static const struct { const char *name; int v; } cases[] = {
		{ "TLSv1", TLSVER_1_0 }, { "TLSv1.1", TLSVER_1_1 }, { "TLSv1.2", TLSVER_1_2 },
		{ "TLSv1.3", TLSVER_1_3 }, { "SSLv3", TLSVER_ERR_SSLV3 }, { "tlsv1.2", TLSVER_ERR_INVALID },
		{ "TLSv1.0", TLSVER_ERR_INVALID }, { "", TLSVER_ERR_INVALID }, { "TLSv1.2 ", TLSVER_ERR_INVALID },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tlsver_parse(cases[i].name), cases[i].v);
		if (cases[i].v >= 0)
			assert_string_equal(tlsver_name(cases[i].v), cases[i].name);
	}
	assert_string_equal(tlsver_name(TLSVER_NONE), "none");
	assert_true(TLSVER_1_0 < TLSVER_1_1 && TLSVER_1_2 < TLSVER_1_3);
}

#define BASE "\"name\": \"t\", \"state_dir\": \"/var/lib/mail-tls\""

static const struct { const char *json; int ok; } profile_cases[] = {
	{ "{" BASE "}", 1 },
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/etc/postfix\"}}", 1 },
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"etc/postfix\"}}", 0 },          /* relative */
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/etc/../tmp\"}}", 0 },          /* .. */
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/etc/./postfix\"}}", 0 },       /* . */
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/etc//postfix\"}}", 0 },        /* empty component */
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/etc/post\\nfix\"}}", 0 },      /* control char */
	{ "{" BASE ", \"postfix\": {}}", 0 },                                          /* required key */
	{ "{" BASE ", \"postfix\": {\"config_dir\": \"/e\", \"colour\": 1}}", 0 },    /* unknown key */
	{ "{" BASE ", \"unknown\": 1}", 0 },
	{ "{\"name\": \"t\"}", 0 },                                                    /* no state_dir */
	{ "{" BASE ", \"dovecot\": {\"config\": \"/d\", \"reload\": [\"doveadm\", \"reload\"]}}", 0 }, /* argv[0] relative */
	{ "{" BASE ", \"dovecot\": {\"config\": \"/d\", \"reload\": [\"/usr/bin/doveadm\", \"reload\"]}}", 1 },
	{ "{" BASE ", \"dovecot\": {\"config\": \"/d\", \"stop\": [[\"/a\"], [\"/b\", \"x\"]]}}", 1 },
	{ "{" BASE ", \"dovecot\": {\"config\": \"/d\", \"stop\": []}}", 0 },
	{ "{" BASE ", \"endpoints\": {\"postfix/smtp\": {\"host\": \"127.0.0.1\", \"port\": 25}}}", 1 },
	{ "{" BASE ", \"endpoints\": {\"postfix/smtp\": {\"hosts\": [{\"host\": \"::1\", \"port\": 25}], \"sni\": \"mail.test\"}}}", 1 },
	{ "{" BASE ", \"endpoints\": {\"postfix/smtp\": {\"host\": \"127.0.0.1\", \"port\": 0}}}", 0 },
	{ "{" BASE ", \"endpoints\": {\"postfix/smtp\": {\"host\": \"a b\", \"port\": 25}}}", 0 },
	{ "{" BASE ", \"endpoints\": {\"postfix/bogus\": {\"host\": \"127.0.0.1\", \"port\": 25}}}", 0 },
	{ "{" BASE ", \"endpoints\": {\"postfix/smtp\": {\"host\": \"127.0.0.1\", \"port\": 25, \"x\": 1}}}", 0 },
};

static void test_profile_validation(void **state)
{
	struct mt_profile p;
	struct mt_err err;
	json_t *root;

	(void)state;
	for (size_t i = 0; i < sizeof(profile_cases) / sizeof(profile_cases[0]); i++) {
		root = json_loads(profile_cases[i].json, 0, NULL);
		assert_non_null(root);
		memset(&err, 0, sizeof(err));
		if (profile_load_json(&p, root, &err) == 0) {
			if (!profile_cases[i].ok)
				fail_msg("accepted: %s", profile_cases[i].json);
			profile_free(&p);
		} else {
			if (profile_cases[i].ok)
				fail_msg("refused: %s: %s", profile_cases[i].json, err.message);
			assert_string_equal(err.code, "bad_profile");
		}
	}
}

static void test_builtin_profiles(void **state)
{
	struct mt_profile p;
	struct mt_err err;

	(void)state;
	assert_int_equal(profile_load_builtin(&p, "plesk", &err), 0);
	assert_string_equal(profile_str(&p, "postfix", "config_dir"), "/etc/postfix");
	assert_string_equal(profile_str(&p, "postfix", "postconf"), "/usr/sbin/postconf");
	assert_int_equal(profile_endpoint_port(&p, "dovecot/imaps"), 993);
	profile_free(&p);
	assert_int_equal(profile_load_builtin(&p, "debian", &err), 0);
	assert_string_equal(profile_str(&p, "courier", "imapd_ssl"), "/etc/courier/imapd-ssl");
	profile_free(&p);
	assert_int_equal(profile_load_builtin(&p, "gentoo", &err), -1);
}

/* make_file - a file under dir with mode; returns its path in buf. */
static const char *make_file(const char *dir, const char *name, mode_t mode, char *buf, size_t n)
{
	int fd;

	snprintf(buf, n, "%s/%s", dir, name);
	fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}\n", 3), 3);
	close(fd);
	chmod(buf, mode);
	return buf;
}

static void test_safefile_rules(void **state)
{
	char dir[] = "/tmp/mt-core-XXXXXX";
	char ok[256], gw[256], sym[300], hard[300];
	struct safefile f;
	struct mt_err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	make_file(dir, "ok", 0644, ok, sizeof(ok));
	make_file(dir, "gw", 0664, gw, sizeof(gw));
	snprintf(sym, sizeof(sym), "%s/link", dir);
	assert_int_equal(symlink(ok, sym), 0);
	assert_int_equal(safefile_read(ok, &f, &err), 0);
	assert_int_equal(f.len, 3);
	safefile_free(&f);
	assert_int_equal(safefile_read(gw, &f, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	assert_int_equal(safefile_read(sym, &f, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	snprintf(hard, sizeof(hard), "%s/hard", dir);
	assert_int_equal(link(ok, hard), 0);
	assert_int_equal(safefile_read(ok, &f, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	assert_int_equal(safefile_read("/nonexistent/x", &f, &err), 1);
	/* parents: /tmp is sticky and accepted; a group-writable parent is not */
	assert_int_equal(safefile_check_parents(ok, &err), 0);
	chmod(dir, 0775);
	assert_int_equal(safefile_check_parents(ok, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	unlink(ok), unlink(gw), unlink(sym), unlink(hard), rmdir(dir);
}

static void test_spawn_capture_and_env(void **state)
{
	char *const argv[] = { "/usr/bin/env", NULL };
	char *const rel[] = { "env", NULL };
	struct spawn_result res;
	struct mt_err err;

	(void)state;
	setenv("MT_SECRET", "leak", 1);
	assert_int_equal(spawn_run(argv, SPAWN_CAPTURE, 5000, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	assert_non_null(strstr(res.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
	assert_null(strstr(res.out, "MT_SECRET"));
	assert_int_equal(spawn_run(rel, SPAWN_CAPTURE, 5000, &res, &err), -1);
}

/* A silent child is killed at its deadline: the bound proves the wait ends
 * (generous margin: 200 ms asked, 5 s allowed). */
static void test_spawn_timeout_kills(void **state)
{
	char *const argv[] = { "/bin/sleep", "30", NULL };
	struct spawn_result res;
	struct mt_err err;

	(void)state;
	assert_int_equal(spawn_run(argv, SPAWN_DISCARD, 200, &res, &err), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_code, -1);
	assert_true(res.ms < 5000);
}

static void test_spawn_output_capped(void **state)
{
	char *const argv[] = { "/usr/bin/seq", "100000", NULL };
	struct spawn_result res;
	struct mt_err err;

	(void)state;
	assert_int_equal(spawn_run(argv, SPAWN_CAPTURE, 5000, &res, &err), 0);
	assert_int_equal(res.out_len, SPAWN_OUTPUT_MAX - 1);
	assert_int_equal(strlen(res.out), SPAWN_OUTPUT_MAX - 1);
}

/* A caller that ignores SIGCHLD must not turn a failing command into a
 * success (waitpid then loses the status). */
static void test_spawn_sigchld_ignored(void **state)
{
	char *const argv[] = { "/bin/false", NULL };
	struct spawn_result res;
	struct mt_err err;

	(void)state;
	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(spawn_run(argv, SPAWN_DISCARD, 5000, &res, &err), 0);
	signal(SIGCHLD, SIG_DFL);
	assert_int_not_equal(res.exit_code, 0);
}

/* A program someone else could have written is never run as root. */
static void test_spawn_refuses_untrusted_binary(void **state)
{
	char path[] = "/tmp/mt-core-bin-XXXXXX";
	char *const argv[] = { path, NULL };
	struct spawn_result res;
	struct mt_err err = { 0 };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 18), 18);
	close(fd);
	chmod(path, 0777);
	assert_int_equal(spawn_run(argv, SPAWN_DISCARD, 5000, &res, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	chmod(path, 0755);
	memset(&err, 0, sizeof(err));
	assert_int_equal(spawn_run(argv, SPAWN_DISCARD, 5000, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	unlink(path);
}

static void test_utf8_clean(void **state)
{
	char s[] = "ok \xc3\xa9 bad \xff cut \xe2\x82";

	(void)state;
	mt_utf8_clean(s);
	assert_string_equal(s, "ok \xc3\xa9 bad ? cut ??");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsver),
		cmocka_unit_test(test_profile_validation),
		cmocka_unit_test(test_builtin_profiles),
		cmocka_unit_test(test_safefile_rules),
		cmocka_unit_test(test_spawn_capture_and_env),
		cmocka_unit_test(test_spawn_timeout_kills),
		cmocka_unit_test(test_spawn_output_capped),
		cmocka_unit_test(test_spawn_sigchld_ignored),
		cmocka_unit_test(test_spawn_refuses_untrusted_binary),
		cmocka_unit_test(test_utf8_clean),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
