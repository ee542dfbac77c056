/*
 * request.h - the input contract: at most 64 KiB of stdin, one strict JSON
 * object with the protocol v1 envelope. Closed before any work is done.
 */
#ifndef MT_REQUEST_H
#define MT_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define REQUEST_MAX (64u << 10)
#define REQUEST_ID_MAX 128
#define REQUEST_READ_MS 10000   /* the whole request must arrive within this */

struct mt_request {
	json_t *params;          /* owned: the request minus the envelope keys */
	char action[32];         /* "" until known */
	char request_id[REQUEST_ID_MAX + 1];
	int has_request_id;
	char actor[REQUEST_ID_MAX + 1];
};

/* request_read - read fd to EOF into buf (size REQUEST_MAX + 1), within
 * REQUEST_READ_MS. Returns the length, or -1 with bad_request (empty,
 * larger than 64 KiB, too slow) or io_error. */
long request_read(int fd, char *buf, struct mt_err *err);

/* request_parse - parse and check the envelope of len bytes of text: an
 * object; no NUL byte; no duplicate key; api 1 (unsupported_api otherwise);
 * action a known name (unknown_action); request_id and actor short printable
 * strings. req->params receives a new reference to the other keys.
 * request_id is filled as soon as it is known, even on error, so the reply
 * can echo it. Returns 0 or -1. */
int request_parse(const char *text, size_t len, struct mt_request *req, struct mt_err *err);

/* request_free - release req's params. */
void request_free(struct mt_request *req);

/* request_known_action - 1 when name is an action of protocol v1. */
int request_known_action(const char *name);

/* request_unpack - strict unpack of params (JSON_STRICT: unknown keys are
 * refused) with a Jansson format. Returns 0 or -1 with bad_request whose
 * message says what was wrong. */
int request_unpack(json_t *params, struct mt_err *err, const char *fmt, ...);

#endif
