/*
 * pfproto.c - Postfix protocol lists and cipher-list security levels.
 *
 * Owns: the token grammar of tls_proto_mask_lims() (Postfix 3.6 and later,
 * src/tls/tls_misc.c; before 3.6 tls_protocol_mask(), which has no ">=" /
 * "<="), how OpenSSL applies the resulting exclusion mask and version
 * bounds, and which syntax a Postfix version takes for a floor.
 * Never: allocates, reads files, or reports; the caller turns an invalid
 * list into a warning.
 */
#include "pfproto.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tlsver.h"

/* Exclusion-mask bits: TLS versions at their enum tlsver bit, then SSL. */
#define PF_SSLV2 (1u << 4)
#define PF_SSLV3 (1u << 5)
#define PF_KNOWN (0x0fu | PF_SSLV2 | PF_SSLV3)
#define PF_TLS_ALL 0x0fu

/* OpenSSL protocol numbers (SSL3_VERSION .. TLS1_3_VERSION). */
#define PF_SSL3_VERSION 0x300
#define PF_TLS1_VERSION 0x301
#define PF_MAX_VERSION 0x304

#define PF_SEPARATORS ", \t\r\n:"
#define PF_INVALID (-1)

/* Postfix 3.6 added ">=V" / "<=V" to protocol lists. */
#define PF_GE_SYNTAX 306

struct pf_name {
	const char *name;
	int code;
};

/* protocol_table: names for "!NAME" and bare NAME (mask bits). */
static const struct pf_name mask_names[] = {
	{ "SSLv2", PF_SSLV2 }, { "SSLv3", PF_SSLV3 }, { "TLSv1", 1 << TLSVER_1_0 },
	{ "TLSv1.1", 1 << TLSVER_1_1 }, { "TLSv1.2", 1 << TLSVER_1_2 },
	{ "TLSv1.3", 1 << TLSVER_1_3 }, { NULL, 0 },
};

/* tls_version_table: names for ">=V" and "<=V" (protocol numbers). */
static const struct pf_name version_names[] = {
	{ "None", 0 }, { "SSLv3", PF_SSL3_VERSION }, { "TLSv1", 0x301 },
	{ "TLSv1.1", 0x302 }, { "TLSv1.2", 0x303 }, { "TLSv1.3", 0x304 }, { NULL, 0 },
};

/* name_lookup - the code of the token tok[0..len) in table (whole name,
 * any case, like Postfix's name_code() with NAME_CODE_FLAG_NONE, which
 * compares with strcasecmp()), or PF_INVALID. */
static int name_lookup(const struct pf_name *table, const char *tok, size_t len)
{
	for (size_t i = 0; table[i].name != NULL; i++)
		if (strlen(table[i].name) == len && strncasecmp(table[i].name, tok, len) == 0)
			return table[i].code;
	return PF_INVALID;
}

/* hex_digit - the value of a hex digit, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* parse_hex - what strtoul(tok, &end, 16) accepts when *end must be the
 * end of the token and the value at most INT_MAX: an optional sign, an
 * optional 0x, hex digits; the empty token is 0. PF_INVALID otherwise. */
static int parse_hex(const char *tok, size_t len)
{
	size_t i = 0;
	int neg = 0;
	unsigned long val = 0;

	if (len == 0)
		return 0;
	if (tok[0] == '+' || tok[0] == '-')
		neg = tok[i++] == '-';
	if (len - i > 2 && tok[i] == '0' && (tok[i + 1] == 'x' || tok[i + 1] == 'X')
	    && hex_digit(tok[i + 2]) >= 0)
		i += 2;
	if (i == len)
		return PF_INVALID;  /* a sign alone: no digits, end is not the end */
	for (; i < len; i++) {
		if (hex_digit(tok[i]) < 0)
			return PF_INVALID;
		val = val * 16 + (unsigned long)hex_digit(tok[i]);
		if (val > INT_MAX)
			return PF_INVALID;
	}
	return neg && val != 0 ? PF_INVALID : (int)val;  /* -N wraps above INT_MAX */
}

/* parse_version - a ">=" / "<=" operand: a version name or a hex number. */
static int parse_version(const char *tok, size_t len)
{
	int code = name_lookup(version_names, tok, len);

	return code != PF_INVALID ? code : parse_hex(tok, len);
}

/* bound_of - the bound OpenSSL keeps for a protocol number: 0 (none) for
 * 0 and for numbers SSL_CTX_set_min/max_proto_version() refuses. */
static int bound_of(int version)
{
	return version >= PF_SSL3_VERSION && version <= PF_MAX_VERSION ? version : 0;
}

struct pf_state {
	unsigned version;  /* pfconf_version of the Postfix reading the list; 0 newest */
	unsigned include;
	unsigned exclude;
	int floor;         /* protocol number, 0 none */
	int ceiling;       /* protocol number, 0 none */
	int too_new;       /* a ">=" / "<=" token before Postfix 3.6 */
};

/* apply_token - one token into st; returns 0 or PF_INVALID. Before
 * Postfix 3.6 a ">=" / "<=" token is an unknown protocol name. */
static int apply_token(struct pf_state *st, const char *tok, size_t len)
{
	int code;

	if (len >= 2 && (memcmp(tok, ">=", 2) == 0 || memcmp(tok, "<=", 2) == 0)) {
		if (st->version != 0 && st->version < PF_GE_SYNTAX) {
			st->too_new = 1;
			return PF_INVALID;
		}
		code = parse_version(tok + 2, len - 2);
		if (code == PF_INVALID)
			return PF_INVALID;
		if (tok[0] == '>')
			st->floor = code;
		else
			st->ceiling = code;
		return 0;
	}
	if (tok[0] == '!') {
		code = name_lookup(mask_names, tok + 1, len - 1);
		st->exclude |= code == PF_INVALID ? 0 : (unsigned)code;
	} else {
		code = name_lookup(mask_names, tok, len);
		st->include |= code == PF_INVALID ? 0 : (unsigned)code;
	}
	return code == PF_INVALID ? PF_INVALID : 0;
}

/* enabled_set - the TLS versions OpenSSL will negotiate for st. */
static unsigned enabled_set(const struct pf_state *st)
{
	unsigned off = st->include ? st->exclude | (PF_KNOWN & ~st->include) : st->exclude;
	int floor = bound_of(st->floor), ceiling = bound_of(st->ceiling);
	unsigned on = 0;

	for (int v = 0; v < TLSVER_COUNT; v++) {
		int num = PF_TLS1_VERSION + v;

		if ((off & (1u << v)) == 0 && (floor == 0 || num >= floor)
		    && (ceiling == 0 || num <= ceiling))
			on |= 1u << v;
	}
	return on & PF_TLS_ALL;
}

void pfproto_parse(const char *list, unsigned version, struct pfproto *res)
{
	struct pf_state st = { version, 0, 0, 0, 0, 0 };
	const char *p = list;
	size_t len;

	res->enabled = 0;
	res->floor = TLSVER_NONE;
	res->invalid = 0;
	res->too_new = 0;
	for (;;) {
		p += strspn(p, PF_SEPARATORS);
		if (*p == '\0')
			break;
		len = strcspn(p, PF_SEPARATORS);
		if (apply_token(&st, p, len) == PF_INVALID) {
			res->invalid = 1;
			res->too_new = st.too_new;
			return;
		}
		p += len;
	}
	res->enabled = enabled_set(&st);
	res->floor = pfproto_lowest_from(res, TLSVER_1_0);
}

int pfproto_lowest_from(const struct pfproto *p, int from)
{
	for (int v = from < TLSVER_1_0 ? TLSVER_1_0 : from; v < TLSVER_COUNT; v++)
		if (p->enabled & (1u << v))
			return v;
	return TLSVER_NONE;
}

int pfproto_format(int floor, unsigned version, int compact, char *buf, size_t size)
{
	const char *sep = compact ? "," : ", ";
	size_t len;
	int n;

	if (!tlsver_is_version(floor) || size == 0)
		return -1;
	if (version >= PF_GE_SYNTAX) {
		n = snprintf(buf, size, ">=%s", tlsver_name(floor));
		return n > 0 && (size_t)n < size ? 0 : -1;
	}
	n = snprintf(buf, size, "!SSLv2%s!SSLv3", sep);
	for (int v = TLSVER_1_0; v < floor && n > 0 && (size_t)n < size; v++) {
		len = (size_t)n;
		n = snprintf(buf + len, size - len, "%s!%s", sep, tlsver_name(v));
		n = n < 0 ? n : n + (int)len;
	}
	return n > 0 && (size_t)n < size ? 0 : -1;
}
