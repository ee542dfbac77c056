/*
 * logfilter.h - the literal prefilter of `diagnose`: find, in a block of
 * log text, the next place where a line may be TLS-relevant.
 *
 * Owns: the literal set ("TLS", "SSL", "ip=[", "starttls="): every line the
 * classifier (logline.c) can classify as anything but LOGLINE_NONE holds one
 * of them; counting newlines in a block.
 * Must never: allocate, read outside [p, end), depend on NUL termination.
 * Uses SSE2 (every x86-64) when the compiler targets it, bytes otherwise;
 * both give the same answers (tests/unit/test_diag.c compares them).
 */
#ifndef MT_LOGFILTER_H
#define MT_LOGFILTER_H

#include <stddef.h>

/* logfilter_next - the first byte in [p, end) where one of the literals
 * starts (wholly inside [p, end)), or NULL. */
const char *logfilter_next(const char *p, const char *end);

/* logfilter_next_bytes - the same, byte by byte (the reference). */
const char *logfilter_next_bytes(const char *p, const char *end);

/* logfilter_newlines - the number of '\n' bytes in [p, end). */
size_t logfilter_newlines(const char *p, const char *end);

#endif
