/*
 * spawn.h - running a service's own command, never through a shell.
 *
 * fork + execve of an absolute path with a fixed argv and a built
 * environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C), umask 022,
 * stdin /dev/null, its own process group, a timeout after which the whole
 * group is killed. Output goes to an unlinked temporary file and is read
 * back capped, never through a pipe read to EOF (Dovecot's master keeps the
 * caller's stderr open: FACTS.md G7).
 */
#ifndef MT_SPAWN_H
#define MT_SPAWN_H

#include <stddef.h>

#include "err.h"

#define SPAWN_OUTPUT_MAX 8192

enum spawn_output {
	SPAWN_CAPTURE,      /* stdout and stderr captured into out */
	SPAWN_STDERR_ONLY,  /* stdout to /dev/null (doveconf -x prints keys), stderr captured */
	SPAWN_DISCARD       /* both to /dev/null */
};

struct spawn_result {
	int exit_code;      /* exit status, 128+signal, or -1 when it timed out */
	int timed_out;
	double ms;          /* wall time */
	char out[SPAWN_OUTPUT_MAX];  /* captured output, NUL-terminated, cut at the cap */
	size_t out_len;
};

/* spawn_run - run argv (argv[0] absolute, NULL-terminated) and wait at most
 * timeout_ms. Returns 0 when the command ran (whatever its exit status; see
 * res), -1 with an error when it could not be started (io_error) or argv[0]
 * is not an absolute path (bad_profile). */
int spawn_run(char *const argv[], enum spawn_output mode, int timeout_ms,
	      struct spawn_result *res, struct mt_err *err);

/* spawn_capture - run argv with SPAWN_CAPTURE; out (size bytes) receives its
 * output when it exited 0 in time, else "". Returns 0, or -1 as spawn_run. */
int spawn_capture(char *const argv[], int timeout_ms, char *out, size_t size, struct mt_err *err);

#endif
