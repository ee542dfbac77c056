/*
 * journal.h - the record of every change, under state_dir/changes/<uuid>/:
 * manifest.json (who, when, what, each file's owner, mode and hashes before
 * and after, the state before, the outcome) and the original bytes of each
 * file (N.orig). Written before the first file is touched, so that a crash
 * at any point can be completed or undone by the next request.
 */
#ifndef MT_JOURNAL_H
#define MT_JOURNAL_H

#include <jansson.h>

#include "err.h"
#include "plan.h"

#define JOURNAL_KEEP 100

#include "model.h"

#define JOURNAL_DIR_MAX (MT_PATH_MAX + 64)

struct journal {
	char dir[JOURNAL_DIR_MAX];  /* state_dir/changes/<uuid> */
	char change_id[40];
	json_t *manifest;        /* owned */
};

/* journal_begin - create the entry of a change that will write pl's changed
 * files (rendered): save their originals and a manifest in state "open".
 * record (borrowed) supplies action, actor, request, state_before, before;
 * its keys are copied into the manifest. Returns 0 or -1 (io_error). */
int journal_begin(const char *state_dir, const struct plan *pl, json_t *record,
		  struct journal *j, struct mt_err *err);

/* journal_finish - set the entry's "state" (committed, undone) and merge
 * fields (stolen; may be NULL) into the manifest, written atomically. */
int journal_finish(struct journal *j, const char *state, json_t *fields, struct mt_err *err);

/* journal_free - release j's manifest. */
void journal_free(struct journal *j);

/* journal_load - new reference: the manifest of change_id, or NULL with
 * unknown_change. */
json_t *journal_load(const char *state_dir, const char *change_id, struct mt_err *err);

/* journal_list - new reference: every manifest, newest first. */
json_t *journal_list(const char *state_dir);

/* journal_original - read the saved original bytes of file entry `file`
 * of the change in dir into f. Returns 0 or -1. */
int journal_original(const char *state_dir, const char *change_id, json_t *file,
		     struct safefile *f, struct mt_err *err);

/* journal_prune - keep the newest JOURNAL_KEEP entries. */
void journal_prune(const char *state_dir);

/* journal_recover - undo every entry left "open" by an interrupted change:
 * each file back to its original bytes, owner and mode (or removed when the
 * change created it), state.json's services back to state_before; the entry
 * becomes "undone" with outcome "recovered". *services receives a new
 * array of the services whose files were restored (to reload). Returns the
 * number of entries recovered, or -1 (rollback_failed: the message says
 * which journal folder holds the originals). */
int journal_recover(const char *state_dir, json_t **services, struct mt_err *err);

/* journal_restore_file - write one manifest file entry's original back.
 * Returns 0 or -1. */
int journal_restore_file(const char *state_dir, const char *change_id, json_t *file,
			 struct mt_err *err);

#endif
