/*
 * diff.h - a unified diff (3 lines of context) of a file's old and new
 * text, for dry runs and the reply of a change.
 */
#ifndef MT_DIFF_H
#define MT_DIFF_H

#include <stddef.h>

/* diff_unified - new string (free()): "--- path\n+++ path\n@@ ... @@\n..."
 * or "" when the texts are equal; NULL on out of memory. */
char *diff_unified(const char *path, const char *a, size_t alen, const char *b, size_t blen);

#endif
