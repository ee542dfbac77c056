/*
 * probe.c - the probe engine: every target x version TLS handshake at once,
 * in one thread, each under a timeout and all under one deadline.
 *
 * A cell (one target, one version) goes WAIT -> CONNECT -> [DIALOGUE] -> TLS
 * -> DONE on a non-blocking socket driven by poll(); the STARTTLS dialogue is
 * a state machine fed by a bounded line reader; SSL_connect is called again
 * whenever poll says the socket is ready for what it asked
 * (SSL_ERROR_WANT_READ / WANT_WRITE). At most PROBE_MAX_OPEN sockets are
 * open at once.
 *
 * Owns: its sockets, SSL objects and contexts (all freed before probe_run
 * returns) and the rows of the result it fills. Must never: block without a
 * bound, connect to an address it was not given, send anything but the
 * fixed dialogue commands and a ClientHello, judge a version accepted on
 * anything but a completed handshake of that version, or build JSON.
 */
#define _GNU_SOURCE
#include "probe.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ------------------------------------------------------------------ names */

static const struct {
	const char *name;
	enum probe_mode mode;
} endpoint_modes[] = {
	{ "postfix/smtp", PROBE_STARTTLS_SMTP }, { "postfix/submission", PROBE_STARTTLS_SMTP },
	{ "postfix/smtps", PROBE_IMPLICIT },      { "dovecot/imap", PROBE_STARTTLS_IMAP },
	{ "dovecot/imaps", PROBE_IMPLICIT },      { "dovecot/pop3", PROBE_STARTTLS_POP3 },
	{ "dovecot/pop3s", PROBE_IMPLICIT },      { "courier/imap", PROBE_STARTTLS_IMAP },
	{ "courier/imaps", PROBE_IMPLICIT },      { "courier/pop3", PROBE_STARTTLS_POP3 },
	{ "courier/pop3s", PROBE_IMPLICIT },
};

#define NENDPOINTS (sizeof(endpoint_modes) / sizeof(endpoint_modes[0]))

static const char *const reason_names[PROBE_REASON_COUNT] = {
	"accepted",  "protocol_version",     "handshake_failure", "alert",
	"connection_refused", "unreachable", "timeout", "starttls_not_offered",
	"starttls_refused",   "protocol_error", "not_tls", "closed", "tls_error",
};

/* The protocol number of each enum tlsver. */
static const int proto_of[TLSVER_COUNT] = { TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
					    TLS1_3_VERSION };

int probe_mode_of(const char *endpoint)
{
	for (size_t i = 0; i < NENDPOINTS; i++)
		if (strcmp(endpoint_modes[i].name, endpoint) == 0)
			return (int)endpoint_modes[i].mode;
	return -1;
}

const char *probe_endpoint_at(size_t i)
{
	return i < NENDPOINTS ? endpoint_modes[i].name : NULL;
}

const char *probe_reason_name(int reason)
{
	return reason >= 0 && reason < PROBE_REASON_COUNT ? reason_names[reason] : "invalid";
}

const char *probe_cell_reason(const struct probe_cell *c, char *buf, size_t n)
{
	const char *desc;
	size_t len;

	if (c->reason != PROBE_ALERT) {
		snprintf(buf, n, "%s", probe_reason_name(c->reason));
		return buf;
	}
	desc = SSL_alert_desc_string_long(c->alert);
	if (strcmp(desc, "unknown") == 0) {
		snprintf(buf, n, "alert:%d", c->alert);
		return buf;
	}
	snprintf(buf, n, "alert:%s", desc);
	len = strlen(buf);
	for (size_t i = 6; i < len; i++)  /* "protocol version" -> "protocol_version" */
		buf[i] = buf[i] == ' ' ? '_' : (char)tolower((unsigned char)buf[i]);
	return buf;
}

/* clean_copy - copy at most len bytes of src into dst (size n), printable
 * ASCII kept, anything else '?'. */
static void clean_copy(char *dst, size_t n, const unsigned char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < n; i++)
		dst[i] = src[i] > 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[i] = '\0';
}

/* ------------------------------------------------------------ line reader */

char *probe_lines_space(struct probe_lines *lr, size_t *room)
{
	*room = sizeof(lr->buf) - lr->len;
	return lr->buf + lr->len;
}

void probe_lines_added(struct probe_lines *lr, size_t n)
{
	lr->len += n;
	lr->total += n;
}

int probe_lines_next(struct probe_lines *lr, char *line, size_t n)
{
	char *nl = memchr(lr->buf, '\n', lr->len);
	size_t take, len;

	if (nl == NULL)
		return lr->len == sizeof(lr->buf) ? -1 : 0;
	take = (size_t)(nl - lr->buf) + 1;
	len = take - 1;
	if (len > 0 && lr->buf[len - 1] == '\r')
		len--;
	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		line[i] = lr->buf[i] != '\0' ? lr->buf[i] : '?';
	line[len] = '\0';
	memmove(lr->buf, lr->buf + take, lr->len - take);
	lr->len -= take;
	return 1;
}

/* ------------------------------------------------------ STARTTLS dialogue */

enum { DLG_GREETING, DLG_EHLO, DLG_STARTTLS, DLG_DONE };

int probe_smtp_reply(const char *line, int *code, int *last, const char **text)
{
	for (int i = 0; i < 3; i++)
		if (!isdigit((unsigned char)line[i]))
			return -1;
	if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (*code < 200 || *code > 599)
		return -1;
	*last = line[3] != '-';
	*text = line[3] != '\0' ? line + 4 : line + 3;
	return 0;
}

/* word_is - text starts with the word w (case-insensitive), then ends or
 * goes on after a space. */
static int word_is(const char *text, const char *w)
{
	size_t n = strlen(w);

	return strncasecmp(text, w, n) == 0 && (text[n] == '\0' || text[n] == ' ');
}

void probe_dialogue_init(struct probe_dialogue *d, enum probe_mode mode)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	d->step = DLG_GREETING;
	d->first = 1;
}

/* dlg_fail - record why the dialogue failed; line (may be NULL) is what the
 * peer said. */
static int dlg_fail(struct probe_dialogue *d, int reason, const char *what, const char *line)
{
	d->reason = reason;
	if (snprintf(d->detail, sizeof(d->detail), "%s%s%s", what, line != NULL ? ": " : "",
		     line != NULL ? line : "") < 0)
		d->detail[0] = '\0';
	mt_utf8_clean(d->detail);  /* a line cut inside a character, or not UTF-8 */
	d->step = DLG_DONE;
	return PROBE_DLG_FAIL;
}

/* smtp_end - the last line of a reply (code) ends a step. */
static int smtp_end(struct probe_dialogue *d, int code, const char *line, const char **send)
{
	switch (d->step) {
	case DLG_GREETING:
		if (code != 220)
			return dlg_fail(d, PROBE_PROTOCOL_ERROR, "greeting", line);
		d->step = DLG_EHLO;
		*send = "EHLO mail-tls-probe\r\n";
		return PROBE_DLG_SEND;
	case DLG_EHLO:
		if (code != 250)
			return dlg_fail(d, PROBE_PROTOCOL_ERROR, "EHLO refused", line);
		if (!d->offered)
			return dlg_fail(d, PROBE_STARTTLS_NOT_OFFERED, "the EHLO reply lists no STARTTLS",
					NULL);
		d->step = DLG_STARTTLS;
		*send = "STARTTLS\r\n";
		return PROBE_DLG_SEND;
	default:
		if (code != 220)
			return dlg_fail(d, PROBE_STARTTLS_REFUSED, "STARTTLS refused", line);
		d->step = DLG_DONE;
		return PROBE_DLG_TLS;
	}
}

/* smtp_line - greeting (220), EHLO (250 with a STARTTLS line), STARTTLS
 * (220). Multi-line replies "250-..." end with "250 ...". */
static int smtp_line(struct probe_dialogue *d, const char *line, const char **send)
{
	int code, last;
	const char *text;

	if (probe_smtp_reply(line, &code, &last, &text) != 0 || (!d->first && code != d->code))
		return dlg_fail(d, PROBE_PROTOCOL_ERROR, "not an SMTP reply", line);
	/* The first line of the EHLO reply is the server's name; keywords follow. */
	if (d->step == DLG_EHLO && !d->first && word_is(text, "STARTTLS"))
		d->offered = 1;
	d->code = code;
	d->first = last;
	return last ? smtp_end(d, code, line, send) : PROBE_DLG_MORE;
}

/* imap_line - "* OK" greeting, "a STARTTLS", untagged lines skipped, then
 * "a OK" (or a refusal: "a NO", "a BAD"). */
static int imap_line(struct probe_dialogue *d, const char *line, const char **send)
{
	if (d->step == DLG_GREETING) {
		if (!word_is(line, "* OK"))
			return dlg_fail(d, PROBE_PROTOCOL_ERROR, "not an IMAP greeting", line);
		d->step = DLG_STARTTLS;
		*send = "a STARTTLS\r\n";
		return PROBE_DLG_SEND;
	}
	if (strncmp(line, "* ", 2) == 0)
		return PROBE_DLG_MORE;
	if (word_is(line, "a OK")) {
		d->step = DLG_DONE;
		return PROBE_DLG_TLS;
	}
	if (strncmp(line, "a ", 2) == 0)
		return dlg_fail(d, PROBE_STARTTLS_REFUSED, "STARTTLS refused", line);
	return dlg_fail(d, PROBE_PROTOCOL_ERROR, "not an IMAP reply", line);
}

/* pop3_line - "+OK" greeting, "STLS", "+OK" (or "-ERR"). */
static int pop3_line(struct probe_dialogue *d, const char *line, const char **send)
{
	if (d->step == DLG_GREETING) {
		if (!word_is(line, "+OK"))
			return dlg_fail(d, PROBE_PROTOCOL_ERROR, "not a POP3 greeting", line);
		d->step = DLG_STARTTLS;
		*send = "STLS\r\n";
		return PROBE_DLG_SEND;
	}
	if (word_is(line, "+OK")) {
		d->step = DLG_DONE;
		return PROBE_DLG_TLS;
	}
	if (word_is(line, "-ERR"))
		return dlg_fail(d, PROBE_STARTTLS_REFUSED, "STLS refused", line);
	return dlg_fail(d, PROBE_PROTOCOL_ERROR, "not a POP3 reply", line);
}

int probe_dialogue_line(struct probe_dialogue *d, const char *line, const char **send)
{
	*send = NULL;
	if (d->step == DLG_DONE)
		return dlg_fail(d, PROBE_PROTOCOL_ERROR, "text after the STARTTLS reply", line);
	switch (d->mode) {
	case PROBE_STARTTLS_SMTP:
		return smtp_line(d, line, send);
	case PROBE_STARTTLS_IMAP:
		return imap_line(d, line, send);
	case PROBE_STARTTLS_POP3:
		return pop3_line(d, line, send);
	default:
		return dlg_fail(d, PROBE_PROTOCOL_ERROR, "no dialogue on an implicit TLS port", line);
	}
}

/* dlg_waiting - what a dialogue that timed out was waiting for. */
static const char *dlg_waiting(const struct probe_dialogue *d)
{
	switch (d->step) {
	case DLG_GREETING:
		return "no complete greeting";
	case DLG_EHLO:
		return "no complete reply to EHLO";
	default:
		return d->mode == PROBE_STARTTLS_POP3 ? "no reply to STLS" : "no reply to STARTTLS";
	}
}

/* --------------------------------------------------------- classification */

/* Record-layer errors: what came back was not TLS (plaintext, HTTP, ...). */
static const int not_tls_reasons[] = {
	SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG,   SSL_R_HTTP_REQUEST,
	SSL_R_HTTPS_PROXY_REQUEST,  SSL_R_UNKNOWN_PROTOCOL,         SSL_R_RECORD_LENGTH_MISMATCH,
	SSL_R_ENCRYPTED_LENGTH_TOO_LONG, SSL_R_BAD_RECORD_TYPE,
};

/* Our side refused the version the server chose: the server does not take
 * the one we asked for. */
static const int version_reasons[] = {
	SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_WRONG_SSL_VERSION, SSL_R_VERSION_TOO_LOW,
	SSL_R_UNSUPPORTED_SSL_VERSION,
};

static int in_list(const int *list, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

int probe_classify_connect(int sys_errno)
{
	switch (sys_errno) {
	case ECONNREFUSED:
		return PROBE_CONNECTION_REFUSED;
	case ETIMEDOUT:
		return PROBE_TIMEOUT;
	case ECONNRESET:
	case EPIPE:
		return PROBE_CLOSED;
	default:
		return PROBE_UNREACHABLE;
	}
}

/* classify_ssl_reason - an error of the SSL library by its reason code. */
static int classify_ssl_reason(int r, int *alert)
{
	if (r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256) {
		*alert = r - SSL_AD_REASON_OFFSET;
		if (*alert == SSL_AD_PROTOCOL_VERSION)
			return PROBE_PROTOCOL_VERSION;
		return *alert == SSL_AD_HANDSHAKE_FAILURE ? PROBE_HANDSHAKE_FAILURE : PROBE_ALERT;
	}
	if (in_list(not_tls_reasons, sizeof(not_tls_reasons) / sizeof(int), r))
		return PROBE_NOT_TLS;
	if (in_list(version_reasons, sizeof(version_reasons) / sizeof(int), r))
		return PROBE_PROTOCOL_VERSION;
	return r == SSL_R_UNEXPECTED_EOF_WHILE_READING ? PROBE_CLOSED : PROBE_TLS_ERROR;
}

int probe_classify_ssl(int ssl_error, unsigned long e, int sys_errno, int *alert, char *detail,
		       size_t n)
{
	const char *s;

	*alert = -1;
	if (ssl_error == SSL_ERROR_ZERO_RETURN) {
		snprintf(detail, n, "the peer closed the TLS connection (close_notify)");
		return PROBE_CLOSED;
	}
	if (e == 0 && ssl_error == SSL_ERROR_SYSCALL) {
		snprintf(detail, n, "%s", sys_errno == 0 ? "unexpected EOF" : strerror(sys_errno));
		if (sys_errno == 0 || sys_errno == ECONNRESET || sys_errno == EPIPE)
			return PROBE_CLOSED;
		return PROBE_TLS_ERROR;
	}
	if (e == 0) {
		snprintf(detail, n, "SSL_connect failed (error %d) with no reason", ssl_error);
		return PROBE_TLS_ERROR;
	}
	s = ERR_reason_error_string(e);
	snprintf(detail, n, "%s", s != NULL ? s : "unknown error");
	if (ERR_GET_LIB(e) != ERR_LIB_SSL)
		return PROBE_TLS_ERROR;
	return classify_ssl_reason(ERR_GET_REASON(e), alert);
}

/* ---------------------------------------------------------------- results */

void probe_result_free(struct probe_result *res)
{
	free(res->rows);
	memset(res, 0, sizeof(*res));
}

int probe_lowest(const struct probe_result *r, const char *endpoint)
{
	int lowest = PROBE_NOT_PROBED;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct probe_row *row = &r->rows[i];

		if (strcmp(row->target.endpoint, endpoint) != 0)
			continue;
		if (lowest == PROBE_NOT_PROBED || lowest == TLSVER_NONE ||
		    (row->lowest != TLSVER_NONE && row->lowest < lowest))
			lowest = row->lowest;
	}
	return lowest;
}

/* row_contradiction - 1 (why filled) when row does not behave as floor. */
static int row_contradiction(const struct probe_row *row, int floor, char *why, size_t n)
{
	char reason[PROBE_REASON_MAX];

	if (!tlsver_is_version(floor))
		floor = TLSVER_NONE;  /* "none" (or anything not a version): no version may pass */
	for (int v = 0; v < TLSVER_COUNT; v++) {
		const struct probe_cell *c = &row->cells[v];
		int want = floor != TLSVER_NONE && v >= floor;
		int got = c->reason == PROBE_ACCEPTED;

		if (!(row->versions & (1u << v)) || want == got)
			continue;
		if (got)
			snprintf(why, n, "%s %s:%d accepts %s below the floor %s", row->target.endpoint,
				 row->target.host, row->target.port, tlsver_name(v), tlsver_name(floor));
		else
			snprintf(why, n, "%s %s:%d refuses %s (%s), at or above the floor %s",
				 row->target.endpoint, row->target.host, row->target.port, tlsver_name(v),
				 probe_cell_reason(c, reason, sizeof(reason)), tlsver_name(floor));
		return 1;
	}
	return 0;
}

int probe_check_floor(const struct probe_result *r, const char *endpoint, int floor, char *why,
		      size_t n)
{
	int found = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		if (strcmp(r->rows[i].target.endpoint, endpoint) != 0)
			continue;
		found = 1;
		if (row_contradiction(&r->rows[i], floor, why, n))
			return 1;
	}
	return found ? 0 : -1;
}

/* ------------------------------------------------------------ certificate */

/* name_print - an X509 name in RFC 2253 form, UTF-8 kept (not escaped). */
static void name_print(const X509_NAME *name, char *out, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len = 0;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		len = BIO_read(b, out, (int)n - 1);
	out[len > 0 ? len : 0] = '\0';
	BIO_free(b);
	mt_utf8_clean(out);
}

/* san_read - the certificate's DNS names, at most PROBE_MAX_SAN. */
static void san_read(X509 *x, struct probe_cert *pc)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && pc->nsan < PROBE_MAX_SAN;
	     i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type != GEN_DNS)
			continue;
		clean_copy(pc->san[pc->nsan++], sizeof(pc->san[0]), ASN1_STRING_get0_data(g->d.dNSName),
			   (size_t)ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(names);
}

/* cert_read - subject, issuer, SANs and expiry of the peer's certificate. */
static void cert_read(struct probe_cert *pc, X509 *x)
{
	struct tm tm;

	if (x == NULL)
		return;
	name_print(X509_get_subject_name(x), pc->subject, sizeof(pc->subject));
	name_print(X509_get_issuer_name(x), pc->issuer, sizeof(pc->issuer));
	san_read(x, pc);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(pc->not_after, sizeof(pc->not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pc->present = 1;
}

/* ----------------------------------------------------------------- engine */

enum cell_state { CS_WAIT, CS_CONNECT, CS_DIALOGUE, CS_TLS, CS_DONE };

struct probe_addr {
	struct sockaddr_storage sa;
	socklen_t len;          /* 0: unresolved, why says so */
	char why[PROBE_DETAIL_MAX];
};

struct cell {
	struct probe_row *row;
	const struct probe_addr *addr;
	int version;
	enum cell_state state;
	int fd;                 /* -1 when closed */
	SSL *ssl;
	short events;           /* what poll should wait for */
	double t0, due;         /* start, and start + timeout (ms, monotonic) */
	const char *out;        /* the rest of a command to send; static */
	size_t out_left;
	struct probe_dialogue dlg;
	struct probe_lines in;
};

struct engine {
	SSL_CTX *ctx[TLSVER_COUNT];
	struct probe_addr *addrs;   /* one per row */
	struct cell *cells;
	size_t ncells, open;
	double deadline;
	int timeout_ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* finish - the cell's outcome; closes what it holds. */
static void finish(struct engine *e, struct cell *c, int reason, const char *detail)
{
	struct probe_cell *out = &c->row->cells[c->version];

	out->reason = reason;
	snprintf(out->detail, sizeof(out->detail), "%s", detail != NULL ? detail : "");
	mt_utf8_clean(out->detail);
	out->ms = c->t0 > 0 ? now_ms() - c->t0 : 0;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0) {
		close(c->fd);
		e->open--;
	}
	c->fd = -1;
	c->state = CS_DONE;
}

/* finish_errno - an outcome from a socket error. */
static void finish_errno(struct engine *e, struct cell *c, int reason, const char *what, int err)
{
	char detail[PROBE_DETAIL_MAX];

	snprintf(detail, sizeof(detail), "%s: %s", what, strerror(err));
	finish(e, c, reason, detail);
}

/* tls_done - a completed handshake: accepted when it is the version asked
 * for; the row's certificate from its first one. */
static void tls_done(struct engine *e, struct cell *c)
{
	struct probe_cell *out = &c->row->cells[c->version];
	char detail[PROBE_DETAIL_MAX];

	if (SSL_version(c->ssl) != proto_of[c->version]) {
		snprintf(detail, sizeof(detail), "the server negotiated %s", SSL_get_version(c->ssl));
		finish(e, c, PROBE_PROTOCOL_VERSION, detail);
		return;
	}
	snprintf(out->cipher, sizeof(out->cipher), "%s", SSL_get_cipher_name(c->ssl));
	if (!c->row->cert.present)
		cert_read(&c->row->cert, SSL_get0_peer_certificate(c->ssl));
	SSL_shutdown(c->ssl);   /* best effort: one close_notify, no wait */
	ERR_clear_error();
	finish(e, c, PROBE_ACCEPTED, NULL);
}

/* tls_step - drive SSL_connect once. */
static void tls_step(struct engine *e, struct cell *c)
{
	char detail[PROBE_DETAIL_MAX];
	int rc, se, saved, reason;

	ERR_clear_error();
	errno = 0;
	rc = SSL_connect(c->ssl);
	saved = errno;
	if (rc == 1) {
		tls_done(e, c);
		return;
	}
	se = SSL_get_error(c->ssl, rc);
	if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
		c->events = se == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return;
	}
	reason = probe_classify_ssl(se, ERR_peek_error(), saved, &c->row->cells[c->version].alert,
				    detail, sizeof(detail));
	ERR_clear_error();
	finish(e, c, reason, detail);
}

/* tls_begin - the handshake of this cell's version on its socket. */
static void tls_begin(struct engine *e, struct cell *c)
{
	const char *sni = c->row->target.sni;

	c->ssl = SSL_new(e->ctx[c->version]);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    (sni[0] != '\0' && SSL_set_tlsext_host_name(c->ssl, sni) != 1)) {
		ERR_clear_error();
		finish(e, c, PROBE_TLS_ERROR, "cannot set up a TLS session");
		return;
	}
	SSL_set_connect_state(c->ssl);
	c->state = CS_TLS;
	tls_step(e, c);
}

/* connected - the TCP connection is up: TLS at once, or the dialogue. */
static void connected(struct engine *e, struct cell *c)
{
	if (c->row->target.mode == PROBE_IMPLICIT) {
		tls_begin(e, c);
		return;
	}
	probe_dialogue_init(&c->dlg, c->row->target.mode);
	c->state = CS_DIALOGUE;
	c->events = POLLIN;
}

/* send_pending - send what is left of the current command. */
static void send_pending(struct engine *e, struct cell *c)
{
	ssize_t n = send(c->fd, c->out, c->out_left, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		finish_errno(e, c, probe_classify_connect(errno), "send", errno);
		return;
	}
	if (n > 0) {
		c->out += n;
		c->out_left -= (size_t)n;
	}
	c->events = c->out_left > 0 ? (POLLIN | POLLOUT) : POLLIN;
}

/* dialogue_lines - feed the complete lines received so far to the
 * dialogue; send, start TLS or fail as it says. */
static void dialogue_lines(struct engine *e, struct cell *c)
{
	char line[PROBE_LINE_MAX + 1], detail[PROBE_DETAIL_MAX];
	const char *cmd;
	int r;

	while ((r = probe_lines_next(&c->in, line, sizeof(line))) == 1) {
		switch (probe_dialogue_line(&c->dlg, line, &cmd)) {
		case PROBE_DLG_SEND:
			c->out = cmd;
			c->out_left = strlen(cmd);
			send_pending(e, c);
			if (c->state == CS_DONE)
				return;
			break;
		case PROBE_DLG_TLS:
			if (c->in.len > 0)  /* plaintext injected before TLS (CVE-2011-0411) */
				finish(e, c, PROBE_PROTOCOL_ERROR, "text after the STARTTLS reply");
			else
				tls_begin(e, c);
			return;
		case PROBE_DLG_FAIL:
			finish(e, c, c->dlg.reason, c->dlg.detail);
			return;
		default:
			break;
		}
	}
	if (r < 0) {
		snprintf(detail, sizeof(detail), "a line longer than %d bytes", PROBE_LINE_MAX);
		finish(e, c, PROBE_PROTOCOL_ERROR, detail);
	}
}

/* dialogue_read - one recv() into the line reader, then its lines. */
static void dialogue_read(struct engine *e, struct cell *c)
{
	size_t room;
	char *p = probe_lines_space(&c->in, &room);
	ssize_t n = room > 0 ? recv(c->fd, p, room, MSG_DONTWAIT) : 0;

	if (n == 0 && room > 0) {
		finish(e, c, PROBE_CLOSED, "the peer closed the connection during the STARTTLS dialogue");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			finish_errno(e, c, probe_classify_connect(errno), "recv", errno);
		return;
	}
	probe_lines_added(&c->in, (size_t)n);
	if (c->in.total > PROBE_DIALOGUE_MAX) {
		finish(e, c, PROBE_PROTOCOL_ERROR, "more text than a STARTTLS dialogue needs");
		return;
	}
	dialogue_lines(e, c);
}

/* connect_done - the non-blocking connect ended: SO_ERROR says how. */
static void connect_done(struct engine *e, struct cell *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr != 0)
		finish_errno(e, c, probe_classify_connect(soerr), "connect", soerr);
	else
		connected(e, c);
}

/* cell_event - poll reported revents on the cell's socket. */
static void cell_event(struct engine *e, struct cell *c, short revents)
{
	switch (c->state) {
	case CS_CONNECT:
		connect_done(e, c);
		break;
	case CS_DIALOGUE:
		if ((revents & POLLOUT) && c->out_left > 0)
			send_pending(e, c);
		if (c->state == CS_DIALOGUE && (revents & (POLLIN | POLLHUP | POLLERR)))
			dialogue_read(e, c);
		break;
	case CS_TLS:
		tls_step(e, c);
		break;
	default:
		break;
	}
}

/* cell_start - open the socket and connect. */
static void cell_start(struct engine *e, struct cell *c, double now)
{
	const struct probe_addr *a = c->addr;
	int one = 1;

	c->t0 = now;
	c->due = now + e->timeout_ms;
	if (a->len == 0) {
		finish(e, c, PROBE_UNREACHABLE, a->why);
		return;
	}
	c->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		finish_errno(e, c, errno == EAFNOSUPPORT ? PROBE_UNREACHABLE : PROBE_TLS_ERROR, "socket",
			     errno);
		return;
	}
	e->open++;
	/* Handshake flights are several small writes: no Nagle delay. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&a->sa, a->len) == 0) {
		connected(e, c);
	} else if (errno == EINPROGRESS) {
		c->state = CS_CONNECT;
		c->events = POLLOUT;
	} else {
		finish_errno(e, c, probe_classify_connect(errno), "connect", errno);
	}
}

/* timeout_detail - what a cell that ran out of time was doing. */
static const char *timeout_detail(const struct cell *c)
{
	switch (c->state) {
	case CS_WAIT:
		return "not started before the probe's deadline";
	case CS_CONNECT:
		return "no answer to the TCP connection";
	case CS_DIALOGUE:
		return dlg_waiting(&c->dlg);
	default:
		return "the TLS handshake did not complete";
	}
}

/* expire - cells past their own timeout (all open ones when past the
 * deadline). */
static void expire(struct engine *e, double now)
{
	for (size_t i = 0; i < e->ncells; i++) {
		struct cell *c = &e->cells[i];

		if (c->state != CS_WAIT && c->state != CS_DONE && (now >= c->due || now >= e->deadline))
			finish(e, c, PROBE_TIMEOUT, timeout_detail(c));
	}
}

/* row_open - how many cells of row have a socket open. */
static unsigned row_open(const struct engine *e, const struct probe_row *row)
{
	unsigned n = 0;

	for (size_t i = 0; i < e->ncells; i++)
		n += e->cells[i].row == row && e->cells[i].fd >= 0;
	return n;
}

/* start_more - start waiting cells while fewer than PROBE_MAX_OPEN run, and
 * at most PROBE_PER_PORT at once per endpoint and host: Courier's pop3d
 * allows 4 connections per client address (MAXPERIP=4), and local clients
 * such as webmail may hold some of them. Returns how many still wait. */
static size_t start_more(struct engine *e, double now)
{
	size_t waiting = 0;

	for (size_t i = 0; i < e->ncells; i++) {
		struct cell *c = &e->cells[i];

		if (c->state != CS_WAIT)
			continue;
		if (e->open < PROBE_MAX_OPEN && row_open(e, c->row) < PROBE_PER_PORT)
			cell_start(e, c, now);
		waiting += c->state == CS_WAIT;
	}
	return waiting;
}

/* gather - the open cells' poll entries; returns how many. */
static size_t gather(struct engine *e, struct pollfd *pfd, struct cell **who)
{
	size_t n = 0;

	for (size_t i = 0; i < e->ncells && n < PROBE_MAX_OPEN; i++) {
		struct cell *c = &e->cells[i];

		if (c->fd < 0)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = c->events;
		pfd[n].revents = 0;
		who[n++] = c;
	}
	return n;
}

/* wait_ms - how long poll may sleep: until the first timeout or the
 * deadline, rounded up. */
static int wait_ms(const struct engine *e, double now)
{
	double until = e->deadline;

	for (size_t i = 0; i < e->ncells; i++)
		if (e->cells[i].fd >= 0 && e->cells[i].due < until)
			until = e->cells[i].due;
	return until <= now ? 0 : (int)(until - now) + 1;
}

/* engine_loop - until every cell is done or the deadline passed. */
static void engine_loop(struct engine *e)
{
	struct pollfd pfd[PROBE_MAX_OPEN];
	struct cell *who[PROBE_MAX_OPEN];
	double now;
	size_t n;
	int rc;

	for (;;) {
		now = now_ms();
		expire(e, now);
		if (now >= e->deadline)
			break;
		if (start_more(e, now) == 0 && e->open == 0)
			break;
		n = gather(e, pfd, who);
		rc = poll(pfd, n, wait_ms(e, now));
		if (rc < 0 && errno != EINTR)
			break;
		for (size_t i = 0; rc > 0 && i < n; i++)
			if (pfd[i].revents != 0)
				cell_event(e, who[i], pfd[i].revents);
	}
	for (size_t i = 0; i < e->ncells; i++)
		if (e->cells[i].state != CS_DONE)
			finish(e, &e->cells[i], PROBE_TIMEOUT, timeout_detail(&e->cells[i]));
}

/* ------------------------------------------------------------ preparation */

/* ctx_new - a client context for exactly version v, security level 0, no
 * verification, no session cache. NULL on failure. */
static SSL_CTX *ctx_new(int v)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* The question is which versions the server takes, not whether it
	 * supports secure renegotiation (RFC 5746). */
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	if (SSL_CTX_set_min_proto_version(ctx, proto_of[v]) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, proto_of[v]) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* addr_take - the first address of ai into a. */
static void addr_take(struct probe_addr *a, const struct addrinfo *ai)
{
	if (ai == NULL || ai->ai_addrlen > sizeof(a->sa)) {
		snprintf(a->why, sizeof(a->why), "the host name has no usable address");
		return;
	}
	memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
	a->len = ai->ai_addrlen;
}

/* addr_format - the numeric form of a resolved address into the row. */
static void addr_format(const struct probe_addr *a, struct probe_row *row)
{
	const void *in = a->sa.ss_family == AF_INET6
				 ? (const void *)&((const struct sockaddr_in6 *)&a->sa)->sin6_addr
				 : (const void *)&((const struct sockaddr_in *)&a->sa)->sin_addr;

	if (a->len == 0 || inet_ntop(a->sa.ss_family, in, row->address, sizeof(row->address)) == NULL)
		row->address[0] = '\0';
}

/* Host names are resolved by one thread of ours, so that the wait has a
 * bound (getaddrinfo itself has none: DNS timeouts, NSS modules). When it
 * ends in time it is joined and nothing is left behind; when it does not,
 * it is detached and frees the shared record itself when it ends (or the
 * process ends first). */
struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int finished;           /* the thread resolved every name */
	int abandoned;          /* the caller stopped waiting: the thread frees this */
	size_t n;
	struct {
		char host[256];
		char port[8];
		struct probe_addr addr;
		int done;
	} names[PROBE_MAX_TARGETS];
};

static void resolver_free(struct resolver *r)
{
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* resolver_one - getaddrinfo for one name, outside the lock. */
static void resolver_one(struct resolver *r, size_t i)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
	struct probe_addr a = { .len = 0 };
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(r->names[i].host, r->names[i].port, &hints, &ai);

	if (rc == 0)
		addr_take(&a, ai);
	else
		snprintf(a.why, sizeof(a.why), "cannot resolve %.100s: %s", r->names[i].host,
			 gai_strerror(rc));
	if (ai != NULL)
		freeaddrinfo(ai);
	pthread_mutex_lock(&r->lock);
	r->names[i].addr = a;
	r->names[i].done = 1;
	pthread_mutex_unlock(&r->lock);
}

static void *resolver_main(void *arg)
{
	struct resolver *r = arg;
	int abandoned;

	for (size_t i = 0; i < r->n; i++)
		resolver_one(r, i);
	pthread_mutex_lock(&r->lock);
	r->finished = 1;
	abandoned = r->abandoned;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->lock);
	if (abandoned)
		resolver_free(r);
	return NULL;
}

/* resolver_new - the shared record for the rows idx[0..n), its clock
 * monotonic. NULL when out of resources. */
static struct resolver *resolver_new(const struct probe_row *rows, const size_t *idx, size_t n)
{
	struct resolver *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (r == NULL)
		return NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(r->names[i].host, sizeof(r->names[i].host), "%s", rows[idx[i]].target.host);
		snprintf(r->names[i].port, sizeof(r->names[i].port), "%d", rows[idx[i]].target.port);
	}
	return r;
}

/* resolver_wait - wait for the thread until bound_ms; copy what it found.
 * Returns 1 when it finished (join it), 0 when it is abandoned. */
static int resolver_wait(struct resolver *r, struct probe_addr *addrs, const size_t *idx,
			 double bound_ms)
{
	struct timespec ts;
	int finished;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(bound_ms / 1000);
	ts.tv_nsec += (long)((bound_ms - (double)(long)(bound_ms / 1000) * 1000) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->finished && pthread_cond_timedwait(&r->cv, &r->lock, &ts) == 0)
		;
	for (size_t i = 0; i < r->n; i++) {
		if (r->names[i].done)
			addrs[idx[i]] = r->names[i].addr;
		else
			snprintf(addrs[idx[i]].why, sizeof(addrs[0].why),
				 "resolving %.100s took longer than %.0f ms", r->names[i].host, bound_ms);
	}
	finished = r->finished;
	r->abandoned = !finished;
	pthread_mutex_unlock(&r->lock);
	return finished;
}

/* resolve_names - look up the rows idx[0..n) (host names, not IP literals)
 * for at most bound_ms in all. */
static void resolve_names(struct probe_addr *addrs, const struct probe_row *rows,
			  const size_t *idx, size_t n, double bound_ms)
{
	struct resolver *r = n > 0 ? resolver_new(rows, idx, n) : NULL;
	pthread_t t;

	if (r == NULL)
		return;  /* resolve() says "cannot resolve" for each */
	if (pthread_create(&t, NULL, resolver_main, r) != 0) {
		resolver_free(r);
		return;
	}
	if (resolver_wait(r, addrs, idx, bound_ms)) {
		pthread_join(t, NULL);
		resolver_free(r);
	} else {
		pthread_detach(t);  /* r is the thread's now */
	}
}

/* resolve - every row's address: IP literals at once, names in the
 * background within bound_ms. */
static void resolve(struct probe_addr *addrs, struct probe_row *rows, size_t n, double bound_ms)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	size_t names[PROBE_MAX_TARGETS], k = 0;
	struct addrinfo *ai;
	char port[8];

	for (size_t i = 0; i < n; i++) {
		snprintf(port, sizeof(port), "%d", rows[i].target.port);
		if (getaddrinfo(rows[i].target.host, port, &hints, &ai) != 0) {
			names[k++] = i;
			continue;
		}
		addr_take(&addrs[i], ai);
		freeaddrinfo(ai);
	}
	resolve_names(addrs, rows, names, k, bound_ms);
	for (size_t i = 0; i < n; i++) {
		addr_format(&addrs[i], &rows[i]);
		if (addrs[i].len == 0 && addrs[i].why[0] == '\0')
			snprintf(addrs[i].why, sizeof(addrs[i].why), "cannot resolve %s",
				 rows[i].target.host);
	}
}

/* cells_init - one cell per row and requested version, in row order. */
static void cells_init(struct engine *e, struct probe_row *rows, size_t n, unsigned versions)
{
	for (size_t i = 0; i < n; i++) {
		rows[i].versions = versions;
		rows[i].lowest = TLSVER_NONE;
		for (int v = 0; v < TLSVER_COUNT; v++) {
			struct cell *c = &e->cells[e->ncells];

			if (!(versions & (1u << v)))
				continue;
			c->row = &rows[i];
			c->addr = &e->addrs[i];
			c->version = v;
			c->fd = -1;
			e->ncells++;
		}
	}
}

/* summarize - per row the lowest accepted version; the counts. */
static void summarize(struct probe_result *res)
{
	for (size_t i = 0; i < res->nrows; i++) {
		struct probe_row *row = &res->rows[i];

		for (int v = TLSVER_COUNT - 1; v >= 0; v--) {
			if (!(row->versions & (1u << v)))
				continue;
			res->handshakes++;
			if (row->cells[v].reason == PROBE_ACCEPTED) {
				res->accepted++;
				row->lowest = v;
			}
		}
	}
}

/* check_args - the limits probe_run promises to keep. */
static int check_args(size_t n, const struct probe_opts *opts, struct mt_err *err)
{
	if (n > PROBE_MAX_TARGETS) {
		mt_err_set(err, "bad_request", "%zu endpoint addresses to probe: at most %d", n,
			   PROBE_MAX_TARGETS);
		return -1;
	}
	if (opts->timeout_ms <= 0 || opts->deadline_ms <= 0 || opts->versions >= (1u << TLSVER_COUNT)) {
		mt_err_set(err, "bad_request", "probe timeouts must be positive");
		return -1;
	}
	return 0;
}

int probe_run(const struct probe_target *targets, size_t n, const struct probe_opts *opts,
	      struct probe_result *res, struct mt_err *err)
{
	unsigned versions = opts->versions != 0 ? opts->versions : (1u << TLSVER_COUNT) - 1;
	double start = now_ms();
	struct engine e = { .timeout_ms = opts->timeout_ms };
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (check_args(n, opts, err) != 0)
		return -1;
	e.deadline = start + opts->deadline_ms;
	res->rows = calloc(n + 1, sizeof(*res->rows));
	e.addrs = calloc(n + 1, sizeof(*e.addrs));
	e.cells = calloc(n * TLSVER_COUNT + 1, sizeof(*e.cells));
	if (res->rows == NULL || e.addrs == NULL || e.cells == NULL) {
		mt_err_set(err, "internal", "out of memory for the probe");
		goto out;
	}
	for (int v = 0; v < TLSVER_COUNT; v++)
		if ((e.ctx[v] = ctx_new(v)) == NULL) {
			ERR_clear_error();
			mt_err_set(err, "internal", "cannot create an OpenSSL client context for %s",
				   tlsver_name(v));
			goto out;
		}
	res->nrows = n;
	for (size_t i = 0; i < n; i++)
		res->rows[i].target = targets[i];
	resolve(e.addrs, res->rows, n, opts->timeout_ms < opts->deadline_ms ? opts->timeout_ms
									  : opts->deadline_ms);
	cells_init(&e, res->rows, n, versions);
	engine_loop(&e);
	summarize(res);
	res->ms = now_ms() - start;
	rc = 0;
out:
	for (int v = 0; v < TLSVER_COUNT; v++)
		SSL_CTX_free(e.ctx[v]);
	free(e.addrs);
	free(e.cells);
	if (rc != 0)
		probe_result_free(res);
	return rc;
}
