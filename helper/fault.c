/*
 * fault.c - the test build's crash points (see fault.h). Empty otherwise.
 */
#include "fault.h"

#ifdef MT_FAULT_INJECTION
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fault_name[64];

void fault_init(void)
{
	const char *v = getenv("MT_FAULT");

	if (v != NULL && strlen(v) < sizeof(fault_name))
		strcpy(fault_name, v);
}

void fault_point(const char *name)
{
	if (fault_name[0] != '\0' && strcmp(fault_name, name) == 0)
		_exit(99);
}
#else
typedef int fault_unused_translation_unit;
#endif
