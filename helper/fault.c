/*
 * fault.c - the test build's crash points (see fault.h). Empty otherwise.
 */
#include "fault.h"

#ifdef MT_FAULT_INJECTION
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fault_name[64];

#ifdef MT_ALLOC_FAULT
static unsigned long alloc_fail_at;   /* 0: no allocation fails */
#endif

void fault_init(void)
{
	const char *v = getenv("MT_FAULT");

	if (v != NULL && strlen(v) < sizeof(fault_name))
		strcpy(fault_name, v);
#ifdef MT_ALLOC_FAULT
	v = getenv("MT_ALLOC_FAIL");
	if (v != NULL)
		alloc_fail_at = strtoul(v, NULL, 10);
#endif
}

void fault_point(const char *name)
{
	if (fault_name[0] != '\0' && strcmp(fault_name, name) == 0)
		_exit(99);
}

#ifdef MT_ALLOC_FAULT
#include <errno.h>
#include <stdio.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

/* alloc_fails - count one allocation; 1 when it is the one that fails
 * (reported on stderr with write(2): nothing here may allocate). */
static int alloc_fails(void)
{
	static unsigned long count;
	char msg[64];
	int len;

	if (++count != alloc_fail_at)
		return 0;
	len = snprintf(msg, sizeof(msg), "mt-alloc-fault: allocation %lu failed\n", count);
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0)
		msg[0] = '\0';
	errno = ENOMEM;
	return 1;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails() ? NULL : __real_strndup(s, n);
}
#endif
#else
typedef int fault_unused_translation_unit;
#endif
