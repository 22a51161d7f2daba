/* Writing the compact trace (docs/compact-trace.md): the evaluator's side. Private to rules/.
 *
 * A step is tw_begin(w, TT_X), one call per conversion of template X's fields in order
 * (tw_i for %d, tw_s for %s/%S, ...), then tw_end(w). In debug builds every call is checked
 * against the template's conversions, so a call site that does not match its template fails
 * the first test that reaches it. */
#ifndef TPP_RULES_TRACE_ENC_H
#define TPP_RULES_TRACE_ENC_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tpp/date.h"
#include "tpp/money.h"
#include "tpp/rules.h"

typedef enum tpp_tt {
#define X(id, ...) TT_##id,
#include "rules/trace_templates.h"
#undef X
    TT_COUNT_
} tpp_tt;

/** The rule pack's strings a trace refers to by index (built once per loaded pack). */
typedef struct tpp_trace_pool tpp_trace_pool;

tpp_trace_pool *tpp_trace_pool_build(const tpp_ruleset *rs);
void tpp_trace_pool_free(tpp_trace_pool *p);
/** Index of the string at s (by address) in the pool, or -1. */
int64_t tpp_trace_pool_find(const tpp_trace_pool *p, const char *s);

typedef struct tpp_tw {
    uint8_t *p;
    size_t len, cap;
    bool oom;
    const tpp_trace_pool *pool;
    tpp_date base; /* day 0 of the %D conversions: the month's first day */
#ifndef NDEBUG
    int tpl;         /* template of the open step, -1 between steps */
    int field;       /* 0..4 */
    const char *pos; /* next character of the field's format */
#endif
} tpp_tw;

/** Start a trace (the format byte and the base day); initial capacity `cap`. */
void tpp_tw_start(tpp_tw *w, const tpp_ruleset *rs, tpp_date base, size_t cap);
void tpp_tw_grow(tpp_tw *w, size_t need);

#ifndef NDEBUG
void tpp_tw_check(tpp_tw *w, char kind);
void tpp_tw_check_begin(tpp_tw *w, tpp_tt id);
void tpp_tw_check_end(tpp_tw *w);
#define TW_CHECK(w, k) tpp_tw_check((w), (k))
#else
#define TW_CHECK(w, k) ((void)0)
#endif

static inline void tw_u(tpp_tw *w, uint64_t v)
{
    if (w->cap - w->len < 10) {
        tpp_tw_grow(w, 10);
        if (w->oom)
            return;
    }
    uint8_t *q = w->p + w->len;
    while (v >= 0x80) {
        *q++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *q++ = (uint8_t)v;
    w->len = (size_t)(q - w->p);
}

static inline uint64_t tw_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline void tw_begin(tpp_tw *w, tpp_tt id)
{
#ifndef NDEBUG
    tpp_tw_check_begin(w, id);
#endif
    tw_u(w, (uint64_t)id);
}

static inline void tw_end(tpp_tw *w)
{
#ifndef NDEBUG
    tpp_tw_check_end(w);
#else
    (void)w;
#endif
}

/** %d */
static inline void tw_i(tpp_tw *w, int64_t v)
{
    TW_CHECK(w, 'd');
    tw_u(w, tw_zigzag(v));
}

/** %c */
static inline void tw_c(tpp_tw *w, char ch)
{
    TW_CHECK(w, 'c');
    tw_u(w, (unsigned char)ch);
}

/* A string value: 0 = absent (NULL), 2k+1 = the pack's string k, 2k+2 = k bytes inline. */
static inline void tw_str_value(tpp_tw *w, const char *s)
{
    if (s == NULL) {
        tw_u(w, 0);
        return;
    }
    int64_t k = w->pool != NULL ? tpp_trace_pool_find(w->pool, s) : -1;
    if (k >= 0) {
        tw_u(w, 2 * (uint64_t)k + 1);
        return;
    }
    size_t n = strlen(s);
    tw_u(w, 2 * (uint64_t)n + 2);
    if (w->cap - w->len < n + 1)
        tpp_tw_grow(w, n + 1);
    if (w->oom)
        return;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

/** %s, %S, %.Ns */
static inline void tw_s(tpp_tw *w, const char *s)
{
    TW_CHECK(w, 's');
    tw_str_value(w, s);
}

/** %r */
static inline void tw_r(tpp_tw *w, tpp_ratio r)
{
    TW_CHECK(w, 'r');
    tw_u(w, tw_zigzag(r.num));
    tw_u(w, tw_zigzag(r.den));
}

/** %D */
static inline void tw_date(tpp_tw *w, tpp_date d)
{
    TW_CHECK(w, 'D');
    tw_u(w, tw_zigzag((int64_t)d - w->base));
}

/** %t */
static inline void tw_hm(tpp_tw *w, int32_t minutes)
{
    TW_CHECK(w, 't');
    tw_u(w, tw_zigzag(minutes));
}

/** %W: a shift's start and end, or none. */
static inline void tw_shift(tpp_tw *w, bool shift, int32_t start, int32_t end)
{
    TW_CHECK(w, 'W');
    tw_u(w, shift);
    if (shift) {
        tw_u(w, tw_zigzag(start));
        tw_u(w, tw_zigzag(end));
    }
}

/** %B: the codes and percent of a band hit, or none (codes NULL). */
static inline void tw_band(tpp_tw *w, const char *codes, tpp_ratio pct)
{
    TW_CHECK(w, 'B');
    if (codes == NULL) {
        tw_u(w, 0);
        return;
    }
    tw_u(w, 1);
    tw_str_value(w, codes);
    tw_u(w, tw_zigzag(pct.num));
    tw_u(w, tw_zigzag(pct.den));
}

/* Steps already encoded (another trace of the same month without its header,
 * tpp_trace_steps()), appended between two steps. */
static inline void tw_raw(tpp_tw *w, const void *steps, size_t n)
{
#ifndef NDEBUG
    assert(w->tpl < 0 && "raw steps inside a step");
#endif
    if (w->cap - w->len < n)
        tpp_tw_grow(w, n);
    if (w->oom || n == 0)
        return;
    memcpy(w->p + w->len, steps, n);
    w->len += n;
}

#endif /* TPP_RULES_TRACE_ENC_H */
