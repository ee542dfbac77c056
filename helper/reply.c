/*
 * reply.c - building and writing replies. Only main decides what goes in
 * them; this module knows the envelope.
 */
#include "reply.h"

#include <stdio.h>
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

int reply_emit(const json_t *reply)
{
	if (json_dumpf(reply, stdout, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6)) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0)
		return -1;
	return 0;
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
