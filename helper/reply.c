/*
 * reply.c - building and writing replies. Only main decides what goes in
 * them; this module knows the envelope.
 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *reply_new(const char *action, const char *request_id)
{
	return json_pack("{s:i, s:o, s:o, s:b}", "api", 1, "action", string_or_null(action),
			 "request_id", string_or_null(request_id), "ok", 1);
}

void reply_fail(json_t *reply, const struct mt_err *err)
{
	json_t *e = json_pack("{s:s, s:s}", "code", err->code ? err->code : "internal",
			      "message", err->message);

	if (e == NULL)  /* the message was not valid text: the code still goes out */
		e = json_pack("{s:s, s:s}", "code", err->code ? err->code : "internal", "message",
			      "(message not representable)");

	if (err->service[0] != '\0')
		json_object_set_new(e, "service", json_string(err->service));
	if (err->endpoint[0] != '\0')
		json_object_set_new(e, "endpoint", json_string(err->endpoint));
	json_object_set_new(reply, "ok", json_false());
	json_object_set_new(reply, "error", e);
}

void reply_warn(json_t *reply, const char *code, const char *message)
{
	json_t *list = json_object_get(reply, "warnings");

	if (list == NULL) {
		list = json_array();
		json_object_set_new(reply, "warnings", list);
	}
	json_array_append_new(list, json_pack("{s:s, s:s}", "code", code, "message", message));
}

/* reply_emit - the whole text is built before a byte is written: an
 * allocation failure while dumping (the fatal path) must not leave half a
 * reply on stdout in front of the fixed one. */
int reply_emit(const json_t *reply)
{
	char *text = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
	int rc = 0;

	if (text == NULL || fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0)
		rc = -1;
	free(text);
	return rc;
}

void reply_fatal_oom(void)
{
	static const char msg[] =
		"{\"api\":1,\"action\":null,\"request_id\":null,\"ok\":false,"
		"\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n";
	ssize_t n = write(STDOUT_FILENO, msg, sizeof(msg) - 1);

	(void)n;
	_exit(1);
}
