/*
 * pfproto.h - what a Postfix TLS setting lets a client negotiate.
 *
 * Owns: the meaning of one protocol-list value (smtpd_tls_protocols,
 * smtpd_tls_mandatory_protocols, smtp_tls_protocols, ...) exactly as a
 * given Postfix version reads it (tls_proto_mask_lims() in
 * src/tls/tls_misc.c, before 3.6 without ">=" / "<=", then OpenSSL's
 * version bounds), and the list that writes a floor for a given Postfix
 * version.
 * Never: reads files, allocates, expands $parameters, or knows which key a
 * value came from (pfconf and postfix.c do that).
 */
#ifndef MT_PFPROTO_H
#define MT_PFPROTO_H

#include <stddef.h>

/* The built-in value of the four protocol keys: Postfix >= 3.6, and before
 * (both mean TLSv1 and up on OpenSSL 3, which has no SSLv2/SSLv3). */
#define PFPROTO_DEFAULT ">=TLSv1"
#define PFPROTO_DEFAULT_PRE36 "!SSLv2, !SSLv3"

struct pfproto {
	unsigned enabled;  /* bit v set: TLS version v (enum tlsver) can be negotiated */
	int floor;         /* the lowest enabled version; TLSVER_NONE when none is */
	int invalid;       /* Postfix rejects the list: "Invalid TLS protocol list
			    * ...: disabling TLS support" (enabled 0, floor NONE) */
	int too_new;       /* invalid because of a ">=" / "<=" token, which this
			    * Postfix (before 3.6) does not know */
};

/* pfproto_parse - read one protocol list (already $-expanded; borrowed,
 * NUL-terminated, any length) as a Postfix of `version` (pfconf_version:
 * major*100+minor; 0 unknown, read as the newest) reads it, into res.
 * Tokens are separated by blanks, commas or colons: ">=V" a floor, "<=V" a
 * ceiling (V a name of SSLv3 ... TLSv1.3, "None", or a hex protocol
 * number; Postfix 3.6 and later only), "!NAME" an exclusion, a bare NAME
 * an inclusion (with any inclusion, every known protocol not included is
 * excluded). Names are case-insensitive (Postfix's name_code() without
 * NAME_CODE_FLAG_STRICT_CASE). An unknown token makes the whole list
 * invalid. The empty list enables every version. */
void pfproto_parse(const char *list, unsigned version, struct pfproto *res);

/* pfproto_lowest_from - the lowest version >= from that p enables, or
 * TLSVER_NONE. */
int pfproto_lowest_from(const struct pfproto *p, int from);

/* pfproto_format - the protocol list that sets floor (enum tlsver) on a
 * Postfix of `version` (pfconf_version: major*100+minor, 0 unknown) into
 * buf[size]: ">=TLSv1.2" from 3.6 on; before 3.6, and when the version is
 * unknown, the exclusion list "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1" (every
 * Postfix reads it; ">=" is an invalid list before 3.6, and a positive list
 * turns TLS off before 2.10). compact: "," without blanks, for a master.cf
 * "-o name=value" argument, which is one blank-free word. Returns 0, or -1
 * when floor is not a version or buf is too small. */
int pfproto_format(int floor, unsigned version, int compact, char *buf, size_t size);


#endif
