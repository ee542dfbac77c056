/*
 * hygiene.h - the first thing main does: a known process state.
 */
#ifndef MT_HYGIENE_H
#define MT_HYGIENE_H

/* hygiene_init - umask 077; fds 0-2 open (on /dev/null when closed), every
 * other fd closed; the environment replaced by PATH=/usr/sbin:/usr/bin:/sbin:/bin
 * and LC_ALL=C; SIGPIPE ignored; allocation failure routed to the fixed
 * fatal reply. Returns 0, or -1 when the process cannot be made safe (the
 * caller then exits without reading input). */
int hygiene_init(void);

#endif
