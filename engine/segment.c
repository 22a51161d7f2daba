/* A month in segments (engine/segment.h). The domain has no regulation for a transfer in the
 * middle of a month (domain brief §3.9, a gap); its recommendation, followed here, is to prorate
 * by the working days in each OPD and to give one payroll line per OPD. Each segment is the
 * ordinary evaluation (rules/eval.c) with the employee's dates clipped to the segment and the
 * segment's unit, schedule and pack: its workdays against the month's workdays of that schedule
 * prorate the besaran, and its days, scans, absences and events are counted where the day
 * falls. Performance is the month's (one SKP predicate for the month, applied to each
 * segment's own component). The payment side is computed ONCE on the month's total: the BPJS
 * wage cap (Perpres 64/2020) is shared with the salary for the month, not per line, and PPh 21
 * TER (PP 58/2023 Pasal 2) applies to the month's gross paid by the same withholder (the Pemda)
 * minus what the salary run withheld, so two lines each taxed on their own would count the
 * salary twice and could fall in lower TER rows. Sanctions (PP 94/2021: a percent of the
 * month's TPP) and carried corrections are the month's too. Those month amounts are then
 * shared out over the lines in proportion to each line's col 8 (largest remainder), so that the
 * lines add up exactly to the month. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/segment.h"
#include "engine/util.h"
#include "rules/trace_enc.h"
#include "tpp/trace.h"

/* The citations are part of the trace templates that show them (rules/trace_templates.h). */
const char tpp_transfer_cite[] = TT_CITE_TRANSFER;

/* A line's compact trace. Its own steps (segment, line.*, month.lines) hold no string of a pack
 * (pool NULL: unit codes, pack ids and hashes inline), so they render under any pack; the
 * evaluator's steps appended to it do, and a PACK step before them names the pack they were
 * written under whenever it is not the one of the steps before (docs/compact-trace.md §5). */
typedef struct ltrace {
    tpp_tw w;
    const tpp_ruleset *pack; /* the pack of the last PACK step, NULL before the first */
    bool started;
} ltrace;

static void lt_start(ltrace *t, const tpp_month *month, const tpp_ruleset *rs)
{
    tpp_tw_start(&t->w, rs, month->first, 512);
    t->w.pool = NULL;
    t->pack = NULL;
    t->started = true;
}

static void lt_pack(ltrace *t, const tpp_ruleset *rs)
{
    if (t->pack == rs)
        return;
    tw_begin(&t->w, TT_PACK);
    tw_s(&t->w, rs->sha256);
    tw_end(&t->w);
    t->pack = rs;
}

/* Append the steps of an evaluator's trace (written under rs). */
static void lt_append(ltrace *t, const tpp_ruleset *rs, const void *trace, size_t len)
{
    const void *steps;
    size_t n;
    if (trace == NULL || tpp_trace_steps(trace, len, &steps, &n) != TPP_OK || n == 0)
        return;
    lt_pack(t, rs);
    tw_raw(&t->w, steps, n);
}

/* Append another line's whole trace. */
static void lt_append_line(ltrace *t, const ltrace *o)
{
    const void *steps;
    size_t n;
    if (!o->started || tpp_trace_steps(o->w.p, o->w.len, &steps, &n) != TPP_OK)
        return;
    tw_raw(&t->w, steps, n);
    t->w.oom |= o->w.oom;
    t->pack = o->pack;
}

static void lt_release(ltrace *t)
{
    free(t->w.p);
    memset(t, 0, sizeof *t);
}

static const char *sched_name(tpp_schedule_kind k)
{
    return k == TPP_SCHED_6DAY ? "6day" : k == TPP_SCHED_SHIFT ? "shift" : "5day";
}

/* The employee's codes re-read under another pack version: absence and event types, sanctions
 * and the predicate are indices into the pack they were loaded under. */
typedef struct remap {
    tpp_absence *a;
    tpp_event *ev;
    tpp_emp_sanction *s;
} remap;

static void remap_free(remap *m)
{
    free(m->a);
    free(m->ev);
    free(m->s);
    memset(m, 0, sizeof *m);
}

/* false with msg set when a code is not in the new pack, or memory ran out (*oom) */
static bool remap_codes(const tpp_seg *sg, tpp_employee *e, remap *m, char *msg, size_t size,
                        bool *oom)
{
    const tpp_ruleset *from = sg->loaded_rs, *to = sg->rs;
    if (from == to || from == NULL)
        return true;
    char d[11];
    tpp_date_format(to->valid_from, d);
    m->a = malloc((e->n_absences + 1) * sizeof *m->a);
    m->ev = malloc((e->n_events + 1) * sizeof *m->ev);
    m->s = malloc((e->n_sanctions + 1) * sizeof *m->s);
    if (m->a == NULL || m->ev == NULL || m->s == NULL) {
        *oom = true;
        return false;
    }
    for (size_t i = 0; i < e->n_absences; i++) {
        m->a[i] = e->absences[i];
        m->a[i].type = tpp_rules_absence_index(to, from->absences[e->absences[i].type].id);
        if (m->a[i].type < 0) {
            snprintf(msg, size, "absence type '%s' is not in rule pack %s in force from %s",
                     from->absences[e->absences[i].type].id, to->id, d);
            return false;
        }
    }
    for (size_t i = 0; i < e->n_events; i++) {
        m->ev[i] = e->events[i];
        m->ev[i].type = tpp_rules_event_index(to, from->events[e->events[i].type].id);
        if (m->ev[i].type < 0) {
            snprintf(msg, size, "event type '%s' is not in rule pack %s in force from %s",
                     from->events[e->events[i].type].id, to->id, d);
            return false;
        }
    }
    for (size_t i = 0; i < e->n_sanctions; i++) {
        m->s[i] = e->sanctions[i];
        if (e->sanctions[i].rule >= 0)
            m->s[i].rule = tpp_rules_sanction_index(to, from->sanctions[e->sanctions[i].rule].id);
        if (m->s[i].rule < 0) {
            snprintf(msg, size,
                     "a sanction of the employee is not in rule pack %s in force from %s", to->id,
                     d);
            return false;
        }
    }
    if (e->predicate >= 0) {
        const char *id = from->predicates[e->predicate].id;
        e->predicate = tpp_rules_predicate_index(to, id);
        if (e->predicate < 0 && to->perf_mode == TPP_PERF_PREDICATE) {
            snprintf(msg, size, "predicate '%s' is not in rule pack %s in force from %s", id,
                     to->id, d);
            return false;
        }
    }
    e->absences = m->a;
    e->events = m->ev;
    e->sanctions = m->s;
    return true;
}

static void add_line(tpp_result *l, const tpp_result *r, size_t n_comp, bool *ovf)
{
    l->workdays += r->workdays;
    l->workdays_month = r->workdays_month;
    l->days_present += r->days_present;
    l->days_absent += r->days_absent;
    l->days_missing_punch += r->days_missing_punch;
    l->days_excused += r->days_excused;
    l->late_minutes += r->late_minutes;
    l->early_minutes += r->early_minutes;
    l->discipline_minutes += r->discipline_minutes;
    l->scans_ignored += r->scans_ignored;
    l->deferred |= r->deferred;
    l->perf_missing |= r->perf_missing;
    *ovf |= !tpp_money_add(l->besaran, r->besaran, &l->besaran) ||
            !tpp_money_add(l->discipline_cut, r->discipline_cut, &l->discipline_cut) ||
            !tpp_money_add(l->performance_cut, r->performance_cut, &l->performance_cut) ||
            !tpp_money_add(l->tpp, r->tpp, &l->tpp) ||
            !tpp_money_add(l->addition, r->addition, &l->addition);
    for (size_t i = 0; i < n_comp; i++)
        *ovf |= !tpp_money_add(l->components[i], r->components[i], &l->components[i]);
}

/* The month's payment steps (written under rs), each named "month.<step>", into a line's trace. */
static void month_steps(ltrace *t, const tpp_ruleset *rs, const void *trace, size_t len)
{
    tw_begin(&t->w, TT_MONTH_BEGIN);
    tw_end(&t->w);
    lt_append(t, rs, trace, len);
    tw_begin(&t->w, TT_MONTH_END);
    tw_end(&t->w);
}

enum { P_ER, P_EE, P_HUKDIS, P_BULAN_LALU, P_PPH, P_ZAKAT, N_PAY };

static tpp_money *pay_col(tpp_result *r, int k)
{
    switch (k) {
    case P_ER:
        return &r->bpjs_employer;
    case P_EE:
        return &r->bpjs_employee;
    case P_HUKDIS:
        return &r->pot_hukdis;
    case P_BULAN_LALU:
        return &r->pot_bulan_lalu;
    case P_PPH:
        return &r->pph21;
    default:
        return &r->zakat;
    }
}

/* The line.* step of each payment column (the templates follow the column order). */
static const tpp_tt pay_step[N_PAY] = {TT_LINE_BPJS_EMPLOYER, TT_LINE_BPJS_EMPLOYEE,
                                       TT_LINE_POT_HUKDIS,    TT_LINE_POT_BULAN_LALU,
                                       TT_LINE_PPH21,         TT_LINE_ZAKAT};

static void line_totals(tpp_result *r)
{
    r->gross = r->tpp + r->bpjs_employer - r->pot_bulan_lalu - r->pot_hukdis;
    r->deductions = r->bpjs_employer + r->bpjs_employee;
    r->net_before_tax = r->gross - r->deductions;
    r->net = r->net_before_tax - r->pph21 - r->zakat;
}

/* Share the month's payment columns over the lines by col 8. A line whose share of the
 * deductions came out one rupiah above its own col 8 (largest remainder per column) hands the
 * excess to a line with room, column by column: the month's net is >= 0, so there always is. */
static bool share(tpp_line *lines, size_t n, tpp_result *m)
{
    int64_t w[64];
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i] = lines[i].r.tpp;
    for (int k = 0; k < N_PAY; k++) {
        tpp_money parts[64] = {0};
        tpp_money total = *pay_col(m, k);
        if (sum == 0 && total != 0)
            return false;
        if (sum > 0 && !tpp_money_allocate(total, w, n, parts))
            return false;
        for (size_t i = 0; i < n; i++)
            *pay_col(&lines[i].r, k) = parts[i];
    }
    for (size_t i = 0; i < n; i++)
        line_totals(&lines[i].r);
    static const int movable[] = {P_ZAKAT, P_PPH, P_HUKDIS, P_BULAN_LALU, P_EE};
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < sizeof movable / sizeof movable[0] && lines[i].r.net < 0; c++) {
            for (size_t j = 0; j < n && lines[i].r.net < 0; j++) {
                tpp_money *from = pay_col(&lines[i].r, movable[c]);
                tpp_money mv = -lines[i].r.net;
                if (j == i || lines[j].r.net <= 0)
                    continue;
                if (mv > lines[j].r.net)
                    mv = lines[j].r.net;
                if (mv > *from)
                    mv = *from;
                *from -= mv;
                *pay_col(&lines[j].r, movable[c]) += mv;
                line_totals(&lines[i].r);
                line_totals(&lines[j].r);
            }
        }
        if (lines[i].r.net < 0)
            return false;
    }
    return true;
}

static void fail_line(tpp_line *l, tpp_status code, const char *msg)
{
    l->r.status = code;
    snprintf(l->r.msg, sizeof l->r.msg, "%s", msg);
}

/* The employee as one segment sees them: dates clipped to it, its OPD and schedule, and the
 * payment side left to the month. False when not employed in the segment. */
static bool segment_employee(const tpp_employee *emp, const tpp_seg *sg, tpp_employee *e)
{
    *e = *emp;
    e->start_date =
        emp->start_date == TPP_DATE_NONE || emp->start_date < sg->from ? sg->from : emp->start_date;
    e->end_date = emp->end_date == TPP_DATE_NONE || emp->end_date > sg->to ? sg->to : emp->end_date;
    if (e->start_date > e->end_date)
        return false;
    e->unit_code = sg->unit_code;
    e->unit_name = sg->unit_name;
    e->schedule = sg->schedule;
    e->rostered = sg->schedule == TPP_SCHED_SHIFT; /* the roster is read for the month */
    e->segment_only = true;
    e->carried = 0;
    return true;
}

tpp_status tpp_eval_segments(const tpp_month *month, const tpp_employee *emp, const tpp_seg *segs,
                             size_t n_segs, tpp_line *lines, size_t *n_lines)
{
    *n_lines = 0;
    ltrace tr[64];
    memset(tr, 0, sizeof tr);
    if (n_segs == 0 || n_segs > 64)
        return TPP_ERR_INTERNAL;
    size_t n = 0, n_comp = segs[n_segs - 1].rs->n_components;
    bool ovf = false, oom = false, failed = false;
    const tpp_seg *last_seg = NULL;
    remap last_map = {0};
    tpp_employee last_emp = *emp;
    char f[11];
    bool unit_split = false;
    int32_t seg_minutes[64];
    tpp_date seg_from[64], seg_to[64];
    size_t n_done = 0; /* segments evaluated (the employee employed in them) */
    for (size_t s = 1; s < n_segs; s++)
        unit_split |= strcmp(segs[s].unit_code, segs[0].unit_code) != 0;

    /* Band tables in cumulative mode (Kementan "kumulatif 1 bulan") are looked up on the
     * month's minutes, not a segment's: a first pass adds up every segment's late and early
     * minutes, and each segment then takes the month's band on its own base. */
    bool cumulative = false;
    for (size_t s = 0; s < n_segs; s++)
        cumulative |= segs[s].rs->late.mode == TPP_MINUTES_CUMULATIVE ||
                      segs[s].rs->early.mode == TPP_MINUTES_CUMULATIVE;
    int32_t month_late = 0, month_early = 0;
    for (size_t s = 0; cumulative && n_segs > 1 && s < n_segs; s++) {
        tpp_employee e;
        if (!segment_employee(emp, &segs[s], &e))
            continue;
        char msg[160];
        remap map = {0};
        bool ok = remap_codes(&segs[s], &e, &map, msg, sizeof msg, &oom);
        tpp_result r;
        if (ok && tpp_eval_employee(segs[s].rs, month, &e, &r) != TPP_OK)
            oom = true;
        else if (ok) {
            month_late += r.late_minutes; /* errors are reported by the pass below */
            month_early += r.early_minutes;
            tpp_result_release(&r);
        }
        remap_free(&map);
        if (oom)
            goto nomem;
    }

    for (size_t s = 0; s < n_segs && !failed; s++) {
        const tpp_seg *sg = &segs[s];
        tpp_employee e;
        if (!segment_employee(emp, sg, &e))
            continue; /* not employed in this segment */
        e.month_minutes = cumulative && n_segs > 1;
        e.month_late_minutes = month_late;
        e.month_early_minutes = month_early;
        size_t li = 0;
        while (li < n && strcmp(lines[li].unit_code, sg->unit_code) != 0)
            li++;
        if (li == n) {
            lt_start(&tr[n], month, sg->rs);
            memset(&lines[n], 0, sizeof lines[n]);
            lines[n].unit_code = sg->unit_code;
            lines[n].unit_name = sg->unit_name;
            n++;
        }
        tpp_date_format(e.start_date, f);
        tpp_tw *w = &tr[li].w;
        bool by_pack = (s > 0 && sg->rs != segs[s - 1].rs) || (s == 0 && !unit_split);
        tw_begin(w, by_pack ? TT_SEGMENT_PACK : TT_SEGMENT_TRANSFER);
        tw_s(w, sg->unit_code);
        tw_s(w, sg->unit_code);
        tw_s(w, sched_name(sg->schedule));
        tw_date(w, e.start_date);
        tw_date(w, e.end_date);
        tw_s(w, sg->rs->id);
        tw_s(w, sg->rs->sha256);
        tw_s(w, sg->why && sg->why[0] ? " reference=" : "");
        tw_s(w, sg->why ? sg->why : "");
        tw_end(w);
        char msg[160] = "";
        remap map = {0};
        if ((segs[0].schedule == TPP_SCHED_SHIFT) != (sg->schedule == TPP_SCHED_SHIFT)) {
            snprintf(msg, sizeof msg,
                     "a transfer between a shift schedule and a weekday schedule in one month is "
                     "not supported (segment from %s)",
                     f);
            fail_line(&lines[li], TPP_ERR_RULE, msg);
            failed = true;
            break;
        }
        if (!remap_codes(sg, &e, &map, msg, sizeof msg, &oom)) {
            remap_free(&map);
            if (oom)
                break;
            fail_line(&lines[li], TPP_ERR_RULE, msg);
            failed = true;
            break;
        }
        tpp_result r;
        tpp_status rc = tpp_eval_employee(sg->rs, month, &e, &r);
        if (rc != TPP_OK) {
            remap_free(&map);
            oom = true;
            break;
        }
        lt_append(&tr[li], sg->rs, r.trace, r.trace_len);
        if (r.status != TPP_OK) {
            fail_line(&lines[li], r.status, r.msg);
            failed = true;
        } else {
            add_line(&lines[li].r, &r, n_comp, &ovf);
            seg_minutes[n_done] = r.discipline_minutes;
            seg_from[n_done] = e.start_date;
            seg_to[n_done++] = e.end_date;
        }
        tpp_result_release(&r);
        remap_free(&last_map);
        last_map = map;
        last_emp = e;
        last_seg = sg;
    }
    if (oom)
        goto nomem;
    if (n == 0) {
        lt_start(&tr[0], month, segs[0].rs);
        memset(&lines[0], 0, sizeof lines[0]);
        lines[0].unit_code = emp->unit_code;
        lines[0].unit_name = emp->unit_name;
        fail_line(&lines[0], TPP_ERR_RULE, "no day of the month in any segment");
        n = 1;
        failed = true;
    }
    if (ovf && !failed) {
        fail_line(&lines[0], TPP_ERR_OVERFLOW, "overflow adding the segments");
        failed = true;
    }
    if (failed) {
        /* one line carries the error and every segment's trace */
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            if (lines[i].r.status != TPP_OK)
                bad = i;
        ltrace all;
        lt_start(&all, month, segs[0].rs);
        for (size_t i = 0; i < n; i++)
            lt_append_line(&all, &tr[i]);
        lines[0].r.status = lines[bad].r.status;
        memcpy(lines[0].r.msg, lines[bad].r.msg, sizeof lines[0].r.msg);
        lines[0].unit_code = lines[bad].unit_code;
        lines[0].unit_name = lines[bad].unit_name;
        n = 1;
        for (size_t i = 0; i < 64; i++)
            lt_release(&tr[i]);
        tr[0] = all;
        goto finish;
    }

    /* The deferral threshold is the month's (the pack's "more than N minutes in a month"): the
     * minutes of every segment of every line added up, under the pack of the last segment like
     * the payment side. Each segment alone may stay under it; the month may not. */
    const tpp_ruleset *mrs = last_seg->rs;
    int64_t month_minutes = 0;
    for (size_t k = 0; k < n_done; k++)
        month_minutes += seg_minutes[k];
    if (mrs->defer_minutes_over > 0 && month_minutes > mrs->defer_minutes_over) {
        char per[256] = "";
        size_t len = 0;
        for (size_t k = 0; k < n_done && len < sizeof per; k++) {
            char t[11];
            tpp_date_format(seg_from[k], f);
            tpp_date_format(seg_to[k], t);
            len += (size_t)snprintf(per + len, sizeof per - len, "%s%s..%s %d", k ? " + " : "", f,
                                    t, (int)seg_minutes[k]);
        }
        for (size_t i = 0; i < n; i++) {
            lines[i].r.deferred = true;
            tw_begin(&tr[i].w, TT_DISCIPLINE_DEFER_MONTH);
            tw_s(&tr[i].w, mrs->defer_cite);
            tw_i(&tr[i].w, month_minutes);
            tw_i(&tr[i].w, mrs->defer_minutes_over);
            tw_s(&tr[i].w, per);
            tw_end(&tr[i].w);
        }
    }

    /* Each line's col 8 and col 7; a kekurangan bayar carried in goes to the last line. */
    for (size_t i = 0; i < n; i++) {
        tpp_result *l = &lines[i].r;
        if (i == n - 1 && emp->carried < 0) {
            l->addition = -emp->carried;
            l->tpp += l->addition;
            tw_begin(&tr[i].w, TT_CORRECTION_ADDED);
            tw_i(&tr[i].w, l->addition);
            tw_i(&tr[i].w, l->addition);
            tw_end(&tr[i].w);
        }
        tw_begin(&tr[i].w, TT_LINE_AMOUNT);
        tw_i(&tr[i].w, l->tpp);
        tw_s(&tr[i].w, lines[i].unit_code);
        tw_i(&tr[i].w, l->besaran);
        tw_i(&tr[i].w, l->discipline_cut);
        tw_i(&tr[i].w, l->performance_cut);
        tw_i(&tr[i].w, l->addition);
        tw_end(&tr[i].w);
        if (l->besaran > 0) {
            tpp_money bp;
            if (tpp_money_mul_ratio(l->tpp, 10000, l->besaran, TPP_ROUND_HALF_UP, &bp)) {
                l->percent_bp = (int32_t)bp;
                tw_begin(&tr[i].w, TT_DISPLAY_PERCENT);
                tw_i(&tr[i].w, (int)(bp / 100));
                tw_i(&tr[i].w, (int)(bp % 100));
                tw_end(&tr[i].w);
            }
        }
    }

    /* The month: every line added up, and the payment side once, under the pack of the last
     * segment (the one in force when the month is paid). */
    tpp_result m;
    memset(&m, 0, sizeof m);
    for (size_t i = 0; i < n; i++)
        add_line(&m, &lines[i].r, n_comp, &ovf);
    last_emp.carried = emp->carried;
    last_emp.unit_code = lines[n - 1].unit_code;
    last_emp.unit_name = lines[n - 1].unit_name;
    last_emp.start_date = emp->start_date;
    last_emp.end_date = emp->end_date;
    if (tpp_eval_payment(last_seg->rs, month, &last_emp, &m) != TPP_OK)
        goto nomem;
    if (m.status != TPP_OK) {
        ltrace all;
        lt_start(&all, month, last_seg->rs);
        for (size_t i = 0; i < n; i++)
            lt_append_line(&all, &tr[i]);
        lt_append(&all, last_seg->rs, m.trace, m.trace_len);
        lines[0].r.status = m.status;
        memcpy(lines[0].r.msg, m.msg, sizeof m.msg);
        n = 1;
        for (size_t i = 0; i < 64; i++)
            lt_release(&tr[i]);
        tr[0] = all;
        tpp_result_release(&m);
        goto finish;
    }
    if (n == 1) {
        /* one OPD (a pack change only): the month's payment side is the line's */
        tpp_result *l = &lines[0].r;
        l->bpjs_employer = m.bpjs_employer;
        l->bpjs_employee = m.bpjs_employee;
        l->pot_hukdis = m.pot_hukdis;
        l->pot_bulan_lalu = m.pot_bulan_lalu;
        l->pph21 = m.pph21;
        l->zakat = m.zakat;
        l->ter_base = m.ter_base;
        line_totals(l);
        lt_append(&tr[0], last_seg->rs, m.trace, m.trace_len);
        tpp_result_release(&m);
        goto finish;
    }
    for (size_t i = 0; i < n; i++) {
        tw_begin(&tr[i].w, TT_MONTH_LINES);
        tw_i(&tr[i].w, m.tpp);
        tw_i(&tr[i].w, (int64_t)(i + 1));
        tw_i(&tr[i].w, (int64_t)n);
        tw_i(&tr[i].w, m.tpp);
        tw_i(&tr[i].w, (int64_t)n);
        tw_end(&tr[i].w);
        month_steps(&tr[i], last_seg->rs, m.trace, m.trace_len);
    }
    if (!share(lines, n, &m)) {
        lines[0].r.status = TPP_ERR_INTERNAL;
        snprintf(lines[0].r.msg, sizeof lines[0].r.msg,
                 "invariant violated at step line.share: the month's payment columns cannot be "
                 "shared over the lines");
        tpp_result_release(&m);
        goto finish;
    }
    for (size_t i = 0; i < n; i++) {
        tpp_result *l = &lines[i].r;
        for (int k = 0; k < N_PAY; k++) {
            tpp_money v = *pay_col(l, k);
            if (v == 0 && (k == P_HUKDIS || k == P_BULAN_LALU || k == P_ZAKAT))
                continue;
            tw_begin(&tr[i].w, pay_step[k]);
            tw_i(&tr[i].w, v);
            tw_i(&tr[i].w, *pay_col(&m, k));
            tw_i(&tr[i].w, l->tpp);
            tw_i(&tr[i].w, m.tpp);
            tw_end(&tr[i].w);
        }
        tpp_tw *w = &tr[i].w;
        tw_begin(w, TT_GROSS);
        tw_i(w, l->gross);
        tw_i(w, l->tpp);
        tw_i(w, l->bpjs_employer);
        tw_i(w, l->pot_bulan_lalu);
        tw_i(w, l->pot_hukdis);
        tw_end(w);
        tw_begin(w, TT_NET);
        tw_i(w, l->net);
        tw_i(w, l->gross);
        tw_i(w, l->deductions);
        tw_i(w, l->net_before_tax);
        tw_i(w, l->pph21);
        tw_i(w, l->zakat);
        tw_end(w);
    }
    tpp_result_release(&m);

finish:
    remap_free(&last_map);
    for (size_t i = 0; i < n; i++) {
        if (tr[i].w.oom)
            goto nomem;
        lines[i].r.trace = tr[i].w.p;
        lines[i].r.trace_len = tr[i].w.len;
        tr[i] = (ltrace){0};
    }
    *n_lines = n;
    return TPP_OK;

nomem:
    remap_free(&last_map);
    for (size_t i = 0; i < 64; i++)
        lt_release(&tr[i]);
    for (size_t i = 0; i < n; i++)
        lines[i].r.trace = NULL;
    return TPP_ERR_NOMEM;
}
