/*
 * profile_builtin.h - the built-in host profiles, as JSON text.
 */
#ifndef MT_PROFILE_BUILTIN_H
#define MT_PROFILE_BUILTIN_H

/* profile_builtin_text - the JSON of built-in profile name ("plesk",
 * "debian"); static; NULL for an unknown name. */
const char *profile_builtin_text(const char *name);

#endif
