/*
 * vcache.c - the software-version cache. Must never: trust an entry whose
 * binary changed, or fail a request because the cache cannot be written.
 */
#include "vcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "safefile.h"

void vcache_open(struct vcache *vc, const char *state_dir)
{
	struct safefile f;
	struct mt_err err;

	memset(vc, 0, sizeof(*vc));
	if (state_dir != NULL &&
	    snprintf(vc->path, sizeof(vc->path), "%s/software.json", state_dir) >= (int)sizeof(vc->path))
		vc->path[0] = '\0';  /* no cache rather than a cut name */
	if (vc->path[0] != '\0' && safefile_read(vc->path, &f, &err) == 0) {
		vc->root = json_loadb(f.data, f.len, JSON_REJECT_DUPLICATES, NULL);
		safefile_free(&f);
	}
	if (!json_is_object(vc->root)) {
		json_decref(vc->root);
		vc->root = json_object();
	}
}

/* identity - new reference: {dev, ino, size, mtime} of binary, or NULL. */
static json_t *identity(const char *binary)
{
	struct stat st;

	if (stat(binary, &st) != 0)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:I}", "dev", (json_int_t)st.st_dev, "ino",
			 (json_int_t)st.st_ino, "size", (json_int_t)st.st_size, "mtime",
			 (json_int_t)st.st_mtime);
}

/* same_identity - entry's identity fields equal id's. */
static int same_identity(json_t *entry, json_t *id)
{
	const char *key;
	json_t *value;

	json_object_foreach(id, key, value)
		if (!json_equal(json_object_get(entry, key), value))
			return 0;
	return 1;
}

int vcache_get(struct vcache *vc, const char *binary, const char *fact, char *buf, size_t size)
{
	json_t *id = identity(binary);
	json_t *entry = json_object_get(vc->root, binary);
	const char *value = json_string_value(json_object_get(entry, fact));
	int hit = id != NULL && value != NULL && same_identity(entry, id);

	json_decref(id);
	if (hit)
		mt_strlcpy(buf, value, size);
	return hit;
}

void vcache_put(struct vcache *vc, const char *binary, const char *fact, const char *value)
{
	json_t *id = identity(binary);
	json_t *entry = json_object_get(vc->root, binary);

	if (id == NULL)
		return;
	if (entry == NULL || !same_identity(entry, id)) {
		entry = id;
		json_object_set_new(vc->root, binary, id);
	} else {
		json_decref(id);
	}
	json_object_set_new(entry, fact, json_string(value));
	vc->dirty = 1;
}

json_t *vcache_section(struct vcache *vc, const char *name)
{
	json_t *o = json_object_get(vc->root, name);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(vc->root, name, o);
	}
	return o;
}

void vcache_close(struct vcache *vc)
{
	struct mt_err err;
	char *text = NULL;
	char dir[1024];
	char *slash;

	if (vc->dirty && vc->path[0] != '\0') {
		mt_strlcpy(dir, vc->path, sizeof(dir));
		slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		text = json_dumps(vc->root, JSON_INDENT(1) | JSON_SORT_KEYS);
		if (text != NULL && atomicfile_mkdir(dir, 0700, &err) == 0)
			atomicfile_write(vc->path, text, strlen(text), 0, 0, 0600, &err);
		free(text);
	}
	json_decref(vc->root);
	vc->root = NULL;
}
