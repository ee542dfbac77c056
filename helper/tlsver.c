/*
 * tlsver.c - TLS version names. The spelling is the one OpenSSL, Postfix
 * and Dovecot share ("TLSv1" is 1.0).
 */
#include "tlsver.h"

#include <string.h>

static const char *const names[TLSVER_COUNT] = { "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };

int tlsver_parse(const char *name)
{
	for (int v = 0; v < TLSVER_COUNT; v++)
		if (strcmp(name, names[v]) == 0)
			return v;
	if (strcmp(name, "SSLv3") == 0)
		return TLSVER_ERR_SSLV3;
	return TLSVER_ERR_INVALID;
}

const char *tlsver_name(int version)
{
	if (version == TLSVER_NONE)
		return "none";
	if (!tlsver_is_version(version))
		return "invalid";
	return names[version];
}

int tlsver_is_version(int version)
{
	return version >= TLSVER_1_0 && version < TLSVER_COUNT;
}

/* is_rule_char - a character OpenSSL's cipher-rule parser keeps in one
 * word (ssl_cipher_process_rulestr: letters, digits, '-', '.', '='). */
static int is_rule_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
	       || c == '-' || c == '.' || c == '=';
}

int tlsver_cipher_seclevel(const char *cipherlist)
{
	static const char cmd[] = "@SECLEVEL=";
	const size_t n = sizeof(cmd) - 1;
	const char *p = cipherlist;
	int level = -1;

	while ((p = strstr(p, cmd)) != NULL) {
		p += n;
		if (p[0] >= '0' && p[0] <= '5' && !is_rule_char(p[1]))
			level = p[0] - '0';
	}
	return level;
}
