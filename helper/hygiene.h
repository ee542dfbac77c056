/*
 * hygiene.h - the first thing main does: a known process state.
 */
#ifndef MT_HYGIENE_H
#define MT_HYGIENE_H

/* hygiene_init - umask 077; fds 0-2 open (on /dev/null when closed), every
 * other fd closed; every signal at its default and none blocked, then
 * SIGPIPE ignored; working directory /; no core dumps; the environment
 * replaced by PATH=/usr/sbin:/usr/bin:/sbin:/bin and LC_ALL=C; allocation
 * failure routed to the fixed fatal reply. Returns 0, or -1 when the process
 * cannot be made safe (the caller then answers with a fixed error). */
int hygiene_init(void);

/* hygiene_close_from - close every fd >= lowest (close_range, or one by one
 * on kernels without it). Returns 0. */
int hygiene_close_from(int lowest);

#endif
