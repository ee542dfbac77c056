/*
 * plan.h - a planned change: the files it edits and how.
 *
 * A planner (one per service adapter) never writes: it loads each file it
 * needs once (plan_file), records line edits against the ORIGINAL text
 * (replace lines first..first+n-1, insert after a line, append at the end),
 * and plan_render turns the edits into the new text. Edits of one file may
 * not overlap; appends keep their order. Everything the helper writes is
 * text it generated itself: plan_edit refuses control characters other than
 * '\n' and '\t'.
 */
#ifndef MT_PLAN_H
#define MT_PLAN_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "safefile.h"

#define PLAN_MAX_FILES 8
#define PLAN_MAX_EDITS 32

enum plan_edit_kind { EDIT_REPLACE, EDIT_INSERT, EDIT_APPEND };

struct plan_edit {
	enum plan_edit_kind kind;
	unsigned first;      /* REPLACE: first line replaced (1-based); INSERT: the line
			      * the text follows (0 = the top); APPEND: unused */
	unsigned count;      /* REPLACE: lines replaced */
	char *text;          /* owned: whole lines ending in '\n' ("" deletes) */
};

struct plan_file {
	char path[MT_PATH_MAX];
	char service[16];
	int existed;               /* 0: the file is created (owner root, mode 0644) */
	struct safefile before;    /* owned: original bytes and fstat (data NULL when !existed) */
	struct plan_edit edits[PLAN_MAX_EDITS];
	size_t nedits;
	char *after;               /* owned: rendered new text, after plan_render */
	size_t after_len;
	int whole;                 /* after was set whole (plan_set_text): no edits */
	int remove;                /* the change deletes the file (rollback of a creation) */
};

#define PLAN_MAX_WARNINGS 16

struct plan {
	struct plan_file files[PLAN_MAX_FILES];
	size_t nfiles;
	struct mt_warning warnings[PLAN_MAX_WARNINGS];  /* for the reply, per service */
	char warning_service[PLAN_MAX_WARNINGS][16];
	size_t nwarnings;
};

/* plan_file - the plan's entry for path, loading the file (safefile_read)
 * the first time it is named; a missing file is an empty one that the
 * change creates. Borrowed; NULL with an error (unsafe_file, io_error,
 * internal when the plan is full). */
struct plan_file *plan_file(struct plan *pl, const char *service, const char *path,
			    struct mt_err *err);

/* plan_find - the entry for path or NULL (borrowed). */
struct plan_file *plan_find(struct plan *pl, const char *path);

/* plan_replace - replace count lines from line first (1-based) with text
 * (whole lines; "" deletes them). plan_insert_after - insert text after
 * line `after` (0 = at the top). plan_append - text at the end (a missing
 * final newline of the original is added first). text is copied. Return 0,
 * or -1 with internal (too many edits, overlap, control characters). */
int plan_replace(struct plan_file *f, unsigned first, unsigned count, const char *text,
		 struct mt_err *err);
int plan_insert_after(struct plan_file *f, unsigned after, const char *text, struct mt_err *err);
int plan_append(struct plan_file *f, const char *text, struct mt_err *err);

/* plan_set_text - the whole new content of f (a rollback restores bytes it
 * saved); remove instead deletes f. Returns 0 or -1 (internal). */
int plan_set_text(struct plan_file *f, const char *data, size_t len, int remove,
		  struct mt_err *err);

/* plan_line - a pointer to the start of line n (1-based) of f's original
 * text and its length without the newline in *len; NULL past the end.
 * Borrowed. */
const char *plan_line(const struct plan_file *f, unsigned n, size_t *len);

/* plan_render - build every file's `after` from its edits. Returns 0 or -1. */
int plan_render(struct plan *pl, struct mt_err *err);

/* plan_changed - 1 when f's rendered text differs from its original. */
int plan_changed(const struct plan_file *f);

/* plan_warn - a warning about the change for the reply (override rewritten,
 * cipher list fixed, ...), attributed to service. */
void plan_warn(struct plan *pl, const char *service, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* plan_free - release everything the plan owns. */
void plan_free(struct plan *pl);

#endif
