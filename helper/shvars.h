/*
 * shvars.h - Courier's configuration files, read the way its launchers
 * source them: `. /etc/courier/imapd ; . /etc/courier/imapd-ssl`.
 *
 * Owns: the assignments of a set of shell-variable files (NAME=value,
 * NAME="value", NAME='value', words mixing those, `export NAME=value`),
 * comments, backslash-newline, and $NAME / ${NAME} / ${NAME:-word} /
 * ${NAME-word} references resolved against the earlier assignments of the
 * same file set (the launchers start from an empty environment: `env -i`).
 * Every assignment is kept, in order, with its file and line; the last one
 * wins.
 *
 * Must never: run a shell, evaluate a command substitution, read the
 * helper's environment, or read a file other than through safefile_read.
 * Anything the shell would evaluate but this parser does not (`$(...)`,
 * backquotes, $1, other ${...} forms) is kept literally and the assignment
 * is marked `complex`; a command that is not an assignment is skipped.
 */
#ifndef MT_SHVARS_H
#define MT_SHVARS_H

#include <stddef.h>

#include "err.h"

#define SHVARS_MAX_VARS 4096      /* assignments over the whole file set */
#define SHVARS_MAX_VALUE 65536    /* bytes of one expanded value */
#define SHVARS_MAX_FILES 8

struct shvar {
	char *name;          /* owned */
	char *value;         /* owned: what the shell assigns (quotes removed, references expanded) */
	const char *file;    /* borrowed from the struct shvars that holds it */
	unsigned line;       /* 1-based line where the assignment starts */
	unsigned last_line;  /* line where its word ends (> line: quoted newlines, `\`) */
	size_t start, end;   /* byte offsets in the file of `NAME=` and past its word */
	int complex;         /* holds shell syntax that was not evaluated (kept literally) */
};

struct shvars {
	struct shvar *vars;  /* owned, in assignment order */
	size_t n;
	size_t cap;
	char *files[SHVARS_MAX_FILES];  /* owned copies of the paths parsed */
	size_t nfiles;
};

/* shvars_load - read path with safefile_read and append its assignments to
 * sv (sv zeroed before the first call). Returns 0; 1 when the file does not
 * exist (sv unchanged); -1 with unsafe_file / io_error (unsafe file, read
 * failure, a quote left open, a bound exceeded, out of memory: internal).
 * On -1, sv keeps what earlier calls added and must still be freed. */
int shvars_load(struct shvars *sv, const char *path, struct mt_err *err);

/* shvars_parse - append the assignments of text[0..len) as if it were the
 * file named file (copied). Returns 0 or -1 as shvars_load. */
int shvars_parse(struct shvars *sv, const char *file, const char *text, size_t len,
		 struct mt_err *err);

/* shvars_get - the last assignment of name, or NULL. Borrowed from sv. */
const struct shvar *shvars_get(const struct shvars *sv, const char *name);

/* shvars_free - release everything sv owns and zero it. */
void shvars_free(struct shvars *sv);

#endif
