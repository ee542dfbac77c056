/*
 * test_golden.c - golden cases for the service readers.
 *
 * usage: test_golden DIR     (e.g. tests/golden/status)
 * Each folder DIR/<case>/ holds:
 *   case.json      {"service": NAME, "version": "...", "tls_library"?: "...",
 *                   "profile": {NAME: {...}}}   "@" in a path = the case folder
 *   the configuration files the profile names
 *   expected.json  what the reader reports: the service's entry of a status
 *                  reply (model_status_json), with the case folder written "@"
 * MT_GOLDEN_UPDATE=1 rewrites expected.json from the reader's output: only
 * for drafting a new case, whose every value must then be checked by hand.
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

#include "adapter.h"
#include "model.h"
#include "profile.h"

#include "golden.c.inc"




/* load_case - the profile of a case, "@" expanded; fills svc's header. */
static const struct mt_adapter *load_case(const char *dir, struct mt_profile *p, struct mt_service *svc)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *c, *prof;
	const char *name;
	const struct mt_adapter *a;
	struct mt_err err = { 0 };

	snprintf(path, sizeof(path), "%s/case.json", dir);
	c = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (c == NULL)
		fail_msg("%s: %s", path, jerr.text);
	name = json_string_value(json_object_get(c, "service"));
	a = name ? adapter_find(name) : NULL;
	assert_non_null(a);
	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	svc->installed = 1;
	snprintf(svc->version, sizeof(svc->version), "%s",
		 json_string_value(json_object_get(c, "version")) ?: "");
	snprintf(svc->tls_library, sizeof(svc->tls_library), "%s",
		 json_string_value(json_object_get(c, "tls_library")) ?: "");
	prof = json_deep_copy(json_object_get(c, "profile"));
	rewrite_paths(prof, "@", dir);
	json_object_set_new(prof, "name", json_string("golden"));
	json_object_set_new(prof, "state_dir", json_string("/nonexistent/state"));
	if (profile_load_json(p, prof, &err) != 0)
		fail_msg("%s: profile: %s", dir, err.message);
	json_decref(c);
	return a;
}

static void run_case(void **state)
{
	const char *dir = *state;
	struct mt_profile p = { 0 };
	struct mt_service *svc = calloc(1, sizeof(*svc));
	struct mt_err err = { 0 };
	const struct mt_adapter *a = load_case(dir, &p, svc);
	char path[PATH_MAX], dirslash[PATH_MAX];
	json_t *got, *want;
	char *got_text, *want_text;

	if (a->read_status(&p, svc, &err) != 0)
		fail_msg("%s: read_status failed: %s %s", dir, err.code, err.message);
	got = model_status_json(svc);
	snprintf(dirslash, sizeof(dirslash), "%s/", dir);
	rewrite_paths(got, dirslash, "@/");
	snprintf(path, sizeof(path), "%s/expected.json", dir);
	if (getenv("MT_GOLDEN_UPDATE") != NULL)
		json_dump_file(got, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	want = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_equal(got, want)) {
		got_text = json_dumps(got, JSON_INDENT(2) | JSON_SORT_KEYS);
		want_text = want ? json_dumps(want, JSON_INDENT(2) | JSON_SORT_KEYS) : strdup("(none)");
		print_error("%s\n--- expected\n%s\n--- got\n%s\n", dir, want_text, got_text);
		free(got_text);
		free(want_text);
		fail_msg("%s: reader output differs from expected.json", dir);
	}
	json_decref(got);
	json_decref(want);
	profile_free(&p);
	free(svc);
}

int main(int argc, char **argv)
{
	return golden_run("golden", argc > 1 ? argv[1] : "tests/golden/status", run_case);
}
