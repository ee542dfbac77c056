/*
 * test_txncore.c - the pieces a change is made of: line edits and their
 * rendering, unified diffs, the lock, the journal and crash recovery.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "diff.h"
#include "journal.h"
#include "lock.h"
#include "plan.h"
#include "state.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/mt-txncore-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	chmod(dir, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s", dir);
	if (fork() == 0) {
		execl("/bin/rm", "rm", "-rf", cmd, (char *)NULL);
		_exit(127);
	}
	wait(NULL);
	return 0;
}

static const char *write_text(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	struct mt_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(atomicfile_write(path, text, strlen(text), 0, 0, mode, &err), 0);
	return path;
}

/* render_one - plan one file with edits, return its new text (static). */
static const char *render(struct plan *pl)
{
	struct mt_err err;

	assert_int_equal(plan_render(pl, &err), 0);
	return pl->files[0].after;
}

static void test_plan_edits(void **state)
{
	struct plan pl = { 0 };
	struct mt_err err;
	struct plan_file *f;
	const char *path = write_text("a.conf", "# c\nkey = 1\n  cont\nother = 2\n", 0640);
	size_t len;

	(void)state;
	f = plan_file(&pl, "svc", path, &err);
	assert_non_null(f);
	assert_true(f->existed);
	assert_int_equal(plan_line(f, 3, &len)[0], ' ');
	assert_int_equal(len, 6);
	assert_int_equal(plan_replace(f, 2, 2, "key = 3\n", &err), 0);
	assert_int_equal(plan_insert_after(f, 0, "# top\n", &err), 0);
	assert_int_equal(plan_insert_after(f, 4, "after = x\n", &err), 0);
	assert_int_equal(plan_append(f, "new = y\n", &err), 0);
	assert_int_equal(plan_replace(f, 3, 1, "x\n", &err), -1);        /* overlaps 2..3 */
	assert_int_equal(plan_append(f, "bad\001\n", &err), -1);          /* control char */
	assert_string_equal(render(&pl), "# top\n# c\nkey = 3\nother = 2\nafter = x\nnew = y\n");
	assert_true(plan_changed(f));
	assert_ptr_equal(plan_file(&pl, "svc", path, &err), f);          /* loaded once */
	plan_free(&pl);
}

static void test_plan_no_final_newline_and_new_file(void **state)
{
	struct plan pl = { 0 };
	struct mt_err err;
	struct plan_file *f;
	char path[128];

	(void)state;
	f = plan_file(&pl, "svc", write_text("b.conf", "a = 1\nb = 2", 0644), &err);
	assert_int_equal(plan_replace(f, 1, 1, "a = 9\n", &err), 0);
	assert_string_equal(render(&pl), "a = 9\nb = 2");
	plan_free(&pl);
	f = plan_file(&pl, "svc", write_text("c.conf", "a = 1", 0644), &err);
	assert_int_equal(plan_append(f, "b = 2\n", &err), 0);
	assert_string_equal(render(&pl), "a = 1\nb = 2\n");
	plan_free(&pl);
	snprintf(path, sizeof(path), "%s/new.conf", dir);
	f = plan_file(&pl, "svc", path, &err);
	assert_non_null(f);
	assert_false(f->existed);
	assert_int_equal(plan_append(f, "x = 1\n", &err), 0);
	assert_string_equal(render(&pl), "x = 1\n");
	assert_true(plan_changed(f));
	plan_free(&pl);
}

static void test_diff(void **state)
{
	char *d = diff_unified("f", "a\nb\nc\n", 6, "a\nB\nc\n", 6);

	(void)state;
	assert_string_equal(d, "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	free(d);
	d = diff_unified("f", "a\n", 2, "a\n", 2);
	assert_string_equal(d, "");
	free(d);
	d = diff_unified("f", "", 0, "x\n", 2);
	assert_string_equal(d, "--- f\n+++ f\n@@ -0,0 +1,1 @@\n+x\n");
	free(d);
}

/* A second lock on the same state directory waits, then answers busy. */
static void test_lock_busy(void **state)
{
	char sd[128];
	struct mt_err err = { 0 };
	int a, b;

	(void)state;
	snprintf(sd, sizeof(sd), "%s/state", dir);
	a = lock_acquire(sd, 1000, &err);
	assert_true(a >= 0);
	b = lock_acquire(sd, 100, &err);
	assert_int_equal(b, -1);
	assert_string_equal(err.code, "busy");
	lock_release(a);
	b = lock_acquire(sd, 100, &err);
	assert_true(b >= 0);
	lock_release(b);
}

/* A change interrupted after its write is undone by journal_recover:
 * the file's bytes, owner and mode come back; a created file goes away. */
static void test_journal_recover(void **state)
{
	char sd[128], created[128];
	struct plan pl = { 0 };
	struct mt_err err = { 0 };
	struct journal j;
	struct plan_file *f, *g;
	const char *path = write_text("d.conf", "keep me\nfloor = 1\n", 0640);
	json_t *services = NULL, *record = json_pack("{s:s, s:s}", "action", "set", "actor", "t");
	struct stat st;
	char buf[64] = { 0 };
	int fd;

	(void)state;
	snprintf(sd, sizeof(sd), "%s/jstate", dir);
	snprintf(created, sizeof(created), "%s/created.conf", dir);
	assert_int_equal(atomicfile_mkdir(sd, 0700, &err), 0);
	f = plan_file(&pl, "dovecot", path, &err);
	assert_int_equal(plan_replace(f, 2, 1, "floor = 2\n", &err), 0);
	g = plan_file(&pl, "dovecot", created, &err);
	assert_int_equal(plan_append(g, "new\n", &err), 0);
	assert_int_equal(plan_render(&pl, &err), 0);
	assert_int_equal(journal_begin(sd, &pl, record, &j, &err), 0);
	/* the "crash": both files written, the entry still open */
	assert_int_equal(atomicfile_write(path, f->after, f->after_len, 0, 0, 0640, &err), 0);
	assert_int_equal(atomicfile_write(created, g->after, g->after_len, 0, 0, 0644, &err), 0);
	journal_free(&j);
	assert_int_equal(journal_recover(sd, &services, &err), 1);
	assert_int_equal(json_array_size(services), 2);
	fd = open(path, O_RDONLY);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_string_equal(buf, "keep me\nfloor = 1\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(access(created, F_OK), -1);
	json_decref(services);
	assert_int_equal(journal_recover(sd, &services, &err), 0);   /* nothing open any more */
	json_decref(services);
	json_decref(record);
	plan_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_edits),
		cmocka_unit_test(test_plan_no_final_newline_and_new_file),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_lock_busy),
		cmocka_unit_test(test_journal_recover),
	};

	return cmocka_run_group_tests_name("txncore", tests, setup, teardown);
}
