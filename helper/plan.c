/*
 * plan.c - files of a planned change and their line edits. Owns the
 * original bytes and the rendered text; never writes a file.
 */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plan_file *plan_find(struct plan *pl, const char *path)
{
	for (size_t i = 0; i < pl->nfiles; i++)
		if (strcmp(pl->files[i].path, path) == 0)
			return &pl->files[i];
	return NULL;
}

struct plan_file *plan_file(struct plan *pl, const char *service, const char *path,
			    struct mt_err *err)
{
	struct plan_file *f = plan_find(pl, path);
	int rc;

	if (f != NULL)
		return f;
	if (pl->nfiles == PLAN_MAX_FILES) {
		mt_err_set(err, "internal", "a change may edit at most %d files", PLAN_MAX_FILES);
		return NULL;
	}
	f = &pl->files[pl->nfiles];
	memset(f, 0, sizeof(*f));
	if (mt_strlcpy(f->path, path, sizeof(f->path)) != 0) {
		mt_err_set(err, "bad_profile", "path too long: %.64s...", path);
		return NULL;
	}
	mt_strlcpy(f->service, service, sizeof(f->service));
	rc = safefile_read(path, &f->before, err);
	if (rc < 0)
		return NULL;
	f->existed = rc == 0;
	pl->nfiles++;
	return f;
}

/* clean_text - only generated text: no control characters but \n and \t. */
static int clean_text(const char *text)
{
	for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++)
		if ((*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7f)
			return 0;
	return 1;
}

/* overlaps - a replacement of [first, first+count) meets an earlier
 * replacement, or an insertion point inside it. */
static int overlaps(const struct plan_file *f, enum plan_edit_kind kind, unsigned first,
		    unsigned count)
{
	for (size_t i = 0; i < f->nedits; i++) {
		const struct plan_edit *e = &f->edits[i];

		if (kind == EDIT_REPLACE && e->kind == EDIT_REPLACE &&
		    first < e->first + e->count && e->first < first + count)
			return 1;
		if (kind == EDIT_REPLACE && e->kind == EDIT_INSERT && e->first >= first &&
		    e->first < first + count - 1)
			return 1;
		if (kind == EDIT_INSERT && e->kind == EDIT_REPLACE && first >= e->first &&
		    first < e->first + e->count - 1)
			return 1;
	}
	return 0;
}

/* add_edit - record one edit. */
static int add_edit(struct plan_file *f, enum plan_edit_kind kind, unsigned first,
		    unsigned count, const char *text, struct mt_err *err)
{
	struct plan_edit *e;

	if (!clean_text(text)) {
		mt_err_set(err, "internal", "refusing to write a control character into %s", f->path);
		return -1;
	}
	if (f->nedits == PLAN_MAX_EDITS || overlaps(f, kind, first, count)) {
		mt_err_set(err, "internal", "conflicting or too many edits of %s", f->path);
		return -1;
	}
	e = &f->edits[f->nedits];
	e->text = strdup(text);
	if (e->text == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	e->kind = kind;
	e->first = first;
	e->count = count;
	f->nedits++;
	return 0;
}

int plan_replace(struct plan_file *f, unsigned first, unsigned count, const char *text,
		 struct mt_err *err)
{
	if (first == 0 || count == 0) {
		mt_err_set(err, "internal", "bad line range for %s", f->path);
		return -1;
	}
	return add_edit(f, EDIT_REPLACE, first, count, text, err);
}

int plan_insert_after(struct plan_file *f, unsigned after, const char *text, struct mt_err *err)
{
	return add_edit(f, EDIT_INSERT, after, 0, text, err);
}

int plan_append(struct plan_file *f, const char *text, struct mt_err *err)
{
	return add_edit(f, EDIT_APPEND, 0, 0, text, err);
}

const char *plan_line(const struct plan_file *f, unsigned n, size_t *len)
{
	const char *p = f->before.data, *end, *nl;

	if (p == NULL || n == 0)
		return NULL;   /* (before end: NULL + 0 is undefined) */
	end = p + f->before.len;
	for (unsigned i = 1; i < n; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	if (p >= end)
		return NULL;
	nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

/* out_buf - a growing output buffer. */
struct out_buf {
	char *data;
	size_t len, cap;
};

static int out_put(struct out_buf *o, const char *s, size_t n)
{
	char *grown;

	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		grown = realloc(o->data, o->cap);
		if (grown == NULL)
			return -1;
		o->data = grown;
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
	o->data[o->len] = '\0';
	return 0;
}

/* put_edits - the text of every edit of kind at line n, in the order made. */
static int put_edits(const struct plan_file *f, struct out_buf *o, enum plan_edit_kind kind,
		     unsigned n)
{
	for (size_t i = 0; i < f->nedits; i++) {
		const struct plan_edit *e = &f->edits[i];

		if (e->kind == kind && (kind == EDIT_APPEND || e->first == n) &&
		    out_put(o, e->text, strlen(e->text)) != 0)
			return -1;
	}
	return 0;
}

/* replacement_at - the replacement that starts at line n, or NULL. */
static const struct plan_edit *replacement_at(const struct plan_file *f, unsigned n)
{
	for (size_t i = 0; i < f->nedits; i++)
		if (f->edits[i].kind == EDIT_REPLACE && f->edits[i].first == n)
			return &f->edits[i];
	return NULL;
}

/* render_lines - the original lines with replacements and insertions. A
 * last line without a newline gets none (unless something follows it). */
static int render_lines(const struct plan_file *f, struct out_buf *o)
{
	const struct plan_edit *e;
	const char *line;
	size_t len;
	unsigned n = 1;

	if (put_edits(f, o, EDIT_INSERT, 0) != 0)
		return -1;
	while ((line = plan_line(f, n, &len)) != NULL) {
		e = replacement_at(f, n);
		if (e != NULL) {
			if (out_put(o, e->text, strlen(e->text)) != 0)
				return -1;
			n += e->count;
		} else {
			if (out_put(o, line, len) != 0 || out_put(o, "\n", 1) != 0)
				return -1;
			n++;
		}
		if (put_edits(f, o, EDIT_INSERT, n - 1) != 0)
			return -1;
	}
	return 0;
}

int plan_set_text(struct plan_file *f, const char *data, size_t len, int remove,
		  struct mt_err *err)
{
	free(f->after);
	f->after = malloc(len + 1);
	if (f->after == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	memcpy(f->after, data, len);
	f->after[len] = '\0';
	f->after_len = len;
	f->whole = 1;
	f->remove = remove;
	return 0;
}

/* render_file - f->after from the original and the edits; appends last. */
static int render_file(struct plan_file *f)
{
	struct out_buf o = { NULL, 0, 0 };
	int no_final_newline = f->before.len > 0 && f->before.data[f->before.len - 1] != '\n';
	size_t body;

	if (out_put(&o, "", 0) != 0 || render_lines(f, &o) != 0)
		goto fail;
	body = o.len;
	if (put_edits(f, &o, EDIT_APPEND, 0) != 0)
		goto fail;
	/* Keep a missing final newline when nothing was added after it. */
	if (no_final_newline && o.len == body && body > 0 && o.data[body - 1] == '\n' &&
	    memcmp(o.data + body - 1, f->before.data + f->before.len - 1, 1) != 0)
		o.data[--o.len] = '\0';
	free(f->after);
	f->after = o.data;
	f->after_len = o.len;
	return 0;
fail:
	free(o.data);
	return -1;
}

int plan_render(struct plan *pl, struct mt_err *err)
{
	for (size_t i = 0; i < pl->nfiles; i++)
		if (!pl->files[i].whole && render_file(&pl->files[i]) != 0) {
			mt_err_set(err, "internal", "out of memory rendering %s", pl->files[i].path);
			return -1;
		}
	return 0;
}

int plan_changed(const struct plan_file *f)
{
	if (f->remove)
		return f->existed;
	if (!f->existed)
		return f->after_len > 0;
	return f->after_len != f->before.len || memcmp(f->after, f->before.data, f->after_len) != 0;
}

void plan_warn(struct plan *pl, const char *service, const char *code, const char *fmt, ...)
{
	va_list ap;
	struct mt_warning *w;

	if (pl->nwarnings == PLAN_MAX_WARNINGS)
		return;
	w = &pl->warnings[pl->nwarnings];
	w->code = code;
	va_start(ap, fmt);
	vsnprintf(w->message, sizeof(w->message), fmt, ap);
	va_end(ap);
	mt_utf8_clean(w->message);
	mt_strlcpy(pl->warning_service[pl->nwarnings], service, sizeof(pl->warning_service[0]));
	pl->nwarnings++;
}

void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->nfiles; i++) {
		struct plan_file *f = &pl->files[i];

		for (size_t j = 0; j < f->nedits; j++)
			free(f->edits[j].text);
		safefile_free(&f->before);
		free(f->after);
	}
	memset(pl, 0, sizeof(*pl));
}
