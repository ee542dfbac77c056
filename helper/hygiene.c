/*
 * hygiene.c - process hygiene for a helper that runs as root for whoever
 * can call it. Must never: keep an inherited fd, variable, signal
 * disposition, signal mask, working directory or resource limit that the
 * caller chose.
 */
#define _GNU_SOURCE
#include "hygiene.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

int hygiene_close_from(int lowest)
{
	struct rlimit rl;
	long max = 65536;

	if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0)
		return 0;
	/* Kernels before 5.9: close every possible fd up to the limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < max)
		max = (long)rl.rlim_cur;
	for (long fd = lowest; fd < max; fd++)
		close((int)fd);
	return 0;
}

/* reset_signals - every disposition to its default, nothing blocked; then
 * SIGPIPE ignored (a closed stdout must not kill a change half way). An
 * inherited SIG_IGN for SIGCHLD would make waitpid lose exit statuses. */
static int reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* reset_limits - no core dumps (they would hold configuration and keys);
 * file size as large as the hard limit allows. */
static void reset_limits(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_FSIZE, &rl);
	}
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
	if (ensure_std_fds() != 0 || hygiene_close_from(3) != 0 || reset_signals() != 0 ||
	    chdir("/") != 0)
		return -1;
	reset_limits();
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0 ||
	    setenv("LC_ALL", "C", 1) != 0)
		return -1;
	json_set_alloc_funcs(checked_malloc, free);
	return 0;
}
