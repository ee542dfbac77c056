/*
 * logline.c - classify one mail log line (see logline.h).
 *
 * A line is: [timestamp] [host] program[pid]: [dovecot sub-program:] body.
 * Timestamps (FACTS.md G11): "Nov 30 01:55:06 " (year from the caller),
 * "2026-11-30T01:58:10.594260+00:00 ", or none (excerpts, FACTS.md §10).
 * A first token that ends in ':' is the program (Dovecot log_path has no
 * host); otherwise it is the host and the program follows.
 *
 * Everything works on (pointer, length) spans (sp_find): no strlen on the
 * input, no allocation, no state. Every output string is bounded and built
 * only from validated characters.
 */
#define _GNU_SOURCE
#include "logline.h"

#include <string.h>
#include <strings.h>

#include "logfilter.h"
#include "tlsver.h"

struct span {
	const char *p;
	size_t n;
};

/* ---- span helpers ------------------------------------------------------ */

/* sp_find - the first lit in s. memchr + memcmp: glibc's memmem sets up
 * tables on every call, which costs more than a log line's whole search. */
static const char *sp_find(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	const char *p = s.p, *last;

	if (s.p == NULL || n == 0 || s.n < n)
		return NULL;
	last = s.p + (s.n - n);
	while ((p = memchr(p, lit[0], (size_t)(last - p) + 1)) != NULL) {
		if (memcmp(p + 1, lit + 1, n - 1) == 0)
			return p;
		if (p++ == last)
			break;
	}
	return NULL;
}

static int sp_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static int sp_starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

/* sp_from - the part of s from q (a pointer into s) to its end. */
static struct span sp_from(struct span s, const char *q)
{
	struct span r = { q, s.n - (size_t)(q - s.p) };

	return r;
}

/* sp_upto - the part of s before q (a pointer into s, or NULL: all of s). */
static struct span sp_upto(struct span s, const char *q)
{
	struct span r = { s.p, q != NULL ? (size_t)(q - s.p) : s.n };

	return r;
}

/* sp_find_last - the last lit in s. */
static const char *sp_find_last(struct span s, const char *lit)
{
	const char *q, *last = NULL;

	while ((q = sp_find(s, lit)) != NULL) {
		last = q;
		s = sp_from(s, q + 1);
	}
	return last;
}

/* sp_token - cut the next blank-separated token off *rest. */
static struct span sp_token(struct span *rest)
{
	struct span t;
	const char *sp;

	while (rest->n > 0 && rest->p[0] == ' ') {
		rest->p++;
		rest->n--;
	}
	sp = memchr(rest->p, ' ', rest->n);
	t = sp_upto(*rest, sp);
	*rest = sp != NULL ? sp_from(*rest, sp) : sp_from(*rest, rest->p + rest->n);
	return t;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* digits - the value of exactly n decimal digits at p, or -1. */
static int digits(const char *p, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* ---- timestamps -------------------------------------------------------- */

/* days_from_civil - days since 1970-01-01 (proleptic Gregorian). */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* hms - "HH:MM:SS" at p (8 bytes available) to seconds, or -1. */
static long hms(const char *p)
{
	int h = digits(p, 2), m = digits(p + 3, 2), s = digits(p + 6, 2);

	if (p[2] != ':' || p[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 ||
	    s > 60)
		return -1;
	return h * 3600L + m * 60L + s;
}

static time_t mk_time(long long y, int mon, int day, long secs)
{
	return (time_t)(days_from_civil(y, mon, day) * 86400LL + secs);
}

static int month_of(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(p, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* ts_bsd - "Mmm dd HH:MM:SS " (day space-padded or not). Returns the bytes
 * used, 0 when s does not start with one. */
static size_t ts_bsd(struct span s, int year, time_t *t)
{
	size_t i = 4;
	int mon, day;
	long secs;

	if (s.n < 16 || (mon = month_of(s.p)) == 0 || s.p[3] != ' ')
		return 0;
	if (s.p[i] == ' ')
		i++;
	if (s.n < i + 11 || !is_digit(s.p[i]))
		return 0;
	if (is_digit(s.p[i + 1])) {
		day = digits(s.p + i, 2);
		i += 2;
	} else {
		day = s.p[i] - '0';
		i += 1;
	}
	if (day < 1 || day > 31 || s.n < i + 10 || s.p[i] != ' ')
		return 0;
	secs = hms(s.p + i + 1);
	if (secs < 0 || s.p[i + 9] != ' ')
		return 0;
	*t = mk_time(year, mon, day, secs);
	return i + 10;
}

/* rfc_offset - "Z" or "+HH:MM"/"-HH:MM" at s; seconds east in *off.
 * Returns the bytes used, 0 when invalid. */
static size_t rfc_offset(struct span s, long *off)
{
	int h, m;

	if (s.n >= 1 && s.p[0] == 'Z') {
		*off = 0;
		return 1;
	}
	if (s.n < 6 || (s.p[0] != '+' && s.p[0] != '-') || s.p[3] != ':')
		return 0;
	h = digits(s.p + 1, 2);
	m = digits(s.p + 4, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return 0;
	*off = (h * 3600L + m * 60L) * (s.p[0] == '-' ? -1 : 1);
	return 6;
}

/* ts_rfc3339 - "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM) ". Returns the bytes
 * used, 0 when s does not start with one. */
static size_t ts_rfc3339(struct span s, time_t *t)
{
	int y, mon, day;
	long secs, off;
	size_t i = 19, k;

	if (s.n < 21 || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != 'T')
		return 0;
	y = digits(s.p, 4);
	mon = digits(s.p + 5, 2);
	day = digits(s.p + 8, 2);
	secs = hms(s.p + 11);
	if (y < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || secs < 0)
		return 0;
	if (s.p[i] == '.')
		for (i++; i < s.n && is_digit(s.p[i]); i++)
			;
	k = rfc_offset(sp_from(s, s.p + i), &off);
	if (k == 0 || i + k >= s.n || s.p[i + k] != ' ')
		return 0;
	*t = (time_t)(mk_time(y, mon, day, secs) - off);
	return i + k + 1;
}

/* ---- program and service ----------------------------------------------- */

/* prog_strip - "name[pid]" to "name", pid into out->pid. */
static struct span prog_strip(struct span prog, struct logline *out)
{
	const char *lb = memchr(prog.p, '[', prog.n);
	long pid = 0;

	if (lb == NULL || prog.p[prog.n - 1] != ']')
		return prog;
	for (const char *q = lb + 1; q < prog.p + prog.n - 1 && pid < 100000000; q++) {
		if (!is_digit(*q))
			return sp_upto(prog, lb);
		pid = pid * 10 + (*q - '0');
	}
	out->pid = pid;
	return sp_upto(prog, lb);
}

static void set_role(struct logline *out, const char *role)
{
	size_t n = strlen(role);

	memcpy(out->role, role, n + 1 <= sizeof(out->role) ? n + 1 : 0);
}

/* svc_postfix - "postfix[-x]/[syslog_name/]smtpd". */
static int svc_postfix(struct span prog, struct logline *out)
{
	struct span mid;
	const char *slash;

	if (!sp_starts(prog, "postfix") || prog.n < 13 ||
	    memcmp(prog.p + prog.n - 6, "/smtpd", 6) != 0)
		return 0;
	out->service = LOGLINE_SVC_POSTFIX;
	slash = memchr(prog.p, '/', prog.n);
	mid = sp_upto(sp_from(prog, slash + 1), prog.p + prog.n - 6);
	if (slash == prog.p + prog.n - 6)
		set_role(out, "smtp");
	else if (sp_eq(mid, "submission"))
		set_role(out, "submission");
	else if (sp_eq(mid, "submissions") || sp_eq(mid, "smtps"))
		set_role(out, "smtps");
	return 1;
}

static int svc_dovecot(struct span prog, struct logline *out)
{
	if (!sp_eq(prog, "imap-login") && !sp_eq(prog, "pop3-login") &&
	    !sp_eq(prog, "submission-login"))
		return 0;
	out->service = LOGLINE_SVC_DOVECOT;
	return 1;
}

static int svc_courier(struct span prog, struct logline *out)
{
	static const char *const names[][2] = {
		{ "imapd-ssl", "imaps" }, { "imapd", "imap" },
		{ "pop3d-ssl", "pop3s" }, { "pop3d", "pop3" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (sp_eq(prog, names[i][0])) {
			out->service = LOGLINE_SVC_COURIER;
			set_role(out, names[i][1]);
			return 1;
		}
	}
	return 0;
}

/* program_token - the next token if it ends with ':', without the ':'. */
static int program_token(struct span *rest, struct span *prog)
{
	struct span save = *rest, t = sp_token(rest);

	if (t.n < 2 || t.p[t.n - 1] != ':') {
		*rest = save;
		return 0;
	}
	t.n--;
	*prog = t;
	return 1;
}

/* find_service - after the timestamp: [host] program: [sub-program:].
 * Fills out->service, role and pid; *body is what follows. */
static int find_service(struct span rest, struct logline *out, struct span *body)
{
	struct span prog;

	if (!program_token(&rest, &prog)) {
		(void)sp_token(&rest); /* the host */
		if (!program_token(&rest, &prog))
			return 0;
	}
	prog = prog_strip(prog, out);
	if (sp_eq(prog, "dovecot") && !program_token(&rest, &prog))
		return 0;
	if (!svc_postfix(prog, out) && !svc_dovecot(prog, out) && !svc_courier(prog, out))
		return 0;
	while (rest.n > 0 && rest.p[0] == ' ')
		rest = sp_from(rest, rest.p + 1);
	*body = rest;
	return 1;
}

/* ---- fields ------------------------------------------------------------ */

static int ip_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
	       c == '.';
}

/* set_ip - copy an address made of [0-9a-fA-F:.] ending at the first other
 * byte; "::ffff:a.b.c.d" becomes "a.b.c.d". Leaves ip "" when invalid. */
static void set_ip(struct logline *out, struct span s)
{
	size_t n = 0;

	while (n < s.n && ip_char(s.p[n]))
		n++;
	if (n >= 9 && strncasecmp(s.p, "::ffff:", 7) == 0 && memchr(s.p + 7, '.', n - 7)) {
		s.p += 7;
		n -= 7;
	}
	if (n == 0 || n >= sizeof(out->ip))
		return;
	memcpy(out->ip, s.p, n);
	out->ip[n] = '\0';
}

/* ip_after - the address after the first lit (e.g. " from "), or after the
 * last one when last is set: fields a client chooses (a user name, a HELO)
 * come before the daemon's own address field. */
static void ip_after(struct logline *out, struct span body, const char *lit, int bracket, int last)
{
	const char *q = last ? sp_find_last(body, lit) : sp_find(body, lit);
	struct span s;

	if (q == NULL)
		return;
	s = sp_from(body, q + strlen(lit));
	if (bracket) {
		const char *lb = memchr(s.p, '[', s.n < 256 ? s.n : 256);

		if (lb == NULL)
			return;
		s = sp_from(s, lb + 1);
	}
	set_ip(out, s);
}

/* version_of - the protocol token before " with cipher ", else TLSVER_NONE. */
static int version_of(struct span body)
{
	const char *w = sp_find(body, " with cipher ");
	const char *b = w;
	char name[16];
	int v;

	if (w == NULL)
		return TLSVER_NONE;
	while (b > body.p && b[-1] != ' ' && w - b < (long)sizeof(name) - 1)
		b--;
	if (b > body.p && b[-1] != ' ')
		return TLSVER_NONE;
	memcpy(name, b, (size_t)(w - b));
	name[w - b] = '\0';
	v = tlsver_parse(name);
	return tlsver_is_version(v) ? v : TLSVER_NONE;
}

/* ---- reasons ----------------------------------------------------------- */

/* reason_of - the TLS failure reason named in s, or LOGLINE_R_NONE. */
static int reason_of(struct span s)
{
	static const struct {
		const char *lit;
		int reason;
	} table[] = {
		{ "unsupported protocol", LOGLINE_R_PROTOCOL_TOO_OLD },
		{ "version too low", LOGLINE_R_PROTOCOL_TOO_OLD },
		{ "illegal or unsupported version", LOGLINE_R_PROTOCOL_TOO_OLD },
		{ "no shared cipher", LOGLINE_R_NO_SHARED_CIPHER },
		{ "no suitable signature algorithm", LOGLINE_R_SECLEVEL },
		{ "unknown protocol", LOGLINE_R_NOT_TLS },
		{ "wrong version number", LOGLINE_R_NOT_TLS },
		{ "http request", LOGLINE_R_NOT_TLS },
		{ "Invalid TLS protocol list", LOGLINE_R_TLS_INIT_FAILED },
		{ "TLS context initialization failed", LOGLINE_R_TLS_INIT_FAILED },
		{ "Failed to initialize SSL server context", LOGLINE_R_TLS_INIT_FAILED },
		{ "TLS initialization failed", LOGLINE_R_TLS_INIT_FAILED },
		/* GnuTLS, TLS1.3-only server and TLS1.2 client (FACTS.md §5) */
		{ "No supported cipher suites", LOGLINE_R_AMBIGUOUS },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (sp_find(s, table[i].lit) != NULL)
			return table[i].reason;
	return LOGLINE_R_NONE;
}

static int fail(struct logline *out, int reason)
{
	out->kind = LOGLINE_TLS_FAIL;
	out->reason = reason != LOGLINE_R_NONE ? reason : LOGLINE_R_OTHER;
	return out->kind;
}

static int session(struct logline *out)
{
	out->kind = LOGLINE_SESSION;
	return out->kind;
}

/* ---- per service ------------------------------------------------------- */

/* tls_established - "[Anonymous|Trusted|Untrusted|Verified ]TLS connection
 * established from " at the start of body: anywhere else it may be a
 * client's HELO or address echoed in a reject line. */
static int tls_established(struct span body)
{
	static const char *const prefixes[] = { "", "Anonymous ", "Trusted ", "Untrusted ", "Verified " };
	static const char phrase[] = "TLS connection established from ";

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (sp_starts(body, prefixes[i]) && sp_starts(sp_from(body, body.p + n), phrase))
			return 1;
	}
	return 0;
}

/* kind_postfix - every test is anchored at the start of the body, where
 * smtpd's own text is; a client's text (HELO, addresses) comes later. */
static int kind_postfix(struct span body, struct logline *out)
{
	ip_after(out, body, " from ", 1, 0);
	if (tls_established(body)) {
		out->kind = LOGLINE_TLS_OK;
		out->version = version_of(body);
		return out->kind;
	}
	if (sp_starts(body, "warning: TLS library problem:"))
		return fail(out, reason_of(body));
	if (sp_starts(body, "warning: Invalid TLS protocol list") ||
	    (sp_starts(body, "warning: Wrapper-mode request dropped from ") &&
	     sp_find(body, "TLS context initialization failed") != NULL))
		return fail(out, LOGLINE_R_TLS_INIT_FAILED);
	/* the reason follows on this pid's "TLS library problem" line */
	if (sp_starts(body, "SSL_accept error from ") ||
	    sp_starts(body, "lost connection after STARTTLS ") ||
	    (sp_starts(body, "disconnect from ") && sp_find(body, " starttls=") != NULL))
		return session(out);
	return LOGLINE_NONE;
}

/* dovecot_reason - "Disconnected: <head> (...): user=<...>, ..., TLS
 * handshaking: <from_hs>". The head wins (POP3 STLS logs the real reason
 * there and "syscall failed" in the second half, FACTS.md §5). */
static int dovecot_reason(struct span head, struct span from_hs)
{
	int r = reason_of(head);

	if (r == LOGLINE_R_NONE)
		r = reason_of(from_hs);
	if (r == LOGLINE_R_NONE &&
	    (sp_find(head, "syscall failed") != NULL || sp_find(from_hs, "syscall failed") != NULL))
		r = LOGLINE_R_AMBIGUOUS; /* IMAP STARTTLS version rejection, G9 */
	return r;
}

/* kind_dovecot - Dovecot's own text is before "user=<" (the disconnect
 * reason) and from the last "rip=" on (addresses, TLS state, session); the
 * user name between them is the client's, so nothing is looked up there. */
static int kind_dovecot(struct span body, struct logline *out)
{
	const char *user = sp_find(body, "user=<"), *rip = sp_find_last(body, "rip=");
	struct span head = sp_upto(body, user);
	struct span tail = rip != NULL ? sp_from(body, rip) : sp_from(body, body.p + body.n);
	const char *hs;

	if (user == NULL)
		tail = body;   /* no client text on this line */
	if (sp_starts(body, "Debug: "))
		return LOGLINE_NONE; /* verbose_ssl repeats the Info line */
	ip_after(out, body, "rip=", 0, 1);
	if (sp_find(head, "Failed to initialize SSL server context") != NULL ||
	    sp_find(head, "TLS initialization failed") != NULL)
		return fail(out, LOGLINE_R_TLS_INIT_FAILED);
	hs = sp_find(tail, "TLS handshaking");
	if (hs == NULL)
		hs = sp_find(tail, "SSL_accept()");
	if (hs != NULL)
		return fail(out, dovecot_reason(head, sp_from(tail, hs)));
	if (sp_find(head, "SSL_accept()") != NULL)   /* the reason is in the head only */
		return fail(out, dovecot_reason(head, sp_from(tail, tail.p + tail.n)));
	if (sp_find(tail, ", TLS,") != NULL ||
	    (tail.n >= 5 && memcmp(tail.p + tail.n - 5, ", TLS", 5) == 0)) {
		out->kind = LOGLINE_TLS_OK;
		out->version = version_of(tail);
		return out->kind;
	}
	return LOGLINE_NONE;
}

/* kind_courier - "ip=[...], <GnuTLS/OpenSSL message>" is a couriertls error;
 * "Connection, ip=[...]" and "Disconnected, ip=[...]" are sessions. */
static int kind_courier(struct span body, struct logline *out)
{
	int r;

	/* a couriertls error starts with the address; elsewhere (LOGIN FAILED,
	 * user=...) the client's text comes first and the address last */
	ip_after(out, body, "ip=[", 0, !sp_starts(body, "ip=["));
	/* IMAP STARTTLS: a session that neither logged in nor completed
	 * STARTTLS ends as "Disconnected" without "starttls=1" (FACTS.md G9) */
	if (sp_starts(body, "Disconnected, ip=[") && strcmp(out->role, "imap") == 0 &&
	    sp_find(body, "starttls=1") == NULL)
		return fail(out, LOGLINE_R_AMBIGUOUS);
	if (!sp_starts(body, "ip=["))
		return sp_find(body, "ip=[") != NULL ? session(out) : LOGLINE_NONE;
	r = reason_of(body);
	/* the -ssl programs (roles imaps, pop3s) log couriertls errors this way */
	if (r != LOGLINE_R_NONE || out->role[strlen(out->role) - 1] == 's')
		return fail(out, r);
	return session(out);
}

/* ---- public ------------------------------------------------------------ */

int logline_maybe_tls(const char *line, size_t len)
{
	return line != NULL && logfilter_next(line, line + len) != NULL;
}

static void reset(struct logline *out)
{
	memset(out, 0, sizeof(*out));
	out->time = (time_t)-1;
	out->version = TLSVER_NONE;
}

int logline_parse(const char *line, size_t len, int year_hint, struct logline *out)
{
	struct span s = { line, len }, body;
	size_t used;
	int kind;

	if (out == NULL || (line == NULL && len > 0))
		return -1;
	reset(out);
	while (s.n > 0 && (s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r'))
		s.n--;
	if (!logline_maybe_tls(s.p, s.n))
		return LOGLINE_NONE;
	used = ts_bsd(s, year_hint, &out->time);
	out->local = used > 0;
	if (used == 0)
		used = ts_rfc3339(s, &out->time);
	if (!find_service(sp_from(s, s.p + used), out, &body)) {
		reset(out);
		return LOGLINE_NONE;
	}
	if (out->service == LOGLINE_SVC_POSTFIX)
		kind = kind_postfix(body, out);
	else if (out->service == LOGLINE_SVC_DOVECOT)
		kind = kind_dovecot(body, out);
	else
		kind = kind_courier(body, out);
	if (kind == LOGLINE_NONE)
		reset(out); /* an irrelevant line reports nothing */
	return kind;
}

const char *logline_kind_name(int kind)
{
	static const char *const names[] = { "none", "session", "tls_ok", "tls_fail" };

	return kind >= 0 && kind < 4 ? names[kind] : "invalid";
}

const char *logline_reason_name(int reason)
{
	static const char *const names[] = {
		"none",    "protocol_too_old", "no_shared_cipher", "seclevel",
		"not_tls", "tls_init_failed",  "ambiguous",        "other",
	};

	return reason >= 0 && reason < 8 ? names[reason] : "invalid";
}

const char *logline_service_name(int service)
{
	static const char *const names[] = { "", "postfix", "dovecot", "courier" };

	return service >= 0 && service < 4 ? names[service] : "invalid";
}
