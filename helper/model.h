/*
 * model.h - what a service reader finds: per endpoint (a role, not a port or
 * a master.cf name) the configured and effective floor, the settings that
 * decide them (sources) and warnings. Fixed-size records: a reader fills
 * them without allocating, and a full table drops the surplus and says so.
 *
 * model.c renders these records as the JSON of `status` and `capabilities`;
 * it never reads files or runs anything.
 */
#ifndef MT_MODEL_H
#define MT_MODEL_H

#include <jansson.h>
#include <stddef.h>

#define MT_PATH_MAX 1024
#define MT_VALUE_MAX 1024
#define MT_MAX_SOURCES 8
#define MT_MAX_WARNINGS 8
#define MT_MAX_ENDPOINTS 8
#define MT_MAX_INSTANCES 8

struct mt_source {
	char file[MT_PATH_MAX];
	unsigned line;             /* 1-based; 0 for a built-in default */
	char key[64];
	char value[MT_VALUE_MAX];  /* raw value as written (continuations joined) */
	int is_default;            /* nobody set the key: the software's default */
	int is_override;           /* a master.cf -o override */
	int ignored;               /* present, but this build/role does not read it */
	char instance[64];         /* master.cf service name, "" elsewhere */
};

struct mt_warning {
	const char *code;          /* static: seclevel_blocks_floor, invalid_value, ... */
	char message[384];
};

struct mt_endpoint {
	char role[16];             /* smtp, submission, smtps, outbound, imap, imaps, pop3, pop3s */
	int port;                  /* 0 when the configuration does not say */
	int configured;            /* enum tlsver or TLSVER_NONE */
	int effective;             /* enum tlsver or TLSVER_NONE */
	int own_floor;             /* can take a floor of its own */
	int read_only;             /* reported, never set (postfix/outbound) */
	unsigned floors;           /* bit v set: floor v can be set here */
	struct mt_source sources[MT_MAX_SOURCES];
	size_t nsources;
	struct mt_warning warnings[MT_MAX_WARNINGS];
	size_t nwarnings;
	char instances[MT_MAX_INSTANCES][64];
	size_t ninstances;
};

struct mt_service {
	char name[16];
	int installed;
	int running;               /* 1, 0, or -1 unknown */
	char version[64];          /* "" unknown */
	char tls_library[16];      /* "openssl", "gnutls", "" unknown */
	struct mt_endpoint endpoints[MT_MAX_ENDPOINTS];
	size_t nendpoints;
	struct mt_warning warnings[MT_MAX_WARNINGS];
	size_t nwarnings;
};

/* model_endpoint - the endpoint with this role, added (zeroed, configured and
 * effective TLSVER_NONE) when absent; NULL when the table is full.
 * Borrowed pointer into svc. */
struct mt_endpoint *model_endpoint(struct mt_service *svc, const char *role);

/* model_find_endpoint - the endpoint with this role or NULL (borrowed). */
struct mt_endpoint *model_find_endpoint(struct mt_service *svc, const char *role);

/* model_source - append a source; value and file are copied (cut at the
 * buffer size, which then ends in "..."). NULL when the table is full. */
struct mt_source *model_source(struct mt_endpoint *ep, const char *file, unsigned line,
			       const char *key, const char *value);

/* model_warn / model_service_warn - append a warning (dropped when full;
 * a repeated code+message is not added twice). */
void model_warn(struct mt_endpoint *ep, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void model_service_warn(struct mt_service *svc, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* model_instance - record a master.cf service name under its role. */
void model_instance(struct mt_endpoint *ep, const char *name);

/* model_has_warning - 1 when ep carries a warning with this code. */
int model_has_warning(const struct mt_endpoint *ep, const char *code);

/* model_status_json / model_capabilities_json - new references: the
 * `services[]` entry of a status or capabilities reply. NULL on OOM. */
json_t *model_status_json(const struct mt_service *svc);
json_t *model_capabilities_json(const struct mt_service *svc);

#endif
