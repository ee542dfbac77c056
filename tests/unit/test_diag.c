/*
 * test_diag.c - the `diagnose` streaming reader (helper/logscan.c) and
 * aggregator (helper/diag.c). Run from the repo top.
 *
 * 1. The fixture logs tests/fixtures/logs/{postfix,dovecot,courier}-cells.log
 *    ("###" header lines left out) give the counts computed by hand with
 *    grep (see each test); all clients there are 127.0.0.1.
 * 2. tests/diag/multi-client.log: several clients (IPv4, IPv6, ::ffff:
 *    mapped), Postfix reason lines joined to their client by pid,
 *    lets_in_at, impact, the since/until window.
 * 3. Hostile input to logscan: a truncated last line, a 3 MB line, NUL
 *    bytes, an empty file, a missing file, a symlink, a directory, a file
 *    that grows while it is read; binary garbage, invalid UTF-8 and a 1 MB
 *    line through the production path (prefilter, aggregator, JSON).
 * 4. The prefilter: the SSE2 search and newline count agree with the byte
 *    by byte reference on random text made of the literals' pieces.
 * 5. The fixture counts again, each fixture rewritten into each of the three
 *    timestamp formats and read the production way (logscan + prefilter).
 * 6. logset: rotations found by name, oldest first, symlinks left out.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "logfilter.h"
#include "logline.h"
#include "logscan.h"
#include "logset.h"
#include "tlsver.h"

#define YEAR 2026
#define FIXDIR "tests/fixtures/logs"

#include "logfmt.c.inc"

enum { S_PF = LOGLINE_SVC_POSTFIX, S_DV = LOGLINE_SVC_DOVECOT, S_CR = LOGLINE_SVC_COURIER };
enum { R_OLD = LOGLINE_R_PROTOCOL_TOO_OLD, R_SEC = LOGLINE_R_SECLEVEL, R_AMB = LOGLINE_R_AMBIGUOUS,
       R_CIPH = LOGLINE_R_NO_SHARED_CIPHER, R_NOTLS = LOGLINE_R_NOT_TLS };

/* skip_headers - the fixtures' "###" lines are test metadata. */
static void skip_headers(const char *line, size_t len, void *arg)
{
	if (len >= 3 && memcmp(line, "###", 3) == 0)
		return;
	diag_line(line, len, arg);
}

static struct diag *scan(const char *path, int has_since, time_t since, int has_until, time_t until)
{
	struct diag *d = diag_new(has_since, since, has_until, until, YEAR);
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };

	assert_non_null(d);
	assert_int_equal(logscan_file(path, NULL, skip_headers, d, &st, &err), 0);
	assert_true(st.lines > 0);
	assert_int_equal(st.long_lines, 0);
	return d;
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

/* Postfix, by hand (grep -v '^#' | sort | uniq -c, per smtpd/submission/
 * submissions): "unsupported protocol" 19 x 3 = 57, "no suitable signature
 * algorithm" 2 x 3 = 6; established TLSv1 6 x 3 = 18, TLSv1.1 8 x 3 = 24,
 * TLSv1.2 12 x 3 = 36, TLSv1.3 15 x 3 = 45. */
static void test_postfix_cells(void **state)
{
	struct diag *d = scan(FIXDIR "/postfix-cells.log", 0, 0, 0, 0);

	(void)state;
	assert_int_equal(diag_fail_total(d, R_OLD, S_PF), 57);
	assert_int_equal(diag_fail_total(d, R_SEC, S_PF), 6);
	assert_int_equal(diag_fail_total(d, 0, 0), 63);
	assert_int_equal(diag_fail_count(d, R_OLD, S_PF, "127.0.0.1"), 57);   /* joined by pid */
	assert_int_equal(diag_fail_count(d, R_OLD, S_PF, NULL), 0);
	assert_int_equal(diag_neg_total(d, S_PF, TLSVER_1_0), 18);
	assert_int_equal(diag_neg_total(d, S_PF, TLSVER_1_1), 24);
	assert_int_equal(diag_neg_total(d, S_PF, TLSVER_1_2), 36);
	assert_int_equal(diag_neg_total(d, S_PF, TLSVER_1_3), 45);
	assert_int_equal(diag_neg_total(d, 0, -1), 123);
	assert_int_equal(diag_neg_clients(d, S_PF, TLSVER_1_0), 1);
	assert_int_equal(diag_lets_in_at(d, "127.0.0.1"), TLSVER_1_0);
	assert_int_equal(diag_cut_off(d, S_PF, TLSVER_1_2), 1);
	assert_int_equal(diag_versions_logged(d, S_PF), 1);
	assert_int_equal(diag_versions_logged(d, S_DV), -1);
	assert_int_equal(diag_dropped(d), 0);
	diag_free(d);
}

/* Dovecot: "unsupported protocol (" 27 + 14 (+ "syscall failed" later on the
 * line: the reason wins) + 1 ("disconnected before auth") = 42; "syscall
 * failed: Invalid argument" alone 16 (ambiguous); "no suitable signature"
 * 8 + 2 = 10; "TLS, TLSv1.x with cipher" 4 per version. */
static void test_dovecot_cells(void **state)
{
	struct diag *d = scan(FIXDIR "/dovecot-cells.log", 0, 0, 0, 0);

	(void)state;
	assert_int_equal(diag_fail_total(d, R_OLD, S_DV), 42);
	assert_int_equal(diag_fail_total(d, R_AMB, S_DV), 16);
	assert_int_equal(diag_fail_total(d, R_SEC, S_DV), 10);
	assert_int_equal(diag_fail_total(d, 0, 0), 68);
	assert_int_equal(diag_fail_count(d, R_AMB, S_DV, "127.0.0.1"), 16);
	for (int v = TLSVER_1_0; v <= TLSVER_1_3; v++)
		assert_int_equal(diag_neg_total(d, S_DV, v), 4);
	assert_int_equal(diag_versions_logged(d, S_DV), 1);
	diag_free(d);
}

/* Courier: "illegal or unsupported version" 5 imapd-ssl + 5 pop3d-ssl = 10;
 * "No supported cipher suites" 1 + 1 = 2 and 6 imapd "Disconnected" lines
 * without "starttls=1" (the 6 FAIL cells on the STARTTLS port: grep -v '^#'
 * | grep ' imapd: Disconnected' | grep -vc starttls=1) are ambiguous; no
 * versions ever. */
static void test_courier_cells(void **state)
{
	struct diag *d = scan(FIXDIR "/courier-cells.log", 0, 0, 0, 0);

	(void)state;
	assert_int_equal(diag_fail_total(d, R_OLD, S_CR), 10);
	assert_int_equal(diag_fail_total(d, R_AMB, S_CR), 2 + 6);
	assert_int_equal(diag_fail_total(d, 0, 0), 18);
	assert_int_equal(diag_fail_count(d, R_OLD, S_CR, "127.0.0.1"), 10);  /* ::ffff: unmapped */
	assert_int_equal(diag_neg_total(d, 0, -1), 0);
	assert_int_equal(diag_versions_logged(d, S_CR), 0);
	assert_int_equal(diag_lets_in_at(d, "127.0.0.1"), TLSVER_NONE);
	diag_free(d);
}

/* All three in one aggregator, and the JSON. */
static void test_all_json(void **state)
{
	struct diag *d = diag_new(0, 0, 0, 0, YEAR);
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };
	json_t *o = json_object();

	(void)state;
	assert_int_equal(logscan_file(FIXDIR "/postfix-cells.log", NULL, skip_headers, d, &st, &err), 0);
	assert_int_equal(logscan_file(FIXDIR "/dovecot-cells.log", NULL, skip_headers, d, &st, &err), 0);
	assert_int_equal(logscan_file(FIXDIR "/courier-cells.log", NULL, skip_headers, d, &st, &err), 0);
	assert_int_equal(st.lines, 1080 + 388 + 336);   /* wc -l */
	assert_int_equal(diag_fail_total(d, 0, 0), 63 + 68 + 18);
	assert_int_equal(diag_fail_total(d, R_OLD, 0), 57 + 42 + 10);
	assert_int_equal(diag_json(d, 2, o), 1);   /* Courier hides versions */
	assert_int_equal(json_array_size(json_object_get(o, "failures")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "totals"), "failures")), 149);
	assert_int_equal(json_array_size(json_object_get(o, "negotiated")), 8);
	assert_int_equal(json_array_size(json_object_get(o, "visibility")), 3);
	json_decref(o);
	diag_free(d);
}

static void test_multi_client(void **state)
{
	struct diag *d = scan("tests/diag/multi-client.log", 0, 0, 0, 0);
	json_t *o = json_object(), *c;
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(diag_fail_count(d, R_OLD, S_PF, "198.51.100.7"), 2);
	assert_int_equal(diag_fail_count(d, R_OLD, S_DV, "198.51.100.7"), 1);
	assert_int_equal(diag_fail_count(d, R_OLD, S_CR, "192.0.2.44"), 1);
	assert_int_equal(diag_neg_total(d, S_PF, -1), 3);
	assert_int_equal(diag_neg_total(d, S_DV, TLSVER_1_1), 1);
	assert_int_equal(diag_lets_in_at(d, "192.0.2.10"), TLSVER_1_0);
	assert_int_equal(diag_lets_in_at(d, "2001:db8::5"), TLSVER_1_3);
	assert_int_equal(diag_lets_in_at(d, "198.51.100.7"), TLSVER_NONE);
	assert_int_equal(diag_cut_off(d, S_PF, TLSVER_1_1), 1);
	assert_int_equal(diag_cut_off(d, S_PF, TLSVER_1_3), 1);
	assert_int_equal(diag_cut_off(d, S_DV, TLSVER_1_1), 0);
	assert_int_equal(diag_cut_off(d, S_DV, TLSVER_1_2), 1);
	diag_json(d, 20, o);
	json_array_foreach(json_object_get(o, "failures"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "client")), "198.51.100.7") == 0 &&
		    strcmp(json_string_value(json_object_get(c, "service")), "postfix") == 0) {
			assert_string_equal(json_string_value(json_object_get(c, "first")), "2026-11-30T03:20:03Z");
			assert_string_equal(json_string_value(json_object_get(c, "last")), "2026-11-30T04:30:04Z");
			seen++;
		}
	assert_int_equal(seen, 1);
	json_decref(o);
	diag_free(d);

	/* since 04:00 drops the 03:xx lines; until 05:00:06 the Dovecot TLSv1.1 and Courier. */
	d = scan("tests/diag/multi-client.log", 1, utc(2026, 11, 30, 4, 0, 0), 1, utc(2026, 11, 30, 5, 0, 6));
	assert_int_equal(diag_fail_count(d, R_OLD, S_PF, "198.51.100.7"), 1);
	assert_int_equal(diag_neg_total(d, 0, -1), 1);
	assert_int_equal(diag_fail_total(d, 0, 0), 2);
	assert_int_equal(diag_lets_in_at(d, "192.0.2.10"), TLSVER_NONE);
	diag_free(d);
}

/* ---- logscan on hostile input ---- */

struct collect {
	int n;
	size_t lens[16];
	char first[64];
};

static void collect(const char *line, size_t len, void *arg)
{
	struct collect *c = arg;

	if (c->n == 0)
		memcpy(c->first, line, len < sizeof(c->first) - 1 ? len : sizeof(c->first) - 1);
	if (c->n < 16)
		c->lens[c->n] = len;
	c->n++;
}

static void test_truncated_last_line(void **state)
{
	const char buf[] = "one\r\ntwo\nthree";
	struct collect c = { 0 };
	struct logscan_stats st = { 0 };

	(void)state;
	for (size_t block = 1; block <= 16; block++) {
		memset(&c, 0, sizeof(c));
		memset(&st, 0, sizeof(st));
		assert_int_equal(logscan_buf(buf, sizeof(buf) - 1, block, NULL, collect, &c, &st), 0);
		if (block > 5) {   /* every line fits in a block */
			assert_int_equal(c.n, 3);
			assert_int_equal(c.lens[0], 3);   /* "\r" dropped */
			assert_int_equal(c.lens[2], 5);
			assert_int_equal(st.long_lines, 0);
		}
		assert_int_equal(st.bytes, sizeof(buf) - 1);
		assert_int_equal(st.lines + st.long_lines >= 2, 1);
	}
}

static void test_long_line(void **state)
{
	size_t big = 3u << 20;
	char *buf = malloc(big + 32);
	struct collect c = { 0 };
	struct logscan_stats st = { 0 };

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "a\n", 2);
	memset(buf + 2, 'x', big);
	memcpy(buf + 2 + big, "\nb\n", 3);
	assert_int_equal(logscan_buf(buf, big + 5, LOGSCAN_BLOCK, NULL, collect, &c, &st), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lens[0], 1);
	assert_int_equal(c.lens[1], 1);
	assert_int_equal(st.long_lines, 1);
	assert_int_equal(st.bytes, big + 5);
	free(buf);
}

static void test_nul_bytes(void **state)
{
	const char buf[] = "Nov 30 01:54:58 vm postfix/smtpd[1]: \0warning: TLS library problem\n\0\0\n";
	struct diag *d = diag_new(0, 0, 0, 0, YEAR);
	struct collect c = { 0 };
	struct logscan_stats st = { 0 };

	(void)state;
	assert_int_equal(logscan_buf(buf, sizeof(buf) - 1, 128, NULL, collect, &c, &st), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lens[1], 2);
	assert_int_equal(c.lens[0], (const char *)memchr(buf, '\n', sizeof(buf)) - buf);  /* NUL inside */
	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	assert_int_equal(logscan_buf(buf, sizeof(buf) - 1, 16, NULL, collect, &c, &st), 0);
	assert_int_equal(c.n, 1);                   /* line 1 is longer than a block */
	assert_int_equal(st.long_lines, 1);
	memset(&st, 0, sizeof(st));
	assert_int_equal(logscan_buf(buf, sizeof(buf) - 1, LOGSCAN_BLOCK, NULL, diag_line, d, &st), 0);
	assert_int_equal(st.lines, 2);
	diag_free(d);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/test_diag.XXXXXX", path[64], link[64];
	struct collect c = { 0 };
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(logscan_file(path, NULL, collect, &c, &st, &err), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(st.bytes, 0);

	snprintf(link, sizeof(link), "%s/link.log", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(logscan_file(link, NULL, collect, &c, &st, &err), -1);   /* never followed */
	assert_string_equal(err.code, "io_error");
	memset(&err, 0, sizeof(err));
	assert_int_equal(logscan_file(dir, NULL, collect, &c, &st, &err), -1);    /* not a regular file */
	assert_string_equal(err.code, "io_error");
	unlink(link);
	unlink(path);
	memset(&err, 0, sizeof(err));
	assert_int_equal(logscan_file(path, NULL, collect, &c, &st, &err), -1);   /* missing */
	assert_string_equal(err.code, "io_error");
	assert_non_null(strstr(err.message, "empty.log"));
	rmdir(dir);
}

struct grow {
	int fd;
	int n;
};

/* grow_cb - appends lines to the file being read, on every line. */
static void grow_cb(const char *line, size_t len, void *arg)
{
	struct grow *g = arg;

	(void)line;
	(void)len;
	g->n++;
	assert_int_equal(write(g->fd, "more\n", 5), 5);
}

/* A log that grows while read: read up to the size seen at open. */
static void test_growing(void **state)
{
	char path[] = "/tmp/test_diag_grow.XXXXXX";
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };
	struct grow g = { 0, 0 };

	(void)state;
	g.fd = mkstemp(path);
	assert_true(g.fd >= 0);
	assert_int_equal(write(g.fd, "a\nb\nc\n", 6), 6);
	assert_int_equal(logscan_file(path, NULL, grow_cb, &g, &st, &err), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(st.bytes, 6);
	close(g.fd);
	unlink(path);
}


/* ---- the prefilter ---- */

/* random_text - n bytes of pieces of the literals, newlines and noise. */
static size_t random_text(char *buf, size_t cap, unsigned *seed)
{
	static const char *const pieces[] = {
		"TLS", "SSL", "ip=[", "starttls=", "T", "S", "L", "s", "=", "[", "i", "\n",
		"xyz", "starttls", "ip=", "TL", "SS", "\0", "\xff\xfe", "TLSv1.2 ",
	};
	size_t n = 0;

	while (n + 16 < cap) {
		const char *p = pieces[rand_r(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t k = p[0] == '\0' ? 1 : strlen(p);

		memcpy(buf + n, p, k);
		n += k;
	}
	return n;
}

static void test_filter_matches_bytes(void **state)
{
	char buf[700];
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t n = random_text(buf, sizeof(buf), &seed), naive = 0;

		for (size_t off = 0; off < n; off += 1 + (size_t)rand_r(&seed) % 5) {
			size_t end = off + (size_t)rand_r(&seed) % (n - off + 1);

			assert_ptr_equal(logfilter_next(buf + off, buf + end),
					 logfilter_next_bytes(buf + off, buf + end));
		}
		for (size_t i = 0; i < n; i++)
			naive += buf[i] == '\n';
		assert_int_equal(logfilter_newlines(buf, buf + n), naive);
	}
}

/* More than 255 vectors of newlines: the byte counters must not wrap. */
static void test_newlines_many(void **state)
{
	size_t n = 1u << 16;
	char *buf = malloc(n);

	(void)state;
	assert_non_null(buf);
	memset(buf, '\n', n);
	assert_int_equal(logfilter_newlines(buf, buf + n), n);
	assert_int_equal(logfilter_newlines(buf + 3, buf + n - 5), n - 8);
	free(buf);
}

/* ---- the three timestamp formats, read the production way ---- */

/* write_format - src without its "#" lines, every line in format fmt, to dst. */
static void write_format(const char *src, int fmt, const char *dst)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char *line = NULL, (*alt)[4096] = malloc(FMT_COUNT * 4096);
	size_t cap = 0;

	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(alt);
	while (getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		assert_int_equal(reformat(line, alt), 0);
		fprintf(out, "%s\n", alt[fmt]);
	}
	free(alt);
	free(line);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static struct diag *scan_filtered(const char *path)
{
	struct diag *d = diag_new(0, 0, 0, 0, YEAR);
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };

	assert_non_null(d);
	assert_int_equal(logscan_file(path, logfilter_next, diag_line, d, &st, &err), 0);
	return d;
}

/* same_counts - every exact total and the 127.0.0.1 rows of a and b agree. */
static void same_counts(const struct diag *a, const struct diag *b)
{
	for (int s = 1; s < DIAG_NSVC; s++) {
		for (int r = 1; r < DIAG_NREASON; r++) {
			assert_int_equal(diag_fail_total(a, r, s), diag_fail_total(b, r, s));
			assert_int_equal(diag_fail_count(a, r, s, "127.0.0.1"),
					 diag_fail_count(b, r, s, "127.0.0.1"));
		}
		for (int v = TLSVER_1_0; v <= TLSVER_1_3; v++) {
			assert_int_equal(diag_neg_total(a, s, v), diag_neg_total(b, s, v));
			assert_int_equal(diag_neg_clients(a, s, v), diag_neg_clients(b, s, v));
		}
		assert_int_equal(diag_versions_logged(a, s), diag_versions_logged(b, s));
	}
	assert_int_equal(diag_lets_in_at(a, "127.0.0.1"), diag_lets_in_at(b, "127.0.0.1"));
}

/* The hand counts of test_*_cells hold for each fixture in each format. */
static void test_three_formats(void **state)
{
	static const char *const files[] = { "postfix", "dovecot", "courier" };
	char src[128], dst[] = "/tmp/test_diag_fmt.XXXXXX";
	int fd = mkstemp(dst);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < 3; i++) {
		struct diag *ref;

		snprintf(src, sizeof(src), "%s/%s-cells.log", FIXDIR, files[i]);
		ref = scan(src, 0, 0, 0, 0);
		assert_true(diag_fail_total(ref, 0, 0) > 0);
		for (int f = 0; f < FMT_COUNT; f++) {
			struct diag *d;

			write_format(src, f, dst);
			d = scan_filtered(dst);
			same_counts(ref, d);
			diag_free(d);
		}
		diag_free(ref);
	}
	unlink(dst);
}

/* ---- hostile content through the production path ---- */

static void test_garbage_and_long_line(void **state)
{
	static const char good[] = "Nov 30 01:56:52 mx dovecot: pop3-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=192.0.2.9, lip=127.0.0.1, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session=<x>\n";
	static const char bad_utf8[] = "\nNov 30 01:00:00 mx postfix/smtpd[9]: warning: TLS library problem: \xff\xfe\xc0\x80 unsupported protocol\n";
	char path[] = "/tmp/test_diag_garbage.XXXXXX";
	size_t big = 1000000;
	char *junk = malloc(big);
	unsigned seed = 3;
	struct diag *d = diag_new(0, 0, 0, 0, YEAR);
	struct logscan_stats st = { 0 };
	struct mt_err err = { 0 };
	json_t *o = json_object();
	char *text;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0 && junk != NULL && d != NULL);
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	for (size_t i = 0; i < 65536; i++)          /* binary garbage with NULs and literals */
		junk[i] = (char)(i % 97 == 0 ? 'T' : rand_r(&seed) % 256);
	memcpy(junk + 1000, bad_utf8, sizeof(bad_utf8) - 1);
	assert_int_equal(write(fd, junk, 65536), 65536);
	assert_int_equal(write(fd, "\n", 1), 1);
	memset(junk, 'x', big);     /* a 1 MB line: a real failure with a huge session field */
	memcpy(junk, good, sizeof(good) - 2);          /* without its "\n" */
	memcpy(strstr(junk, "rip=192.0.2.9") + 4, "192.0.2.66", 10);
	assert_int_equal(write(fd, junk, 1000000 - 1), 1000000 - 1);
	assert_int_equal(write(fd, "\n", 1), 1);
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	close(fd);
	assert_int_equal(logscan_file(path, logfilter_next, diag_line, d, &st, &err), 0);
	assert_int_equal(st.long_lines, 0);
	assert_int_equal(diag_fail_count(d, R_OLD, S_DV, "192.0.2.9"), 2);
	assert_int_equal(diag_fail_count(d, R_OLD, S_DV, "192.0.2.66"), 1);
	assert_true(diag_fail_total(d, R_OLD, S_PF) >= 1);    /* the invalid UTF-8 line */
	diag_json(d, 10, o);
	text = json_dumps(o, 0);                     /* valid UTF-8 JSON whatever the input */
	assert_non_null(text);
	free(text);
	json_decref(o);
	diag_free(d);
	free(junk);
	unlink(path);
}

/* ---- logset ---- */

static void touch_at(const char *dir, const char *name, time_t t)
{
	char path[256];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static void test_logset(void **state)
{
	char dir[] = "/tmp/test_logset.XXXXXX", log[128], name[64], link[128];
	struct logset *ls = malloc(sizeof(*ls));
	struct mt_err err = { 0 };

	(void)state;
	assert_non_null(ls);
	assert_non_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/maillog", dir);
	touch_at(dir, "maillog", 5000);
	touch_at(dir, "maillog.1", 4000);
	touch_at(dir, "maillog.2.gz", 3000);
	touch_at(dir, "maillog-20261101.gz", 1000);
	touch_at(dir, "maillog.10.gz", 2000);
	touch_at(dir, "maillog.bak", 100);          /* not rotations */
	touch_at(dir, "maillog.1.gz.tmp", 100);
	touch_at(dir, "maillog-2026.gz", 100);
	touch_at(dir, "other.1", 100);
	snprintf(link, sizeof(link), "%s/maillog.3", dir);
	assert_int_equal(symlink("maillog.1", link), 0);   /* never listed */
	assert_int_equal(logset_list(log, 0, ls, &err), 0);
	assert_int_equal(ls->n, 1);
	assert_string_equal(ls->path[0], log);
	assert_int_equal(logset_list(log, 1, ls, &err), 0);
	assert_int_equal(ls->n, 5);
	assert_non_null(strstr(ls->path[0], "/maillog-20261101.gz"));
	assert_non_null(strstr(ls->path[1], "/maillog.10.gz"));
	assert_non_null(strstr(ls->path[2], "/maillog.2.gz"));
	assert_non_null(strstr(ls->path[3], "/maillog.1"));
	assert_string_equal(ls->path[4], log);
	for (int i = 11; i < 11 + LOGSET_MAX; i++) {          /* too many: the newest kept */
		snprintf(name, sizeof(name), "maillog.%d", i);
		touch_at(dir, name, 500 - i);
	}
	assert_int_equal(logset_list(log, 1, ls, &err), 0);
	assert_int_equal(ls->n, LOGSET_MAX + 1);
	assert_int_equal(ls->left_out, 4);
	assert_int_equal(logset_list("maillog", 1, ls, &err), -1);    /* not absolute */
	assert_string_equal(err.code, "bad_profile");
	free(ls);
	assert_int_equal(system("rm -rf /tmp/test_logset.*"), 0);
}

/* ---- time zones, daylight saving, New Year ---- */

static time_t first_of(struct diag *d)
{
	json_t *o = json_object();
	const char *t;
	struct tm tm;
	time_t r = (time_t)-1;

	diag_json(d, 5, o);
	t = json_string_value(json_object_get(json_array_get(json_object_get(o, "failures"), 0), "first"));
	if (t != NULL && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
		r = timegm(&tm);
	json_decref(o);
	return r;
}

static void test_local_times(void **state)
{
	static const char fmt[] = "%s mx postfix/smtpd[1]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol";
	const char *old_tz = getenv("TZ");
	char line[256];
	struct diag *d;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	d = diag_new(0, 0, 0, 0, YEAR);                         /* summer: UTC-4 */
	diag_set_file(d, utc(2026, 7, 20, 0, 0, 0));
	snprintf(line, sizeof(line), fmt, "Jul 15 10:00:00");
	diag_line(line, strlen(line), d);
	assert_int_equal(first_of(d), utc(2026, 7, 15, 14, 0, 0));
	diag_free(d);
	d = diag_new(0, 0, 0, 0, YEAR);                         /* winter, New Year: UTC-5 */
	diag_set_file(d, utc(2026, 1, 2, 12, 0, 0));
	snprintf(line, sizeof(line), fmt, "Dec 31 23:30:00");
	diag_line(line, strlen(line), d);
	assert_int_equal(first_of(d), utc(2026, 1, 1, 4, 30, 0));
	diag_free(d);
	d = diag_new(0, 0, 0, 0, 2031);                         /* unknown mtime: the year hint */
	diag_set_file(d, utc(2026, 1, 2, 12, 0, 0));
	diag_set_file(d, (time_t)-1);
	snprintf(line, sizeof(line), fmt, "Mar  1 12:00:00");
	diag_line(line, strlen(line), d);
	assert_int_equal(first_of(d), utc(2031, 3, 1, 17, 0, 0));
	diag_free(d);
	if (old_tz != NULL)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

/* Only failures from Postfix: whether versions are logged is unknown. */
static void test_visibility_unknown(void **state)
{
	static const char line[] = "Nov 30 01:00:00 mx postfix/smtpd[1]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol";
	struct diag *d = diag_new(0, 0, 0, 0, YEAR);
	json_t *o = json_object(), *row;

	(void)state;
	diag_line(line, sizeof(line) - 1, d);
	assert_int_equal(diag_versions_logged(d, S_PF), -2);
	assert_int_equal(diag_json(d, 5, o), 0);                /* no versions_not_logged */
	row = json_array_get(json_object_get(o, "visibility"), 0);
	assert_true(json_is_null(json_object_get(row, "versions_logged")));
	assert_non_null(json_object_get(row, "note"));
	json_decref(o);
	diag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_cells),
		cmocka_unit_test(test_dovecot_cells),
		cmocka_unit_test(test_courier_cells),
		cmocka_unit_test(test_all_json),
		cmocka_unit_test(test_multi_client),
		cmocka_unit_test(test_truncated_last_line),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_growing),
		cmocka_unit_test(test_filter_matches_bytes),
		cmocka_unit_test(test_newlines_many),
		cmocka_unit_test(test_three_formats),
		cmocka_unit_test(test_garbage_and_long_line),
		cmocka_unit_test(test_logset),
		cmocka_unit_test(test_local_times),
		cmocka_unit_test(test_visibility_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
