/*
 * spawn.c - fork + execve of a service's own command, never a shell.
 *
 * Owns: the child's environment, fds, umask and process group, and its
 * output buffer. Must never: pass the caller's environment, run a relative
 * path, read a pipe to EOF, or wait without a bound.
 */
#define _GNU_SOURCE
#include "spawn.h"

#include "hygiene.h"
#include "safefile.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *const child_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* child_exec - in the child: wire fds, reset state, exec. Never returns. */
static void child_exec(char *const argv[], enum spawn_output mode, int outfd)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0 || setpgid(0, 0) != 0)
		_exit(127);
	umask(022);
	signal(SIGPIPE, SIG_DFL);
	dup2(null, 0);
	dup2(mode == SPAWN_CAPTURE ? outfd : null, 1);
	dup2(mode == SPAWN_DISCARD ? null : outfd, 2);
	hygiene_close_from(3);
	execve(argv[0], argv, child_env);
	_exit(127);
}

/* exited_within - 1 when pid exits within timeout_ms (it is not reaped).
 * A pidfd is polled; where the kernel (or valgrind) has no pidfd_open,
 * waitid(WNOWAIT) is polled every 2 ms instead. */
static int exited_within(pid_t pid, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	double deadline = now_ms() + timeout_ms;
	siginfo_t info;
	int ready;

	if (pidfd >= 0) {
		do
			ready = poll(&pfd, 1, timeout_ms);
		while (ready < 0 && errno == EINTR);
		close(pidfd);
		return ready != 0;
	}
	for (;;) {
		info.si_pid = 0;
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		usleep(2000);
	}
}

/* wait_child - wait for pid at most timeout_ms; kill its group on timeout.
 * Fills exit_code and timed_out; a lost status (waitpid failing) counts
 * as a failure, never as exit 0. */
static void wait_child(pid_t pid, int timeout_ms, struct spawn_result *res)
{
	int status = 0;
	pid_t got;

	if (!exited_within(pid, timeout_ms)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		res->timed_out = 1;
	}
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (res->timed_out)
		res->exit_code = -1;
	else if (got != pid)
		res->exit_code = 255;
	else if (WIFEXITED(status))
		res->exit_code = WEXITSTATUS(status);
	else
		res->exit_code = 128 + WTERMSIG(status);
}

/* read_output - the first SPAWN_OUTPUT_MAX-1 bytes the child wrote. */
static void read_output(int outfd, struct spawn_result *res)
{
	ssize_t n = pread(outfd, res->out, sizeof(res->out) - 1, 0);

	res->out_len = n > 0 ? (size_t)n : 0;
	res->out[res->out_len] = '\0';
}

int spawn_run(char *const argv[], enum spawn_output mode, int timeout_ms,
	      struct spawn_result *res, struct mt_err *err)
{
	int outfd = -1;
	int rc = -1;
	double t0 = now_ms();
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (argv[0] == NULL || argv[0][0] != '/') {
		mt_err_set(err, "bad_profile", "command %s is not an absolute path", argv[0] ? argv[0] : "(none)");
		return -1;
	}
	if (safefile_check_binary(argv[0], err) != 0)
		return -1;
	/* An anonymous in-memory file: read back with pread, never to EOF. */
	outfd = memfd_create("mail-tls-spawn", MFD_CLOEXEC);
	if (outfd < 0) {
		mt_err_set(err, "io_error", "cannot create an output buffer: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		mt_err_set(err, "io_error", "cannot fork for %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(argv, mode, outfd);
	setpgid(pid, pid);
	wait_child(pid, timeout_ms, res);
	read_output(outfd, res);
	res->ms = now_ms() - t0;
	rc = 0;
out:
	if (outfd >= 0)
		close(outfd);
	return rc;
}

int spawn_capture(char *const argv[], int timeout_ms, char *out, size_t size, struct mt_err *err)
{
	struct spawn_result *res = malloc(sizeof(*res));
	int rc;

	if (res == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	out[0] = '\0';
	rc = spawn_run(argv, SPAWN_CAPTURE, timeout_ms, res, err);
	if (rc == 0 && res->exit_code == 0 && !res->timed_out)
		mt_strlcpy(out, res->out, size);
	free(res);
	return rc;
}
