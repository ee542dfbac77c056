/*
 * diff.c - unified diffs by a longest-common-subsequence table over the
 * lines between the common prefix and suffix (the part a change touched).
 * A middle too large for the table is shown as one replacement.
 */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_CONTEXT 3
#define DIFF_TABLE_MAX (1500u * 1500u)

struct line {
	const char *p;
	size_t len;
};

struct text {
	struct line *lines;
	size_t n;
};

struct out {
	char *s;
	size_t len, cap;
	int failed;
};

/* split - t's lines (pointers into s). Returns 0 or -1. */
static int split(const char *s, size_t len, struct text *t)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	t->lines = calloc(n + 2, sizeof(*t->lines));
	if (t->lines == NULL)
		return -1;
	t->n = 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\n') {
			t->lines[t->n++] = (struct line){ s + start, i - start };
			start = i + 1;
		}
	if (start < len)
		t->lines[t->n++] = (struct line){ s + start, len - start };
	return 0;
}

static int same(const struct line *a, const struct line *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static void put(struct out *o, const char *s, size_t n)
{
	char *grown;

	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2 + 256;
		grown = realloc(o->s, o->cap);
		if (grown == NULL) {
			o->failed = 1;
			return;
		}
		o->s = grown;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void put_line(struct out *o, char mark, const struct line *l)
{
	put(o, &mark, 1);
	put(o, l->p, l->len);
	put(o, "\n", 1);
}

/* One edit script entry: ' ' keep, '-' delete (a index), '+' insert (b index). */
struct op {
	char kind;
	size_t ai, bi;
};

/* script - the edit script of a[lo..ahi) vs b[lo..bhi) after a common
 * prefix of lo lines; common suffix lines are appended as keeps. */
static struct op *script(const struct text *a, const struct text *b, size_t lo, size_t *nops)
{
	size_t suf = 0, m, n, i, j, k = 0;
	unsigned *t;
	struct op *ops;

	while (suf < a->n - lo && suf < b->n - lo && same(&a->lines[a->n - 1 - suf], &b->lines[b->n - 1 - suf]))
		suf++;
	m = a->n - lo - suf;
	n = b->n - lo - suf;
	ops = calloc(lo + m + n + suf + 1, sizeof(*ops));
	t = (m + 1) * (n + 1) <= DIFF_TABLE_MAX ? calloc((m + 1) * (n + 1), sizeof(*t)) : NULL;
	if (ops == NULL) {
		free(t);
		return NULL;
	}
	for (i = 0; i < lo; i++)
		ops[k++] = (struct op){ ' ', i, i };
	if (t != NULL)   /* t[i][j]: LCS length of a-middle[i..] and b-middle[j..] */
		for (i = m; i-- > 0;)
			for (j = n; j-- > 0;)
				t[i * (n + 1) + j] = same(&a->lines[lo + i], &b->lines[lo + j])
							     ? t[(i + 1) * (n + 1) + j + 1] + 1
							     : (t[(i + 1) * (n + 1) + j] > t[i * (n + 1) + j + 1]
									? t[(i + 1) * (n + 1) + j]
									: t[i * (n + 1) + j + 1]);
	for (i = 0, j = 0; i < m || j < n;) {
		if (t != NULL && i < m && j < n && same(&a->lines[lo + i], &b->lines[lo + j]))
			ops[k++] = (struct op){ ' ', lo + i++, lo + j++ };
		else if (i < m && (j == n || t == NULL || t[(i + 1) * (n + 1) + j] >= t[i * (n + 1) + j + 1]))
			ops[k++] = (struct op){ '-', lo + i++, lo + j };
		else
			ops[k++] = (struct op){ '+', lo + i, lo + j++ };
	}
	for (i = 0; i < suf; i++)
		ops[k++] = (struct op){ ' ', lo + m + i, lo + n + i };
	free(t);
	*nops = k;
	return ops;
}

/* hunk - print ops[from..to) as one hunk. */
static void hunk(struct out *o, const struct text *a, const struct text *b, const struct op *ops,
		 size_t from, size_t to)
{
	size_t na = 0, nb = 0;
	char head[96];

	for (size_t k = from; k < to; k++) {
		na += ops[k].kind != '+';
		nb += ops[k].kind != '-';
	}
	snprintf(head, sizeof(head), "@@ -%zu,%zu +%zu,%zu @@\n", ops[from].ai + (na > 0), na,
		 ops[from].bi + (nb > 0), nb);
	put(o, head, strlen(head));
	for (size_t k = from; k < to; k++)
		put_line(o, ops[k].kind, ops[k].kind == '+' ? &b->lines[ops[k].bi] : &a->lines[ops[k].ai]);
}

/* hunks - group changes with DIFF_CONTEXT lines around them. */
static void hunks(struct out *o, const struct text *a, const struct text *b, const struct op *ops,
		  size_t n)
{
	size_t k = 0, from, to, last;

	while (k < n) {
		while (k < n && ops[k].kind == ' ')
			k++;
		if (k == n)
			break;
		from = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
		last = k;
		for (to = k; to < n && to <= last + 2 * DIFF_CONTEXT; to++)
			if (ops[to].kind != ' ')
				last = to;
		to = last + DIFF_CONTEXT + 1 < n ? last + DIFF_CONTEXT + 1 : n;
		hunk(o, a, b, ops, from, to);
		k = to;
	}
}

char *diff_unified(const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
	struct text ta = { 0 }, tb = { 0 };
	struct out o = { NULL, 0, 0, 0 };
	struct op *ops = NULL;
	size_t lo = 0, nops = 0;

	put(&o, "", 0);
	if (alen == blen && memcmp(a, b, alen) == 0)
		return o.s;
	if (split(a, alen, &ta) != 0 || split(b, blen, &tb) != 0) {
		o.failed = 1;
		goto out;
	}
	while (lo < ta.n && lo < tb.n && same(&ta.lines[lo], &tb.lines[lo]))
		lo++;
	ops = script(&ta, &tb, lo, &nops);
	if (ops == NULL) {
		o.failed = 1;
		goto out;
	}
	put(&o, "--- ", 4), put(&o, path, strlen(path)), put(&o, "\n+++ ", 5);
	put(&o, path, strlen(path)), put(&o, "\n", 1);
	hunks(&o, &ta, &tb, ops, nops);
out:
	free(ta.lines);
	free(tb.lines);
	free(ops);
	if (o.failed) {
		free(o.s);
		return NULL;
	}
	return o.s;
}
