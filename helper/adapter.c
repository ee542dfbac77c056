/*
 * adapter.c - the table of service adapters.
 */
#include "adapter.h"

#include <string.h>

const struct mt_adapter *const adapters[] = { &postfix_adapter, &dovecot_adapter, &courier_adapter, NULL };

const struct mt_adapter *adapter_find(const char *name)
{
	for (size_t i = 0; adapters[i] != NULL; i++)
		if (strcmp(adapters[i]->name, name) == 0)
			return adapters[i];
	return NULL;
}
