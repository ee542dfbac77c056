/*
 * lock.c - the state directory's lock. Must never: wait without a bound,
 * or follow a symlink planted as the lock file.
 */
#define _GNU_SOURCE
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "safefile.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* open_lock_file - state_dir/lock, created 0600, checked on the fd. */
static int open_lock_file(const char *state_dir, struct mt_err *err)
{
	char path[1100];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		mt_err_set(err, errno == ELOOP ? "unsafe_file" : "io_error", "cannot open %s: %s", path,
			   strerror(errno));
		return -1;
	}
	if (safefile_check_fd(fd, path, &st, err) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int lock_acquire(const char *state_dir, int wait_ms, struct mt_err *err)
{
	long deadline = now_ms() + wait_ms;
	struct timespec pause = { 0, 20 * 1000000L };
	int fd;

	if (atomicfile_mkdir(state_dir, 0700, err) != 0)
		return -1;
	fd = open_lock_file(state_dir, err);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || now_ms() >= deadline) {
			mt_err_set(err, "busy", "another change holds the lock on %s (waited %d ms)",
				   state_dir, wait_ms);
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}
