/* The pure evaluator: one employee's month under one rule pack (SPEC §4 steps 1-6, 8, 9).
 * No I/O, no SQLite, no globals: every call reads its arguments and writes only *out, so
 * employees can be computed on any number of threads with identical results. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "tpp/eval.h"

/* Discipline cuts are summed exactly per base, then rounded once per base. */
#define N_BUCKETS (2 + 2 * TPP_MAX_COMPONENTS)

typedef struct ctx {
    const tpp_ruleset *rs;
    const tpp_month *month;
    const tpp_employee *emp;
    tpp_result *out;
    tpp_buf trace;
    tpp_ratio bucket[N_BUCKETS]; /* percent per base */
    bool failed;
    const tpp_shift *shifts; /* a rostered shift worker's shifts in the month */
    size_t n_shifts;
    char zone_what[16]; /* "zone=WITA " when the unit's zone is known, else "" */
} ctx;

void tpp_result_release(tpp_result *r)
{
    if (r == NULL)
        return;
    free(r->trace);
    r->trace = NULL;
    r->trace_len = 0;
}

static int bucket_of(tpp_base b)
{
    switch (b.kind) {
    case TPP_BASE_TOTAL:
        return 0;
    case TPP_BASE_DAILY_TOTAL:
        return 1;
    case TPP_BASE_COMPONENT:
        return 2 + 2 * b.component;
    case TPP_BASE_DAILY_COMPONENT:
        return 3 + 2 * b.component;
    }
    return 0;
}

static void base_name(const tpp_ruleset *rs, int bucket, char *buf, size_t size)
{
    if (bucket == 0)
        snprintf(buf, size, "total");
    else if (bucket == 1)
        snprintf(buf, size, "daily_total");
    else
        snprintf(buf, size, "%s:%s", bucket % 2 == 0 ? "component" : "daily_component",
                 rs->components[(bucket - 2) / 2].id);
}

/* ---- The trace text, by hand ----
 * A month writes about 35 trace lines (5.7 KB) per employee, which made formatting most of the
 * compute phase. Lines are now written straight into the trace buffer and their details built
 * by small appenders instead of vsnprintf. The stored text must not change by a byte (seals,
 * golden slips and replays hash it), so the appenders reproduce printf's output exactly, and a
 * detail is still cut at 511 bytes as the 512-byte vsnprintf buffer cut it. */

typedef struct dtl {
    size_t n;
    char s[512];
} dtl;

static inline void d_mem(dtl *d, const char *s, size_t n)
{
    size_t room = sizeof d->s - 1 - d->n;
    if (n > room)
        n = room;
    memcpy(d->s + d->n, s, n);
    d->n += n;
}

#define D_LIT(d, lit) d_mem((d), (lit), sizeof(lit) - 1)

static inline void d_str(dtl *d, const char *s)
{
    d_mem(d, s, strlen(s));
}

/* The decimal text of v ("%lld"), written to buf (at least 21 bytes, no NUL); its length. */
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

static inline void d_int(dtl *d, int64_t v)
{
    char t[24];
    d_mem(d, t, fmt_i64(t, v));
}

/* "%02d" */
static inline void d_int02(dtl *d, int v)
{
    if (v >= 0 && v < 10) {
        char t[2] = {'0', (char)('0' + v)};
        d_mem(d, t, 2);
    } else {
        d_int(d, v);
    }
}

/* tpp_ratio_format's text into a 40-byte buffer (so at most 39 bytes), without snprintf. */
static size_t fmt_ratio(char *buf, tpp_ratio r)
{
    int64_t num = r.num, den = r.den;
    while (den > 1 && den % 10 == 0 && num % 10 == 0) {
        num /= 10;
        den /= 10;
    }
    char t[64];
    size_t n;
    if (den == 1) {
        n = fmt_i64(t, num);
    } else {
        int decimals = 0;
        for (int64_t x = den; x > 1; x /= 10)
            decimals++;
        unsigned long long mag = num < 0 ? 0ULL - (unsigned long long)num : (unsigned long long)num;
        unsigned long long q = mag / (unsigned long long)den, rem = mag % (unsigned long long)den;
        n = 0;
        if (num < 0)
            t[n++] = '-';
        n += fmt_i64(t + n, (int64_t)q); /* q <= 2^63 / 2: den > 1 here */
        t[n++] = '.';
        char r2[24], *e = r2 + sizeof r2, *p = e;
        do {
            *--p = (char)('0' + rem % 10);
            rem /= 10;
        } while (rem);
        for (int w = (int)(e - p); w < decimals; w++)
            t[n++] = '0';
        memcpy(t + n, p, (size_t)(e - p));
        n += (size_t)(e - p);
    }
    if (n > 39)
        n = 39;
    memcpy(buf, t, n);
    return n;
}

static inline void d_ratio(dtl *d, tpp_ratio r)
{
    char t[40];
    d_mem(d, t, fmt_ratio(t, r));
}

/* A time of a day as HH:MM; minutes past 24:00 belong to the next day ("07:00+1"). */
static void d_hhmm_day(dtl *d, int32_t minutes)
{
    if (minutes >= 1440) {
        d_int02(d, (int)((minutes - 1440) / 60) % 100);
        D_LIT(d, ":");
        d_int02(d, (int)(minutes % 60));
        D_LIT(d, "+1");
    } else {
        d_int02(d, (int)(minutes / 60) % 100);
        D_LIT(d, ":");
        d_int02(d, (int)(minutes % 60));
    }
}

/* printf for the conversions this file uses (%s %c %d %u with l/ll/z and a 0 flag or a width,
 * and %%), with printf's output; any other format falls back to vsnprintf. */
static void d_vformat(dtl *d, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void d_vformat(dtl *d, const char *fmt, va_list ap)
{
    va_list ap0;
    va_copy(ap0, ap);
    for (const char *f = fmt; *f;) {
        const char *pct = strchr(f, '%');
        if (pct == NULL) {
            d_str(d, f);
            break;
        }
        d_mem(d, f, (size_t)(pct - f));
        f = pct + 1;
        bool zero = false;
        int width = 0, lng = 0;
        if (*f == '0')
            zero = true, f++;
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l' || *f == 'z')
            lng += *f == 'z' ? 2 : 1, f++;
        char t[32];
        size_t n;
        const char *s = t;
        switch (*f) {
        case '%':
            if (width || zero || lng)
                goto fallback;
            t[0] = '%', n = 1;
            break;
        case 'd':
            n = fmt_i64(t, lng >= 2 ? (int64_t)va_arg(ap, long long)
                           : lng    ? (int64_t)va_arg(ap, long)
                                    : (int64_t)va_arg(ap, int));
            break;
        case 'u': {
            unsigned long long u = lng >= 2 ? va_arg(ap, unsigned long long)
                                   : lng    ? va_arg(ap, unsigned long)
                                            : va_arg(ap, unsigned);
            if (u > (unsigned long long)INT64_MAX)
                goto fallback;
            n = fmt_i64(t, (int64_t)u);
            break;
        }
        case 'c':
            if (lng || zero)
                goto fallback;
            t[0] = (char)va_arg(ap, int), n = 1;
            break;
        case 's':
            if (lng || zero)
                goto fallback;
            s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            n = strlen(s);
            break;
        default:
            goto fallback;
        }
        f++;
        if ((size_t)width > n) {
            static const char zeros[] = "0000000000000000000000000000000";
            static const char blanks[] = "                               ";
            size_t pad = (size_t)width - n;
            if (pad >= sizeof zeros)
                goto fallback;
            if (zero && *s == '-' && (f[-1] == 'd')) {
                d_mem(d, "-", 1);
                d_mem(d, zeros, pad);
                d_mem(d, s + 1, n - 1);
                continue;
            }
            d_mem(d, zero ? zeros : blanks, pad);
        }
        d_mem(d, s, n);
    }
    va_end(ap0);
    d->s[d->n] = '\0';
    return;
fallback:
    vsnprintf(d->s, sizeof d->s, fmt, ap0);
    va_end(ap0);
    d->n = strlen(d->s);
}

/* The trace buffer starts at the size a month's trace grows to (8 KiB holds ~35 lines), so
 * it is not reallocated line by line. */
#define TRACE_INITIAL 8192

static void put_grow(tpp_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    size_t cap = b->cap ? b->cap : TRACE_INITIAL;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return;
    }
    b->data = p;
    b->cap = cap;
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void put(tpp_buf *b, const char *s, size_t n)
{
    if (b->len + n < b->cap) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
    } else {
        put_grow(b, s, n);
    }
}

/* A field with tabs and line breaks turned into blanks: whole clean runs at a time. */
static void put_clean(tpp_buf *b, const char *s)
{
    while (s && *s) {
        size_t n = strcspn(s, "\t\n\r");
        put(b, s, n);
        s += n;
        if (*s) {
            put(b, " ", 1);
            s++;
        }
    }
}

/* One trace line: step, result, rounding, citation, detail. Tabs and newlines never appear
 * inside fields because every field is built here from pack text and numbers; pack text is
 * sanitised on the way in. */
static void line(ctx *c, const char *name, const char *result, const char *rounding,
                 const char *cite, dtl *d)
{
    tpp_buf *b = &c->trace;
    d->s[d->n] = '\0';
    put_clean(b, name);
    put(b, "\t", 1);
    put_clean(b, result);
    put(b, "\t", 1);
    put_clean(b, rounding ? rounding : "-");
    put(b, "\t", 1);
    put_clean(b, cite ? cite : "-");
    put(b, "\t", 1);
    put_clean(b, d->s);
    put(b, "\n", 1);
    if (!b->oom)
        b->data[b->len] = '\0';
}

static void step(ctx *c, const char *name, const char *result, const char *rounding,
                 const char *cite, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void step(ctx *c, const char *name, const char *result, const char *rounding,
                 const char *cite, const char *fmt, ...)
{
    dtl d;
    d.n = 0;
    va_list ap;
    va_start(ap, fmt);
    d_vformat(&d, fmt, ap);
    va_end(ap);
    line(c, name, result, rounding, cite, &d);
}

static void fail(ctx *c, tpp_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(ctx *c, tpp_status code, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    c->out->status = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->out->msg, sizeof c->out->msg, fmt, ap);
    va_end(ap);
    step(c, "error", "-", NULL, NULL, "%s", c->out->msg);
}

static const char *money_str(tpp_money m, char *buf)
{
    buf[fmt_i64(buf, m)] = '\0';
    return buf;
}

/* buf holds 40 bytes */
static const char *ratio_str(tpp_ratio r, char *buf)
{
    buf[fmt_ratio(buf, r)] = '\0';
    return buf;
}

static bool is_holiday(const tpp_month *m, tpp_date d)
{
    size_t lo = 0, hi = m->n_holidays;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->holidays[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n_holidays && m->holidays[lo] == d;
}

/* The special span (Ramadan) covering day d for schedule s, or NULL. */
static const tpp_special_hours *special_of(const tpp_ruleset *rs, tpp_schedule_kind s, tpp_date d)
{
    for (size_t i = 0; i < rs->n_special; i++)
        if (d >= rs->special[i].from && d <= rs->special[i].to &&
            rs->special[i].schedules[s].defined)
            return &rs->special[i];
    return NULL;
}

static const tpp_hours *hours_of(const tpp_ruleset *rs, const tpp_month *m, tpp_schedule_kind s,
                                 tpp_date d)
{
    const tpp_special_hours *sp = special_of(rs, s, d);
    const tpp_hours *h = sp != NULL ? &sp->schedules[s].day[tpp_date_weekday(d)]
                                    : &rs->schedules[s].day[tpp_date_weekday(d)];
    if (!h->workday || is_holiday(m, d))
        return NULL;
    return h;
}

const tpp_hours *tpp_eval_hours(const tpp_ruleset *rs, const tpp_month *month,
                                tpp_schedule_kind sched, tpp_date day)
{
    return hours_of(rs, month, sched, day);
}

int tpp_eval_workdays(const tpp_ruleset *rs, const tpp_month *month, tpp_schedule_kind sched)
{
    int n = 0;
    for (tpp_date d = month->first; d <= month->last; d++)
        n += hours_of(rs, month, sched, d) != NULL;
    return n;
}

/* Add percent to a base's bucket; a rule's percentage never rounds on its own. */
static void add_cut(ctx *c, tpp_base base, tpp_ratio pct)
{
    int b = bucket_of(base);
    if (!tpp_ratio_add(c->bucket[b], pct, &c->bucket[b]))
        fail(c, TPP_ERR_OVERFLOW, "discipline percentages overflow");
}

/* The bands a table's hit policy selects for `minutes`: their summed percent (one band under
 * first/unique), their codes joined with '+' into codes[], and the first of them (NULL: none). */
static const tpp_band *band_hit(const tpp_band_table *t, int32_t minutes, tpp_ratio *pct,
                                char *codes, size_t size, bool *overflow)
{
    const tpp_band *first = NULL;
    *pct = (tpp_ratio){0, 1};
    size_t used = 0;
    codes[0] = '\0';
    for (size_t i = 0; i < t->n_bands; i++) {
        const tpp_band *b = &t->bands[i];
        if (minutes < b->from || minutes >= b->below)
            continue;
        if (first == NULL)
            first = b;
        if (!tpp_ratio_add(*pct, b->percent, pct))
            *overflow = true;
        int n = snprintf(codes + used, size - used, "%s%s", used ? "+" : "", b->code);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
        /* first: the first band wins; unique: the loader proved there is no second one */
        if (t->hit != TPP_HIT_COLLECT_SUM)
            break;
    }
    return first;
}

/* Which absence class (in the pack's precedence order) covers day d, or -1. */
static int absence_class(const ctx *c, tpp_date d)
{
    const tpp_employee *e = c->emp;
    int best = -1;
    for (size_t i = 0; i < e->n_absences; i++) {
        const tpp_absence *a = &e->absences[i];
        if (d >= a->start && d <= a->end && (best < 0 || a->type < best))
            best = a->type;
    }
    return best;
}

/* A time of a day as HH:MM, "07:00+1" past midnight, into buf (at least 12 bytes). */
static void hhmm_day(int32_t minutes, char *buf)
{
    dtl d;
    d.n = 0;
    d_hhmm_day(&d, minutes);
    memcpy(buf, d.s, d.n);
    buf[d.n] = '\0';
}

/* Classify one workday from its counted check-in and check-out (minutes after midnight of the
 * day, -1 = none), against the scheduled start and end. `what` prefixes the detail (a shift
 * names itself there; ordinary days leave it empty). */
static void classify_core(ctx *c, tpp_date d, int32_t start, int32_t end, int32_t in, int32_t outm,
                          int32_t n_counted, const char *what)
{
    const tpp_ruleset *rs = c->rs;
    tpp_result *out = c->out;
    /* One line a workday: the hottest trace line, so it is built by hand (same text). */
    char sname[16] = "day.";
    tpp_date_format(d, sname + 4);
    dtl t;
    t.n = 0;
    d_str(&t, what);

    int cls = absence_class(c, d);
    if (cls >= 0) {
        const tpp_day_cut *a = &rs->absences[cls];
        out->days_excused++;
        out->discipline_minutes += a->minutes;
        add_cut(c, a->base, a->percent);
        D_LIT(&t, "class=");
        d_str(&t, a->id);
        D_LIT(&t, " scans=");
        d_int(&t, n_counted);
        D_LIT(&t, " cut=");
        d_ratio(&t, a->percent);
        D_LIT(&t, "%");
        line(c, sname, a->id, NULL, a->cite, &t);
        return;
    }
    if (in < 0 && outm < 0) {
        out->days_absent++;
        out->discipline_minutes += rs->absent.minutes;
        add_cut(c, rs->absent.base, rs->absent.percent);
        D_LIT(&t, "class=absent scans=0 cut=");
        d_ratio(&t, rs->absent.percent);
        D_LIT(&t, "%");
        line(c, sname, "absent", NULL, rs->absent.cite, &t);
        return;
    }
    if (in < 0 || outm < 0) {
        out->days_missing_punch++;
        out->discipline_minutes += rs->missing_punch.minutes;
        add_cut(c, rs->missing_punch.base, rs->missing_punch.percent);
        if (in < 0)
            D_LIT(&t, "class=missing_in out=");
        else
            D_LIT(&t, "class=missing_out in=");
        d_hhmm_day(&t, in >= 0 ? in : outm);
        D_LIT(&t, " counted_minutes=");
        d_int(&t, rs->missing_punch.minutes);
        D_LIT(&t, " cut=");
        d_ratio(&t, rs->missing_punch.percent);
        D_LIT(&t, "%");
        line(c, sname, "missing_punch", NULL, rs->missing_punch.cite, &t);
        return;
    }
    out->days_present++;
    int32_t late = in - start - rs->grace_minutes;
    int32_t early = end - outm;
    late = late < 0 ? 0 : late;
    early = early < 0 ? 0 : early;
    out->late_minutes += late;
    out->early_minutes += early;
    out->discipline_minutes += late + early;
    /* A cumulative table is looked up once for the month's minutes (cumulative()). */
    bool overflow = false;
    tpp_ratio lp, ep;
    char lcodes[64] = "-", ecodes[64] = "-";
    const tpp_band *lb = late > 0 && rs->late.mode == TPP_MINUTES_PER_DAY
                             ? band_hit(&rs->late, late, &lp, lcodes, sizeof lcodes, &overflow)
                             : NULL;
    const tpp_band *eb = early > 0 && rs->early.mode == TPP_MINUTES_PER_DAY
                             ? band_hit(&rs->early, early, &ep, ecodes, sizeof ecodes, &overflow)
                             : NULL;
    if (overflow)
        fail(c, TPP_ERR_OVERFLOW, "band percentages overflow");
    if (lb)
        add_cut(c, rs->late.base, lp);
    if (eb)
        add_cut(c, rs->early.base, ep);
    const char *cite = lb   ? (lb->cite ? lb->cite : rs->late.cite)
                       : eb ? (eb->cite ? eb->cite : rs->early.cite)
                            : rs->calendar_cite;
    D_LIT(&t, "class=present in=");
    d_hhmm_day(&t, in);
    D_LIT(&t, " out=");
    d_hhmm_day(&t, outm);
    D_LIT(&t, " late=");
    d_int(&t, late);
    D_LIT(&t, " band=");
    if (lb) {
        d_str(&t, lcodes);
        D_LIT(&t, " cut=");
        d_ratio(&t, lp);
    } else {
        D_LIT(&t, "- cut=0");
    }
    D_LIT(&t, "% early=");
    d_int(&t, early);
    D_LIT(&t, " band=");
    if (eb) {
        d_str(&t, ecodes);
        D_LIT(&t, " cut=");
        d_ratio(&t, ep);
    } else {
        D_LIT(&t, "- cut=0");
    }
    D_LIT(&t, "%");
    line(c, sname, lb || eb ? "present_cut" : "present", NULL, cite, &t);
}

static void classify_day(ctx *c, tpp_date d, const tpp_hours *h, size_t *pi)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    /* The day's scans, truncated to the minute; those outside the window do not count. */
    int32_t in = -1, outm = -1, n_counted = 0;
    int32_t open = h->start - rs->window_before, close = h->end + rs->window_after;
    for (; *pi < e->n_punches && e->punches[*pi].day == d; (*pi)++) {
        const tpp_punch *p = &e->punches[*pi];
        int32_t m = p->sec / 60;
        if (m < open || m > close) {
            c->out->scans_ignored++;
            continue;
        }
        n_counted++;
        bool is_in = p->dir == TPP_DIR_IN ||
                     (p->dir == TPP_DIR_NONE && 2 * m < h->start + h->end); /* before midpoint */
        if (is_in) {
            if (in < 0 || m < in)
                in = m;
        } else if (outm < 0 || m > outm) {
            outm = m;
        }
    }
    classify_core(c, d, h->start, h->end, in, outm, n_counted, c->zone_what);
}

/* At most one shift a day, so a month holds at most 31. */
#define MAX_SHIFTS 31

/* The employee's shifts inside the month, checked: sorted, one a day, end after start. They are
 * contiguous in the sorted array; *out is the first. */
static size_t month_shifts(ctx *c, const tpp_shift **out)
{
    const tpp_employee *e = c->emp;
    size_t n = 0;
    *out = NULL;
    for (size_t i = 0; i < e->n_shifts; i++) {
        const tpp_shift *s = &e->shifts[i];
        if (s->day < c->month->first || s->day > c->month->last)
            continue;
        char date[11];
        tpp_date_format(s->day, date);
        if (n > 0 && (*out)[n - 1].day >= s->day) {
            fail(c, TPP_ERR_RULE,
                 "roster: more than one shift on %s, or shifts out of order (one shift a day is "
                 "supported)",
                 date);
            return 0;
        }
        if (s->start < 0 || s->start >= 1440 || s->end <= s->start || s->end > s->start + 1440) {
            fail(c, TPP_ERR_RULE, "roster: the shift of %s has a bad start or end", date);
            return 0;
        }
        if (n == MAX_SHIFTS) {
            fail(c, TPP_ERR_RULE, "roster: more than %d shifts in the month", MAX_SHIFTS);
            return 0;
        }
        if (n == 0)
            *out = s;
        else if (&(*out)[n] != s) {
            fail(c, TPP_ERR_RULE, "roster: shifts not sorted by date");
            return 0;
        }
        n++;
    }
    return n;
}

/* A workday of the employee: a rostered shift's date, or a day with working hours. */
static bool is_workday(const ctx *c, tpp_date d)
{
    if (c->emp->rostered) {
        for (size_t k = 0; k < c->n_shifts; k++)
            if (c->shifts[k].day == d)
                return true;
        return false;
    }
    return hours_of(c->rs, c->month, c->emp->schedule, d) != NULL;
}

/* Minutes from the month's first midnight: scans and shifts on one line across midnight. */
static int64_t abs_minute(const ctx *c, tpp_date day, int32_t minute)
{
    return (int64_t)(day - c->month->first) * 1440 + minute;
}

/* Shift workers (SPEC §4.1): each rostered shift is a workday of its start date. Every scan
 * counts towards the shift whose window (window.before_start before its start to
 * window.after_end after its end, across midnight) holds it; when two windows hold it, the
 * shift it is nearer to. Late and early minutes are against the shift's own start and end;
 * holidays do not apply. */
static void classify_shifts(ctx *c, const tpp_shift *sh, size_t n, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    int32_t in[MAX_SHIFTS], outm[MAX_SHIFTS], counted[MAX_SHIFTS];
    for (size_t k = 0; k < n; k++)
        in[k] = outm[k] = -1, counted[k] = 0;
    size_t k0 = 0; /* shifts before k0 end their window before the current scan */
    for (size_t i = 0; i < e->n_punches; i++) {
        const tpp_punch *p = &e->punches[i];
        int64_t m = abs_minute(c, p->day, p->sec / 60);
        while (k0 < n && abs_minute(c, sh[k0].day, sh[k0].end) + rs->window_after < m)
            k0++;
        size_t best = n;
        int64_t best_dist = 0;
        for (size_t k = k0; k < n; k++) {
            int64_t s = abs_minute(c, sh[k].day, sh[k].start);
            int64_t en = abs_minute(c, sh[k].day, sh[k].end);
            if (m < s - rs->window_before)
                break; /* later shifts start later still */
            if (m > en + rs->window_after)
                continue;
            int64_t dist = m < s ? s - m : m > en ? m - en : 0;
            if (best == n || dist < best_dist)
                best = k, best_dist = dist;
        }
        if (best == n || sh[best].day < first || sh[best].day > last) {
            c->out->scans_ignored++;
            continue;
        }
        /* minutes after midnight of the shift's own day (past 1440 on the next day) */
        int32_t mm = (int32_t)(m - abs_minute(c, sh[best].day, 0));
        counted[best]++;
        bool is_in = p->dir == TPP_DIR_IN ||
                     (p->dir == TPP_DIR_NONE && 2 * mm < sh[best].start + sh[best].end);
        if (is_in) {
            if (in[best] < 0 || mm < in[best])
                in[best] = mm;
        } else if (outm[best] < 0 || mm > outm[best]) {
            outm[best] = mm;
        }
    }
    for (size_t k = 0; k < n && !c->failed; k++) {
        if (sh[k].day < first || sh[k].day > last)
            continue;
        char what[64], ts[12], te[12];
        hhmm_day(sh[k].start, ts);
        hhmm_day(sh[k].end, te);
        snprintf(what, sizeof what, "%sshift=%s-%s ", c->zone_what, ts, te);
        classify_core(c, sh[k].day, sh[k].start, sh[k].end, in[k], outm[k], counted[k], what);
    }
}

/* Tables in cumulative mode: the month's minutes, looked up once (Kementan "kumulatif"). */
static void cumulative(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_band_table *tables[2] = {&rs->late, &rs->early};
    const int32_t minutes[2] = {c->out->late_minutes, c->out->early_minutes};
    const char *names[2] = {"discipline.late_month", "discipline.early_month"};
    for (int i = 0; i < 2; i++) {
        const tpp_band_table *t = tables[i];
        if (t->mode != TPP_MINUTES_CUMULATIVE || minutes[i] <= 0)
            continue;
        bool overflow = false;
        tpp_ratio p;
        char codes[64], pct[40];
        const tpp_band *b = band_hit(t, minutes[i], &p, codes, sizeof codes, &overflow);
        if (overflow) {
            fail(c, TPP_ERR_OVERFLOW, "band percentages overflow");
            return;
        }
        if (b == NULL)
            continue;
        add_cut(c, t->base, p);
        step(c, names[i], codes, NULL, b->cite ? b->cite : t->cite,
             "minutes_in_month=%d band=%s cut=%s%%", (int)minutes[i], codes, ratio_str(p, pct));
    }
}

static tpp_money base_amount(const ctx *c, int bucket, tpp_money *den_extra)
{
    *den_extra = 1;
    tpp_money v = bucket < 2 ? c->out->besaran : c->out->components[(bucket - 2) / 2];
    if (bucket % 2 == 1) /* daily: one workday's share, as a divisor so nothing rounds early */
        *den_extra = c->out->workdays;
    return v;
}

static void discipline(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    tpp_result *out = c->out;
    const char *rnd = tpp_rounding_name(rs->discipline_rounding);
    char a[32], pct[40], bname[64];
    tpp_money total = 0;
    for (int b = 0; b < N_BUCKETS; b++) {
        if (c->bucket[b].num == 0)
            continue;
        tpp_money extra, amount;
        tpp_money base = base_amount(c, b, &extra);
        int64_t den;
        if (extra <= 0 || __builtin_mul_overflow(c->bucket[b].den, 100 * extra, &den) ||
            !tpp_money_mul_ratio(base, c->bucket[b].num, den, rs->discipline_rounding, &amount) ||
            !tpp_money_add(total, amount, &total)) {
            fail(c, TPP_ERR_OVERFLOW, "overflow computing the discipline cut");
            return;
        }
        base_name(rs, b, bname, sizeof bname);
        step(c, "discipline.cut", money_str(amount, a), rnd, rs->late.cite,
             "base=%s base_amount=%lld divisor=%lld percent=%s", bname, (long long)base,
             (long long)extra, ratio_str(c->bucket[b], pct));
    }
    /* The monthly cap, in rupiah of its own base. */
    tpp_money extra, cap;
    int cb = bucket_of(rs->cap_base);
    tpp_money cap_base = base_amount(c, cb, &extra);
    if (!tpp_money_mul_ratio(cap_base, rs->cap_percent.num, rs->cap_percent.den * 100 * extra,
                             rs->discipline_rounding, &cap)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing the discipline cap");
        return;
    }
    out->cut_percent = c->bucket[0];
    if (total > cap) {
        char t[32];
        step(c, "discipline.cap", money_str(cap, a), rnd, rs->cap_cite,
             "cuts=%s capped at %s%% of the base", money_str(total, t),
             ratio_str(rs->cap_percent, pct));
        total = cap;
    }
    out->discipline_cut = total;
    step(c, "discipline.total", money_str(total, a), NULL, rs->cap_cite,
         "late_minutes=%d early_minutes=%d days_absent=%d days_missing_punch=%d",
         (int)out->late_minutes, (int)out->early_minutes, (int)out->days_absent,
         (int)out->days_missing_punch);
    /* A segment's minutes count towards the month's threshold: engine/segment.c decides. */
    if (!c->emp->segment_only && rs->defer_minutes_over > 0 &&
        out->discipline_minutes > rs->defer_minutes_over) {
        out->deferred = true;
        step(c, "discipline.defer", "deferred", NULL, rs->defer_cite,
             "counted_minutes=%d over %d: payment to be deferred by BKPSDM",
             (int)out->discipline_minutes, (int)rs->defer_minutes_over);
    }
}

static void events(ctx *c, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    char date[11], pct[40], name[64];
    for (size_t i = 0; i < c->emp->n_events; i++) {
        const tpp_event *ev = &c->emp->events[i];
        if (ev->day < first || ev->day > last)
            continue;
        const tpp_event_rule *r = &rs->events[ev->type];
        tpp_ratio p = r->percent;
        int64_t units = 1;
        if (r->unit == TPP_PER_HOUR)
            units = (ev->minutes + 59) / 60; /* each started hour */
        if (!tpp_ratio_mul_int(p, units, &p)) {
            fail(c, TPP_ERR_OVERFLOW, "event percentage overflow");
            return;
        }
        add_cut(c, r->base, p);
        tpp_date_format(ev->day, date);
        snprintf(name, sizeof name, "event.%s", date);
        step(c, name, r->id, NULL, r->cite, "type=%s minutes=%d units=%lld cut=%s%%", r->id,
             (int)ev->minutes, (long long)units, ratio_str(p, pct));
    }
}

static void performance(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    tpp_result *out = c->out;
    const tpp_employee *e = c->emp;
    tpp_money comp = out->components[rs->perf_component];
    tpp_ratio mult = rs->missing_multiplier;
    const char *pred = "missing";
    const char *cite = rs->perf_cite;
    char score_text[48];
    if (rs->perf_mode == TPP_PERF_SCORE && e->has_score) {
        /* score % capped, as a multiplier: min(score, cap) / 100 */
        tpp_ratio s = tpp_ratio_cmp(e->score, rs->score_cap) > 0 ? rs->score_cap : e->score;
        if (__builtin_mul_overflow(s.den, 100, &mult.den)) {
            fail(c, TPP_ERR_OVERFLOW, "overflow computing the score multiplier");
            return;
        }
        mult.num = s.num;
        char sc[40];
        ratio_str(e->score, sc);
        snprintf(score_text, sizeof score_text, "score=%s", sc);
        pred = score_text;
    } else if (rs->perf_mode == TPP_PERF_PREDICATE && e->predicate >= 0) {
        mult = rs->predicates[e->predicate].multiplier;
        pred = rs->predicates[e->predicate].id;
    } else {
        out->perf_missing = true;
        cite = rs->missing_cite;
    }
    if (rs->perf_lag.months > 0 || rs->perf_lag.years > 0) {
        /* Which period's performance this is: the run loaded it by the same rule
         * (tpp_rules_perf_period), so the trace names what was read. */
        int py, pm;
        tpp_rules_perf_period(rs, c->month->year, c->month->month, &py, &pm);
        char per[16];
        snprintf(per, sizeof per, "%04d-%02d", py % 10000, pm % 100);
        step(c, "performance.period", per, NULL, rs->perf_lag.cite,
             "performance of %s applies to %04d-%02d (lag %d %s)", per, c->month->year,
             c->month->month, (int)(rs->perf_lag.months ? rs->perf_lag.months : rs->perf_lag.years),
             rs->perf_lag.months ? "month(s)" : "year(s)");
    }
    tpp_money paid;
    char a[32], m[40];
    if (!tpp_money_mul_ratio(comp, mult.num, mult.den, rs->perf_rounding, &paid)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing performance");
        return;
    }
    out->performance_cut = comp - paid;
    step(c, "performance", money_str(paid, a), tpp_rounding_name(rs->perf_rounding), cite,
         "component=%s amount=%lld predicate=%s multiplier=%s cut=%lld",
         rs->components[rs->perf_component].id, (long long)comp, pred, ratio_str(mult, m),
         (long long)out->performance_cut);
}

/* ---- multi-month state and the payment side (SPEC §4 steps 7-9) ---- */

__extension__ typedef __int128 i128;

static int month_index(int year, int month)
{
    return year * 12 + (month - 1);
}

/* The amount a percentage of a base comes to this month, rounded once by mode. */
static bool percent_of_base(ctx *c, tpp_base base, tpp_ratio pct, tpp_rounding mode,
                            tpp_money *amount, tpp_money *base_value, tpp_money *divisor)
{
    int b = bucket_of(base);
    tpp_money v = base_amount(c, b, divisor);
    *base_value = v;
    int64_t den;
    if (*divisor <= 0 || __builtin_mul_overflow(pct.den, 100 * *divisor, &den))
        return false;
    /* a daily base counts every workday of the employee's month */
    int64_t num;
    if (__builtin_mul_overflow(pct.num, b % 2 == 1 ? (int64_t)c->out->workdays : 1, &num))
        return false;
    return tpp_money_mul_ratio(v, num, den, mode, amount);
}

/* Step 7: every sanction active this month (start month <= this month < start + months), even
 * one that started before the first month the workspace knows, or in the previous year. The
 * sum never takes more than what is left of col 8 after the employee's BPJS share. */
static void sanctions(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    tpp_result *o = c->out;
    const char *rnd = tpp_rounding_name(rs->discipline_rounding);
    int now = month_index(c->month->year, c->month->month);
    tpp_money total = 0;
    char a[32], p[40], name[64];
    for (size_t i = 0; i < e->n_sanctions; i++) {
        const tpp_emp_sanction *s = &e->sanctions[i];
        if (s->rule < 0 || (size_t)s->rule >= rs->n_sanctions)
            continue;
        const tpp_sanction_rule *r = &rs->sanctions[s->rule];
        int start = month_index(s->start_year, s->start_month);
        int32_t months = s->months > 0 ? s->months : r->months;
        if (now < start || now >= start + months)
            continue;
        tpp_ratio pct = s->has_percent ? s->percent : r->percent;
        tpp_money amount, bv, div;
        if (!percent_of_base(c, r->base, pct, rs->discipline_rounding, &amount, &bv, &div) ||
            !tpp_money_add(total, amount, &total)) {
            fail(c, TPP_ERR_OVERFLOW, "overflow computing sanction %s", r->id);
            return;
        }
        snprintf(name, sizeof name, "sanction.%s", r->id);
        step(c, name, money_str(amount, a), rnd, r->cite,
             "started=%04d-%02d month %d of %d: %s%% of %lld (divisor %lld)", s->start_year,
             s->start_month, now - start + 1, (int)months, ratio_str(pct, p), (long long)bv,
             (long long)div);
    }
    if (total == 0)
        return;
    tpp_money room = o->tpp - o->bpjs_employee;
    if (room < 0)
        room = 0;
    if (total > room) {
        step(c, "sanction.limit", money_str(room, a), NULL, NULL,
             "sanctions %lld exceed what is left of col 8 after BPJS 1 %% (%lld)", (long long)total,
             (long long)room);
        total = room;
    }
    o->pot_hukdis = total;
    step(c, "sanction.total", money_str(total, a), NULL, NULL, "col 10 POT. HUKDIS");
}

/* A correction carried from an earlier month: kelebihan bayar (> 0) is taken back in col 9 as
 * far as this month's TPP allows; kekurangan bayar (< 0) was added to col 8 already. */
static void correction_deduction(ctx *c)
{
    tpp_result *o = c->out;
    tpp_money owed = c->emp->carried;
    if (owed <= 0)
        return;
    char a[32];
    tpp_money room = o->tpp - o->bpjs_employee - o->pot_hukdis;
    if (room < 0)
        room = 0;
    o->pot_bulan_lalu = owed < room ? owed : room;
    step(c, "correction", money_str(o->pot_bulan_lalu, a), NULL, NULL,
         "col 9 POT. BULAN LALU: kelebihan bayar %lld carried from an earlier month; %lld left "
         "for a later month",
         (long long)owed, (long long)(owed - o->pot_bulan_lalu));
}

/* The TER table in force on a day (the latest valid_from <= day), or NULL. */
static const tpp_ter_table *ter_for(const tpp_ruleset *rs, tpp_date day)
{
    const tpp_ter_table *t = NULL;
    for (size_t i = 0; i < rs->n_ter; i++)
        if (rs->ter[i].valid_from <= day)
            t = &rs->ter[i];
    return t;
}

/* The annual tax by the Pasal 17 brackets on a PKP; exact, rounded once. */
static bool bracket_tax(const tpp_annual_rule *a, tpp_money pkp, tpp_rounding mode, tpp_money *tax,
                        char *detail, size_t size)
{
    /* sum of slice * rate / 100 over brackets, kept exact as num / 10^9 / 100 */
    const int64_t scale = 1000000000;
    i128 acc = 0;
    tpp_money lower = 0;
    size_t used = 0;
    detail[0] = '\0';
    for (size_t i = 0; i < a->n_brackets && pkp > lower; i++) {
        tpp_money upper = a->brackets[i].to;
        tpp_money slice = (pkp < upper ? pkp : upper) - lower;
        tpp_ratio r = a->brackets[i].rate;
        acc += (i128)slice * r.num * (scale / r.den);
        char rt[40];
        tpp_ratio_format(r, rt, sizeof rt);
        int n = snprintf(detail + used, size - used, "%s%lld x %s%%", used ? " + " : "",
                         (long long)slice, rt);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
        lower = upper;
    }
    /* acc / (scale * 100), rounded once by mode; acc >= 0 */
    i128 den = (i128)scale * 100;
    i128 q = acc / den, rem = acc % den;
    if (q > INT64_MAX / 2)
        return false;
    bool round_up = false;
    switch (mode) {
    case TPP_ROUND_HALF_UP:
        round_up = 2 * rem >= den;
        break;
    case TPP_ROUND_HALF_EVEN:
        round_up = 2 * rem > den || (2 * rem == den && (q % 2) == 1);
        break;
    case TPP_ROUND_UP:
    case TPP_ROUND_CEILING:
        round_up = rem > 0;
        break;
    default:
        break;
    }
    *tax = (tpp_money)(q + round_up);
    return true;
}

/* December (or the pack's month): the year's PPh 21 by Pasal 17 replaces TER, minus what was
 * withheld January..November and what the salary run withholds this month. */
static void pph21_annual(ctx *c, int cat)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_annual_rule *an = &rs->annual;
    const tpp_employee *e = c->emp;
    tpp_result *o = c->out;
    const char *rnd = tpp_rounding_name(rs->payment_rounding);
    char a[32], p[40], detail[320];
    (void)cat;
    if (!e->has_annual) {
        fail(c, TPP_ERR_RULE,
             "PPh 21 annual reconciliation in month %d needs the year's inputs (ytd_gross, "
             "ytd_pph21, annual_pension)",
             an->month);
        return;
    }
    const tpp_ptkp_amount *pk = NULL;
    for (size_t i = 0; i < an->n_ptkp; i++)
        if (strcmp(an->ptkp[i].ptkp, e->ptkp) == 0)
            pk = &an->ptkp[i];
    if (pk == NULL) {
        fail(c, TPP_ERR_RULE, "no annual PTKP amount for status '%s' in payment.pph21.annual",
             e->ptkp);
        return;
    }
    tpp_money gross_year, job_cost, neto, pkp, tax, due;
    if (!tpp_money_add(e->ytd_gross, o->ter_base, &gross_year) ||
        !tpp_money_mul_ratio(gross_year, an->job_cost_percent.num, an->job_cost_percent.den * 100,
                             rs->payment_rounding, &job_cost)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow in the annual PPh 21");
        return;
    }
    step(c, "pph21.annual.gross", money_str(gross_year, a), NULL, an->cite,
         "ytd_gross %lld + salary_gross %lld + col 12 %lld", (long long)e->ytd_gross,
         (long long)e->salary_gross, (long long)o->gross);
    if (job_cost > an->job_cost_max)
        job_cost = an->job_cost_max;
    step(c, "pph21.annual.job_cost", money_str(job_cost, a), rnd, an->cite,
         "biaya jabatan %s%% of %lld, at most %lld", ratio_str(an->job_cost_percent, p),
         (long long)gross_year, (long long)an->job_cost_max);
    neto = gross_year - job_cost - e->annual_pension;
    pkp = neto - pk->amount;
    if (pkp < 0)
        pkp = 0;
    pkp -= pkp % 1000; /* PKP rounded down to whole thousands (UU PPh Pasal 17 ayat 4) */
    step(c, "pph21.annual.pkp", money_str(pkp, a), "down_thousand", an->cite,
         "neto %lld (gross - job cost - pension %lld) - PTKP %s %lld", (long long)neto,
         (long long)e->annual_pension, pk->ptkp, (long long)pk->amount);
    if (!bracket_tax(an, pkp, rs->payment_rounding, &tax, detail, sizeof detail)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow in the Pasal 17 brackets");
        return;
    }
    step(c, "pph21.annual.tax", money_str(tax, a), rnd, an->cite, "%s", detail);
    due = tax - e->ytd_pph21 - e->salary_pph21;
    if (due < 0) {
        step(c, "pph21.annual.overpaid", money_str(-due, a), NULL, an->cite,
             "withheld %lld + salary %lld exceed the year's tax: lebih bayar, refunded by the "
             "withholder, not on this list",
             (long long)e->ytd_pph21, (long long)e->salary_pph21);
        due = 0;
    }
    o->pph21 = due;
    step(c, "payment.pph21", money_str(due, a), NULL, an->cite,
         "annual tax %lld - withheld Jan..%02d %lld - salary run %lld (col 17)", (long long)tax,
         an->month - 1, (long long)e->ytd_pph21, (long long)e->salary_pph21);
}

/* PPh 21 withheld (PP 58/2023): TER of the category on the month's salary + TPP gross (col 12,
 * which includes the employer's BPJS share, PMK 168/2023 Pasal 5), minus what the salary run
 * withheld. */
static void pph21_withheld(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    tpp_result *o = c->out;
    const char *rnd = tpp_rounding_name(rs->payment_rounding);
    char a[32], p[40];
    int cat = -1;
    for (size_t i = 0; e->ptkp != NULL && i < rs->n_ptkp; i++)
        if (strcmp(rs->ptkp[i].ptkp, e->ptkp) == 0)
            cat = rs->ptkp[i].category;
    if (cat < 0) {
        fail(c, TPP_ERR_RULE, "PPh 21 withheld: PTKP status '%s' has no TER category in the pack",
             e->ptkp != NULL && e->ptkp[0] ? e->ptkp : "(none)");
        return;
    }
    if (!tpp_money_add(e->salary_gross, o->gross, &o->ter_base)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing the TER base");
        return;
    }
    step(c, "pph21.base", money_str(o->ter_base, a), NULL, rs->pph21_cite,
         "salary_gross %lld + col 12 %lld; ptkp=%s category=%c", (long long)e->salary_gross,
         (long long)o->gross, e->ptkp, 'A' + cat);
    if (rs->annual.defined && c->month->month == rs->annual.month) {
        pph21_annual(c, cat);
        return;
    }
    const tpp_ter_table *t = ter_for(rs, c->month->first);
    if (t == NULL) {
        fail(c, TPP_ERR_RULE, "no TER table in force on the first day of the month");
        return;
    }
    const tpp_ter_row *row = NULL;
    for (size_t i = 0; i < t->n_rows[cat]; i++)
        if (o->ter_base >= t->rows[cat][i].from && o->ter_base <= t->rows[cat][i].to)
            row = &t->rows[cat][i];
    if (row == NULL) {
        fail(c, TPP_ERR_RULE, "no TER row of category %c covers %lld", 'A' + cat,
             (long long)o->ter_base);
        return;
    }
    tpp_money tax;
    if (!tpp_money_mul_ratio(o->ter_base, row->rate.num, row->rate.den * 100, rs->payment_rounding,
                             &tax)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing TER");
        return;
    }
    char to[32];
    if (row->to == TPP_MONEY_OPEN)
        snprintf(to, sizeof to, "~");
    else
        money_str(row->to, to);
    step(c, "pph21.ter", money_str(tax, a), rnd, t->cite, "category %c row %lld..%s: %s%% of %lld",
         'A' + cat, (long long)row->from, to, ratio_str(row->rate, p), (long long)o->ter_base);
    tpp_money due = tax - e->salary_pph21;
    if (due < 0) {
        step(c, "pph21.salary_excess", money_str(-due, a), NULL, rs->pph21_cite,
             "the salary run withheld %lld, more than TER on salary + TPP",
             (long long)e->salary_pph21);
        due = 0;
    }
    o->pph21 = due;
    step(c, "payment.pph21", money_str(due, a), NULL, rs->pph21_cite,
         "TER %lld - salary run %lld (col 17)", (long long)tax, (long long)e->salary_pph21);
}

/* Step 2, acting officials (Plt/Plh): with at least min_workdays acting workdays in the month,
 * an acting post of a class above the employee's own is one level higher (the pack says whether
 * that takes the acting class's besaran), otherwise the same level (own besaran + x % of the
 * acting class's). Of several assignments the one that pays most counts. */
static bool acting(ctx *c, tpp_money *full, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    const tpp_acting_rule *ar = &rs->acting;
    if (e->n_assignments == 0)
        return true;
    if (!ar->defined) {
        step(c, "acting.ignored", "-", NULL, NULL,
             "%zu acting assignment(s), but the pack has no 'acting' rule", e->n_assignments);
        return true;
    }
    const char *rnd = tpp_rounding_name(rs->besaran_rounding);
    tpp_money best = *full;
    char a[32], p[40], f[11], t[11], name[48];
    for (size_t i = 0; i < e->n_assignments; i++) {
        const tpp_assignment *as = &e->assignments[i];
        tpp_date from = as->start > first ? as->start : first;
        tpp_date to = as->end < last ? as->end : last;
        int days = 0;
        for (tpp_date d = from; d <= to; d++)
            days += is_workday(c, d);
        tpp_date_format(as->start, f);
        tpp_date_format(as->end, t);
        snprintf(name, sizeof name, "acting.%s", as->kind == TPP_ACTING_PLH ? "plh" : "plt");
        if (as->kelas < 1 || as->kelas > TPP_MAX_CLASS || rs->besaran[as->kelas] == 0) {
            fail(c, TPP_ERR_RULE, "the rule pack has no besaran for acting class %d", as->kelas);
            return false;
        }
        if (days < ar->min_workdays) {
            step(c, name, "0", NULL, ar->cite,
                 "class=%d %s..%s acting_workdays=%d under %d: no acting TPP", as->kelas, f, t,
                 days, (int)ar->min_workdays);
            continue;
        }
        tpp_money acting_full = rs->besaran[as->kelas], v;
        bool higher = as->kelas > e->kelas;
        if (higher && ar->higher == TPP_ACTING_HIGHER_TAKES_ACTING) {
            v = acting_full > *full ? acting_full : *full;
            step(c, name, money_str(v, a), NULL, ar->cite,
                 "class=%d (own %d: higher level) %s..%s acting_workdays=%d: the acting class's "
                 "besaran %lld",
                 as->kelas, e->kelas, f, t, days, (long long)acting_full);
        } else {
            tpp_money up;
            if (!tpp_money_mul_ratio(acting_full, ar->same_level_percent.num,
                                     ar->same_level_percent.den * 100, rs->besaran_rounding, &up) ||
                !tpp_money_add(*full, up, &v)) {
                fail(c, TPP_ERR_OVERFLOW, "overflow computing the acting uplift");
                return false;
            }
            step(c, name, money_str(v, a), rnd, ar->cite,
                 "class=%d (own %d: %s) %s..%s acting_workdays=%d: %lld + %s%% of %lld = %lld + "
                 "%lld",
                 as->kelas, e->kelas, higher ? "higher level, same uplift" : "same level", f, t,
                 days, (long long)*full, ratio_str(ar->same_level_percent, p),
                 (long long)acting_full, (long long)*full, (long long)up);
        }
        if (v > best)
            best = v;
    }
    *full = best;
    return true;
}

static void payment(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    tpp_result *o = c->out;
    char a[32];
    const char *rnd = tpp_rounding_name(rs->payment_rounding);
    /* The BPJS wage cap is shared with the salary: only the TPP slice under it is charged. */
    tpp_money room = rs->bpjs_wage_cap - c->emp->salary_bpjs_base;
    if (room < 0)
        room = 0;
    tpp_money slice = o->tpp < room ? o->tpp : room;
    step(c, "payment.bpjs_base", money_str(slice, a), NULL, rs->bpjs_cite,
         "tpp=%lld salary_bpjs_base=%lld wage_cap=%lld", (long long)o->tpp,
         (long long)c->emp->salary_bpjs_base, (long long)rs->bpjs_wage_cap);
    if (!tpp_money_mul_ratio(slice, rs->bpjs_employer_percent.num,
                             rs->bpjs_employer_percent.den * 100, rs->payment_rounding,
                             &o->bpjs_employer) ||
        !tpp_money_mul_ratio(slice, rs->bpjs_employee_percent.num,
                             rs->bpjs_employee_percent.den * 100, rs->payment_rounding,
                             &o->bpjs_employee)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing BPJS");
        return;
    }
    char p[40];
    step(c, "payment.bpjs_employer", money_str(o->bpjs_employer, a), rnd, rs->bpjs_cite,
         "%s%% of %lld, added (col 11) and deducted (col 13)",
         ratio_str(rs->bpjs_employer_percent, p), (long long)slice);
    step(c, "payment.bpjs_employee", money_str(o->bpjs_employee, a), rnd, rs->bpjs_cite,
         "%s%% of %lld (col 14)", ratio_str(rs->bpjs_employee_percent, p), (long long)slice);

    sanctions(c);
    correction_deduction(c);
    if (c->failed)
        return;
    o->gross = o->tpp + o->bpjs_employer - o->pot_bulan_lalu - o->pot_hukdis;
    o->deductions = o->bpjs_employer + o->bpjs_employee;
    o->net_before_tax = o->gross - o->deductions;
    step(c, "payment.gross", money_str(o->gross, a), NULL, NULL,
         "col 12 = tpp %lld + bpjs_employer %lld - pot_bulan_lalu %lld - pot_hukdis %lld",
         (long long)o->tpp, (long long)o->bpjs_employer, (long long)o->pot_bulan_lalu,
         (long long)o->pot_hukdis);
    o->pph21 = 0;
    if (rs->pph21_mode == TPP_PPH21_WITHHELD) {
        pph21_withheld(c);
        if (c->failed)
            return;
    } else {
        step(c, "payment.pph21", "0", NULL, rs->pph21_cite, "mode=%s",
             rs->pph21_mode == TPP_PPH21_NONE ? "none" : "borne_by_pemda");
    }
    if (o->pph21 > o->net_before_tax) {
        step(c, "pph21.limit", money_str(o->net_before_tax, a), NULL, rs->pph21_cite,
             "PPh 21 %lld exceeds col 16; the rest (%lld) stays with the withholder",
             (long long)o->pph21, (long long)(o->pph21 - o->net_before_tax));
        o->pph21 = o->net_before_tax;
    }
    tpp_money after_tax = o->net_before_tax - o->pph21;
    o->zakat = 0;
    if (rs->zakat.defined && c->emp->zakat && after_tax > 0) {
        if (!tpp_money_mul_ratio(after_tax, rs->zakat.percent.num, rs->zakat.percent.den * 100,
                                 rs->payment_rounding, &o->zakat)) {
            fail(c, TPP_ERR_OVERFLOW, "overflow computing zakat");
            return;
        }
        step(c, "payment.zakat", money_str(o->zakat, a), rnd, rs->zakat.cite,
             "%s%% of %lld (net after PPh 21), asked for by the employee",
             ratio_str(rs->zakat.percent, p), (long long)after_tax);
    } else if (c->emp->zakat && !rs->zakat.defined) {
        step(c, "payment.zakat", "0", NULL, NULL,
             "asked for, but the pack in force sets no zakat rate (payment.zakat)");
    }
    o->net = after_tax - o->zakat;
    step(c, "payment.net", money_str(o->net, a), NULL, NULL,
         "gross=%lld deductions=%lld net_before_tax=%lld pph21=%lld zakat=%lld",
         (long long)o->gross, (long long)o->deductions, (long long)o->net_before_tax,
         (long long)o->pph21, (long long)o->zakat);
}

/* Step 2 beyond the class table: a position's own amount, criteria as shares of the basic TPP,
 * and the status multiplier. Each is a named step; false when the employee failed. */
static bool besaran_extras(ctx *c, tpp_money *full, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    const char *rnd = tpp_rounding_name(rs->besaran_rounding);
    char a[32], p[40];
    for (size_t i = 0; e->position != NULL && i < rs->n_positions; i++) {
        if (strcmp(rs->positions[i].position, e->position) != 0)
            continue;
        *full = rs->positions[i].amount;
        step(c, "besaran.position", money_str(*full, a), NULL, rs->positions[i].cite, "position=%s",
             e->position);
        break;
    }
    if (rs->n_criteria > 0) {
        /* the class amount is the basic TPP; the besaran is the sum of the criteria */
        tpp_money basic = *full, sum = 0;
        for (size_t i = 0; i < rs->n_criteria; i++) {
            const tpp_criterion *cr = &rs->criteria[i];
            tpp_money part = 0, fixed = cr->fixed[e->kelas];
            if (!cr->has[e->kelas])
                continue;
            if (!tpp_money_mul_ratio(basic, cr->percent[e->kelas].num,
                                     cr->percent[e->kelas].den * 100, rs->besaran_rounding,
                                     &part) ||
                !tpp_money_add(part, fixed, &part) || !tpp_money_add(sum, part, &sum)) {
                fail(c, TPP_ERR_OVERFLOW, "overflow computing criterion %s", cr->id);
                return false;
            }
            char name[64];
            snprintf(name, sizeof name, "besaran.criterion.%s", cr->id);
            step(c, name, money_str(part, a), rnd, cr->cite, "%s%% of %lld + %lld",
                 ratio_str(cr->percent[e->kelas], p), (long long)basic, (long long)fixed);
        }
        *full = sum;
        step(c, "besaran.criteria", money_str(sum, a), NULL, rs->besaran_cite,
             "sum of %zu criteria", rs->n_criteria);
    }
    if (*full <= 0) {
        fail(c, TPP_ERR_RULE, "the besaran for class %d is 0", e->kelas);
        return false;
    }
    if (!acting(c, full, first, last))
        return false;
    int si = e->status != NULL ? tpp_rules_status_index(rs, e->status) : -1;
    if (si >= 0) {
        const tpp_status_rule *st = &rs->status[si];
        tpp_money m;
        if (!tpp_money_mul_ratio(*full, st->multiplier.num, st->multiplier.den,
                                 rs->besaran_rounding, &m)) {
            fail(c, TPP_ERR_OVERFLOW, "overflow applying the status multiplier");
            return false;
        }
        step(c, "besaran.status", money_str(m, a), rnd, st->cite, "status=%s %lld x %s", st->status,
             (long long)*full, ratio_str(st->multiplier, p));
        *full = m; /* 0 for a status that stops the TPP (CLTN, tugas belajar): a zero line */
    }
    return true;
}

/* SPEC §4.10: every line must add up; a violation is a bug, named with its step. */
static void invariants(ctx *c)
{
    const tpp_result *o = c->out;
    tpp_money parts = 0;
    for (size_t i = 0; i < c->rs->n_components; i++)
        parts += o->components[i];
    const char *bad = NULL;
    char what[96] = "";
    if (parts != o->besaran) {
        bad = "component";
        snprintf(what, sizeof what, "components %lld != besaran %lld", (long long)parts,
                 (long long)o->besaran);
    } else if (o->tpp != o->besaran - o->discipline_cut - o->performance_cut + o->addition &&
               o->tpp != o->addition) {
        bad = "tpp.amount";
        snprintf(what, sizeof what, "col 8 != besaran - cuts + addition");
    } else if (o->gross != o->tpp + o->bpjs_employer - o->pot_bulan_lalu - o->pot_hukdis) {
        bad = "payment.gross";
        snprintf(what, sizeof what, "col 12 != 8 + 11 - 9 - 10");
    } else if (o->deductions != o->bpjs_employer + o->bpjs_employee) {
        bad = "payment.bpjs_employee";
        snprintf(what, sizeof what, "col 15 != 13 + 14");
    } else if (o->net_before_tax != o->gross - o->deductions) {
        bad = "payment.gross";
        snprintf(what, sizeof what, "col 16 != 12 - 15");
    } else if (o->net != o->net_before_tax - o->pph21 - o->zakat) {
        bad = "payment.net";
        snprintf(what, sizeof what, "col 18 != 16 - 17 - zakat");
    } else if (o->tpp < 0 || o->gross < 0 || o->net < 0 || o->bpjs_employer < 0 ||
               o->bpjs_employee < 0 || o->discipline_cut < 0 || o->performance_cut < 0 ||
               o->pot_hukdis < 0 || o->pot_bulan_lalu < 0 || o->pph21 < 0 || o->zakat < 0 ||
               o->net_before_tax < 0) {
        bad = "payment.net";
        snprintf(what, sizeof what, "a negative amount");
    }
    if (bad != NULL)
        fail(c, TPP_ERR_INTERNAL, "invariant violated at step %s: %s", bad, what);
}

tpp_status tpp_eval_employee(const tpp_ruleset *rs, const tpp_month *month, const tpp_employee *emp,
                             tpp_result *out)
{
    memset(out, 0, sizeof *out);
    ctx c = {.rs = rs, .month = month, .emp = emp, .out = out};
    if (emp->zone != NULL && emp->zone[0] != '\0')
        snprintf(c.zone_what, sizeof c.zone_what, "zone=%.5s ", emp->zone);
    for (int b = 0; b < N_BUCKETS; b++)
        c.bucket[b] = (tpp_ratio){0, 1};
    char a[32], f[11], t[11];

    /* Step 1: eligibility and workdays. */
    if (emp->rostered && emp->schedule == TPP_SCHED_SHIFT) {
        c.n_shifts = month_shifts(&c, &c.shifts);
        if (c.failed)
            goto done;
        if (c.n_shifts == 0) {
            fail(&c, TPP_ERR_RULE,
                 "shift worker with no roster in the month: no day can be classified");
            goto done;
        }
    } else if (emp->rostered) {
        fail(&c, TPP_ERR_RULE, "a roster is given but the schedule is not 'shift'");
        goto done;
    } else if (emp->schedule < 0 || emp->schedule >= TPP_SCHED_COUNT ||
               !rs->schedules[emp->schedule].defined) {
        fail(&c, TPP_ERR_RULE, "the rule pack has no working hours for schedule %d",
             (int)emp->schedule);
        goto done;
    }
    tpp_date first = month->first, last = month->last;
    if (emp->start_date != TPP_DATE_NONE && emp->start_date > first)
        first = emp->start_date;
    if (emp->end_date != TPP_DATE_NONE && emp->end_date < last)
        last = emp->end_date;
    if (emp->rostered) {
        out->workdays_month = (int32_t)c.n_shifts;
        for (size_t k = 0; k < c.n_shifts; k++)
            out->workdays += c.shifts[k].day >= first && c.shifts[k].day <= last;
    } else {
        out->workdays_month = tpp_eval_workdays(rs, month, emp->schedule);
        for (tpp_date d = first; d <= last; d++)
            out->workdays += hours_of(rs, month, emp->schedule, d) != NULL;
    }
    tpp_date_format(first, f);
    tpp_date_format(last, t);
    snprintf(a, sizeof a, "%d", (int)out->workdays);
    if (emp->rostered)
        step(&c, "eligibility.workdays", a, NULL, rs->calendar_cite,
             "from=%s to=%s workdays_month=%d holidays=%d workdays=rostered_shifts "
             "holidays_apply=no",
             f, t, (int)out->workdays_month, (int)month->n_holidays);
    else
        step(&c, "eligibility.workdays", a, NULL, rs->calendar_cite,
             "from=%s to=%s workdays_month=%d holidays=%d", f, t, (int)out->workdays_month,
             (int)month->n_holidays);

    /* Step 2 (minimal): besaran by class, prorated by workdays for a partial month. */
    if (emp->kelas < 1 || emp->kelas > TPP_MAX_CLASS || rs->besaran[emp->kelas] == 0) {
        fail(&c, TPP_ERR_RULE, "the rule pack has no besaran for class %d", emp->kelas);
        goto done;
    }
    tpp_money full = rs->besaran[emp->kelas];
    step(&c, "besaran.class", money_str(full, a), NULL, rs->besaran_cite, "class=%d", emp->kelas);
    if (!besaran_extras(&c, &full, first, last))
        goto done;
    out->besaran = full;
    if (out->workdays < out->workdays_month) {
        if (out->workdays_month == 0 ||
            !tpp_money_mul_ratio(full, out->workdays, out->workdays_month, rs->besaran_rounding,
                                 &out->besaran)) {
            fail(&c, TPP_ERR_RULE, "cannot prorate: no workdays in the month");
            goto done;
        }
        step(&c, "besaran.prorate", money_str(out->besaran, a),
             tpp_rounding_name(rs->besaran_rounding), rs->calendar_cite, "%lld x %d / %d workdays",
             (long long)full, (int)out->workdays, (int)out->workdays_month);
    }

    /* Step 3: components, split so that the parts sum exactly to the besaran. */
    int64_t weights[TPP_MAX_COMPONENTS];
    int64_t den = 1;
    for (size_t i = 0; i < rs->n_components; i++)
        if (rs->components[i].percent.den > den)
            den = rs->components[i].percent.den;
    for (size_t i = 0; i < rs->n_components; i++)
        weights[i] = rs->components[i].percent.num * (den / rs->components[i].percent.den);
    if (!tpp_money_allocate(out->besaran, weights, rs->n_components, out->components)) {
        fail(&c, TPP_ERR_RULE, "cannot split the besaran into components");
        goto done;
    }
    for (size_t i = 0; i < rs->n_components; i++) {
        char name[64], p[40];
        snprintf(name, sizeof name, "component.%s", rs->components[i].id);
        step(&c, name, money_str(out->components[i], a), "largest_remainder", rs->components_cite,
             "%s%% of %lld", ratio_str(rs->components[i].percent, p), (long long)out->besaran);
    }

    /* Steps 4 and 5: classify each workday, then the events, then cut once per base. */
    size_t pi = emp->rostered ? emp->n_punches : 0; /* shifts take their scans themselves */
    if (emp->rostered)
        classify_shifts(&c, c.shifts, c.n_shifts, first, last);
    for (tpp_date d = month->first; d <= month->last && !c.failed && !emp->rostered; d++) {
        const tpp_hours *h = hours_of(rs, month, emp->schedule, d);
        if (h == NULL || d < first || d > last) {
            for (; pi < emp->n_punches && emp->punches[pi].day == d; pi++)
                out->scans_ignored++;
            continue;
        }
        classify_day(&c, d, h, &pi);
    }
    for (; pi < emp->n_punches; pi++)
        out->scans_ignored++;
    events(&c, first, last);
    cumulative(&c);
    if (c.failed)
        goto done;
    discipline(&c);
    if (c.failed)
        goto done;

    /* Step 6: performance on its component. */
    performance(&c);
    if (c.failed)
        goto done;

    /* Step 8: JUMLAH TPP, never below zero. */
    tpp_money tpp = out->besaran - out->discipline_cut - out->performance_cut;
    if (tpp < 0) {
        step(&c, "tpp.floor", "0", NULL, rs->cap_cite, "cuts exceed the besaran by %lld",
             (long long)-tpp);
        tpp = 0;
    }
    if (emp->carried < 0) {
        /* kekurangan bayar of an earlier month, paid with this month's TPP (col 8) */
        out->addition = -emp->carried;
        tpp += out->addition;
        step(&c, "correction", money_str(out->addition, a), NULL, NULL,
             "kekurangan bayar %lld carried from an earlier month, added to col 8",
             (long long)out->addition);
    }
    out->tpp = tpp;
    step(&c, "tpp.amount", money_str(tpp, a), NULL, NULL,
         "besaran=%lld discipline_cut=%lld performance_cut=%lld addition=%lld (col 8)",
         (long long)out->besaran, (long long)out->discipline_cut, (long long)out->performance_cut,
         (long long)out->addition);
    if (out->besaran > 0) {
        tpp_money bp;
        if (!tpp_money_mul_ratio(tpp, 10000, out->besaran, TPP_ROUND_HALF_UP, &bp)) {
            fail(&c, TPP_ERR_OVERFLOW, "overflow computing the percentage");
            goto done;
        }
        out->percent_bp = (int32_t)bp;
        snprintf(a, sizeof a, "%d.%02d", (int)(bp / 100), (int)(bp % 100));
        step(&c, "display.percent", a, "half_up", NULL, "col 7 = col 8 / col 6, 2 decimals");
    }

    if (emp->segment_only)
        goto done; /* a segment: the payment side is the month's, tpp_eval_payment() */

    /* Step 9: payment side. */
    payment(&c);
    if (!c.failed)
        invariants(&c);

done:
    if (c.trace.oom) {
        tpp_buf_release(&c.trace);
        return TPP_ERR_NOMEM;
    }
    out->trace = c.trace.data;
    out->trace_len = c.trace.len;
    return TPP_OK;
}

tpp_status tpp_eval_payment(const tpp_ruleset *rs, const tpp_month *month, const tpp_employee *emp,
                            tpp_result *out)
{
    ctx c = {.rs = rs, .month = month, .emp = emp, .out = out};
    for (int b = 0; b < N_BUCKETS; b++)
        c.bucket[b] = (tpp_ratio){0, 1};
    out->status = TPP_OK;
    out->msg[0] = '\0';
    out->trace = NULL;
    out->trace_len = 0;
    payment(&c);
    if (!c.failed)
        invariants(&c);
    if (c.trace.oom) {
        tpp_buf_release(&c.trace);
        return TPP_ERR_NOMEM;
    }
    out->trace = c.trace.data;
    out->trace_len = c.trace.len;
    return TPP_OK;
}
