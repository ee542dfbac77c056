/*
 * request.c - reading and checking the request envelope. Must never: read
 * without a bound, accept a key it does not know, or accept a value of the
 * wrong type.
 */
#include "request.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static const char *const actions[] = {
	"capabilities", "status", "set", "compliance", "rollback", "history", "probe", "diagnose", NULL,
};

int request_known_action(const char *name)
{
	for (size_t i = 0; actions[i] != NULL; i++)
		if (strcmp(actions[i], name) == 0)
			return 1;
	return 0;
}

/* wait_readable - poll fd until readable or the deadline (ms, monotonic). */
static int wait_readable(int fd, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts;
	long now;
	int rc;

	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
		if (now >= deadline)
			return 0;
		rc = poll(&pfd, 1, (int)(deadline - now));
	} while (rc < 0 && errno == EINTR);
	return rc > 0;
}

long request_read(int fd, char *buf, struct mt_err *err)
{
	struct timespec ts;
	size_t len = 0;
	ssize_t n;
	long deadline;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1000L + ts.tv_nsec / 1000000L + REQUEST_READ_MS;
	while (len <= REQUEST_MAX) {
		if (!wait_readable(fd, deadline)) {
			mt_err_set(err, "bad_request", "no complete request on stdin within %d ms", REQUEST_READ_MS);
			return -1;
		}
		n = read(fd, buf + len, REQUEST_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mt_err_set(err, "io_error", "cannot read the request: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > REQUEST_MAX) {
		mt_err_set(err, "bad_request", "the request is larger than %u bytes", REQUEST_MAX);
		return -1;
	}
	if (len == 0) {
		mt_err_set(err, "bad_request", "empty request: one JSON object expected on stdin");
		return -1;
	}
	return (long)len;
}

/* printable - s is printable ASCII and shorter than max. */
static int printable(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]))
			return 0;
	return 1;
}

/* take_string - remove an optional short printable string key from obj into
 * dst. Returns 1 taken, 0 absent, -1 bad. */
static int take_string(json_t *obj, const char *key, char *dst, size_t size)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || !printable(json_string_value(v), json_string_length(v), size - 1))
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	json_object_del(obj, key);
	return 1;
}

/* take_api - the "api" key: an integer, and 1. */
static int take_api(json_t *obj, struct mt_err *err)
{
	json_t *api = json_object_get(obj, "api");

	if (!json_is_integer(api)) {
		mt_err_set(err, "bad_request", "\"api\" must be present and an integer (1)");
		return -1;
	}
	if (json_integer_value(api) != 1) {
		mt_err_set(err, "unsupported_api", "api %lld is not supported; this helper speaks api 1",
			   (long long)json_integer_value(api));
		return -1;
	}
	json_object_del(obj, "api");
	return 0;
}

/* take_action - the "action" key: a known action name. */
static int take_action(json_t *obj, struct mt_request *req, struct mt_err *err)
{
	json_t *action = json_object_get(obj, "action");
	const char *name = json_string_value(action);

	if (name == NULL) {
		mt_err_set(err, "bad_request", "\"action\" must be present and a string");
		return -1;
	}
	if (!request_known_action(name) || strlen(name) >= sizeof(req->action)) {
		mt_err_set(err, "unknown_action", "unknown action \"%.40s\"", name);
		return -1;
	}
	strcpy(req->action, name);
	json_object_del(obj, "action");
	return 0;
}

/* take_envelope - move api, action, request_id and actor out of obj. */
static int take_envelope(json_t *obj, struct mt_request *req, struct mt_err *err)
{
	int rc = take_string(obj, "request_id", req->request_id, sizeof(req->request_id));

	if (rc < 0) {
		mt_err_set(err, "bad_request", "\"request_id\" must be a printable string of at most %d characters",
			   REQUEST_ID_MAX);
		return -1;
	}
	req->has_request_id = rc;
	if (take_api(obj, err) != 0 || take_action(obj, req, err) != 0)
		return -1;
	if (take_string(obj, "actor", req->actor, sizeof(req->actor)) < 0) {
		mt_err_set(err, "bad_request", "\"actor\" must be a printable string of at most %d characters",
			   REQUEST_ID_MAX);
		return -1;
	}
	return 0;
}

int request_parse(const char *text, size_t len, struct mt_request *req, struct mt_err *err)
{
	json_error_t jerr;
	json_t *root = NULL;

	memset(req, 0, sizeof(*req));
	if (memchr(text, '\0', len) != NULL) {
		mt_err_set(err, "bad_request", "the request contains a NUL byte");
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		mt_err_set(err, "bad_request", "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			   jerr.column);
		return -1;
	}
	if (!json_is_object(root)) {
		mt_err_set(err, "bad_request", "the request must be a JSON object");
		json_decref(root);
		return -1;
	}
	req->params = root;
	return take_envelope(root, req, err);
}

void request_free(struct mt_request *req)
{
	json_decref(req->params);
	req->params = NULL;
}

int request_unpack(json_t *params, struct mt_err *err, const char *fmt, ...)
{
	json_error_t jerr;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = json_vunpack_ex(params, &jerr, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc != 0)
		mt_err_set(err, "bad_request", "%s", jerr.text);
	return rc;
}
