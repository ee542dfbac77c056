/*
 * test_logline.c - the log-line classifier (helper/logline.c), table-driven.
 *
 * 1. The verbatim lines of FACTS.md §5 and §10 with every expected field.
 * 2. Every tests/fixtures/logs/ *-cells.log cell (run from the repo top):
 *    a FAIL cell must yield the reason its header implies, an OK cell no
 *    failure; each line also in the two other timestamp formats.
 * 3. Hostile input: empty, no newline, 1 MB, NUL bytes, invalid UTF-8, a
 *    bare timestamp, and every prefix of a valid line in an exact-size buffer.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logline.h"
#include "tlsver.h"

#define YEAR 2026
#define FIXDIR "tests/fixtures/logs"

enum { K_NONE = LOGLINE_NONE, K_SESS = LOGLINE_SESSION, K_OK = LOGLINE_TLS_OK,
       K_FAIL = LOGLINE_TLS_FAIL };
enum { R_NONE = LOGLINE_R_NONE, R_OLD = LOGLINE_R_PROTOCOL_TOO_OLD,
       R_CIPH = LOGLINE_R_NO_SHARED_CIPHER, R_SEC = LOGLINE_R_SECLEVEL,
       R_NOTLS = LOGLINE_R_NOT_TLS, R_INIT = LOGLINE_R_TLS_INIT_FAILED,
       R_AMB = LOGLINE_R_AMBIGUOUS, R_OTHER = LOGLINE_R_OTHER };
enum { S_NONE = LOGLINE_SVC_NONE, S_PF = LOGLINE_SVC_POSTFIX, S_DV = LOGLINE_SVC_DOVECOT,
       S_CR = LOGLINE_SVC_COURIER };

struct line_case {
	const char *line;
	const char *when;  /* "YYYY-MM-DD HH:MM:SS" UTC, or NULL: no timestamp */
	int service;
	const char *role;
	const char *ip;
	int kind;
	int reason;
	int version;
};

#define V(x) TLSVER_##x
#define VN TLSVER_NONE
#define LOCAL "127.0.0.1"
#define T(hms) "2026-11-30 " hms

static const struct line_case cases[] = {
	/* FACTS.md §5, Postfix */
	{ "Nov 30 01:55:06 vm postfix/smtpd[10821]: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
	  T("01:55:06"), S_PF, "smtp", LOCAL, K_OK, R_NONE, V(1_2) },
	{ "Nov 30 01:16:38 vm postfix/smtpd[12586]: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	  T("01:16:38"), S_PF, "smtp", LOCAL, K_OK, R_NONE, V(1_3) },
	{ "Nov 30 01:16:37 vm postfix/submission/smtpd[12622]: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
	  T("01:16:37"), S_PF, "submission", LOCAL, K_OK, R_NONE, V(1_1) },
	{ "Nov 30 01:55:06 vm postfix/smtpd[10821]: disconnect from unknown[127.0.0.1] ehlo=1 starttls=1 commands=2",
	  T("01:55:06"), S_PF, "smtp", LOCAL, K_SESS, R_NONE, VN },
	{ "Nov 30 01:55:05 vm postfix/smtpd[10821]: connect from unknown[127.0.0.1]",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	{ "Nov 30 01:55:05 vm postfix/smtpd[10821]: SSL_accept error from unknown[127.0.0.1]: -1",
	  T("01:55:05"), S_PF, "smtp", LOCAL, K_SESS, R_NONE, VN },
	{ "Nov 30 01:55:05 vm postfix/smtpd[10821]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:",
	  T("01:55:05"), S_PF, "smtp", "", K_FAIL, R_OLD, VN },
	{ "Nov 30 01:55:05 vm postfix/smtpd[10821]: lost connection after STARTTLS from unknown[127.0.0.1]",
	  T("01:55:05"), S_PF, "smtp", LOCAL, K_SESS, R_NONE, VN },
	{ "Nov 30 01:55:05 vm postfix/smtpd[10821]: disconnect from unknown[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2",
	  T("01:55:05"), S_PF, "smtp", LOCAL, K_SESS, R_NONE, VN },
	{ "Nov 30 01:55:08 vm postfix/submissions/smtpd[10948]: SSL_accept error from unknown[127.0.0.1]: -1",
	  T("01:55:08"), S_PF, "smtps", LOCAL, K_SESS, R_NONE, VN },
	{ "Nov 30 01:55:08 vm postfix/submissions/smtpd[10948]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:",
	  T("01:55:08"), S_PF, "smtps", "", K_FAIL, R_OLD, VN },
	{ "Nov 30 01:55:08 vm postfix/submissions/smtpd[10948]: lost connection after CONNECT from unknown[127.0.0.1]",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	{ "Nov 30 01:55:08 vm postfix/submissions/smtpd[10948]: disconnect from unknown[127.0.0.1] commands=0/0",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	{ "Nov 30 01:20:36 vm postfix/smtpd[18709]: warning: TLS library problem: error:0A000076:SSL routines::no suitable signature algorithm:../ssl/t1_lib.c:3296:",
	  T("01:20:36"), S_PF, "smtp", "", K_FAIL, R_SEC, VN },
	{ "Nov 30 01:16:43 vm postfix/smtpd[12586]: warning: TLS library problem: error:0A000438:SSL routines::tlsv1 alert internal error:../ssl/record/rec_layer_s3.c:1602:SSL alert number 80:",
	  T("01:16:43"), S_PF, "smtp", "", K_FAIL, R_OTHER, VN },
	/* FACTS.md §7, Postfix */
	{ "Nov 30 02:00:00 vm postfix/smtpd[1]: warning: Invalid TLS protocol list \"bogus\": disabling TLS support",
	  T("02:00:00"), S_PF, "smtp", "", K_FAIL, R_INIT, VN },
	{ "Nov 30 02:00:00 vm postfix/submissions/smtpd[1]: warning: Wrapper-mode request dropped from unknown[127.0.0.1] for service submissions. TLS context initialization failed. For details see earlier warnings in your logs.",
	  T("02:00:00"), S_PF, "smtps", LOCAL, K_FAIL, R_INIT, VN },
	/* FACTS.md §5, Dovecot log_path */
	{ "Nov 30 01:56:53 pop3-login: Info: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS, session=<X7pVuXRhBo5/AAAB>",
	  T("01:56:53"), S_DV, "", LOCAL, K_OK, R_NONE, VN },
	{ "Nov 30 01:17:21 imap-login: Info: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS, TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits), session=<OcDuK3RhHtd/AAAB>",
	  T("01:17:21"), S_DV, "", LOCAL, K_OK, R_NONE, V(1_2) },
	{ "Nov 30 01:17:27 imap-login: Info: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS, TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits), session=<9WpGLHRhkpp/AAAB>",
	  T("01:17:27"), S_DV, "", LOCAL, K_OK, R_NONE, V(1_0) },
	{ "Nov 30 01:17:13 imap-login: Info: Disconnected: Connection closed: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session=<xEduK3RhJrl/AAAB>",
	  T("01:17:13"), S_DV, "", LOCAL, K_FAIL, R_OLD, VN },
	{ "Nov 30 01:57:07 imap-login: Info: Disconnected: Connection closed: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol (disconnected before auth was ready, waited 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session=<iuAiunRh8px/AAAB>",
	  T("01:57:07"), S_DV, "", LOCAL, K_FAIL, R_OLD, VN },
	{ "Nov 30 01:56:49 imap-login: Info: Disconnected: Connection closed: SSL_accept() syscall failed: Invalid argument (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS handshaking: SSL_accept() syscall failed: Invalid argument, session=<cgkVuXRh6o1/AAAB>",
	  T("01:56:49"), S_DV, "", LOCAL, K_FAIL, R_AMB, VN },
	{ "Nov 30 01:56:52 pop3-login: Info: Disconnected: Connection closed: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS handshaking: SSL_accept() syscall failed: Invalid argument, session=<jWJIuXRh6I1/AAAB>",
	  T("01:56:52"), S_DV, "", LOCAL, K_FAIL, R_OLD, VN },
	{ "Nov 30 01:56:59 imap-login: Info: Disconnected: Connection closed: SSL_accept() failed: error:0A000076:SSL routines::no suitable signature algorithm (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, TLS handshaking: SSL_accept() failed: error:0A000076:SSL routines::no suitable signature algorithm, session=<KmGouXRhZr5/AAAB>",
	  T("01:56:59"), S_DV, "", LOCAL, K_FAIL, R_SEC, VN },
	{ "Nov 30 01:57:00 imap-login: Debug: SSL error: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	{ "Nov 30 01:56:53 imap-login: Info: Login: user=<u>, method=PLAIN, rip=::FFFF:192.0.2.7, lip=127.0.0.1, mpid=1, TLS",
	  T("01:56:53"), S_DV, "", "192.0.2.7", K_OK, R_NONE, VN },
	{ "Nov 30 01:56:53 imap-login: Info: Login: user=<u>, method=PLAIN, rip=192.0.2.7, lip=127.0.0.1, mpid=1, secured",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	/* FACTS.md §4b, §7, Dovecot */
	{ "Nov 30 02:00:00 imap-login: Error: Failed to initialize SSL server context: Can't load SSL certificate (ssl_cert setting): error:0A0000B9:SSL routines::no cipher match",
	  T("02:00:00"), S_DV, "", "", K_FAIL, R_INIT, VN },
	{ "Nov 30 02:00:00 imap-login: Info: Disconnected: TLS initialization failed. (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, secured, session=<x>",
	  T("02:00:00"), S_DV, "", LOCAL, K_FAIL, R_INIT, VN },
	/* FACTS.md §5, Courier via rsyslog */
	{ "2026-11-30T01:58:10.594260+00:00 vm imapd-ssl: Connection, ip=[::ffff:127.0.0.1], port=[45272]",
	  T("01:58:10"), S_CR, "imaps", LOCAL, K_SESS, R_NONE, VN },
	{ "2026-11-30T01:18:13.562002+00:00 vm imapd-ssl: Disconnected, ip=[::ffff:127.0.0.1], port=[46990], time=0, starttls=1",
	  T("01:18:13"), S_CR, "imaps", LOCAL, K_SESS, R_NONE, VN },
	{ "2026-11-30T01:58:08.838963+00:00 vm imapd: Disconnected, ip=[::ffff:127.0.0.1], port=[50330], time=0, starttls=1",
	  T("01:58:08"), S_CR, "imap", LOCAL, K_SESS, R_NONE, VN },
	{ "2026-11-30T01:18:14.888807+00:00 vm pop3d-ssl: Disconnected, ip=[::ffff:127.0.0.1], port=[59350]",
	  T("01:18:14"), S_CR, "pop3s", LOCAL, K_SESS, R_NONE, VN },
	{ "2026-11-30T01:18:42.096826+00:00 vm imapd-ssl: ip=[::ffff:127.0.0.1], A packet with illegal or unsupported version was received.",
	  T("01:18:42"), S_CR, "imaps", LOCAL, K_FAIL, R_OLD, VN },
	{ "2026-11-30T01:18:43.391915+00:00 vm pop3d-ssl: ip=[::ffff:127.0.0.1], A packet with illegal or unsupported version was received.",
	  T("01:18:43"), S_CR, "pop3s", LOCAL, K_FAIL, R_OLD, VN },
	{ "2026-11-30T01:50:50.078420+00:00 vm imapd-ssl: ip=[::ffff:127.0.0.1], No supported cipher suites have been found.",
	  T("01:50:50"), S_CR, "imaps", LOCAL, K_FAIL, R_AMB, VN },
	{ "2026-11-30T03:50:50.078420+02:00 vm pop3d: Connection, ip=[2001:db8::1], port=[1]",
	  T("01:50:50"), S_CR, "pop3", "2001:db8::1", K_SESS, R_NONE, VN },
	/* FACTS.md §10, real Plesk lines (excerpts without a timestamp) */
	{ "postfix/smtpd[25460]: warning: TLS library problem: error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:640:",
	  NULL, S_PF, "smtp", "", K_FAIL, R_NOTLS, VN },
	{ "dovecot: pop3-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=203.0.113.2, lip=203.0.113.3, TLS handshaking: SSL_accept() failed: error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol",
	  NULL, S_DV, "", "203.0.113.2", K_FAIL, R_NOTLS, VN },
	{ "Apr 4 15:09:46 server dovecot: imap-login: Disconnected: Connection closed: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol (no auth attempts in 0 secs): user=<>, rip=203.0.113.2, lip=203.0.113.3, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session=<ek3VukYVN8hervMa>",
	  "2026-04-04 15:09:46", S_DV, "", "203.0.113.2", K_FAIL, R_OLD, VN },
	{ "imap-login: Disconnected: Connection Closed: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol (no auth attempts in 0 secs): user=<>, tip=52.109.8.10, lip=77.68.96.59, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session <sessionIDhere>",
	  NULL, S_DV, "", "", K_FAIL, R_OLD, VN },
	{ "Nov  3 01:00:00 vm postfix/smtpd[1]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:x",
	  "2026-11-03 01:00:00", S_PF, "smtp", "", K_FAIL, R_NOTLS, VN },
	{ "Nov 30 01:00:00 vm postfix/smtps/smtpd[1]: warning: TLS library problem: error:0A00009C:SSL routines::http request:x",
	  T("01:00:00"), S_PF, "smtps", "", K_FAIL, R_NOTLS, VN },
	{ "Nov 30 01:00:00 vm postfix/smtpd[1]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:x",
	  T("01:00:00"), S_PF, "smtp", "", K_FAIL, R_CIPH, VN },
	{ "Nov 30 01:00:00 vm postfix/smtpd[1]: warning: TLS library problem: error:0A00018C:SSL routines::version too low:x\r\n",
	  T("01:00:00"), S_PF, "smtp", "", K_FAIL, R_OLD, VN },
	/* not ours */
	{ "Nov 30 01:00:00 vm nginx[1]: SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol)",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
	{ "Nov 30 01:00:00 vm postfix/smtp[1]: Untrusted TLS connection established to x[192.0.2.1]:25: TLSv1.3 with cipher X",
	  NULL, S_NONE, "", "", K_NONE, R_NONE, VN },
};

static time_t utc(const char *when)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(when, "%Y-%m-%d %H:%M:%S", &tm));
	return timegm(&tm);
}

static void check_case(const struct line_case *c)
{
	struct logline ll;
	size_t len = strlen(c->line);
	int kind = logline_parse(c->line, len, YEAR, &ll);

	time_t when = c->when != NULL ? utc(c->when) : (time_t)-1;

	if (kind == c->kind && ll.kind == c->kind && ll.reason == c->reason &&
	    ll.service == c->service && strcmp(ll.role, c->role) == 0 &&
	    strcmp(ll.ip, c->ip) == 0 && ll.version == c->version &&
	    (c->kind == K_NONE || ll.time == when) &&
	    (c->kind == K_NONE || logline_maybe_tls(c->line, len)))
		return;
	print_message("line: %s\ngot: %s %s service=%s role=%s ip=%s version=%s time=%lld\n",
		      c->line, logline_kind_name(ll.kind), logline_reason_name(ll.reason),
		      logline_service_name(ll.service), ll.role, ll.ip, tlsver_name(ll.version),
		      (long long)ll.time);
	fail();
}

static void test_verbatim_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* ---- fixture cells --------------------------------------------------- */

#include "logfmt.c.inc"

static int same(const struct logline *a, const struct logline *b)
{
	return a->kind == b->kind && a->reason == b->reason && a->version == b->version &&
	       a->service == b->service && strcmp(a->role, b->role) == 0 &&
	       strcmp(a->ip, b->ip) == 0 && a->time == b->time && a->pid == b->pid;
}

/* classify3 - classify line in all three formats; they must agree. */
static void classify3(const char *line, struct logline *ll)
{
	char fmt[FMT_COUNT][4096];
	struct logline other;

	if (reformat(line, fmt) != 0) {
		print_message("no timestamp: %s\n", line);
		fail();
	}
	logline_parse(line, strlen(line), YEAR, ll);
	for (int f = 0; f < FMT_COUNT; f++) {
		logline_parse(fmt[f], strlen(fmt[f]), YEAR, &other);
		if (!same(ll, &other) ||
		    (other.kind != K_NONE && !logline_maybe_tls(fmt[f], strlen(fmt[f])))) {
			print_message("differs:\n  %s\n  %s\n", line, fmt[f]);
			fail();
		}
	}
}

struct cell {
	char server[32], min[32], starttls[16], client[16], result[32];
	unsigned reasons;  /* bit per failure reason seen */
	int nfail;
	int bad_version;   /* a TLS_OK line named another version */
	int lines;
};

static void field(const char *hdr, const char *key, char *buf, size_t n)
{
	const char *p = strstr(hdr, key);
	size_t k = 0;

	buf[0] = '\0';
	if (p == NULL)
		return;
	for (p += strlen(key); p[k] != '\0' && p[k] != ' ' && p[k] != '\n' && k + 1 < n; k++)
		buf[k] = p[k];
	buf[k] = '\0';
}

static void cell_start(struct cell *c, const char *hdr)
{
	memset(c, 0, sizeof(*c));
	field(hdr, "### server=", c->server, sizeof(c->server));
	field(hdr, " min=", c->min, sizeof(c->min));
	field(hdr, " starttls=", c->starttls, sizeof(c->starttls));
	field(hdr, " client=", c->client, sizeof(c->client));
	field(hdr, " result=", c->result, sizeof(c->result));
}

static int cell_min(const struct cell *c)
{
	if (strcmp(c->min, "default") == 0)
		return strcmp(c->server, "dovecot") == 0 ? TLSVER_1_2 : TLSVER_1_0;
	return tlsver_parse(c->min);
}

/* expected - the failure reasons a FAIL cell may log (bit mask), and
 * whether it must log one. Derived from the header alone (FACTS.md §4, §5). */
static unsigned expected(const struct cell *c, int *need)
{
	int client = tlsver_parse(c->client), min = cell_min(c);
	unsigned allowed = 1u << (client < min ? R_OLD : R_SEC);

	assert_true(tlsver_is_version(client) && tlsver_is_version(min));
	*need = 1;
	if (strcmp(c->server, "courier") == 0 && strcmp(c->starttls, "imap") == 0)
		return 1u << R_AMB; /* Disconnected without starttls=1, no reason */
	if (strcmp(c->server, "courier") == 0 && strcmp(c->starttls, "pop3") == 0) {
		*need = 0; /* Courier POP3 STLS leaves no trace of a failure */
		return 0;
	}
	if (strcmp(c->server, "dovecot") == 0 && strcmp(c->starttls, "imap") == 0)
		allowed |= 1u << R_AMB; /* syscall failed: Invalid argument */
	if (strcmp(c->server, "courier") == 0 && min == TLSVER_1_3 && client == TLSVER_1_2)
		allowed = 1u << R_AMB; /* GnuTLS: No supported cipher suites */
	return allowed;
}

static void cell_end(const struct cell *c, int *checked)
{
	int need, good;

	if (c->server[0] == '\0' || strcmp(c->server, "courier-replica") == 0)
		return;
	if (strncmp(c->result, "OK", 2) == 0) {
		good = c->nfail == 0 && !c->bad_version;
	} else {
		unsigned allowed = expected(c, &need);

		good = strcmp(c->result, "FAIL") == 0 && c->nfail >= need &&
		       (c->reasons & ~allowed) == 0;
	}
	if (!good) {
		print_message("cell %s min=%s starttls=%s client=%s %s: %d lines, %d failures, "
			      "reasons 0x%x\n", c->server, c->min, c->starttls, c->client,
			      c->result, c->lines, c->nfail, c->reasons);
		fail();
	}
	(*checked)++;
}

static void cell_line(struct cell *c, const char *line)
{
	struct logline ll;
	char want[16];

	classify3(line, &ll);
	c->lines++;
	if (ll.kind == K_FAIL) {
		c->nfail++;
		c->reasons |= 1u << ll.reason;
	}
	field(c->result, "OK(", want, sizeof(want));
	want[strcspn(want, ")")] = '\0';
	if (ll.kind == K_OK && ll.version != TLSVER_NONE && ll.version != tlsver_parse(want))
		c->bad_version = 1;
}

static int walk_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct cell c;
	int checked = 0;

	assert_non_null(f);
	memset(&c, 0, sizeof(c));
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "### ", 4) == 0) {
			cell_end(&c, &checked);
			cell_start(&c, line);
		} else if (line[0] != '#' && line[0] != '\0' && strcmp(c.server, "courier-replica") != 0) {
			cell_line(&c, line);
		}
	}
	cell_end(&c, &checked);
	free(line);
	fclose(f);
	return checked;
}

/* courier-replica cells are skipped: their lines come from the lab replica
 * program ("replica: accept failed: ..."), not from a daemon's log. */
static void test_fixture_cells(void **state)
{
	DIR *d = opendir(FIXDIR);
	struct dirent *e;
	int files = 0, cells = 0;
	char path[512];

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 10 || strcmp(e->d_name + n - 10, "-cells.log") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", FIXDIR, e->d_name);
		cells += walk_file(path);
		files++;
	}
	closedir(d);
	assert_true(files >= 3);
	assert_true(cells >= 300);
}

/* ---- hostile input ----------------------------------------------------- */

static int parse_str(const char *s, struct logline *ll)
{
	return logline_parse(s, strlen(s), YEAR, ll);
}

static void test_empty_and_bad_args(void **state)
{
	struct logline ll;

	(void)state;
	assert_int_equal(logline_parse("", 0, YEAR, &ll), K_NONE);
	assert_int_equal(logline_parse(NULL, 0, YEAR, &ll), K_NONE);
	assert_int_equal(logline_parse(NULL, 5, YEAR, &ll), -1);
	assert_int_equal(logline_parse("x", 1, YEAR, NULL), -1);
	assert_false(logline_maybe_tls(NULL, 0));
	assert_false(logline_maybe_tls("", 0));
	assert_int_equal(parse_str("\n", &ll), K_NONE);
	assert_int_equal(parse_str("\r\n", &ll), K_NONE);
	assert_true(ll.time == (time_t)-1);
}

static void test_bare_timestamps(void **state)
{
	static const char *const lines[] = {
		"Nov 30 01:55:06", "Nov 30 01:55:06 ", "Nov 30 01:55:06 TLS",
		"Nov 30 01:55:06 vm TLS", "Nov 30 01:55:06 vm TLS:",
		"2026-11-30T01:58:10.594260+00:00", "2026-11-30T01:58:10.594260+00:00 ",
		"2026-11-30T01:58:10.594260+00:00 vm SSL", "2026-11-30T01:58:10Z imapd-ssl:",
		"Nov 30 01:55:06 imapd-ssl:", "Nov 30 01:55:06 vm dovecot: TLS",
		"Nov 99 99:99:99 postfix/smtpd: warning: TLS library problem: x",
		"2026-13-40T25:00:00+00:00 x",
	};
	struct logline ll;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_true(parse_str(lines[i], &ll) >= 0);
	}
	/* an impossible date is no timestamp: the program token is "Nov" */
	assert_int_equal(parse_str(lines[11], &ll), K_NONE);
}

static void test_newline_and_nul(void **state)
{
	static const char pf[] = "Nov 30 01:55:05 vm postfix/smtpd[7]: warning: TLS library "
				 "problem: \0\0error:0A000102:SSL routines::unsupported protocol";
	static const char dv[] = "Nov 30 01:56:53 pop3-login: Info: Disconnected: x, rip=10.0.0.1\0"
				 "99, TLS, session=<x>\n";
	struct logline a, b;
	const struct line_case *c = &cases[0];
	char buf[1024];

	(void)state;
	assert_int_equal(logline_parse(pf, sizeof(pf) - 1, YEAR, &a), K_FAIL);
	assert_int_equal(a.reason, R_OLD);
	assert_int_equal(a.pid, 7);
	assert_int_equal(logline_parse(dv, sizeof(dv) - 1, YEAR, &a), K_OK);
	assert_string_equal(a.ip, "10.0.0.1");
	snprintf(buf, sizeof(buf), "%s\n", c->line);
	logline_parse(c->line, strlen(c->line), YEAR, &a);
	logline_parse(buf, strlen(buf), YEAR, &b);
	assert_true(same(&a, &b));
	/* a NUL inside the timestamp: no timestamp, program unknown */
	assert_int_equal(logline_parse("Nov 30 01:5\0:05 vm postfix/smtpd[7]: SSL", 39, YEAR, &a), K_NONE);
}

static void test_invalid_utf8(void **state)
{
	struct logline ll;

	(void)state;
	assert_int_equal(parse_str("Nov 30 01:00:00 \xff\xfe postfix/smtpd[1]: warning: TLS library "
				   "problem: \xc3\x28 no shared cipher", &ll), K_FAIL);
	assert_int_equal(ll.reason, R_CIPH);
	assert_int_equal(parse_str("Nov 30 01:00:00 imap-login: Info: x, rip=\xff\xfe, TLS, y", &ll), K_OK);
	assert_string_equal(ll.ip, "");
	assert_int_equal(parse_str("Nov 30 01:00:00 \xe2\x82 imapd-ssl\xff: ip=[\x80], TLS", &ll), K_NONE);
	assert_int_equal(parse_str("2026-11-30T01:00:00Z vm pop3d-ssl: ip=[::ffff:\xff], junk", &ll), K_FAIL);
	assert_int_equal(ll.reason, R_OTHER);
	assert_string_equal(ll.ip, "::ffff:");
}


/* Text a client chooses (a HELO, a user name, an address in a command) is
 * echoed into the log; it must never make a line count as a TLS session, a
 * failure, or name a client the line is not about. */
static void test_injected_text(void **state)
{
	struct logline ll;

	(void)state;
	assert_int_equal(parse_str("Nov 30 01:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
				   "unknown[2001:db8::77]: 554 5.7.1 denied; from=<a@b> to=<c@d> proto=ESMTP "
				   "helo=<TLS connection established from a: TLSv1 with cipher x>", &ll), K_NONE);
	assert_int_equal(parse_str("Nov 30 01:00:00 mx postfix/smtpd[1]: warning: Illegal address syntax "
				   "from unknown[192.0.2.1] in RCPT command: <TLS context initialization failed>",
				   &ll), K_NONE);
	assert_int_equal(parse_str("Nov 30 01:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
				   "x[192.0.2.1]: 550 helo=<warning: TLS library problem: unsupported protocol>",
				   &ll), K_NONE);
	/* a user name holding Dovecot's own field names: the real rip and TLS state win */
	assert_int_equal(parse_str("Nov 30 01:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
				   "attempts in 2 secs): user=<a rip=203.0.113.9, TLS handshaking: unsupported "
				   "protocol>, method=PLAIN, rip=198.51.100.1, lip=192.0.2.1, TLS, session=<x>",
				   &ll), K_OK);
	assert_string_equal(ll.ip, "198.51.100.1");
	assert_int_equal(parse_str("Nov 30 01:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
				   "attempts in 2 secs): user=<Failed to initialize SSL server context, TLS, "
				   "TLSv1 with cipher x>, method=PLAIN, rip=198.51.100.1, lip=192.0.2.1, session=<x>",
				   &ll), K_NONE);
	/* Courier: the address is the last ip=[...] of a LOGIN FAILED line */
	parse_str("2026-11-30T01:00:00Z vm imapd: LOGIN FAILED, method=PLAIN, user=ip=[6.6.6.6], "
		  "ip=[::ffff:192.0.2.5]", &ll);
	assert_string_equal(ll.ip, "192.0.2.5");
}

#define BIG (1024 * 1024)

static void big_line(const char *prefix, char fill, const char *suffix, int kind, int reason)
{
	size_t p = strlen(prefix), s = strlen(suffix);
	char *buf = malloc(p + BIG + s);
	struct logline ll;

	assert_non_null(buf);
	memcpy(buf, prefix, p);
	memset(buf + p, fill, BIG);
	memcpy(buf + p + BIG, suffix, s);
	assert_int_equal(logline_parse(buf, p + BIG + s, YEAR, &ll), kind);
	assert_int_equal(ll.reason, reason);
	free(buf);
}

static void test_one_megabyte(void **state)
{
	(void)state;
	big_line("Nov 30 01:55:05 vm postfix/smtpd[1]: warning: TLS library problem: ", 'A',
		 "unsupported protocol", K_FAIL, R_OLD);
	big_line("Nov 30 01:55:05 ", 'h', " postfix/smtpd[1]: warning: TLS library problem: x",
		 K_FAIL, R_OTHER);
	big_line("Nov 30 01:55:05 vm postfix/smtpd[", '9', "]: SSL_accept error from x[1.2.3.4]",
		 K_SESS, R_NONE);
	big_line("Nov 30 01:55:05 imap-login: Info: rip=", '1', ", TLS, x", K_OK, R_NONE);
	big_line("", 'T', "", K_NONE, R_NONE);
	big_line("", ' ', "TLS", K_NONE, R_NONE);
	big_line("Nov 30 01:55:05 vm imapd-ssl: ip=[", ':', "]", K_FAIL, R_OTHER);
}

/* every prefix of every table line in an exact-size buffer (valgrind sees
 * any read past the end), and the prefilter invariant on each. */
static void test_prefixes(void **state)
{
	struct logline ll;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].line);

		for (size_t k = 0; k <= n; k++) {
			char *buf = malloc(k + 1);
			int kind;

			assert_non_null(buf);
			memcpy(buf, cases[i].line, k);
			kind = logline_parse(k > 0 ? buf : NULL, k, YEAR, &ll);
			assert_true(kind >= 0);
			assert_true(kind == K_NONE || logline_maybe_tls(buf, k));
			assert_true(strlen(ll.role) < sizeof(ll.role) && strlen(ll.ip) < sizeof(ll.ip));
			free(buf);
		}
	}
}

/* random lines built from the tokens the parser looks for */
static void test_token_soup(void **state)
{
	static const char *const tok[] = {
		"Nov 30 01:55:06 ", "2026-11-30T01:58:10.5+00:00 ", "vm ", "postfix/smtpd[1]: ",
		"postfix/submissions/smtpd: ", "dovecot: ", "imap-login: ", "imapd-ssl: ",
		"pop3d: ", "Info: ", "Debug: ", "ip=[", "rip=", "::ffff:", "127.0.0.1", "]",
		", TLS,", " with cipher ", "TLSv1.2", "TLS handshaking", "SSL_accept()",
		"user=<", "syscall failed", "unsupported protocol", " from ", "x[", "starttls=",
		"warning: TLS library problem:", "\0", "\xff", ":", " ", "\n",
	};
	unsigned long x = 88172645463325252UL;
	char buf[256];
	struct logline ll;

	(void)state;
	for (int iter = 0; iter < 200000; iter++) {
		size_t n = 0;

		for (int t = 0; t < 8; t++) {
			const char *s;
			size_t k;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			s = tok[x % (sizeof(tok) / sizeof(tok[0]))];
			k = s[0] == '\0' ? 1 : strlen(s);
			if (n + k > sizeof(buf))
				break;
			memcpy(buf + n, s, k);
			n += k;
		}
		assert_true(logline_parse(buf, n, YEAR, &ll) >= 0);
		assert_true(ll.kind == K_NONE || logline_maybe_tls(buf, n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbatim_lines),
		cmocka_unit_test(test_fixture_cells),
		cmocka_unit_test(test_empty_and_bad_args),
		cmocka_unit_test(test_bare_timestamps),
		cmocka_unit_test(test_newline_and_nul),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_injected_text),
		cmocka_unit_test(test_one_megabyte),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_token_soup),
	};

	return cmocka_run_group_tests_name("logline", tests, NULL, NULL);
}
