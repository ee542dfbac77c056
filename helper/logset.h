/*
 * logset.h - the files of one log for `diagnose`: the log the profile names
 * and, when asked, its rotations, oldest first.
 *
 * Owns: finding rotations next to the log by name: "NAME.N" and
 * "NAME.N.gz" (logrotate's default, Debian) and "NAME-YYYYMMDD" and
 * "NAME-YYYYMMDD.gz" (dateext, the RHEL family's maillog); ordering them by
 * modification time (then by name) and keeping the newest LOGSET_MAX.
 * Must never: follow a symlink (entries that are not regular files are
 * left out; logscan opens with O_NOFOLLOW again), take a path from the
 * request.
 */
#ifndef MT_LOGSET_H
#define MT_LOGSET_H

#include <time.h>

#include "err.h"

#define LOGSET_MAX 32          /* rotations read at most, newest kept */
#define LOGSET_PATH 512

struct logset {
	int n;                     /* files in path[], oldest first, the log last */
	int left_out;              /* older rotations beyond LOGSET_MAX */
	char path[LOGSET_MAX + 1][LOGSET_PATH];
};

/* logset_list - fill *ls (owned by the caller) for the log at path: its
 * rotations when rotated is set, then path itself (listed even when it is
 * missing: reading it reports that). Returns 0, or -1 with bad_profile
 * (a path that is not absolute or too long). */
int logset_list(const char *path, int rotated, struct logset *ls, struct mt_err *err);

#endif
