/*
 * tlsver.h - the one model of TLS protocol versions: an ordered enum, one
 * parser and one formatter. Every module compares versions through this.
 */
#ifndef MT_TLSVER_H
#define MT_TLSVER_H

enum tlsver {
	TLSVER_NONE = -1,  /* "none": no floor (configured) or no TLS (effective) */
	TLSVER_1_0 = 0,
	TLSVER_1_1,
	TLSVER_1_2,
	TLSVER_1_3,
	TLSVER_COUNT
};

/* Results of tlsver_parse other than a version. */
#define TLSVER_ERR_INVALID (-2)  /* not a version name */
#define TLSVER_ERR_SSLV3 (-3)    /* "SSLv3": recognised, never supported */

/* tlsver_parse - "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" (exact spelling)
 * to a version, or TLSVER_ERR_INVALID / TLSVER_ERR_SSLV3. */
int tlsver_parse(const char *name);

/* tlsver_name - the canonical name, "none" for TLSVER_NONE; a static string.
 * Out-of-range values give "invalid". */
const char *tlsver_name(int version);

/* tlsver_is_version - true for TLSVER_1_0 .. TLSVER_1_3. */
int tlsver_is_version(int version);

/* tlsver_cipher_seclevel - the OpenSSL security level an OpenSSL cipher list
 * sets with "@SECLEVEL=N" (N a single digit 0-5; the last one wins), or -1
 * when it sets none. On OpenSSL 3 any N >= 1 blocks TLS 1.0/1.1. */
int tlsver_cipher_seclevel(const char *cipherlist);

#endif
