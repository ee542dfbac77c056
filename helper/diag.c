/*
 * diag.c - the `diagnose` aggregator (see diag.h).
 */
#include "diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "logline.h"
#include "reply.h"
#include "tlsver.h"

#define HASH_SLOTS 8192   /* power of two, >= 2 * the larger table */
#define IP_MAX 46
#define PID_SLOTS 256     /* the last client of recent (service, pid)s */

struct client {
	char ip[IP_MAX];
	unsigned char versions[DIAG_NSVC];                 /* bit v: seen negotiating v */
	unsigned long long fails[DIAG_NSVC][DIAG_NREASON];
};

/* The endpoint roles a log line can name (logline.role); 0: not told. */
static const char *const roles[] = {
	"", "smtp", "submission", "smtps", "imap", "imaps", "pop3", "pop3s",
};
#define NROLES (int)(sizeof(roles) / sizeof(roles[0]))

struct failure {
	int reason, service, role;
	int32_t client;               /* index in clients, -1 for no client */
	unsigned long long count;
	time_t first, last;
};

struct diag {
	int has_since, has_until, year, year_hint;
	time_t since, until;
	time_t ref;      /* the file's mtime: no line is newer (year roll-over) */
	int zone;        /* syslog times are local: set by diag_set_file */
	long off_hour;   /* zone offset cache: the wall-clock hour ... */
	long off;        /* ... and local time minus UTC then */
	unsigned long long tls_lines, dropped;
	unsigned long long fail_tot[DIAG_NSVC][DIAG_NREASON];
	unsigned long long neg_tot[DIAG_NSVC][DIAG_NVER];
	unsigned long long seen[DIAG_NSVC];       /* relevant lines per service */
	unsigned long long ok_ver[DIAG_NSVC];     /* TLS_OK lines with a version */
	unsigned long long ok_lines[DIAG_NSVC];   /* TLS_OK lines */
	int nclients, nfailures;
	struct client clients[DIAG_MAX_CLIENTS];
	struct failure failures[DIAG_MAX_FAILURES];
	struct { int service; long pid; char ip[IP_MAX]; } pids[PID_SLOTS];
	int32_t chash[HASH_SLOTS];
	int32_t fhash[HASH_SLOTS];
};

static uint32_t fnv(const char *s, uint32_t h)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct diag *diag_new(int has_since, time_t since, int has_until, time_t until, int year_hint)
{
	struct diag *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->has_since = has_since;
	d->since = since;
	d->has_until = has_until;
	d->until = until;
	d->year = year_hint;
	d->year_hint = year_hint;
	d->ref = (time_t)-1;
	d->off_hour = -1;
	memset(d->chash, 0xff, sizeof(d->chash));
	memset(d->fhash, 0xff, sizeof(d->fhash));
	return d;
}

void diag_free(struct diag *d)
{
	free(d);
}

/* client_find - index of ip, added when add is set and there is room;
 * -1 otherwise. */
static int client_find(struct diag *d, const char *ip, int add)
{
	uint32_t h = fnv(ip, 2166136261u) & (HASH_SLOTS - 1);

	while (d->chash[h] >= 0) {
		if (strcmp(d->clients[d->chash[h]].ip, ip) == 0)
			return d->chash[h];
		h = (h + 1) & (HASH_SLOTS - 1);
	}
	if (!add || d->nclients >= DIAG_MAX_CLIENTS)
		return -1;
	memset(&d->clients[d->nclients], 0, sizeof(d->clients[0]));
	mt_strlcpy(d->clients[d->nclients].ip, ip, IP_MAX);
	d->chash[h] = d->nclients;
	return d->nclients++;
}

static uint32_t fkey(int reason, int service, int role, int client)
{
	uint32_t h = 2166136261u;

	h = (h ^ (uint32_t)reason) * 16777619u;
	h = (h ^ (uint32_t)service) * 16777619u;
	h = (h ^ (uint32_t)role) * 16777619u;
	h = (h ^ (uint32_t)(client + 1)) * 16777619u;
	h ^= h >> 15;
	return h & (HASH_SLOTS - 1);
}

static struct failure *failure_find(struct diag *d, int reason, int service, int role,
				     int client, int add)
{
	uint32_t h = fkey(reason, service, role, client);
	struct failure *f;

	while (d->fhash[h] >= 0) {
		f = &d->failures[d->fhash[h]];
		if (f->reason == reason && f->service == service && f->role == role &&
		    f->client == client)
			return f;
		h = (h + 1) & (HASH_SLOTS - 1);
	}
	if (!add || d->nfailures >= DIAG_MAX_FAILURES)
		return NULL;
	f = &d->failures[d->nfailures];
	memset(f, 0, sizeof(*f));
	f->reason = reason;
	f->service = service;
	f->role = role;
	f->client = client;
	d->fhash[h] = d->nfailures++;
	return f;
}

void diag_set_file(struct diag *d, time_t mtime)
{
	struct tm tm;

	d->ref = mtime;
	d->zone = 1;
	d->year = d->year_hint;
	memset(d->pids, 0, sizeof(d->pids));   /* pids are per file: no stale clients */
	if (mtime != (time_t)-1 && localtime_r(&mtime, &tm) != NULL)
		d->year = tm.tm_year + 1900;
}

/* zone_offset - local time minus UTC at the wall-clock time wall (read as
 * if UTC), by the helper's time zone; cached per hour, since log lines come
 * in time order. */
static long zone_offset(struct diag *d, time_t wall)
{
	long hour = (long)(wall / 3600);
	struct tm tm;
	time_t utc;

	if (hour == d->off_hour)
		return d->off;
	d->off_hour = hour;
	d->off = 0;
	if (gmtime_r(&wall, &tm) == NULL)
		return 0;
	tm.tm_isdst = -1;
	utc = mktime(&tm);
	if (utc != (time_t)-1)
		d->off = (long)(wall - utc);
	return d->off;
}

/* local_time - a syslog time (local, without a year, read as UTC in d->year)
 * to UTC. A time more than a day after the file's mtime is from the year
 * before: the log spans New Year. Without diag_set_file: left as it is. */
static void local_time(struct diag *d, const char *line, size_t len, struct logline *l)
{
	struct logline prev;

	if (!d->zone)
		return;
	if (d->ref != (time_t)-1 && l->time - zone_offset(d, l->time) > d->ref + 86400 &&
	    logline_parse(line, len, d->year - 1, &prev) >= 0 && prev.time != (time_t)-1)
		l->time = prev.time;
	l->time -= zone_offset(d, l->time);
}

static int role_index(const char *role)
{
	for (int i = 1; i < NROLES; i++)
		if (strcmp(role, roles[i]) == 0)
			return i;
	return 0;
}

void diag_line(const char *line, size_t len, void *arg)
{
	struct diag *d = arg;
	struct logline l;
	int c = -1;

	if (logline_parse(line, len, d->year, &l) < 0)
		return;
	if (l.kind == LOGLINE_NONE || l.service <= LOGLINE_SVC_NONE || l.service >= DIAG_NSVC)
		return;
	if (l.local)
		local_time(d, line, len, &l);
	if ((d->has_since || d->has_until) && l.time == (time_t)-1)
		return;
	if (d->has_since && l.time < d->since)
		return;
	if (d->has_until && l.time > d->until)
		return;
	d->seen[l.service]++;
	if (l.pid > 0) {   /* a reason line without the client: the process's last client */
		unsigned slot = (unsigned)(l.pid % PID_SLOTS);

		if (l.ip[0] != '\0') {
			d->pids[slot].service = l.service;
			d->pids[slot].pid = l.pid;
			mt_strlcpy(d->pids[slot].ip, l.ip, IP_MAX);
		} else if (d->pids[slot].pid == l.pid && d->pids[slot].service == l.service) {
			mt_strlcpy(l.ip, d->pids[slot].ip, sizeof(l.ip));
		}
	}
	if (l.kind != LOGLINE_TLS_OK && l.kind != LOGLINE_TLS_FAIL)
		return;
	d->tls_lines++;
	if (l.ip[0] != '\0') {
		c = client_find(d, l.ip, 1);
		if (c < 0)
			d->dropped++;
	}
	if (l.kind == LOGLINE_TLS_OK) {
		d->ok_lines[l.service]++;
		if (!tlsver_is_version(l.version))
			return;
		d->ok_ver[l.service]++;
		d->neg_tot[l.service][l.version]++;
		if (c >= 0)
			d->clients[c].versions[l.service] |= (unsigned char)(1u << l.version);
		return;
	}
	if (l.reason <= LOGLINE_R_NONE || l.reason >= DIAG_NREASON)
		l.reason = LOGLINE_R_OTHER;
	d->fail_tot[l.service][l.reason]++;
	if (c >= 0)
		d->clients[c].fails[l.service][l.reason]++;
	if (l.ip[0] != '\0' && c < 0)
		return;   /* the client table is full: counted in the totals only */
	struct failure *f = failure_find(d, l.reason, l.service, role_index(l.role), c, 1);
	if (f == NULL) {
		d->dropped++;
		return;
	}
	if (f->count == 0 || (l.time != (time_t)-1 && (f->first == (time_t)-1 || l.time < f->first)))
		f->first = l.time;
	if (f->count == 0 || (l.time != (time_t)-1 && l.time > f->last))
		f->last = l.time;
	f->count++;
}

unsigned long long diag_tls_lines(const struct diag *d)
{
	return d->tls_lines;
}

unsigned long long diag_dropped(const struct diag *d)
{
	return d->dropped;
}

unsigned long long diag_fail_total(const struct diag *d, int reason, int service)
{
	unsigned long long n = 0;

	for (int s = 1; s < DIAG_NSVC; s++)
		for (int r = 1; r < DIAG_NREASON; r++)
			if ((service == 0 || service == s) && (reason == 0 || reason == r))
				n += d->fail_tot[s][r];
	return n;
}

unsigned long long diag_neg_total(const struct diag *d, int service, int version)
{
	unsigned long long n = 0;

	for (int s = 1; s < DIAG_NSVC; s++)
		for (int v = 0; v < DIAG_NVER; v++)
			if ((service == 0 || service == s) && (version < 0 || version == v))
				n += d->neg_tot[s][v];
	return n;
}

unsigned long long diag_fail_count(const struct diag *d, int reason, int service, const char *client)
{
	unsigned long long n = 0;
	int c = -1;

	if (client != NULL && client[0] != '\0') {
		c = client_find((struct diag *)d, client, 0);
		if (c < 0)
			return 0;
	}
	for (int role = 0; role < NROLES; role++) {
		const struct failure *f = failure_find((struct diag *)d, reason, service, role, c, 0);

		n += f == NULL ? 0 : f->count;
	}
	return n;
}

int diag_neg_clients(const struct diag *d, int service, int version)
{
	int n = 0;

	for (int i = 0; i < d->nclients; i++)
		if (d->clients[i].versions[service] & (1u << version))
			n++;
	return n;
}

static int lowest(const struct client *c, int service)
{
	unsigned m = 0;

	for (int s = 1; s < DIAG_NSVC; s++)
		if (service == 0 || service == s)
			m |= c->versions[s];
	for (int v = 0; v < DIAG_NVER; v++)
		if (m & (1u << v))
			return v;
	return TLSVER_NONE;
}

int diag_lets_in_at(const struct diag *d, const char *client)
{
	int c = client_find((struct diag *)d, client, 0);

	return c < 0 ? TLSVER_NONE : lowest(&d->clients[c], 0);
}

int diag_cut_off(const struct diag *d, int service, int fl)
{
	int n = 0;

	for (int i = 0; i < d->nclients; i++) {
		int v = lowest(&d->clients[i], service);

		if (v != TLSVER_NONE && v < fl)
			n++;
	}
	return n;
}

int diag_versions_logged(const struct diag *d, int service)
{
	if (d->seen[service] == 0)
		return -1;
	if (d->ok_ver[service] > 0)
		return 1;
	if (d->ok_lines[service] > 0 || service == LOGLINE_SVC_COURIER)
		return 0;
	return -2;
}

/* ---- JSON ---- */

static json_t *jtime(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *jclient(const char *ip)
{
	char buf[IP_MAX];

	mt_strlcpy(buf, ip, sizeof(buf));
	mt_utf8_clean(buf);
	return json_string(buf);
}

static const struct diag *sort_d;

static int by_count(const void *a, const void *b)
{
	const struct failure *x = &sort_d->failures[*(const int *)a];
	const struct failure *y = &sort_d->failures[*(const int *)b];

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return *(const int *)a - *(const int *)b;   /* first seen first */
}

struct crow {
	int client, service, reason;
	unsigned long long count;
};

static int by_crow(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->client != y->client)
		return x->client - y->client;
	return x->service - y->service;
}

/* not_tls_advice - what a non-TLS client on a TLS handshake usually means. */
static const char *not_tls_advice(int role)
{
	const char *r = roles[role];

	if (strcmp(r, "smtps") == 0 || strcmp(r, "imaps") == 0 || strcmp(r, "pop3s") == 0)
		return "a client that does not speak TLS on this implicit-TLS port: usually its "
		       "encryption type is set to STARTTLS or to none; on this port it must be "
		       "SSL/TLS (or the client must use the STARTTLS port instead)";
	return "the client did not start a TLS handshake: on an implicit-TLS port (465, 993, "
	       "995) this is usually a client whose encryption type is set to STARTTLS or to "
	       "none instead of SSL/TLS; elsewhere a scanner or a broken client";
}

/* ambiguous_why - why an ambiguous failure is not attributed to a reason. */
static const char *ambiguous_why(int service)
{
	if (service == LOGLINE_SVC_DOVECOT)
		return "Dovecot logs a TLS version rejected after IMAP STARTTLS only as "
		       "\"syscall failed: Invalid argument\", which other I/O failures also log";
	if (service == LOGLINE_SVC_COURIER)
		return "Courier logs no reason for a failed STARTTLS (an IMAP session that ended "
		       "without login or STARTTLS; a client that never tried looks the same) and "
		       "GnuTLS says \"No supported cipher suites\" both for a version and for a "
		       "cipher mismatch";
	return "the log line does not name the cause";
}

static json_t *failures_json(const struct diag *d, int top)
{
	json_t *arr = json_array();
	int *idx = malloc(sizeof(int) * (size_t)(d->nfailures + 1));

	if (idx == NULL)
		reply_fatal_oom();   /* never a reply with rows silently missing */
	for (int i = 0; i < d->nfailures; i++)
		idx[i] = i;
	sort_d = d;
	qsort(idx, (size_t)d->nfailures, sizeof(int), by_count);
	for (int i = 0; i < d->nfailures && i < top; i++) {
		const struct failure *f = &d->failures[idx[i]];
		json_t *row = json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:o}",
			"reason", logline_reason_name(f->reason),
			"service", logline_service_name(f->service),
			"endpoint", f->role > 0 ? json_string(roles[f->role]) : json_null(),
			"client", f->client < 0 ? json_null() : jclient(d->clients[f->client].ip),
			"count", (json_int_t)f->count, "first", jtime(f->first), "last", jtime(f->last));

		if (f->reason == LOGLINE_R_NOT_TLS)
			json_object_set_new(row, "advice", json_string(not_tls_advice(f->role)));
		if (f->reason == LOGLINE_R_AMBIGUOUS)
			json_object_set_new(row, "why_ambiguous",
					    json_string(ambiguous_why(f->service)));
		json_array_append_new(arr, row);
	}
	free(idx);
	return arr;
}

static json_t *clients_json(const struct diag *d, int top)
{
	json_t *arr = json_array();
	struct crow *rows = malloc(sizeof(*rows) * (size_t)(d->nclients * (DIAG_NSVC - 1) + 1));
	int n = 0;

	if (rows == NULL)
		reply_fatal_oom();
	for (int c = 0; c < d->nclients; c++)
		for (int s = 1; s < DIAG_NSVC; s++) {
			unsigned long long tot = 0, best = 0;
			int reason = 0;

			for (int r = 1; r < DIAG_NREASON; r++) {
				tot += d->clients[c].fails[s][r];
				if (d->clients[c].fails[s][r] > best) {
					best = d->clients[c].fails[s][r];
					reason = r;
				}
			}
			if (tot > 0)
				rows[n++] = (struct crow){ c, s, reason, tot };
		}
	qsort(rows, (size_t)n, sizeof(*rows), by_crow);
	for (int i = 0; i < n && i < top; i++) {
		int v = lowest(&d->clients[rows[i].client], 0);

		json_array_append_new(arr, json_pack("{s:o, s:s, s:s, s:I, s:o}",
			"client", jclient(d->clients[rows[i].client].ip),
			"service", logline_service_name(rows[i].service),
			"reason", logline_reason_name(rows[i].reason),
			"count", (json_int_t)rows[i].count,
			"lets_in_at", v == TLSVER_NONE ? json_null() : json_string(tlsver_name(v))));
	}
	free(rows);
	return arr;
}

static json_t *negotiated_json(const struct diag *d)
{
	json_t *arr = json_array();

	for (int s = 1; s < DIAG_NSVC; s++)
		for (int v = 0; v < DIAG_NVER; v++)
			if (d->neg_tot[s][v] > 0)
				json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:i}",
					"service", logline_service_name(s), "version", tlsver_name(v),
					"count", (json_int_t)d->neg_tot[s][v],
					"clients", diag_neg_clients(d, s, v)));
	return arr;
}

static json_t *impact_json(const struct diag *d, int top)
{
	json_t *arr = json_array();

	for (int s = 1; s < DIAG_NSVC; s++) {
		if (diag_versions_logged(d, s) != 1)
			continue;
		for (int fl = TLSVER_1_1; fl <= TLSVER_1_3; fl++) {
			json_t *list = json_array();
			int n = 0;

			for (int c = 0; c < d->nclients; c++) {
				int v = lowest(&d->clients[c], s);

				if (v == TLSVER_NONE || v >= fl)
					continue;
				if (n++ < top)
					json_array_append_new(list, jclient(d->clients[c].ip));
			}
			json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:i, s:o}}",
				"service", logline_service_name(s), "floor", tlsver_name(fl),
				"clients_cut_off", "count", n, "clients", list));
		}
	}
	return arr;
}

static const char *const visible_setting[DIAG_NSVC] = {
	NULL,
	"smtpd_tls_loglevel = 1 (main.cf)",
	"login_log_format_elements with %k (dovecot.conf)",
	NULL,
};

static json_t *visibility_json(const struct diag *d, int *hidden)
{
	json_t *arr = json_array();

	for (int s = 1; s < DIAG_NSVC; s++) {
		int v = diag_versions_logged(d, s);
		json_t *row;

		if (v == -1)
			continue;
		if (v == 0)
			(*hidden)++;
		row = json_pack("{s:s, s:o, s:o}", "service", logline_service_name(s),
				"versions_logged", v == -2 ? json_null() : json_boolean(v),
				"setting", visible_setting[s] != NULL ? json_string(visible_setting[s]) : json_null());
		if (s == LOGLINE_SVC_COURIER)
			json_object_set_new(row, "note", json_string("Courier never logs the negotiated version"));
		if (v == -2)
			json_object_set_new(row, "note", json_string(
				"no TLS session in the window shows whether versions are logged: either none "
				"was made or the setting is off"));
		json_array_append_new(arr, row);
	}
	return arr;
}

static json_t *totals_json(const struct diag *d)
{
	json_t *by_reason = json_object(), *by_service = json_object();

	for (int r = 1; r < DIAG_NREASON; r++)
		json_object_set_new(by_reason, logline_reason_name(r),
				    json_integer((json_int_t)diag_fail_total(d, r, 0)));
	for (int s = 1; s < DIAG_NSVC; s++)
		json_object_set_new(by_service, logline_service_name(s),
				    json_integer((json_int_t)diag_fail_total(d, 0, s)));
	return json_pack("{s:I, s:I, s:o, s:o, s:i, s:I}",
			 "failures", (json_int_t)diag_fail_total(d, 0, 0),
			 "negotiated", (json_int_t)diag_neg_total(d, 0, -1),
			 "failures_by_reason", by_reason, "failures_by_service", by_service,
			 "clients", d->nclients, "dropped", (json_int_t)d->dropped);
}

int diag_json(const struct diag *d, int top, json_t *obj)
{
	int hidden = 0;

	if (top < 1)
		top = 1;
	if (top > DIAG_TOP_MAX)
		top = DIAG_TOP_MAX;
	json_object_set_new(obj, "failures", failures_json(d, top));
	json_object_set_new(obj, "negotiated", negotiated_json(d));
	json_object_set_new(obj, "impact", impact_json(d, top));
	json_object_set_new(obj, "clients", clients_json(d, top));
	json_object_set_new(obj, "visibility", visibility_json(d, &hidden));
	json_object_set_new(obj, "totals", totals_json(d));
	return hidden;
}
