/*
 * safefile.c - trusted, bounded, read-only file access for a root helper.
 *
 * Must never: follow a symlink, judge a file by its name instead of the fd
 * that is read, block on a FIFO, read without a bound, or hand a parser
 * text with a NUL byte. Bytes that are not UTF-8 are kept: configurations
 * are bytes (a Latin-1 comment is common), and whoever puts file text into
 * a reply cleans it there (mt_utf8_clean).
 */
#define _GNU_SOURCE
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int safefile_check_fd(int fd, const char *path, struct stat *st, struct mt_err *err)
{
	if (fstat(fd, st) != 0) {
		mt_err_set(err, "io_error", "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		mt_err_set(err, "unsafe_file", "%s is not a regular file", path);
		return -1;
	}
	if (st->st_nlink != 1) {
		mt_err_set(err, "unsafe_file", "%s has %lu hard links", path, (unsigned long)st->st_nlink);
		return -1;
	}
	if (st->st_uid != 0) {
		mt_err_set(err, "unsafe_file", "%s is not owned by root", path);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		mt_err_set(err, "unsafe_file", "%s is writable by group or others", path);
		return -1;
	}
	return 0;
}

/* read_all - read fd to EOF into f->data, at most SAFEFILE_MAX bytes. */
static int read_all(int fd, const char *path, struct safefile *f, struct mt_err *err)
{
	size_t cap = (size_t)f->st.st_size + 1;
	ssize_t n;

	if (f->st.st_size < 0 || (size_t)f->st.st_size > SAFEFILE_MAX) {
		mt_err_set(err, "unsafe_file", "%s is larger than %u bytes: no configuration file is",
			   path, SAFEFILE_MAX);
		return -1;
	}
	f->data = malloc(cap + 1);
	if (f->data == NULL) {
		mt_err_set(err, "internal", "out of memory reading %s", path);
		return -1;
	}
	/* Read one byte past the size fstat gave, to notice a file that grew. */
	while (f->len < cap) {
		n = read(fd, f->data + f->len, cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mt_err_set(err, "io_error", "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	if (f->len == cap) {
		mt_err_set(err, "io_error", "%s changed while it was read", path);
		return -1;
	}
	f->data[f->len] = '\0';
	return 0;
}

int safefile_check_text(const char *path, const char *data, size_t len, struct mt_err *err)
{
	const char *nul = memchr(data, '\0', len);
	size_t line = 1;

	if (nul == NULL)
		return 0;
	for (const char *p = data; p < nul; p++)
		line += *p == '\n';
	mt_err_set(err, "unsafe_file", "%s has a NUL byte on line %zu: not a text file", path, line);
	return -1;
}

/* open_nofollow - open path read-only without blocking and without
 * following a symlink: none at all on the path where the kernel has
 * openat2 (Linux 5.6), else none as the last component. */
static int open_nofollow(const char *path, unsigned flags)
{
	const int oflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct open_how how = { .flags = oflags, .resolve = RESOLVE_NO_SYMLINKS };
	int fd;

	if (!(flags & SAFEFILE_PATH_LINKS)) {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd;
	}
	return open(path, oflags);
}

int safefile_read_flags(const char *path, struct safefile *f, unsigned flags, struct mt_err *err)
{
	int fd;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	fd = open_nofollow(path, flags);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == ELOOP)
			mt_err_set(err, "unsafe_file", "%s is a symbolic link or has one on its path", path);
		else
			mt_err_set(err, "io_error", "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (safefile_check_fd(fd, path, &f->st, err) == 0 && read_all(fd, path, f, err) == 0 &&
	    ((flags & SAFEFILE_BINARY) || safefile_check_text(path, f->data, f->len, err) == 0))
		rc = 0;
	close(fd);
	if (rc != 0)
		safefile_free(f);
	return rc;
}

int safefile_read(const char *path, struct safefile *f, struct mt_err *err)
{
	return safefile_read_flags(path, f, 0, err);
}

void safefile_free(struct safefile *f)
{
	free(f->data);
	f->data = NULL;
	f->len = 0;
}

/* check_dir - one parent directory: root-owned, not writable by group or
 * others unless sticky. */
static int check_dir(const char *dir, struct mt_err *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		mt_err_set(err, "unsafe_file", "cannot stat directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		mt_err_set(err, "unsafe_file", "%s is not a directory (symbolic link?)", dir);
		return -1;
	}
	if (st.st_uid != 0) {
		mt_err_set(err, "unsafe_file", "directory %s is not owned by root", dir);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		mt_err_set(err, "unsafe_file", "directory %s is writable by group or others", dir);
		return -1;
	}
	return 0;
}

int safefile_check_parents(const char *path, struct mt_err *err)
{
	char dir[PATH_MAX];
	char *slash;

	if (path[0] != '/' || mt_strlcpy(dir, path, sizeof(dir)) != 0) {
		mt_err_set(err, "unsafe_file", "%s is not an absolute path", path);
		return -1;
	}
	for (;;) {
		slash = strrchr(dir, '/');
		if (slash == dir) {
			dir[1] = '\0';
			return check_dir(dir, err);
		}
		*slash = '\0';
		if (check_dir(dir, err) != 0)
			return -1;
	}
}

int safefile_check_binary(const char *path, struct mt_err *err)
{
	char real[PATH_MAX];
	struct stat st;

	if (realpath(path, real) == NULL || stat(real, &st) != 0) {
		mt_err_set(err, "unsafe_file", "cannot resolve %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    !(st.st_mode & S_IXUSR)) {
		mt_err_set(err, "unsafe_file", "%s (%s) is not a root-owned executable that only root can "
			   "write", path, real);
		return -1;
	}
	return safefile_check_parents(real, err);
}

int safefile_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
