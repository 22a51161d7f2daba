/* The compact trace (docs/compact-trace.md): the rule pack's string pool, the writer's buffer,
 * and the renderer that turns a compact trace back into the text trace, byte for byte. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "rules/trace_enc.h"
#include "tpp/trace.h"

typedef struct tpl {
    const char *field[5];
} tpl;

static const tpl templates[] = {
#define X(id, name, result, rounding, cite, detail) {{name, result, rounding, cite, detail}},
#include "rules/trace_templates.h"
#undef X
};

_Static_assert(sizeof templates / sizeof templates[0] == TT_COUNT_, "template table");

size_t tpp_trace_n_templates(void)
{
    return TT_COUNT_;
}

/* ---- the pool ----------------------------------------------------------------------------
 * Every string of the pack a step may show, numbered in a fixed walk over the loaded pack (and
 * the rounding mode names first). The number, not the text, is stored in the trace; the
 * renderer walks the same pack the same way. The evaluator finds a string's number by its
 * address (an open-addressing table), so the numbers never depend on where the pack sits in
 * memory. The walk is part of format 1: change it only with a new format byte. */

struct tpp_trace_pool {
    const char **s;
    size_t n, cap;
    const char **keys; /* hash table: address -> index */
    uint32_t *vals;
    size_t mask;
    bool oom;
};

static void pool_add(tpp_trace_pool *p, const char *s)
{
    if (s == NULL || p->oom)
        return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        const char **t = realloc(p->s, cap * sizeof *t);
        if (t == NULL) {
            p->oom = true;
            return;
        }
        p->s = t;
        p->cap = cap;
    }
    p->s[p->n++] = s;
}

static size_t ptr_hash(const char *s)
{
    uint64_t x = (uint64_t)(uintptr_t)s;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    return (size_t)x;
}

static void walk_band_table(tpp_trace_pool *p, const tpp_band_table *t)
{
    pool_add(p, t->cite);
    for (size_t i = 0; i < t->n_bands; i++) {
        pool_add(p, t->bands[i].code);
        pool_add(p, t->bands[i].cite);
    }
}

static void walk_day_cut(tpp_trace_pool *p, const tpp_day_cut *d)
{
    pool_add(p, d->id);
    pool_add(p, d->cite);
}

static void walk(tpp_trace_pool *p, const tpp_ruleset *rs)
{
    for (int m = 0; m < TPP_ROUND_COUNT; m++)
        pool_add(p, tpp_rounding_name((tpp_rounding)m));
    pool_add(p, rs->calendar_cite);
    pool_add(p, rs->besaran_cite);
    pool_add(p, rs->components_cite);
    pool_add(p, rs->cap_cite);
    pool_add(p, rs->defer_cite);
    pool_add(p, rs->perf_cite);
    pool_add(p, rs->missing_cite);
    pool_add(p, rs->bpjs_cite);
    pool_add(p, rs->pph21_cite);
    for (size_t i = 0; i < rs->n_components; i++)
        pool_add(p, rs->components[i].id);
    walk_band_table(p, &rs->late);
    walk_band_table(p, &rs->early);
    walk_day_cut(p, &rs->absent);
    walk_day_cut(p, &rs->missing_punch);
    for (size_t i = 0; i < rs->n_absences; i++)
        walk_day_cut(p, &rs->absences[i]);
    for (size_t i = 0; i < rs->n_events; i++) {
        pool_add(p, rs->events[i].id);
        pool_add(p, rs->events[i].cite);
    }
    for (size_t i = 0; i < rs->n_predicates; i++)
        pool_add(p, rs->predicates[i].id);
    for (size_t i = 0; i < rs->n_status; i++) {
        pool_add(p, rs->status[i].status);
        pool_add(p, rs->status[i].cite);
    }
    pool_add(p, rs->acting.cite);
    for (size_t i = 0; i < rs->n_sanctions; i++) {
        pool_add(p, rs->sanctions[i].id);
        pool_add(p, rs->sanctions[i].cite);
    }
    for (size_t i = 0; i < rs->n_criteria; i++) {
        pool_add(p, rs->criteria[i].id);
        pool_add(p, rs->criteria[i].cite);
    }
    for (size_t i = 0; i < rs->n_positions; i++) {
        pool_add(p, rs->positions[i].position);
        pool_add(p, rs->positions[i].cite);
    }
    for (size_t i = 0; i < rs->n_ter; i++)
        pool_add(p, rs->ter[i].cite);
    pool_add(p, rs->annual.cite);
    pool_add(p, rs->zakat.cite);
    for (size_t i = 0; i < rs->n_special; i++)
        pool_add(p, rs->special[i].cite);
}

tpp_trace_pool *tpp_trace_pool_build(const tpp_ruleset *rs)
{
    tpp_trace_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    walk(p, rs);
    size_t size = 16;
    while (size < 2 * p->n + 2)
        size *= 2;
    p->keys = p->oom ? NULL : calloc(size, sizeof *p->keys);
    p->vals = p->oom ? NULL : calloc(size, sizeof *p->vals);
    if (p->keys == NULL || p->vals == NULL) {
        tpp_trace_pool_free(p);
        return NULL;
    }
    p->mask = size - 1;
    for (size_t i = 0; i < p->n; i++) {
        size_t h = ptr_hash(p->s[i]) & p->mask;
        while (p->keys[h] != NULL && p->keys[h] != p->s[i])
            h = (h + 1) & p->mask;
        if (p->keys[h] == NULL) { /* the same address twice keeps its first number */
            p->keys[h] = p->s[i];
            p->vals[h] = (uint32_t)i;
        }
    }
    return p;
}

void tpp_trace_pool_free(tpp_trace_pool *p)
{
    if (p == NULL)
        return;
    free(p->s);
    free(p->keys);
    free(p->vals);
    free(p);
}

int64_t tpp_trace_pool_find(const tpp_trace_pool *p, const char *s)
{
    size_t h = ptr_hash(s) & p->mask;
    while (p->keys[h] != NULL) {
        if (p->keys[h] == s)
            return p->vals[h];
        h = (h + 1) & p->mask;
    }
    return -1;
}

/* ---- the writer ------------------------------------------------------------------------- */

void tpp_tw_start(tpp_tw *w, const tpp_ruleset *rs, tpp_date base, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->pool = rs->trace_pool_;
    w->base = base;
#ifndef NDEBUG
    w->tpl = -1;
#endif
    w->p = malloc(cap);
    if (w->p == NULL) {
        w->oom = true;
        return;
    }
    w->cap = cap;
    w->p[w->len++] = TPP_TRACE_FORMAT;
    tw_u(w, tw_zigzag(base));
}

void tpp_tw_grow(tpp_tw *w, size_t need)
{
    if (w->oom)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < need)
        cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (p == NULL) {
        w->oom = true;
        return;
    }
    w->p = p;
    w->cap = cap;
}

#ifndef NDEBUG
/* The next conversion of a template's fields from (*field, *pos) on: its kind ('d', 'c', 's',
 * 'r', 'D', 't', 'W', 'B'), or 0 at the end of the last field. Used by the debug check of
 * the writer. */
static char conv_kind(char c)
{
    switch (c) {
    case 'd':
    case 'c':
    case 'r':
    case 'D':
    case 't':
    case 'W':
    case 'B':
        return c;
    case 's':
    case 'S':
        return 's';
    default:
        return 0;
    }
}

static char next_conv(const tpl *t, int *field, const char **pos)
{
    while (*field < 5) {
        const char *f = *pos ? *pos : t->field[*field];
        while (*f) {
            if (*f++ != '%')
                continue;
            if (*f == '%') {
                f++;
                continue;
            }
            while (*f == '.' || *f == '0' || (*f >= '1' && *f <= '9'))
                f++;
            char k = conv_kind(*f);
            assert(k != 0 && "unknown conversion in a trace template");
            *pos = f + 1;
            return k;
        }
        (*field)++;
        *pos = NULL;
    }
    return 0;
}

void tpp_tw_check_begin(tpp_tw *w, tpp_tt id)
{
    assert(w->tpl < 0 && "a trace step was not ended");
    assert(id >= 0 && id < TT_COUNT_);
    w->tpl = (int)id;
    w->field = 0;
    w->pos = NULL;
}

void tpp_tw_check(tpp_tw *w, char kind)
{
    assert(w->tpl >= 0 && "a trace value outside a step");
    char k = next_conv(&templates[w->tpl], &w->field, &w->pos);
    assert(k == kind && "a trace value does not match its template");
    (void)k;
    (void)kind;
}

void tpp_tw_check_end(tpp_tw *w)
{
    assert(w->tpl >= 0);
    char k = next_conv(&templates[w->tpl], &w->field, &w->pos);
    assert(k == 0 && "a trace step ended before its template's last value");
    (void)k;
    w->tpl = -1;
}
#endif

/* ---- the renderer ----------------------------------------------------------------------- */

typedef struct rd {
    const uint8_t *p, *end;
    const char *bad; /* why the bytes are not a trace, or NULL */
    int64_t base;    /* the day of %D offset 0 */
} rd;

static uint64_t rd_u(rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = "truncated value";
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = "value longer than 64 bits";
    return 0;
}

static int64_t rd_i(rd *r)
{
    uint64_t u = rd_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* One field being formatted; `limit` bytes at most (the detail keeps 511, as the 512-byte
 * buffer of the text trace did). */
typedef struct fld {
    tpp_buf b;
    size_t limit;
} fld;

static void f_mem(fld *f, const char *s, size_t n)
{
    size_t room = f->limit - f->b.len;
    if (n > room)
        n = room;
    if (n > 0)
        tpp_buf_append(&f->b, s, n);
}

static size_t fmt_i64(char *buf, int64_t v)
{
    char t[24], *e = t + sizeof t, *p = e;
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    if (v < 0)
        *--p = '-';
    memcpy(buf, p, (size_t)(e - p));
    return (size_t)(e - p);
}

/* printf's "%0*lld" / "%*lld" */
static void f_int(fld *f, int64_t v, int width, bool zero)
{
    char t[24];
    size_t n = fmt_i64(t, v);
    static const char zeros[] = "00000000000000000000000000000000";
    static const char blanks[] = "                                ";
    if (width > 31)
        width = 31;
    if ((size_t)width > n) {
        size_t pad = (size_t)width - n;
        if (zero && t[0] == '-') {
            f_mem(f, "-", 1);
            f_mem(f, zeros, pad);
            f_mem(f, t + 1, n - 1);
            return;
        }
        f_mem(f, zero ? zeros : blanks, pad);
    }
    f_mem(f, t, n);
}

/* tpp_ratio_format's text (at most 39 bytes) */
static void f_ratio(fld *f, int64_t num, int64_t den)
{
    char t[40];
    tpp_ratio_format((tpp_ratio){num, den}, t, sizeof t);
    f_mem(f, t, strlen(t));
}

static void f_hhmm(fld *f, int64_t minutes)
{
    if (minutes >= 1440) {
        f_int(f, (int)((minutes - 1440) / 60) % 100, 2, true);
        f_mem(f, ":", 1);
        f_int(f, (int)(minutes % 60), 2, true);
        f_mem(f, "+1", 2);
    } else {
        f_int(f, (int)(minutes / 60) % 100, 2, true);
        f_mem(f, ":", 1);
        f_int(f, (int)(minutes % 60), 2, true);
    }
}

/* A string value (see tw_str_value); NULL for an absent one. Inline bytes are returned in
 * place (not NUL-terminated): *n is the length. */
static const char *rd_str(rd *r, const tpp_trace_pool *pool, size_t *n)
{
    uint64_t v = rd_u(r);
    *n = 0;
    if (r->bad || v == 0)
        return NULL;
    if (v & 1) {
        uint64_t k = (v - 1) / 2;
        if (pool == NULL || k >= pool->n) {
            r->bad = "string index outside the rule pack";
            return NULL;
        }
        *n = strlen(pool->s[k]);
        return pool->s[k];
    }
    uint64_t len = (v - 2) / 2;
    if (len > (uint64_t)(r->end - r->p)) {
        r->bad = "truncated string";
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += len;
    /* a C string ended at its first NUL */
    const char *z = memchr(s, '\0', len);
    *n = z ? (size_t)(z - s) : (size_t)len;
    return s;
}

static void render_field(rd *r, const tpp_trace_pool *pool, const char *fmt, fld *f)
{
    for (const char *c = fmt; *c && !r->bad;) {
        const char *pct = strchr(c, '%');
        if (pct == NULL) {
            f_mem(f, c, strlen(c));
            break;
        }
        f_mem(f, c, (size_t)(pct - c));
        c = pct + 1;
        if (*c == '%') {
            f_mem(f, "%", 1);
            c++;
            continue;
        }
        bool zero = false;
        int width = 0;
        size_t prec = SIZE_MAX;
        if (*c == '0')
            zero = true, c++;
        while (*c >= '0' && *c <= '9')
            width = width * 10 + (*c++ - '0');
        if (*c == '.') {
            prec = 0;
            for (c++; *c >= '0' && *c <= '9'; c++)
                prec = prec * 10 + (size_t)(*c - '0');
        }
        char k = *c++;
        switch (k) {
        case 'd':
            f_int(f, rd_i(r), width, zero);
            break;
        case 'c': {
            char ch = (char)rd_u(r);
            f_mem(f, &ch, 1);
            break;
        }
        case 's':
        case 'S': {
            size_t n;
            const char *s = rd_str(r, pool, &n);
            if (s == NULL) {
                if (k == 'S')
                    f_mem(f, "-", 1);
                else
                    f_mem(f, "(null)", 6);
            } else {
                f_mem(f, s, n < prec ? n : prec);
            }
            break;
        }
        case 'r': {
            int64_t num = rd_i(r);
            int64_t den = rd_i(r);
            if (den <= 0) {
                r->bad = "ratio with a denominator <= 0";
                break;
            }
            f_ratio(f, num, den);
            break;
        }
        case 'D': {
            int64_t day = r->base + rd_i(r);
            if (day < INT32_MIN || day > INT32_MAX) {
                r->bad = "day out of range";
                break;
            }
            char d[64];
            tpp_date_format((tpp_date)day, d);
            f_mem(f, d, strlen(d));
            break;
        }
        case 't':
            f_hhmm(f, rd_i(r));
            break;
        case 'W':
            if (rd_u(r)) {
                int64_t s = rd_i(r), e = rd_i(r);
                f_mem(f, "shift=", 6);
                f_hhmm(f, s);
                f_mem(f, "-", 1);
                f_hhmm(f, e);
                f_mem(f, " ", 1);
            }
            break;
        case 'B':
            if (rd_u(r)) {
                size_t n;
                const char *s = rd_str(r, pool, &n);
                if (s != NULL)
                    f_mem(f, s, n);
                f_mem(f, " cut=", 5);
                int64_t num = rd_i(r), den = rd_i(r);
                if (den <= 0) {
                    r->bad = "ratio with a denominator <= 0";
                    break;
                }
                f_ratio(f, num, den);
            } else {
                f_mem(f, "- cut=0", 7);
            }
            break;
        default:
            r->bad = "internal: unknown conversion in a template";
            break;
        }
    }
}

/* A field with tabs and line breaks turned into blanks, as the text trace always wrote it. */
static void put_clean(tpp_buf *out, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
            tpp_buf_append(out, s + start, k - start);
            tpp_buf_append(out, " ", 1);
            start = k + 1;
        }
    }
    tpp_buf_append(out, s + start, n - start);
}

tpp_status tpp_trace_render(const tpp_ruleset *rs, const void *trace, size_t len, char **text,
                            size_t *text_len, tpp_error *err)
{
    return tpp_trace_render_packs(&rs, 1, trace, len, text, text_len, err);
}

/* A PACK control: the pack (of those given) whose SHA-256 the step names, or NULL with r->bad
 * set. */
static const tpp_ruleset *rd_pack(rd *r, const tpp_ruleset *const *packs, size_t n_packs,
                                  const tpp_trace_pool *pool)
{
    size_t n;
    const char *sha = rd_str(r, pool, &n);
    if (r->bad)
        return NULL;
    for (size_t i = 0; sha != NULL && n == 64 && i < n_packs; i++)
        if (packs[i] != NULL && memcmp(packs[i]->sha256, sha, 64) == 0)
            return packs[i];
    r->bad = "a step names a rule pack that was not given to the renderer";
    return NULL;
}

tpp_status tpp_trace_render_packs(const tpp_ruleset *const *packs, size_t n_packs,
                                  const void *trace, size_t len, char **text, size_t *text_len,
                                  tpp_error *err)
{
    const tpp_ruleset *rs = n_packs > 0 ? packs[0] : NULL;
    *text = NULL;
    *text_len = 0;
    const uint8_t *t = trace;
    if (len == 0 || t == NULL)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "empty trace (no format byte)");
    if (t[0] != TPP_TRACE_FORMAT)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "trace format %u is not one this engine reads (it reads %d)",
                        (unsigned)t[0], TPP_TRACE_FORMAT);
    const tpp_trace_pool *pool = rs != NULL ? rs->trace_pool_ : NULL;
    rd r = {.p = t + 1, .end = t + len};
    r.base = rd_i(&r);
    tpp_buf out = {0};
    fld f = {.b = {0}};
    size_t n_steps = 0;
    bool month = false; /* between MONTH_BEGIN and MONTH_END */
    while (!r.bad && r.p < r.end) {
        uint64_t id = rd_u(&r);
        if (r.bad)
            break;
        if (id >= TT_COUNT_) {
            r.bad = "unknown step template";
            break;
        }
        if (id == TT_PACK) {
            const tpp_ruleset *p = rd_pack(&r, packs, n_packs, pool);
            pool = p != NULL ? p->trace_pool_ : pool;
            continue;
        }
        if (id == TT_MONTH_BEGIN || id == TT_MONTH_END) {
            month = id == TT_MONTH_BEGIN;
            continue;
        }
        if (month)
            tpp_buf_puts(&out, "month.");
        for (int i = 0; i < 5 && !r.bad; i++) {
            f.b.len = 0;
            f.limit = i == 4 ? 511 : SIZE_MAX;
            render_field(&r, pool, templates[id].field[i], &f);
            put_clean(&out, f.b.data ? f.b.data : "", f.b.len);
            tpp_buf_append(&out, i == 4 ? "\n" : "\t", 1);
        }
        n_steps++;
    }
    tpp_buf_release(&f.b);
    if (r.bad) {
        tpp_buf_release(&out);
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "malformed trace: %s at byte %zu (after %zu steps)", r.bad,
                        (size_t)(r.p - t), n_steps);
    }
    if (out.oom || f.b.oom) {
        tpp_buf_release(&out);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory rendering a trace");
    }
    if (out.data == NULL) {
        out.data = malloc(1);
        if (out.data == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory rendering a trace");
    }
    out.data[out.len] = '\0';
    *text = out.data;
    *text_len = out.len;
    return TPP_OK;
}

tpp_status tpp_trace_steps(const void *trace, size_t len, const void **steps, size_t *steps_len)
{
    const uint8_t *t = trace;
    if (t == NULL || len == 0 || t[0] != TPP_TRACE_FORMAT)
        return TPP_ERR_INVALID;
    rd r = {.p = t + 1, .end = t + len};
    (void)rd_u(&r);
    if (r.bad)
        return TPP_ERR_INVALID;
    *steps = r.p;
    *steps_len = (size_t)(r.end - r.p);
    return TPP_OK;
}
