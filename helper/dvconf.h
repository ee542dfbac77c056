/*
 * dvconf.h - Dovecot's configuration files (dovecot.conf syntax, 2.2/2.3).
 *
 * Owns: reading dovecot.conf and everything it includes, in Dovecot's order:
 * `key = value` lines, `#` comments (outside quotes), `\` continuation,
 * "quoted" and 'quoted' values, `$name` references to earlier values
 * (`protocols = $protocols imap`), `key = <file` (recorded, the file is
 * never read), sections `type [name] {` ... `}`, `!include PATTERN` and
 * `!include_try PATTERN` (glob(3) order, relative to the including file's
 * directory, processed where they stand). Every assignment is kept, in
 * order, with its section path, file and line: the caller decides which one
 * wins (the last one in the most specific section that applies).
 *
 * Must never: read a file other than through safefile_read, read a `<file`
 * value, run doveconf, or follow includes deeper than DVCONF_MAX_DEPTH or
 * into more than DVCONF_MAX_FILES files.
 *
 * A planned change can be read before it is written: overlays stand in for
 * files (their text is read instead of the disk's, and an `!include`
 * pattern matches an overlay even when its file does not exist yet).
 *
 * A configuration Dovecot itself refuses (a missing `!include` target, a
 * recursive include, `Expecting '='`, an unbalanced `}`) is an error here
 * too (io_error): the daemon would not load it.
 */
#ifndef MT_DVCONF_H
#define MT_DVCONF_H

#include <stddef.h>

#include "err.h"

#define DVCONF_MAX_DEPTH 8          /* nested !include levels below the main file */
#define DVCONF_MAX_FILES 128        /* files read, the main file included */
#define DVCONF_MAX_GLOB 128         /* files one !include pattern may match */
#define DVCONF_MAX_SECTIONS 16      /* nested { } sections */
#define DVCONF_MAX_ENTRIES 65536    /* assignments over all files */
#define DVCONF_MAX_LINE 65536       /* bytes of one logical line (continuations joined) */
#define DVCONF_SECTION_MAX 512      /* bytes of a section path */

/* A built-in default that a `$name` reference may expand to. */
struct dvconf_default {
	const char *key;
	const char *value;
};

struct dvconf_entry {
	char *key;           /* owned */
	char *value;         /* owned: unquoted and expanded; for `key = <path` the path */
	char *section;       /* owned: "" at top level, else labels joined by '/':
	                        "protocol imap", "service imap-login/inet_listener imaps" */
	const char *file;    /* borrowed from the struct dvconf */
	unsigned line;       /* first physical line of the assignment */
	unsigned last_line;  /* its last physical line (> line after `\` continuations) */
	int from_file;       /* written `key = <path`: the value lives in that file */
	int unresolved;      /* a `$name` this parser has no value for was expanded to "" */
};

/* A file's text that stands in for what is on disk (a planned change). */
struct dvconf_overlay {
	const char *path;    /* absolute, as an !include pattern would produce it */
	const char *text;
	size_t len;
};

struct dvconf {
	struct dvconf_entry *entries;  /* owned, in the order Dovecot applies them */
	size_t n;
	size_t cap;
	char **files;                  /* owned: every file read, in reading order */
	size_t nfiles;
};

/* dvconf_load - parse path and its includes into conf (zeroed first;
 * defaults, terminated by a NULL key, may be NULL). Returns 0; 1 when path
 * does not exist (conf empty); -1 with unsafe_file, io_error (read failure,
 * syntax Dovecot refuses, a bound exceeded) or internal (out of memory).
 * conf must be freed with dvconf_free in every case. */
int dvconf_load(struct dvconf *conf, const char *path, const struct dvconf_default *defaults,
		struct mt_err *err);

/* dvconf_load_overlay - dvconf_load with overlays[0..n) read instead of
 * their files (borrowed for the call). An overlay of path itself is the
 * main file's text. Returns 0, 1 or -1 as dvconf_load. */
int dvconf_load_overlay(struct dvconf *conf, const char *path, const struct dvconf_default *defaults,
			const struct dvconf_overlay *overlays, size_t n, struct mt_err *err);

/* dvconf_comment_at - the offset of the `#` that starts a comment in the
 * physical line p[0..len) (quotes respected, as the parser strips it), or
 * len when there is none. */
size_t dvconf_comment_at(const char *p, size_t len);

/* dvconf_parse_text - as dvconf_load (conf zeroed first) for text[0..len)
 * standing for the file named path; its includes are read from disk
 * relative to path. Returns 0 or -1. */
int dvconf_parse_text(struct dvconf *conf, const char *path, const char *text, size_t len,
		      const struct dvconf_default *defaults, struct mt_err *err);

/* dvconf_last - the last assignment of key in exactly this section path
 * ("" for the top level), or NULL. Borrowed from conf. */
const struct dvconf_entry *dvconf_last(const struct dvconf *conf, const char *section,
				       const char *key);

/* dvconf_free - release everything conf owns and zero it. */
void dvconf_free(struct dvconf *conf);

#endif
