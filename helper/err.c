/*
 * err.c - error records and the exit status each error code maps to.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mt_err_set(struct mt_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	mt_utf8_clean(err->message);
}

void mt_err_where(struct mt_err *err, const char *service, const char *endpoint)
{
	mt_strlcpy(err->service, service ? service : "", sizeof(err->service));
	mt_strlcpy(err->endpoint, endpoint ? endpoint : "", sizeof(err->endpoint));
}

/* Codes of a change that was attempted, failed and was undone, or of a
 * read-only action that failed (exit 1). Everything else that is not
 * rollback_failed was refused up front (exit 2). */
static const char *const failed_codes[] = {
	"config_check_failed", "restart_failed", "verify_failed", "io_error", "internal", NULL,
};

int mt_err_exit_status(const char *code)
{
	if (code == NULL)
		return 0;
	if (strcmp(code, "rollback_failed") == 0)
		return 3;
	for (size_t i = 0; failed_codes[i] != NULL; i++)
		if (strcmp(code, failed_codes[i]) == 0)
			return 1;
	return 2;
}

int mt_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n == 0)
		return -1;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

/* utf8_len - the length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void mt_utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		n = utf8_len(p);
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}
