/*
 * vcache.h - software facts that cost an exec (Postfix mail_version,
 * dovecot --version, Courier's TLS library), cached in the state directory
 * keyed by the binary's identity (device, inode, size, mtime), so that a warm
 * `status` runs nothing.
 */
#ifndef MT_VCACHE_H
#define MT_VCACHE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

struct vcache {
	char path[1024];   /* state_dir/software.json */
	json_t *root;      /* owned: {binary: {dev, ino, size, mtime, <fact>: value}} */
	int dirty;
};

/* vcache_open - load the cache of state_dir (an absent or unreadable cache
 * is an empty one). Never fails. */
void vcache_open(struct vcache *vc, const char *state_dir);

/* vcache_get - the cached fact for binary, if binary's identity still
 * matches; copies into buf and returns 1, else 0. */
int vcache_get(struct vcache *vc, const char *binary, const char *fact, char *buf, size_t size);

/* vcache_put - remember fact=value for binary's current identity. */
void vcache_put(struct vcache *vc, const char *binary, const char *fact, const char *value);

/* vcache_section - borrowed: a named object of the cache for facts that
 * belong to no binary (created when absent). Who adds to it sets vc->dirty. */
json_t *vcache_section(struct vcache *vc, const char *name);

/* vcache_close - write the cache back when it changed (creating state_dir,
 * mode 0700); failure only costs the next run an exec. Frees vc. */
void vcache_close(struct vcache *vc);

#endif
