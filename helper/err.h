/*
 * err.h - the error a library-style function reports to its caller.
 *
 * Modules never print and never build JSON: they fill a struct mt_err and
 * return -1 (or NULL). Only main turns an error into the JSON reply and the
 * exit status. Codes are the stable lowercase strings of protocol v1.
 */
#ifndef MT_ERR_H
#define MT_ERR_H

#include <stddef.h>

struct mt_err {
	const char *code;      /* static string; NULL while no error */
	char message[512];
	char service[16];      /* "" when the error concerns no one service */
	char endpoint[48];     /* "service/role" or "" */
};

/* mt_err_set - record an error; the message is printf-formatted and cut
 * (never overrun) at the buffer's size. code must be a static string. */
void mt_err_set(struct mt_err *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mt_err_where - attach the service and endpoint an error concerns. */
void mt_err_where(struct mt_err *err, const char *service, const char *endpoint);

/* mt_err_exit_status - the process exit status for an error code:
 * 2 refused before anything was attempted, 1 failed (and undone),
 * 3 rollback failed. */
int mt_err_exit_status(const char *code);

/* mt_strlcpy - copy src into dst of size n, always NUL-terminated.
 * Returns 0, or -1 when src did not fit (dst then holds a cut copy). */
int mt_strlcpy(char *dst, const char *src, size_t n);

/* mt_utf8_clean - replace, in place, every byte of s that is not part of a
 * valid UTF-8 sequence (and a sequence cut at the end) by '?': text from
 * files and commands can then always become a JSON string. */
void mt_utf8_clean(char *s);

#endif
