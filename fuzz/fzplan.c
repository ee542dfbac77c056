/*
 * fzplan.c - see fzplan.h.
 */
#include "fzplan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "plan.h"
#include "tlsver.h"

void fz_profile(struct mt_profile *p, const char *service, const char *section)
{
	char text[4096], *o = text;
	struct mt_err err = { 0 };
	json_t *root, *sec;

	if (p->root != NULL)
		return;
	for (const char *c = section; *c != '\0' && o < text + sizeof(text) - 128; c++) {
		if (*c == '@')
			o += snprintf(o, 100, "%s", fz_dir());
		else
			*o++ = *c;
	}
	*o = '\0';
	sec = json_loads(text, 0, NULL);
	root = json_pack("{s:s, s:s, s:o}", "name", "fuzz", "state_dir", fz_path(0, "state"), service, sec);
	if (sec == NULL || root == NULL || profile_load_json(p, root, &err) != 0) {
		fprintf(stderr, "fuzz profile refused: %s\n", err.message);
		abort();
	}
}

/* request_of - the floor request the option bytes stand for. */
static void request_of(const struct fz_part *o, const struct mt_service *svc,
		       struct mt_floor_request *req)
{
	unsigned f = fz_opt(o, 0) % 5;

	req->service_floor = f < 4 ? (int)f : TLSVER_NONE;
	req->ciphers = (enum cipher_policy)(fz_opt(o, 1) % 5);
	for (size_t i = 0; i < MT_MAX_ENDPOINTS; i++) {
		unsigned e = fz_opt(o, 2 + i) % 6;

		req->endpoint_floor[i] = i < svc->nendpoints && e < 4 ? (int)e : TLSVER_NONE;
	}
}

/* nuls - the NUL bytes in p[0..len) (p may be NULL when len is 0). */
static size_t nuls(const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\0';
	return n;
}

/* write_back - the rendered files replace the originals (inside fz_dir). */
static void write_back(const struct plan *pl)
{
	size_t base = strlen(fz_dir()) + 1;

	for (size_t i = 0; i < pl->nfiles; i++) {
		const struct plan_file *f = &pl->files[i];

		if (strncmp(f->path, fz_dir(), base - 1) != 0)
			abort();   /* the planner named a file outside the profile's tree */
		if (f->after == NULL || f->remove)
			continue;
		if (!f->whole && nuls(f->after, f->after_len) > nuls(f->before.data, f->before.len))
			abort();   /* an edit wrote a NUL byte */
		fz_write(f->path + base, f->after, f->after_len);
	}
}

void fz_plan_step(const struct mt_adapter *a, const struct mt_profile *p, const char *version,
		  const char *tls_library, const struct fz_part *options)
{
	static struct mt_service svc;
	static struct plan pl;
	struct mt_floor_request req;
	struct mt_err err = { 0 };
	json_t *state = json_object();

	memset(&svc, 0, sizeof(svc));
	memset(&pl, 0, sizeof(pl));
	snprintf(svc.name, sizeof(svc.name), "%s", a->name);
	snprintf(svc.version, sizeof(svc.version), "%s", version);
	snprintf(svc.tls_library, sizeof(svc.tls_library), "%s", tls_library);
	svc.installed = 1;
	if (a->read_status(p, &svc, &err) == 0) {
		request_of(options, &svc, &req);
		if (a->plan_floors(p, &svc, &req, state, &pl, &err) == 0 && plan_render(&pl, &err) == 0) {
			write_back(&pl);
			memset(&svc.endpoints, 0, sizeof(svc.endpoints));
			svc.nendpoints = 0;
			svc.nwarnings = 0;
			(void)a->read_status(p, &svc, &err);
		}
	}
	plan_free(&pl);
	json_decref(state);
}
