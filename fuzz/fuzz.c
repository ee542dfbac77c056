/*
 * fuzz.c - the helpers every fuzz target links (see fuzz.h).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

size_t fz_split(const uint8_t *data, size_t size, struct fz_part *parts, size_t max)
{
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0, sl = strlen(FZ_SEP);

	while (n + 1 < max) {
		const char *s = memmem(p, (size_t)(end - p), FZ_SEP, sl);

		if (s == NULL)
			break;
		parts[n].p = p;
		parts[n++].len = (size_t)(s - p);
		p = s + sl;
	}
	parts[n].p = p;
	parts[n++].len = (size_t)(end - p);
	return n;
}

unsigned fz_opt(const struct fz_part *part, size_t i)
{
	return i < part->len ? (unsigned char)part->p[i] : 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	if (dir[0] != '\0')
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_dir(void)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/dev/shm/mt-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
			abort();
		atexit(remove_dir);
	}
	return dir;
}

const char *fz_path(int slot, const char *rel)
{
	static char buf[8][512];

	snprintf(buf[slot & 7], sizeof(buf[0]), "%s/%s", fz_dir(), rel);
	return buf[slot & 7];
}

/* make_parents - every directory above path below fz_dir(). */
static void make_parents(char *path)
{
	size_t base = strlen(fz_dir());

	for (char *s = path + base + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) != 0 && access(path, F_OK) != 0)
			abort();
		*s = '/';
	}
}

void fz_write(const char *rel, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fz_dir(), rel);
	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len > 0 && write(fd, text, len) != (ssize_t)len) || fchmod(fd, 0644) != 0)
		abort();
	close(fd);
}

void fz_unlink(const char *rel)
{
	unlink(fz_path(7, rel));
}

/* include_at - 1 when the pattern after an "include" at p escapes. */
static int include_at(const char *p, const char *end)
{
	while (p < end && strchr(" \t\"'\\\r\n", *p) != NULL)
		p++;
	return p < end && (*p == '/' || *p == '~' || *p == '$' || *p == '{');
}

int fz_include_escapes(const char *text, size_t len)
{
	const char *end = text + len;

	if (memmem(text, len, "..", 2) != NULL)
		return 1;
	for (const char *p = text; (p = memmem(p, (size_t)(end - p), "include", 7)) != NULL; p += 7) {
		const char *q = p + 7;

		if (q + 4 <= end && memcmp(q, "_try", 4) == 0)
			q += 4;
		if (include_at(q, end))
			return 1;
	}
	return 0;
}

char *fz_text(const struct fz_part *part)
{
	char *s = malloc(part->len + 1);

	if (s == NULL)
		abort();
	memcpy(s, part->p, part->len);
	s[part->len] = '\0';
	return s;
}

void fz_write_parts(const char *const *files, size_t count, const struct fz_part *parts, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		if (i + 1 < n)
			fz_write(files[i], parts[i + 1].p, parts[i + 1].len);
		else
			fz_unlink(files[i]);
	}
}
