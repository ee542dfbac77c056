/*
 * probe.h - live TLS handshakes: which versions each port of the profile
 * really accepts (DESIGN.md §3 "Probe", FACTS.md G3-G6, G13, G14).
 *
 * The engine (probe.c) takes a list of targets (endpoint, host, port, SNI,
 * STARTTLS mode) and runs every target x version handshake at once in one
 * thread: non-blocking sockets and poll(), a timeout per handshake and a
 * deadline for the whole probe (CLOCK_MONOTONIC), one OpenSSL client context
 * per version with min = max version and security level 0 (OpenSSL 3 offers
 * TLS 1.0/1.1 only so: FACTS.md G13), SNI, no certificate verification (the
 * probe reports the certificate, it does not judge it). A version counts as
 * accepted only when the handshake completed and SSL_version() says that
 * version. The engine never builds JSON and never reads the profile.
 *
 * act_probe.c adds the profile side (targets come only from the profile,
 * never from a request: the helper must not become a port scanner) and the
 * JSON; those functions are declared at the end of this header so that `set`
 * verify and `status` live can use them.
 *
 * Ownership: a struct probe_result owns its rows; probe_result_free
 * releases them. Every other pointer a function returns is borrowed or
 * static, as its comment says.
 *
 * The caller must ignore SIGPIPE (the helper does: hygiene_init): OpenSSL
 * writes to a socket the peer may have reset. Host names that are not IP
 * literals are resolved by a short-lived thread so that the wait has a
 * bound; a lookup that outlives it is abandoned to the end of the process.
 */
#ifndef MT_PROBE_H
#define MT_PROBE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "profile.h"
#include "tlsver.h"

#define PROBE_MAX_TARGETS 96        /* endpoint x host rows: 11 endpoints x 8 hosts fit */
#define PROBE_MAX_CELLS (PROBE_MAX_TARGETS * TLSVER_COUNT)
#define PROBE_MAX_OPEN 64           /* sockets open at once */
#define PROBE_PER_PORT 2            /* of them to one endpoint and host (Courier MAXPERIP) */
#define PROBE_LINE_MAX 1024         /* one STARTTLS dialogue line, CRLF included: SMTP's limit
				     * is 512, IMAP has none and real greetings reach ~250 */
#define PROBE_DIALOGUE_MAX 16384    /* plaintext bytes before TLS, per handshake */
#define PROBE_MAX_SAN 16
#define PROBE_DETAIL_MAX 160
#define PROBE_REASON_MAX 48
#define PROBE_TIMEOUT_DEFAULT 3000  /* ms per handshake */
#define PROBE_DEADLINE_DEFAULT 10000 /* ms for the whole probe */
#define PROBE_NOT_PROBED (-10)      /* probe_lowest: the endpoint is not in the result */

enum probe_mode {
	PROBE_IMPLICIT,        /* TLS from the first byte (smtps, imaps, pop3s) */
	PROBE_STARTTLS_SMTP,   /* 220, EHLO, STARTTLS advertised, STARTTLS, 220 */
	PROBE_STARTTLS_IMAP,   /* * OK, a STARTTLS, a OK */
	PROBE_STARTTLS_POP3    /* +OK, STLS, +OK */
};

/* Why a cell was not accepted. Names (probe_reason_name) are stable. */
enum probe_reason {
	PROBE_ACCEPTED = 0,
	PROBE_PROTOCOL_VERSION,     /* alert 70 received, or the server chose another version */
	PROBE_HANDSHAKE_FAILURE,    /* alert 40 received */
	PROBE_ALERT,                /* another alert: "alert:<description>" */
	PROBE_CONNECTION_REFUSED,
	PROBE_UNREACHABLE,          /* connect failed otherwise, or the host name did not resolve */
	PROBE_TIMEOUT,              /* the handshake's timeout or the probe's deadline passed */
	PROBE_STARTTLS_NOT_OFFERED, /* the EHLO reply lists no STARTTLS */
	PROBE_STARTTLS_REFUSED,     /* STARTTLS/STLS answered 454, a NO, a BAD, -ERR, ... */
	PROBE_PROTOCOL_ERROR,       /* not the SMTP/IMAP/POP3 dialogue expected: a bad greeting
				     * or reply, a line over PROBE_LINE_MAX, too much text */
	PROBE_NOT_TLS,              /* the peer answered the ClientHello with something not TLS */
	PROBE_CLOSED,               /* EOF or reset before the handshake completed */
	PROBE_TLS_ERROR,            /* another TLS failure; detail says which */
	PROBE_REASON_COUNT
};

struct probe_target {
	char endpoint[32];     /* "service/role" */
	char host[256];        /* IP literal or host name, as the profile writes it */
	int port;
	char sni[256];         /* "" for no SNI */
	enum probe_mode mode;
};

struct probe_cell {
	int reason;            /* enum probe_reason; PROBE_ACCEPTED when accepted */
	int alert;             /* PROBE_ALERT: the alert's number */
	char cipher[64];       /* accepted: the negotiated cipher */
	char detail[PROBE_DETAIL_MAX]; /* refusals: what OpenSSL or the peer said, cleaned */
	double ms;             /* from the start of connect to the outcome */
};

struct probe_cert {
	int present;           /* 0 until a handshake of the row completed */
	char subject[512];     /* RFC 2253, UTF-8 */
	char issuer[512];
	char san[PROBE_MAX_SAN][256];  /* DNS names */
	size_t nsan;
	char not_after[32];    /* "2036-11-27T10:00:00Z" */
};

struct probe_row {
	struct probe_target target;
	char address[64];      /* the address connected to ("" when unresolved) */
	unsigned versions;     /* bit v set: version v was probed */
	struct probe_cell cells[TLSVER_COUNT];
	int lowest;            /* lowest accepted version, or TLSVER_NONE */
	struct probe_cert cert;  /* from the first completed handshake */
};

struct probe_result {
	struct probe_row *rows;  /* owned; in the order of the targets */
	size_t nrows;
	unsigned handshakes;     /* cells probed */
	unsigned accepted;
	double ms;               /* wall time of the whole probe */
};

struct probe_opts {
	unsigned versions;       /* bit per enum tlsver; 0: all four */
	int timeout_ms;          /* per handshake, > 0 */
	int deadline_ms;         /* the whole probe, > 0 */
};

/* probe_run - every target x version handshake, concurrently, in this
 * thread. res is overwritten (it need not be initialised). Returns 0 when
 * every cell has an outcome (whatever it is), within opts->deadline_ms plus
 * the cleanup; -1 with bad_request (more than PROBE_MAX_TARGETS targets,
 * bad timeouts) or internal (out of memory, no TLS context), res then empty. */
int probe_run(const struct probe_target *targets, size_t n, const struct probe_opts *opts,
	      struct probe_result *res, struct mt_err *err);

/* probe_result_free - release res's rows (res may be zeroed). */
void probe_result_free(struct probe_result *res);

/* probe_lowest - the lowest version any host of endpoint ("service/role")
 * accepted; TLSVER_NONE when none accepted any; PROBE_NOT_PROBED when the
 * result has no row for it. */
int probe_lowest(const struct probe_result *r, const char *endpoint);

/* probe_check_floor - does endpoint behave as floor says on every host:
 * each version below floor refused, each at or above accepted (a timeout or
 * an unreachable host counts as a refusal)? A floor that is not a version
 * (TLSVER_NONE, or tlsver_parse("none") = TLSVER_ERR_INVALID) means every
 * version refused. Returns 0 when it does, 1 when
 * not (why, of size n, says the first contradiction), -1 when the result
 * has no row for endpoint. */
int probe_check_floor(const struct probe_result *r, const char *endpoint, int floor, char *why,
		      size_t n);

/* probe_reason_name - the stable name of a reason ("protocol_version",
 * ...); static. probe_cell_reason - a cell's reason as the reply writes it
 * ("alert:<description>" for PROBE_ALERT) into buf (PROBE_REASON_MAX). */
const char *probe_reason_name(int reason);
const char *probe_cell_reason(const struct probe_cell *c, char *buf, size_t n);

/* probe_mode_of - the mode of a known endpoint name ("dovecot/imap" ->
 * PROBE_STARTTLS_IMAP), or -1 when the name is not an endpoint of protocol
 * v1. probe_endpoint_at - the i-th endpoint name in canonical order (postfix,
 * dovecot, courier), NULL past the end; static. */
int probe_mode_of(const char *endpoint);
const char *probe_endpoint_at(size_t i);

/* ---- the pure parts, exported for the unit tests ---- */

/* A bounded line reader: recv() into probe_lines_space, record with
 * probe_lines_added, take lines with probe_lines_next. */
struct probe_lines {
	char buf[PROBE_LINE_MAX];
	size_t len;            /* bytes held */
	size_t total;          /* bytes received in all */
};

/* probe_lines_space - where the next bytes go (borrowed), *room of them. */
char *probe_lines_space(struct probe_lines *lr, size_t *room);
void probe_lines_added(struct probe_lines *lr, size_t n);

/* probe_lines_next - move the next complete line out of lr into line (size
 * n, at least PROBE_LINE_MAX), without its CR LF; a NUL byte in it becomes
 * '?'. Returns 1 (a line), 0 (no complete line yet), -1 (PROBE_LINE_MAX
 * bytes without a newline: a line too long). */
int probe_lines_next(struct probe_lines *lr, char *line, size_t n);

/* probe_smtp_reply - one SMTP reply line: *code (200..599), *last (1 for
 * "NNN text" or "NNN", 0 for "NNN-text"), *text (borrowed, after the
 * separator). Returns 0, or -1 when the line is not an SMTP reply line. */
int probe_smtp_reply(const char *line, int *code, int *last, const char **text);

/* The STARTTLS dialogue as a state machine fed one server line at a time. */
struct probe_dialogue {
	enum probe_mode mode;
	int step;              /* internal */
	int first;             /* the next line starts a reply */
	int code;              /* SMTP: the code of the reply being read */
	int offered;           /* SMTP: STARTTLS seen in the EHLO reply */
	int reason;            /* after PROBE_DLG_FAIL */
	char detail[PROBE_DETAIL_MAX];
};

enum { PROBE_DLG_MORE, PROBE_DLG_SEND, PROBE_DLG_TLS, PROBE_DLG_FAIL };

void probe_dialogue_init(struct probe_dialogue *d, enum probe_mode mode);

/* probe_dialogue_line - feed one line (without CR LF). Returns
 * PROBE_DLG_MORE (read on), PROBE_DLG_SEND (*send, static, is the next
 * command; then read on), PROBE_DLG_TLS (start the handshake now) or
 * PROBE_DLG_FAIL (d->reason and d->detail say why). */
int probe_dialogue_line(struct probe_dialogue *d, const char *line, const char **send);

/* probe_classify_ssl - the reason of a failed SSL_connect: ssl_error from
 * SSL_get_error, e the first code of OpenSSL's error queue (0 when empty),
 * sys_errno the errno after the call. *alert gets the alert number for
 * PROBE_ALERT (else -1); detail (size n) what OpenSSL said. */
int probe_classify_ssl(int ssl_error, unsigned long e, int sys_errno, int *alert, char *detail,
		       size_t n);

/* probe_classify_connect - the reason for a connect() errno. */
int probe_classify_connect(int sys_errno);

/* ---- the profile and JSON side (act_probe.c) ---- */

/* probe_endpoints - probe endpoints of the profile: names (n of them,
 * "service/role", no repeats; borrowed) or, when names is NULL, every
 * endpoint the profile lists a probe address for, in canonical order; every
 * host of each, every version. For `set` verify, leave out the endpoints
 * profile_endpoint() has no entry for (and warn verify_skipped). res is overwritten; free it with probe_result_free. Returns 0,
 * or -1 with unknown_endpoint (not an endpoint of protocol v1), bad_request
 * (the profile lists no probe address for one of names; limits) or internal. */
int probe_endpoints(const struct mt_profile *p, const char *const *names, size_t n,
		    int timeout_ms, int deadline_ms, struct probe_result *res, struct mt_err *err);

/* probe_result_json - new reference: {"endpoints": [one row per endpoint
 * and host], "stats": {"handshakes", "accepted", "ms"}}, the shape of the
 * probe reply (docs/protocol.md). NULL on out of memory. */
json_t *probe_result_json(const struct probe_result *r);

#endif
