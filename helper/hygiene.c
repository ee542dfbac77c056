/*
 * hygiene.c - process hygiene for a helper that runs as root for whoever
 * can call it. Must never: keep an inherited fd, variable or signal
 * disposition that the caller chose.
 */
#define _GNU_SOURCE
#include "hygiene.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reply.h"

/* ensure_std_fds - a closed 0, 1 or 2 would let a later open() become
 * stdout; point it at /dev/null. */
static int ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	return 0;
}

/* checked_malloc - Jansson's allocator: failure ends the process through
 * the one fatal path, which writes a fixed reply without allocating. */
static void *checked_malloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL)
		reply_fatal_oom();
	return p;
}

int hygiene_init(void)
{
	umask(077);
	if (ensure_std_fds() != 0)
		return -1;
	close_range(3, ~0U, 0);
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0 ||
	    setenv("LC_ALL", "C", 1) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	json_set_alloc_funcs(checked_malloc, free);
	return 0;
}
