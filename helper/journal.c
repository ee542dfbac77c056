/*
 * journal.c - change records and crash recovery. Must never: let a file be
 * written before its original is safely on disk, or restore over a file
 * through a symlink.
 */
#define _GNU_SOURCE
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "atomicfile.h"
#include "hash.h"
#include "safefile.h"
#include "state.h"

/* now_rfc3339 - the current UTC time with nanoseconds, so that the
 * journal's order is the order of the changes:
 * 2026-11-30T04:35:31.123456789Z. */
static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char secs[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", secs, ts.tv_nsec);
}

/* write_manifest - j->manifest to j->dir/manifest.json, atomically. */
static int write_manifest(struct journal *j, struct mt_err *err)
{
	char path[JOURNAL_DIR_MAX + 16];
	char *text = json_dumps(j->manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;

	snprintf(path, sizeof(path), "%s/manifest.json", j->dir);
	rc = atomicfile_write(path, text, strlen(text), 0, 0, 0600, err);
	free(text);
	return rc;
}

/* file_entry - new reference: the manifest entry of plan file f (index i),
 * saving its original bytes to i.orig. */
static json_t *file_entry(struct journal *j, const struct plan_file *f, size_t i,
			  struct mt_err *err)
{
	char orig[JOURNAL_DIR_MAX + 32], name[32], before[HASH_HEX_LEN], after[HASH_HEX_LEN];

	snprintf(name, sizeof(name), "%zu.orig", i);
	snprintf(orig, sizeof(orig), "%s/%s", j->dir, name);
	hash_sha256_hex(f->before.data ? f->before.data : "", f->before.len, before);
	hash_sha256_hex(f->after ? f->after : "", f->after_len, after);
	if (f->existed &&
	    atomicfile_write(orig, f->before.data, f->before.len, 0, 0, 0600, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:s, s:s, s:b, s:s?}", "path", f->path,
			 "service", f->service, "existed", f->existed, "uid",
			 (json_int_t)(f->existed ? f->before.st.st_uid : 0), "gid",
			 (json_int_t)(f->existed ? f->before.st.st_gid : 0), "mode",
			 (json_int_t)(f->existed ? (f->before.st.st_mode & 07777) : 0644),
			 "sha256_before", before, "sha256_after", f->remove ? "" : after, "removed",
			 f->remove, "orig", f->existed ? name : NULL);
}

int journal_begin(const char *state_dir, const struct plan *pl, json_t *record,
		  struct journal *j, struct mt_err *err)
{
	char changes[MT_PATH_MAX + 16], when[48];
	uuid_t id;
	json_t *files = json_array();
	json_t *entry;

	memset(j, 0, sizeof(*j));
	uuid_generate_random(id);
	uuid_unparse_lower(id, j->change_id);
	snprintf(changes, sizeof(changes), "%s/changes", state_dir);
	snprintf(j->dir, sizeof(j->dir), "%s/%s", changes, j->change_id);
	if (atomicfile_mkdir(changes, 0700, err) != 0 || atomicfile_mkdir(j->dir, 0700, err) != 0)
		goto fail;
	for (size_t i = 0; i < pl->nfiles; i++) {
		if (!plan_changed(&pl->files[i]))
			continue;
		entry = file_entry(j, &pl->files[i], i, err);
		if (entry == NULL)
			goto fail;
		json_array_append_new(files, entry);
	}
	now_rfc3339(when, sizeof(when));
	j->manifest = json_deep_copy(record);
	json_object_set_new(j->manifest, "change_id", json_string(j->change_id));
	json_object_set_new(j->manifest, "time", json_string(when));
	json_object_set_new(j->manifest, "state", json_string("open"));
	json_object_set_new(j->manifest, "files", files);
	return write_manifest(j, err);
fail:
	json_decref(files);
	return -1;
}

/* journal_finish - close the entry: the manifest says state, then the
 * marker file "closed" (holding state) is written after it. The marker lets
 * recovery pass over the entry should its manifest be damaged later; it is
 * best effort (a full disk): the manifest alone still says closed. */
int journal_finish(struct journal *j, const char *state, json_t *fields, struct mt_err *err)
{
	char marker[JOURNAL_DIR_MAX + 16];
	struct mt_err ignored;

	json_object_set_new(j->manifest, "state", json_string(state));
	if (fields != NULL) {
		json_object_update(j->manifest, fields);
		json_decref(fields);
	}
	if (write_manifest(j, err) != 0)
		return -1;
	snprintf(marker, sizeof(marker), "%s/closed", j->dir);
	atomicfile_write(marker, state, strlen(state), 0, 0, 0600, &ignored);
	return 0;
}

void journal_free(struct journal *j)
{
	json_decref(j->manifest);
	j->manifest = NULL;
}

/* valid_id - a change id as uuid_unparse_lower writes it. */
static int valid_id(const char *id)
{
	uuid_t u;

	return strlen(id) == 36 && uuid_parse(id, u) == 0;
}

/* load_manifest - new reference: changes/<id>/manifest.json, or NULL. A
 * manifest that exists but cannot be trusted or parsed sets err (unsafe_file)
 * when err is not NULL; a missing one (a change that died before writing
 * it, having written no file) does not. */
static json_t *load_manifest(const char *state_dir, const char *id, struct mt_err *err)
{
	char path[JOURNAL_DIR_MAX + 16];
	struct safefile f;
	struct mt_err scratch;
	json_t *m = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/changes/%s/manifest.json", state_dir, id);
	rc = safefile_read(path, &f, err ? err : &scratch);
	if (rc != 0)
		return NULL;
	m = json_loadb(f.data, f.len, JSON_REJECT_DUPLICATES, NULL);
	safefile_free(&f);
	if (!json_is_object(m)) {
		json_decref(m);
		if (err != NULL)
			mt_err_set(err, "unsafe_file", "%s is not a JSON object: the journal was damaged",
				   path);
		return NULL;
	}
	return m;
}

json_t *journal_load(const char *state_dir, const char *change_id, struct mt_err *err)
{
	json_t *m = valid_id(change_id) ? load_manifest(state_dir, change_id, NULL) : NULL;

	if (m == NULL)
		mt_err_set(err, "unknown_change", "no change \"%.40s\" in the journal", change_id);
	return m;
}

/* newest_first - manifests by time, then id, descending. */
static int newest_first(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	int c = strcmp(json_string_value(json_object_get(*y, "time")) ?: "",
		       json_string_value(json_object_get(*x, "time")) ?: "");

	if (c != 0)
		return c;
	return strcmp(json_string_value(json_object_get(*y, "change_id")) ?: "",
		      json_string_value(json_object_get(*x, "change_id")) ?: "");
}

/* marked_closed - changes/<id>/closed, which journal_finish writes once the
 * manifest says committed or undone, is there and trusted (safefile). */
static int marked_closed(const char *state_dir, const char *id)
{
	char path[JOURNAL_DIR_MAX + 16];
	struct safefile f;
	struct mt_err ignored;

	snprintf(path, sizeof(path), "%s/changes/%s/closed", state_dir, id);
	if (safefile_read(path, &f, &ignored) != 0)
		return 0;
	safefile_free(&f);
	return 1;
}

/* list_entries - new reference: every manifest that can be read, newest
 * first; damaged or untrusted ones are left out. With err, such a one that
 * is not marked closed (it may be an interrupted change, which recovery
 * must not pass over) ends the listing: NULL with unsafe_file or io_error. */
static json_t *list_entries(const char *state_dir, struct mt_err *err)
{
	char dir[MT_PATH_MAX + 16];
	json_t *items[4 * JOURNAL_KEEP];
	size_t n = 0;
	json_t *list = json_array();
	struct mt_err why = { 0 };
	struct dirent *e;
	DIR *d;
	const char *bad = NULL;

	snprintf(dir, sizeof(dir), "%s/changes", state_dir);
	d = opendir(dir);
	while (!bad && d != NULL && (e = readdir(d)) != NULL && n < sizeof(items) / sizeof(items[0])) {
		if (!valid_id(e->d_name))
			continue;
		why.code = NULL;
		items[n] = load_manifest(state_dir, e->d_name, &why);
		if (items[n] != NULL)
			n++;
		else if (why.code != NULL && err != NULL && !marked_closed(state_dir, e->d_name))
			bad = why.code;
	}
	if (bad)
		mt_err_set(err, bad, "%s (an entry not marked closed may be an interrupted change: "
			   "check it, then remove %s/%s by hand)", why.message, dir, e->d_name);
	if (d != NULL)
		closedir(d);
	qsort(items, n, sizeof(items[0]), newest_first);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, items[i]);
	if (bad) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *journal_list(const char *state_dir)
{
	return list_entries(state_dir, NULL);
}

int journal_original(const char *state_dir, const char *change_id, json_t *file,
		     struct safefile *f, struct mt_err *err)
{
	char path[JOURNAL_DIR_MAX + 32], hex[HASH_HEX_LEN];
	const char *orig = json_string_value(json_object_get(file, "orig"));
	json_t *want = json_object_get(file, "sha256_before");

	memset(f, 0, sizeof(*f));
	if (orig == NULL || strchr(orig, '/') != NULL) {
		mt_err_set(err, "internal", "journal entry %s has no original for %s", change_id,
			   json_string_value(json_object_get(file, "path")));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/changes/%s/%s", state_dir, change_id, orig);
	if (safefile_read(path, f, err) != 0) {
		if (err->code == NULL)
			mt_err_set(err, "io_error", "the journal lost %s", path);
		return -1;
	}
	hash_sha256_hex(f->data, f->len, hex);
	if (!json_is_string(want) || strcmp(hex, json_string_value(want)) != 0) {
		mt_err_set(err, "unsafe_file", "%s does not hold the bytes its manifest recorded "
			   "(sha256_before): the journal was tampered with", path);
		safefile_free(f);
		return -1;
	}
	return 0;
}

int journal_restore_file(const char *state_dir, const char *change_id, json_t *file,
			 struct mt_err *err)
{
	const char *path = json_string_value(json_object_get(file, "path"));
	struct safefile orig;
	int rc;

	if (!json_is_true(json_object_get(file, "existed")))
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	if (journal_original(state_dir, change_id, file, &orig, err) != 0)
		return -1;
	rc = atomicfile_write(path, orig.data, orig.len,
			      (uid_t)json_integer_value(json_object_get(file, "uid")),
			      (gid_t)json_integer_value(json_object_get(file, "gid")),
			      (mode_t)json_integer_value(json_object_get(file, "mode")), err);
	safefile_free(&orig);
	return rc;
}

/* restore_state - state.json's services of the entry back to state_before. */
static int restore_state(const char *state_dir, json_t *m, struct mt_err *err)
{
	json_t *before = json_object_get(m, "state_before");
	json_t *state;
	const char *name;
	json_t *value;
	int rc;

	if (!json_is_object(before))
		return 0;
	state = state_load(state_dir, err);
	if (state == NULL)
		return -1;
	json_object_foreach(before, name, value)
		json_object_set(json_object_get(state, "services"), name, value);
	rc = state_save(state_dir, state, err);
	json_decref(state);
	return rc;
}

/* check_file_entry - one file of an open entry is what the journal could
 * have written: well-typed fields, its original intact, and the file now
 * holding either its bytes from before or the bytes the change wrote. */
static int check_file_entry(const char *state_dir, const char *id, json_t *file,
			    struct mt_err *err)
{
	const char *path = json_string_value(json_object_get(file, "path"));
	const char *after = json_string_value(json_object_get(file, "sha256_after"));
	const char *before = json_string_value(json_object_get(file, "sha256_before"));
	int existed = json_is_true(json_object_get(file, "existed"));
	char now[HASH_HEX_LEN];
	struct safefile f;
	int rc;

	if (path == NULL || path[0] != '/' || after == NULL || before == NULL ||
	    !json_is_boolean(json_object_get(file, "existed")) ||
	    !json_is_integer(json_object_get(file, "uid")) || !json_is_integer(json_object_get(file, "gid")) ||
	    json_integer_value(json_object_get(file, "mode")) & ~(json_int_t)07777 ||
	    !json_is_integer(json_object_get(file, "mode"))) {
		mt_err_set(err, "unsafe_file", "journal entry %s has a malformed file record", id);
		return -1;
	}
	if (existed) {
		if (journal_original(state_dir, id, file, &f, err) != 0)
			return -1;
		safefile_free(&f);
	}
	rc = safefile_read(path, &f, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		hash_sha256_hex(f.data, f.len, now);
		safefile_free(&f);
	}
	if (rc == 1 ? (existed && after[0] != '\0') :
	    (strcmp(now, after) != 0 && (!existed || strcmp(now, before) != 0))) {
		mt_err_set(err, "unsafe_file", "%s holds neither its bytes from before journal entry %s "
			   "nor what that change wrote: nothing restored (check it, then remove the "
			   "entry by hand)", path, id);
		return -1;
	}
	return 0;
}

/* recover_one - undo one open entry (m borrowed; updated and rewritten);
 * adds its services to services. Every file record is checked before the
 * first is restored, so that a tampered entry changes nothing. */
static int recover_one(const char *state_dir, json_t *m, json_t *services, struct mt_err *err)
{
	const char *id = json_string_value(json_object_get(m, "change_id"));
	struct journal j = { .manifest = m };
	json_t *file;
	size_t i;

	if (id == NULL || !valid_id(id) || !json_is_array(json_object_get(m, "files"))) {
		mt_err_set(err, "unsafe_file", "an open journal entry of %s/changes is malformed", state_dir);
		return -1;
	}
	json_array_foreach(json_object_get(m, "files"), i, file)
		if (check_file_entry(state_dir, id, file, err) != 0)
			return -1;
	snprintf(j.dir, sizeof(j.dir), "%s/changes/%s", state_dir, id);
	json_array_foreach(json_object_get(m, "files"), i, file) {
		if (journal_restore_file(state_dir, id, file, err) != 0) {
			mt_err_set(err, "rollback_failed",
				   "could not restore %s after an interrupted change: its original is in %s",
				   json_string_value(json_object_get(file, "path")), j.dir);
			return -1;
		}
		json_array_append(services, json_object_get(file, "service"));
	}
	if (restore_state(state_dir, m, err) != 0)
		return -1;
	return journal_finish(&j, "undone", json_pack("{s:s}", "outcome", "recovered"), err);
}

int journal_recover(const char *state_dir, json_t **services, struct mt_err *err)
{
	char changes[MT_PATH_MAX + 16];
	json_t *list;
	json_t *m;
	size_t i;
	int n = 0;

	*services = json_array();
	snprintf(changes, sizeof(changes), "%s/changes", state_dir);
	if (atomicfile_mkdir(changes, 0700, err) != 0)
		return -1;
	list = list_entries(state_dir, err);
	if (list == NULL)
		return -1;
	json_array_foreach(list, i, m) {
		if (strcmp(json_string_value(json_object_get(m, "state")) ?: "", "open") != 0)
			continue;
		if (recover_one(state_dir, m, *services, err) != 0) {
			n = -1;
			break;
		}
		n++;
	}
	json_decref(list);
	return n;
}

/* remove_entry - delete changes/<id>/ and the files in it. */
static void remove_entry(const char *state_dir, const char *id)
{
	char dir[JOURNAL_DIR_MAX], path[JOURNAL_DIR_MAX + 260];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/changes/%s", state_dir, id);
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

void journal_prune(const char *state_dir)
{
	json_t *list = journal_list(state_dir);
	json_t *m;
	size_t i;

	json_array_foreach(list, i, m)
		if (i >= JOURNAL_KEEP)
			remove_entry(state_dir, json_string_value(json_object_get(m, "change_id")));
	json_decref(list);
}
