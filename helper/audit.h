/*
 * audit.h - every change leaves one JSON line in state_dir/audit.log and
 * one syslog line (LOG_AUTHPRIV).
 */
#ifndef MT_AUDIT_H
#define MT_AUDIT_H

#include <jansson.h>

/* audit_record - append entry (borrowed: time, change_id, actor, action,
 * request, before, after, outcome) as one line, and log a summary. Failure
 * to audit is reported on stderr only: the change itself stands. */
void audit_record(const char *state_dir, json_t *entry);

#endif
