/*
 * genlog.c - write a deterministic mail log for bench/diagnose.
 *
 * usage: genlog BYTES > maillog
 *
 * The lines are the shapes of a real Plesk /var/log/maillog (FACTS.md §5,
 * §10, tests/fixtures/logs/): mostly non-TLS Postfix queue and delivery
 * lines and Dovecot session lines, some TLS sessions, a few TLS failures, in
 * the BSD syslog format with host. A fixed linear congruential generator
 * picks shapes and clients, so the same BYTES give the same file. Stops at
 * the first whole line that reaches BYTES.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rng_state = 88172645463325252ULL;

static unsigned next_rand(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng_state >> 33);
}

/* The arguments a shape's format takes. */
enum args { PID_CLIENT, PID_QUEUE_USER, USER_PID, CLIENT_CLIENT, PID_CLIENT_TIME };

/* Each shape: weight (out of 1000), its arguments, its format. */
static const struct shape {
	int weight;
	enum args args;
	const char *fmt;
} shapes[] = {
	{ 150, PID_CLIENT,
	  "postfix/smtpd[%u]: connect from unknown[203.0.113.%u]\n" },
	{ 150, PID_CLIENT,
	  "postfix/smtpd[%u]: disconnect from unknown[203.0.113.%u] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n" },
	{ 120, PID_QUEUE_USER,
	  "postfix/cleanup[%u]: %08X: message-id=<20261130.%u@example.com>\n" },
	{ 120, PID_QUEUE_USER,
	  "postfix/qmgr[%u]: %08X: from=<user%u@example.com>, size=4312, nrcpt=1 (queue active)\n" },
	{ 120, PID_QUEUE_USER,
	  "postfix/smtp[%u]: %08X: to=<user%u@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=0.41, delays=0.02/0/0.2/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)\n" },
	{ 100, USER_PID,
	  "dovecot: imap(user%u@example.com)<%u><kZ3xQm0a>: Logged out in=214 out=1834 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0\n" },
	{ 60, PID_CLIENT,
	  "postfix/smtpd[%u]: NOQUEUE: reject: RCPT from unknown[203.0.113.%u]: 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x>\n" },
	{ 40, PID_CLIENT,
	  "postfix/smtpd[%u]: Anonymous TLS connection established from unknown[203.0.113.%u]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n" },
	{ 40, CLIENT_CLIENT,
	  "dovecot: imap-login: Login: user=<user%u@example.com>, method=PLAIN, rip=203.0.113.%u, lip=192.0.2.1, mpid=4242, TLS, session=<kZ3xQm0a>\n" },
	{ 20, PID_CLIENT,
	  "postfix/smtpd[%u]: Anonymous TLS connection established from unknown[203.0.113.%u]: TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)\n" },
	{ 60, PID_CLIENT_TIME,   /* two lines of one smtpd, as Postfix logs them */
	  "postfix/smtpd[%1$u]: SSL_accept error from unknown[203.0.113.%2$u]: -1\n"
	  "%3$s mail postfix/smtpd[%1$u]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:\n" },
	{ 20, CLIENT_CLIENT,
	  "dovecot: pop3-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=203.0.113.%u, lip=192.0.2.1, TLS handshaking: SSL_accept() failed: error:0A000102:SSL routines::unsupported protocol, session=<aB%u>\n" },
};

static void timestamp(char *buf, size_t n, unsigned long long line)
{
	unsigned long long s = line / 40;   /* about 40 lines a second */

	snprintf(buf, n, "Nov %2llu %02llu:%02llu:%02llu", 1 + (s / 86400) % 30,
		 (s / 3600) % 24, (s / 60) % 60, s % 60);
}

int main(int argc, char **argv)
{
	unsigned long long want, written = 0, line = 0;
	char ts[32];

	if (argc != 2 || (want = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: genlog BYTES > maillog\n");
		return 2;
	}
	while (written < want) {
		unsigned r = next_rand() % 1000, pid = 1000 + next_rand() % 30000;
		unsigned a = next_rand() % 250 + 1, q = next_rand();
		const struct shape *sh = shapes;
		int n, m = 0;

		while (r >= (unsigned)sh->weight)   /* the weights add up to 1000 */
			r -= (unsigned)(sh++)->weight;
		timestamp(ts, sizeof(ts), line++);
		n = printf("%s mail ", ts);
		switch (sh->args) {
		case PID_CLIENT: m = printf(sh->fmt, pid, a); break;
		case PID_QUEUE_USER: m = printf(sh->fmt, pid, q, a); break;
		case USER_PID: m = printf(sh->fmt, a, pid); break;
		case CLIENT_CLIENT: m = printf(sh->fmt, a, a); break;
		case PID_CLIENT_TIME: m = printf(sh->fmt, pid, a, ts); break;
		}
		if (n < 0 || m < 0)
			return 1;
		written += (unsigned long long)(n + m);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
