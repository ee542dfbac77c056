/*
 * fzplan.h - the editor targets' shared step (fzplan.c): read a service's
 * status from the files the target wrote, plan a floor change, render it,
 * write the planned files and read them back.
 */
#ifndef MT_FZPLAN_H
#define MT_FZPLAN_H

#include "adapter.h"
#include "fuzz.h"
#include "profile.h"

/* fz_profile - a validated profile {"name", "state_dir", service: section}
 * (section is a JSON text; "@" in it stands for fz_dir()). Made once per
 * process and kept in *p. Aborts when the profile is refused. */
void fz_profile(struct mt_profile *p, const char *service, const char *section);

/* fz_plan_step - the chain for adapter a with version and tls_library; the
 * options part gives the request: byte 0 the service floor (TLSv1..TLSv1.3,
 * else none), byte 1 the cipher policy, bytes 2.. the endpoint floors.
 * Nothing it plans may fail other than through its error (checked by the
 * sanitizers; a malformed render aborts). */
void fz_plan_step(const struct mt_adapter *a, const struct mt_profile *p, const char *version,
		  const char *tls_library, const struct fz_part *options);

#endif
