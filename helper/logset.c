/*
 * logset.c - a log and its rotations, oldest first (see logset.h).
 */
#include "logset.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rotation {
	time_t mtime;
	char name[256];
};

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* is_rotation - whether name is base + ".N" or "-YYYYMMDD", each with an
 * optional ".gz". */
static int is_rotation(const char *name, const char *base)
{
	size_t b = strlen(base), n = strlen(name);
	const char *suffix;

	if (n <= b + 1 || strncmp(name, base, b) != 0)
		return 0;
	suffix = name + b;
	n -= b;
	if (n > 3 && strcmp(suffix + n - 3, ".gz") == 0)
		n -= 3;
	if (suffix[0] == '.')
		return n <= 6 && all_digits(suffix + 1, n - 1);
	return suffix[0] == '-' && n == 9 && all_digits(suffix + 1, 8);
}

/* older_first - by mtime, then by name (".2" before ".1" on a tie: rotation
 * numbers grow with age; dates with it fall). */
static int older_first(const void *a, const void *b)
{
	const struct rotation *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(y->name, x->name);
}

/* keep_newest - put r into rot (sorted oldest first, *n of cap used),
 * dropping the oldest when full. */
static void keep_newest(struct rotation *rot, int *n, int cap, const struct rotation *r)
{
	int i;

	if (*n == cap) {
		if (older_first(r, &rot[0]) < 0)
			return;   /* older than everything kept */
		memmove(rot, rot + 1, sizeof(*rot) * (size_t)(cap - 1));
		(*n)--;
	}
	for (i = *n; i > 0 && older_first(r, &rot[i - 1]) < 0; i--)
		rot[i] = rot[i - 1];
	rot[i] = *r;
	(*n)++;
}

/* find_rotations - the newest LOGSET_MAX rotations of base in the directory
 * open as dfd, oldest first, into rot; *seen counts them all. Returns how
 * many were kept, or -1 when the directory cannot be read. Owns nothing
 * after it returns (the DIR is closed, dfd with it). */
static int find_rotations(int dfd, const char *base, struct rotation *rot, int *seen)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *e;
	struct stat sb;
	struct rotation r;
	int n = 0;

	if (dir == NULL) {
		close(dfd);
		return -1;
	}
	while ((e = readdir(dir)) != NULL) {
		if (!is_rotation(e->d_name, base) || strlen(e->d_name) >= sizeof(r.name))
			continue;
		if (fstatat(dirfd(dir), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		r.mtime = sb.st_mtime;
		memcpy(r.name, e->d_name, strlen(e->d_name) + 1);
		(*seen)++;
		keep_newest(rot, &n, LOGSET_MAX, &r);
	}
	closedir(dir);
	return n;
}

/* join - out = dir + "/" + name; both fit: dir is shorter than
 * LOGSET_PATH - 16 and ends where the log's own name began, and a rotation's
 * name is the log's name plus at most 12 bytes. */
static void join(char *out, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= LOGSET_PATH) {
		out[0] = '\0';
		return;
	}
	memcpy(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
}

int logset_list(const char *path, int rotated, struct logset *ls, struct mt_err *err)
{
	char dir[LOGSET_PATH];
	const char *slash = strrchr(path, '/');
	struct rotation *rot;
	int n, dfd, seen = 0;

	memset(ls, 0, sizeof(*ls));
	if (path[0] != '/' || strlen(path) >= LOGSET_PATH - 16 || slash[1] == '\0') {
		mt_err_set(err, "bad_profile", "log path must be absolute and shorter than %d bytes",
			   LOGSET_PATH - 16);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);   /* "" for "/" */
	if (rotated) {
		rot = malloc(sizeof(*rot) * LOGSET_MAX);
		if (rot == NULL) {
			mt_err_set(err, "internal", "out of memory");
			return -1;
		}
		dfd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		n = dfd >= 0 ? find_rotations(dfd, slash + 1, rot, &seen) : -1;
		ls->left_out = seen - (n > 0 ? n : 0);
		for (int i = 0; i < n; i++)
			join(ls->path[ls->n++], dir, rot[i].name);
		free(rot);
	}
	snprintf(ls->path[ls->n++], LOGSET_PATH, "%s", path);
	return 0;
}
