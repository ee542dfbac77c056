/*
 * audit.c - the audit trail. Must never: follow a symlink to the log, or
 * write a partial line where a whole one fits in one write().
 */
#define _GNU_SOURCE
#include "audit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "model.h"
#include "safefile.h"

/* append_line - text + '\n' appended to path in one write. */
static int append_line(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *line = malloc(len + 2);
	struct mt_err err;
	struct stat st;
	int fd, rc = -1;

	if (line == NULL)
		return -1;
	memcpy(line, text, len);
	memcpy(line + len, "\n", 2);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0 && safefile_check_fd(fd, path, &st, &err) == 0 &&
	    write(fd, line, len + 1) == (ssize_t)(len + 1))
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(line);
	return rc;
}

void audit_record(const char *state_dir, json_t *entry)
{
	char path[MT_PATH_MAX + 16];
	char *text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);

	snprintf(path, sizeof(path), "%s/audit.log", state_dir);
	if (text == NULL || append_line(path, text) != 0)
		fprintf(stderr, "mail-tls-helper: cannot append to %s\n", path);
	openlog("mail-tls-helper", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "change %s by %s: %s %s",
	       json_string_value(json_object_get(entry, "change_id")) ?: "-",
	       json_string_value(json_object_get(entry, "actor")) ?: "unknown",
	       json_string_value(json_object_get(entry, "action")) ?: "-",
	       json_string_value(json_object_get(entry, "outcome")) ?: "-");
	closelog();
	free(text);
}
