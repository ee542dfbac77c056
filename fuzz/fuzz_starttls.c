/*
 * fuzz_starttls.c - the STARTTLS reply reader of the probe (probe.c): the
 * bounded line reader fed the server's bytes in chunks, each line through
 * the SMTP reply parser and the dialogue state machine of one mode, until
 * the dialogue starts TLS or fails.
 * Input: one byte of mode (SMTP, IMAP, POP3), one byte of chunk size, then
 * what the server sends.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"

static const enum probe_mode modes[] = { PROBE_STARTTLS_SMTP, PROBE_STARTTLS_IMAP, PROBE_STARTTLS_POP3 };

/* feed_line - one complete line. Returns 1 when the dialogue is over. */
static int feed_line(struct probe_dialogue *d, const char *line)
{
	const char *send = NULL, *text = NULL;
	int code, last, rc;

	if (probe_smtp_reply(line, &code, &last, &text) == 0 &&
	    (code < 200 || code > 599 || text == NULL || text < line || text > line + strlen(line)))
		abort();
	rc = probe_dialogue_line(d, line, &send);
	if (rc == PROBE_DLG_SEND && (send == NULL || send[0] == '\0'))
		abort();
	if (rc == PROBE_DLG_FAIL && memchr(d->detail, '\0', sizeof(d->detail)) == NULL)
		abort();
	return rc == PROBE_DLG_TLS || rc == PROBE_DLG_FAIL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct probe_lines lr;
	static char line[PROBE_LINE_MAX + 1];
	struct probe_dialogue d;
	size_t chunk, room, off = 2;
	int done = 0, rc = 0;

	if (size < 2)
		return 0;
	probe_dialogue_init(&d, modes[data[0] % 3]);
	memset(&lr, 0, sizeof(lr));
	chunk = (size_t)data[1] + 1;
	while (!done && off < size) {
		char *p = probe_lines_space(&lr, &room);
		size_t n = size - off < chunk ? size - off : chunk;

		if (n > room)
			n = room;
		if (n == 0)
			break;   /* full without a line: the reader said -1 before */
		memcpy(p, data + off, n);
		probe_lines_added(&lr, n);
		off += n;
		while (!done && (rc = probe_lines_next(&lr, line, sizeof(line))) == 1)
			done = feed_line(&d, line);
		if (rc < 0)
			break;
	}
	return 0;
}
