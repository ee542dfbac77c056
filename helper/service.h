/*
 * service.h - what every action first needs to know about a service:
 * installed, running, software version, TLS library, and (on request) the
 * endpoints its configuration defines.
 */
#ifndef MT_SERVICE_H
#define MT_SERVICE_H

#include "adapter.h"
#include "err.h"
#include "model.h"
#include "profile.h"
#include "vcache.h"

/* service_describe - fill svc for adapter a under profile p. Software facts
 * come from vc (an exec only when the binary changed). With read_config the
 * adapter's reader fills the endpoints, and ports the configuration leaves
 * open come from the profile's probe endpoints. Returns 0 or -1 (svc is then
 * partly filled; err says why). */
int service_describe(const struct mt_profile *p, const struct mt_adapter *a, struct vcache *vc,
		     int read_config, struct mt_service *svc, struct mt_err *err);

/* service_running - 1 when a pidfile of the profile names a live process,
 * 0 when none does, -1 when the profile lists no pidfiles. */
int service_running(const struct mt_profile *p, const char *service);

#endif
