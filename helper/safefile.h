/*
 * safefile.h - opening files the helper trusts as root.
 *
 * A file is opened without following symlinks (none on the whole path where
 * the kernel has openat2) and judged on the open fd: a regular file, one
 * link, owned by root, not writable by group or others, at most
 * SAFEFILE_MAX bytes, and, unless read as binary, text: no NUL byte. Other
 * bytes are kept as they are, UTF-8 or not (a Latin-1 comment in main.cf is
 * common): whoever puts text from a file into JSON cleans it there
 * (mt_utf8_clean). Opening never blocks (a FIFO is refused, not waited on).
 * Nothing here ever writes.
 */
#ifndef MT_SAFEFILE_H
#define MT_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

#define SAFEFILE_MAX (4u << 20)   /* 4 MiB: no configuration file is larger */

struct safefile {
	char *data;        /* owned; NUL-terminated (the NUL is not counted) */
	size_t len;
	struct stat st;    /* fstat of the fd that was read */
};

/* Flags of safefile_read_flags. */
#define SAFEFILE_BINARY     1u  /* any bytes: no text checks (an ELF binary) */
#define SAFEFILE_PATH_LINKS 2u  /* symlinks allowed before the last component
				 * (a pidfile under /var/run -> /run) */

/* safefile_read - read a whole trusted text file into f (data owned by f;
 * free with safefile_free). Returns 0; 1 when the file does not exist (f
 * left empty, no error set); -1 with unsafe_file (a symlink anywhere on the
 * path, not regular, links, owner, mode, larger than SAFEFILE_MAX, a NUL
 * byte), or io_error (open or read failure). */
int safefile_read(const char *path, struct safefile *f, struct mt_err *err);

/* safefile_read_flags - safefile_read with SAFEFILE_* flags. */
int safefile_read_flags(const char *path, struct safefile *f, unsigned flags, struct mt_err *err);

/* safefile_check_text - 0 when data[0..len) has no NUL byte (any other
 * byte is text here); else -1 with unsafe_file naming path and the line. */
int safefile_check_text(const char *path, const char *data, size_t len, struct mt_err *err);

/* safefile_free - release f's data; f may be zeroed or already freed. */
void safefile_free(struct safefile *f);

/* safefile_check_fd - the trust rules on an open fd; st receives its fstat.
 * Returns 0 or -1 with unsafe_file naming path. */
int safefile_check_fd(int fd, const char *path, struct stat *st, struct mt_err *err);

/* safefile_check_parents - every directory from path's parent up to "/" is
 * owned by root and not writable by group or others, unless it is sticky
 * (like /tmp). path must be absolute. Returns 0 or -1 with unsafe_file. */
int safefile_check_parents(const char *path, struct mt_err *err);

/* safefile_check_binary - a program the helper may run as root: its real
 * path (symlinks resolved: /usr/sbin/imapd is one on Debian) is a regular
 * file owned by root, not writable by group or others, in directories that
 * pass safefile_check_parents. Returns 0 or -1 with unsafe_file. */
int safefile_check_binary(const char *path, struct mt_err *err);

/* safefile_exists - 1 when path exists (lstat, no follow), else 0. */
int safefile_exists(const char *path);

#endif
