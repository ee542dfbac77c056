/*
 * courier.c - the Courier-IMAP adapter: installed, version, TLS library (from
 * what couriertls links), and the status of the endpoints imap, imaps, pop3
 * and pop3s.
 *
 * Owns: which setting governs each endpoint and the floor it expresses.
 *  - GnuTLS build (Debian): TLS_PRIORITY only, one value per file set
 *    (imapd + imapd-ssl governs imap and imaps, pop3d + pop3d-ssl governs
 *    pop3 and pop3s); TLS_PROTOCOL, TLS_STARTTLS_PROTOCOL and
 *    TLS_CIPHER_LIST are ignored (FACTS.md §3, G5).
 *  - OpenSSL build (Plesk): TLS_PROTOCOL for the SSL ports,
 *    TLS_STARTTLS_PROTOCOL for STARTTLS, each matched against
 *    libcouriertls.c's list; any other value is no floor at all, so
 *    OpenSSL's security level alone decides (FACTS.md §4d, G6); TLS 1.0/1.1
 *    need `@SECLEVEL=0` in TLS_CIPHER_LIST; no TLSv1.3 floor exists.
 * The files are read as the launchers source them: `. imapd ; . imapd-ssl`.
 * Must never: run couriertls or a shell, read a file other than through
 * shvars/safefile, or write anything. What `set` writes is planned in
 * crplan.c, which reads through the same rules.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapter.h"
#include "crplan.h"
#include "safefile.h"
#include "shvars.h"
#include "spawn.h"
#include "cipherlist.h"
#include "tlsver.h"

#define CR_VERSION_TIMEOUT_MS 10000
#define CR_FLOORS_GNUTLS ((1u << TLSVER_COUNT) - 1)
#define CR_FLOORS_OPENSSL ((1u << TLSVER_1_0) | (1u << TLSVER_1_1) | (1u << TLSVER_1_2))

const struct cr_pair cr_pairs[CR_NPAIRS] = {
	{ "imapd", "imapd_ssl", "imap", "imaps", 143, 993, "IMAPDSTARTTLS" },
	{ "pop3d", "pop3d_ssl", "pop3", "pop3s", 110, 995, "POP3_STARTTLS" },
};

/* What one endpoint reads. */
struct cr_ctx {
	const struct shvars *vars;   /* the pair's file set */
	const char *ssl_path;        /* where a key nobody set would be written */
	int openssl;                 /* OpenSSL build (else GnuTLS) */
	int is_ssl;                  /* the implicit-TLS endpoint of the pair */
};

/* ---- GnuTLS priority strings ---------------------------------------- */

/* cr_gnutls_level - the TLS versions a priority keyword starts with
 * (GnuTLS 3.7: every level enables TLS 1.0-1.3, Suite B only 1.2, NONE
 * nothing); -1 when name is no keyword. */
static int cr_gnutls_level(const char *name, size_t n)
{
	static const char *const levels[] = {
		"NORMAL", "PERFORMANCE", "SECURE", "SECURE128", "SECURE192", "SECURE256",
		"PFS", "LEGACY", "SUITEB128", "SUITEB192", "NONE",
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strlen(levels[i]) != n || strncasecmp(name, levels[i], n) != 0)
			continue;
		if (strncasecmp(name, "SUITEB", 6) == 0)
			return 1 << TLSVER_1_2;
		return strcmp(levels[i], "NONE") == 0 ? 0 : (int)CR_FLOORS_GNUTLS;
	}
	return -1;
}

/* cr_gnutls_vers - the TLS versions a VERS-* item names (DTLS and SSL 3.0
 * name none); -1 when it is no VERS item GnuTLS knows. */
static int cr_gnutls_vers(const char *item, size_t n)
{
	static const struct { const char *name; int bits; } vers[] = {
		{ "VERS-TLS1.0", 1 << TLSVER_1_0 }, { "VERS-TLS1.1", 1 << TLSVER_1_1 },
		{ "VERS-TLS1.2", 1 << TLSVER_1_2 }, { "VERS-TLS1.3", 1 << TLSVER_1_3 },
		{ "VERS-ALL", (int)CR_FLOORS_GNUTLS }, { "VERS-TLS-ALL", (int)CR_FLOORS_GNUTLS },
		{ "VERS-DTLS-ALL", 0 }, { "VERS-DTLS1.0", 0 }, { "VERS-DTLS1.2", 0 },
		{ "VERS-DTLS0.9", 0 }, { "VERS-SSL3.0", 0 },
	};

	for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++)
		if (strlen(vers[i].name) == n && strncasecmp(item, vers[i].name, n) == 0)
			return vers[i].bits;
	return -1;
}

/* cr_gnutls_item - apply one element after the keyword to *enabled.
 * Returns 0, or -1 when GnuTLS would refuse it. Items other than VERS-*
 * (ciphers, MACs, groups, ...) are not checked; %flags are ignored. */
static int cr_gnutls_item(const char *item, size_t n, int *enabled)
{
	int bits;

	if (item[0] == '%')
		return n > 1 ? 0 : -1;
	if (item[0] != '+' && item[0] != '-' && item[0] != '!')
		return cr_gnutls_level(item, n) < 0 ? -1 : 0;   /* a later keyword keeps the versions */
	if (n < 2)
		return -1;
	if (cr_gnutls_level(item + 1, n - 1) >= 0)
		return item[0] == '+' ? 0 : -1;         /* "+SECURE128" adds, "-SECURE128" is refused */
	if (strncasecmp(item + 1, "VERS-", 5) != 0)
		return 0;
	bits = cr_gnutls_vers(item + 1, n - 1);
	if (bits < 0)
		return -1;
	*enabled = item[0] == '+' ? *enabled | bits : *enabled & ~bits;
	return 0;
}

/* cr_priority_floor - (crplan.h) every handshake fails when -1 (FACTS.md
 * §7). Elements may start with blanks, not end with them; empty elements
 * are errors. */
int cr_priority_floor(const char *prio)
{
	const char *p = prio;
	int enabled = -1;
	size_t n;

	for (;;) {
		p += strspn(p, " \t");
		n = strcspn(p, ":");
		if (n == 0 || p[n - 1] == ' ' || p[n - 1] == '\t')
			return -1;
		if (enabled < 0)
			enabled = cr_gnutls_level(p, n);      /* the first element: a keyword */
		else if (cr_gnutls_item(p, n, &enabled) != 0)
			return -1;
		if (enabled < 0)
			return -1;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	for (int v = TLSVER_1_0; v < TLSVER_COUNT; v++)
		if (enabled & (1 << v))
			return v;
	return -1;
}

/* ---- OpenSSL settings ------------------------------------------------- */

/* cr_openssl_protocol - TLS_PROTOCOL as libcouriertls.c matches it (exact
 * spelling); -1 for any other value: no protocol floor at all. */
static int cr_openssl_protocol(const char *v)
{
	static const struct { const char *name; int version; } names[] = {
		{ "TLSv1.2++", TLSVER_1_2 }, { "TLSv1.2+", TLSVER_1_2 }, { "TLSv1.2", TLSVER_1_2 },
		{ "TLSv1.1++", TLSVER_1_1 }, { "TLSv1.1+", TLSVER_1_1 }, { "TLSv1.1", TLSVER_1_1 },
		{ "TLSv1", TLSVER_1_0 }, { "TLS1", TLSVER_1_0 }, { "", TLSVER_1_0 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i].name) == 0)
			return names[i].version;
	return -1;
}

/* ---- endpoints ------------------------------------------------------- */

/* cr_source - a source for key: its last assignment, or its default (in
 * the -ssl file, line 0) when default_value is not NULL. Borrowed; NULL
 * when neither. */
static struct mt_source *cr_source(struct mt_endpoint *ep, const struct cr_ctx *c, const char *key,
				   const char *default_value)
{
	const struct shvar *v = shvars_get(c->vars, key);
	struct mt_source *s;

	if (v != NULL)
		return model_source(ep, v->file, v->line, key, v->value);
	if (default_value == NULL)
		return NULL;
	s = model_source(ep, c->ssl_path, 0, key, default_value);
	if (s != NULL)
		s->is_default = 1;
	return s;
}

/* cr_ignored - list key, when set, as a setting this build does not read. */
static void cr_ignored(struct mt_endpoint *ep, const struct cr_ctx *c, const char *key)
{
	struct mt_source *s;

	if (shvars_get(c->vars, key) == NULL || (s = cr_source(ep, c, key, NULL)) == NULL)
		return;
	s->ignored = 1;
	if (c->openssl)
		model_warn(ep, "ignored_key",
			   "%s is ignored: this Courier build uses OpenSSL, which reads TLS_PROTOCOL, TLS_STARTTLS_PROTOCOL and TLS_CIPHER_LIST",
			   key);
	else
		model_warn(ep, "ignored_key",
			   "%s is ignored: this Courier build uses GnuTLS, which reads only TLS_PRIORITY", key);
}

/* cr_fill_gnutls - TLS_PRIORITY (unset or empty: GnuTLS's NORMAL). */
static void cr_fill_gnutls(struct mt_endpoint *ep, const struct cr_ctx *c)
{
	const struct shvar *v = shvars_get(c->vars, "TLS_PRIORITY");
	const char *prio = v != NULL && v->value[0] != '\0' ? v->value : CR_PRIORITY_DEFAULT;
	int floor = cr_priority_floor(prio);

	ep->own_floor = 0;
	ep->floors = CR_FLOORS_GNUTLS;
	cr_source(ep, c, "TLS_PRIORITY", CR_PRIORITY_DEFAULT);
	cr_ignored(ep, c, "TLS_PROTOCOL");
	cr_ignored(ep, c, "TLS_STARTTLS_PROTOCOL");
	cr_ignored(ep, c, "TLS_CIPHER_LIST");
	ep->configured = floor < 0 ? TLSVER_NONE : floor;
	ep->effective = ep->configured;
	if (floor < 0)
		model_warn(ep, "invalid_value",
			   "TLS_PRIORITY '%s' is not a priority string GnuTLS accepts for TLS: every TLS handshake fails",
			   prio);
}

/* cr_openssl_effective - what the security level leaves of the floor. */
static void cr_openssl_effective(struct mt_endpoint *ep, const char *key, const char *value,
				 const char *ciphers)
{
	int level = tlsver_cipher_seclevel(ciphers);
	int blocks = level != 0;

	if (ep->configured == TLSVER_NONE) {
		ep->effective = blocks ? TLSVER_1_2 : TLSVER_1_0;
		model_warn(ep, "no_floor",
			   "%s '%s' is not a value Courier knows, so no protocol floor is set: the security level alone admits %s and up",
			   key, value, tlsver_name(ep->effective));
		ep->effective = cipherlist_raise(ep, "TLS_CIPHER_LIST", ciphers, ep->effective, TLSVER_1_3);
		return;
	}
	ep->effective = cipherlist_raise(ep, "TLS_CIPHER_LIST", ciphers, ep->configured, TLSVER_1_3);
	if (ep->effective >= TLSVER_1_2 || !blocks)
		return;
	ep->effective = TLSVER_1_2;
	if (level < 0)
		model_warn(ep, "seclevel_blocks_floor",
			   "TLS_CIPHER_LIST keeps OpenSSL's security level at 2: TLS 1.0/1.1 cannot be negotiated");
	else
		model_warn(ep, "seclevel_blocks_floor",
			   "TLS_CIPHER_LIST sets OpenSSL's security level to %d (@SECLEVEL=%d): TLS 1.0/1.1 cannot be negotiated",
			   level, level);
}

/* cr_fill_openssl - TLS_PROTOCOL (SSL port) or TLS_STARTTLS_PROTOCOL
 * (STARTTLS; the launcher hands it to couriertls as TLS_PROTOCOL), unset
 * meaning "" = TLSv1, and TLS_CIPHER_LIST. */
static void cr_fill_openssl(struct mt_endpoint *ep, const struct cr_ctx *c)
{
	const char *key = c->is_ssl ? "TLS_PROTOCOL" : "TLS_STARTTLS_PROTOCOL";
	const struct shvar *v = shvars_get(c->vars, key);
	const struct shvar *ciphers = shvars_get(c->vars, "TLS_CIPHER_LIST");
	const char *value = v ? v->value : "";
	int floor = cr_openssl_protocol(value);

	ep->own_floor = 1;
	ep->floors = CR_FLOORS_OPENSSL;
	cr_source(ep, c, key, "");
	cr_source(ep, c, "TLS_CIPHER_LIST", CR_CIPHERS_DEFAULT);
	cr_ignored(ep, c, "TLS_PRIORITY");
	ep->configured = floor < 0 ? TLSVER_NONE : floor;
	cr_openssl_effective(ep, key, value, ciphers && ciphers->value[0] ? ciphers->value : CR_CIPHERS_DEFAULT);
}

/* cr_port - a couriertcpd port list ("143", "127.0.0.1.143,::1.143"): the
 * port of its first element; def when unset; 0 when it cannot be read. */
static int cr_port(const struct shvars *vars, const char *name, int def)
{
	const struct shvar *v = shvars_get(vars, name);
	const char *p, *dot;
	size_t n;
	long port = 0;

	if (v == NULL)
		return def;
	n = strcspn(v->value, ",");
	dot = memrchr(v->value, '.', n);
	p = dot ? dot + 1 : v->value;
	n -= (size_t)(p - v->value);
	if (n == 0 || n > 5 || strspn(p, "0123456789") < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		port = port * 10 + (p[i] - '0');
	return port > 0 && port <= 65535 ? (int)port : 0;
}

/* cr_starttls_off - STARTTLS switched off on the plain port (the switch set
 * to anything but YES): no TLS there at all. */
static int cr_starttls_off(struct mt_endpoint *ep, const struct cr_ctx *c, const char *var)
{
	const struct shvar *v = shvars_get(c->vars, var);

	if (v == NULL || v->value[0] == 'Y' || v->value[0] == 'y')
		return 0;
	model_source(ep, v->file, v->line, var, v->value);
	model_warn(ep, "tls_disabled", "%s=%s: Courier offers no STARTTLS here", var, v->value);
	ep->effective = TLSVER_NONE;
	return 1;
}

/* cr_fill_pair - the two endpoints one launcher pair serves. */
static void cr_fill_pair(struct mt_service *svc, const struct cr_pair *pair, struct cr_ctx *c)
{
	struct mt_endpoint *ep;

	for (int ssl = 0; ssl < 2; ssl++) {
		ep = model_endpoint(svc, ssl ? pair->ssl_role : pair->plain_role);
		if (ep == NULL)
			return;
		c->is_ssl = ssl;
		ep->port = ssl ? cr_port(c->vars, "SSLPORT", pair->ssl_port)
			       : cr_port(c->vars, "PORT", pair->plain_port);
		if (c->openssl)
			cr_fill_openssl(ep, c);
		else
			cr_fill_gnutls(ep, c);
		if (!ssl)
			cr_starttls_off(ep, c, pair->starttls_var);
	}
}

int cr_load_pair(const struct mt_profile *p, const struct cr_pair *pair, struct shvars *vars,
			struct mt_err *err)
{
	const char *plain = profile_str(p, "courier", pair->plain_key);
	const char *ssl = profile_str(p, "courier", pair->ssl_key);
	int rc;

	if (ssl == NULL || !safefile_exists(ssl))
		return 1;
	if (plain != NULL && shvars_load(vars, plain, err) < 0)
		return -1;
	rc = shvars_load(vars, ssl, err);
	return rc < 0 ? -1 : 0;
}

void cr_status_from_vars(struct mt_service *svc, const struct cr_pair *pair, const struct shvars *vars,
			 const char *ssl_path, int openssl)
{
	struct cr_ctx c = { 0 };

	c.vars = vars;
	c.ssl_path = ssl_path;
	c.openssl = openssl;
	cr_fill_pair(svc, pair, &c);
}

static int courier_read_status(const struct mt_profile *p, struct mt_service *svc, struct mt_err *err)
{
	int openssl = strcmp(svc->tls_library, "openssl") == 0;
	struct shvars vars;
	int rc = 0;

	if (!openssl && strcmp(svc->tls_library, "gnutls") != 0)
		model_service_warn(svc, "tls_library_unknown",
				   "could not tell whether couriertls links GnuTLS or OpenSSL: the files are read as for GnuTLS");
	for (size_t i = 0; rc == 0 && i < CR_NPAIRS; i++) {
		memset(&vars, 0, sizeof(vars));
		rc = cr_load_pair(p, &cr_pairs[i], &vars, err);
		if (rc == 0)
			cr_status_from_vars(svc, &cr_pairs[i], &vars,
					    profile_str(p, "courier", cr_pairs[i].ssl_key), openssl);
		shvars_free(&vars);
		rc = rc < 0 ? -1 : 0;
	}
	return rc;
}

/* ---- detection --------------------------------------------------------- */

static int courier_installed(const struct mt_profile *p)
{
	const char *imap = profile_str(p, "courier", "imapd_ssl");
	const char *pop3 = profile_str(p, "courier", "pop3d_ssl");

	return (imap != NULL && safefile_exists(imap)) || (pop3 != NULL && safefile_exists(pop3));
}

/* courier_tls_binary - couriertls, whose links decide the TLS library
 * (borrowed from the profile). */
static const char *courier_tls_binary(const struct mt_profile *p)
{
	return profile_str(p, "courier", "couriertls");
}

static const char *courier_version_binary(const struct mt_profile *p)
{
	return profile_str(p, "courier", "imapd_bin");
}

/* cr_version_text - "5.0.13" from "Courier 1.0.16 (Courier-IMAP 5.0.13)/...",
 * else the first line of out, cut to size. */
static void cr_version_text(const char *out, char *buf, size_t size)
{
	const char *p = strstr(out, "(Courier-IMAP ");
	size_t n;

	if (p != NULL) {
		p += 14;
		n = strcspn(p, ")\n");
		if (p[n] == ')' && n > 0 && n < size && strspn(p, "0123456789.") == n) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			return;
		}
	}
	out += strspn(out, " \t\r\n");
	n = strcspn(out, "\r\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, out, n);
	buf[n] = '\0';
}

static int courier_query_version(const struct mt_profile *p, char *buf, size_t size, struct mt_err *err)
{
	const char *bin = profile_str(p, "courier", "imapd_bin");
	char *argv[] = { (char *)bin, "--version", NULL };
	char out[SPAWN_OUTPUT_MAX];

	buf[0] = '\0';
	if (bin == NULL || size == 0)
		return 0;
	if (spawn_capture(argv, CR_VERSION_TIMEOUT_MS, out, sizeof(out), err) != 0)
		return -1;
	if (out[0] != '\0')
		cr_version_text(out, buf, size);
	return 0;
}

/* ---- which TLS library couriertls links: ELF DT_NEEDED ---------------- */

#define CR_ELF_MAX_PHDRS 256
#define CR_ELF_MAX_DYN 4096

/* An ELF image in memory, native byte order. */
struct cr_elf {
	const unsigned char *data;
	size_t len;
	int is64;
};

/* One program header, widened. */
struct cr_phdr {
	uint32_t type;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
};

/* cr_in_file - [off, off+size) lies inside the image. */
static int cr_in_file(const struct cr_elf *elf, uint64_t off, uint64_t size)
{
	return off <= elf->len && size <= elf->len - off;
}

/* cr_elf_open - check the identification; 0 when the image is an ELF file
 * of this host's byte order this reader understands. */
static int cr_elf_open(struct cr_elf *elf)
{
	const uint16_t probe = 1;
	int host_lsb = *(const unsigned char *)&probe == 1;
	const unsigned char *id = elf->data;

	if (elf->len < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return -1;
	if (id[EI_DATA] != (host_lsb ? ELFDATA2LSB : ELFDATA2MSB))
		return -1;
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return -1;
	elf->is64 = id[EI_CLASS] == ELFCLASS64;
	return cr_in_file(elf, 0, elf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)) ? 0 : -1;
}

/* cr_phdr_at - program header i, or -1 when out of bounds. */
static int cr_phdr_at(const struct cr_elf *elf, size_t i, struct cr_phdr *ph)
{
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;
	Elf64_Phdr p64;
	Elf32_Phdr p32;
	uint64_t off;

	if (elf->is64) {
		memcpy(&e64, elf->data, sizeof(e64));
		if (e64.e_phentsize != sizeof(p64) || i >= e64.e_phnum)
			return -1;
		off = e64.e_phoff + i * sizeof(p64);
		if (e64.e_phoff > elf->len || !cr_in_file(elf, off, sizeof(p64)))
			return -1;
		memcpy(&p64, elf->data + off, sizeof(p64));
		*ph = (struct cr_phdr){ p64.p_type, p64.p_offset, p64.p_vaddr, p64.p_filesz };
		return 0;
	}
	memcpy(&e32, elf->data, sizeof(e32));
	if (e32.e_phentsize != sizeof(p32) || i >= e32.e_phnum)
		return -1;
	off = (uint64_t)e32.e_phoff + i * sizeof(p32);
	if (!cr_in_file(elf, off, sizeof(p32)))
		return -1;
	memcpy(&p32, elf->data + off, sizeof(p32));
	*ph = (struct cr_phdr){ p32.p_type, p32.p_offset, p32.p_vaddr, p32.p_filesz };
	return 0;
}

/* cr_dyn_at - dynamic entry i of the PT_DYNAMIC segment dyn. */
static int cr_dyn_at(const struct cr_elf *elf, const struct cr_phdr *dyn, size_t i, int64_t *tag,
		     uint64_t *val)
{
	size_t sz = elf->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	uint64_t off = dyn->offset + i * sz;
	Elf64_Dyn d64;
	Elf32_Dyn d32;

	if ((i + 1) * sz > dyn->filesz || dyn->offset > elf->len || !cr_in_file(elf, off, sz))
		return -1;
	if (elf->is64) {
		memcpy(&d64, elf->data + off, sz);
		*tag = d64.d_tag;
		*val = d64.d_un.d_val;
	} else {
		memcpy(&d32, elf->data + off, sz);
		*tag = d32.d_tag;
		*val = d32.d_un.d_val;
	}
	return 0;
}

/* cr_vaddr_offset - the file offset of virtual address va (via PT_LOAD). */
static int cr_vaddr_offset(const struct cr_elf *elf, uint64_t va, uint64_t *off)
{
	struct cr_phdr ph;

	for (size_t i = 0; i < CR_ELF_MAX_PHDRS && cr_phdr_at(elf, i, &ph) == 0; i++)
		if (ph.type == PT_LOAD && va >= ph.vaddr && va - ph.vaddr < ph.filesz) {
			*off = ph.offset + (va - ph.vaddr);
			return 0;
		}
	return -1;
}

/* cr_tls_name - "gnutls" or "openssl" for a DT_NEEDED name, else NULL. */
static const char *cr_tls_name(const char *needed)
{
	if (strncmp(needed, "libgnutls.so", 12) == 0)
		return "gnutls";
	if (strncmp(needed, "libssl.so", 9) == 0)
		return "openssl";
	return NULL;
}

/* cr_needed_in - scan the DT_NEEDED names of the dynamic segment dyn. */
static const char *cr_needed_in(const struct cr_elf *elf, const struct cr_phdr *dyn)
{
	uint64_t strtab = 0, strsz = 0, val, stroff, needed[64];
	size_t nneeded = 0;
	int64_t tag;
	const char *name;

	for (size_t i = 0; i < CR_ELF_MAX_DYN && cr_dyn_at(elf, dyn, i, &tag, &val) == 0 && tag != DT_NULL; i++) {
		if (tag == DT_STRTAB)
			strtab = val;
		else if (tag == DT_STRSZ)
			strsz = val;
		else if (tag == DT_NEEDED && nneeded < 64)
			needed[nneeded++] = val;
	}
	if (strsz == 0 || cr_vaddr_offset(elf, strtab, &stroff) != 0 || !cr_in_file(elf, stroff, strsz))
		return NULL;
	for (size_t i = 0; i < nneeded; i++) {
		if (needed[i] >= strsz || memchr(elf->data + stroff + needed[i], '\0', strsz - needed[i]) == NULL)
			continue;
		name = cr_tls_name((const char *)elf->data + stroff + needed[i]);
		if (name != NULL)
			return name;
	}
	return NULL;
}

/* cr_elf_tls - the TLS library an ELF image links (DT_NEEDED), or NULL. */
static const char *cr_elf_tls(struct cr_elf *elf)
{
	struct cr_phdr ph;

	if (cr_elf_open(elf) != 0)
		return NULL;
	for (size_t i = 0; i < CR_ELF_MAX_PHDRS && cr_phdr_at(elf, i, &ph) == 0; i++)
		if (ph.type == PT_DYNAMIC)
			return cr_needed_in(elf, &ph);
	return NULL;
}

/* cr_bytes_tls - fallback for an image the ELF reader cannot follow: the
 * library names anywhere in its bytes (GnuTLS first: a GnuTLS build has no
 * reason to name libssl). */
static const char *cr_bytes_tls(const struct cr_elf *elf)
{
	if (memmem(elf->data, elf->len, "libgnutls.so", 12) != NULL)
		return "gnutls";
	if (memmem(elf->data, elf->len, "libssl.so", 9) != NULL)
		return "openssl";
	return NULL;
}

static int courier_query_tls_library(const struct mt_profile *p, char *buf, size_t size,
				     struct mt_err *err)
{
	const char *bin = profile_str(p, "courier", "couriertls");
	struct safefile f;
	struct cr_elf elf;
	const char *name;
	int rc;

	buf[0] = '\0';
	if (bin == NULL)
		return 0;
	rc = safefile_read_flags(bin, &f, SAFEFILE_BINARY, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	elf = (struct cr_elf){ (const unsigned char *)f.data, f.len, 0 };
	name = cr_elf_tls(&elf);
	if (name == NULL)
		name = cr_bytes_tls(&elf);
	if (name != NULL)
		mt_strlcpy(buf, name, size);
	safefile_free(&f);
	return 0;
}

const struct mt_adapter courier_adapter = {
	.name = "courier",
	.installed = courier_installed,
	.version_binary = courier_version_binary,
	.tls_binary = courier_tls_binary,
	.query_version = courier_query_version,
	.query_tls_library = courier_query_tls_library,
	.read_status = courier_read_status,
	.plan_floors = crplan_floors,
	.restart_on_auto = 1,
};
