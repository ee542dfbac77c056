/*
 * diag.h - the `diagnose` aggregator (DESIGN.md §3): TLS failures by
 * (reason, service, client), negotiated versions by (service, version),
 * per-client lowest version (lets_in_at), impact of a higher floor, and
 * whether each service's log shows versions at all.
 *
 * Owns: bounded memory (fixed tables: DIAG_MAX_CLIENTS clients,
 * DIAG_MAX_FAILURES failure rows; whatever does not fit is counted in
 * *_dropped); totals per reason, service and version are always exact.
 * Must never: read files (logscan does), allocate per line.
 * Cross-line: a failure line without a client (Postfix "TLS library
 * problem") takes the last client logged by the same (service, pid).
 * Times: syslog times (local, no year) are read in the helper's time zone
 * (the offset of each wall-clock hour, so daylight saving is followed) and
 * in the year of the file's mtime (diag_set_file); a time more than a day
 * after the mtime is from the year before (a log that spans New Year).
 */
#ifndef MT_DIAG_H
#define MT_DIAG_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define DIAG_MAX_CLIENTS 4096
#define DIAG_MAX_FAILURES 4096
#define DIAG_TOP_MAX 1000
#define DIAG_NSVC 4      /* enum logline_service, NONE included */
#define DIAG_NREASON 8   /* enum logline_reason, NONE included */
#define DIAG_NVER 4      /* TLSVER_1_0 .. TLSVER_1_3 */

struct diag;

/* diag_new - an empty aggregator. since/until bound the line time
 * (inclusive; has_since/has_until 0 for no bound; a line without a time is
 * left out when any bound is set). year_hint: the year of syslog times.
 * NULL when out of memory. */
struct diag *diag_new(int has_since, time_t since, int has_until, time_t until, int year_hint);
void diag_free(struct diag *d);

/* diag_set_file - the next lines come from a file modified at mtime
 * ((time_t)-1: unknown, the year hint); syslog times are local from now on.
 * Forgets the per-process clients of the previous file. */
void diag_set_file(struct diag *d, time_t mtime);

/* diag_line - add one line (a logscan_fn: arg is the struct diag). */
void diag_line(const char *line, size_t len, void *arg);

/* Exact totals. */
unsigned long long diag_tls_lines(const struct diag *d);         /* classified TLS_OK/TLS_FAIL */
unsigned long long diag_fail_total(const struct diag *d, int reason, int service); /* 0 = any */
unsigned long long diag_neg_total(const struct diag *d, int service, int version); /* -1 = any */
/* Table lookups (bounded by the tables). */
unsigned long long diag_fail_count(const struct diag *d, int reason, int service, const char *client);
int diag_neg_clients(const struct diag *d, int service, int version);
int diag_lets_in_at(const struct diag *d, const char *client);   /* TLSVER_* or TLSVER_NONE */
int diag_cut_off(const struct diag *d, int service, int fl);  /* clients below floor */
/* diag_versions_logged - 1 logged, 0 not logged, -1 service not seen, -2
 * seen but no TLS session in the window tells. */
int diag_versions_logged(const struct diag *d, int service);
unsigned long long diag_dropped(const struct diag *d);           /* rows that did not fit */

/* diag_json - add failures, negotiated, impact, clients, visibility and
 * totals to obj (lists cut at top rows, 1..DIAG_TOP_MAX). Returns the
 * number of services whose versions are not logged (for the warning). */
int diag_json(const struct diag *d, int top, json_t *obj);

#endif
