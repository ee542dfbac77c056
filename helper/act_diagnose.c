/*
 * act_diagnose.c - `diagnose`: stream the logs the profile names (never a
 * path from the request) and, with "rotated", their rotations (logset),
 * oldest first, through logscan into the diag aggregator; reply per
 * DESIGN.md §3 plus "stats". Reads only.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "diag.h"
#include "logfilter.h"
#include "logscan.h"
#include "logset.h"
#include "reply.h"

#define DIAGNOSE_TOP_DEFAULT 20
#define DIAGNOSE_DEADLINE_DEFAULT 60000   /* ms: a whole read is bounded in time */
#define DIAGNOSE_DEADLINE_MAX 600000

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* parse_rfc3339 - "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" to UTC.
 * Returns 0 or -1. */
static int parse_rfc3339(const char *s, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(p + 1, 2, &oh) &&
		   p[3] == ':' && !digits(p + 4, 2, &om)) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

struct window {
	int has_since, has_until;
	time_t since, until;
};

struct options {
	int rotated;
	json_int_t top, deadline_ms;
};

/* parse_request - the request's since, until, rotated, top and deadline_ms. */
static int parse_request(json_t *params, struct window *w, struct options *o, struct mt_err *err)
{
	const char *since_s = NULL, *until_s = NULL;

	if (request_unpack(params, err, "{s?s, s?s, s?b, s?I, s?I}", "since", &since_s,
			   "until", &until_s, "rotated", &o->rotated, "top", &o->top,
			   "deadline_ms", &o->deadline_ms) != 0)
		return -1;
	if (o->top < 1 || o->top > DIAG_TOP_MAX) {
		mt_err_set(err, "bad_request", "\"top\" must be 1 to %d", DIAG_TOP_MAX);
		return -1;
	}
	if (o->deadline_ms < 100 || o->deadline_ms > DIAGNOSE_DEADLINE_MAX) {
		mt_err_set(err, "bad_request", "\"deadline_ms\" must be 100 to %d", DIAGNOSE_DEADLINE_MAX);
		return -1;
	}
	w->has_since = since_s != NULL;
	w->has_until = until_s != NULL;
	if (w->has_since && parse_rfc3339(since_s, &w->since) != 0) {
		mt_err_set(err, "bad_request", "\"since\" is not an RFC 3339 time");
		return -1;
	}
	if (w->has_until && parse_rfc3339(until_s, &w->until) != 0) {
		mt_err_set(err, "bad_request", "\"until\" is not an RFC 3339 time");
		return -1;
	}
	if (w->has_since && w->has_until && w->since > w->until) {
		mt_err_set(err, "bad_request", "\"since\" is after \"until\"");
		return -1;
	}
	return 0;
}

struct reading {
	struct logscan_stats st;
	int tried, read_ok;
	struct diag *d;
	const struct window *w;
};

/* opened - logscan's open hook: a file last written before the window is
 * left unread (every line is older); otherwise its mtime gives the year and
 * time zone of its syslog times. */
static int opened(time_t mtime, void *arg)
{
	struct reading *rd = arg;

	if (rd->w->has_since && mtime < rd->w->since)
		return 1;
	diag_set_file(rd->d, mtime);
	return 0;
}

/* read_file - one log file into rd->d. A file that cannot be read is a
 * warning; one that broke off still counts with the lines it gave. */
static void read_file(struct mt_ctx *ctx, const char *path, struct reading *rd)
{
	struct mt_err e = { 0 };
	unsigned long long before = rd->st.bytes;
	char msg[700];

	rd->tried++;
	if (logscan_file(path, logfilter_next, diag_line, rd->d, &rd->st, &e) == 0 ||
	    rd->st.bytes > before) {
		rd->read_ok++;
		if (e.message[0] == '\0')
			return;
	}
	if (e.code != NULL && strcmp(e.code, "internal") == 0)
		reply_fatal_oom();   /* out of memory is never "unreadable" */
	snprintf(msg, sizeof(msg), "%s", e.message);
	mt_utf8_clean(msg);
	reply_warn(ctx->reply, "log_unreadable", msg);
}

/* read_logs - every log of the profile (with its rotations) into rd->d.
 * Returns 0, or -1 with err (a bad log path, out of memory). */
static int read_logs(struct mt_ctx *ctx, int rotated, struct reading *rd, struct mt_err *err)
{
	struct logset *ls = malloc(sizeof(*ls));
	json_t *logs = profile_list(ctx->profile, NULL, "logs"), *path;
	int rc = 0;
	size_t i;

	if (ls == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	json_array_foreach(logs, i, path) {
		if (!json_is_string(path))
			continue;
		if (logset_list(json_string_value(path), rotated, ls, err) != 0) {
			rc = -1;
			break;
		}
		if (ls->left_out > 0)
			reply_warn(ctx->reply, "rotations_left_out",
				   "only the newest rotations of a log are read: older ones are left out");
		for (int k = 0; k < ls->n && !rd->st.stopped; k++)
			read_file(ctx, ls->path[k], rd);
	}
	free(ls);
	return rc;
}

int act_diagnose(struct mt_ctx *ctx, struct mt_err *err)
{
	struct window w = { 0, 0, 0, 0 };
	struct options o = { 0, DIAGNOSE_TOP_DEFAULT, DIAGNOSE_DEADLINE_DEFAULT };
	struct reading rd;
	time_t now = time(NULL);
	struct tm tm;
	struct diag *d;
	double t0 = logscan_now_ms();
	int rc = -1;

	memset(&rd, 0, sizeof(rd));
	if (parse_request(ctx->req->params, &w, &o, err) != 0)
		return -1;
	rd.st.deadline = t0 + (double)o.deadline_ms;
	rd.st.on_open = opened;
	rd.st.open_arg = &rd;
	rd.w = &w;
	gmtime_r(&now, &tm);
	d = diag_new(w.has_since, w.since, w.has_until, w.until, tm.tm_year + 1900);
	if (d == NULL) {
		mt_err_set(err, "internal", "out of memory");
		return -1;
	}
	rd.d = d;
	if (read_logs(ctx, o.rotated, &rd, err) != 0)
		goto out;
	if (rd.read_ok == 0) {
		mt_err_set(err, "io_error", rd.tried == 0 ? "the profile names no log" :
			   "none of the %d log(s) the profile names could be read", rd.tried);
		goto out;
	}
	if (rd.st.stopped)
		reply_warn(ctx->reply, "deadline_reached",
			   "reading stopped at deadline_ms: the results cover the logs up to there");
	if (diag_json(d, (int)o.top, ctx->reply) > 0)
		reply_warn(ctx->reply, "versions_not_logged",
			   "some services do not log negotiated versions: see \"visibility\"");
	json_object_set_new(ctx->reply, "stats", json_pack("{s:I, s:i, s:I, s:I, s:I, s:I, s:b, s:f}",
		"files", (json_int_t)rd.st.files, "files_skipped", (int)rd.st.skipped,
		"bytes", (json_int_t)rd.st.bytes, "lines", (json_int_t)rd.st.lines,
		"long_lines_skipped", (json_int_t)rd.st.long_lines,
		"tls_lines", (json_int_t)diag_tls_lines(d), "deadline_reached", rd.st.stopped,
		"ms", logscan_now_ms() - t0));
	rc = 0;
out:
	diag_free(d);
	return rc;
}
