/*
 * fuzz.h - what the libFuzzer targets of fuzz/ share (fuzz.c).
 *
 * An input that stands for several files holds them one after the other,
 * separated by the line FZ_SEP ("\n@@@@\n"); the first part of some targets
 * is a line of option bytes (see each target). Targets that must put files
 * on disk (the planners read through safefile_read) write them under one
 * private directory in /dev/shm, made once per process and removed at exit.
 */
#ifndef MT_FUZZ_H
#define MT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FZ_SEP "\n@@@@\n"
#define FZ_MAX_PARTS 8

struct fz_part {
	const char *p;   /* borrowed from the input */
	size_t len;
};

/* fz_split - cut data[0..size) at each FZ_SEP into at most max parts (the
 * last part keeps any further separators). Returns the number of parts
 * (at least 1). */
size_t fz_split(const uint8_t *data, size_t size, struct fz_part *parts, size_t max);

/* fz_opt - the i-th option byte of part (0 when the part is shorter). */
unsigned fz_opt(const struct fz_part *part, size_t i);

/* fz_dir - the process's private directory (absolute, root-owned, 0755;
 * static string), made at the first call and removed with its files at exit. */
const char *fz_dir(void);

/* fz_path - fz_dir() + "/" + rel into a static buffer of slot (0..7). */
const char *fz_path(int slot, const char *rel);

/* fz_write - write len bytes as fz_dir()/rel (mode 0644, parent directories
 * made 0755), replacing what was there. Aborts on failure: the harness, not
 * the code under test, is broken then. */
void fz_write(const char *rel, const char *text, size_t len);

/* fz_unlink - remove fz_dir()/rel if it exists. */
void fz_unlink(const char *rel);

/* fz_write_parts - files[i] (relative to fz_dir()) gets parts[i + 1] for
 * i < count; a file without its part (n <= i + 1) is removed. */
void fz_write_parts(const char *const *files, size_t count, const struct fz_part *parts, size_t n);

/* fz_include_escapes - 1 when a Dovecot text could make the reader leave
 * fz_dir(): an `!include` pattern that is absolute, uses `~` or `$`, or any
 * "..". Such inputs are skipped so that the fuzzer never reads /proc or
 * /dev (a config root wrote may include what it likes; the fuzzer may not). */
int fz_include_escapes(const char *text, size_t len);

/* fz_text - a NUL-terminated heap copy of part (caller frees). */
char *fz_text(const struct fz_part *part);

#endif
