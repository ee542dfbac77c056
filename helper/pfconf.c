/*
 * pfconf.c - main.cf and master.cf parsing, $name expansion, defaults.
 *
 * Owns: Postfix's file grammar (readllines(), split_nameval(), master.cf
 * fields and -o arguments as master(8) and the daemons' getopt see them)
 * and the expansion of parameter references. Never: reads a file except
 * through safefile_read, writes, or interprets TLS values.
 *
 * Each file is parsed in one pass into one arena of size len + 2 (a logical
 * line never grows: a physical line's '\n' is kept or dropped, never added)
 * and record arrays sized by a counting pre-pass: no allocation per line.
 */
#include "pfconf.h"

#include <stdlib.h>
#include <string.h>

#include "pfproto.h"
#include "safefile.h"

#define PF_NAME_MAX 128  /* longest parameter name we look up */

/* pf_isspace - Postfix's ISSPACE() on the ASCII blanks. */
static int pf_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* pf_is_name_char - a character of a $name (ISALNUM or '_'). */
static int pf_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* ---- logical lines ------------------------------------------------------ */

struct pf_reader {
	const char *p, *end;  /* the unread text (borrowed) */
	unsigned lineno;      /* physical lines consumed */
	char *w;              /* arena write position */
};

/* line_end - the end of the physical line at r->p: its '\n' or the text's end. */
static const char *line_end(const struct pf_reader *r)
{
	const char *e = memchr(r->p, '\n', (size_t)(r->end - r->p));

	return e != NULL ? e : r->end;
}

int pfconf_line_ignorable(const char *p, size_t len)
{
	const char *e = p + len;

	while (p < e && pf_isspace(*p))
		p++;
	return p == e || *p == '#';
}

/* is_ignorable - a blank line or a comment (first non-blank is '#'). */
static int is_ignorable(const char *p, const char *e)
{
	return pfconf_line_ignorable(p, (size_t)(e - p));
}

/* take_line - consume one physical line, copying its text (NULs dropped)
 * to the arena when keep. */
static void take_line(struct pf_reader *r, int keep)
{
	const char *e = line_end(r);

	for (const char *q = r->p; keep && q < e; q++)
		if (*q != '\0')
			*r->w++ = *q;
	r->p = e < r->end ? e + 1 : e;
	r->lineno++;
}

/* gather - the lines of one logical line into the arena: its first line's
 * text, then for every further physical line a '\n' and (unless blank or a
 * comment) its text. *first and *last get its first physical line and the
 * last one that holds text. Returns 1 when it began with a blank (an orphan
 * continuation, which Postfix skips), 0 otherwise, -1 at the end. */
static int gather(struct pf_reader *r, unsigned *first, unsigned *last)
{
	int have = 0, orphan = 0;

	while (r->p < r->end) {
		int blank = is_ignorable(r->p, line_end(r));

		if (have && !blank && !pf_isspace(*r->p))
			break;  /* the next logical line begins here */
		if (!have && blank) {
			take_line(r, 0);
			continue;
		}
		if (have) {
			*r->w++ = '\n';
		} else {
			have = 1;
			orphan = pf_isspace(*r->p);
			*first = r->lineno + 1;
		}
		take_line(r, !blank);
		if (!blank)
			*last = r->lineno;
	}
	return have ? orphan : -1;
}

/* next_logical - the next logical line, NUL-terminated in the arena with
 * trailing blanks cut and one '\n' per physical line after its first; NULL
 * at the end. *first and *last get its first and last physical line (the
 * last that holds text: comments and blank lines after it are not its). */
static char *next_logical(struct pf_reader *r, unsigned *first, unsigned *last)
{
	char *start;
	int rc;

	do {
		start = r->w;
		rc = gather(r, first, last);
		if (rc == 1)
			r->w = start;
	} while (rc == 1);
	if (rc < 0)
		return NULL;
	while (r->w > start && pf_isspace(r->w[-1]))
		r->w--;
	*r->w++ = '\0';
	return start;
}

/* count_starts - an upper bound on logical lines: the physical lines that
 * begin with neither a blank nor '#'. */
static size_t count_starts(const char *t, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if ((i == 0 || t[i - 1] == '\n') && !pf_isspace(t[i]) && t[i] != '#')
			n++;
	return n;
}

/* collapse_breaks - in place: a run of blanks that holds a line break
 * becomes one space; other runs stay as written. */
static void collapse_breaks(char *s)
{
	char *w = s, *run;
	int nl;

	while (*s != '\0') {
		if (!pf_isspace(*s)) {
			*w++ = *s++;
			continue;
		}
		for (run = s, nl = 0; pf_isspace(*s); s++)
			nl |= *s == '\n';
		if (nl) {
			*w++ = ' ';
		} else {
			memmove(w, run, (size_t)(s - run));
			w += s - run;
		}
	}
	*w = '\0';
}

/* split_nameval - "name = value" in place (Postfix split_nameval()): the
 * name ends at a blank or '=', the value is trimmed. Returns 0 or -1. */
static int split_nameval(char *buf, char **name, char **value)
{
	char *np = buf, *ep, *cp, *vp, *end;

	while (pf_isspace(*np))
		np++;
	if (*np == '\0' || *np == '=')
		return -1;
	for (ep = np; *ep != '\0' && !pf_isspace(*ep) && *ep != '='; ep++)
		;
	for (cp = ep; pf_isspace(*cp); cp++)
		;
	if (*cp != '=')
		return -1;
	*ep = '\0';
	for (vp = cp + 1; pf_isspace(*vp); vp++)
		;
	for (end = vp + strlen(vp); end > vp && pf_isspace(end[-1]); end--)
		;
	*end = '\0';
	*name = np;
	*value = vp;
	return 0;
}

/* oom - the error of a failed allocation. */
static int oom(struct mt_err *err, const char *path)
{
	mt_err_set(err, "internal", "out of memory parsing %s", path);
	return -1;
}

/* ---- main.cf -------------------------------------------------------------- */

/* by_name - order of the main.cf index: name, then file order. */
static int by_name(const void *a, const void *b)
{
	const struct pfconf_param *x = *(const struct pfconf_param *const *)a;
	const struct pfconf_param *y = *(const struct pfconf_param *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x > y) - (x < y);
}

/* build_index - sort pointers to the parameters for pfconf_main_find. */
static int build_index(struct pfconf_main *mc, struct mt_err *err)
{
	mc->index = calloc(mc->nparams + 1, sizeof(*mc->index));
	if (mc->index == NULL)
		return oom(err, mc->path);
	for (size_t i = 0; i < mc->nparams; i++)
		mc->index[i] = &mc->params[i];
	qsort(mc->index, mc->nparams, sizeof(*mc->index), by_name);
	return 0;
}

int pfconf_main_parse(struct pfconf_main *mc, const char *path, const char *text, size_t len,
		      struct mt_err *err)
{
	struct pf_reader r = { text, text + len, 0, NULL };
	size_t cap = count_starts(text, len) + 1;
	char *line, *name, *value;
	unsigned first = 0, last = 0;

	mt_strlcpy(mc->path, path, sizeof(mc->path));
	mc->nparams = 0;
	mc->arena = malloc(len + 2);
	mc->params = calloc(cap, sizeof(*mc->params));
	if (mc->arena == NULL || mc->params == NULL)
		return oom(err, path);
	r.w = mc->arena;
	while ((line = next_logical(&r, &first, &last)) != NULL && mc->nparams < cap) {
		if (split_nameval(line, &name, &value) != 0)
			continue;  /* Postfix refuses such a line; it sets nothing */
		collapse_breaks(value);
		mc->params[mc->nparams].name = name;
		mc->params[mc->nparams].value = value;
		mc->params[mc->nparams].last = last;
		mc->params[mc->nparams++].line = first;
	}
	return build_index(mc, err);
}

int pfconf_main_read(struct pfconf_main *mc, const char *path, struct mt_err *err)
{
	struct safefile f = { 0 };
	int rc = safefile_read(path, &f, err);

	mt_strlcpy(mc->path, path, sizeof(mc->path));
	if (rc == 0)
		rc = pfconf_main_parse(mc, path, f.data, f.len, err);
	safefile_free(&f);
	return rc;
}

void pfconf_main_free(struct pfconf_main *mc)
{
	free(mc->arena);
	free(mc->params);
	free(mc->index);
	mc->arena = NULL;
	mc->params = NULL;
	mc->index = NULL;
	mc->nparams = 0;
}

const struct pfconf_param *pfconf_main_find(const struct pfconf_main *mc, const char *name)
{
	size_t lo = 0, hi = mc->index != NULL ? mc->nparams : 0, mid;

	while (lo < hi) {  /* the first entry whose name sorts after name */
		mid = lo + (hi - lo) / 2;
		if (strcmp(mc->index[mid]->name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && strcmp(mc->index[lo - 1]->name, name) == 0 ? mc->index[lo - 1] : NULL;
}

/* ---- master.cf ------------------------------------------------------------ */

struct pf_cursor {
	char *p;        /* the rest of a logical line (arena) */
	unsigned line;  /* physical line of p */
};

struct pf_master_build {
	struct pfconf_master *mf;
	size_t cap_svcs, cap_opts;
};

/* next_token - the next blank-separated token, NUL-terminated in place;
 * braces group (mystrtokq with "{}"). *tok_line gets its line. NULL at the
 * end of the logical line. */
static char *next_token(struct pf_cursor *c, unsigned *tok_line)
{
	char *p = c->p, *start;
	int level = 0;

	for (; pf_isspace(*p); p++)
		c->line += *p == '\n';
	if (*p == '\0') {
		c->p = p;
		return NULL;
	}
	start = p;
	*tok_line = c->line;
	for (; *p != '\0'; p++) {
		if (*p == '{')
			level++;
		else if (*p == '}' && level > 0)
			level--;
		else if (level == 0 && pf_isspace(*p))
			break;
		c->line += *p == '\n';
	}
	if (*p != '\0') {
		c->line += *p == '\n';
		*p++ = '\0';
	}
	c->p = p;
	return start;
}

/* unbrace - "{ text }" to "text" in place (extpar() with STRIP); a token
 * that does not start with '{' is returned as is; NULL when its first
 * brace does not close at its very end. */
static char *unbrace(char *tok)
{
	int level = 0;
	char *p, *end;

	if (*tok != '{')
		return tok;
	for (p = tok; *p != '\0'; p++)
		if (*p == '{')
			level++;
		else if (*p == '}' && --level == 0)
			break;
	if (*p != '}' || p[1] != '\0')
		return NULL;
	*p = '\0';
	for (tok++; pf_isspace(*tok); tok++)
		;
	for (end = tok + strlen(tok); end > tok && pf_isspace(end[-1]); end--)
		;
	*end = '\0';
	return tok;
}

/* add_opt - record one -o argument of the service being built. */
static void add_opt(struct pf_master_build *b, struct pfconf_service *s, char *arg, unsigned line)
{
	struct pfconf_master *mf = b->mf;
	char *name, *value;

	if (arg == NULL || mf->nopts == b->cap_opts || split_nameval(arg, &name, &value) != 0)
		return;  /* the daemon would refuse it: it overrides nothing */
	collapse_breaks(value);
	mf->opts[mf->nopts].name = name;
	mf->opts[mf->nopts].value = value;
	mf->opts[mf->nopts++].line = line;
	s->nopts++;
}

/* parse_args - the command's arguments: "-o name=value", "-o { name =
 * value }" and getopt's attached "-oname=value"; other arguments are not
 * ours. */
static void parse_args(struct pf_master_build *b, struct pfconf_service *s, struct pf_cursor *c)
{
	char *tok, *arg;
	unsigned line, arg_line;

	while ((tok = next_token(c, &line)) != NULL) {
		if (strncmp(tok, "-o", 2) != 0)
			continue;
		if (tok[2] != '\0') {
			add_opt(b, s, tok + 2, line);
			continue;
		}
		if ((arg = next_token(c, &arg_line)) == NULL)
			break;
		add_opt(b, s, unbrace(arg), line);
	}
}

/* parse_entry - one logical line of master.cf (physical lines first to
 * last): service type private unpriv chroot wakeup maxproc command [args].
 * An entry with fewer fields (which master(8) refuses) is skipped. */
static void parse_entry(struct pf_master_build *b, char *text, unsigned first, unsigned last)
{
	struct pfconf_master *mf = b->mf;
	struct pf_cursor c = { text, first };
	struct pfconf_service *s;
	char *field[8];
	unsigned line;

	if (mf->nsvcs == b->cap_svcs)
		return;
	for (size_t i = 0; i < 8; i++)
		if ((field[i] = next_token(&c, &line)) == NULL)
			return;
	s = &mf->svcs[mf->nsvcs++];
	s->name = field[0];
	s->type = field[1];
	s->command = field[7];
	s->line = first;
	s->last = last;
	s->opt0 = mf->nopts;
	s->nopts = 0;
	parse_args(b, s, &c);
}

/* count_opts - an upper bound on -o arguments: occurrences of "-o". */
static size_t count_opts(const char *t, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < len; i++)
		n += t[i] == '-' && t[i + 1] == 'o';
	return n;
}

int pfconf_master_parse(struct pfconf_master *mf, const char *path, const char *text, size_t len,
			struct mt_err *err)
{
	struct pf_reader r = { text, text + len, 0, NULL };
	struct pf_master_build b = { mf, count_starts(text, len) + 1, count_opts(text, len) + 1 };
	unsigned first = 0, last = 0;
	char *line;

	mt_strlcpy(mf->path, path, sizeof(mf->path));
	mf->nsvcs = 0;
	mf->nopts = 0;
	mf->arena = malloc(len + 2);
	mf->svcs = calloc(b.cap_svcs, sizeof(*mf->svcs));
	mf->opts = calloc(b.cap_opts, sizeof(*mf->opts));
	if (mf->arena == NULL || mf->svcs == NULL || mf->opts == NULL)
		return oom(err, path);
	r.w = mf->arena;
	while ((line = next_logical(&r, &first, &last)) != NULL)
		parse_entry(&b, line, first, last);
	return 0;
}

int pfconf_master_read(struct pfconf_master *mf, const char *path, struct mt_err *err)
{
	struct safefile f = { 0 };
	int rc = safefile_read(path, &f, err);

	mt_strlcpy(mf->path, path, sizeof(mf->path));
	if (rc == 0)
		rc = pfconf_master_parse(mf, path, f.data, f.len, err);
	safefile_free(&f);
	return rc;
}

void pfconf_master_free(struct pfconf_master *mf)
{
	free(mf->arena);
	free(mf->svcs);
	free(mf->opts);
	mf->arena = NULL;
	mf->svcs = NULL;
	mf->opts = NULL;
	mf->nsvcs = 0;
	mf->nopts = 0;
}

const struct pfconf_opt *pfconf_service_opt(const struct pfconf_master *mf,
					    const struct pfconf_service *s, const char *name)
{
	for (size_t i = s->nopts; i > 0; i--)
		if (strcmp(mf->opts[s->opt0 + i - 1].name, name) == 0)
			return &mf->opts[s->opt0 + i - 1];
	return NULL;
}

/* ---- defaults and lookup -------------------------------------------------- */

struct pf_default {
	const char *name;
	const char *value;  /* Postfix >= 3.6 (postconf -d of 3.7.11) */
	const char *pre36;  /* before 3.6 when it differs, else NULL */
};

static const struct pf_default defaults[] = {
	{ "smtpd_tls_protocols", PFPROTO_DEFAULT, PFPROTO_DEFAULT_PRE36 },
	{ "smtpd_tls_mandatory_protocols", PFPROTO_DEFAULT, PFPROTO_DEFAULT_PRE36 },
	{ "smtp_tls_protocols", PFPROTO_DEFAULT, PFPROTO_DEFAULT_PRE36 },
	{ "smtp_tls_mandatory_protocols", PFPROTO_DEFAULT, PFPROTO_DEFAULT_PRE36 },
	{ "smtpd_tls_ciphers", "medium", NULL },
	{ "smtpd_tls_mandatory_ciphers", "medium", NULL },
	{ "smtp_tls_ciphers", "medium", NULL },
	{ "smtp_tls_mandatory_ciphers", "medium", NULL },
	{ "smtpd_tls_security_level", "", NULL },
	{ "smtpd_use_tls", "no", NULL },
	{ "smtpd_enforce_tls", "no", NULL },
	{ "smtpd_tls_wrappermode", "no", NULL },
	{ "smtp_tls_security_level", "", NULL },
	{ "tls_high_cipherlist", "aNULL:-aNULL:HIGH:@STRENGTH", NULL },
	{ "tls_medium_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", NULL },
	{ "tls_low_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH", NULL },
	{ "tls_export_cipherlist", "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH", NULL },
	{ "tls_null_cipherlist", "eNULL:!aNULL", NULL },
	/* postscreen: which pass service it hands clients to, which tlsproxy
	 * answers its STARTTLS, and the after-220 tests that keep a client with
	 * it (postscreen(8), tlsproxy(8)) */
	{ "smtpd_service_name", "smtpd", NULL },
	{ "tlsproxy_service_name", "tlsproxy", NULL },
	{ "postscreen_pipelining_enable", "no", NULL },
	{ "postscreen_non_smtp_command_enable", "no", NULL },
	{ "postscreen_bare_newline_enable", "no", NULL },
	{ "postscreen_tls_security_level", "$smtpd_tls_security_level", NULL },
	{ "postscreen_use_tls", "$smtpd_use_tls", NULL },
	{ "postscreen_enforce_tls", "$smtpd_enforce_tls", NULL },
	{ "tlsproxy_tls_security_level", "$smtpd_tls_security_level", NULL },
	{ "tlsproxy_use_tls", "$smtpd_use_tls", NULL },
	{ "tlsproxy_enforce_tls", "$smtpd_enforce_tls", NULL },
	{ "tlsproxy_tls_protocols", "$smtpd_tls_protocols", NULL },
	{ "tlsproxy_tls_mandatory_protocols", "$smtpd_tls_mandatory_protocols", NULL },
	{ "tlsproxy_tls_ciphers", "$smtpd_tls_ciphers", NULL },
	{ "tlsproxy_tls_mandatory_ciphers", "$smtpd_tls_mandatory_ciphers", NULL },
	{ "tlsproxy_tls_cert_file", "$smtpd_tls_cert_file", NULL },
	{ "tlsproxy_tls_eccert_file", "$smtpd_tls_eccert_file", NULL },
	{ "tlsproxy_tls_dcert_file", "$smtpd_tls_dcert_file", NULL },
	{ "tlsproxy_tls_chain_files", "$smtpd_tls_chain_files", NULL },
	{ NULL, NULL, NULL },
};

unsigned pfconf_version(const char *v)
{
	unsigned major = 0, minor = 0;
	const char *p = v;

	for (; *p >= '0' && *p <= '9' && major < 1000; p++)
		major = major * 10 + (unsigned)(*p - '0');
	if (p == v || *p != '.' || !(p[1] >= '0' && p[1] <= '9'))
		return 0;
	for (p++; *p >= '0' && *p <= '9' && minor < 100; p++)
		minor = minor * 10 + (unsigned)(*p - '0');
	return minor >= 100 || major >= 1000 ? 0 : major * 100 + minor;
}

const char *pfconf_default(const struct pfconf_main *mc, const char *name)
{
	for (size_t i = 0; defaults[i].name != NULL; i++) {
		if (strcmp(defaults[i].name, name) != 0)
			continue;
		if (defaults[i].pre36 != NULL && mc->version != 0 && mc->version < 306)
			return defaults[i].pre36;
		return defaults[i].value;
	}
	return NULL;
}

void pfconf_lookup(const struct pfconf_main *mc, const struct pfconf_master *mf,
		   const struct pfconf_service *s, const char *name, struct pfconf_value *v)
{
	const struct pfconf_opt *o = NULL;
	const struct pfconf_param *pp = pfconf_main_find(mc, name);

	memset(v, 0, sizeof(*v));
	if (s != NULL && mf != NULL)
		o = pfconf_service_opt(mf, s, name);
	v->file = mc->path;
	if (o != NULL) {
		v->raw = o->value;
		v->file = mf->path;
		v->line = o->line;
		v->is_override = 1;
	} else if (pp != NULL) {
		v->raw = pp->value;
		v->line = pp->line;
	} else {
		v->raw = pfconf_default(mc, name);
		v->raw = v->raw != NULL ? v->raw : "";
		v->is_default = 1;
	}
}

/* ---- $name expansion ------------------------------------------------------ */

struct pf_expand {
	const struct pfconf_main *mc;
	const struct pfconf_master *mf;
	const struct pfconf_service *s;
	char *out;
	size_t size, len;
	unsigned budget;  /* references left to substitute */
	int failed;
};

static void expand_text(struct pf_expand *x, const char *p, const char *end, int depth);

/* out_add - append n bytes, or fail when they do not fit. */
static void out_add(struct pf_expand *x, const char *s, size_t n)
{
	if (x->failed || n >= x->size - x->len) {
		x->failed = 1;
		return;
	}
	memcpy(x->out + x->len, s, n);
	x->len += n;
	x->out[x->len] = '\0';
}

/* closing - the bracket that closes the one at p (same kind, nested), or NULL. */
static const char *closing(const char *p, const char *end)
{
	char open = *p, close = open == '{' ? '}' : ')';
	int level = 0;

	for (; p < end; p++)
		if (*p == open)
			level++;
		else if (*p == close && --level == 0)
			return p;
	return NULL;
}

/* substitute - the value of name[0..n), or for op '?' / ':' the text
 * [text, text_end) when the raw value is non-empty / empty. */
static void substitute(struct pf_expand *x, const char *name, size_t n, char op, const char *text,
		       const char *text_end, int depth)
{
	char key[PF_NAME_MAX];
	struct pfconf_value v;

	if (n >= sizeof(key) || x->budget == 0) {
		x->failed = 1;
		return;
	}
	x->budget--;
	memcpy(key, name, n);
	key[n] = '\0';
	pfconf_lookup(x->mc, x->mf, x->s, key, &v);
	if (op == 0)
		expand_text(x, v.raw, v.raw + strlen(v.raw), depth + 1);
	else if ((op == '?') == (v.raw[0] != '\0'))
		expand_text(x, text, text_end, depth + 1);
}

/* expand_ref - the reference after a '$' at p; returns where the text
 * goes on, or NULL on a syntax error. */
static const char *expand_ref(struct pf_expand *x, const char *p, const char *end, int depth)
{
	const char *name = p, *name_end, *close = NULL, *text = NULL, *limit;
	char op = 0;

	if (p < end && *p == '$') {
		out_add(x, "$", 1);
		return p + 1;
	}
	if (p < end && (*p == '{' || *p == '(')) {
		if ((close = closing(p, end)) == NULL)
			return NULL;
		name = p + 1;
	}
	limit = close != NULL ? close : end;
	for (name_end = name; name_end < limit && pf_is_name_char(*name_end); name_end++)
		;
	if (name_end == name)
		return NULL;
	if (close != NULL && name_end < close) {
		op = *name_end;
		text = name_end + 1;
		if ((op != '?' && op != ':') || (text < close && *text == '{'))
			return NULL;  /* 3.0's ${name?{a}:{b}} form is not supported */
	}
	substitute(x, name, (size_t)(name_end - name), op, text, close, depth);
	return close != NULL ? close + 1 : name_end;
}

/* expand_text - expand [p, end) into x. */
static void expand_text(struct pf_expand *x, const char *p, const char *end, int depth)
{
	const char *dollar;

	if (depth > PFCONF_EXPAND_DEPTH) {
		x->failed = 1;
		return;
	}
	while (p < end && !x->failed) {
		dollar = memchr(p, '$', (size_t)(end - p));
		if (dollar == NULL) {
			out_add(x, p, (size_t)(end - p));
			return;
		}
		out_add(x, p, (size_t)(dollar - p));
		p = expand_ref(x, dollar + 1, end, depth);
		if (p == NULL)
			x->failed = 1;
	}
}

int pfconf_expand(const struct pfconf_main *mc, const struct pfconf_master *mf,
		  const struct pfconf_service *s, const char *raw, char *out, size_t size)
{
	struct pf_expand x = { mc, mf, s, out, size, 0, PFCONF_EXPAND_BUDGET, 0 };

	if (size == 0)
		return -1;
	out[0] = '\0';
	expand_text(&x, raw, raw + strlen(raw), 0);
	if (x.failed)
		out[0] = '\0';
	return x.failed ? -1 : 0;
}
