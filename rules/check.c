/* Static checks of a rule pack: the mistakes that the type checks of load.c cannot see because
 * they need a whole table (or the whole pack) at once. The DMN table verifiers (gaps, overlaps,
 * shadowed rows) are the model; TPP lateness bands with their 30/31, 60/61, 90/91 boundaries
 * are exactly the kind of table they catch bugs in.
 *
 * tpp_rl_check() reports errors while the pack loads: a pack with any of them cannot be used.
 * tpp_rules_lint() reports warnings: things that are legal but deserve a second look. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules/load.h"
#include "tpp/rules.h"

void tpp_rl_band_text(const tpp_band *b, char *buf, size_t size)
{
    if (b->below == TPP_BAND_OPEN)
        snprintf(buf, size, "[%d, inf)", (int)b->from);
    else
        snprintf(buf, size, "[%d, %d)", (int)b->from, (int)b->below);
}

static const char *hit_name(tpp_hit_policy h)
{
    return h == TPP_HIT_UNIQUE ? "unique" : h == TPP_HIT_COLLECT_SUM ? "collect_sum" : "first";
}

/* The percent a table gives for m minutes under its hit policy (0 when no band matches). */
static tpp_ratio table_percent(const tpp_band_table *t, int32_t m, bool *overflow)
{
    tpp_ratio sum = {0, 1};
    for (size_t i = 0; i < t->n_bands; i++) {
        const tpp_band *b = &t->bands[i];
        if (m < b->from || m >= b->below)
            continue;
        if (t->hit != TPP_HIT_COLLECT_SUM)
            return b->percent;
        if (!tpp_ratio_add(sum, b->percent, &sum))
            *overflow = true;
    }
    return sum;
}

static void check_table(const tpp_band_table *t, const char *name, tpp_rl_diags *d)
{
    char cur[48], prev[48];
    if (t->incomplete)
        return; /* a band with its own error is missing: findings would be about its absence */
    size_t errors_before = d->n;
    /* Order: a table is read top to bottom like the regulation's; under `first` the order is
     * the law, and an ascending table is the only one a reader can check by eye. */
    for (size_t i = 1; i < t->n_bands; i++) {
        const tpp_band *a = &t->bands[i - 1], *b = &t->bands[i];
        if (b->from >= a->from)
            continue;
        tpp_rl_band_text(b, cur, sizeof cur);
        tpp_rl_band_text(a, prev, sizeof prev);
        tpp_rl_diag_add(d, b->pos.line, b->pos.col,
                        "band %s is out of order: it must come before band %s", cur, prev);
        return; /* the checks below assume ascending bands */
    }
    for (size_t i = 1; i < t->n_bands; i++) {
        const tpp_band *b = &t->bands[i];
        tpp_rl_band_text(b, cur, sizeof cur);
        /* the earlier band reaching furthest: it decides shadowing and gaps */
        const tpp_band *reach = &t->bands[0];
        for (size_t j = 1; j < i; j++)
            if (t->bands[j].below > reach->below)
                reach = &t->bands[j];
        tpp_rl_band_text(reach, prev, sizeof prev);
        if (b->from < reach->below) {
            if (t->hit == TPP_HIT_COLLECT_SUM)
                continue; /* overlapping rows add up: that is the policy */
            if (t->hit == TPP_HIT_FIRST && b->below <= reach->below)
                tpp_rl_diag_add(d, b->pos.line, b->pos.col,
                                "band %s of '%s' is unreachable: band %s takes all of its "
                                "minutes first (hit policy first)",
                                cur, name, prev);
            else if (t->hit == TPP_HIT_UNIQUE)
                tpp_rl_diag_add(d, b->pos.line, b->pos.col,
                                "band %s overlaps band %s (hit policy unique allows one band "
                                "for any number of minutes)",
                                cur, prev);
            else
                tpp_rl_diag_add(d, b->pos.line, b->pos.col, "band %s overlaps band %s", cur, prev);
        } else if (b->from > reach->below) {
            tpp_rl_diag_add(d, b->pos.line, b->pos.col,
                            "gap in '%s' before band %s: %d to %d minutes match no band (write "
                            "a band with percent 0 if that is meant)",
                            name, cur, (int)reach->below, (int)b->from - 1);
        }
    }
    if (d->n != errors_before)
        return; /* a gap or an overlap already explains any change in the percent */
    /* Monotone: more minutes never cost less. The percent only changes at a band boundary, so
     * comparing the value at every boundary with the one before covers every minute count. */
    int32_t points[2 * TPP_MAX_BANDS];
    size_t n = 0;
    for (size_t i = 0; i < t->n_bands; i++) {
        points[n++] = t->bands[i].from;
        if (t->bands[i].below != TPP_BAND_OPEN)
            points[n++] = t->bands[i].below;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: at most 32 points */
        for (size_t j = i; j > 0 && points[j] < points[j - 1]; j--) {
            int32_t x = points[j];
            points[j] = points[j - 1];
            points[j - 1] = x;
        }
    bool overflow = false;
    int32_t lowest = t->n_bands ? t->bands[0].from : 0;
    for (size_t i = 1; i < n; i++) {
        if (points[i] == points[i - 1] || points[i - 1] < lowest)
            continue;
        tpp_ratio before = table_percent(t, points[i] - 1, &overflow);
        tpp_ratio at = table_percent(t, points[i], &overflow);
        if (tpp_ratio_cmp(at, before) >= 0)
            continue;
        /* report at the band that starts (or the one that ends) at this point */
        const tpp_band *where = NULL;
        for (size_t k = 0; k < t->n_bands && where == NULL; k++)
            if (t->bands[k].from == points[i])
                where = &t->bands[k];
        for (size_t k = 0; k < t->n_bands && where == NULL; k++)
            if (t->bands[k].below == points[i])
                where = &t->bands[k];
        char a[40], b[40];
        tpp_ratio_format(at, a, sizeof a);
        tpp_ratio_format(before, b, sizeof b);
        tpp_rl_diag_add(d, where->pos.line, where->pos.col,
                        "'%s' is not monotone in minutes: %d minutes cost %s %% but %d minutes "
                        "cost %s %% (hit policy %s)",
                        name, (int)points[i], a, (int)points[i] - 1, b, hit_name(t->hit));
        break; /* one finding per table is enough to point at the mistake */
    }
    if (overflow)
        tpp_rl_diag_add(d, t->pos.line, t->pos.col, "the percents of '%s' overflow", name);
}

static void check_ter(const tpp_ruleset *rs, tpp_rl_diags *d)
{
    static const char cats[] = "ABC";
    for (size_t k = 0; k < rs->n_ter; k++) {
        const tpp_ter_table *t = &rs->ter[k];
        if (k > 0 && t->valid_from <= rs->ter[k - 1].valid_from)
            tpp_rl_diag_add(d, t->pos.line, t->pos.col,
                            "TER tables must be listed by ascending 'valid_from' with no two on "
                            "the same date");
        for (int c = 0; c < 3; c++) {
            size_t n = t->n_rows[c];
            if (n == 0) {
                tpp_rl_diag_add(d, t->pos.line, t->pos.col, "TER category %c has no rows", cats[c]);
                continue;
            }
            const tpp_ter_row *r = t->rows[c];
            if (r[0].from != 0)
                tpp_rl_diag_add(d, r[0].pos.line, r[0].pos.col,
                                "TER category %c must start at 0 rupiah, not %lld", cats[c],
                                (long long)r[0].from);
            for (size_t i = 1; i < n; i++) {
                if (r[i - 1].to == TPP_MONEY_OPEN) {
                    tpp_rl_diag_add(d, r[i].pos.line, r[i].pos.col,
                                    "TER category %c row %zu is unreachable: the row before it "
                                    "has no upper bound",
                                    cats[c], i + 1);
                    break;
                }
                if (r[i].from != r[i - 1].to + 1)
                    tpp_rl_diag_add(d, r[i].pos.line, r[i].pos.col,
                                    "TER category %c rows are not contiguous: row %zu starts at "
                                    "%lld, expected %lld (the row before ends at %lld)",
                                    cats[c], i + 1, (long long)r[i].from,
                                    (long long)r[i - 1].to + 1, (long long)r[i - 1].to);
                if (tpp_ratio_cmp(r[i].rate, r[i - 1].rate) < 0)
                    tpp_rl_diag_add(d, r[i].pos.line, r[i].pos.col,
                                    "TER category %c is not monotone: row %zu has a lower rate "
                                    "than the row before",
                                    cats[c], i + 1);
            }
            if (r[n - 1].to != TPP_MONEY_OPEN)
                tpp_rl_diag_add(d, r[n - 1].pos.line, r[n - 1].pos.col,
                                "TER category %c must end with an open row ('to: ~'): gross "
                                "above %lld would have no rate",
                                cats[c], (long long)r[n - 1].to);
        }
    }
}

static void check_over_100(const tpp_ratio p, tpp_srcpos pos, const char *what, tpp_rl_diags *d)
{
    if (tpp_ratio_cmp(p, (tpp_ratio){100, 1}) > 0) {
        char b[40];
        tpp_ratio_format(p, b, sizeof b);
        tpp_rl_diag_add(d, pos.line, pos.col, "%s is %s %%: more than the whole of its base", what,
                        b);
    }
}

void tpp_rl_check(const tpp_ruleset *rs, tpp_rl_diags *d)
{
    check_table(&rs->late, "discipline.late", d);
    check_table(&rs->early, "discipline.early", d);
    check_ter(rs, d);

    check_over_100(rs->absent.percent, rs->absent.pos, "the cut for an absent day", d);
    check_over_100(rs->missing_punch.percent, rs->missing_punch.pos, "the cut for a missing punch",
                   d);
    for (size_t i = 0; i < rs->n_absences; i++)
        check_over_100(rs->absences[i].percent, rs->absences[i].pos, "a day class cut", d);
    for (size_t i = 0; i < rs->n_sanctions; i++)
        check_over_100(rs->sanctions[i].percent, rs->sanctions[i].pos, "a sanction", d);
    for (size_t i = 0; i < rs->late.n_bands; i++)
        check_over_100(rs->late.bands[i].percent, rs->late.bands[i].pos, "a late band", d);
    for (size_t i = 0; i < rs->early.n_bands; i++)
        check_over_100(rs->early.bands[i].percent, rs->early.bands[i].pos, "an early band", d);

    /* A criterion is a share of the basic TPP of a class: the class must have one. */
    for (size_t i = 0; i < rs->n_criteria; i++) {
        const tpp_criterion *c = &rs->criteria[i];
        for (int k = 1; k <= TPP_MAX_CLASS; k++)
            if (c->has[k] && rs->besaran[k] == 0)
                tpp_rl_diag_add(d, c->pos.line, c->pos.col,
                                "criterion '%s' gives class %d, which has no basic TPP in "
                                "'besaran.by_class'",
                                c->id, k);
        /* and every class with a basic TPP needs each criterion, or its besaran would silently
         * lose that part */
        for (int k = 1; k <= TPP_MAX_CLASS; k++)
            if (!c->has[k] && rs->besaran[k] > 0) {
                tpp_rl_diag_add(d, c->pos.line, c->pos.col,
                                "criterion '%s' says nothing for class %d (give 0 if it is "
                                "meant)",
                                c->id, k);
                break;
            }
    }
    if (rs->acting.defined && rs->acting.min_workdays > 27)
        tpp_rl_diag_add(d, rs->acting.pos.line, rs->acting.pos.col,
                        "'acting.min_workdays' %d is more than any month has",
                        (int)rs->acting.min_workdays);
    if (rs->perf_mode == TPP_PERF_SCORE && rs->score_cap.num <= 0)
        tpp_rl_diag_add(d, rs->perf_pos.line, rs->perf_pos.col,
                        "'performance.score.cap' must be more than 0");
}

/* ---- warnings ---- */

/* Largest number of workdays a month can have for a schedule: 23 weekdays, 27 Mon-Sat. */
static int max_workdays(const tpp_schedule_rule *s)
{
    int days = 0;
    for (int i = 0; i < 7; i++)
        days += s->day[i].workday;
    /* a 31-day month holds each weekday 4 or 5 times, at most three of them 5 times */
    int n = 4 * days + (days < 3 ? days : 3);
    return n;
}

static tpp_ratio max_band(const tpp_band_table *t)
{
    tpp_ratio best = {0, 1};
    bool overflow = false;
    for (size_t i = 0; i < t->n_bands; i++) {
        tpp_ratio p = table_percent(t, t->bands[i].from, &overflow);
        if (tpp_ratio_cmp(p, best) > 0)
            best = p;
    }
    return best;
}

typedef struct lint_ctx {
    const tpp_ruleset *rs;
    tpp_diags *out;
    size_t n;
} lint_ctx;

static void warn(lint_ctx *c, tpp_srcpos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn(lint_ctx *c, tpp_srcpos pos, const char *fmt, ...)
{
    char buf[TPP_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tpp_diag_warning(c->out, (tpp_srcloc){.path = c->rs->path, .line = pos.line, .col = pos.col},
                     "%s", buf);
    c->n++;
}

/* Worst-case percent of one component a month of day cuts can take, and the rule behind it. */
static void worst_on_component(const tpp_ruleset *rs, int comp, int workdays, tpp_ratio *out,
                               tpp_srcpos *pos)
{
    /* Per day the classes exclude each other: the worst day is the worst class. A daily base
     * takes a workday's share, so a whole month of it is at most its percent of the base. */
    tpp_ratio day = {0, 1}, month_daily = {0, 1};
    *pos = (tpp_srcpos){0, 0};
    const tpp_day_cut *cuts[2 + TPP_MAX_ABSENCES];
    size_t n = 0;
    cuts[n++] = &rs->absent;
    cuts[n++] = &rs->missing_punch;
    for (size_t i = 0; i < rs->n_absences; i++)
        cuts[n++] = &rs->absences[i];
    for (size_t i = 0; i < n; i++) {
        const tpp_day_cut *c = cuts[i];
        if (c->base.component != comp)
            continue;
        if (c->base.kind == TPP_BASE_COMPONENT && tpp_ratio_cmp(c->percent, day) > 0) {
            day = c->percent;
            *pos = c->pos;
        } else if (c->base.kind == TPP_BASE_DAILY_COMPONENT &&
                   tpp_ratio_cmp(c->percent, month_daily) > 0) {
            month_daily = c->percent;
        }
    }
    tpp_ratio present = {0, 1};
    if (rs->late.base.kind == TPP_BASE_COMPONENT && rs->late.base.component == comp &&
        rs->late.mode == TPP_MINUTES_PER_DAY)
        present = max_band(&rs->late);
    if (rs->early.base.kind == TPP_BASE_COMPONENT && rs->early.base.component == comp &&
        rs->early.mode == TPP_MINUTES_PER_DAY &&
        !tpp_ratio_add(present, max_band(&rs->early), &present))
        present = (tpp_ratio){0, 1};
    if (tpp_ratio_cmp(present, day) > 0) {
        day = present;
        *pos = rs->late.pos;
    }
    tpp_ratio month;
    if (!tpp_ratio_mul_int(day, workdays, &month) || !tpp_ratio_add(month, month_daily, &month))
        month = (tpp_ratio){INT64_MAX / 1000, 1};
    *out = month;
}

size_t tpp_rules_lint(const tpp_ruleset *rs, tpp_diags *diags)
{
    lint_ctx c = {.rs = rs, .out = diags};
    if (rs == NULL)
        return 0;
    int workdays = 0;
    for (int s = 0; s < TPP_SCHED_COUNT; s++)
        if (rs->schedules[s].defined && max_workdays(&rs->schedules[s]) > workdays)
            workdays = max_workdays(&rs->schedules[s]);

    /* The cap, compared with the whole besaran. */
    bool cap_on_component = rs->cap_base.kind == TPP_BASE_COMPONENT;
    if (cap_on_component) {
        /* cap% of a share% component exceeds the besaran when cap x share > 100 x 100 */
        tpp_ratio share = rs->components[rs->cap_base.component].percent, prod;
        int64_t sc;
        if (!__builtin_mul_overflow(rs->cap_percent.num, share.num, &sc) &&
            !__builtin_mul_overflow(rs->cap_percent.den, share.den, &prod.den)) {
            prod.num = sc;
            if (tpp_ratio_cmp(prod, (tpp_ratio){10000, 1}) > 0)
                warn(&c, rs->cap_pos, "the cap is more than the whole besaran");
        }
    } else if (rs->cap_base.kind == TPP_BASE_TOTAL &&
               tpp_ratio_cmp(rs->cap_percent, (tpp_ratio){100, 1}) > 0) {
        warn(&c, rs->cap_pos,
             "the cap is more than 100 %% of the besaran: cuts beyond the besaran are only "
             "stopped by the floor at 0");
    } else if (rs->cap_base.kind == TPP_BASE_DAILY_TOTAL ||
               rs->cap_base.kind == TPP_BASE_DAILY_COMPONENT) {
        warn(&c, rs->cap_pos, "a monthly cap on a daily base caps the month at one day's share");
    }

    /* Cuts taken from one component that can eat more than the component in a month, while the
     * cap does not stop them there: the excess is silently taken from the other components. */
    for (size_t i = 0; i < rs->n_components; i++) {
        tpp_ratio worst;
        tpp_srcpos pos;
        worst_on_component(rs, (int)i, workdays, &worst, &pos);
        if (tpp_ratio_cmp(worst, (tpp_ratio){100, 1}) <= 0)
            continue;
        bool capped = cap_on_component && rs->cap_base.component == (int)i &&
                      tpp_ratio_cmp(rs->cap_percent, (tpp_ratio){100, 1}) <= 0;
        if (!capped && tpp_ratio_cmp(rs->components[i].percent, (tpp_ratio){100, 1}) < 0) {
            char w[40];
            tpp_ratio_format(worst, w, sizeof w);
            warn(&c, pos.line ? pos : rs->cap_pos,
                 "cuts on 'component:%s' can reach %s %% of it in a month of %d workdays, and "
                 "the cap does not stop them at 100 %% of the component: the excess would be "
                 "taken from the other components",
                 rs->components[i].id, w, workdays);
        }
    }

    for (size_t i = 0; i < rs->n_status; i++)
        if (tpp_ratio_cmp(rs->status[i].multiplier, (tpp_ratio){1, 1}) > 0)
            warn(&c, rs->status[i].pos, "status '%s' multiplies the besaran by more than 1",
                 rs->status[i].status);
    for (size_t i = 0; i < rs->n_predicates; i++)
        if (tpp_ratio_cmp(rs->predicates[i].multiplier, (tpp_ratio){1, 1}) > 0)
            warn(&c, rs->predicates[i].pos,
                 "predicate '%s' pays more than the performance component", rs->predicates[i].id);
    if (rs->n_cases == 0)
        warn(&c, (tpp_srcpos){1, 1}, "the pack has no test cases ('tests:')");
    if (rs->pph21_mode == TPP_PPH21_WITHHELD && rs->n_ter > 0 &&
        rs->ter[0].valid_from > rs->valid_from)
        warn(&c, rs->ter[0].pos, "no TER table is in force on the pack's 'valid_from'");
    return c.n;
}
