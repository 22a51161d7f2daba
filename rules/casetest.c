/* `tpp rules test`: a pack's own test cases run through the evaluator.
 *
 * A case describes one employee's month the way a person checks it by hand: the class, the
 * schedule, the days that were not ordinary (late, absent, on leave) and the events. Every other
 * workday is an ordinary day: a check-in at the scheduled start and a check-out at its end. The
 * case's expected amounts are compared with the evaluator's result; a failure names each amount
 * that differs and the first step of the trace that produced one of them. */
#include <stdlib.h>
#include <string.h>

#include "tpp/eval.h"
#include "tpp/rules.h"
#include "tpp/trace.h"

static const char *const field_names[TPP_CF_COUNT] = {"besaran",
                                                      "discipline_cut",
                                                      "performance_cut",
                                                      "tpp",
                                                      "bpjs_employer",
                                                      "bpjs_employee",
                                                      "gross",
                                                      "net",
                                                      "workdays",
                                                      "late_minutes",
                                                      "deferred",
                                                      "pot_bulan_lalu",
                                                      "pot_hukdis",
                                                      "pph21",
                                                      "zakat"};

/* The trace step that produces each field (a prefix: the last matching step counts). */
static const char *const field_steps[TPP_CF_COUNT] = {
    "besaran.",         "discipline.total",      "performance",
    "tpp.amount",       "payment.bpjs_employer", "payment.bpjs_employee",
    "payment.net",      "payment.net",           "eligibility.workdays",
    "discipline.total", "discipline.total",      "correction",
    "sanction.total",   "payment.pph21",         "payment.zakat"};

static int64_t field_value(const tpp_result *r, tpp_case_field f)
{
    switch (f) {
    case TPP_CF_BESARAN:
        return r->besaran;
    case TPP_CF_DISCIPLINE_CUT:
        return r->discipline_cut;
    case TPP_CF_PERFORMANCE_CUT:
        return r->performance_cut;
    case TPP_CF_TPP:
        return r->tpp;
    case TPP_CF_BPJS_EMPLOYER:
        return r->bpjs_employer;
    case TPP_CF_BPJS_EMPLOYEE:
        return r->bpjs_employee;
    case TPP_CF_GROSS:
        return r->gross;
    case TPP_CF_NET:
        return r->net;
    case TPP_CF_WORKDAYS:
        return r->workdays;
    case TPP_CF_LATE_MINUTES:
        return r->late_minutes;
    case TPP_CF_DEFERRED:
        return r->deferred;
    case TPP_CF_POT_BULAN_LALU:
        return r->pot_bulan_lalu;
    case TPP_CF_POT_HUKDIS:
        return r->pot_hukdis;
    case TPP_CF_PPH21:
        return r->pph21;
    case TPP_CF_ZAKAT:
        return r->zakat;
    case TPP_CF_COUNT:
        break;
    }
    return 0;
}

/* Offset of the line of the trace that produced a field: the last step whose name starts with
 * prefix (or equals it when exact). -1 when there is none. */
typedef struct text {
    const char *s; /* the rendered trace */
    size_t n;
} text;

static long find_step(const text *r, const char *prefix, bool exact)
{
    long found = -1;
    size_t plen = strlen(prefix);
    for (size_t at = 0; r->s != NULL && at < r->n;) {
        const char *line = r->s + at;
        const char *tab = memchr(line, '\t', r->n - at);
        const char *nl = memchr(line, '\n', r->n - at);
        size_t name_len = tab ? (size_t)(tab - line) : 0;
        if (tab != NULL && (nl == NULL || tab < nl) && name_len >= plen &&
            memcmp(line, prefix, plen) == 0 && (!exact || name_len == plen))
            found = (long)at;
        if (nl == NULL)
            break;
        at = (size_t)(nl - r->s) + 1;
    }
    return found;
}

static void print_step(FILE *out, const text *r, long at)
{
    const char *line = r->s + at;
    const char *nl = memchr(line, '\n', r->n - (size_t)at);
    int len = nl ? (int)(nl - line) : (int)(r->n - (size_t)at);
    fprintf(out, "    first step that differs: ");
    for (int i = 0; i < len; i++)
        fputc(line[i] == '\t' ? ' ' : line[i], out);
    fputc('\n', out);
}

static int punch_cmp(const void *pa, const void *pb)
{
    const tpp_punch *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return (a->sec > b->sec) - (a->sec < b->sec);
}

static const tpp_case_day *day_of(const tpp_rules_case *c, tpp_date d)
{
    for (size_t i = 0; i < c->n_days; i++)
        if (c->days[i].day == d)
            return &c->days[i];
    return NULL;
}

/* Build the month and the employee of a case; arrays are malloc'd into *punches etc. */
static tpp_status build(const tpp_ruleset *rs, const tpp_rules_case *c, tpp_month *m,
                        tpp_employee *e, tpp_punch **punches, tpp_absence **absences,
                        tpp_event **events)
{
    m->year = c->year;
    m->month = c->month;
    m->first = tpp_date_from_ymd(c->year, c->month, 1);
    m->last = m->first + tpp_days_in_month(c->year, c->month) - 1;
    m->holidays = c->holidays;
    m->n_holidays = c->n_holidays;

    size_t days = (size_t)(m->last - m->first + 1);
    *punches = calloc(2 * days + 1, sizeof **punches);
    *absences = calloc(c->n_days + 1, sizeof **absences);
    *events = calloc(c->n_events + 1, sizeof **events);
    if (*punches == NULL || *absences == NULL || *events == NULL)
        return TPP_ERR_NOMEM;

    memset(e, 0, sizeof *e);
    e->nip = "case";
    e->name = c->name;
    e->status = c->status;
    e->position = c->position;
    e->kelas = c->kelas;
    e->schedule = c->schedule;
    e->salary_bpjs_base = c->salary_bpjs_base;
    e->start_date = c->start_date;
    e->end_date = c->end_date;
    e->predicate = c->predicate;
    e->has_score = c->has_score;
    e->score = c->score;
    e->ptkp = c->ptkp;
    e->salary_gross = c->salary_gross;
    e->salary_pph21 = c->salary_pph21;
    e->has_annual = c->has_annual;
    e->ytd_gross = c->ytd_gross;
    e->ytd_pph21 = c->ytd_pph21;
    e->annual_pension = c->annual_pension;
    e->zakat = c->zakat;
    e->carried = c->carried;
    e->sanctions = c->sanctions;
    e->n_sanctions = c->n_sanctions;
    e->assignments = c->assignments;
    e->n_assignments = c->n_assignments;

    size_t np = 0, na = 0;
    e->rostered = c->n_shifts > 0;
    e->shifts = c->shifts;
    e->n_shifts = c->n_shifts;
    for (size_t k = 0; k < c->n_shifts; k++) {
        /* A rostered shift worker: each shift not listed under `days` is worked on time; a
         * listed time earlier than the shift's start minus the window is on the next day. */
        const tpp_shift *sh = &c->shifts[k];
        const tpp_case_day *cd = day_of(c, sh->day);
        int32_t in = sh->start, out = sh->end;
        if (cd != NULL && cd->kind == TPP_CASE_PRESENT) {
            in = cd->in;
            out = cd->out;
            int32_t open = sh->start - rs->window_before;
            if (in >= 0 && in < open)
                in += 1440;
            if (out >= 0 && out < open)
                out += 1440;
        } else if (cd != NULL) {
            in = out = -1;
            if (cd->kind == TPP_CASE_ABSENCE)
                (*absences)[na++] =
                    (tpp_absence){.type = cd->absence, .start = sh->day, .end = sh->day};
        }
        if (in >= 0)
            (*punches)[np++] =
                (tpp_punch){.day = sh->day + in / 1440, .sec = (in % 1440) * 60, .dir = TPP_DIR_IN};
        if (out >= 0)
            (*punches)[np++] = (tpp_punch){
                .day = sh->day + out / 1440, .sec = (out % 1440) * 60, .dir = TPP_DIR_OUT};
    }
    for (tpp_date d = m->first; d <= m->last && c->n_shifts == 0; d++) {
        const tpp_case_day *cd = day_of(c, d);
        const tpp_hours *h = tpp_eval_hours(rs, m, c->schedule, d);
        int32_t in = -1, out = -1;
        if (cd == NULL) {
            if (h == NULL)
                continue;
            in = h->start; /* an ordinary day: on time both ways */
            out = h->end;
        } else if (cd->kind == TPP_CASE_PRESENT) {
            in = cd->in;
            out = cd->out;
        } else if (cd->kind == TPP_CASE_ABSENCE) {
            (*absences)[na++] = (tpp_absence){.type = cd->absence, .start = d, .end = d};
        }
        /* directions are given, as a device with in/out keys would */
        if (in >= 0)
            (*punches)[np++] = (tpp_punch){.day = d, .sec = in * 60, .dir = TPP_DIR_IN};
        if (out >= 0)
            (*punches)[np++] = (tpp_punch){.day = d, .sec = out * 60, .dir = TPP_DIR_OUT};
    }
    qsort(*punches, np, sizeof **punches, punch_cmp);
    for (size_t i = 0; i < c->n_events; i++)
        (*events)[i] = (tpp_event){
            .type = c->events[i].type, .day = c->events[i].day, .minutes = c->events[i].minutes};
    e->punches = *punches;
    e->n_punches = np;
    e->absences = *absences;
    e->n_absences = na;
    e->events = *events;
    e->n_events = c->n_events;
    return TPP_OK;
}

/* Compare a case's expectations; print the differences. True when all agree. */
static bool compare(const tpp_ruleset *rs, const tpp_rules_case *c, const tpp_result *r,
                    const text *t, FILE *out, tpp_diags *diags)
{
    bool ok = true;
    long first_step = -1;
    tpp_srcloc at = {.path = rs->path, .line = c->pos.line, .col = c->pos.col};
    if (r->status != TPP_OK) {
        fprintf(out, "FAIL  %s\n    the evaluator refused the case: %s\n", c->name, r->msg);
        tpp_diag_error(diags, at, "test '%s': %s", c->name, r->msg);
        return false;
    }
    for (size_t i = 0; i < c->n_expect; i++) {
        const tpp_case_expect *x = &c->expect[i];
        int64_t got = field_value(r, x->field);
        if (got == x->value)
            continue;
        if (ok)
            fprintf(out, "FAIL  %s\n", c->name);
        ok = false;
        fprintf(out, "    %-16s expected %lld, got %lld (%+lld)\n", field_names[x->field],
                (long long)x->value, (long long)got, (long long)(got - x->value));
        tpp_diag_error(diags, (tpp_srcloc){rs->path, x->pos.line, x->pos.col, NULL},
                       "test '%s': %s expected %lld, got %lld", c->name, field_names[x->field],
                       (long long)x->value, (long long)got);
        long s = find_step(t, field_steps[x->field], x->field != TPP_CF_BESARAN);
        if (s >= 0 && (first_step < 0 || s < first_step))
            first_step = s;
    }
    for (size_t i = 0; i < c->n_expect_components; i++) {
        const tpp_case_component *x = &c->expect_components[i];
        int64_t got = r->components[x->component];
        if (got == x->value)
            continue;
        if (ok)
            fprintf(out, "FAIL  %s\n", c->name);
        ok = false;
        const char *id = rs->components[x->component].id;
        fprintf(out, "    component.%-6s expected %lld, got %lld (%+lld)\n", id,
                (long long)x->value, (long long)got, (long long)(got - x->value));
        tpp_diag_error(diags, (tpp_srcloc){rs->path, x->pos.line, x->pos.col, NULL},
                       "test '%s': component %s expected %lld, got %lld", c->name, id,
                       (long long)x->value, (long long)got);
        char name[64];
        snprintf(name, sizeof name, "component.%s", id);
        long s = find_step(t, name, true);
        if (s >= 0 && (first_step < 0 || s < first_step))
            first_step = s;
    }
    if (!ok && first_step >= 0)
        print_step(out, t, first_step);
    return ok;
}

tpp_status tpp_rules_run_tests(const tpp_ruleset *rs, FILE *out, tpp_diags *diags,
                               tpp_case_report *report)
{
    memset(report, 0, sizeof *report);
    for (size_t i = 0; i < rs->n_cases; i++) {
        const tpp_rules_case *c = &rs->cases[i];
        tpp_month m;
        tpp_employee e;
        tpp_punch *punches = NULL;
        tpp_absence *absences = NULL;
        tpp_event *events = NULL;
        tpp_result r;
        memset(&r, 0, sizeof r);
        tpp_status rc = build(rs, c, &m, &e, &punches, &absences, &events);
        if (rc == TPP_OK)
            rc = tpp_eval_employee(rs, &m, &e, &r);
        /* the failing step is shown from the rendered trace */
        text t = {NULL, 0};
        char *rendered = NULL;
        if (rc == TPP_OK) {
            tpp_error terr;
            rc = tpp_trace_render(rs, r.trace, r.trace_len, &rendered, &t.n, &terr);
            t.s = rendered;
            if (rc == TPP_ERR_INVALID) /* a bug: the evaluator wrote what it cannot read */
                rc = TPP_ERR_INTERNAL;
        }
        if (rc == TPP_OK) {
            if (compare(rs, c, &r, &t, out, diags)) {
                report->passed++;
                fprintf(out, "ok    %s\n", c->name);
            } else {
                report->failed++;
            }
        }
        tpp_result_release(&r);
        free(rendered);
        free(punches);
        free(absences);
        free(events);
        if (rc != TPP_OK)
            return rc;
    }
    return TPP_OK;
}

tpp_status tpp_rules_case_eval(const tpp_ruleset *rs, size_t i, tpp_result *out)
{
    memset(out, 0, sizeof *out);
    if (i >= rs->n_cases)
        return TPP_ERR_USAGE;
    tpp_month m;
    tpp_employee e;
    tpp_punch *punches = NULL;
    tpp_absence *absences = NULL;
    tpp_event *events = NULL;
    tpp_status rc = build(rs, &rs->cases[i], &m, &e, &punches, &absences, &events);
    if (rc == TPP_OK)
        rc = tpp_eval_employee(rs, &m, &e, out);
    free(punches);
    free(absences);
    free(events);
    return rc;
}
