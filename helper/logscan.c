/*
 * logscan.c - stream a log file line by line (see logscan.h).
 */
#include "logscan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The splitter: one buffer of 2 * block bytes; the carried partial line
 * (always < block bytes) sits at its start, new data is appended. */
struct splitter {
	char *buf;
	size_t block;
	size_t have;     /* bytes in buf */
	int skipping;    /* inside a line longer than block: drop to its "\n" */
	logscan_fn fn;
	void *arg;
	struct logscan_stats *st;
};

static void emit(struct splitter *s, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	s->st->lines++;
	s->fn(line, len, s->arg);
}

/* consume - split buf[0..have); keep the tail that has no "\n" yet. */
static void consume(struct splitter *s)
{
	const char *p = s->buf, *end = s->buf + s->have;
	const char *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (s->skipping)
			s->skipping = 0;
		else
			emit(s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	s->have = (size_t)(end - p);
	if (s->skipping) {
		s->have = 0;
		return;
	}
	if (s->have >= s->block) {   /* no "\n" within a whole block */
		s->st->long_lines++;
		s->skipping = 1;
		s->have = 0;
		return;
	}
	if (p != s->buf && s->have > 0)
		memmove(s->buf, p, s->have);
}

static void finish(struct splitter *s)
{
	if (!s->skipping && s->have > 0)
		emit(s, s->buf, s->have);
	s->have = 0;
	s->skipping = 0;
}

static int splitter_init(struct splitter *s, size_t block, logscan_fn fn, void *arg,
			 struct logscan_stats *st)
{
	memset(s, 0, sizeof(*s));
	if (block == 0 || block > LOGSCAN_BLOCK)
		block = LOGSCAN_BLOCK;
	s->buf = malloc(2 * block);
	if (s->buf == NULL)
		return -1;
	s->block = block;
	s->fn = fn;
	s->arg = arg;
	s->st = st;
	return 0;
}

int logscan_buf(const char *buf, size_t len, size_t block, logscan_fn fn, void *arg,
		struct logscan_stats *st)
{
	struct splitter s;
	size_t off = 0;

	if (splitter_init(&s, block, fn, arg, st) != 0)
		return -1;
	while (off < len) {
		size_t n = len - off < s.block ? len - off : s.block;

		memcpy(s.buf + s.have, buf + off, n);
		s.have += n;
		off += n;
		st->bytes += n;
		consume(&s);
	}
	finish(&s);
	free(s.buf);
	return 0;
}

int logscan_file(const char *path, logscan_fn fn, void *arg, struct logscan_stats *st,
		 struct mt_err *err)
{
	struct splitter s;
	struct stat sb;
	unsigned long long left;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		mt_err_set(err, "io_error", "cannot open log %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		mt_err_set(err, "io_error", "log %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (splitter_init(&s, LOGSCAN_BLOCK, fn, arg, st) != 0) {
		mt_err_set(err, "io_error", "out of memory reading log %s", path);
		close(fd);
		return -1;
	}
	left = (unsigned long long)sb.st_size;   /* never past the size at open */
	while (left > 0) {
		size_t want = s.block < left ? s.block : (size_t)left;
		ssize_t n = read(fd, s.buf + s.have, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mt_err_set(err, "io_error", "cannot read log %s: %s", path, strerror(errno));
			finish(&s);
			free(s.buf);
			close(fd);
			return -1;
		}
		if (n == 0)   /* truncated while read */
			break;
		s.have += (size_t)n;
		left -= (unsigned long long)n;
		st->bytes += (unsigned long long)n;
		consume(&s);
	}
	finish(&s);
	free(s.buf);
	close(fd);
	return 0;
}
