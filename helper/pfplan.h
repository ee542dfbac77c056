/*
 * pfplan.h - how a Postfix change is written: the settings it gives
 * main.cf parameters and master.cf -o overrides, turned into line edits of
 * a plan (plan.h) that leave every other byte as it was.
 *
 * Owns: the edit forms. A main.cf parameter's logical line (its last
 * definition, the one Postfix uses) becomes one "name = value" line in
 * place: its continuation lines go, comment and blank lines inside it stay;
 * a parameter main.cf lacks is appended at the end. An -o override is
 * rewritten in place in the form it is written in ("-o name=value",
 * "-oname=value", "-o { name = value }"), only its value changing; a
 * service without one gets "-o name=value" lines right after its last line,
 * indented like its other -o lines (two blanks when it has none). A value
 * that is already there is not rewritten. Unsetting removes the parameter's
 * lines from main.cf, or the "-o name=value" words from their master.cf
 * line (the line too when nothing else is left on it).
 * Never: decides which setting gets which value (postfix.c does), reads or
 * writes a file (the plan holds the bytes), or writes a value with a control
 * character, or an -o value that is not one blank-free word.
 */
#ifndef MT_PFPLAN_H
#define MT_PFPLAN_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "pfconf.h"
#include "plan.h"

#define PFPLAN_MAX_SETTINGS 64

struct pfplan_setting {
	const struct pfconf_service *svc;  /* borrowed from mf; NULL: main.cf */
	char name[64];
	char value[MT_VALUE_MAX];
	int unset;                         /* remove the setting; value unused */
};

struct pfplan {
	struct plan_file *main_f;          /* borrowed from the plan */
	struct plan_file *master_f;        /* borrowed from the plan */
	const struct pfconf_main *mc;      /* borrowed: main_f's original bytes, parsed */
	const struct pfconf_master *mf;    /* borrowed: master_f's original bytes, parsed */
	struct pfplan_setting settings[PFPLAN_MAX_SETTINGS];  /* in the order set */
	size_t nsettings;
};

/* pfplan_init - an empty set of settings for these files (all borrowed:
 * they must outlive pp). */
void pfplan_init(struct pfplan *pp, struct plan_file *main_f, const struct pfconf_main *mc,
		 struct plan_file *master_f, const struct pfconf_master *mf);

/* pfplan_set - parameter name gets value: in main.cf (s NULL) or as an -o
 * of master.cf service s; value NULL unsets it there. A later call for the
 * same s and name replaces the earlier one. value is copied. Returns 0, or
 * -1 with internal (a control character, an -o value that is not one
 * blank-free word without braces, a name or value too long, too many
 * settings). */
int pfplan_set(struct pfplan *pp, const struct pfconf_service *s, const char *name,
	       const char *value, struct mt_err *err);

/* pfplan_has - 1 when s and name have a setting (a value or unset). */
int pfplan_has(const struct pfplan *pp, const struct pfconf_service *s, const char *name);

/* pfplan_get - the value set for s and name so far, or NULL (none, or
 * unset). Borrowed. */
const char *pfplan_get(const struct pfplan *pp, const struct pfconf_service *s, const char *name);

/* pfplan_emit - record every setting as line edits of main_f and master_f.
 * Call once. Returns 0, or -1 with internal (out of memory, conflicting
 * edits, a line the plan refuses to write). */
int pfplan_emit(struct pfplan *pp, struct mt_err *err);

/* pfplan_seclevel_zero - cipher list clist with the @SECLEVEL=N that takes
 * effect (tlsver_cipher_seclevel) turned into @SECLEVEL=0, nothing else
 * changed, into out[size]. Returns 0, or -1 when clist itself sets no
 * level or out is too small. */
int pfplan_seclevel_zero(const char *clist, char *out, size_t size);

#endif
