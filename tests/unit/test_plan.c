/*
 * test_plan.c - golden cases for the service planners (what `set` writes).
 *
 * usage: test_plan DIR     (e.g. tests/golden/set)
 * Each folder DIR/<case>/ holds:
 *   case.json   {"service", "version", "tls_library"?, "profile": {SERVICE: {...}},
 *                "request": {"service_floor"?: "TLSv1", "endpoints"?: {"imaps": "TLSv1.2"},
 *                            "ciphers"?: "keep"|"intermediate"|"strong"|"legacy"|"restore"},
 *                "state"?: {...}}          "@" in a path = the case's working copy
 *   the configuration files before the change
 *   expected/   every file the change alters, at its path relative to the case
 *               folder (a file not there must stay byte-identical)
 *   expected.json {"error"?: CODE, "warnings"?: [CODE...], "state"?: {...},
 *                  "effective"?: {ROLE: VERSION}}: the planner's error or warnings,
 *               (paths in "state" under the case are written "@/..." on both sides)
 *               the service state it leaves, and what `status` reads back from the
 *               planned files (the proof that the edits mean what was asked)
 * The case is copied to a temporary folder first; nothing in the tree changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapter.h"
#include "atomicfile.h"
#include "model.h"
#include "plan.h"
#include "profile.h"
#include "tlsver.h"

#include "golden.c.inc"


static char work_root[] = "/tmp/mt-plan-XXXXXX";   /* every case's copy, removed at exit */
static unsigned case_seq;


/* copy_tree - cp -a src dst, without a shell. */
static void copy_tree(const char *src, const char *dst)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl("/bin/cp", "cp", "-a", src, dst, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void remove_tree(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
}

static int parse_floor(json_t *v)
{
	int f = v ? tlsver_parse(json_string_value(v)) : TLSVER_NONE;

	assert_true(v == NULL || tlsver_is_version(f));
	return f;
}

static enum cipher_policy parse_ciphers(json_t *v)
{
	const char *s = v ? json_string_value(v) : "keep";

	if (strcmp(s, "intermediate") == 0)
		return CIPHERS_INTERMEDIATE;
	if (strcmp(s, "strong") == 0)
		return CIPHERS_STRONG;
	if (strcmp(s, "legacy") == 0)
		return CIPHERS_LEGACY;
	if (strcmp(s, "restore") == 0)
		return CIPHERS_RESTORE;
	return CIPHERS_KEEP;
}

struct plan_case {
	const struct mt_adapter *a;
	struct mt_profile p;
	struct mt_service svc;
	struct mt_floor_request req;
	json_t *c;
	json_t *state;
	json_t *expected;
	char work[PATH_MAX];
};

/* read_service - status of the working copy into svc. */
static void read_service(struct plan_case *pc)
{
	struct mt_err err = { 0 };
	json_t *c = pc->c;

	memset(&pc->svc, 0, sizeof(pc->svc));
	snprintf(pc->svc.name, sizeof(pc->svc.name), "%s", pc->a->name);
	pc->svc.installed = 1;
	snprintf(pc->svc.version, sizeof(pc->svc.version), "%s",
		 json_string_value(json_object_get(c, "version")) ? json_string_value(json_object_get(c, "version")) : "");
	snprintf(pc->svc.tls_library, sizeof(pc->svc.tls_library), "%s",
		 json_string_value(json_object_get(c, "tls_library")) ? json_string_value(json_object_get(c, "tls_library")) : "");
	if (pc->a->read_status(&pc->p, &pc->svc, &err) != 0)
		fail_msg("%s: read_status: %s %s", pc->work, err.code, err.message);
}

static void load_plan_case(const char *dir, struct plan_case *pc)
{
	char path[PATH_MAX + 32];
	json_t *prof, *req, *eps, *v;
	const char *role;
	struct mt_err err = { 0 };
	struct mt_endpoint *ep;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->work, sizeof(pc->work), "%s/%u", work_root, case_seq++);
	assert_int_equal(mkdir(pc->work, 0755), 0);
	strcat(pc->work, "/case");
	copy_tree(dir, pc->work);
	snprintf(path, sizeof(path), "%s/case.json", pc->work);
	pc->c = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(pc->c);
	pc->a = adapter_find(json_string_value(json_object_get(pc->c, "service")));
	assert_non_null(pc->a);
	prof = json_deep_copy(json_object_get(pc->c, "profile"));
	rewrite_paths(prof, "@", pc->work);
	json_object_set_new(prof, "name", json_string("golden"));
	json_object_set_new(prof, "state_dir", json_string("/nonexistent/state"));
	if (profile_load_json(&pc->p, prof, &err) != 0)
		fail_msg("%s: profile: %s", dir, err.message);
	read_service(pc);
	req = json_object_get(pc->c, "request");
	pc->req.service_floor = parse_floor(json_object_get(req, "service_floor"));
	for (size_t i = 0; i < MT_MAX_ENDPOINTS; i++)
		pc->req.endpoint_floor[i] = TLSVER_NONE;
	eps = json_object_get(req, "endpoints");
	json_object_foreach(eps, role, v) {
		ep = model_find_endpoint(&pc->svc, role);
		if (ep == NULL)
			fail_msg("%s: no endpoint %s", dir, role);
		pc->req.endpoint_floor[ep - pc->svc.endpoints] = parse_floor(v);
	}
	pc->req.ciphers = parse_ciphers(json_object_get(req, "ciphers"));
	pc->state = json_object_get(pc->c, "state") ? json_deep_copy(json_object_get(pc->c, "state"))
						    : json_object();
	rewrite_paths(pc->state, "@", pc->work);
	snprintf(path, sizeof(path), "%s/expected.json", pc->work);
	pc->expected = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (pc->expected == NULL)
		pc->expected = json_object();
}

/* read_whole - a file's bytes (NULL when absent); *len its size. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* check_files - each changed file equals expected/<rel>; write it into the
 * working copy so that status can read it back. */
static void check_files(struct plan_case *pc, struct plan *pl, const char *dir)
{
	char want_path[PATH_MAX * 2];
	const char *rel;
	char *want;
	size_t want_len = 0;
	struct mt_err err = { 0 };

	for (size_t i = 0; i < pl->nfiles; i++) {
		struct plan_file *f = &pl->files[i];

		rel = f->path + strlen(pc->work);
		snprintf(want_path, sizeof(want_path), "%s/expected%s", dir, rel);
		want = read_whole(want_path, &want_len);
		if (!plan_changed(f)) {
			if (want != NULL)
				fail_msg("%s: expected a change of %s, the plan leaves it", dir, rel);
			continue;
		}
		if (want == NULL) {
			print_error("%s: unexpected change of %s:\n%.*s\n", dir, rel, (int)f->after_len, f->after);
			fail_msg("%s: %s changed but has no expected/ copy", dir, rel);
		}
		if (want_len != f->after_len || memcmp(want, f->after, want_len) != 0) {
			print_error("%s: %s\n--- expected\n%.*s\n--- got\n%.*s\n", dir, rel, (int)want_len, want,
				    (int)f->after_len, f->after);
			fail_msg("%s: %s differs from expected", dir, rel);
		}
		free(want);
		assert_int_equal(atomicfile_write(f->path, f->after, f->after_len, 0, 0, 0644, &err), 0);
	}
}

/* check_effective - status of the planned files gives the expected floors. */
static void check_effective(struct plan_case *pc, const char *dir)
{
	json_t *eff = json_object_get(pc->expected, "effective");
	const char *role;
	json_t *v;
	struct mt_endpoint *ep;

	if (eff == NULL)
		return;
	read_service(pc);
	json_object_foreach(eff, role, v) {
		ep = model_find_endpoint(&pc->svc, role);
		if (ep == NULL)
			fail_msg("%s: after the change there is no endpoint %s", dir, role);
		if (strcmp(tlsver_name(ep->effective), json_string_value(v)) != 0)
			fail_msg("%s: after the change %s is effective %s, expected %s", dir, role,
				 tlsver_name(ep->effective), json_string_value(v));
	}
}

static void check_warnings(const struct plan *pl, json_t *want, const char *dir)
{
	size_t i;
	json_t *code;

	json_array_foreach(want, i, code) {
		int found = 0;

		for (size_t w = 0; w < pl->nwarnings; w++)
			found |= strcmp(pl->warnings[w].code, json_string_value(code)) == 0;
		if (!found)
			fail_msg("%s: expected warning %s", dir, json_string_value(code));
	}
}

static void run_case(void **state)
{
	const char *dir = *state;
	struct plan_case *pc = calloc(1, sizeof(*pc));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct mt_err err = { 0 };
	const char *want_error;
	char path_prefix[PATH_MAX + 2];
	int rc;

	load_plan_case(dir, pc);
	want_error = json_string_value(json_object_get(pc->expected, "error"));
	rc = pc->a->plan_floors(&pc->p, &pc->svc, &pc->req, pc->state, pl, &err);
	if (want_error != NULL) {
		if (rc == 0)
			fail_msg("%s: expected error %s, the plan succeeded", dir, want_error);
		assert_string_equal(err.code, want_error);
	} else {
		if (rc != 0)
			fail_msg("%s: plan_floors failed: %s %s", dir, err.code, err.message);
		assert_int_equal(plan_render(pl, &err), 0);
		check_files(pc, pl, dir);
		check_warnings(pl, json_object_get(pc->expected, "warnings"), dir);
		snprintf(path_prefix, sizeof(path_prefix), "%s/", pc->work);
		rewrite_paths(pc->state, path_prefix, "@/");
		if (json_object_get(pc->expected, "state") != NULL &&
		    !json_equal(json_object_get(pc->expected, "state"), pc->state)) {
			char *got = json_dumps(pc->state, JSON_SORT_KEYS);

			fail_msg("%s: state after the plan differs: %s", dir, got);
		}
		check_effective(pc, dir);
	}
	plan_free(pl);
	profile_free(&pc->p);
	json_decref(pc->c);
	json_decref(pc->state);
	json_decref(pc->expected);
	free(pl);
	free(pc);
}

int main(int argc, char **argv)
{
	int rc;

	if (mkdtemp(work_root) == NULL)
		return 1;
	chmod(work_root, 0755);
	rc = golden_run("plan", argc > 1 ? argv[1] : "tests/golden/set", run_case);
	remove_tree(work_root);
	return rc;
}
