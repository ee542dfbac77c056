/*
 * logscan.h - stream one log file line by line for `diagnose`.
 *
 * Owns: opening a log (O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK, a regular
 * file; no ownership rule: logs belong to syslog), reading it in
 * LOGSCAN_BLOCK blocks with read() (or, for a gzip file, recognised by its
 * magic bytes, through zlib into the same blocks), counting its lines, and
 * handing on the lines a prefilter lets through, without allocating per
 * line; a partial line is carried across blocks. A line that does not fit
 * the buffer (longer than one block when it starts a read) is counted in
 * long_lines and skipped; a last line without "\n" is still given. A plain
 * file that grows while read is read up to the size seen at open. Bounded
 * time too: reading stops at the deadline, checked once per block, and a
 * gzip file is read only up to LOGSCAN_GZIP_RATIO times its own size.
 * Must never: follow a symlink, use more than one buffer of 2 blocks.
 */
#ifndef MT_LOGSCAN_H
#define MT_LOGSCAN_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define LOGSCAN_BLOCK (1u << 20)   /* 1 MiB */

#define LOGSCAN_GZIP_RATIO 256  /* a .gz that expands more is left out there */

/* logscan_open_fn - told the modification time of a file just opened (by
 * fstat on its descriptor: the file that will be read) before its first
 * line; returns 1 to leave the file unread, 0 to read it. */
typedef int (*logscan_open_fn)(time_t mtime, void *arg);

/* The state of a read across files: counters out; the deadline and the
 * open hook in. */
struct logscan_stats {
	unsigned long long bytes;      /* bytes read (decompressed for .gz) */
	unsigned long long lines;      /* lines read, long ones left out */
	unsigned long long long_lines; /* lines that did not fit the buffer, skipped */
	unsigned long long files;      /* files read */
	double deadline;               /* in: CLOCK_MONOTONIC ms after which reading
					  stops (logscan_now_ms() + budget); 0: none */
	int stopped;                   /* out: the deadline stopped a read */
	logscan_open_fn on_open;       /* in: NULL, or called for each file opened */
	void *open_arg;                /* in: on_open's arg */
	unsigned long long skipped;    /* out: files on_open left unread */
};

/* logscan_fn - called once per line let through: line[0..len) without its
 * "\n" (or "\r\n"); the line may contain NULs and is not NUL-terminated. */
typedef void (*logscan_fn)(const char *line, size_t len, void *arg);

/* logscan_filter - the first byte in [p, end) where a wanted line may be,
 * or NULL for none (logfilter_next). A NULL filter lets every line through. */
typedef const char *(*logscan_filter)(const char *p, const char *end);

/* logscan_file - stream path into fn; stats are added to *st. Returns 0, or
 * -1 with io_error (missing, unreadable, not a regular file, a symlink, a
 * read or decompression error, truncated or over-expanding gzip data; lines
 * already given stay given), or with internal when out of memory. A read the deadline stopped returns 0 with
 * st->stopped set. */
int logscan_file(const char *path, logscan_filter filter, logscan_fn fn, void *arg,
		 struct logscan_stats *st, struct mt_err *err);

/* logscan_now_ms - CLOCK_MONOTONIC in milliseconds (for deadline). */
double logscan_now_ms(void);

/* logscan_buf - the same on memory, block by block as the file reader
 * uses it (for tests): feeds buf[0..len) in blocks of block bytes
 * (block <= LOGSCAN_BLOCK). Returns 0 or -1 (out of memory). */
int logscan_buf(const char *buf, size_t len, size_t block, logscan_filter filter,
		logscan_fn fn, void *arg, struct logscan_stats *st);

#endif
