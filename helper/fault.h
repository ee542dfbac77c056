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
/* fault_init - remember MT_FAULT before the environment is replaced. */
void fault_init(void);
void fault_point(const char *name);
#else
#define fault_init() ((void)0)
#define fault_point(name) ((void)(name))
#endif

#endif
