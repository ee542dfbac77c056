/*
 * fault.h - crash points for tests. Compiled only into the test build
 * (helper/mail-tls-helper-fault, -DMT_FAULT_INJECTION): fault_point(NAME)
 * ends the process at once (_exit, no cleanup, like kill -9) when the
 * environment the helper was started with had MT_FAULT=NAME. In the real
 * helper both calls compile to nothing.
 */
#ifndef MT_FAULT_H
#define MT_FAULT_H

#ifdef MT_FAULT_INJECTION
/* fault_init - remember MT_FAULT (and, in the allocation build,
 * MT_ALLOC_FAIL) before the environment is replaced. */
void fault_init(void);
void fault_point(const char *name);
#else
#define fault_init() ((void)0)
#define fault_point(name) ((void)(name))
#endif

/*
 * The allocation-failure build (helper/mail-tls-helper-alloc, mk/hardening.mk:
 * -DMT_FAULT_INJECTION -DMT_ALLOC_FAULT, linked with -Wl,--wrap=malloc,
 * --wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup) counts every
 * allocation the helper's own code makes, Jansson's included (hygiene.c's
 * json_set_alloc_funcs allocator calls malloc), and makes the Nth one fail
 * (return NULL, errno ENOMEM) when the helper was started with
 * MT_ALLOC_FAIL=N. Only that one fails; the ones after it succeed again.
 * When it fails, "mt-alloc-fault: allocation N failed" goes to stderr, so a
 * test knows that N was reached. Allocations inside libc and OpenSSL are not
 * counted (they do not go through the wrapped symbols).
 */
#ifdef MT_ALLOC_FAULT
#include <stddef.h>
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
#endif

#endif
