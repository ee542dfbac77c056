/*
 * logline.h - classify one mail log line for `diagnose` (DESIGN.md §3).
 *
 * Owns: recognising the three timestamp formats (FACTS.md G11), the program
 * of Postfix smtpd, Dovecot *-login and Courier imapd/pop3d(-ssl), and the
 * TLS meaning of the line (FACTS.md §5, §10).
 * Must never: allocate, read files, keep state between calls, or read past
 * line + len (the line need not be NUL-terminated and may contain NULs).
 * Cross-line reasoning (Postfix "SSL_accept error" followed by its reason)
 * belongs to the aggregator. Courier gives no reason for a failed STARTTLS:
 * an IMAP session that ends "Disconnected" without "starttls=1" (it never
 * logged in and never completed STARTTLS) is a TLS failure, ambiguous
 * because a client that connects and leaves without STARTTLS looks the
 * same; POP3 sessions never show STARTTLS, so they are not classified.
 */
#ifndef MT_LOGLINE_H
#define MT_LOGLINE_H

#include <stddef.h>
#include <time.h>

enum logline_kind {
	LOGLINE_NONE = 0,   /* not TLS-relevant (or not a mail log line) */
	LOGLINE_SESSION,    /* plain session line the aggregator may need */
	LOGLINE_TLS_OK,     /* a negotiated TLS session; version if logged */
	LOGLINE_TLS_FAIL    /* a TLS failure; see reason */
};

enum logline_reason {
	LOGLINE_R_NONE = 0,
	LOGLINE_R_PROTOCOL_TOO_OLD,
	LOGLINE_R_NO_SHARED_CIPHER,
	LOGLINE_R_SECLEVEL,
	LOGLINE_R_NOT_TLS,
	LOGLINE_R_TLS_INIT_FAILED,
	LOGLINE_R_AMBIGUOUS,
	LOGLINE_R_OTHER
};

enum logline_service {
	LOGLINE_SVC_NONE = 0,
	LOGLINE_SVC_POSTFIX,
	LOGLINE_SVC_DOVECOT,
	LOGLINE_SVC_COURIER
};

struct logline {
	time_t time;    /* UTC; (time_t)-1 when the line has no timestamp */
	int local;      /* 1: a syslog "Mmm dd HH:MM:SS" time, read as if UTC
			   in year_hint: the caller corrects zone and year */
	int service;    /* enum logline_service */
	char role[16];  /* model role (smtp, submission, smtps, imap, imaps,
			   pop3, pop3s) or "" when the line does not tell */
	char ip[46];    /* client address, ::ffff: mapped IPv4 unmapped; or "" */
	long pid;       /* syslog [pid], 0 when none */
	int kind;       /* enum logline_kind */
	int reason;     /* enum logline_reason; LOGLINE_R_NONE unless TLS_FAIL */
	int version;    /* TLSVER_* for TLS_OK when logged, else TLSVER_NONE */
};

/* logline_parse - classify line[0..len) (a trailing "\n" or "\r\n" is
 * ignored). year_hint is the year for timestamps that carry none. out is
 * owned by the caller and always filled. Returns out->kind (>= 0), or -1
 * when out is NULL or line is NULL with len > 0. Allocation-free. */
int logline_parse(const char *line, size_t len, int year_hint, struct logline *out);

/* logline_maybe_tls - the literal prefilter (logfilter.h) on one line:
 * false only for lines that logline_parse classifies as LOGLINE_NONE. */
int logline_maybe_tls(const char *line, size_t len);

/* logline_kind_name, logline_reason_name, logline_service_name - stable
 * lowercase names (static strings; "invalid" when out of range). */
const char *logline_kind_name(int kind);
const char *logline_reason_name(int reason);
const char *logline_service_name(int service);

#endif
