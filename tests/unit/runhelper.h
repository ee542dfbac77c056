/*
 * runhelper.h - test support: run the built helper with bytes on stdin and
 * collect its exit status and parsed reply.
 */
#ifndef MT_TEST_RUNHELPER_H
#define MT_TEST_RUNHELPER_H

#include <jansson.h>
#include <stddef.h>

struct helper_run {
	int exit_code;
	json_t *reply;     /* new reference, NULL when stdout was not one JSON object */
	char out[65536];   /* raw stdout, NUL-terminated */
};

/* run_helper - run $MT_HELPER (default helper/mail-tls-helper) with args
 * (NULL-terminated, may be NULL) and input on stdin. Returns 0 or -1. */
int run_helper(const char *const *args, const char *input, size_t len, struct helper_run *run);

#endif
