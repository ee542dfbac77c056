/*
 * logscan.c - stream a log file line by line (see logscan.h).
 */
#define _GNU_SOURCE
#include "logscan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "logfilter.h"

/* The splitter: one buffer of 2 * block bytes; the carried partial line
 * (always < block bytes) sits at its start, new data is appended. */
struct splitter {
	char *buf;
	size_t block;
	size_t have;     /* bytes in buf */
	int skipping;    /* inside a line longer than block: drop to its "\n" */
	logscan_filter filter;
	logscan_fn fn;
	void *arg;
	struct logscan_stats *st;
};

static void emit(struct splitter *s, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	s->fn(line, len, s->arg);
}

/* emit_region - hand on the lines of [p, end) (end[-1] is "\n") that the
 * filter lets through; with no filter, every line. */
static void emit_region(struct splitter *s, const char *p, const char *end)
{
	while (p < end) {
		const char *hit = s->filter != NULL ? s->filter(p, end) : p;
		const char *start, *nl;

		if (hit == NULL)
			return;
		start = hit > p ? memrchr(p, '\n', (size_t)(hit - p)) : NULL;
		start = start != NULL ? start + 1 : p;
		nl = memchr(hit, '\n', (size_t)(end - hit));
		emit(s, start, (size_t)(nl - start));
		p = nl + 1;
	}
}

/* consume - count and hand on the whole lines in buf[0..have); keep the
 * tail that has no "\n" yet at the start of buf. */
static void consume(struct splitter *s)
{
	char *p = s->buf, *end = s->buf + s->have, *last;

	if (s->skipping) {
		char *nl = memchr(p, '\n', s->have);

		if (nl == NULL) {
			s->have = 0;
			return;
		}
		s->skipping = 0;
		p = nl + 1;
	}
	last = memrchr(p, '\n', (size_t)(end - p));
	if (last != NULL) {
		s->st->lines += logfilter_newlines(p, last + 1);
		emit_region(s, p, last + 1);
		p = last + 1;
	}
	s->have = (size_t)(end - p);
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
	if (!s->skipping && s->have > 0) {
		s->st->lines++;
		if (s->filter == NULL || s->filter(s->buf, s->buf + s->have) != NULL)
			emit(s, s->buf, s->have);
	}
	s->have = 0;
	s->skipping = 0;
}

static int splitter_init(struct splitter *s, size_t block, logscan_filter filter, logscan_fn fn,
			 void *arg, struct logscan_stats *st)
{
	memset(s, 0, sizeof(*s));
	if (block == 0 || block > LOGSCAN_BLOCK)
		block = LOGSCAN_BLOCK;
	s->buf = malloc(2 * block);
	if (s->buf == NULL)
		return -1;
	s->block = block;
	s->filter = filter;
	s->fn = fn;
	s->arg = arg;
	s->st = st;
	return 0;
}

int logscan_buf(const char *buf, size_t len, size_t block, logscan_filter filter,
		logscan_fn fn, void *arg, struct logscan_stats *st)
{
	struct splitter s;
	size_t off = 0;

	if (splitter_init(&s, block, filter, fn, arg, st) != 0)
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

double logscan_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* past_deadline - whether the read must stop now (then marked stopped). */
static int past_deadline(struct logscan_stats *st)
{
	if (st->deadline > 0 && logscan_now_ms() > st->deadline)
		st->stopped = 1;
	return st->stopped;
}

/* read_plain - fd's first size bytes (never more: the file may grow) into
 * the splitter. Returns 0 or -1 with errno set. */
static int read_plain(struct splitter *s, int fd, unsigned long long size)
{
	while (size > 0 && !past_deadline(s->st)) {
		size_t want = s->block < size ? s->block : (size_t)size;
		ssize_t n = read(fd, s->buf + s->have, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)   /* truncated while read */
			break;
		s->have += (size_t)n;
		size -= (unsigned long long)n;
		s->st->bytes += (unsigned long long)n;
		consume(s);
	}
	return 0;
}

/* read_gzip - decompress fd (borrowed: duplicated for zlib, which closes
 * its copy; size bytes compressed) into the splitter. Returns 0, or -1 with
 * a message in *why. */
static int read_gzip(struct splitter *s, int fd, unsigned long long size, const char **why)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0), n = 0, rc = 0, zerr = Z_OK;
	gzFile gz = copy >= 0 ? gzdopen(copy, "rb") : NULL;
	unsigned long long out = 0, cap = size * LOGSCAN_GZIP_RATIO + LOGSCAN_BLOCK;

	if (gz == NULL) {
		if (copy >= 0)
			close(copy);
		*why = "cannot start decompression";
		return -1;
	}
	gzbuffer(gz, 128u << 10);
	while (!past_deadline(s->st) && out <= cap &&
	       (n = gzread(gz, s->buf + s->have, (unsigned)s->block)) > 0) {
		s->have += (size_t)n;
		out += (unsigned)n;
		s->st->bytes += (unsigned long long)n;
		consume(s);
	}
	if (out > cap) {
		*why = "it expands to more than 256 times its size (left out from there)";
		rc = -1;
	} else if (n < 0 || (gzerror(gz, &zerr), zerr != Z_OK)) {
		*why = zerr == Z_BUF_ERROR ? "the gzip data ends early (lines before the cut were read)"
					   : "corrupt gzip data";
		rc = -1;
	}
	gzclose_r(gz);
	return rc;
}

/* is_gzip - whether fd's content starts with the gzip magic bytes. */
static int is_gzip(int fd)
{
	unsigned char magic[2];

	return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

int logscan_file(const char *path, logscan_filter filter, logscan_fn fn, void *arg,
		 struct logscan_stats *st, struct mt_err *err)
{
	struct splitter s = { 0 };
	struct stat sb;
	const char *why = NULL;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		mt_err_set(err, "io_error", "cannot open log %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		mt_err_set(err, "io_error", "log %s is not a regular file", path);
		goto out;
	}
	if (st->on_open != NULL && st->on_open(sb.st_mtime, st->open_arg)) {
		st->skipped++;
		rc = 0;
		goto out;
	}
	if (splitter_init(&s, LOGSCAN_BLOCK, filter, fn, arg, st) != 0) {
		mt_err_set(err, "internal", "out of memory reading log %s", path);
		goto out;
	}
	if (is_gzip(fd) ? read_gzip(&s, fd, (unsigned long long)sb.st_size, &why) != 0
			: read_plain(&s, fd, (unsigned long long)sb.st_size) != 0) {
		mt_err_set(err, "io_error", "cannot read log %s: %s", path, why != NULL ? why : strerror(errno));
		goto out;
	}
	st->files++;
	rc = 0;
out:
	if (s.buf != NULL) {
		finish(&s);
		free(s.buf);
	}
	close(fd);
	return rc;
}
