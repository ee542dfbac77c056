/*
 * logscan.h - stream one log file line by line for `diagnose`.
 *
 * Owns: opening a log (O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK, a regular
 * file; no ownership rule: logs belong to syslog), reading it in
 * LOGSCAN_BLOCK blocks with read(), splitting lines without allocating per
 * line, carrying a partial line across blocks. A line longer than the block
 * is counted in long_lines and skipped; a last line without "\n" is still
 * given. A file that grows while read is read up to the size seen at open.
 * Must never: follow a symlink, use more than one block of memory, read
 * rotated or compressed files (not in this version).
 */
#ifndef MT_LOGSCAN_H
#define MT_LOGSCAN_H

#include <stddef.h>

#include "err.h"

#define LOGSCAN_BLOCK (1u << 20)   /* 1 MiB */

struct logscan_stats {
	unsigned long long bytes;      /* bytes read */
	unsigned long long lines;      /* complete lines given to the callback */
	unsigned long long long_lines; /* lines longer than LOGSCAN_BLOCK, skipped */
};

/* logscan_fn - called once per line: line[0..len) without its "\n"; the
 * line may contain NULs and is not NUL-terminated. */
typedef void (*logscan_fn)(const char *line, size_t len, void *arg);

/* logscan_file - stream path into fn; stats are added to *st. Returns 0, or
 * -1 with io_error (missing, unreadable, not a regular file, a symlink, a
 * read error; lines already given stay given). */
int logscan_file(const char *path, logscan_fn fn, void *arg, struct logscan_stats *st,
		 struct mt_err *err);

/* logscan_buf - the line splitter on memory, block by block as the file
 * reader uses it (for tests): feeds buf[0..len) in blocks of block bytes
 * (block <= LOGSCAN_BLOCK). Returns 0 or -1 (out of memory). */
int logscan_buf(const char *buf, size_t len, size_t block, logscan_fn fn, void *arg,
		struct logscan_stats *st);

#endif
