/*
 * pfplan.c - Postfix settings turned into line edits (see pfplan.h).
 *
 * Owns: finding a setting's text in the original lines (a main.cf logical
 * line from pfconf's first/last line numbers; an -o value by re-reading its
 * physical line with master(8)'s word rules) and building the replacement
 * lines. Everything written is either generated here ("name = value",
 * "-o name=value") or an original line with one value swapped; the plan
 * refuses control characters in both. Never: opens files, chooses values.
 */
#include "pfplan.h"

#include <stdlib.h>
#include <string.h>

#include "tlsver.h"

#define PFPLAN_INDENT "  "       /* an inserted -o line when the service has none */
#define PFPLAN_INDENT_MAX 32

/* A word or a value inside one physical line: [start, end). */
struct pf_span {
	size_t start, end;
};

/* What pfplan_emit does with one master.cf setting. */
enum pf_opt_action { OPT_KEEP, OPT_REWRITE, OPT_REMOVE, OPT_INSERT };

/* An "-o ARG" found on a line: the whole option and its value. */
struct pf_found {
	struct pf_span whole, value;
};

/* is_blank - a blank inside a physical line (Postfix's ISSPACE but '\n'). */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- settings ------------------------------------------------------------- */

void pfplan_init(struct pfplan *pp, struct plan_file *main_f, const struct pfconf_main *mc,
		 struct plan_file *master_f, const struct pfconf_master *mf)
{
	pp->main_f = main_f;
	pp->master_f = master_f;
	pp->mc = mc;
	pp->mf = mf;
	pp->nsettings = 0;
}

/* name_ok - a parameter name: letters, digits, '_', not empty. */
static int name_ok(const char *name)
{
	if (*name == '\0')
		return 0;
	for (const char *c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return 0;
	return 1;
}

/* value_ok - no control character; an -o value (word) is also free of
 * blanks and braces, which would split or regroup master.cf's words. */
static int value_ok(const char *value, int word)
{
	for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return 0;
		if (word && (*c == ' ' || *c == '{' || *c == '}'))
			return 0;
	}
	return 1;
}

/* find_setting - the setting for s and name, or NULL (borrowed). */
static struct pfplan_setting *find_setting(const struct pfplan *pp,
					   const struct pfconf_service *s, const char *name)
{
	for (size_t i = 0; i < pp->nsettings; i++)
		if (pp->settings[i].svc == s && strcmp(pp->settings[i].name, name) == 0)
			return (struct pfplan_setting *)&pp->settings[i];
	return NULL;
}

int pfplan_set(struct pfplan *pp, const struct pfconf_service *s, const char *name,
	       const char *value, struct mt_err *err)
{
	struct pfplan_setting *st = find_setting(pp, s, name);

	if (!name_ok(name) || strlen(name) >= sizeof(st->name) ||
	    (value != NULL && (strlen(value) >= sizeof(st->value) || !value_ok(value, s != NULL)))) {
		mt_err_set(err, "internal", "refusing to write %.64s = \"%.160s\"%s%s: not a "
			   "value the helper can write there", name, value != NULL ? value : "",
			   s != NULL ? " as an -o of master.cf service " : "",
			   s != NULL ? s->name : "");
		return -1;
	}
	if (st == NULL) {
		if (pp->nsettings == PFPLAN_MAX_SETTINGS) {
			mt_err_set(err, "internal", "a Postfix change may make at most %d settings",
				   PFPLAN_MAX_SETTINGS);
			return -1;
		}
		st = &pp->settings[pp->nsettings++];
		st->svc = s;
		mt_strlcpy(st->name, name, sizeof(st->name));
	}
	st->unset = value == NULL;
	mt_strlcpy(st->value, value != NULL ? value : "", sizeof(st->value));
	return 0;
}

int pfplan_has(const struct pfplan *pp, const struct pfconf_service *s, const char *name)
{
	return find_setting(pp, s, name) != NULL;
}

const char *pfplan_get(const struct pfplan *pp, const struct pfconf_service *s, const char *name)
{
	const struct pfplan_setting *st = find_setting(pp, s, name);

	return st != NULL && !st->unset ? st->value : NULL;
}

/* ---- main.cf -------------------------------------------------------------- */

/* line_ignorable - line n of f is blank or a comment (or past the end). */
static int line_ignorable(const struct plan_file *f, unsigned n)
{
	size_t len;
	const char *p = plan_line(f, n, &len);

	return p == NULL || pfconf_line_ignorable(p, len);
}

/* replace_param - p's logical line becomes text: its first line and the
 * continuation lines right after it are replaced; later runs of
 * continuation lines (after a comment or blank line inside the value) are
 * deleted; those comment and blank lines stay. */
static int replace_param(struct plan_file *f, const struct pfconf_param *p, const char *text,
			 struct mt_err *err)
{
	unsigned n = p->line + 1, end;

	while (n <= p->last && !line_ignorable(f, n))
		n++;
	if (plan_replace(f, p->line, n - p->line, text, err) != 0)
		return -1;
	while (n <= p->last) {
		if (line_ignorable(f, n)) {
			n++;
			continue;
		}
		for (end = n; end <= p->last && !line_ignorable(f, end); end++)
			;
		if (plan_replace(f, n, end - n, "", err) != 0)
			return -1;
		n = end;
	}
	return 0;
}

/* emit_main - one main.cf setting: replaced in place, appended, or its
 * lines removed. */
static int emit_main(struct pfplan *pp, const struct pfplan_setting *st, struct mt_err *err)
{
	const struct pfconf_param *p = pfconf_main_find(pp->mc, st->name);
	char line[sizeof(st->name) + sizeof(st->value) + 8];

	if (st->unset)
		return p != NULL ? replace_param(pp->main_f, p, "", err) : 0;
	if (p != NULL && strcmp(p->value, st->value) == 0)
		return 0;
	snprintf(line, sizeof(line), "%s =%s%s\n", st->name, st->value[0] != '\0' ? " " : "",
		 st->value);
	if (p != NULL)
		return replace_param(pp->main_f, p, line, err);
	return plan_append(pp->main_f, line, err);
}

/* ---- master.cf: finding an -o value on its line ---------------------------- */

/* next_word - the next word of line from *pos: blanks separate, braces
 * group (master(8)'s mystrtokq with "{}"). 0 at the end of the line. */
static int next_word(const char *line, size_t *pos, struct pf_span *w)
{
	size_t p = *pos;
	int level = 0;

	while (line[p] != '\0' && is_blank(line[p]))
		p++;
	if (line[p] == '\0')
		return 0;
	w->start = p;
	for (; line[p] != '\0'; p++) {
		if (line[p] == '{')
			level++;
		else if (line[p] == '}' && level > 0)
			level--;
		else if (level == 0 && is_blank(line[p]))
			break;
	}
	w->end = p;
	*pos = p;
	return 1;
}

/* unbrace_span - "{ text }" in w to the span of text, as pfconf's unbrace:
 * the first brace must close at w's very end. 0 when it does not. */
static int unbrace_span(const char *line, struct pf_span *w)
{
	int level = 0;
	size_t p;

	for (p = w->start; p < w->end; p++)
		if (line[p] == '{')
			level++;
		else if (line[p] == '}' && --level == 0)
			break;
	if (p + 1 != w->end)
		return 0;
	w->start++;
	w->end--;
	while (w->start < w->end && is_blank(line[w->start]))
		w->start++;
	while (w->end > w->start && is_blank(line[w->end - 1]))
		w->end--;
	return 1;
}

/* value_span - when the -o argument arg of line sets name ("name=value",
 * or with braces allowed "{ name = value }"), the span of its value; 1
 * then, else 0. */
static int value_span(const char *line, struct pf_span arg, int braces, const char *name,
		      struct pf_span *v)
{
	size_t n = strlen(name), p;

	if (line[arg.start] == '{' && (!braces || !unbrace_span(line, &arg)))
		return 0;
	if (arg.end - arg.start <= n || strncmp(line + arg.start, name, n) != 0)
		return 0;
	for (p = arg.start + n; p < arg.end && is_blank(line[p]); p++)
		;
	if (p == arg.end || line[p] != '=')
		return 0;
	for (p++; p < arg.end && is_blank(line[p]); p++)
		;
	v->start = p;
	v->end = arg.end;
	return 1;
}

/* find_opt - the last "-o" on line that sets name, read the way pfconf
 * reads it ("-o ARG" with braces, attached "-oARG" without). 1 when found on
 * this line. */
static int find_opt(const char *line, const char *name, struct pf_found *v)
{
	struct pf_span w, arg, span;
	size_t pos = 0;
	int found = 0, attached;

	while (next_word(line, &pos, &w)) {
		if (w.end - w.start < 2 || strncmp(line + w.start, "-o", 2) != 0)
			continue;
		attached = w.end - w.start > 2;
		arg.start = w.start + 2;
		arg.end = w.end;
		if (!attached && !next_word(line, &pos, &arg))
			break;  /* its argument is on the next line */
		if (value_span(line, arg, !attached, name, &span)) {
			v->value = span;
			v->whole.start = w.start;
			v->whole.end = arg.end;
			found = 1;
		}
	}
	return found;
}

/* splice - in the owned line *line, [cut.start, cut.end) becomes text.
 * Returns 0 or -1 (out of memory). */
static int splice(char **line, struct pf_span cut, const char *text)
{
	size_t len = strlen(*line), tlen = strlen(text);
	char *out = malloc(len - (cut.end - cut.start) + tlen + 2);

	if (out == NULL)
		return -1;
	memcpy(out, *line, cut.start);
	memcpy(out + cut.start, text, tlen);
	memcpy(out + cut.start + tlen, *line + cut.end, len - cut.end + 1);
	free(*line);
	*line = out;
	return 0;
}

/* rewrite_opt - in the owned line *line, the last -o setting st->name
 * gets st's value, or (unset) goes with the blanks after it (before it,
 * when it ends the line). 0 done, 1 not on this line, -1 out of memory. */
static int rewrite_opt(char **line, const struct pfplan_setting *st)
{
	struct pf_found f = { { 0, 0 }, { 0, 0 } };
	struct pf_span cut;

	if (!find_opt(*line, st->name, &f))
		return 1;
	if (!st->unset)
		return splice(line, f.value, st->value);
	cut = f.whole;
	while (is_blank((*line)[cut.end]))
		cut.end++;
	if ((*line)[cut.end] == '\0') {
		cut.end = f.whole.end;
		while (cut.start > 0 && is_blank((*line)[cut.start - 1]))
			cut.start--;
	}
	return splice(line, cut, "");
}

/* blank_line - nothing but blanks. */
static int blank_line(const char *line)
{
	while (is_blank(*line))
		line++;
	return *line == '\0';
}

/* ---- master.cf: emitting ---------------------------------------------------- */

/* copy_line - line n of f as an owned NUL-terminated string (NULL when it
 * does not exist, holds a NUL byte, or memory ran out). */
static char *copy_line(const struct plan_file *f, unsigned n)
{
	size_t len;
	const char *p = plan_line(f, n, &len);
	char *s;

	if (p == NULL || memchr(p, '\0', len) != NULL || (s = malloc(len + 2)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* rewrite_line - every OPT_REWRITE or OPT_REMOVE setting whose -o stands on
 * line n, in one replacement of that line (deleted when only blanks are
 * left). A value not found there (its argument on the next line, a brace
 * spanning lines, a NUL byte in the line) becomes OPT_INSERT: a later -o
 * wins; an unset not found there is left as it is. Returns 0 or -1. */
static int rewrite_line(struct pfplan *pp, enum pf_opt_action *act, unsigned n,
			struct mt_err *err)
{
	char *line = copy_line(pp->master_f, n);
	int changed = 0, rc = -1, found;

	for (size_t i = 0; i < pp->nsettings; i++) {
		const struct pfplan_setting *st = &pp->settings[i];

		if ((act[i] != OPT_REWRITE && act[i] != OPT_REMOVE) ||
		    pfconf_service_opt(pp->mf, st->svc, st->name)->line != n)
			continue;
		found = line != NULL ? rewrite_opt(&line, st) : 1;
		if (found < 0) {
			mt_err_set(err, "internal", "out of memory planning %s", pp->master_f->path);
			goto out;
		}
		act[i] = found == 1 && act[i] == OPT_REWRITE ? OPT_INSERT : OPT_KEEP;
		changed |= found == 0;
	}
	rc = 0;
	if (changed && blank_line(line)) {
		rc = plan_replace(pp->master_f, n, 1, "", err);
	} else if (changed) {
		strcat(line, "\n");
		rc = plan_replace(pp->master_f, n, 1, line, err);
	}
out:
	free(line);
	return rc;
}

/* opt_indent - the indentation of s's last "-o" continuation line (blanks
 * and tabs only), else PFPLAN_INDENT, into buf. */
static void opt_indent(const struct pfplan *pp, const struct pfconf_service *s, char *buf,
		       size_t size)
{
	const char *line;
	size_t len, k;

	mt_strlcpy(buf, PFPLAN_INDENT, size);
	for (unsigned n = s->line + 1; n <= s->last; n++) {
		if ((line = plan_line(pp->master_f, n, &len)) == NULL)
			break;
		k = strspn(line, " \t");
		if (k > 0 && k < size && k + 2 <= len && strncmp(line + k, "-o", 2) == 0) {
			memcpy(buf, line, k);
			buf[k] = '\0';
		}
	}
}

/* insert_opts - the OPT_INSERT settings of service s as new lines after
 * its last line, in the order they were set. Returns 0 or -1. */
static int insert_opts(struct pfplan *pp, enum pf_opt_action *act, const struct pfconf_service *s,
		       struct mt_err *err)
{
	char indent[PFPLAN_INDENT_MAX], *text = NULL, *grown;
	size_t len = 0, add;
	int rc = -1;

	opt_indent(pp, s, indent, sizeof(indent));
	for (size_t i = 0; i < pp->nsettings; i++) {
		const struct pfplan_setting *st = &pp->settings[i];

		if (act[i] != OPT_INSERT || st->svc != s)
			continue;
		act[i] = OPT_KEEP;
		add = strlen(indent) + strlen(st->name) + strlen(st->value) + 6;
		if ((grown = realloc(text, len + add)) == NULL) {
			mt_err_set(err, "internal", "out of memory planning %s", pp->master_f->path);
			goto out;
		}
		text = grown;
		len += (size_t)snprintf(text + len, add, "%s-o %s=%s\n", indent, st->name, st->value);
	}
	rc = text != NULL ? plan_insert_after(pp->master_f, s->last, text, err) : 0;
out:
	free(text);
	return rc;
}

/* opt_action - what one -o setting needs: nothing (its value is there, or
 * an unset one is not), a rewrite or removal of its -o, or a new -o line. */
static enum pf_opt_action opt_action(const struct pfplan *pp, const struct pfplan_setting *st)
{
	const struct pfconf_opt *o = pfconf_service_opt(pp->mf, st->svc, st->name);

	if (st->unset)
		return o != NULL ? OPT_REMOVE : OPT_KEEP;
	if (o == NULL)
		return OPT_INSERT;
	return strcmp(o->value, st->value) == 0 ? OPT_KEEP : OPT_REWRITE;
}

/* emit_master - every -o setting: rewrites line by line, then the new
 * lines service by service. Returns 0 or -1. */
static int emit_master(struct pfplan *pp, struct mt_err *err)
{
	enum pf_opt_action act[PFPLAN_MAX_SETTINGS];

	for (size_t i = 0; i < pp->nsettings; i++)
		act[i] = pp->settings[i].svc != NULL ? opt_action(pp, &pp->settings[i]) : OPT_KEEP;
	for (size_t i = 0; i < pp->nsettings; i++)
		if ((act[i] == OPT_REWRITE || act[i] == OPT_REMOVE) &&
		    rewrite_line(pp, act, pfconf_service_opt(pp->mf, pp->settings[i].svc,
							      pp->settings[i].name)->line, err) != 0)
			return -1;
	for (size_t i = 0; i < pp->nsettings; i++)
		if (act[i] == OPT_INSERT && insert_opts(pp, act, pp->settings[i].svc, err) != 0)
			return -1;
	return 0;
}

int pfplan_emit(struct pfplan *pp, struct mt_err *err)
{
	for (size_t i = 0; i < pp->nsettings; i++)
		if (pp->settings[i].svc == NULL && emit_main(pp, &pp->settings[i], err) != 0)
			return -1;
	return emit_master(pp, err);
}

/* ---- cipher lists ------------------------------------------------------------ */

int pfplan_seclevel_zero(const char *clist, char *out, size_t size)
{
	static const char cmd[] = "@SECLEVEL=";
	char *p, old;

	if (tlsver_cipher_seclevel(clist) < 1 || mt_strlcpy(out, clist, size) != 0)
		return -1;
	/* Exactly one occurrence, the one that takes effect, brings the level
	 * to 0 when its digit becomes 0: try each. */
	for (p = strstr(out, cmd); p != NULL; p = strstr(p + 1, cmd)) {
		old = p[sizeof(cmd) - 1];
		if (old < '1' || old > '5')
			continue;
		p[sizeof(cmd) - 1] = '0';
		if (tlsver_cipher_seclevel(out) == 0)
			return 0;
		p[sizeof(cmd) - 1] = old;
	}
	return -1;
}
