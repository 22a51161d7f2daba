/* The monthly batch: load the period from the workspace into memory, evaluate every employee in
 * parallel (OpenMP, no database in the parallel phase), then store the run in one transaction.
 * Results are kept in input order (by NIP), so the stored run does not depend on the thread
 * count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/arena.h"
#include "engine/store.h"
#include "tpp/batch.h"
#include "tpp/eval.h"
#include "tpp/model.h"

typedef struct emp_data {
    tpp_employee e;
    size_t n_p, cap_p;
    tpp_punch *p;
    size_t n_a, cap_a;
    tpp_absence *a;
    size_t n_ev, cap_ev;
    tpp_event *ev;
} emp_data;

typedef struct month_data {
    tpp_arena *arena;
    tpp_month month;
    tpp_date *holidays;
    emp_data *emps;
    size_t n_emps;
    size_t n_scans;
} month_data;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

static tpp_date col_date(sqlite3_stmt *q, int i)
{
    tpp_date d;
    const char *s = col_text(q, i);
    return tpp_date_parse(s, strlen(s), &d) ? d : TPP_DATE_NONE;
}

static emp_data *find_emp(month_data *md, const char *nip)
{
    size_t lo = 0, hi = md->n_emps;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(md->emps[mid].e.nip, nip);
        if (c == 0)
            return &md->emps[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Append to a growable array; false when memory runs out. */
static bool push(void **arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        void *p = realloc(*arr, nc * size);
        if (p == NULL)
            return false;
        *arr = p;
        *cap = nc;
    }
    (*n)++;
    return true;
}

static void month_data_free(month_data *md)
{
    for (size_t i = 0; i < md->n_emps; i++) {
        free(md->emps[i].p);
        free(md->emps[i].a);
        free(md->emps[i].ev);
    }
    free(md->emps);
    free(md->holidays);
    tpp_arena_free(md->arena);
}

#define STEP_ROWS(q) while ((rc_step = sqlite3_step(q)) == SQLITE_ROW)

static tpp_status load_month(tpp_store *st, const tpp_ruleset *rs, month_data *md, tpp_error *err)
{
    char first[11], last[11], period[8], next[11];
    tpp_date_format(md->month.first, first);
    tpp_date_format(md->month.last, last);
    tpp_date_format(md->month.last + 1, next);
    snprintf(period, sizeof period, "%04d-%02d", md->month.year, md->month.month);
    sqlite3_stmt *q = NULL;
    int rc_step;
    tpp_status rc = TPP_OK;

    /* holidays */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT date FROM holiday WHERE date BETWEEN ?1 AND ?2 "
                              "ORDER BY date",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    size_t cap = 0;
    STEP_ROWS(q)
    {
        if (!push((void **)&md->holidays, &md->month.n_holidays, &cap, sizeof(tpp_date)))
            goto nomem;
        md->holidays[md->month.n_holidays - 1] = col_date(q, 0);
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    md->month.holidays = md->holidays;
    sqlite3_finalize(q);

    /* employees active in the month, by NIP */
    TPP_TRY(tpp_store_prepare(
        st,
        "SELECT nip, name, status, unit_code, unit_name, position, grade, npwp, bank_name, "
        "bank_account, class, schedule, salary_bpjs_base, start_date, end_date FROM employee "
        "WHERE (start_date IS NULL OR start_date <= ?2) AND (end_date IS NULL OR end_date >= ?1) "
        "ORDER BY nip",
        &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    cap = 0;
    STEP_ROWS(q)
    {
        if (!push((void **)&md->emps, &md->n_emps, &cap, sizeof(emp_data)))
            goto nomem;
        emp_data *ed = &md->emps[md->n_emps - 1];
        memset(ed, 0, sizeof *ed);
        tpp_employee *e = &ed->e;
        const char **fields[] = {&e->nip,       &e->name,        &e->status, &e->unit_code,
                                 &e->unit_name, &e->position,    &e->grade,  &e->npwp,
                                 &e->bank_name, &e->bank_account};
        for (int i = 0; i < 10; i++) {
            *fields[i] = tpp_arena_strdup(md->arena, col_text(q, i));
            if (*fields[i] == NULL)
                goto nomem;
        }
        e->kelas = sqlite3_column_int(q, 10);
        const char *sched = col_text(q, 11);
        e->schedule = strcmp(sched, "6day") == 0    ? TPP_SCHED_6DAY
                      : strcmp(sched, "shift") == 0 ? TPP_SCHED_SHIFT
                                                    : TPP_SCHED_5DAY;
        e->salary_bpjs_base = sqlite3_column_int64(q, 12);
        e->start_date = sqlite3_column_type(q, 13) == SQLITE_NULL ? TPP_DATE_NONE : col_date(q, 13);
        e->end_date = sqlite3_column_type(q, 14) == SQLITE_NULL ? TPP_DATE_NONE : col_date(q, 14);
        e->predicate = -1;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* attendance of the month, by NIP then time: each employee's scans arrive sorted */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, ts, direction FROM attendance WHERE ts >= ?1 AND "
                              "ts < ?2 ORDER BY nip, ts",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, next, -1, SQLITE_STATIC);
    emp_data *cur = NULL;
    STEP_ROWS(q)
    {
        const char *nip = col_text(q, 0);
        if (cur == NULL || strcmp(cur->e.nip, nip) != 0)
            cur = find_emp(md, nip);
        if (cur == NULL)
            continue; /* not employed this month: nothing to pay */
        const char *ts = col_text(q, 1);
        tpp_punch p;
        if (!tpp_timestamp_parse(ts, strlen(ts), &p.day, &p.sec))
            continue; /* validated at import */
        p.dir = sqlite3_column_int(q, 2);
        if (!push((void **)&cur->p, &cur->n_p, &cur->cap_p, sizeof p))
            goto nomem;
        cur->p[cur->n_p - 1] = p;
        md->n_scans++;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* absences overlapping the month */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, type, start_date, end_date FROM absence WHERE "
                              "start_date <= ?2 AND end_date >= ?1 ORDER BY nip, start_date, id",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        int type = tpp_rules_absence_index(rs, col_text(q, 1));
        if (ed == NULL || type < 0)
            continue; /* types are checked at import against the pack of that time */
        if (!push((void **)&ed->a, &ed->n_a, &ed->cap_a, sizeof(tpp_absence)))
            goto nomem;
        ed->a[ed->n_a - 1] = (tpp_absence){type, col_date(q, 2), col_date(q, 3)};
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* events of the month */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, type, date, minutes FROM event WHERE date BETWEEN ?1 "
                              "AND ?2 ORDER BY nip, date, id",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        int type = tpp_rules_event_index(rs, col_text(q, 1));
        if (ed == NULL || type < 0)
            continue;
        if (!push((void **)&ed->ev, &ed->n_ev, &ed->cap_ev, sizeof(tpp_event)))
            goto nomem;
        ed->ev[ed->n_ev - 1] = (tpp_event){type, col_date(q, 2), sqlite3_column_int(q, 3)};
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* performance of the period */
    TPP_TRY(
        tpp_store_prepare(st, "SELECT nip, predicate FROM performance WHERE period = ?1", &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed != NULL && sqlite3_column_type(q, 1) != SQLITE_NULL)
            ed->e.predicate = tpp_rules_predicate_index(rs, col_text(q, 1));
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    for (size_t i = 0; i < md->n_emps; i++) {
        emp_data *ed = &md->emps[i];
        ed->e.punches = ed->p;
        ed->e.n_punches = ed->n_p;
        ed->e.absences = ed->a;
        ed->e.n_absences = ed->n_a;
        ed->e.events = ed->ev;
        ed->e.n_events = ed->n_ev;
    }
    return TPP_OK;

nomem:
    sqlite3_finalize(q);
    return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory loading the month");
dberr:
    rc = tpp_store_fail(st, err, "cannot read the month's inputs");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status store_run(tpp_store *st, const tpp_ruleset *rs, const month_data *md,
                            const tpp_result *res, tpp_run_summary *sum, tpp_error *err)
{
    char period[8], now[32];
    snprintf(period, sizeof period, "%04d-%02d", md->month.year, md->month.month);
    tpp_now_iso(now);
    sqlite3_stmt *q = NULL;
    /* The write transaction was begun by tpp_batch_run, before the first read. */
    tpp_status rc = tpp_store_prepare(
        st,
        "INSERT INTO run(period, pack_sha256, engine_version, threads, started_at, compute_ms, "
        "n_employees, n_errors, total_tpp, total_gross, total_net) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        &q, err);
    if (rc != TPP_OK)
        goto fail;
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, rs->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, TPP_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, sum->threads);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, sum->compute_ms);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)sum->n_employees);
    sqlite3_bind_int64(q, 8, (sqlite3_int64)sum->n_errors);
    sqlite3_bind_int64(q, 9, sum->total_tpp);
    sqlite3_bind_int64(q, 10, sum->total_gross);
    sqlite3_bind_int64(q, 11, sum->total_net);
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot store the run");
        goto fail;
    }
    sqlite3_finalize(q);
    q = NULL;
    sum->run_id = sqlite3_last_insert_rowid(st->db);

    /* The inputs the run read: every file in the workspace, by hash. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO run_input(run_id, file_id, kind, sha256) SELECT %lld, id, kind, "
             "sha256 FROM input_file",
             (long long)sum->run_id);
    rc = tpp_store_exec(st, sql, err);
    if (rc != TPP_OK)
        goto fail;

    rc = tpp_store_prepare(
        st,
        "INSERT INTO result VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
        "?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37)",
        &q, err);
    if (rc != TPP_OK)
        goto fail;
    for (size_t i = 0; i < md->n_emps; i++) {
        const tpp_employee *e = &md->emps[i].e;
        const tpp_result *r = &res[i];
        int k = 1;
        sqlite3_bind_int64(q, k++, sum->run_id);
        const char *texts[] = {e->nip, e->name, e->unit_code, e->unit_name, e->position, e->grade};
        for (int t = 0; t < 6; t++)
            sqlite3_bind_text(q, k++, texts[t], -1, SQLITE_STATIC);
        sqlite3_bind_int(q, k++, e->kelas);
        sqlite3_bind_text(q, k++, e->npwp, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, k++, e->bank_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, k++, e->bank_account, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, k++, r->status == TPP_OK ? "ok" : "error", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, k++, r->msg, -1, SQLITE_STATIC);
        const int64_t nums[] = {r->workdays,
                                r->days_present,
                                r->days_absent,
                                r->days_missing_punch,
                                r->days_excused,
                                r->late_minutes,
                                r->early_minutes,
                                r->deferred,
                                r->perf_missing,
                                r->besaran,
                                r->percent_bp,
                                r->discipline_cut,
                                r->performance_cut,
                                r->tpp,
                                r->pot_bulan_lalu,
                                r->pot_hukdis,
                                r->bpjs_employer,
                                r->gross,
                                r->bpjs_employee,
                                r->deductions,
                                r->net_before_tax,
                                r->pph21,
                                r->net};
        for (size_t t = 0; t < sizeof nums / sizeof nums[0]; t++)
            sqlite3_bind_int64(q, k++, nums[t]);
        sqlite3_bind_text(q, k++, r->trace ? r->trace : "", (int)r->trace_len, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = tpp_store_fail(st, err, "cannot store a result");
            goto fail;
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    return tpp_store_commit(st, err);
fail:
    sqlite3_finalize(q);
    tpp_store_rollback(st);
    return rc;
}

tpp_status tpp_batch_run(tpp_store *st, const tpp_run_options *opt, tpp_diags *diags,
                         tpp_run_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    month_data md = {0};
    md.month.year = opt->year;
    md.month.month = opt->month;
    md.month.first = tpp_date_from_ymd(opt->year, opt->month, 1);
    md.month.last = md.month.first + tpp_days_in_month(opt->year, opt->month) - 1;

    /* One write transaction from the first read to the commit: the run computes one consistent
     * state of the inputs and run_input lists exactly the files it read, even when an import
     * runs beside it (that import waits for the busy timeout, or fails clearly). */
    TPP_TRY(tpp_store_begin(st, err));
    tpp_ruleset *rs = NULL;
    tpp_status pack_rc = tpp_store_pack_for(st, md.month.first, &rs, err);
    if (pack_rc != TPP_OK) {
        tpp_store_rollback(st);
        return pack_rc;
    }
    snprintf(sum->pack_id, sizeof sum->pack_id, "%s", rs->id);
    memcpy(sum->pack_sha256, rs->sha256, sizeof sum->pack_sha256);

    tpp_result *res = NULL;
    tpp_status rc = TPP_OK;
    int64_t t0 = now_ms();
    md.arena = tpp_arena_new(1 << 16);
    if (md.arena == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    if (opt->progress)
        opt->progress(opt->progress_user, "load", 0, 0);
    rc = load_month(st, rs, &md, err);
    if (rc != TPP_OK)
        goto done;
    sum->n_employees = md.n_emps;
    sum->n_scans = md.n_scans;
    int64_t t1 = now_ms();
    sum->load_ms = t1 - t0;

    res = calloc(md.n_emps ? md.n_emps : 1, sizeof *res);
    if (res == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    if (opt->threads > 0)
        omp_set_num_threads(opt->threads);
    sum->threads = omp_get_max_threads();
    long n = (long)md.n_emps;
    int oom = 0;
    if (opt->progress)
        opt->progress(opt->progress_user, "compute", 0, md.n_emps);
        /* Each iteration writes only its own slot; the evaluator touches no shared state. */
#pragma omp parallel for schedule(dynamic, 64) reduction(| : oom)
    for (long i = 0; i < n; i++)
        oom |= tpp_eval_employee(rs, &md.month, &md.emps[i].e, &res[i]) != TPP_OK;
    if (oom) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory computing the month");
        goto done;
    }
    int64_t t2 = now_ms();
    sum->compute_ms = t2 - t1;

    for (size_t i = 0; i < md.n_emps; i++) {
        const tpp_result *r = &res[i];
        if (r->status != TPP_OK) {
            sum->n_errors++;
            tpp_diag_error(diags, TPP_NOLOC, "employee '%s': %s", md.emps[i].e.nip, r->msg);
            continue;
        }
        sum->n_perf_missing += r->perf_missing;
        sum->n_deferred += r->deferred;
        if (!tpp_money_add(sum->total_tpp, r->tpp, &sum->total_tpp) ||
            !tpp_money_add(sum->total_gross, r->gross, &sum->total_gross) ||
            !tpp_money_add(sum->total_net, r->net, &sum->total_net)) {
            rc = tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the totals");
            goto done;
        }
    }
    if (opt->progress)
        opt->progress(opt->progress_user, "store", md.n_emps, md.n_emps);
    rc = store_run(st, rs, &md, res, sum, err);
    sum->persist_ms = now_ms() - t2;

done:
    tpp_store_rollback(st); /* only when an error left the transaction open */
    if (res != NULL)
        for (size_t i = 0; i < md.n_emps; i++)
            tpp_result_release(&res[i]);
    free(res);
    month_data_free(&md);
    tpp_rules_free(rs);
    return rc;
}
