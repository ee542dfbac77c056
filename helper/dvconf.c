/*
 * dvconf.c - dovecot.conf and its includes, as Dovecot's config parser
 * (src/config/config-parser.c, 2.3) reads them.
 *
 * Owns: line splitting, comments, continuation, quoting, `$name`
 * expansion, sections and includes. Interpreting the settings (which one
 * governs an endpoint) is the adapter's job (dovecot.c).
 * Must never: read a file other than through safefile_read, open a `<file`
 * value, or recurse without the bounds of dvconf.h.
 */
#include "dvconf.h"

#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safefile.h"

#ifndef GLOB_BRACE
#define GLOB_BRACE 0
#endif

struct parser {
	struct dvconf *conf;
	const struct dvconf_default *defaults;
	struct mt_err *err;
	char section[DVCONF_SECTION_MAX];          /* current section path */
	size_t seclen[DVCONF_MAX_SECTIONS];         /* path length before each open section */
	size_t depth;                               /* open sections */
	const char *stack[DVCONF_MAX_DEPTH + 1];    /* files being read, outermost first */
	size_t nstack;
	const struct dvconf_overlay *overlays;      /* borrowed: texts read instead of files */
	size_t noverlays;
};

/* One file being read: its text and the logical line being assembled. */
struct input {
	const char *path;      /* borrowed from conf->files */
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;         /* physical lines read so far */
	char *phys;            /* owned scratch: one physical line */
	char *full;            /* owned: the logical line (continuations joined) */
	size_t fulllen;
	unsigned start;        /* first physical line of the logical line */
};

static int is_white(char c)
{
	return c == ' ' || c == '\t';
}

/* syntax - an error Dovecot would report for this line; returns -1. */
static int syntax(struct parser *ps, const struct input *in, const char *what)
{
	mt_err_set(ps->err, "io_error", "%s line %u: %s (Dovecot refuses this configuration)",
		   in->path, in->line, what);
	return -1;
}

static int oom(struct parser *ps)
{
	mt_err_set(ps->err, "internal", "out of memory reading the Dovecot configuration");
	return -1;
}

/* add_file - keep a copy of path in conf->files; NULL on a bound or OOM. */
static const char *add_file(struct parser *ps, const char *path)
{
	struct dvconf *conf = ps->conf;
	char **files;
	char *copy;

	if (conf->nfiles == DVCONF_MAX_FILES) {
		mt_err_set(ps->err, "io_error", "%s: more than %d Dovecot configuration files", path,
			   DVCONF_MAX_FILES);
		return NULL;
	}
	files = realloc(conf->files, (conf->nfiles + 1) * sizeof(*files));
	if (files == NULL || (copy = strdup(path)) == NULL) {
		if (files != NULL)
			conf->files = files;
		oom(ps);
		return NULL;
	}
	conf->files = files;
	conf->files[conf->nfiles++] = copy;
	return copy;
}

/* add_entry - record one assignment in the current section. */
static int add_entry(struct parser *ps, const struct input *in, const char *key, const char *value,
		     int from_file, int unresolved)
{
	struct dvconf *conf = ps->conf;
	struct dvconf_entry *e;
	size_t cap;

	if (conf->n == DVCONF_MAX_ENTRIES)
		return syntax(ps, in, "too many settings");
	if (conf->n == conf->cap) {
		cap = conf->cap ? conf->cap * 2 : 256;
		e = realloc(conf->entries, cap * sizeof(*e));
		if (e == NULL)
			return oom(ps);
		conf->entries = e;
		conf->cap = cap;
	}
	e = &conf->entries[conf->n];
	memset(e, 0, sizeof(*e));
	e->key = strdup(key);
	e->value = strdup(value);
	e->section = strdup(ps->section);
	if (e->key == NULL || e->value == NULL || e->section == NULL) {
		free(e->key);
		free(e->value);
		free(e->section);
		return oom(ps);
	}
	e->file = in->path;
	e->line = in->start;
	e->last_line = in->line;
	e->from_file = from_file;
	e->unresolved = unresolved;
	conf->n++;
	return 0;
}

/* parent_len - length of the parent of section path s[0..len) (0 at top). */
static size_t parent_len(const char *s, size_t len)
{
	while (len > 0 && s[len - 1] != '/')
		len--;
	return len > 0 ? len - 1 : 0;
}

/* current_value - what `$name` stands for here: the last assignment of name
 * in this section or the nearest enclosing one, else the built-in default.
 * Borrowed; NULL when unknown. */
static const char *current_value(const struct parser *ps, const char *name)
{
	const struct dvconf *conf = ps->conf;
	size_t len = strlen(ps->section);

	for (;;) {
		for (size_t i = conf->n; i-- > 0;)
			if (strcmp(conf->entries[i].key, name) == 0 &&
			    strlen(conf->entries[i].section) == len &&
			    strncmp(conf->entries[i].section, ps->section, len) == 0)
				return conf->entries[i].value;
		if (len == 0)
			break;
		len = parent_len(ps->section, len);
	}
	for (size_t i = 0; ps->defaults != NULL && ps->defaults[i].key != NULL; i++)
		if (strcmp(ps->defaults[i].key, name) == 0)
			return ps->defaults[i].value;
	return NULL;
}

/* append - add s[0..n) to out (capacity DVCONF_MAX_LINE + 1). */
static int append(char *out, size_t *len, const char *s, size_t n)
{
	if (*len + n > DVCONF_MAX_LINE)
		return -1;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* expand_token - one space-separated token: `$name` replaced by its value. */
static int expand_token(const struct parser *ps, const char *tok, size_t n, char *out, size_t *len,
			int *unresolved)
{
	char name[256];
	const char *value;

	if (n < 2 || tok[0] != '$')
		return append(out, len, tok, n);
	if (n - 1 >= sizeof(name) || strncmp(tok + 1, "ENV:", 4) == 0) {
		*unresolved = 1;        /* the environment of Dovecot's config process */
		return 0;
	}
	memcpy(name, tok + 1, n - 1);
	name[n - 1] = '\0';
	value = current_value(ps, name);
	if (value == NULL) {
		*unresolved = 1;
		return 0;
	}
	return append(out, len, value, strlen(value));
}

/* expand - Dovecot's expansion of an unquoted value holding '$': tokens are
 * split at ' ', a token starting with '$' is replaced by the current value
 * of that setting, tokens are joined with one space. out holds
 * DVCONF_MAX_LINE + 1 bytes. */
static int expand(struct parser *ps, const struct input *in, const char *value, char *out,
		  int *unresolved)
{
	size_t len = 0, n;
	const char *end;

	out[0] = '\0';
	for (;;) {
		end = strchr(value, ' ');
		n = end ? (size_t)(end - value) : strlen(value);
		if (expand_token(ps, value, n, out, &len, unresolved) != 0)
			return syntax(ps, in, "value too long after $ expansion");
		if (end == NULL)
			return 0;
		if (append(out, &len, " ", 1) != 0)
			return syntax(ps, in, "value too long after $ expansion");
		while (is_white(*end))
			end++;
		value = end;
	}
}

/* unescape - Dovecot's str_unescape in place: "\x" stands for x. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && *++s == '\0')
			break;
		*d++ = *s;
	}
	*d = '\0';
}

/* assign - `key = value` (value starts after the '=' and blanks). */
static int assign(struct parser *ps, const struct input *in, const char *key, char *value)
{
	size_t len = strlen(value);
	char *out;
	int unresolved = 0, rc;

	if (value[0] == '<') {
		for (value++; is_white(*value); value++)
			;
		return add_entry(ps, in, key, value, 1, 0);
	}
	if (value[0] != '"' && value[0] != '\'' && strchr(value, '$') != NULL) {
		out = malloc(DVCONF_MAX_LINE + 1);
		if (out == NULL)
			return oom(ps);
		rc = expand(ps, in, value, out, &unresolved);
		if (rc == 0)
			rc = add_entry(ps, in, key, out, 0, unresolved);
		free(out);
		return rc;
	}
	if (len > 0 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
		value[len - 1] = '\0';
		value++;
		unescape(value);
	}
	return add_entry(ps, in, key, value, 0, 0);
}

/* open_section - `type [name] {`: rest is what follows the type. */
static int open_section(struct parser *ps, const struct input *in, const char *type, char *rest)
{
	const char *name = "";
	size_t len = strlen(ps->section), need;

	if (*rest != '{') {
		name = rest;
		if (*rest == '"') {
			name = ++rest;
			while (*rest != '"' && *rest != '\0')
				rest++;
			if (*rest == '"')
				*rest++ = '\0';
		} else {
			while (!is_white(*rest) && *rest != '\0')
				rest++;
		}
		if (*rest != '\0')
			*rest++ = '\0';
		while (is_white(*rest))
			rest++;
		if (*rest != '{')
			return syntax(ps, in, "Expecting '='");
	}
	if (rest[1] != '\0')
		return syntax(ps, in, "Garbage after '{'");
	if (ps->depth == DVCONF_MAX_SECTIONS)
		return syntax(ps, in, "sections nested too deeply");
	need = len + (len > 0) + strlen(type) + (name[0] != '\0') + strlen(name);
	if (need >= sizeof(ps->section))
		return syntax(ps, in, "section path too long");
	ps->seclen[ps->depth++] = len;
	strcat(strcat(strcat(strcat(ps->section, len > 0 ? "/" : ""), type), name[0] ? " " : ""), name);
	return 0;
}

static int close_section(struct parser *ps, const struct input *in)
{
	if (ps->depth == 0)
		return syntax(ps, in, "Unexpected '}'");
	ps->section[ps->seclen[--ps->depth]] = '\0';
	return 0;
}

static int parse_text(struct parser *ps, const char *path, const char *text, size_t len);

/* find_overlay - the overlay standing for path, or NULL (borrowed). */
static const struct dvconf_overlay *find_overlay(const struct parser *ps, const char *path)
{
	for (size_t i = 0; i < ps->noverlays; i++)
		if (strcmp(ps->overlays[i].path, path) == 0)
			return &ps->overlays[i];
	return NULL;
}

/* read_file - path's text: its overlay (copied) or the file through
 * safefile_read. Returns 0, 1 when it does not exist, -1 with an error. */
static int read_file(struct parser *ps, const char *path, struct safefile *f)
{
	const struct dvconf_overlay *ov = find_overlay(ps, path);

	if (ov == NULL)
		return safefile_read(path, f, ps->err);
	memset(f, 0, sizeof(*f));
	f->data = malloc(ov->len + 1);
	if (f->data == NULL)
		return oom(ps);
	memcpy(f->data, ov->text, ov->len);
	f->data[ov->len] = '\0';
	f->len = ov->len;
	return 0;
}

/* include_one - read and parse one file an include pattern matched. */
static int include_one(struct parser *ps, const struct input *in, const char *path, int try)
{
	struct safefile f;
	const char *copy;
	int rc;

	for (size_t i = 0; i < ps->nstack; i++)
		if (strcmp(ps->stack[i], path) == 0)
			return syntax(ps, in, "Recursive include file");
	if (ps->nstack > DVCONF_MAX_DEPTH)
		return syntax(ps, in, "includes nested too deeply");
	rc = read_file(ps, path, &f);
	if (rc == 1 && try)
		return 0;
	if (rc == 1)
		return syntax(ps, in, "Couldn't open include file");
	if (rc != 0)
		return -1;
	copy = add_file(ps, path);
	rc = copy ? parse_text(ps, copy, f.data, f.len) : -1;
	safefile_free(&f);
	return rc;
}

/* by_path - qsort order of glob(3) under LC_ALL=C. */
static int by_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* add_overlay_matches - paths[*n..] gets every overlay that full matches
 * and glob did not find (a file the planned change creates); sorted with
 * the glob matches again when one was added. cap bounds the array. */
static void add_overlay_matches(const struct parser *ps, const char *full, const char **paths,
				size_t *n, size_t cap)
{
	size_t found = *n, j;

	for (size_t i = 0; i < ps->noverlays && *n < cap; i++) {
		if (fnmatch(full, ps->overlays[i].path, FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		for (j = 0; j < found && strcmp(paths[j], ps->overlays[i].path) != 0; j++)
			;
		if (j == found)
			paths[(*n)++] = ps->overlays[i].path;
	}
	if (*n > found)
		qsort(paths, *n, sizeof(*paths), by_path);
}

/* include_paths - read every file of one include, in order. */
static int include_paths(struct parser *ps, const struct input *in, const char *full, glob_t *g,
			 int try)
{
	const char *paths[DVCONF_MAX_GLOB + 1];
	size_t n = 0;
	int rc = 0;

	if (g->gl_pathc > DVCONF_MAX_GLOB)
		return syntax(ps, in, "!include matches too many files");
	for (size_t i = 0; i < g->gl_pathc; i++)
		paths[n++] = g->gl_pathv[i];
	add_overlay_matches(ps, full, paths, &n, DVCONF_MAX_GLOB + 1);
	if (n > DVCONF_MAX_GLOB)
		return syntax(ps, in, "!include matches too many files");
	if (n == 0 && !try)
		return syntax(ps, in, "!include matches no file");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = include_one(ps, in, paths[i], try);
	return rc;
}

/* include - `!include PATTERN` / `!include_try PATTERN`, relative to the
 * including file's directory, the matches in glob(3) order (overlays
 * included). */
static int include(struct parser *ps, const struct input *in, const char *pattern, int try)
{
	char full[PATH_MAX];
	const char *slash = strrchr(in->path, '/');
	glob_t g;
	int rc, n;

	if (pattern[0] == '/' || slash == NULL)
		n = snprintf(full, sizeof(full), "%s", pattern);
	else
		n = snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - in->path), in->path, pattern);
	if (n < 0 || (size_t)n >= sizeof(full))
		return syntax(ps, in, "include path too long");
	memset(&g, 0, sizeof(g));
	rc = glob(full, GLOB_BRACE, NULL, &g);
	if (rc != 0 && rc != GLOB_NOMATCH) {
		globfree(&g);
		return syntax(ps, in, "glob() failed");
	}
	rc = include_paths(ps, in, full, &g, try);
	globfree(&g);
	return rc;
}

/* apply - one logical line (comments stripped, trimmed, not empty). */
static int apply(struct parser *ps, const struct input *in, char *line)
{
	char *key = line, *rest = line;

	while (!is_white(*rest) && *rest != '\0' && *rest != '=')
		rest++;
	if (is_white(*rest)) {
		*rest++ = '\0';
		while (is_white(*rest))
			rest++;
	}
	if (strcmp(key, "!include") == 0 || strcmp(key, "!include_try") == 0)
		return include(ps, in, rest, key[8] == '_');
	if (*rest == '=') {
		*rest++ = '\0';
		while (is_white(*rest))
			rest++;
		return assign(ps, in, key, rest);
	}
	if (strcmp(key, "}") == 0 && *rest == '\0')
		return close_section(ps, in);
	return open_section(ps, in, key, rest);
}

size_t dvconf_comment_at(const char *p, size_t len)
{
	char quote;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\'' || p[i] == '"') {
			quote = p[i];
			for (i++; i < len && p[i] != quote; i++)
				if (p[i] == '\\' && i + 1 < len)
					i++;
			if (i >= len)
				return len;     /* an open quote: nothing is a comment */
		} else if (p[i] == '#') {
			return i;
		}
	}
	return len;
}

/* strip_comment - cut line at the first '#' outside quotes. */
static void strip_comment(char *p)
{
	p[dvconf_comment_at(p, strlen(p))] = '\0';
}

/* trim_end - length of p without trailing blanks. */
static size_t trim_end(const char *p, size_t len)
{
	while (len > 0 && is_white(p[len - 1]))
		len--;
	return len;
}

/* next_physical - copy the next physical line into in->phys (NUL-cut, no
 * "\r\n"); 0 at the end of the text, -1 when it is too long. */
static int next_physical(struct parser *ps, struct input *in)
{
	const char *nl, *start = in->text + in->pos;
	size_t n;

	if (in->pos >= in->len)
		return 0;
	nl = memchr(start, '\n', in->len - in->pos);
	n = nl ? (size_t)(nl - start) : in->len - in->pos;
	in->pos += n + (nl != NULL);
	in->line++;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > DVCONF_MAX_LINE)
		return syntax(ps, in, "line too long");
	memcpy(in->phys, start, n);
	in->phys[n] = '\0';
	return 1;
}

/* physical - handle one physical line: skip, continue, or apply. */
static int physical(struct parser *ps, struct input *in)
{
	char *p = in->phys;
	size_t len;

	while (is_white(*p))
		p++;
	if (*p == '#' || *p == '\0') {
		in->fulllen = 0;           /* Dovecot drops a pending continuation here */
		return 0;
	}
	strip_comment(p);
	len = trim_end(p, strlen(p));
	if (in->fulllen == 0)
		in->start = in->line;
	if (len > 0 && p[len - 1] == '\\') {
		len = trim_end(p, len - 1);
		if (len > 0 && (append(in->full, &in->fulllen, p, len) != 0 ||
				append(in->full, &in->fulllen, " ", 1) != 0))
			return syntax(ps, in, "line too long");
		return 0;
	}
	if (append(in->full, &in->fulllen, p, len) != 0)
		return syntax(ps, in, "line too long");
	in->fulllen = 0;
	return in->full[0] != '\0' ? apply(ps, in, in->full) : 0;
}

/* parse_text - every line of one file; includes recurse from apply(). */
static int parse_text(struct parser *ps, const char *path, const char *text, size_t len)
{
	struct input in = { 0 };
	int rc;

	in.path = path;
	in.text = text;
	in.len = len;
	in.phys = malloc(DVCONF_MAX_LINE + 1);
	in.full = malloc(DVCONF_MAX_LINE + 1);
	if (in.phys == NULL || in.full == NULL) {
		rc = oom(ps);
		goto out;
	}
	in.full[0] = '\0';
	ps->stack[ps->nstack++] = path;
	while ((rc = next_physical(ps, &in)) > 0)
		if ((rc = physical(ps, &in)) != 0)
			break;
	ps->nstack--;
out:
	free(in.phys);
	free(in.full);
	return rc;
}

/* parse_main - the main file's text with the parser ps (set up by the caller). */
static int parse_main(struct parser *ps, const char *path, const char *text, size_t len)
{
	const char *copy = add_file(ps, path);
	int rc;

	if (copy == NULL)
		return -1;
	rc = parse_text(ps, copy, text, len);
	if (rc == 0 && ps->depth > 0) {
		mt_err_set(ps->err, "io_error", "%s: missing '}' (Dovecot refuses this configuration)",
			   path);
		rc = -1;
	}
	return rc;
}

/* parser_init - a parser for conf (zeroed). */
static void parser_init(struct parser *ps, struct dvconf *conf, const struct dvconf_default *defaults,
			struct mt_err *err)
{
	memset(conf, 0, sizeof(*conf));
	memset(ps, 0, sizeof(*ps));
	ps->conf = conf;
	ps->defaults = defaults;
	ps->err = err;
}

int dvconf_parse_text(struct dvconf *conf, const char *path, const char *text, size_t len,
		      const struct dvconf_default *defaults, struct mt_err *err)
{
	struct parser ps;

	parser_init(&ps, conf, defaults, err);
	return parse_main(&ps, path, text, len);
}

int dvconf_load_overlay(struct dvconf *conf, const char *path, const struct dvconf_default *defaults,
			const struct dvconf_overlay *overlays, size_t n, struct mt_err *err)
{
	struct parser ps;
	struct safefile f;
	int rc;

	parser_init(&ps, conf, defaults, err);
	ps.overlays = overlays;
	ps.noverlays = n;
	rc = read_file(&ps, path, &f);
	if (rc != 0)
		return rc;
	rc = parse_main(&ps, path, f.data, f.len);
	safefile_free(&f);
	return rc;
}

int dvconf_load(struct dvconf *conf, const char *path, const struct dvconf_default *defaults,
		struct mt_err *err)
{
	return dvconf_load_overlay(conf, path, defaults, NULL, 0, err);
}

const struct dvconf_entry *dvconf_last(const struct dvconf *conf, const char *section,
				       const char *key)
{
	for (size_t i = conf->n; i-- > 0;)
		if (strcmp(conf->entries[i].key, key) == 0 &&
		    strcmp(conf->entries[i].section, section) == 0)
			return &conf->entries[i];
	return NULL;
}

void dvconf_free(struct dvconf *conf)
{
	for (size_t i = 0; i < conf->n; i++) {
		free(conf->entries[i].key);
		free(conf->entries[i].value);
		free(conf->entries[i].section);
	}
	free(conf->entries);
	for (size_t i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	memset(conf, 0, sizeof(*conf));
}
