/*
 * test_probe.c - the probe engine's pure parts, table-driven: the bounded
 * line reader, SMTP reply lines, the STARTTLS dialogues of SMTP, IMAP and
 * POP3, the mapping of OpenSSL and socket errors to reasons, the endpoint
 * table and the result accessors; then a few loopback cases of the engine
 * itself (refused, silent peer, deadline, name resolution, limits).
 *
 * The dialogue cases follow what Postfix 3.7, Dovecot 2.3 and Courier 5.0
 * send (tests/sandbox); every row names what it proves. Live handshakes
 * against real TLS servers are tests/probe/test-probe's job.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "probe.h"

/* ------------------------------------------------------------ line reader */

#define MAX_CHUNKS 6
#define MAX_LINES 4

struct lines_case {
	const char *why;
	struct {
		const char *data;
		size_t len;        /* 0: strlen(data) */
	} chunks[MAX_CHUNKS];
	const char *lines[MAX_LINES];
	int end;               /* what probe_lines_next says at the end: 0 or -1 */
	size_t left;           /* bytes still held */
};

static const struct lines_case lines_cases[] = {
	{ "one line, CR LF stripped", { { "220 hi\r\n", 0 } }, { "220 hi" }, 0, 0 },
	{ "LF alone ends a line", { { "a\n", 0 } }, { "a" }, 0, 0 },
	{ "a line split over four reads", { { "22", 0 }, { "0 h", 0 }, { "i\r", 0 }, { "\n", 0 } },
	  { "220 hi" }, 0, 0 },
	{ "two lines in one read", { { "a\r\nb\r\n", 0 } }, { "a", "b" }, 0, 0 },
	{ "an incomplete line stays", { { "a\r\nbc", 0 } }, { "a" }, 0, 2 },
	{ "a CR inside a line is kept", { { "a\rb\n", 0 } }, { "a\rb" }, 0, 0 },
	{ "a NUL byte becomes ?", { { "a\0b\n", 4 } }, { "a?b" }, 0, 0 },
	{ "an empty line", { { "\r\n", 0 } }, { "" }, 0, 0 },
	{ "nothing yet", { { "", 0 } }, { NULL }, 0, 0 },
};

/* feed - append a chunk to lr (it must fit). */
static void feed(struct probe_lines *lr, const char *data, size_t len)
{
	size_t room;
	char *p = probe_lines_space(lr, &room);

	assert_true(len <= room);
	memcpy(p, data, len);
	probe_lines_added(lr, len);
}

static void test_lines_table(void **state)
{
	char line[PROBE_LINE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(lines_cases) / sizeof(lines_cases[0]); i++) {
		const struct lines_case *c = &lines_cases[i];
		struct probe_lines lr = { .len = 0 };
		size_t k = 0;

		print_message("  %s\n", c->why);
		for (size_t j = 0; j < MAX_CHUNKS && c->chunks[j].data != NULL; j++)
			feed(&lr, c->chunks[j].data,
			     c->chunks[j].len ? c->chunks[j].len : strlen(c->chunks[j].data));
		while (probe_lines_next(&lr, line, sizeof(line)) == 1) {
			assert_true(k < MAX_LINES && c->lines[k] != NULL);
			assert_string_equal(line, c->lines[k++]);
		}
		assert_true(k == MAX_LINES || c->lines[k] == NULL);
		assert_int_equal(probe_lines_next(&lr, line, sizeof(line)), c->end);
		assert_int_equal(lr.len, c->left);
	}
}

static void test_lines_limit(void **state)
{
	static char buf[PROBE_LINE_MAX];
	char line[PROBE_LINE_MAX + 1];
	struct probe_lines lr = { .len = 0 };
	size_t room;

	(void)state;
	/* The longest line that fits: PROBE_LINE_MAX bytes with its LF. */
	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	feed(&lr, buf, sizeof(buf));
	assert_int_equal(probe_lines_next(&lr, line, sizeof(line)), 1);
	assert_int_equal(strlen(line), PROBE_LINE_MAX - 1);
	/* One byte more without a newline: too long, and no room to read on. */
	memset(buf, 'x', sizeof(buf));
	feed(&lr, buf, sizeof(buf));
	assert_int_equal(probe_lines_next(&lr, line, sizeof(line)), -1);
	probe_lines_space(&lr, &room);
	assert_int_equal(room, 0);
	assert_int_equal(lr.total, 2 * PROBE_LINE_MAX);
}

/* ------------------------------------------------------ SMTP reply lines */

struct smtp_case {
	const char *line;
	int rc, code, last;
	const char *text;
};

static const struct smtp_case smtp_cases[] = {
	{ "250-PIPELINING", 0, 250, 0, "PIPELINING" },
	{ "250 CHUNKING", 0, 250, 1, "CHUNKING" },
	{ "220", 0, 220, 1, "" },
	{ "220-", 0, 220, 0, "" },
	{ "454 4.7.0 TLS not available due to local problem", 0, 454, 1,
	  "4.7.0 TLS not available due to local problem" },
	{ "2201 x", -1, 0, 0, NULL },
	{ "25", -1, 0, 0, NULL },
	{ "abc def", -1, 0, 0, NULL },
	{ "199 below the range", -1, 0, 0, NULL },
	{ "600 above the range", -1, 0, 0, NULL },
	{ "250\tTAB is no separator", -1, 0, 0, NULL },
	{ "", -1, 0, 0, NULL },
};

static void test_smtp_reply_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(smtp_cases) / sizeof(smtp_cases[0]); i++) {
		const struct smtp_case *c = &smtp_cases[i];
		const char *text = NULL;
		int code = 0, last = 0;

		print_message("  \"%s\"\n", c->line);
		assert_int_equal(probe_smtp_reply(c->line, &code, &last, &text), c->rc);
		if (c->rc != 0)
			continue;
		assert_int_equal(code, c->code);
		assert_int_equal(last, c->last);
		assert_string_equal(text, c->text);
	}
}

/* ------------------------------------------------------------- dialogues */

#define MAX_STEPS 8

struct step {
	const char *line;      /* what the server says */
	int rc;                /* PROBE_DLG_* */
	const char *send;      /* PROBE_DLG_SEND: the command */
};

struct dialogue_case {
	const char *why;
	enum probe_mode mode;
	struct step steps[MAX_STEPS];
	int reason;            /* the last step was PROBE_DLG_FAIL: why */
};

#define EHLO "EHLO mail-tls-probe\r\n"
#define STARTTLS "STARTTLS\r\n"
#define A_STARTTLS "a STARTTLS\r\n"
#define STLS "STLS\r\n"
#define MORE(l) { l, PROBE_DLG_MORE, NULL }
#define SEND(l, s) { l, PROBE_DLG_SEND, s }
#define TLS(l) { l, PROBE_DLG_TLS, NULL }
#define FAIL(l) { l, PROBE_DLG_FAIL, NULL }

static const struct dialogue_case dialogue_cases[] = {
	{ "Postfix: greeting, EHLO with STARTTLS, 220",
	  PROBE_STARTTLS_SMTP,
	  { SEND("220 mail.test ESMTP Postfix (Debian/GNU)", EHLO), MORE("250-mail.test"),
	    MORE("250-PIPELINING"), MORE("250-SIZE 10240000"), MORE("250-STARTTLS"),
	    SEND("250 CHUNKING", STARTTLS), TLS("220 2.0.0 Ready to start TLS") }, PROBE_ACCEPTED },
	{ "multi-line greeting", PROBE_STARTTLS_SMTP,
	  { MORE("220-mail.test first"), SEND("220 second", EHLO), MORE("250-mail.test"),
	    SEND("250 STARTTLS", STARTTLS), TLS("220 go ahead") }, PROBE_ACCEPTED },
	{ "keywords are case-insensitive", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), MORE("250-x"), SEND("250 starttls", STARTTLS), TLS("220 ok") },
	  PROBE_ACCEPTED },
	{ "no STARTTLS in the EHLO reply", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), MORE("250-x"), MORE("250-PIPELINING"), FAIL("250 SIZE 1000") },
	  PROBE_STARTTLS_NOT_OFFERED },
	{ "the first EHLO line is the server's name, not a keyword", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), FAIL("250 STARTTLS") }, PROBE_STARTTLS_NOT_OFFERED },
	{ "a longer word is not the keyword", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), MORE("250-x"), FAIL("250 STARTTLSX") }, PROBE_STARTTLS_NOT_OFFERED },
	{ "STARTTLS answered 454 (Postfix with a broken TLS setup, FACTS §7)", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), MORE("250-x"), SEND("250 STARTTLS", STARTTLS),
	    FAIL("454 4.7.0 TLS not available due to local problem") },
	  PROBE_STARTTLS_REFUSED },
	{ "a 554 greeting", PROBE_STARTTLS_SMTP, { FAIL("554 no SMTP service here") },
	  PROBE_PROTOCOL_ERROR },
	{ "an IMAP greeting on an SMTP port", PROBE_STARTTLS_SMTP, { FAIL("* OK IMAP ready") },
	  PROBE_PROTOCOL_ERROR },
	{ "the code changes inside a reply", PROBE_STARTTLS_SMTP,
	  { SEND("220 x", EHLO), MORE("250-x"), FAIL("251 y") }, PROBE_PROTOCOL_ERROR },
	{ "EHLO refused", PROBE_STARTTLS_SMTP, { SEND("220 x", EHLO), FAIL("502 5.5.2 Error") },
	  PROBE_PROTOCOL_ERROR },
	{ "Dovecot IMAP", PROBE_STARTTLS_IMAP,
	  { SEND("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
		 "STARTTLS AUTH=PLAIN] Dovecot ready.",
		 A_STARTTLS),
	    TLS("a OK Begin TLS negotiation now.") }, PROBE_ACCEPTED },
	{ "untagged lines before the tagged reply", PROBE_STARTTLS_IMAP,
	  { SEND("* OK ready", A_STARTTLS), MORE("* CAPABILITY IMAP4rev1 STARTTLS"), TLS("a OK") },
	  PROBE_ACCEPTED },
	{ "greeting in lower case", PROBE_STARTTLS_IMAP, { SEND("* ok hi", A_STARTTLS), TLS("a ok") },
	  PROBE_ACCEPTED },
	{ "a NO to STARTTLS", PROBE_STARTTLS_IMAP,
	  { SEND("* OK ready", A_STARTTLS), FAIL("a NO STARTTLS disabled") }, PROBE_STARTTLS_REFUSED },
	{ "a BAD to STARTTLS", PROBE_STARTTLS_IMAP,
	  { SEND("* OK ready", A_STARTTLS), FAIL("a BAD unknown command") }, PROBE_STARTTLS_REFUSED },
	{ "a BYE greeting", PROBE_STARTTLS_IMAP, { FAIL("* BYE too many connections") },
	  PROBE_PROTOCOL_ERROR },
	{ "a POP3 greeting on an IMAP port", PROBE_STARTTLS_IMAP, { FAIL("+OK ready") },
	  PROBE_PROTOCOL_ERROR },
	{ "a continuation instead of a reply", PROBE_STARTTLS_IMAP,
	  { SEND("* OK ready", A_STARTTLS), FAIL("+ go on") }, PROBE_PROTOCOL_ERROR },
	{ "Dovecot POP3", PROBE_STARTTLS_POP3,
	  { SEND("+OK Dovecot ready.", STLS), TLS("+OK Begin TLS negotiation now.") },
	  PROBE_ACCEPTED },
	{ "Courier POP3", PROBE_STARTTLS_POP3,
	  { SEND("+OK Hello there.", STLS), TLS("+OK Begin SSL/TLS negotiation now.") },
	  PROBE_ACCEPTED },
	{ "-ERR to STLS", PROBE_STARTTLS_POP3,
	  { SEND("+OK ready", STLS), FAIL("-ERR Command not permitted") }, PROBE_STARTTLS_REFUSED },
	{ "-ERR greeting", PROBE_STARTTLS_POP3, { FAIL("-ERR go away") }, PROBE_PROTOCOL_ERROR },
	{ "+OKAY is no +OK", PROBE_STARTTLS_POP3, { FAIL("+OKAY") }, PROBE_PROTOCOL_ERROR },
	{ "garbage reply to STLS", PROBE_STARTTLS_POP3, { SEND("+OK", STLS), FAIL("what?") },
	  PROBE_PROTOCOL_ERROR },
	{ "text after the STARTTLS reply", PROBE_STARTTLS_POP3,
	  { SEND("+OK", STLS), TLS("+OK"), FAIL("+OK injected") }, PROBE_PROTOCOL_ERROR },
	{ "no dialogue on an implicit TLS port", PROBE_IMPLICIT, { FAIL("220 x") },
	  PROBE_PROTOCOL_ERROR },
};

static void run_dialogue(const struct dialogue_case *c)
{
	struct probe_dialogue d;
	const char *send;
	int rc = PROBE_DLG_MORE;

	probe_dialogue_init(&d, c->mode);
	for (size_t j = 0; j < MAX_STEPS && c->steps[j].line != NULL; j++) {
		rc = probe_dialogue_line(&d, c->steps[j].line, &send);
		print_message("    S: %s -> %d\n", c->steps[j].line, rc);
		assert_int_equal(rc, c->steps[j].rc);
		if (rc == PROBE_DLG_SEND)
			assert_string_equal(send, c->steps[j].send);
		else
			assert_null(send);
	}
	if (rc == PROBE_DLG_FAIL) {
		assert_int_equal(d.reason, c->reason);
		assert_true(d.detail[0] != '\0');
	}
}

static void test_dialogue_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dialogue_cases) / sizeof(dialogue_cases[0]); i++) {
		print_message("  %s\n", dialogue_cases[i].why);
		run_dialogue(&dialogue_cases[i]);
	}
}

static void test_dialogue_detail_cleaned(void **state)
{
	struct probe_dialogue d;
	const char *send;

	(void)state;
	probe_dialogue_init(&d, PROBE_STARTTLS_SMTP);
	/* Not UTF-8 from the peer: the detail can still become a JSON string. */
	assert_int_equal(probe_dialogue_line(&d, "554 \xff\xfe bad", &send), PROBE_DLG_FAIL);
	assert_string_equal(d.detail, "greeting: 554 ?? bad");
}

/* --------------------------------------------------------- classification */

#define SSLERR(r) ERR_PACK(ERR_LIB_SSL, 0, (r))

struct ssl_case {
	const char *why;
	int ssl_error;
	unsigned long e;
	int sys_errno;
	int reason;
	const char *name;      /* as the reply writes it */
};

static const struct ssl_case ssl_cases[] = {
	{ "alert 70 received", SSL_ERROR_SSL, SSLERR(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION), 0,
	  PROBE_PROTOCOL_VERSION, "protocol_version" },
	{ "alert 40 received", SSL_ERROR_SSL, SSLERR(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE), 0,
	  PROBE_HANDSHAKE_FAILURE, "handshake_failure" },
	{ "alert 80 received", SSL_ERROR_SSL, SSLERR(SSL_R_TLSV1_ALERT_INTERNAL_ERROR), 0, PROBE_ALERT,
	  "alert:internal_error" },
	{ "alert 112 received", SSL_ERROR_SSL, SSLERR(SSL_R_TLSV1_UNRECOGNIZED_NAME), 0, PROBE_ALERT,
	  "alert:unrecognized_name" },
	{ "an alert without a name", SSL_ERROR_SSL, SSLERR(SSL_AD_REASON_OFFSET + 200), 0,
	  PROBE_ALERT, "alert:200" },
	{ "plaintext answer", SSL_ERROR_SSL, SSLERR(SSL_R_WRONG_VERSION_NUMBER), 0, PROBE_NOT_TLS,
	  "not_tls" },
	{ "an HTTP server", SSL_ERROR_SSL, SSLERR(SSL_R_HTTP_REQUEST), 0, PROBE_NOT_TLS, "not_tls" },
	{ "a huge record", SSL_ERROR_SSL, SSLERR(SSL_R_PACKET_LENGTH_TOO_LONG), 0, PROBE_NOT_TLS,
	  "not_tls" },
	{ "the server chose another version", SSL_ERROR_SSL, SSLERR(SSL_R_UNSUPPORTED_PROTOCOL), 0,
	  PROBE_PROTOCOL_VERSION, "protocol_version" },
	{ "OpenSSL 3 unexpected EOF (Dovecot, Courier)", SSL_ERROR_SSL,
	  SSLERR(SSL_R_UNEXPECTED_EOF_WHILE_READING), 0, PROBE_CLOSED, "closed" },
	{ "EOF as a syscall error", SSL_ERROR_SYSCALL, 0, 0, PROBE_CLOSED, "closed" },
	{ "reset", SSL_ERROR_SYSCALL, 0, ECONNRESET, PROBE_CLOSED, "closed" },
	{ "another socket error", SSL_ERROR_SYSCALL, 0, EHOSTUNREACH, PROBE_TLS_ERROR, "tls_error" },
	{ "close_notify", SSL_ERROR_ZERO_RETURN, 0, 0, PROBE_CLOSED, "closed" },
	{ "no shared cipher on our side", SSL_ERROR_SSL, SSLERR(SSL_R_NO_CIPHERS_AVAILABLE), 0,
	  PROBE_TLS_ERROR, "tls_error" },
	{ "not an SSL library error", SSL_ERROR_SSL, ERR_PACK(ERR_LIB_EVP, 0, 1), 0, PROBE_TLS_ERROR,
	  "tls_error" },
	{ "an error without a code", SSL_ERROR_SSL, 0, 0, PROBE_TLS_ERROR, "tls_error" },
};

static void test_classify_ssl_table(void **state)
{
	char detail[PROBE_DETAIL_MAX], name[PROBE_REASON_MAX];
	struct probe_cell cell;

	(void)state;
	for (size_t i = 0; i < sizeof(ssl_cases) / sizeof(ssl_cases[0]); i++) {
		const struct ssl_case *c = &ssl_cases[i];

		print_message("  %s\n", c->why);
		memset(&cell, 0, sizeof(cell));
		cell.reason = probe_classify_ssl(c->ssl_error, c->e, c->sys_errno, &cell.alert, detail,
						 sizeof(detail));
		assert_int_equal(cell.reason, c->reason);
		assert_string_equal(probe_cell_reason(&cell, name, sizeof(name)), c->name);
		assert_true(detail[0] != '\0');
	}
}

static void test_classify_connect(void **state)
{
	(void)state;
	assert_int_equal(probe_classify_connect(ECONNREFUSED), PROBE_CONNECTION_REFUSED);
	assert_int_equal(probe_classify_connect(ENETUNREACH), PROBE_UNREACHABLE);
	assert_int_equal(probe_classify_connect(EHOSTUNREACH), PROBE_UNREACHABLE);
	assert_int_equal(probe_classify_connect(EADDRNOTAVAIL), PROBE_UNREACHABLE);
	assert_int_equal(probe_classify_connect(ETIMEDOUT), PROBE_TIMEOUT);
	assert_int_equal(probe_classify_connect(ECONNRESET), PROBE_CLOSED);
}

static void test_reason_names(void **state)
{
	static const char *const names[PROBE_REASON_COUNT] = {
		"accepted",    "protocol_version",     "handshake_failure", "alert",
		"connection_refused", "unreachable",   "timeout",           "starttls_not_offered",
		"starttls_refused",   "protocol_error", "not_tls",          "closed",
		"tls_error",
	};

	(void)state;
	for (int r = 0; r < PROBE_REASON_COUNT; r++)
		assert_string_equal(probe_reason_name(r), names[r]);
	assert_string_equal(probe_reason_name(PROBE_REASON_COUNT), "invalid");
	assert_string_equal(probe_reason_name(-1), "invalid");
}

/* --------------------------------------------------------- endpoint table */

static void test_endpoint_modes(void **state)
{
	static const struct {
		const char *name;
		int mode;
	} cases[] = {
		{ "postfix/smtp", PROBE_STARTTLS_SMTP },  { "postfix/submission", PROBE_STARTTLS_SMTP },
		{ "postfix/smtps", PROBE_IMPLICIT },       { "dovecot/imap", PROBE_STARTTLS_IMAP },
		{ "dovecot/imaps", PROBE_IMPLICIT },       { "dovecot/pop3", PROBE_STARTTLS_POP3 },
		{ "dovecot/pop3s", PROBE_IMPLICIT },       { "courier/imap", PROBE_STARTTLS_IMAP },
		{ "courier/imaps", PROBE_IMPLICIT },       { "courier/pop3", PROBE_STARTTLS_POP3 },
		{ "courier/pop3s", PROBE_IMPLICIT },       { "postfix/outbound", -1 },
		{ "dovecot", -1 },                         { "qmail/smtp", -1 },
		{ "", -1 },                                { "Dovecot/imaps", -1 },
	};
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(probe_mode_of(cases[i].name), cases[i].mode);
	while (probe_endpoint_at(n) != NULL)
		assert_int_not_equal(probe_mode_of(probe_endpoint_at(n++)), -1);
	assert_int_equal(n, 11);
	assert_string_equal(probe_endpoint_at(0), "postfix/smtp");
}

/* ------------------------------------------------------ result accessors */

/* row - a row of endpoint whose versions from lowest on are accepted
 * (lowest TLSVER_NONE: none), all four probed. */
static void row(struct probe_row *r, const char *endpoint, const char *host, int lowest,
		int refusal)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->target.endpoint, sizeof(r->target.endpoint), "%s", endpoint);
	snprintf(r->target.host, sizeof(r->target.host), "%s", host);
	r->target.port = 993;
	r->versions = (1u << TLSVER_COUNT) - 1;
	r->lowest = lowest;
	for (int v = 0; v < TLSVER_COUNT; v++)
		r->cells[v].reason = lowest != TLSVER_NONE && v >= lowest ? PROBE_ACCEPTED : refusal;
}

static void test_accessors(void **state)
{
	struct probe_row rows[4];
	struct probe_result r = { rows, 4, 16, 0, 1.0 };
	char why[256];

	(void)state;
	row(&rows[0], "dovecot/imaps", "127.0.0.1", TLSVER_1_2, PROBE_PROTOCOL_VERSION);
	row(&rows[1], "dovecot/imaps", "::1", TLSVER_1_1, PROBE_PROTOCOL_VERSION);
	row(&rows[2], "postfix/smtp", "127.0.0.1", TLSVER_NONE, PROBE_TIMEOUT);
	row(&rows[3], "dovecot/pop3s", "127.0.0.1", TLSVER_1_3, PROBE_HANDSHAKE_FAILURE);
	/* The lowest over every host of an endpoint. */
	assert_int_equal(probe_lowest(&r, "dovecot/imaps"), TLSVER_1_1);
	assert_int_equal(probe_lowest(&r, "postfix/smtp"), TLSVER_NONE);
	assert_int_equal(probe_lowest(&r, "courier/imaps"), PROBE_NOT_PROBED);
	/* A floor holds only when it holds on every host. */
	assert_int_equal(probe_check_floor(&r, "dovecot/pop3s", TLSVER_1_3, why, sizeof(why)), 0);
	assert_int_equal(probe_check_floor(&r, "dovecot/imaps", TLSVER_1_2, why, sizeof(why)), 1);
	assert_string_equal(why, "dovecot/imaps ::1:993 accepts TLSv1.1 below the floor TLSv1.2");
	assert_int_equal(probe_check_floor(&r, "dovecot/pop3s", TLSVER_1_2, why, sizeof(why)), 1);
	assert_string_equal(why, "dovecot/pop3s 127.0.0.1:993 refuses TLSv1.2 (handshake_failure), "
				 "at or above the floor TLSv1.2");
	/* A timeout is a refusal: an endpoint that does not answer fails its floor. */
	assert_int_equal(probe_check_floor(&r, "postfix/smtp", TLSVER_1_2, why, sizeof(why)), 1);
	assert_int_equal(probe_check_floor(&r, "postfix/smtp", TLSVER_NONE, why, sizeof(why)), 0);
	/* "none" as tlsver_parse reads it: TLS unavailable, every version refused. */
	assert_int_equal(probe_check_floor(&r, "postfix/smtp", tlsver_parse("none"), why, sizeof(why)), 0);
	assert_int_equal(probe_check_floor(&r, "dovecot/pop3s", tlsver_parse("none"), why, sizeof(why)), 1);
	assert_string_equal(why, "dovecot/pop3s 127.0.0.1:993 accepts TLSv1.3 below the floor none");
	assert_int_equal(probe_check_floor(&r, "courier/imaps", TLSVER_1_2, why, sizeof(why)), -1);
}

/* ------------------------------------------------------- engine, loopback */

/* listener - a TCP socket on 127.0.0.1 listening (never accepting), or
 * closed again when listening is 0; *port gets its port. */
static int listener(int listening, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	if (listening) {
		assert_int_equal(listen(fd, 16), 0);
		return fd;
	}
	close(fd);
	return -1;
}

static struct probe_target target(const char *host, int port, enum probe_mode mode)
{
	struct probe_target t = { .port = port, .mode = mode };

	snprintf(t.endpoint, sizeof(t.endpoint), "%s",
		 mode == PROBE_IMPLICIT ? "dovecot/imaps" : "postfix/smtp");
	snprintf(t.host, sizeof(t.host), "%s", host);
	return t;
}

/* all_cells - every probed cell of every row has this reason. */
static void all_cells(const struct probe_result *r, int reason)
{
	for (size_t i = 0; i < r->nrows; i++)
		for (int v = 0; v < TLSVER_COUNT; v++)
			if (r->rows[i].versions & (1u << v))
				assert_int_equal(r->rows[i].cells[v].reason, reason);
}

static void test_engine_refused(void **state)
{
	struct probe_opts opts = { 0, 1000, 2000 };
	struct mt_err err = { 0 };
	struct probe_result r;
	struct probe_target t;
	int port;

	(void)state;
	listener(0, &port);
	t = target("127.0.0.1", port, PROBE_IMPLICIT);
	assert_int_equal(probe_run(&t, 1, &opts, &r, &err), 0);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.handshakes, 4);
	assert_int_equal(r.accepted, 0);
	all_cells(&r, PROBE_CONNECTION_REFUSED);
	assert_int_equal(r.rows[0].lowest, TLSVER_NONE);
	assert_int_equal(r.rows[0].cert.present, 0);
	probe_result_free(&r);
}

static void test_engine_silent_peer(void **state)
{
	struct probe_opts opts = { 1u << TLSVER_1_2, 200, 5000 };
	struct mt_err err = { 0 };
	struct probe_target t[2];
	struct probe_result r;
	int port, fd = listener(1, &port);

	(void)state;
	/* The kernel completes the connection; nobody ever speaks. */
	t[0] = target("127.0.0.1", port, PROBE_IMPLICIT);
	t[1] = target("127.0.0.1", port, PROBE_STARTTLS_SMTP);
	assert_int_equal(probe_run(t, 2, &opts, &r, &err), 0);
	assert_int_equal(r.handshakes, 2);
	all_cells(&r, PROBE_TIMEOUT);
	assert_string_equal(r.rows[0].cells[TLSVER_1_2].detail, "the TLS handshake did not complete");
	assert_string_equal(r.rows[1].cells[TLSVER_1_2].detail, "no complete greeting");
	assert_true(r.rows[0].cells[TLSVER_1_2].ms >= 199.0);
	assert_true(r.ms < 2000.0);
	probe_result_free(&r);
	close(fd);
}

static void test_engine_deadline(void **state)
{
	struct probe_opts opts = { 0, 60000, 300 };
	struct mt_err err = { 0 };
	struct probe_target t[PROBE_MAX_TARGETS];
	struct probe_result r;
	int port, fd = listener(1, &port);

	(void)state;
	/* More cells than sockets may be open at once: some never start. */
	for (size_t i = 0; i < PROBE_MAX_TARGETS; i++)
		t[i] = target("127.0.0.1", port, PROBE_IMPLICIT);
	assert_int_equal(probe_run(t, PROBE_MAX_TARGETS, &opts, &r, &err), 0);
	assert_int_equal(r.handshakes, PROBE_MAX_CELLS);
	all_cells(&r, PROBE_TIMEOUT);
	assert_true(r.ms >= 299.0 && r.ms < 2000.0);
	assert_string_equal(r.rows[PROBE_MAX_TARGETS - 1].cells[TLSVER_1_3].detail,
			    "not started before the probe's deadline");
	probe_result_free(&r);
	close(fd);
}

static void test_engine_names(void **state)
{
	struct probe_opts opts = { 1u << TLSVER_1_2, 1000, 2000 };
	struct mt_err err = { 0 };
	struct probe_target t[2];
	struct probe_result r;
	int port;

	(void)state;
	listener(0, &port);
	t[0] = target("localhost", port, PROBE_IMPLICIT);
	t[1] = target("no-such-host.invalid", port, PROBE_IMPLICIT);
	assert_int_equal(probe_run(t, 2, &opts, &r, &err), 0);
	/* localhost resolved (to 127.0.0.1 or ::1), and nothing listens there. */
	assert_true(r.rows[0].address[0] != '\0');
	assert_int_equal(r.rows[0].cells[TLSVER_1_2].reason, PROBE_CONNECTION_REFUSED);
	assert_int_equal(r.rows[1].cells[TLSVER_1_2].reason, PROBE_UNREACHABLE);
	assert_string_equal(r.rows[1].address, "");
	assert_true(r.ms < 3000.0);
	probe_result_free(&r);
}

static void test_engine_limits(void **state)
{
	static struct probe_target t[PROBE_MAX_TARGETS + 1];
	struct probe_opts opts = { 0, 1000, 2000 }, zero = { 0, 0, 2000 };
	struct mt_err err = { 0 };
	struct probe_result r;

	(void)state;
	assert_int_equal(probe_run(t, PROBE_MAX_TARGETS + 1, &opts, &r, &err), -1);
	assert_string_equal(err.code, "bad_request");
	assert_null(r.rows);
	assert_int_equal(probe_run(t, 1, &zero, &r, &err), -1);
	assert_int_equal(probe_run(t, 0, &opts, &r, &err), 0);
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.handshakes, 0);
	probe_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_table),
		cmocka_unit_test(test_lines_limit),
		cmocka_unit_test(test_smtp_reply_table),
		cmocka_unit_test(test_dialogue_table),
		cmocka_unit_test(test_dialogue_detail_cleaned),
		cmocka_unit_test(test_classify_ssl_table),
		cmocka_unit_test(test_classify_connect),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_endpoint_modes),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_engine_refused),
		cmocka_unit_test(test_engine_silent_peer),
		cmocka_unit_test(test_engine_deadline),
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_engine_limits),
	};

	/* As in the helper (hygiene_init): a peer's reset must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
