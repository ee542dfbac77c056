/*
 * logfilter.c - the literal prefilter (see logfilter.h).
 *
 * The vector search tests 16 start positions at once: a position is a
 * candidate for a literal when its first and its last byte match there
 * (first at i, last at i + len - 1); candidates are then confirmed with
 * memcmp. One pass over the block finds the next candidate of all four
 * literals, instead of one memmem pass per literal and line.
 */
#include "logfilter.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const struct literal {
	const char *text;
	size_t len;
} literals[] = {
	{ "TLS", 3 }, { "SSL", 3 }, { "ip=[", 4 }, { "starttls=", 9 },
};
#define NLIT (sizeof(literals) / sizeof(literals[0]))
#define LONGEST 9

/* starts_literal - whether one literal starts at q and ends before end.
 * The first byte tells which literal it can be (they all differ there). */
static int starts_literal(const char *q, const char *end)
{
	for (size_t k = 0; k < NLIT; k++)
		if (*q == literals[k].text[0])
			return (size_t)(end - q) >= literals[k].len &&
			       memcmp(q, literals[k].text, literals[k].len) == 0;
	return 0;
}

const char *logfilter_next_bytes(const char *p, const char *end)
{
	for (const char *q = p; q < end; q++)
		if (starts_literal(q, end))
			return q;
	return NULL;
}

#ifdef __SSE2__
/* candidates - bit i set when position p + i may start a literal; reads
 * p[0 .. 16 + LONGEST - 1). */
static unsigned candidates(const char *p)
{
	const __m128i v0 = _mm_loadu_si128((const __m128i *)p);
	const __m128i v2 = _mm_loadu_si128((const __m128i *)(p + 2));
	const __m128i v3 = _mm_loadu_si128((const __m128i *)(p + 3));
	const __m128i v8 = _mm_loadu_si128((const __m128i *)(p + 8));
	__m128i tls = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('T')),
				    _mm_cmpeq_epi8(v2, _mm_set1_epi8('S')));
	__m128i ssl = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('S')),
				    _mm_cmpeq_epi8(v2, _mm_set1_epi8('L')));
	__m128i ip = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('i')),
				   _mm_cmpeq_epi8(v3, _mm_set1_epi8('[')));
	__m128i st = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('s')),
				   _mm_cmpeq_epi8(v8, _mm_set1_epi8('=')));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(tls, ssl),
							 _mm_or_si128(ip, st)));
}

const char *logfilter_next(const char *p, const char *end)
{
	while (end - p >= 16 + LONGEST) {
		unsigned m = candidates(p);

		while (m != 0) {
			const char *q = p + __builtin_ctz(m);

			if (starts_literal(q, end))
				return q;
			m &= m - 1;
		}
		p += 16;
	}
	return logfilter_next_bytes(p, end);
}

/* logfilter_newlines - per 16 bytes, the "\n" matches (0xff each) are
 * subtracted into 16 byte counters, summed every 255 rounds with psadbw
 * before they can wrap. */
size_t logfilter_newlines(const char *p, const char *end)
{
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	size_t n = 0;

	while (end - p >= 16) {
		__m128i acc = zero, sum;

		for (int round = 0; round < 255 && end - p >= 16; round++, p += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), nl));
		sum = _mm_sad_epu8(acc, zero);
		n += (size_t)_mm_cvtsi128_si32(sum) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
	}
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}
#else
const char *logfilter_next(const char *p, const char *end)
{
	return logfilter_next_bytes(p, end);
}

size_t logfilter_newlines(const char *p, const char *end)
{
	size_t n = 0;

	for (; p < end; p++)
		n += *p == '\n';
	return n;
}
#endif
