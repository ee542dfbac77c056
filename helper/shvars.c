/*
 * shvars.c - shell-variable assignments of Courier's configuration files.
 *
 * Owns: a small POSIX-sh word scanner (quotes, escapes, parameter
 * references) that records assignments, never evaluates anything else.
 * Must never: run a shell or a command substitution, read the helper's
 * environment, or read past the bounds of the text it was given.
 */
#include "shvars.h"

#include <stdlib.h>
#include <string.h>

#include "safefile.h"

#define SHVARS_MAX_PENDING 32   /* assignments in one simple command */

/* A growing, bounded byte string. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

/* An assignment read but not yet committed: `A=1 cmd` sets A only for cmd. */
struct pending {
	char *name;
	char *value;
	unsigned line, last_line;
	size_t start, end;
	int complex;
};

struct scan {
	const char *s;
	size_t len;
	size_t pos;
	unsigned line;
	struct shvars *sv;
	const char *file;              /* borrowed from sv->files */
	struct mt_err *err;
	struct pending cmd[SHVARS_MAX_PENDING];
	size_t ncmd;
	int complex;                   /* the word being read holds unevaluated syntax */
};

/* fail - record a parse error at the current line; returns -1. */
static int fail(struct scan *sc, const char *what)
{
	mt_err_set(sc->err, "io_error", "%s line %u: %s", sc->file, sc->line, what);
	return -1;
}

static int peek(const struct scan *sc, size_t off)
{
	return sc->pos + off < sc->len ? (unsigned char)sc->s[sc->pos + off] : -1;
}

static void advance(struct scan *sc)
{
	if (sc->pos < sc->len && sc->s[sc->pos++] == '\n')
		sc->line++;
}

/* sbuf_putc - append c; -1 (error set) past SHVARS_MAX_VALUE or on OOM. */
static int sbuf_putc(struct scan *sc, struct sbuf *b, char c)
{
	char *p;
	size_t cap;

	if (b->len >= SHVARS_MAX_VALUE)
		return fail(sc, "value too long");
	if (b->len + 1 >= b->cap) {
		cap = b->cap ? b->cap * 2 : 64;
		p = realloc(b->p, cap);
		if (p == NULL) {
			mt_err_set(sc->err, "internal", "out of memory parsing %s", sc->file);
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}

static int sbuf_puts(struct scan *sc, struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		if (sbuf_putc(sc, b, *s) != 0)
			return -1;
	return 0;
}

/* sbuf_take - the string built so far (new, "" when empty), b emptied. */
static char *sbuf_take(struct scan *sc, struct sbuf *b)
{
	char *s = b->p ? b->p : strdup("");

	if (s == NULL)
		mt_err_set(sc->err, "internal", "out of memory parsing %s", sc->file);
	memset(b, 0, sizeof(*b));
	return s;
}

static int is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* is_word_end - an unquoted character that ends a word. */
static int is_word_end(int c)
{
	return c < 0 || c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
	       c == '(' || c == ')' || c == '<' || c == '>';
}

/* lookup - the value a reference to name[0..n) expands to: this command's
 * earlier assignments, then the file set's; NULL when unset. Borrowed. */
static const char *lookup(const struct scan *sc, const char *name, size_t n)
{
	for (size_t i = sc->ncmd; i-- > 0;)
		if (strlen(sc->cmd[i].name) == n && memcmp(sc->cmd[i].name, name, n) == 0)
			return sc->cmd[i].value;
	for (size_t i = sc->sv->n; i-- > 0;)
		if (strlen(sc->sv->vars[i].name) == n && memcmp(sc->sv->vars[i].name, name, n) == 0)
			return sc->sv->vars[i].value;
	return NULL;
}

/* copy_through - keep syntax this parser does not evaluate: copy `skip`
 * opening characters, then everything up to the `close` that brings the
 * nesting depth back to 0 (backslash escapes copied as they are). Marks
 * the word complex. */
static int copy_through(struct scan *sc, struct sbuf *out, size_t skip, int open, int close)
{
	int depth = 1, c;

	sc->complex = 1;
	for (size_t i = 0; i < skip; i++) {
		if (sbuf_putc(sc, out, sc->s[sc->pos]) != 0)
			return -1;
		advance(sc);
	}
	while ((c = peek(sc, 0)) >= 0) {
		if (sbuf_putc(sc, out, (char)c) != 0)
			return -1;
		advance(sc);
		if (c == '\\' && peek(sc, 0) >= 0) {
			if (sbuf_putc(sc, out, sc->s[sc->pos]) != 0)
				return -1;
			advance(sc);
		} else if (c == close && --depth == 0) {
			return 0;
		} else if (c == open && open != close) {
			depth++;
		}
	}
	return fail(sc, "substitution or quote not closed");
}

/* copy_until - copy characters literally up to `close`, which is consumed;
 * with mark, one that would need shell evaluation marks the word complex.
 * what names the construct for the error when close never comes. */
static int copy_until(struct scan *sc, struct sbuf *out, char close, int mark, const char *what)
{
	int c;

	while ((c = peek(sc, 0)) >= 0 && c != close) {
		if (mark && (c == '$' || c == '`' || c == '\'' || c == '"' || c == '\\'))
			sc->complex = 1;
		if (sbuf_putc(sc, out, (char)c) != 0)
			return -1;
		advance(sc);
	}
	if (c < 0)
		return fail(sc, what);
	advance(sc);
	return 0;
}

/* brace_word - the word of ${NAME:-word} / ${NAME-word} up to '}', taken
 * literally (anything that would need evaluation marks the word complex). */
static int brace_word(struct scan *sc, struct sbuf *word)
{
	return copy_until(sc, word, '}', 1, "${ not closed");
}

/* read_brace - at "${": ${NAME}, ${NAME:-word}, ${NAME-word}; any other
 * form is kept literally and marks the word complex. */
static int read_brace(struct scan *sc, struct sbuf *out)
{
	const char *name = sc->s + sc->pos + 2;
	struct sbuf word = { 0 };
	const char *value;
	size_t n = 0;
	int colon, rc;

	if (is_name_start(peek(sc, 2)))
		while (is_name_char(peek(sc, 2 + n)))
			n++;
	colon = n > 0 && peek(sc, 2 + n) == ':';
	if (n == 0 || (peek(sc, 2 + n) != '}' && peek(sc, 2 + n + (size_t)colon) != '-'))
		return copy_through(sc, out, 2, '{', '}');
	value = lookup(sc, name, n);
	if (peek(sc, 2 + n) == '}') {
		sc->pos += 3 + n;
		return sbuf_puts(sc, out, value ? value : "");
	}
	sc->pos += 3 + n + (size_t)colon;
	rc = brace_word(sc, &word);
	if (rc == 0 && (value == NULL || (colon && value[0] == '\0')))
		value = word.p ? word.p : "";
	if (rc == 0)
		rc = sbuf_puts(sc, out, value);
	free(word.p);
	return rc;
}

/* read_dollar - at '$': a reference, expanded; special parameters and
 * command substitutions are kept literally (complex); a lone '$' is itself. */
static int read_dollar(struct scan *sc, struct sbuf *out)
{
	int c = peek(sc, 1);
	const char *value;
	size_t n = 0;

	if (c == '{')
		return read_brace(sc, out);
	if (c == '(')
		return copy_through(sc, out, 2, '(', ')');
	if (is_name_start(c)) {
		while (is_name_char(peek(sc, 1 + n)))
			n++;
		value = lookup(sc, sc->s + sc->pos + 1, n);
		sc->pos += 1 + n;
		return sbuf_puts(sc, out, value ? value : "");
	}
	if (c >= 0 && strchr("0123456789@*#?-$!", c) != NULL) {
		sc->complex = 1;
		if (sbuf_putc(sc, out, '$') != 0 || sbuf_putc(sc, out, (char)c) != 0)
			return -1;
		sc->pos += 2;
		return 0;
	}
	advance(sc);
	return sbuf_putc(sc, out, '$');
}

/* read_single - at '\'': everything up to the next '\'' literally. */
static int read_single(struct scan *sc, struct sbuf *out)
{
	advance(sc);
	return copy_until(sc, out, '\'', 0, "single quote not closed");
}

/* read_double_escape - at '\\' inside double quotes. */
static int read_double_escape(struct scan *sc, struct sbuf *out)
{
	int c = peek(sc, 1);

	if (c == '\n') {
		advance(sc);
		advance(sc);
		return 0;
	}
	advance(sc);
	if (c == '$' || c == '`' || c == '"' || c == '\\') {
		advance(sc);
		return sbuf_putc(sc, out, (char)c);
	}
	return sbuf_putc(sc, out, '\\');
}

/* read_double - at '"': up to the closing '"', with escapes and references. */
static int read_double(struct scan *sc, struct sbuf *out)
{
	int c, rc;

	advance(sc);
	while ((c = peek(sc, 0)) >= 0 && c != '"') {
		if (c == '\\')
			rc = read_double_escape(sc, out);
		else if (c == '$')
			rc = read_dollar(sc, out);
		else if (c == '`')
			rc = copy_through(sc, out, 1, '`', '`');
		else {
			rc = sbuf_putc(sc, out, (char)c);
			advance(sc);
		}
		if (rc != 0)
			return -1;
	}
	if (c < 0)
		return fail(sc, "double quote not closed");
	advance(sc);
	return 0;
}

/* read_escape - at an unquoted '\\': backslash-newline vanishes, any other
 * character stands for itself. */
static int read_escape(struct scan *sc, struct sbuf *out)
{
	int c = peek(sc, 1);

	advance(sc);
	if (c < 0)
		return sbuf_putc(sc, out, '\\');
	advance(sc);
	return c == '\n' ? 0 : sbuf_putc(sc, out, (char)c);
}

/* read_word - one word from the current position into out (quotes removed,
 * references expanded), up to an unquoted blank, newline or operator. */
static int read_word(struct scan *sc, struct sbuf *out)
{
	int c, rc;

	while (!is_word_end(c = peek(sc, 0))) {
		if (c == '\'')
			rc = read_single(sc, out);
		else if (c == '"')
			rc = read_double(sc, out);
		else if (c == '\\')
			rc = read_escape(sc, out);
		else if (c == '$')
			rc = read_dollar(sc, out);
		else if (c == '`')
			rc = copy_through(sc, out, 1, '`', '`');
		else {
			rc = sbuf_putc(sc, out, (char)c);
			advance(sc);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* assignment_name - length of NAME when the text here reads NAME=..., else 0. */
static size_t assignment_name(const struct scan *sc)
{
	size_t n = 0;

	if (!is_name_start(peek(sc, 0)))
		return 0;
	while (is_name_char(peek(sc, n)))
		n++;
	return peek(sc, n) == '=' ? n : 0;
}

/* read_assignment - NAME=word into the command's pending list (the value
 * is read first: `A=x$A` refers to the earlier A). */
static int read_assignment(struct scan *sc, size_t namelen)
{
	struct pending *a;
	struct sbuf value = { 0 };
	unsigned line = sc->line;
	size_t start = sc->pos;
	char *name;

	if (sc->ncmd == SHVARS_MAX_PENDING)
		return fail(sc, "too many assignments in one command");
	name = strndup(sc->s + sc->pos, namelen);
	if (name == NULL) {
		mt_err_set(sc->err, "internal", "out of memory parsing %s", sc->file);
		return -1;
	}
	sc->pos += namelen + 1;
	sc->complex = 0;
	if (read_word(sc, &value) != 0) {
		free(value.p);
		free(name);
		return -1;
	}
	a = &sc->cmd[sc->ncmd];
	a->value = sbuf_take(sc, &value);
	if (a->value == NULL) {
		free(name);
		return -1;
	}
	a->name = name;
	a->line = line;
	a->last_line = sc->line;
	a->start = start;
	a->end = sc->pos;
	a->complex = sc->complex;
	sc->ncmd++;
	return 0;
}

/* drop_pending - free the command's pending assignments. */
static void drop_pending(struct scan *sc)
{
	for (size_t i = 0; i < sc->ncmd; i++) {
		free(sc->cmd[i].name);
		free(sc->cmd[i].value);
	}
	sc->ncmd = 0;
}

/* commit_pending - move the command's assignments into the file set. */
static int commit_pending(struct scan *sc)
{
	struct shvars *sv = sc->sv;
	struct shvar *v;
	size_t cap;

	if (sv->n + sc->ncmd > SHVARS_MAX_VARS)
		return fail(sc, "too many assignments");
	if (sv->n + sc->ncmd > sv->cap) {
		cap = sv->cap ? sv->cap * 2 : 64;
		while (cap < sv->n + sc->ncmd)
			cap *= 2;
		v = realloc(sv->vars, cap * sizeof(*v));
		if (v == NULL) {
			mt_err_set(sc->err, "internal", "out of memory parsing %s", sc->file);
			return -1;
		}
		sv->vars = v;
		sv->cap = cap;
	}
	for (size_t i = 0; i < sc->ncmd; i++) {
		v = &sv->vars[sv->n++];
		v->name = sc->cmd[i].name;
		v->value = sc->cmd[i].value;
		v->file = sc->file;
		v->line = sc->cmd[i].line;
		v->last_line = sc->cmd[i].last_line;
		v->start = sc->cmd[i].start;
		v->end = sc->cmd[i].end;
		v->complex = sc->cmd[i].complex;
	}
	sc->ncmd = 0;
	return 0;
}

/* skip_blanks - spaces, tabs and backslash-newlines between words. */
static void skip_blanks(struct scan *sc)
{
	for (;;) {
		if (peek(sc, 0) == ' ' || peek(sc, 0) == '\t')
			advance(sc);
		else if (peek(sc, 0) == '\\' && peek(sc, 1) == '\n') {
			advance(sc);
			advance(sc);
		} else
			return;
	}
}

static void skip_line(struct scan *sc)
{
	while (peek(sc, 0) >= 0 && peek(sc, 0) != '\n')
		advance(sc);
}

/* Words that make a command's own assignments stick (special builtins). */
static int is_export(const char *word)
{
	return strcmp(word, "export") == 0 || strcmp(word, "readonly") == 0;
}

/* command_word - a word that is not an assignment. Returns the new command
 * state: 1 export/readonly seen, 2 another command (assignments dropped). */
static int command_word(struct scan *sc, int state)
{
	struct sbuf word = { 0 };
	int rc = read_word(sc, &word);

	if (rc == 0 && state == 0)
		state = word.p != NULL && is_export(word.p) ? 1 : 2;
	free(word.p);
	return rc != 0 ? -1 : state;
}

/* parse_command - one simple command up to ';', newline, '#' or an
 * operator; its assignments are kept unless it runs some other command. */
static int parse_command(struct scan *sc)
{
	int state = 0, c;
	size_t n;

	for (;;) {
		skip_blanks(sc);
		c = peek(sc, 0);
		if (c < 0 || c == '\n' || c == ';')
			break;
		if (c == '#' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>') {
			if (c != '#')
				state = 2;     /* pipelines, subshells, redirections: not understood */
			skip_line(sc);
			break;
		}
		n = state != 2 ? assignment_name(sc) : 0;
		if (n > 0 && read_assignment(sc, n) != 0)
			return -1;
		if (n == 0 && (state = command_word(sc, state)) < 0)
			return -1;
	}
	advance(sc);
	if (state == 2) {
		drop_pending(sc);
		return 0;
	}
	return commit_pending(sc);
}

int shvars_parse(struct shvars *sv, const char *file, const char *text, size_t len,
		 struct mt_err *err)
{
	struct scan sc;
	int rc = 0;

	if (sv->nfiles == SHVARS_MAX_FILES) {
		mt_err_set(err, "io_error", "%s: too many configuration files", file);
		return -1;
	}
	sv->files[sv->nfiles] = strdup(file);
	if (sv->files[sv->nfiles] == NULL) {
		mt_err_set(err, "internal", "out of memory parsing %s", file);
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.s = text;
	sc.len = strnlen(text, len);   /* the shell stops reading a word at NUL */
	sc.line = 1;
	sc.sv = sv;
	sc.file = sv->files[sv->nfiles++];
	sc.err = err;
	while (rc == 0 && sc.pos < sc.len)
		rc = parse_command(&sc);
	drop_pending(&sc);
	return rc;
}

int shvars_load(struct shvars *sv, const char *path, struct mt_err *err)
{
	struct safefile f;
	int rc = safefile_read(path, &f, err);

	if (rc != 0)
		return rc;
	rc = shvars_parse(sv, path, f.data, f.len, err);
	safefile_free(&f);
	return rc;
}

const struct shvar *shvars_get(const struct shvars *sv, const char *name)
{
	for (size_t i = sv->n; i-- > 0;)
		if (strcmp(sv->vars[i].name, name) == 0)
			return &sv->vars[i];
	return NULL;
}

void shvars_free(struct shvars *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		free(sv->vars[i].name);
		free(sv->vars[i].value);
	}
	free(sv->vars);
	for (size_t i = 0; i < sv->nfiles; i++)
		free(sv->files[i]);
	memset(sv, 0, sizeof(*sv));
}
