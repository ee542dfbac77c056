/*
 * atomicfile.h - replacing a file so that it is always wholly old or wholly
 * new: a temporary file in the same directory (O_EXCL|O_NOFOLLOW), the given
 * owner and mode, fsync, rename, fsync of the directory.
 */
#ifndef MT_ATOMICFILE_H
#define MT_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* atomicfile_write - replace path with len bytes of data, owned by
 * uid:gid with mode. Returns 0, or -1 with io_error: the temporary file is
 * removed and path is untouched, except when only the final fsync of the
 * directory failed (the new content is then in place, maybe not durable). */
int atomicfile_write(const char *path, const void *data, size_t len, uid_t uid, gid_t gid,
		     mode_t mode, struct mt_err *err);

/* atomicfile_mkdir - create directory path (mode, root-owned) unless it
 * exists as a directory. Returns 0 or -1 with io_error / unsafe_file. */
int atomicfile_mkdir(const char *path, mode_t mode, struct mt_err *err);

#endif
