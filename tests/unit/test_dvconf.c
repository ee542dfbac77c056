/*
 * test_dvconf.c - the Dovecot configuration parser, table-driven.
 *
 * Text cases: one dovecot.conf text and every assignment the parser must
 * keep, in order, with its section, line and flags. The expected values
 * follow `doveconf -n` on Dovecot 2.3.19 (e.g. `protocols = $protocols imap`
 * after a default of "" gives " imap").
 * Include cases: a small tree written to a temporary directory (root-owned
 * files, as safefile_read demands: skipped when not run as root).
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

#include "dvconf.h"

#define MAX_EXPECT 8
#define MAX_FILES 6

struct want {
	const char *section;
	const char *key;
	const char *value;
	unsigned line;
	int from_file;
	int unresolved;
	const char *file;    /* include cases: path relative to the tree; NULL: main */
};

struct text_case {
	const char *name;
	const char *text;
	int rc;              /* 0, or -1 with io_error */
	struct want want[MAX_EXPECT];
};

/* Defaults as the Dovecot adapter passes them, with Debian's empty protocols. */
static const struct dvconf_default defaults[] = {
	{ "protocols", "" },
	{ "ssl_cipher_list", "ALL:!LOW" },
	{ NULL, NULL },
};

static const struct text_case text_cases[] = {
	{ "assignments", "ssl = yes\nssl_min_protocol=TLSv1.2\n\tssl_cipher_list   =   ALL:!LOW  \n", 0,
	  { { "", "ssl", "yes", 1, 0, 0, NULL }, { "", "ssl_min_protocol", "TLSv1.2", 2, 0, 0, NULL },
	    { "", "ssl_cipher_list", "ALL:!LOW", 3, 0, 0, NULL } } },
	{ "comments", "# a comment\n   # indented\nssl_cipher_list = ALL:!LOW # why\nx = a#b\n", 0,
	  { { "", "ssl_cipher_list", "ALL:!LOW", 3, 0, 0, NULL }, { "", "x", "a", 4, 0, 0, NULL } } },
	{ "quotes", "a = \"x # y\"\nb = 'q'\nc = \"say \\\"hi\\\"\"\nd = \"\"\n", 0,
	  { { "", "a", "x # y", 1, 0, 0, NULL }, { "", "b", "q", 2, 0, 0, NULL },
	    { "", "c", "say \"hi\"", 3, 0, 0, NULL }, { "", "d", "", 4, 0, 0, NULL } } },
	{ "continuation", "ssl_cipher_list = ALL:\\\n    !LOW \\\n  :@SECLEVEL=0\nx = 1\n", 0,
	  { { "", "ssl_cipher_list", "ALL: !LOW :@SECLEVEL=0", 1, 0, 0, NULL },
	    { "", "x", "1", 4, 0, 0, NULL } } },
	{ "comment line drops a pending continuation", "a = 1 \\\n# c\nb = 2\n", 0,
	  { { "", "b", "2", 3, 0, 0, NULL } } },
	{ "sections",
	  "protocol imap {\n  ssl_min_protocol = TLSv1.3\n}\nservice imap-login {\n  inet_listener imaps {\n"
	  "    port = 0\n  }\n}\nssl = yes\n", 0,
	  { { "protocol imap", "ssl_min_protocol", "TLSv1.3", 2, 0, 0, NULL },
	    { "service imap-login/inet_listener imaps", "port", "0", 6, 0, 0, NULL },
	    { "", "ssl", "yes", 9, 0, 0, NULL } } },
	{ "section without a name and a quoted name",
	  "dict {\n}\nlocal_name \"mail.example.com\" {\n  ssl_cert = </etc/x.pem\n}\n", 0,
	  { { "local_name mail.example.com", "ssl_cert", "/etc/x.pem", 4, 1, 0, NULL } } },
	{ "<file is recorded, never read", "ssl_key = <  /etc/dovecot/private/dovecot.key\n", 0,
	  { { "", "ssl_key", "/etc/dovecot/private/dovecot.key", 1, 1, 0, NULL } } },
	{ "$ references (Debian's protocols.d)", "protocols = $protocols imap\nprotocols = $protocols pop3\n", 0,
	  { { "", "protocols", " imap", 1, 0, 0, NULL }, { "", "protocols", " imap pop3", 2, 0, 0, NULL } } },
	{ "$ reference to a default and to another setting",
	  "ssl_cipher_list = $ssl_cipher_list :@SECLEVEL=0\nx = $ssl_cipher_list\n", 0,
	  { { "", "ssl_cipher_list", "ALL:!LOW :@SECLEVEL=0", 1, 0, 0, NULL },
	    { "", "x", "ALL:!LOW :@SECLEVEL=0", 2, 0, 0, NULL } } },
	{ "$ inside a section sees the global value",
	  "x = 1\nprotocol imap {\n  x = $x 2\n}\n", 0,
	  { { "", "x", "1", 1, 0, 0, NULL }, { "protocol imap", "x", "1 2", 3, 0, 0, NULL } } },
	{ "$ only at the start of a token", "ssl_cipher_list = ALL:$foo\n", 0,
	  { { "", "ssl_cipher_list", "ALL:$foo", 1, 0, 0, NULL } } },
	{ "$ in quotes is literal", "x = \"$protocols\"\n", 0, { { "", "x", "$protocols", 1, 0, 0, NULL } } },
	{ "unknown $ reference", "x = $nope y\nz = $ENV:HOME\n", 0,
	  { { "", "x", " y", 1, 0, 1, NULL }, { "", "z", "", 2, 0, 1, NULL } } },
	{ "CRLF and a last line without newline", "a = 1\r\nb = 2", 0,
	  { { "", "a", "1", 1, 0, 0, NULL }, { "", "b", "2", 2, 0, 0, NULL } } },
	{ "value holding '='", "a = b=c\na=\n", 0,
	  { { "", "a", "b=c", 1, 0, 0, NULL }, { "", "a", "", 2, 0, 0, NULL } } },
	{ "missing '='", "ssl_min_protocol TLSv1.2\n", -1, { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "garbage after '{'", "dict { x\n}\n", -1, { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "unexpected '}'", "}\n", -1, { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "missing '}'", "protocol imap {\nx = 1\n", -1, { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "sections nested too deeply",
	  "a {\nb {\nc {\nd {\ne {\nf {\ng {\nh {\ni {\nj {\nk {\nl {\nm {\nn {\no {\np {\nq {\n", -1,
	  { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
};

/* path_join - dst = a "/" b[0..n) (n < 0: all of b); fails the test when
 * it does not fit. */
static void path_join(char *dst, size_t size, const char *a, const char *b, int n)
{
	int len = n < 0 ? snprintf(dst, size, "%s/%s", a, b) : snprintf(dst, size, "%s/%.*s", a, n, b);

	assert_true(len > 0 && (size_t)len < size);
}

static size_t count_want(const struct want *w)
{
	size_t n = 0;

	while (n < MAX_EXPECT && w[n].key != NULL)
		n++;
	return n;
}

/* check_entries - conf holds exactly the wanted assignments; files are
 * compared relative to root (the main file when want->file is NULL). */
static void check_entries(const struct dvconf *conf, const struct want *want, const char *root,
			  const char *main_path)
{
	size_t n = count_want(want);
	char path[PATH_MAX];

	assert_int_equal(conf->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(conf->entries[i].section, want[i].section);
		assert_string_equal(conf->entries[i].key, want[i].key);
		assert_string_equal(conf->entries[i].value, want[i].value);
		assert_int_equal(conf->entries[i].line, want[i].line);
		assert_int_equal(conf->entries[i].from_file, want[i].from_file);
		assert_int_equal(conf->entries[i].unresolved, want[i].unresolved);
		if (want[i].file == NULL)
			assert_string_equal(conf->entries[i].file, main_path);
		else {
			path_join(path, sizeof(path), root, want[i].file, -1);
			assert_string_equal(conf->entries[i].file, path);
		}
	}
}

static void run_text_case(void **state)
{
	const struct text_case *c = *state;
	struct dvconf conf;
	struct mt_err err = { 0 };
	const char *main_path = "/nonexistent/dovecot.conf";
	int rc = dvconf_parse_text(&conf, main_path, c->text, strlen(c->text), defaults, &err);

	assert_int_equal(rc, c->rc);
	if (rc == 0)
		check_entries(&conf, c->want, "", main_path);
	else
		assert_string_equal(err.code, "io_error");
	dvconf_free(&conf);
}

/* ---- include cases (files on disk) ------------------------------------ */

struct file {
	const char *path;    /* relative to the tree */
	const char *text;
};

struct include_case {
	const char *name;
	struct file files[MAX_FILES];   /* files[0] is dovecot.conf */
	int rc;
	const char *code;               /* error code when rc is -1 */
	struct want want[MAX_EXPECT];
};

static const struct include_case include_cases[] = {
	{ "includes in glob order, local.conf last",
	  { { "dovecot.conf", "!include conf.d/*.conf\n!include_try local.conf\nx = 4\n" },
	    { "conf.d/20-b.conf", "x = 2\n" },
	    { "conf.d/10-a.conf", "x = 1\n" },
	    { "local.conf", "\n\nx = 3\n" } },
	  0, NULL,
	  { { "", "x", "1", 1, 0, 0, "conf.d/10-a.conf" }, { "", "x", "2", 1, 0, 0, "conf.d/20-b.conf" },
	    { "", "x", "3", 3, 0, 0, "local.conf" }, { "", "x", "4", 3, 0, 0, NULL } } },
	{ "!include_try of nothing is skipped",
	  { { "dovecot.conf", "!include_try local.conf\n!include_try conf.d/*.conf\nx = 1\n" } },
	  0, NULL, { { "", "x", "1", 3, 0, 0, NULL } } },
	{ "!include of nothing is an error",
	  { { "dovecot.conf", "!include conf.d/*.conf\n" } }, -1, "io_error",
	  { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "include inside a section",
	  { { "dovecot.conf", "protocol imap {\n  !include imap.conf\n}\ny = 2\n" },
	    { "imap.conf", "ssl_min_protocol = TLSv1.3\n" } },
	  0, NULL,
	  { { "protocol imap", "ssl_min_protocol", "TLSv1.3", 1, 0, 0, "imap.conf" },
	    { "", "y", "2", 4, 0, 0, NULL } } },
	{ "relative to the including file",
	  { { "dovecot.conf", "!include conf.d/a.conf\n" },
	    { "conf.d/a.conf", "!include ../other.conf\n" },
	    { "other.conf", "z = 1\n" } },
	  0, NULL, { { "", "z", "1", 1, 0, 0, "conf.d/../other.conf" } } },
	{ "absolute include path",
	  { { "dovecot.conf", "!include_try /nonexistent-mail-tls/*.conf\nx = 1\n" } },
	  0, NULL, { { "", "x", "1", 2, 0, 0, NULL } } },
	{ "recursive include",
	  { { "dovecot.conf", "!include a.conf\n" }, { "a.conf", "!include dovecot.conf\n" } },
	  -1, "io_error", { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
	{ "a section left open by an included file",
	  { { "dovecot.conf", "!include a.conf\n" }, { "a.conf", "protocol imap {\n" } },
	  -1, "io_error", { { NULL, NULL, NULL, 0, 0, 0, NULL } } },
};

static char tree[PATH_MAX];

/* write_file - root/rel with text, mode 0644, parent directories made. */
static void write_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	for (const char *s = strchr(rel, '/'); s != NULL; s = strchr(s + 1, '/')) {
		path_join(path, sizeof(path), root, rel, (int)(s - rel));
		mkdir(path, 0755);
	}
	path_join(path, sizeof(path), root, rel, -1);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
}

/* make_tree - a fresh temporary directory, or skip when not root. */
static void make_tree(void)
{
	if (geteuid() != 0)
		skip();
	snprintf(tree, sizeof(tree), "/tmp/test_dvconf.XXXXXX");
	assert_non_null(mkdtemp(tree));
	assert_int_equal(chmod(tree, 0755), 0);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(void)
{
	if (strncmp(tree, "/tmp/test_dvconf.", 17) == 0)
		nftw(tree, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void run_include_case(void **state)
{
	const struct include_case *c = *state;
	struct dvconf conf;
	struct mt_err err = { 0 };
	char main_path[PATH_MAX];
	int rc;

	make_tree();
	for (size_t i = 0; i < MAX_FILES && c->files[i].path != NULL; i++)
		write_file(tree, c->files[i].path, c->files[i].text);
	path_join(main_path, sizeof(main_path), tree, "dovecot.conf", -1);
	rc = dvconf_load(&conf, main_path, defaults, &err);
	assert_int_equal(rc, c->rc);
	if (rc == 0)
		check_entries(&conf, c->want, tree, main_path);
	else
		assert_string_equal(err.code, c->code);
	dvconf_free(&conf);
	remove_tree();
}

/* A missing main file is "not there" (1), not an error. */
static void test_missing_main(void **state)
{
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	assert_int_equal(dvconf_load(&conf, "/nonexistent-mail-tls/dovecot.conf", defaults, &err), 1);
	assert_int_equal(conf.n, 0);
	dvconf_free(&conf);
}

/* Includes nested deeper than DVCONF_MAX_DEPTH are refused. */
static void test_depth_bound(void **state)
{
	char name[32], text[64];
	char main_path[PATH_MAX];
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	make_tree();
	write_file(tree, "dovecot.conf", "!include f0.conf\n");
	for (int i = 0; i < DVCONF_MAX_DEPTH + 2; i++) {
		snprintf(name, sizeof(name), "f%d.conf", i);
		snprintf(text, sizeof(text), "!include f%d.conf\n", i + 1);
		write_file(tree, name, text);
	}
	path_join(main_path, sizeof(main_path), tree, "dovecot.conf", -1);
	assert_int_equal(dvconf_load(&conf, main_path, defaults, &err), -1);
	assert_non_null(strstr(err.message, "nested too deeply"));
	dvconf_free(&conf);
	remove_tree();
}

/* One pattern matching more than DVCONF_MAX_GLOB files is refused. */
static void test_glob_bound(void **state)
{
	char name[32];
	char main_path[PATH_MAX];
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	make_tree();
	write_file(tree, "dovecot.conf", "!include conf.d/*.conf\n");
	for (int i = 0; i <= DVCONF_MAX_GLOB; i++) {
		snprintf(name, sizeof(name), "conf.d/%03d.conf", i);
		write_file(tree, name, "x = 1\n");
	}
	path_join(main_path, sizeof(main_path), tree, "dovecot.conf", -1);
	assert_int_equal(dvconf_load(&conf, main_path, defaults, &err), -1);
	assert_non_null(strstr(err.message, "too many files"));
	dvconf_free(&conf);
	remove_tree();
}

/* An included symlink is refused (safefile), never followed. */
static void test_symlink_refused(void **state)
{
	char main_path[PATH_MAX], target[PATH_MAX], link[PATH_MAX];
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	make_tree();
	write_file(tree, "dovecot.conf", "!include local.conf\n");
	write_file(tree, "real.conf", "x = 1\n");
	path_join(target, sizeof(target), tree, "real.conf", -1);
	path_join(link, sizeof(link), tree, "local.conf", -1);
	assert_int_equal(symlink(target, link), 0);
	path_join(main_path, sizeof(main_path), tree, "dovecot.conf", -1);
	assert_int_equal(dvconf_load(&conf, main_path, defaults, &err), -1);
	assert_string_equal(err.code, "unsafe_file");
	dvconf_free(&conf);
	remove_tree();
}

/* $ expansion cannot grow a value past DVCONF_MAX_LINE. */
static void test_expansion_bound(void **state)
{
	char *text = malloc(4096);
	size_t len = 0;
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, 4096, "x = %0200d\n", 0);
	for (int i = 0; i < 12; i++)
		len += (size_t)snprintf(text + len, 4096 - len, "x = $x $x\n");
	assert_int_equal(dvconf_parse_text(&conf, "/x/dovecot.conf", text, len, defaults, &err), -1);
	assert_non_null(strstr(err.message, "too long"));
	dvconf_free(&conf);
	free(text);
}

/* A logical line longer than DVCONF_MAX_LINE is refused. */
static void test_line_bound(void **state)
{
	size_t n = DVCONF_MAX_LINE + 8;
	char *text = malloc(n + 8);
	struct dvconf conf;
	struct mt_err err = { 0 };

	(void)state;
	assert_non_null(text);
	memcpy(text, "x = ", 4);
	memset(text + 4, 'a', n);
	assert_int_equal(dvconf_parse_text(&conf, "/x/dovecot.conf", text, n + 4, defaults, &err), -1);
	dvconf_free(&conf);
	free(text);
}

/* Hostile bytes never crash the parser (run under valgrind / ASan). */
static void test_random(void **state)
{
	static const char alphabet[] = "ab_= {}\"'\\#$<\n\t!protocl";
	char text[96];
	unsigned seed = 4242;
	struct mt_err err;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct dvconf conf;
		size_t n = (size_t)(round % (int)sizeof(text));

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		/* "!include" cannot form from this alphabet's random runs often;
		 * when it does, it globs under /nonexistent and finds nothing. */
		(void)dvconf_parse_text(&conf, "/nonexistent-mail-tls/dovecot.conf", text, n, defaults, &err);
		dvconf_free(&conf);
	}
}

int main(void)
{
	enum { NTEXT = sizeof(text_cases) / sizeof(text_cases[0]) };
	enum { NINC = sizeof(include_cases) / sizeof(include_cases[0]) };
	struct CMUnitTest tests[NTEXT + NINC + 8];
	size_t n = 0;

	for (size_t i = 0; i < NTEXT; i++)
		tests[n++] = (struct CMUnitTest){ text_cases[i].name, run_text_case, NULL, NULL,
						  (void *)&text_cases[i] };
	for (size_t i = 0; i < NINC; i++)
		tests[n++] = (struct CMUnitTest){ include_cases[i].name, run_include_case, NULL, NULL,
						  (void *)&include_cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_main);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_depth_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_glob_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_symlink_refused);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_expansion_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_line_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_random);
	return _cmocka_run_group_tests("dvconf", tests, n, NULL, NULL);
}
