/*
 * atomicfile.c - atomic replacement of files and creation of private
 * directories. Must never: follow a symlink, leave a half-written file under
 * the final name, or change a file's owner or mode by accident.
 */
#define _GNU_SOURCE
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* write_all - write len bytes to fd. */
static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* sync_parent - fsync the directory that holds path. */
static int sync_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, rc;

	if (mt_strlcpy(dir, path, sizeof(dir)) != 0 || (slash = strrchr(dir, '/')) == NULL)
		return -1;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int atomicfile_write(const char *path, const void *data, size_t len, uid_t uid, gid_t gid,
		     mode_t mode, struct mt_err *err)
{
	char tmp[PATH_MAX];
	int fd = -1;
	int rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.mail-tls-%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		mt_err_set(err, "io_error", "path too long: %s", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		mt_err_set(err, "io_error", "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		mt_err_set(err, "io_error", "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		mt_err_set(err, "io_error", "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	if (sync_parent(path) != 0) {
		mt_err_set(err, "io_error", "cannot sync the directory of %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int atomicfile_mkdir(const char *path, mode_t mode, struct mt_err *err)
{
	struct stat st;

	if (mkdir(path, mode) != 0 && errno != EEXIST) {
		mt_err_set(err, "io_error", "cannot create directory %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		mt_err_set(err, "unsafe_file", "%s is not a root-owned private directory", path);
		return -1;
	}
	return 0;
}
