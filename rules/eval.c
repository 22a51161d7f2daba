/* The pure evaluator: one employee's month under one rule pack (SPEC §4 steps 1-6, 8, 9).
 * No I/O, no SQLite, no globals: every call reads its arguments and writes only *out, so
 * employees can be computed on any number of threads with identical results. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "rules/trace_enc.h"
#include "tpp/eval.h"

/* Discipline cuts are summed exactly per base, then rounded once per base. */
#define N_BUCKETS (2 + 2 * TPP_MAX_COMPONENTS)

typedef struct ctx {
    const tpp_ruleset *rs;
    const tpp_month *month;
    const tpp_employee *emp;
    tpp_result *out;
    tpp_tw trace;
    tpp_ratio bucket[N_BUCKETS]; /* percent per base */
    bool failed;
    const tpp_shift *shifts; /* a rostered shift worker's shifts in the month */
    size_t n_shifts;
    const char *zone; /* the unit's zone ("WITA") named on each workday line, or NULL */
    /* the working hours of each day of the month under the employee's schedule (NULL: not a
     * workday), looked up once: hours_of was asked three times a day, a fifth of the compute */
    bool hours_ready;
    const tpp_hours *hours[31];
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

/* ---- The compact trace ----
 * Each step is written as its template number and its values (rules/trace_templates.h,
 * docs/compact-trace.md); the text ("step\tresult\trounding\tcitation\tdetail") is made
 * only when someone reads it (tpp_trace_render). A step is
 *     tw_begin(&c->trace, TT_X); one tw_* call per conversion of X, in order; tw_end(...);
 * A month writes about 35 steps, 300-500 bytes. */

/* A trace starts at this size; most months fit, so it is allocated once. */
#define TRACE_INITIAL 768

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
    tw_begin(&c->trace, TT_ERROR);
    tw_s(&c->trace, c->out->msg);
    tw_end(&c->trace);
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

/* Fill c->hours for a valid, unrostered schedule. */
static void month_hours(ctx *c)
{
    const tpp_month *m = c->month;
    if (m->last - m->first >= 31)
        return; /* not a calendar month: hours_of day by day */
    for (tpp_date d = m->first; d <= m->last; d++)
        c->hours[d - m->first] = hours_of(c->rs, m, c->emp->schedule, d);
    c->hours_ready = true;
}

/* hours_of for the employee's schedule. */
static const tpp_hours *hours_on(const ctx *c, tpp_date d)
{
    if (c->hours_ready && d >= c->month->first && d <= c->month->last)
        return c->hours[d - c->month->first];
    return hours_of(c->rs, c->month, c->emp->schedule, d);
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

/* The codes band_hit joined, as the band's own (pack) string when it is the only one, so
 * that the trace stores its number rather than its text. */
static const char *band_codes(const tpp_band *b, const char *codes)
{
    return b->code != NULL && strcmp(b->code, codes) == 0 ? b->code : codes;
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

/* A workday's template: the DAY_*_ZONE twin (same order, "zone=WITA " first in the detail) when
 * the unit's zone is known. */
static tpp_tt day_tpl(const ctx *c, tpp_tt t)
{
    return c->zone ? (tpp_tt)(t - TT_DAY_ABSENCE + TT_DAY_ABSENCE_ZONE) : t;
}

/* The detail's prefix of a workday: the zone (DAY_*_ZONE templates only), then the shift. */
static void tw_where(ctx *c, bool shift, int32_t start, int32_t end)
{
    if (c->zone)
        tw_s(&c->trace, c->zone);
    tw_shift(&c->trace, shift, start, end);
}

/* Classify one workday from its counted check-in and check-out (minutes after midnight of the
 * day, -1 = none), against the scheduled start and end. A shift names itself in the detail
 * (`shift`), after the unit's zone when it is known (tw_where). */
static void classify_core(ctx *c, tpp_date d, int32_t start, int32_t end, int32_t in, int32_t outm,
                          int32_t n_counted, bool shift)
{
    const tpp_ruleset *rs = c->rs;
    tpp_result *out = c->out;
    tpp_tw *w = &c->trace;

    int cls = absence_class(c, d);
    if (cls >= 0) {
        const tpp_day_cut *a = &rs->absences[cls];
        out->days_excused++;
        out->discipline_minutes += a->minutes;
        add_cut(c, a->base, a->percent);
        tw_begin(w, day_tpl(c, TT_DAY_ABSENCE));
        tw_date(w, d);
        tw_s(w, a->id);
        tw_s(w, a->cite);
        tw_where(c, shift, start, end);
        tw_s(w, a->id);
        tw_i(w, n_counted);
        tw_r(w, a->percent);
        tw_end(w);
        return;
    }
    if (in < 0 && outm < 0) {
        out->days_absent++;
        out->discipline_minutes += rs->absent.minutes;
        add_cut(c, rs->absent.base, rs->absent.percent);
        tw_begin(w, day_tpl(c, TT_DAY_ABSENT));
        tw_date(w, d);
        tw_s(w, rs->absent.cite);
        tw_where(c, shift, start, end);
        tw_r(w, rs->absent.percent);
        tw_end(w);
        return;
    }
    if (in < 0 || outm < 0) {
        out->days_missing_punch++;
        out->discipline_minutes += rs->missing_punch.minutes;
        add_cut(c, rs->missing_punch.base, rs->missing_punch.percent);
        tw_begin(w, day_tpl(c, in < 0 ? TT_DAY_MISSING_IN : TT_DAY_MISSING_OUT));
        tw_date(w, d);
        tw_s(w, rs->missing_punch.cite);
        tw_where(c, shift, start, end);
        tw_hm(w, in >= 0 ? in : outm);
        tw_i(w, rs->missing_punch.minutes);
        tw_r(w, rs->missing_punch.percent);
        tw_end(w);
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
    tpp_ratio lp = {0, 1}, ep = {0, 1};
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
    tw_begin(w, day_tpl(c, lb || eb ? TT_DAY_PRESENT_CUT : TT_DAY_PRESENT));
    tw_date(w, d);
    tw_s(w, cite);
    tw_where(c, shift, start, end);
    tw_hm(w, in);
    tw_hm(w, outm);
    tw_i(w, late);
    tw_band(w, lb ? band_codes(lb, lcodes) : NULL, lp);
    tw_i(w, early);
    tw_band(w, eb ? band_codes(eb, ecodes) : NULL, ep);
    tw_end(w);
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
    classify_core(c, d, h->start, h->end, in, outm, n_counted, false);
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
    return hours_on(c, d) != NULL;
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
        classify_core(c, sh[k].day, sh[k].start, sh[k].end, in[k], outm[k], counted[k], true);
    }
}

/* Tables in cumulative mode: the month's minutes, looked up once (Kementan "kumulatif"). */
static void cumulative(ctx *c)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_band_table *tables[2] = {&rs->late, &rs->early};
    /* A segment of a split month looks up the month's minutes (engine/segment.c adds them). */
    const bool month = c->emp->segment_only && c->emp->month_minutes;
    const int32_t minutes[2] = {month ? c->emp->month_late_minutes : c->out->late_minutes,
                                month ? c->emp->month_early_minutes : c->out->early_minutes};
    const tpp_tt tt[2] = {TT_LATE_MONTH, TT_EARLY_MONTH};
    for (int i = 0; i < 2; i++) {
        const tpp_band_table *t = tables[i];
        if (t->mode != TPP_MINUTES_CUMULATIVE || minutes[i] <= 0)
            continue;
        bool overflow = false;
        tpp_ratio p;
        char codes[64];
        const tpp_band *b = band_hit(t, minutes[i], &p, codes, sizeof codes, &overflow);
        if (overflow) {
            fail(c, TPP_ERR_OVERFLOW, "band percentages overflow");
            return;
        }
        if (b == NULL)
            continue;
        add_cut(c, t->base, p);
        tpp_tw *w = &c->trace;
        tw_begin(w, tt[i]);
        tw_s(w, band_codes(b, codes));
        tw_s(w, b->cite ? b->cite : t->cite);
        tw_i(w, minutes[i]);
        tw_s(w, band_codes(b, codes));
        tw_r(w, p);
        tw_end(w);
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
    char bname[64];
    tpp_tw *w = &c->trace;
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
        tw_begin(w, TT_DISCIPLINE_CUT);
        tw_i(w, amount);
        tw_s(w, rnd);
        tw_s(w, rs->late.cite);
        tw_s(w, bname);
        tw_i(w, base);
        tw_i(w, extra);
        tw_r(w, c->bucket[b]);
        tw_end(w);
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
        tw_begin(w, TT_DISCIPLINE_CAP);
        tw_i(w, cap);
        tw_s(w, rnd);
        tw_s(w, rs->cap_cite);
        tw_i(w, total);
        tw_r(w, rs->cap_percent);
        tw_end(w);
        total = cap;
    }
    out->discipline_cut = total;
    tw_begin(w, TT_DISCIPLINE_TOTAL);
    tw_i(w, total);
    tw_s(w, rs->cap_cite);
    tw_i(w, out->late_minutes);
    tw_i(w, out->early_minutes);
    tw_i(w, out->days_absent);
    tw_i(w, out->days_missing_punch);
    tw_end(w);
    /* A segment's minutes count towards the month's threshold: engine/segment.c decides. */
    if (!c->emp->segment_only && rs->defer_minutes_over > 0 &&
        out->discipline_minutes > rs->defer_minutes_over) {
        out->deferred = true;
        tw_begin(w, TT_DISCIPLINE_DEFER);
        tw_s(w, rs->defer_cite);
        tw_i(w, out->discipline_minutes);
        tw_i(w, rs->defer_minutes_over);
        tw_end(w);
    }
}

static void events(ctx *c, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    tpp_tw *w = &c->trace;
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
        tw_begin(w, TT_EVENT);
        tw_date(w, ev->day);
        tw_s(w, r->id);
        tw_s(w, r->cite);
        tw_s(w, r->id);
        tw_i(w, (int)ev->minutes);
        tw_i(w, units);
        tw_r(w, p);
        tw_end(w);
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
    tpp_tw *w = &c->trace;
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
        tpp_ratio_format(e->score, sc, sizeof sc);
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
        tw_begin(w, rs->perf_lag.months ? TT_PERFORMANCE_LAG_MONTHS : TT_PERFORMANCE_LAG_YEARS);
        tw_i(w, py % 10000);
        tw_i(w, pm % 100);
        tw_s(w, rs->perf_lag.cite);
        tw_i(w, py % 10000);
        tw_i(w, pm % 100);
        tw_i(w, c->month->year);
        tw_i(w, c->month->month);
        tw_i(w, (int)(rs->perf_lag.months ? rs->perf_lag.months : rs->perf_lag.years));
        tw_end(w);
    }
    tpp_money paid;
    if (!tpp_money_mul_ratio(comp, mult.num, mult.den, rs->perf_rounding, &paid)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing performance");
        return;
    }
    out->performance_cut = comp - paid;
    tw_begin(w, TT_PERFORMANCE);
    tw_i(w, paid);
    tw_s(w, tpp_rounding_name(rs->perf_rounding));
    tw_s(w, cite);
    tw_s(w, rs->components[rs->perf_component].id);
    tw_i(w, comp);
    tw_s(w, pred);
    tw_r(w, mult);
    tw_i(w, out->performance_cut);
    tw_end(w);
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
    tpp_tw *w = &c->trace;
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
        tw_begin(w, TT_SANCTION);
        tw_s(w, r->id);
        tw_i(w, amount);
        tw_s(w, rnd);
        tw_s(w, r->cite);
        tw_i(w, s->start_year);
        tw_i(w, s->start_month);
        tw_i(w, now - start + 1);
        tw_i(w, (int)months);
        tw_r(w, pct);
        tw_i(w, bv);
        tw_i(w, div);
        tw_end(w);
    }
    if (total == 0)
        return;
    tpp_money room = o->tpp - o->bpjs_employee;
    if (room < 0)
        room = 0;
    if (total > room) {
        tw_begin(w, TT_SANCTION_LIMIT);
        tw_i(w, room);
        tw_i(w, total);
        tw_i(w, room);
        tw_end(w);
        total = room;
    }
    o->pot_hukdis = total;
    tw_begin(w, TT_SANCTION_TOTAL);
    tw_i(w, total);
    tw_end(w);
}

/* A correction carried from an earlier month: kelebihan bayar (> 0) is taken back in col 9 as
 * far as this month's TPP allows; kekurangan bayar (< 0) was added to col 8 already. */
static void correction_deduction(ctx *c)
{
    tpp_result *o = c->out;
    tpp_money owed = c->emp->carried;
    if (owed <= 0)
        return;
    tpp_money room = o->tpp - o->bpjs_employee - o->pot_hukdis;
    if (room < 0)
        room = 0;
    o->pot_bulan_lalu = owed < room ? owed : room;
    tpp_tw *w = &c->trace;
    tw_begin(w, TT_CORRECTION_TAKEN);
    tw_i(w, o->pot_bulan_lalu);
    tw_i(w, owed);
    tw_i(w, owed - o->pot_bulan_lalu);
    tw_end(w);
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
    char detail[320];
    tpp_tw *w = &c->trace;
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
    tw_begin(w, TT_ANNUAL_GROSS);
    tw_i(w, gross_year);
    tw_s(w, an->cite);
    tw_i(w, e->ytd_gross);
    tw_i(w, e->salary_gross);
    tw_i(w, o->gross);
    tw_end(w);
    if (job_cost > an->job_cost_max)
        job_cost = an->job_cost_max;
    tw_begin(w, TT_ANNUAL_JOB_COST);
    tw_i(w, job_cost);
    tw_s(w, rnd);
    tw_s(w, an->cite);
    tw_r(w, an->job_cost_percent);
    tw_i(w, gross_year);
    tw_i(w, an->job_cost_max);
    tw_end(w);
    neto = gross_year - job_cost - e->annual_pension;
    pkp = neto - pk->amount;
    if (pkp < 0)
        pkp = 0;
    pkp -= pkp % 1000; /* PKP rounded down to whole thousands (UU PPh Pasal 17 ayat 4) */
    tw_begin(w, TT_ANNUAL_PKP);
    tw_i(w, pkp);
    tw_s(w, an->cite);
    tw_i(w, neto);
    tw_i(w, e->annual_pension);
    tw_s(w, pk->ptkp);
    tw_i(w, pk->amount);
    tw_end(w);
    if (!bracket_tax(an, pkp, rs->payment_rounding, &tax, detail, sizeof detail)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow in the Pasal 17 brackets");
        return;
    }
    tw_begin(w, TT_ANNUAL_TAX);
    tw_i(w, tax);
    tw_s(w, rnd);
    tw_s(w, an->cite);
    tw_s(w, detail);
    tw_end(w);
    due = tax - e->ytd_pph21 - e->salary_pph21;
    if (due < 0) {
        tw_begin(w, TT_ANNUAL_OVERPAID);
        tw_i(w, -due);
        tw_s(w, an->cite);
        tw_i(w, e->ytd_pph21);
        tw_i(w, e->salary_pph21);
        tw_end(w);
        due = 0;
    }
    o->pph21 = due;
    tw_begin(w, TT_PPH21_ANNUAL);
    tw_i(w, due);
    tw_s(w, an->cite);
    tw_i(w, tax);
    tw_i(w, an->month - 1);
    tw_i(w, e->ytd_pph21);
    tw_i(w, e->salary_pph21);
    tw_end(w);
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
    tpp_tw *w = &c->trace;
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
    tw_begin(w, TT_PPH21_BASE);
    tw_i(w, o->ter_base);
    tw_s(w, rs->pph21_cite);
    tw_i(w, e->salary_gross);
    tw_i(w, o->gross);
    tw_s(w, e->ptkp);
    tw_c(w, (char)('A' + cat));
    tw_end(w);
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
    tw_begin(w, row->to == TPP_MONEY_OPEN ? TT_PPH21_TER_OPEN : TT_PPH21_TER);
    tw_i(w, tax);
    tw_s(w, rnd);
    tw_s(w, t->cite);
    tw_c(w, (char)('A' + cat));
    tw_i(w, row->from);
    if (row->to != TPP_MONEY_OPEN)
        tw_i(w, row->to);
    tw_r(w, row->rate);
    tw_i(w, o->ter_base);
    tw_end(w);
    tpp_money due = tax - e->salary_pph21;
    if (due < 0) {
        tw_begin(w, TT_PPH21_SALARY_EXCESS);
        tw_i(w, -due);
        tw_s(w, rs->pph21_cite);
        tw_i(w, e->salary_pph21);
        tw_end(w);
        due = 0;
    }
    o->pph21 = due;
    tw_begin(w, TT_PPH21_TER_DUE);
    tw_i(w, due);
    tw_s(w, rs->pph21_cite);
    tw_i(w, tax);
    tw_i(w, e->salary_pph21);
    tw_end(w);
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
        tw_begin(&c->trace, TT_ACTING_IGNORED);
        tw_i(&c->trace, (int64_t)e->n_assignments);
        tw_end(&c->trace);
        return true;
    }
    const char *rnd = tpp_rounding_name(rs->besaran_rounding);
    tpp_money best = *full;
    tpp_tw *w = &c->trace;
    for (size_t i = 0; i < e->n_assignments; i++) {
        const tpp_assignment *as = &e->assignments[i];
        tpp_date from = as->start > first ? as->start : first;
        tpp_date to = as->end < last ? as->end : last;
        int days = 0;
        for (tpp_date d = from; d <= to; d++)
            days += is_workday(c, d);
        const char *kind = as->kind == TPP_ACTING_PLH ? "plh" : "plt";
        if (as->kelas < 1 || as->kelas > TPP_MAX_CLASS || rs->besaran[as->kelas] == 0) {
            fail(c, TPP_ERR_RULE, "the rule pack has no besaran for acting class %d", as->kelas);
            return false;
        }
        if (days < ar->min_workdays) {
            tw_begin(w, TT_ACTING_SHORT);
            tw_s(w, kind);
            tw_s(w, ar->cite);
            tw_i(w, as->kelas);
            tw_date(w, as->start);
            tw_date(w, as->end);
            tw_i(w, days);
            tw_i(w, ar->min_workdays);
            tw_end(w);
            continue;
        }
        tpp_money acting_full = rs->besaran[as->kelas], v;
        bool higher = as->kelas > e->kelas;
        if (higher && ar->higher == TPP_ACTING_HIGHER_TAKES_ACTING) {
            v = acting_full > *full ? acting_full : *full;
            tw_begin(w, TT_ACTING_HIGHER);
            tw_s(w, kind);
            tw_i(w, v);
            tw_s(w, ar->cite);
            tw_i(w, as->kelas);
            tw_i(w, e->kelas);
            tw_date(w, as->start);
            tw_date(w, as->end);
            tw_i(w, days);
            tw_i(w, acting_full);
            tw_end(w);
        } else {
            tpp_money up;
            if (!tpp_money_mul_ratio(acting_full, ar->same_level_percent.num,
                                     ar->same_level_percent.den * 100, rs->besaran_rounding, &up) ||
                !tpp_money_add(*full, up, &v)) {
                fail(c, TPP_ERR_OVERFLOW, "overflow computing the acting uplift");
                return false;
            }
            tw_begin(w, TT_ACTING_SAME);
            tw_s(w, kind);
            tw_i(w, v);
            tw_s(w, rnd);
            tw_s(w, ar->cite);
            tw_i(w, as->kelas);
            tw_i(w, e->kelas);
            tw_s(w, higher ? "higher level, same uplift" : "same level");
            tw_date(w, as->start);
            tw_date(w, as->end);
            tw_i(w, days);
            tw_i(w, *full);
            tw_r(w, ar->same_level_percent);
            tw_i(w, acting_full);
            tw_i(w, *full);
            tw_i(w, up);
            tw_end(w);
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
    tpp_tw *w = &c->trace;
    const char *rnd = tpp_rounding_name(rs->payment_rounding);
    /* The BPJS wage cap is shared with the salary: only the TPP slice under it is charged. */
    tpp_money room = rs->bpjs_wage_cap - c->emp->salary_bpjs_base;
    if (room < 0)
        room = 0;
    tpp_money slice = o->tpp < room ? o->tpp : room;
    tw_begin(w, TT_BPJS_BASE);
    tw_i(w, slice);
    tw_s(w, rs->bpjs_cite);
    tw_i(w, o->tpp);
    tw_i(w, c->emp->salary_bpjs_base);
    tw_i(w, rs->bpjs_wage_cap);
    tw_end(w);
    if (!tpp_money_mul_ratio(slice, rs->bpjs_employer_percent.num,
                             rs->bpjs_employer_percent.den * 100, rs->payment_rounding,
                             &o->bpjs_employer) ||
        !tpp_money_mul_ratio(slice, rs->bpjs_employee_percent.num,
                             rs->bpjs_employee_percent.den * 100, rs->payment_rounding,
                             &o->bpjs_employee)) {
        fail(c, TPP_ERR_OVERFLOW, "overflow computing BPJS");
        return;
    }
    tw_begin(w, TT_BPJS_EMPLOYER);
    tw_i(w, o->bpjs_employer);
    tw_s(w, rnd);
    tw_s(w, rs->bpjs_cite);
    tw_r(w, rs->bpjs_employer_percent);
    tw_i(w, slice);
    tw_end(w);
    tw_begin(w, TT_BPJS_EMPLOYEE);
    tw_i(w, o->bpjs_employee);
    tw_s(w, rnd);
    tw_s(w, rs->bpjs_cite);
    tw_r(w, rs->bpjs_employee_percent);
    tw_i(w, slice);
    tw_end(w);

    sanctions(c);
    correction_deduction(c);
    if (c->failed)
        return;
    o->gross = o->tpp + o->bpjs_employer - o->pot_bulan_lalu - o->pot_hukdis;
    o->deductions = o->bpjs_employer + o->bpjs_employee;
    o->net_before_tax = o->gross - o->deductions;
    tw_begin(w, TT_GROSS);
    tw_i(w, o->gross);
    tw_i(w, o->tpp);
    tw_i(w, o->bpjs_employer);
    tw_i(w, o->pot_bulan_lalu);
    tw_i(w, o->pot_hukdis);
    tw_end(w);
    o->pph21 = 0;
    if (rs->pph21_mode == TPP_PPH21_WITHHELD) {
        pph21_withheld(c);
        if (c->failed)
            return;
    } else {
        tw_begin(w, rs->pph21_mode == TPP_PPH21_NONE ? TT_PPH21_NONE : TT_PPH21_BORNE);
        tw_s(w, rs->pph21_cite);
        tw_end(w);
    }
    if (o->pph21 > o->net_before_tax) {
        tw_begin(w, TT_PPH21_LIMIT);
        tw_i(w, o->net_before_tax);
        tw_s(w, rs->pph21_cite);
        tw_i(w, o->pph21);
        tw_i(w, o->pph21 - o->net_before_tax);
        tw_end(w);
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
        tw_begin(w, TT_ZAKAT);
        tw_i(w, o->zakat);
        tw_s(w, rnd);
        tw_s(w, rs->zakat.cite);
        tw_r(w, rs->zakat.percent);
        tw_i(w, after_tax);
        tw_end(w);
    } else if (c->emp->zakat && !rs->zakat.defined) {
        tw_begin(w, TT_ZAKAT_NO_RATE);
        tw_end(w);
    }
    o->net = after_tax - o->zakat;
    tw_begin(w, TT_NET);
    tw_i(w, o->net);
    tw_i(w, o->gross);
    tw_i(w, o->deductions);
    tw_i(w, o->net_before_tax);
    tw_i(w, o->pph21);
    tw_i(w, o->zakat);
    tw_end(w);
}

/* Step 2 beyond the class table: a position's own amount, criteria as shares of the basic TPP,
 * and the status multiplier. Each is a named step; false when the employee failed. */
static bool besaran_extras(ctx *c, tpp_money *full, tpp_date first, tpp_date last)
{
    const tpp_ruleset *rs = c->rs;
    const tpp_employee *e = c->emp;
    const char *rnd = tpp_rounding_name(rs->besaran_rounding);
    tpp_tw *w = &c->trace;
    for (size_t i = 0; e->position != NULL && i < rs->n_positions; i++) {
        if (strcmp(rs->positions[i].position, e->position) != 0)
            continue;
        *full = rs->positions[i].amount;
        tw_begin(w, TT_BESARAN_POSITION);
        tw_i(w, *full);
        tw_s(w, rs->positions[i].cite);
        tw_s(w, rs->positions[i].position); /* equal to e->position, and in the pack */
        tw_end(w);
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
            tw_begin(w, TT_BESARAN_CRITERION);
            tw_s(w, cr->id);
            tw_i(w, part);
            tw_s(w, rnd);
            tw_s(w, cr->cite);
            tw_r(w, cr->percent[e->kelas]);
            tw_i(w, basic);
            tw_i(w, fixed);
            tw_end(w);
        }
        *full = sum;
        tw_begin(w, TT_BESARAN_CRITERIA);
        tw_i(w, sum);
        tw_s(w, rs->besaran_cite);
        tw_i(w, (int64_t)rs->n_criteria);
        tw_end(w);
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
        tw_begin(w, TT_BESARAN_STATUS);
        tw_i(w, m);
        tw_s(w, rnd);
        tw_s(w, st->cite);
        tw_s(w, st->status);
        tw_i(w, *full);
        tw_r(w, st->multiplier);
        tw_end(w);
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
        c.zone = emp->zone;
    for (int b = 0; b < N_BUCKETS; b++)
        c.bucket[b] = (tpp_ratio){0, 1};
    tpp_tw *w = &c.trace;
    tpp_tw_start(w, rs, month->first, TRACE_INITIAL);

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
        month_hours(&c);
        for (tpp_date d = month->first; d <= month->last; d++)
            if (hours_on(&c, d) != NULL) {
                out->workdays_month++; /* tpp_eval_workdays() */
                out->workdays += d >= first && d <= last;
            }
    }
    tw_begin(w, emp->rostered ? TT_WORKDAYS_ROSTER : TT_WORKDAYS);
    tw_i(w, out->workdays);
    tw_s(w, rs->calendar_cite);
    tw_date(w, first);
    tw_date(w, last);
    tw_i(w, out->workdays_month);
    tw_i(w, (int)month->n_holidays);
    tw_end(w);

    /* Step 2 (minimal): besaran by class, prorated by workdays for a partial month. */
    if (emp->kelas < 1 || emp->kelas > TPP_MAX_CLASS || rs->besaran[emp->kelas] == 0) {
        fail(&c, TPP_ERR_RULE, "the rule pack has no besaran for class %d", emp->kelas);
        goto done;
    }
    tpp_money full = rs->besaran[emp->kelas];
    tw_begin(w, TT_BESARAN_CLASS);
    tw_i(w, full);
    tw_s(w, rs->besaran_cite);
    tw_i(w, emp->kelas);
    tw_end(w);
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
        tw_begin(w, TT_BESARAN_PRORATE);
        tw_i(w, out->besaran);
        tw_s(w, tpp_rounding_name(rs->besaran_rounding));
        tw_s(w, rs->calendar_cite);
        tw_i(w, full);
        tw_i(w, out->workdays);
        tw_i(w, out->workdays_month);
        tw_end(w);
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
        tw_begin(w, TT_COMPONENT);
        tw_s(w, rs->components[i].id);
        tw_i(w, out->components[i]);
        tw_s(w, rs->components_cite);
        tw_r(w, rs->components[i].percent);
        tw_i(w, out->besaran);
        tw_end(w);
    }

    /* Steps 4 and 5: classify each workday, then the events, then cut once per base. */
    size_t pi = emp->rostered ? emp->n_punches : 0; /* shifts take their scans themselves */
    if (emp->rostered)
        classify_shifts(&c, c.shifts, c.n_shifts, first, last);
    for (tpp_date d = month->first; d <= month->last && !c.failed && !emp->rostered; d++) {
        const tpp_hours *h = hours_on(&c, d);
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
        tw_begin(w, TT_TPP_FLOOR);
        tw_s(w, rs->cap_cite);
        tw_i(w, -tpp);
        tw_end(w);
        tpp = 0;
    }
    if (emp->carried < 0) {
        /* kekurangan bayar of an earlier month, paid with this month's TPP (col 8) */
        out->addition = -emp->carried;
        tpp += out->addition;
        tw_begin(w, TT_CORRECTION_ADDED);
        tw_i(w, out->addition);
        tw_i(w, out->addition);
        tw_end(w);
    }
    out->tpp = tpp;
    tw_begin(w, TT_TPP_AMOUNT);
    tw_i(w, tpp);
    tw_i(w, out->besaran);
    tw_i(w, out->discipline_cut);
    tw_i(w, out->performance_cut);
    tw_i(w, out->addition);
    tw_end(w);
    if (out->besaran > 0) {
        tpp_money bp;
        if (!tpp_money_mul_ratio(tpp, 10000, out->besaran, TPP_ROUND_HALF_UP, &bp)) {
            fail(&c, TPP_ERR_OVERFLOW, "overflow computing the percentage");
            goto done;
        }
        out->percent_bp = (int32_t)bp;
        tw_begin(w, TT_DISPLAY_PERCENT);
        tw_i(w, (int)(bp / 100));
        tw_i(w, (int)(bp % 100));
        tw_end(w);
    }

    if (emp->segment_only)
        goto done; /* a segment: the payment side is the month's, tpp_eval_payment() */

    /* Step 9: payment side. */
    payment(&c);
    if (!c.failed)
        invariants(&c);

done:
    if (c.trace.oom) {
        free(c.trace.p);
        return TPP_ERR_NOMEM;
    }
    out->trace = c.trace.p;
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
    tpp_tw_start(&c.trace, rs, month->first, TRACE_INITIAL);
    payment(&c);
    if (!c.failed)
        invariants(&c);
    if (c.trace.oom) {
        free(c.trace.p);
        return TPP_ERR_NOMEM;
    }
    out->trace = c.trace.p;
    out->trace_len = c.trace.len;
    return TPP_OK;
}
