/*
 * service.c - detection shared by status and capabilities. Runs a service's
 * binary only to learn its version or TLS library when the cache misses.
 */
#include "service.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safefile.h"

/* pid_alive - the pidfile holds the pid of a live process. */
static int pid_alive(const char *pidfile)
{
	struct safefile f;
	struct mt_err err;
	char *end;
	long pid;
	int alive = 0;

	if (safefile_read_flags(pidfile, &f, SAFEFILE_PATH_LINKS, &err) != 0)
		return 0;
	errno = 0;
	pid = strtol(f.data, &end, 10);
	if (errno == 0 && end != f.data && pid > 1 && pid < (1L << 22))
		alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
	safefile_free(&f);
	return alive;
}

int service_running(const struct mt_profile *p, const char *service)
{
	json_t *list = profile_list(p, service, "pidfiles");
	size_t i;
	json_t *path;

	if (json_array_size(list) == 0)
		return -1;
	json_array_foreach(list, i, path)
		if (pid_alive(json_string_value(path)))
			return 1;
	return 0;
}

/* cached_fact - a software fact from the cache, or from query() on a miss. */
static int cached_fact(const struct mt_profile *p, struct vcache *vc, const char *binary,
		       const char *fact, char *buf, size_t size,
		       int (*query)(const struct mt_profile *, char *, size_t, struct mt_err *),
		       struct mt_err *err)
{
	buf[0] = '\0';
	if (binary == NULL || !safefile_exists(binary))
		return 0;
	if (vcache_get(vc, binary, fact, buf, size))
		return 0;
	if (query(p, buf, size, err) != 0)
		return -1;
	mt_utf8_clean(buf);
	if (buf[0] != '\0')
		vcache_put(vc, binary, fact, buf);
	return 0;
}

/* fill_ports - ports the configuration left open, from the profile. */
static void fill_ports(const struct mt_profile *p, struct mt_service *svc)
{
	char name[48];

	for (size_t i = 0; i < svc->nendpoints; i++) {
		if (svc->endpoints[i].port != 0)
			continue;
		snprintf(name, sizeof(name), "%s/%s", svc->name, svc->endpoints[i].role);
		svc->endpoints[i].port = profile_endpoint_port(p, name);
	}
}

int service_describe(const struct mt_profile *p, const struct mt_adapter *a, struct vcache *vc,
		     int read_config, struct mt_service *svc, struct mt_err *err)
{
	const char *binary = a->version_binary(p);

	memset(svc, 0, sizeof(*svc));
	mt_strlcpy(svc->name, a->name, sizeof(svc->name));
	svc->installed = a->installed(p);
	svc->running = service_running(p, a->name);
	if (!svc->installed)
		return 0;
	if (cached_fact(p, vc, binary, "version", svc->version, sizeof(svc->version),
			a->query_version, err) != 0)
		return -1;
	if (cached_fact(p, vc, a->tls_binary ? a->tls_binary(p) : binary, "tls_library",
			svc->tls_library, sizeof(svc->tls_library), a->query_tls_library, err) != 0) {
		/* An unreadable TLS library is not worth failing every service for. */
		model_service_warn(svc, "tls_library_unknown", "%s", err->message);
		svc->tls_library[0] = '\0';
		memset(err, 0, sizeof(*err));
	}
	if (!read_config)
		return 0;
	if (a->read_status(p, svc, err) != 0) {
		mt_err_where(err, a->name, NULL);
		return -1;
	}
	fill_ports(p, svc);
	return 0;
}
