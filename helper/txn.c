/*
 * txn.c - applying a planned change as a transaction. Owns the order of
 * the steps; the files' content comes from the plan, the commands from the
 * profile. Must never: write a file before its original is journaled,
 * leave a failed change half applied, or run a command through a shell.
 */
#include "txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "audit.h"
#include "diff.h"
#include "fault.h"
#include "journal.h"
#include "probe.h"
#include "reply.h"
#include "safefile.h"
#include "service.h"
#include "spawn.h"
#include "state.h"
#include "tlsver.h"

#define CMD_TIMEOUT_MS 60000
#define VERIFY_ATTEMPTS 6           /* a restarted daemon may need a moment to listen */
#define VERIFY_PAUSE_MS 400
#define ARGV_MAX 33

int txn_init(struct txn *t, const struct mt_profile *p, struct vcache *vc, struct mt_err *err)
{
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->vc = vc;
	t->state_dir = profile_str(p, NULL, "state_dir");
	t->warnings = json_array();
	t->state = state_load(t->state_dir, err);
	if (t->state == NULL)
		return -1;
	t->state_text = json_dumps(t->state, JSON_INDENT(1) | JSON_SORT_KEYS);
	return 0;
}

struct txn_service *txn_add_service(struct txn *t, const struct mt_adapter *a, struct mt_err *err)
{
	struct txn_service *ts;

	if (t->nsvcs == TXN_MAX_SERVICES) {
		mt_err_set(err, "internal", "too many services in one change");
		return NULL;
	}
	ts = &t->svcs[t->nsvcs];
	memset(ts, 0, sizeof(*ts));
	ts->a = a;
	ts->svc = calloc(1, sizeof(*ts->svc));
	ts->commands = json_array();
	if (ts->svc == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return NULL;
	}
	t->nsvcs++;
	if (service_describe(t->p, a, t->vc, 1, ts->svc, err) != 0)
		return NULL;
	return ts;
}

json_t *txn_effective_map(const struct mt_service *svc)
{
	json_t *map = json_object();

	for (size_t i = 0; i < svc->nendpoints; i++)
		json_object_set_new(map, svc->endpoints[i].role,
				    json_string(tlsver_name(svc->endpoints[i].effective)));
	return map;
}

/* ---- commands ------------------------------------------------------------- */

/* run_argv - one argv array from the profile; logged in log. Returns the
 * exit status (0 ok), -1 when it could not run; the tail of its stderr
 * goes to err on failure. */
static int run_argv(json_t *argv_json, int timeout_ms, json_t *log, struct mt_err *err)
{
	char *argv[ARGV_MAX];
	struct spawn_result *res = malloc(sizeof(*res));
	size_t i, n = json_array_size(argv_json);
	int rc;

	if (res == NULL)
		reply_fatal_oom();   /* not a command failure: the one fatal path */
	if (n == 0 || n >= ARGV_MAX) {
		free(res);
		mt_err_set(err, "internal", "bad command");
		return -1;
	}
	for (i = 0; i < n; i++)
		argv[i] = (char *)json_string_value(json_array_get(argv_json, i));
	argv[n] = NULL;
	/* stdout is discarded: doveconf -x prints private keys there. */
	rc = spawn_run(argv, SPAWN_STDERR_ONLY, timeout_ms, res, err);
	if (rc == 0) {
		json_array_append_new(log, json_pack("{s:O, s:i, s:f}", "argv", argv_json, "exit",
						     res->exit_code, "ms", res->ms));
		rc = res->exit_code;
		if (rc != 0)
			mt_err_set(err, NULL, "%s exited %d%s: %.300s", argv[0], rc,
				   res->timed_out ? " (timed out)" : "",
				   res->out_len > 300 ? res->out + res->out_len - 300 : res->out);
	}
	free(res);
	return rc;
}

/* run_cmds - every command of profile key for service, in order; stops at
 * the first failure. Returns 0, or -1 with err (code set by the caller). */
static int run_cmds(const struct mt_profile *p, const char *service, const char *key,
		    json_t *log, struct mt_err *err)
{
	json_t *cmds = profile_cmds(p, service, key);
	json_t *argv;
	size_t i;

	json_array_foreach(cmds, i, argv)
		if (run_argv(argv, profile_ms(p, "command_timeout_ms", CMD_TIMEOUT_MS), log, err) != 0)
			return -1;
	return 0;
}

/* reload_or_restart - the service's reload, else its restart, else stop
 * and start. */
static int reload_or_restart(const struct mt_profile *p, const char *name, int restart,
			     json_t *log, struct mt_err *err)
{
	if (!restart && profile_cmds(p, name, "reload") != NULL)
		return run_cmds(p, name, "reload", log, err);
	if (profile_cmds(p, name, "restart") != NULL)
		return run_cmds(p, name, "restart", log, err);
	if (run_cmds(p, name, "stop", log, err) != 0)
		return -1;
	return run_cmds(p, name, "start", log, err);
}

/* apply_service - make the running service take its new files: reload,
 * restart, or stop + start, as t->restart and the adapter say. */
static int apply_service(struct txn *t, struct txn_service *ts, struct mt_err *err)
{
	const char *name = ts->a->name;

	if (t->restart == RESTART_NONE)
		return 0;
	if (ts->svc->running == 0) {
		json_array_append_new(t->warnings, json_pack("{s:s, s:s+}", "code", "service_not_running",
			"message", name, " is not running: the new floor applies at its next start"));
		return 0;
	}
	ts->applied = 1;
	return reload_or_restart(t->p, name, t->restart == RESTART_RESTART ||
			(t->restart == RESTART_AUTO && ts->a->restart_on_auto), ts->commands, err);
}

/* ---- files ---------------------------------------------------------------- */

/* unchanged_on_disk - the file still holds the bytes the plan read. */
static int unchanged_on_disk(const struct plan_file *f, struct mt_err *err)
{
	struct safefile now;
	int rc = safefile_read(f->path, &now, err);
	int same;

	if (rc < 0)
		return 0;
	same = rc == 1 ? !f->existed
		       : f->existed && now.len == f->before.len &&
				 memcmp(now.data, f->before.data, now.len) == 0;
	safefile_free(&now);
	if (!same)
		mt_err_set(err, "io_error", "%s changed while the change was planned; nothing written",
			   f->path);
	return same;
}

/* write_file - f's new content, keeping owner and mode (a new file: root, 0644). */
static int write_file(const struct plan_file *f, struct mt_err *err)
{
	if (f->remove)
		return unlink(f->path) == 0 ? 0 : (mt_err_set(err, "io_error", "cannot remove %s", f->path), -1);
	if (!f->existed)
		return atomicfile_write(f->path, f->after, f->after_len, 0, 0, 0644, err);
	return atomicfile_write(f->path, f->after, f->after_len, f->before.st.st_uid,
				f->before.st.st_gid, f->before.st.st_mode & 07777, err);
}

/* restore_file - f's original bytes, owner and mode (or no file). A file
 * that still holds them (never written) is left alone: rewriting it could
 * fail on the full disk that stopped the change. */
static int restore_file(const struct plan_file *f, struct mt_err *err)
{
	struct mt_err same = { 0 };

	if (unchanged_on_disk(f, &same))
		return 0;
	if (!f->existed)
		return unlink(f->path) == 0 || !safefile_exists(f->path) ? 0 : -1;
	return atomicfile_write(f->path, f->before.data, f->before.len, f->before.st.st_uid,
				f->before.st.st_gid, f->before.st.st_mode & 07777, err);
}

/* write_files - every changed file; *written counts those written. */
static int write_files(struct txn *t, size_t *written, struct mt_err *err)
{
	for (size_t i = 0; i < t->plan.nfiles; i++) {
		const struct plan_file *f = &t->plan.files[i];

		if (!plan_changed(f))
			continue;
		if (!unchanged_on_disk(f, err) || write_file(f, err) != 0)
			return -1;
		(*written)++;
		fault_point("after_first_write");
	}
	return 0;
}

/* ---- undo ----------------------------------------------------------------- */

/* restore_state - state.json as it was before the change. */
static int restore_state(struct txn *t, struct mt_err *err)
{
	char path[MT_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/state.json", t->state_dir);
	return atomicfile_write(path, t->state_text, strlen(t->state_text), 0, 0, 0600, err);
}

/* undo - restore every file and state.json, then reload what was reloaded.
 * Returns 0, or -1 with rollback_failed naming the journal folder. */
static int undo(struct txn *t, const struct journal *j, struct mt_err *err)
{
	struct mt_err rerr = { 0 };
	int failed = 0;

	for (size_t i = 0; i < t->plan.nfiles; i++)
		if (plan_changed(&t->plan.files[i]) && restore_file(&t->plan.files[i], &rerr) != 0)
			failed = 1;
	if (restore_state(t, &rerr) != 0)
		failed = 1;
	if (failed) {
		char why[256];

		mt_strlcpy(why, err->message, sizeof(why));  /* err->message is also the output */
		mt_err_set(err, "rollback_failed", "the change failed (%s) and its files could not all be "
			   "restored: the originals are in %s (manifest.json lists them)", why, j->dir);
		return -1;
	}
	for (size_t i = 0; i < t->nsvcs; i++)
		if (t->svcs[i].applied && apply_service(t, &t->svcs[i], &rerr) != 0)
			json_array_append_new(t->warnings, json_pack("{s:s, s:s}", "code", "restart_failed",
				"message", "reloading the restored configuration failed too"));
	return 0;
}

/* ---- the reply ------------------------------------------------------------ */

/* files_json - new reference: [{path, diff, changed}] of service's files. */
static json_t *files_json(const struct plan *pl, const char *service)
{
	json_t *files = json_array();
	char *diff;

	for (size_t i = 0; i < pl->nfiles; i++) {
		const struct plan_file *f = &pl->files[i];

		if (strcmp(f->service, service) != 0)
			continue;
		diff = diff_unified(f->path, f->before.data ? f->before.data : "", f->before.len,
				    f->remove ? "" : f->after, f->remove ? 0 : f->after_len);
		if (diff == NULL)
			reply_fatal_oom();   /* an empty diff would misstate the change */
		mt_utf8_clean(diff);         /* a file's bytes need not be UTF-8 */
		json_array_append_new(files, json_pack("{s:s, s:s, s:b}", "path", f->path, "diff",
						       diff, "changed", plan_changed(f)));
		free(diff);
	}
	return files;
}

/* plan_warnings_json - new reference: the planner's warnings for service. */
static json_t *plan_warnings_json(const struct plan *pl, const char *service)
{
	json_t *list = json_array();

	for (size_t i = 0; i < pl->nwarnings; i++)
		if (strcmp(pl->warning_service[i], service) == 0)
			json_array_append_new(list, json_pack("{s:s, s:s}", "code", pl->warnings[i].code,
							      "message", pl->warnings[i].message));
	return list;
}

/* service_json - new reference: one entry of the reply's services[]. */
static json_t *service_json(struct txn *t, struct txn_service *ts, json_t *after)
{
	json_t *o = json_pack("{s:s, s:o, s:O, s:o, s:O}", "service", ts->a->name, "before",
			      txn_effective_map(ts->svc), "after", after, "files",
			      files_json(&t->plan, ts->a->name), "commands", ts->commands);
	json_t *warnings = plan_warnings_json(&t->plan, ts->a->name);

	if (json_array_size(warnings) > 0)
		json_object_set(o, "warnings", warnings);
	json_decref(warnings);
	return o;
}

void txn_dry_run(struct txn *t, json_t *planned_after, json_t *reply)
{
	json_t *services = json_array();

	for (size_t i = 0; i < t->nsvcs; i++)
		json_array_append_new(services, service_json(t, &t->svcs[i],
			json_object_get(planned_after, t->svcs[i].a->name)));
	json_object_set_new(reply, "dry_run", json_true());
	json_object_set_new(reply, "services", services);
	if (json_array_size(t->warnings) > 0)
		json_object_set(reply, "warnings", t->warnings);
}

/* after_maps - new reference: {service: {role: effective}} read back from
 * the files as the change left them; applied floors recorded in state.
 * NULL with err when a service's files cannot be read back: the change is
 * then undone (a committed change must not lose a service's record). */
static json_t *after_maps(struct txn *t, struct mt_err *err)
{
	json_t *maps = json_object();
	struct mt_service *now = malloc(sizeof(*now));

	if (now == NULL)
		reply_fatal_oom();
	for (size_t i = 0; i < t->nsvcs; i++) {
		if (service_describe(t->p, t->svcs[i].a, t->vc, 1, now, err) != 0) {
			json_decref(maps);
			maps = NULL;
			break;
		}
		json_object_set_new(maps, t->svcs[i].a->name, txn_effective_map(now));
	}
	free(now);
	return maps;
}


/* ---- verify --------------------------------------------------------------- */

/* verify_names - "service/role" of every endpoint the change applied that
 * the profile can probe, into names (static strings in buf); services not
 * applied (not running, restart none) are skipped with verify_skipped. */
static size_t verify_names(struct txn *t, json_t *after, char buf[][48], size_t max)
{
	const char *role;
	json_t *v;
	size_t n = 0;

	for (size_t i = 0; i < t->nsvcs; i++) {
		const char *name = t->svcs[i].a->name;

		if (!t->svcs[i].applied) {
			json_array_append_new(t->warnings, json_pack("{s:s, s:s+}", "code", "verify_skipped",
				"message", name, ": not reloaded by this change, so not probed"));
			continue;
		}
		json_object_foreach(json_object_get(after, name), role, v) {
			if (n == max || !tlsver_is_version(tlsver_parse(json_string_value(v) ?: "")))
				continue;
			snprintf(buf[n], sizeof(buf[0]), "%s/%s", name, role);
			if (profile_endpoint(t->p, buf[n]) != NULL)
				n++;
			else
				json_array_append_new(t->warnings, json_pack("{s:s, s:s+}", "code", "verify_skipped",
					"message", buf[n], ": the profile lists no probe address for it"));
		}
	}
	return n;
}

/* verify_once - probe names; 0 when each behaves as its floor in after
 * says, 1 when one does not (err says which), -1 when the probe failed. */
static int verify_once(struct txn *t, json_t *after, char names[][48], size_t n,
		       struct probe_result *res, struct mt_err *err)
{
	const char *ptrs[PROBE_MAX_TARGETS];
	char why[256], svc[16];
	const char *floor;

	for (size_t i = 0; i < n; i++)
		ptrs[i] = names[i];
	if (probe_endpoints(t->p, ptrs, n, PROBE_TIMEOUT_DEFAULT, PROBE_DEADLINE_DEFAULT, res, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(svc, sizeof(svc), "%.*s", (int)strcspn(names[i], "/"), names[i]);
		floor = json_string_value(json_object_get(json_object_get(after, svc), strchr(names[i], '/') + 1));
		if (probe_check_floor(res, names[i], tlsver_parse(floor), why, sizeof(why)) == 1) {
			mt_err_set(err, "verify_failed", "%s should have the floor %s, but the live probe says: %s",
				   names[i], floor, why);
			mt_err_where(err, svc, names[i]);
			return 1;
		}
	}
	return 0;
}

/* verify - probe the changed endpoints until they match the plan (a daemon
 * just started may not listen yet), at most VERIFY_ATTEMPTS times. The
 * last matrix goes into the reply's "verify". Returns 0 or -1 with
 * verify_failed (or the probe's error). */
static int verify(struct txn *t, json_t *after, json_t *reply, struct mt_err *err)
{
	static char names[PROBE_MAX_TARGETS][48];
	struct probe_result res = { 0 };
	struct timespec pause = { 0, VERIFY_PAUSE_MS * 1000000L };
	size_t n = verify_names(t, after, names, PROBE_MAX_TARGETS);
	int rc = 0;

	for (int attempt = 0; n > 0 && attempt < VERIFY_ATTEMPTS; attempt++) {
		probe_result_free(&res);
		memset(err, 0, sizeof(*err));
		rc = verify_once(t, after, names, n, &res, err);
		if (rc <= 0 || attempt == VERIFY_ATTEMPTS - 1)
			break;
		nanosleep(&pause, NULL);
	}
	if (n > 0)
		json_object_set_new(reply, "verify", probe_result_json(&res));
	probe_result_free(&res);
	return rc == 0 ? 0 : -1;
}

/* ---- the transaction ------------------------------------------------------ */

/* check_and_apply - the services' checkers, then reload or restart. */
static int check_and_apply(struct txn *t, struct mt_err *err)
{
	for (size_t i = 0; i < t->nsvcs; i++)
		if (run_cmds(t->p, t->svcs[i].a->name, "check", t->svcs[i].commands, err) != 0) {
			err->code = "config_check_failed";
			mt_err_where(err, t->svcs[i].a->name, NULL);
			return -1;
		}
	fault_point("after_check");
	for (size_t i = 0; i < t->nsvcs; i++)
		if (apply_service(t, &t->svcs[i], err) != 0) {
			err->code = "restart_failed";
			mt_err_where(err, t->svcs[i].a->name, NULL);
			return -1;
		}
	fault_point("after_apply");
	return 0;
}

/* record_applied - state.services[s].applied = the floors the change left. */
static void record_applied(struct txn *t, json_t *after)
{
	const char *name;
	json_t *map;

	json_object_foreach(after, name, map)
		json_object_set(state_service(t->state, name), "applied", map);
}

/* commit - journal, audit, prune; the reply's change_id and services. */
static int commit(struct txn *t, struct journal *j, json_t *record, json_t *after, json_t *reply,
		  struct mt_err *err)
{
	json_t *services = json_array();
	json_t *audit;

	if (journal_finish(j, "committed", json_pack("{s:O, s:s}", "after", after, "outcome", "ok"),
			   err) != 0) {
		json_decref(services);
		return -1;
	}
	fault_point("after_commit");
	for (size_t i = 0; i < t->nsvcs; i++)
		json_array_append_new(services, service_json(t, &t->svcs[i],
			json_object_get(after, t->svcs[i].a->name)));
	audit = json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O, s:s}", "time",
			  json_string_value(json_object_get(j->manifest, "time")), "change_id",
			  j->change_id, "actor", json_object_get(record, "actor"), "action",
			  json_object_get(record, "action"), "request", json_object_get(record, "request"),
			  "before", json_object_get(record, "before"), "after", after, "outcome", "ok");
	audit_record(t->state_dir, audit);
	json_decref(audit);
	journal_prune(t->state_dir);
	json_object_set_new(reply, "change_id", json_string(j->change_id));
	json_object_set_new(reply, "services", services);
	if (json_array_size(t->warnings) > 0)
		json_object_set(reply, "warnings", t->warnings);
	return 0;
}

/* fail_after_write - undo, and record the outcome in the journal. */
static int fail_after_write(struct txn *t, struct journal *j, json_t *record, struct mt_err *err)
{
	struct mt_err jerr = { 0 };
	json_t *audit;

	if (undo(t, j, err) != 0)
		return -1;
	journal_finish(j, "undone", json_pack("{s:s, s:s}", "outcome", err->code, "message",
					      err->message), &jerr);
	audit = json_pack("{s:s, s:O?, s:O?, s:s}", "change_id", j->change_id, "action",
			  json_object_get(record, "action"), "actor", json_object_get(record, "actor"),
			  "outcome", err->code);
	audit_record(t->state_dir, audit);
	json_decref(audit);
	return -1;
}

/* before_maps - new reference: {service: {role: effective}} before. */
static json_t *before_maps(struct txn *t)
{
	json_t *maps = json_object();

	for (size_t i = 0; i < t->nsvcs; i++)
		json_object_set_new(maps, t->svcs[i].a->name, txn_effective_map(t->svcs[i].svc));
	return maps;
}

/* state_before - new reference: {service: its state} before the change. */
static json_t *state_before(struct txn *t)
{
	json_t *before = json_loads(t->state_text, 0, NULL);
	json_t *out = json_object();
	json_t *svc;

	for (size_t i = 0; i < t->nsvcs; i++) {
		svc = json_object_get(json_object_get(before, "services"), t->svcs[i].a->name);
		json_object_set_new(out, t->svcs[i].a->name, svc ? json_incref(svc) : json_object());
	}
	json_decref(before);
	return out;
}

int txn_run(struct txn *t, json_t *record, json_t *reply, struct mt_err *err)
{
	struct journal j = { 0 };
	json_t *rec = json_deep_copy(record);
	json_t *after = NULL;
	size_t written = 0;
	int rc = -1;

	json_object_set_new(rec, "before", before_maps(t));
	json_object_set_new(rec, "state_before", state_before(t));
	if (journal_begin(t->state_dir, &t->plan, rec, &j, err) != 0)
		goto out;
	fault_point("after_journal");
	if (write_files(t, &written, err) != 0 || state_save(t->state_dir, t->state, err) != 0) {
		rc = written > 0 ? fail_after_write(t, &j, rec, err) : -1;
		if (written == 0)
			journal_finish(&j, "undone", json_pack("{s:s}", "outcome", err->code), &(struct mt_err){ 0 });
		goto out;
	}
	fault_point("after_writes");
	if (check_and_apply(t, err) != 0) {
		rc = fail_after_write(t, &j, rec, err);
		goto out;
	}
	after = after_maps(t, err);
	if (after == NULL) {
		rc = fail_after_write(t, &j, rec, err);
		goto out;
	}
	if (t->verify && verify(t, after, reply, err) != 0) {
		fault_point("verify_failed");
		rc = fail_after_write(t, &j, rec, err);
		goto out;
	}
	record_applied(t, after);
	if (state_save(t->state_dir, t->state, err) != 0) {
		rc = fail_after_write(t, &j, rec, err);
		goto out;
	}
	rc = commit(t, &j, rec, after, reply, err);
out:
	if (rc != 0 && json_array_size(t->warnings) > 0)
		json_object_set(reply, "warnings", t->warnings);  /* e.g. verify_skipped */
	json_decref(after);
	json_decref(rec);
	journal_free(&j);
	return rc;
}

void txn_free(struct txn *t)
{
	for (size_t i = 0; i < t->nsvcs; i++) {
		free(t->svcs[i].svc);
		json_decref(t->svcs[i].commands);
	}
	plan_free(&t->plan);
	json_decref(t->state);
	json_decref(t->warnings);
	free(t->state_text);
	memset(t, 0, sizeof(*t));
}

int txn_recover(const struct mt_profile *p, const char *state_dir, json_t *warnings,
		struct mt_err *err)
{
	json_t *services = NULL;
	json_t *log = json_array();
	struct mt_err rerr = { 0 };
	const char *name;
	json_t *v;
	size_t i;
	int n = journal_recover(state_dir, &services, err);

	if (n > 0) {
		json_array_append_new(warnings, json_pack("{s:s, s:s}", "code", "recovered", "message",
			"an interrupted earlier change was undone before this request"));
		json_array_foreach(services, i, v) {
			name = json_string_value(v);
			if (name != NULL && service_running(p, name) != 0)
				reload_or_restart(p, name, adapter_find(name) && adapter_find(name)->restart_on_auto,
						  log, &rerr);
		}
	}
	json_decref(services);
	json_decref(log);
	return n < 0 ? -1 : 0;
}
