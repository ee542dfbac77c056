/*
 * pfconf.h - Postfix main.cf and master.cf, read the way Postfix reads them.
 *
 * Owns: logical lines (a line that starts with whitespace continues the
 * previous one; blank lines and lines whose first non-blank character is '#'
 * are dropped without ending a logical line: Postfix's readllines()),
 * "name = value" (last definition wins), master.cf entries and their -o
 * overrides, $name / ${name} / $(name) expansion, and the built-in defaults
 * of the few parameters the helper reads.
 * Never: opens a file other than through safefile_read, writes anything, or
 * decides what a value means for TLS (pfproto and postfix.c do).
 *
 * A parsed file owns one arena holding every name and value; the records
 * point into it. Line numbers are 1-based physical lines.
 */
#ifndef MT_PFCONF_H
#define MT_PFCONF_H

#include <stddef.h>

#include "err.h"
#include "model.h"

#define PFCONF_EXPAND_DEPTH 8    /* nested $name references followed */
#define PFCONF_EXPAND_BUDGET 64  /* references substituted per expansion: a
				  * hostile $a$a$a... chain stays cheap */

struct pfconf_param {
	const char *name;   /* borrowed from the owning pfconf_main's arena */
	const char *value;  /* as written; a continuation's line break and
			     * surrounding blanks become one space */
	unsigned line;      /* first physical line of the logical line */
	unsigned last;      /* its last physical line that holds text (blank and
			     * comment lines between line and last are not its) */
};

struct pfconf_main {
	char path[MT_PATH_MAX];
	char *arena;                  /* owned */
	struct pfconf_param *params;  /* owned, in file order */
	size_t nparams;
	const struct pfconf_param **index;  /* owned: params by name, then file
					     * order (pfconf_main_find) */
	unsigned version;             /* Postfix major*100+minor for the built-in
				       * defaults (pfconf_version); 0 = newest */
};

struct pfconf_opt {
	const char *name;   /* borrowed from the owning pfconf_master's arena */
	const char *value;
	unsigned line;      /* physical line on which its "-o" stands */
};

struct pfconf_service {
	const char *name;     /* "smtp", "127.0.0.1:10025", "[::1]:smtp", ... */
	const char *type;     /* inet, unix, unix-dgram, fifo, pass */
	const char *command;  /* the 8th field, e.g. "smtpd" */
	unsigned line;        /* first physical line of the entry */
	unsigned last;        /* its last physical line that holds text */
	size_t opt0, nopts;   /* its -o overrides: opts[opt0 .. opt0 + nopts) */
};

struct pfconf_master {
	char path[MT_PATH_MAX];
	char *arena;                   /* owned */
	struct pfconf_service *svcs;   /* owned, in file order */
	size_t nsvcs;
	struct pfconf_opt *opts;       /* owned */
	size_t nopts;
};

/* Where a parameter's value comes from, as one service sees it. */
struct pfconf_value {
	const char *raw;    /* borrowed: as written, or the built-in default ("" unknown) */
	const char *file;   /* borrowed: master.cf for an override, else main.cf */
	unsigned line;      /* 0 for a built-in default */
	int is_default;     /* nobody set it */
	int is_override;    /* a master.cf -o of the service */
};

/* pfconf_main_read / pfconf_master_read - read and parse a file with
 * safefile_read (mc/mf own the result; free with the matching _free, also
 * after an error). Return 0; 1 when the file does not exist (left empty);
 * -1 with unsafe_file, io_error, or internal (out of memory). */
int pfconf_main_read(struct pfconf_main *mc, const char *path, struct mt_err *err);
int pfconf_master_read(struct pfconf_master *mf, const char *path, struct mt_err *err);

/* pfconf_main_parse / pfconf_master_parse - the same on text[0..len)
 * (borrowed; NUL bytes in it are dropped). path only names the file in
 * records. Return 0 or -1 (internal). */
int pfconf_main_parse(struct pfconf_main *mc, const char *path, const char *text, size_t len,
		      struct mt_err *err);
int pfconf_master_parse(struct pfconf_master *mf, const char *path, const char *text, size_t len,
			struct mt_err *err);

/* pfconf_main_free / pfconf_master_free - release (zeroed or freed is fine). */
void pfconf_main_free(struct pfconf_main *mc);
void pfconf_master_free(struct pfconf_master *mf);

/* pfconf_main_find - main.cf's last definition of name, or NULL (borrowed). */
const struct pfconf_param *pfconf_main_find(const struct pfconf_main *mc, const char *name);

/* pfconf_service_opt - the service's last -o for name, or NULL (borrowed). */
const struct pfconf_opt *pfconf_service_opt(const struct pfconf_master *mf,
					    const struct pfconf_service *s, const char *name);

/* pfconf_line_ignorable - a physical line p[0..len) that Postfix drops
 * without ending a logical line: blank, or a comment (first non-blank '#'). */
int pfconf_line_ignorable(const char *p, size_t len);

/* pfconf_version - "3.7.11" -> 307; 0 when it does not parse. */
unsigned pfconf_version(const char *mail_version);

/* pfconf_default - the built-in default of name for mc->version, or NULL
 * when the helper does not know the parameter (static string). */
const char *pfconf_default(const struct pfconf_main *mc, const char *name);

/* pfconf_lookup - where name's value comes from for service s (s NULL for
 * main.cf alone): s's last -o, else main.cf, else the built-in default
 * (file main.cf, line 0), else "" with is_default. mf may be NULL when s is.
 * Fills v with borrowed pointers. */
void pfconf_lookup(const struct pfconf_main *mc, const struct pfconf_master *mf,
		   const struct pfconf_service *s, const char *name, struct pfconf_value *v);

/* pfconf_expand - expand $name, ${name}, $(name), ${name?text},
 * ${name:text} and $$ in raw as service s sees the parameters (recursively,
 * at most PFCONF_EXPAND_DEPTH deep, PFCONF_EXPAND_BUDGET references in all)
 * into out[size]. Unknown names expand to "". Returns 0, or -1 when the
 * value does not fit, nests too deep (also a reference loop), uses more
 * references than the budget, or has a syntax error (out then holds ""). */
int pfconf_expand(const struct pfconf_main *mc, const struct pfconf_master *mf,
		  const struct pfconf_service *s, const char *raw, char *out, size_t size);

#endif
