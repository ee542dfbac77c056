/*
 * lock.h - one change at a time: an exclusive flock on state_dir/lock,
 * waited for a bounded time.
 */
#ifndef MT_LOCK_H
#define MT_LOCK_H

#include "err.h"

#define LOCK_WAIT_DEFAULT_MS 120000

/* lock_acquire - create state_dir (0700, root) if needed and lock it,
 * waiting at most wait_ms. Returns the lock fd (keep it open while the
 * change runs), or -1 with busy (still held by another request), io_error
 * or unsafe_file. */
int lock_acquire(const char *state_dir, int wait_ms, struct mt_err *err);

/* lock_release - unlock and close fd (-1 is ignored). */
void lock_release(int fd);

#endif
