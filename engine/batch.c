/* The monthly batch: load the period from the workspace into memory, evaluate every employee in
 * parallel (OpenMP, no database in the parallel phase), then store the run in one transaction.
 * Results are kept in input order (by NIP), so the stored run does not depend on the thread
 * count. */
#include <malloc.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/arena.h"
#include "engine/attpack.h"
#include "engine/segment.h"
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
    size_t n_s, cap_s;
    tpp_emp_sanction *s;
    size_t n_as, cap_as;
    tpp_assignment *as;
    size_t n_sh, cap_sh;
    tpp_shift *sh;
    size_t n_tr, cap_tr; /* transfers (mutasi) of the employee, by date */
    struct transfer_row *tr;
    size_t n_seg; /* > 0: the month is split (engine/segment.h) */
    tpp_seg *seg;
} emp_data;

typedef struct transfer_row {
    tpp_date date;
    const char *from, *to;             /* unit codes */
    const char *from_sched, *to_sched; /* "" = the employee's own */
    const char *ref;
} transfer_row;

#define MAX_PACKS 8

typedef struct month_data {
    tpp_arena *arena;
    tpp_month month;
    tpp_date *holidays;
    emp_data *emps;
    size_t n_emps;
    size_t n_scans;
    /* the pack versions of the month: packs[0] in force on the first day, packs[k] from
     * pack_from[k] (a version starting inside the month splits it, engine/segment.h) */
    tpp_ruleset *packs[MAX_PACKS];
    tpp_date pack_from[MAX_PACKS];
    size_t n_packs;
    /* NIP -> employee: open addressing, slot = the NIP's hash's high half, then index + 1 (0
     * empty), built once the employees are sorted. A binary search over the employees costs ~20 cache misses at national size
     * for each row of a table read in its own order (performance, sanctions, ...). */
    uint64_t *slots;
    size_t mask;
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

static uint64_t nip_hash(const char *nip)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)nip; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h ^ (h >> 29);
}

/* The NIP index of md->emps (sorted, unique NIPs); false when memory runs out. */
static bool index_emps(month_data *md)
{
    if (md->n_emps >= UINT32_MAX / 4)
        return false;
    size_t size = 16;
    while (size < 2 * md->n_emps)
        size *= 2;
    md->slots = calloc(size, sizeof *md->slots);
    if (md->slots == NULL)
        return false;
    md->mask = size - 1;
    for (size_t i = 0; i < md->n_emps; i++) {
        uint64_t h = nip_hash(md->emps[i].e.nip);
        size_t k = (size_t)h & md->mask;
        while (md->slots[k] != 0)
            k = (k + 1) & md->mask;
        md->slots[k] = (h & 0xffffffff00000000u) | ((uint64_t)i + 1);
    }
    return true;
}

static emp_data *find_emp(month_data *md, const char *nip)
{
    if (md->slots == NULL)
        return NULL;
    uint64_t h = nip_hash(nip);
    for (size_t k = (size_t)h & md->mask; md->slots[k] != 0; k = (k + 1) & md->mask) {
        if ((md->slots[k] ^ h) >> 32 != 0)
            continue; /* another NIP's hash: no need to read that employee */
        emp_data *ed = &md->emps[(md->slots[k] & 0xffffffffu) - 1];
        if (strcmp(ed->e.nip, nip) == 0)
            return ed;
    }
    return NULL;
}

/* find_emp for rows that come in NIP order (ORDER BY nip): the employee after the previous
 * row's is tried first, so a month's rows cost one or two comparisons each instead of a binary
 * search (a fifth of the load phase). *hint is the previous row's index. */
static emp_data *find_emp_next(month_data *md, const char *nip, size_t *hint)
{
    for (size_t k = *hint; k < md->n_emps && k < *hint + 2; k++) {
        int c = strcmp(md->emps[k].e.nip, nip);
        if (c == 0) {
            *hint = k;
            return &md->emps[k];
        }
        if (c > 0) {
            if (k > *hint)
                return NULL; /* between two employees: not employed this month */
            break;           /* before the hint: rows out of NIP order, search */
        }
    }
    emp_data *ed = find_emp(md, nip);
    if (ed != NULL)
        *hint = (size_t)(ed - md->emps);
    return ed;
}

/* Sort key of an employee: the NIP's first 16 bytes as two big-endian numbers (compared as
 * integers they order as the bytes do), the whole NIP on a tie. */
typedef struct nip_key {
    uint64_t k0, k1;
    const char *nip;
    size_t idx;
} nip_key;

static uint64_t be_bytes(const char *s, size_t len, size_t at)
{
    uint64_t v = 0;
    for (size_t i = at; i < at + 8; i++)
        v = v << 8 | (i < len ? (unsigned char)s[i] : 0u);
    return v;
}

static int nip_key_cmp(const void *a, const void *b)
{
    const nip_key *x = a, *y = b;
    if (x->k0 != y->k0)
        return x->k0 < y->k0 ? -1 : 1;
    if (x->k1 != y->k1)
        return x->k1 < y->k1 ? -1 : 1;
    return strcmp(x->nip, y->nip);
}

/* md->emps in NIP order (strcmp, as SQLite's BINARY collation); false when memory runs out. */
static bool sort_emps(month_data *md)
{
    size_t n = md->n_emps;
    nip_key *keys = malloc((n ? n : 1) * sizeof *keys);
    emp_data *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (keys == NULL || sorted == NULL) {
        free(keys);
        free(sorted);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *nip = md->emps[i].e.nip;
        size_t len = strlen(nip);
        keys[i] = (nip_key){be_bytes(nip, len, 0), be_bytes(nip, len, 8), nip, i};
    }
    qsort(keys, n, sizeof *keys, nip_key_cmp);
    for (size_t i = 0; i < n; i++)
        sorted[i] = md->emps[keys[i].idx];
    free(keys);
    free(md->emps);
    md->emps = sorted;
    return true;
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
        free(md->emps[i].s);
        free(md->emps[i].as);
        free(md->emps[i].sh);
        free(md->emps[i].tr);
        free(md->emps[i].seg);
    }
    for (size_t k = 1; k < md->n_packs; k++)
        tpp_rules_free(md->packs[k]);
    free(md->emps);
    free(md->slots);
    free(md->holidays);
    tpp_arena_free(md->arena);
}

#define STEP_ROWS(q) while ((rc_step = sqlite3_step(q)) == SQLITE_ROW)

/* State that spans months: every sanction that started by this period (the evaluator decides
 * which are active; one may have started before the workspace's first month or last year), and
 * the acting assignments overlapping the month. */
static tpp_status load_multi_month(tpp_store *st, const tpp_ruleset *rs, month_data *md,
                                   const char *period, const char *first, const char *last,
                                   tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc_step;
    tpp_status rc = TPP_OK;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, level, start_period, months, percent_bp FROM sanction "
                              "WHERE start_period <= ?1 ORDER BY nip, start_period, id",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed == NULL)
            continue;
        tpp_emp_sanction s = {.rule = tpp_rules_sanction_index(rs, col_text(q, 1))};
        const char *sp = col_text(q, 2);
        if (s.rule < 0 || sscanf(sp, "%4d-%2d", &s.start_year, &s.start_month) != 2) {
            rc = tpp_fail(err, TPP_ERR_RULE, TPP_NOLOC,
                          "employee '%s': sanction '%s' from %s is not in the rule pack", ed->e.nip,
                          col_text(q, 1), sp);
            sqlite3_finalize(q);
            return rc;
        }
        s.months = sqlite3_column_int(q, 3);
        if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
            /* basis points of a percent, exact: 2550 = 25.5 % */
            s.has_percent = true;
            s.percent = (tpp_ratio){sqlite3_column_int64(q, 4), 100};
        }
        if (!push((void **)&ed->s, &ed->n_s, &ed->cap_s, sizeof s))
            goto nomem;
        ed->s[ed->n_s - 1] = s;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    TPP_TRY(
        tpp_store_prepare(st,
                          "SELECT nip, kind, class, start_date, end_date FROM assignment "
                          "WHERE start_date <= ?2 AND end_date >= ?1 ORDER BY nip, start_date, id",
                          &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed == NULL)
            continue;
        tpp_assignment a = {.kind = strcmp(col_text(q, 1), "plh") == 0 ? TPP_ACTING_PLH
                                                                       : TPP_ACTING_PLT,
                            .kelas = sqlite3_column_int(q, 2),
                            .start = col_date(q, 3),
                            .end = col_date(q, 4)};
        if (!push((void **)&ed->as, &ed->n_as, &ed->cap_as, sizeof a))
            goto nomem;
        ed->as[ed->n_as - 1] = a;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* corrections carried into this month (tpp diff --carry-to) */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, SUM(amount) FROM correction WHERE period = ?1 GROUP BY "
                              "nip",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed != NULL)
            ed->e.carried = sqlite3_column_int64(q, 1);
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* the year's PPh 21 inputs (kind annual); the evaluator reads them only in the pack's
     * annual month, and refuses an employee there without them */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, ytd_gross, ytd_pph21, annual_pension FROM annual_tax "
                              "WHERE year = ?1",
                              &q, err));
    sqlite3_bind_int(q, 1, md->month.year);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed == NULL)
            continue;
        ed->e.has_annual = true;
        ed->e.ytd_gross = sqlite3_column_int64(q, 1);
        ed->e.ytd_pph21 = sqlite3_column_int64(q, 2);
        ed->e.annual_pension = sqlite3_column_int64(q, 3);
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* zakat through the payroll: each employee's latest statement at or before the month
     * (kind zakat); rows come in start order, so the last one read wins */
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, deduct FROM zakat_request WHERE start_period <= ?1 "
                              "ORDER BY nip, start_period",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed != NULL)
            ed->e.zakat = sqlite3_column_int(q, 1) != 0;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    return TPP_OK;

nomem:
    sqlite3_finalize(q);
    return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory loading sanctions");
dberr:
    rc = tpp_store_fail(st, err, "cannot read sanctions, assignments or annual inputs");
    sqlite3_finalize(q);
    return rc;
}

/* "YYYY-MM-DD HH:MM" (roster start_ts/end_ts) -> day and minute; false when malformed. */
static bool roster_ts(const char *s, tpp_date *day, int32_t *minute)
{
    int hh, mm;
    char extra;
    if (strlen(s) != 16 || !tpp_date_parse(s, 10, day) ||
        sscanf(s + 11, "%2d:%2d%c", &hh, &mm, &extra) != 2 || hh > 23 || mm > 59)
        return false;
    *minute = hh * 60 + mm;
    return true;
}

/* Shift workers (schedule shift): their roster of the month, and their scans on the first day
 * of the next month, where a night shift of the month's last day ends. Every shift worker is
 * rostered: a month without roster rows leaves no day to classify (the evaluator says so). */
static tpp_status load_roster(tpp_store *st, month_data *md, const char *first, const char *last,
                              const char *next, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc_step;
    tpp_status rc = TPP_OK;
    for (size_t i = 0; i < md->n_emps; i++) {
        emp_data *ed = &md->emps[i];
        ed->e.rostered = ed->e.schedule == TPP_SCHED_SHIFT;
        for (size_t k = 0; k < ed->n_seg; k++)
            ed->e.rostered |= ed->seg[k].schedule == TPP_SCHED_SHIFT;
    }
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, date, start_ts, end_ts FROM roster WHERE date BETWEEN "
                              "?1 AND ?2 ORDER BY nip, date, start_ts",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp(md, col_text(q, 0));
        if (ed == NULL || !ed->e.rostered)
            continue; /* a roster row of someone not on shift this month: nothing to classify */
        tpp_date d0, d1;
        int32_t m0, m1;
        tpp_shift sh = {.day = col_date(q, 1)};
        if (!roster_ts(col_text(q, 2), &d0, &m0) || !roster_ts(col_text(q, 3), &d1, &m1) ||
            d0 != sh.day) {
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "employee '%s': roster row of %s is malformed in the workspace",
                          ed->e.nip, col_text(q, 1));
            sqlite3_finalize(q);
            return rc;
        }
        sh.start = m0;
        sh.end = (int32_t)(d1 - d0) * 1440 + m1;
        if (!push((void **)&ed->sh, &ed->n_sh, &ed->cap_sh, sizeof sh))
            goto nomem;
        ed->sh[ed->n_sh - 1] = sh;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* The next month's first day: only a shift of the last day can count these scans, so only
     * rostered employees whose last shift of the month runs past midnight are read, straight
     * from their packed month row (the attendance view would unpack every row of the month). */
    tpp_date nd;
    if (!tpp_date_parse(next, 10, &nd))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "bad date %s", next);
    char next_period[8]; /* "YYYY-MM" of next ("YYYY-MM-DD") */
    memcpy(next_period, next, 7);
    next_period[7] = '\0';
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT scans FROM attendance_month WHERE month = ?1 AND nip = ?2 "
                              "ORDER BY part",
                              &q, err));
    sqlite3_bind_text(q, 1, next_period, -1, SQLITE_STATIC);
    for (size_t i = 0; i < md->n_emps; i++) {
        emp_data *ed = &md->emps[i];
        if (!ed->e.rostered || ed->n_sh == 0)
            continue;
        const tpp_shift *lastsh = &ed->sh[ed->n_sh - 1];
        if (lastsh->day != nd - 1 || lastsh->end <= 1440)
            continue;
        sqlite3_bind_text(q, 2, ed->e.nip, -1, SQLITE_STATIC);
        STEP_ROWS(q)
        {
            const uint8_t *r = sqlite3_column_blob(q, 0);
            size_t n = (size_t)sqlite3_column_bytes(q, 0) / TPP_ATT_REC;
            for (size_t k = 0; k < n; k++, r += TPP_ATT_REC) {
                if (tpp_att_dom(r) != 1)
                    break; /* records are in time order: the rest is later in the month */
                tpp_punch p = {
                    .day = nd, .sec = (int32_t)tpp_att_sec(r), .dir = (int)tpp_att_dir(r)};
                if (!push((void **)&ed->p, &ed->n_p, &ed->cap_p, sizeof p))
                    goto nomem;
                ed->p[ed->n_p - 1] = p; /* after the month's scans: the order stays (day, time) */
            }
        }
        if (rc_step != SQLITE_DONE)
            goto dberr;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    return TPP_OK;

nomem:
    sqlite3_finalize(q);
    return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory loading the roster");
dberr:
    rc = tpp_store_fail(st, err, "cannot read the roster");
    sqlite3_finalize(q);
    return rc;
}

/* A code (column 1, dated by column 2) imported under an earlier pack version that the pack in
 * force does not know: stop the run rather than skip it, which would turn a day of leave into
 * a day absent without notice. Finalizes q. */
static tpp_status not_in_pack(sqlite3_stmt *q, const char *nip, const char *what, const char *when,
                              const tpp_ruleset *rs, tpp_error *err)
{
    tpp_status rc = tpp_fail(err, TPP_ERR_RULE, TPP_NOLOC,
                             "employee '%s': %s '%s' %s %s is not in the rule pack in force (%s); "
                             "nothing computed",
                             nip, what, col_text(q, 1), when, col_text(q, 2), rs->id);
    sqlite3_finalize(q);
    return rc;
}

static tpp_schedule_kind sched_of(const char *s, tpp_schedule_kind own)
{
    return strcmp(s, "5day") == 0    ? TPP_SCHED_5DAY
           : strcmp(s, "6day") == 0  ? TPP_SCHED_6DAY
           : strcmp(s, "shift") == 0 ? TPP_SCHED_SHIFT
                                     : own;
}

/* The unit and schedule on a day from the employee's transfers (schema.sql, table transfer):
 * to_unit of the latest transfer dated on or before the day, else from_unit of the earliest
 * one after it, else the employee's own. */
static const transfer_row *unit_on(const emp_data *ed, tpp_date d, bool *after)
{
    const transfer_row *t = NULL;
    for (size_t k = 0; k < ed->n_tr; k++)
        if (ed->tr[k].date <= d)
            t = &ed->tr[k];
    *after = false;
    if (t == NULL && ed->n_tr > 0) {
        *after = true;
        t = &ed->tr[0];
    }
    return t;
}

static const tpp_ruleset *pack_on(const month_data *md, tpp_date d)
{
    const tpp_ruleset *rs = md->packs[0];
    for (size_t k = 1; k < md->n_packs; k++)
        if (md->pack_from[k] <= d)
            rs = md->packs[k];
    return rs;
}

/* A unit's name: the employee's own for their own unit code, else the imported units' name,
 * else the code itself. */
static const char *unit_name_of(tpp_store *st, month_data *md, const tpp_employee *e,
                                const char *code, tpp_error *err, bool *bad)
{
    if (strcmp(code, e->unit_code) == 0)
        return e->unit_name;
    sqlite3_stmt *q = NULL;
    if (tpp_store_prepare(st, "SELECT name FROM unit WHERE code = ?1 AND name <> ''", &q, err) !=
        TPP_OK) {
        *bad = true;
        return NULL;
    }
    sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
    const char *name = code;
    if (sqlite3_step(q) == SQLITE_ROW)
        name = tpp_arena_strdup(md->arena, col_text(q, 0));
    sqlite3_finalize(q);
    if (name == NULL)
        *bad = true;
    return name;
}

/* Transfers of the month's employees, and each employee's segments: the month is cut at each
 * transfer date and each pack version's first day inside it; consecutive days with the same
 * unit, schedule and pack are one segment. An employee with one segment whose unit is not the
 * one on their employee row (a transfer in an earlier month) is computed in that unit. */
static tpp_status load_segments(tpp_store *st, month_data *md, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    int rc_step;
    tpp_status rc = TPP_OK;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT nip, date, from_unit, to_unit, from_schedule, to_schedule, "
                              "reference FROM transfer ORDER BY nip, date",
                              &q, err));
    emp_data *cur = NULL;
    STEP_ROWS(q)
    {
        const char *nip = col_text(q, 0);
        if (cur == NULL || strcmp(cur->e.nip, nip) != 0)
            cur = find_emp(md, nip);
        if (cur == NULL)
            continue;
        transfer_row t = {.date = col_date(q, 1)};
        const char **f[] = {&t.from, &t.to, &t.from_sched, &t.to_sched, &t.ref};
        for (int i = 0; i < 5; i++)
            if ((*f[i] = tpp_arena_strdup(md->arena, col_text(q, 2 + i))) == NULL)
                goto nomem;
        if (!push((void **)&cur->tr, &cur->n_tr, &cur->cap_tr, sizeof t))
            goto nomem;
        cur->tr[cur->n_tr - 1] = t;
    }
    if (rc_step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read transfers");
        sqlite3_finalize(q);
        return rc;
    }
    sqlite3_finalize(q);
    q = NULL;

    for (size_t i = 0; i < md->n_emps; i++) {
        emp_data *ed = &md->emps[i];
        if (ed->n_tr == 0 && md->n_packs == 1)
            continue;
        size_t cap = 0;
        for (tpp_date d = md->month.first; d <= md->month.last; d++) {
            bool after, bad = false;
            const transfer_row *t = unit_on(ed, d, &after);
            const char *code = t == NULL ? ed->e.unit_code : after ? t->from : t->to;
            tpp_schedule_kind sk =
                t == NULL ? ed->e.schedule
                          : sched_of(after ? t->from_sched : t->to_sched, ed->e.schedule);
            const tpp_ruleset *rs = pack_on(md, d);
            tpp_seg *last = ed->n_seg > 0 ? &ed->seg[ed->n_seg - 1] : NULL;
            if (last != NULL && last->rs == rs && last->schedule == sk &&
                strcmp(last->unit_code, code) == 0) {
                last->to = d;
                continue;
            }
            if (!push((void **)&ed->seg, &ed->n_seg, &cap, sizeof(tpp_seg)))
                goto nomem;
            tpp_seg *s = &ed->seg[ed->n_seg - 1];
            *s = (tpp_seg){.from = d,
                           .to = d,
                           .rs = rs,
                           .loaded_rs = md->packs[0],
                           .unit_code = code,
                           .schedule = sk,
                           .why = t != NULL && !after && t->date == d ? t->ref : ""};
            s->unit_name = unit_name_of(st, md, &ed->e, code, err, &bad);
            if (bad)
                return err->code ? err->code
                                 : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        }
        if (ed->n_seg > 64)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                            "employee '%s': more than 64 segments in the month", ed->e.nip);
        if (ed->n_seg == 1 && ed->seg[0].rs == md->packs[0]) {
            /* not split: computed as usual, in the unit the transfers say */
            ed->e.unit_code = ed->seg[0].unit_code;
            ed->e.unit_name = ed->seg[0].unit_name;
            ed->e.schedule = ed->seg[0].schedule;
            ed->n_seg = 0;
        }
    }
    return TPP_OK;

nomem:
    sqlite3_finalize(q);
    return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory loading transfers");
}

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
        "bank_account, class, schedule, salary_bpjs_base, start_date, end_date, ptkp, "
        "salary_gross, salary_pph21, (SELECT u.timezone FROM unit u WHERE u.code = unit_code) "
        "FROM employee "
        "WHERE (start_date IS NULL OR start_date <= ?2) AND (end_date IS NULL OR end_date >= ?1)",
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
        e->ptkp = tpp_arena_strdup(md->arena, col_text(q, 15));
        if (e->ptkp == NULL)
            goto nomem;
        e->salary_gross = sqlite3_column_int64(q, 16);
        e->salary_pph21 = sqlite3_column_int64(q, 17);
        if (sqlite3_column_type(q, 18) != SQLITE_NULL &&
            (e->zone = tpp_arena_strdup(md->arena, col_text(q, 18))) == NULL)
            goto nomem;
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    /* Read in table order and sorted here: ORDER BY nip walked the nip index and fetched each
     * row by rowid, in the random order of the employees file (4x the time of the scan). NIPs
     * are unique, so the order is that of ORDER BY nip (strcmp = SQLite's BINARY). */
    if (!sort_emps(md) || !index_emps(md))
        goto nomem;

    /* attendance of the month: packed rows (engine/attpack.h) by NIP, each employee's parts in
     * order, scans sorted by time */
    TPP_TRY(tpp_store_prepare(
        st, "SELECT nip, scans FROM attendance_month WHERE month = ?1 ORDER BY nip, part", &q,
        err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    emp_data *cur = NULL;
    size_t hint = 0;
    STEP_ROWS(q)
    {
        const char *nip = col_text(q, 0);
        if (cur == NULL || strcmp(cur->e.nip, nip) != 0)
            cur = find_emp_next(md, nip, &hint);
        if (cur == NULL)
            continue; /* not employed this month: nothing to pay */
        const uint8_t *r = sqlite3_column_blob(q, 1);
        size_t n = (size_t)sqlite3_column_bytes(q, 1) / TPP_ATT_REC;
        if (n == 0)
            continue;
        if (cur->n_p + n > cur->cap_p) {
            size_t want = cur->n_p + n > 2 * cur->cap_p ? cur->n_p + n : 2 * cur->cap_p;
            tpp_punch *np = realloc(cur->p, want * sizeof *np);
            if (np == NULL)
                goto nomem;
            cur->p = np;
            cur->cap_p = want;
        }
        for (size_t k = 0; k < n; k++, r += TPP_ATT_REC) {
            tpp_punch *p = &cur->p[cur->n_p++];
            p->day = md->month.first + (tpp_date)tpp_att_dom(r) - 1;
            p->sec = (int32_t)tpp_att_sec(r);
            p->dir = (int)tpp_att_dir(r);
        }
        md->n_scans += n;
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
    hint = 0;
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp_next(md, col_text(q, 0), &hint);
        if (ed == NULL)
            continue; /* not employed this month */
        int type = tpp_rules_absence_index(rs, col_text(q, 1));
        if (type < 0)
            return not_in_pack(q, ed->e.nip, "absence type", "from", rs, err);
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
    hint = 0;
    STEP_ROWS(q)
    {
        emp_data *ed = find_emp_next(md, col_text(q, 0), &hint);
        if (ed == NULL)
            continue;
        int type = tpp_rules_event_index(rs, col_text(q, 1));
        if (type < 0)
            return not_in_pack(q, ed->e.nip, "event type", "of", rs, err);
        if (!push((void **)&ed->ev, &ed->n_ev, &ed->cap_ev, sizeof(tpp_event)))
            goto nomem;
        ed->ev[ed->n_ev - 1] = (tpp_event){type, col_date(q, 2), sqlite3_column_int(q, 3)};
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    /* performance of the period, or of the earlier period the pack's `performance.lag` names
     * (the trace says which; the evaluator computes it by the same function) */
    int py, pm;
    char perf_period[16];
    tpp_rules_perf_period(rs, md->month.year, md->month.month, &py, &pm);
    snprintf(perf_period, sizeof perf_period, "%04d-%02d", py % 10000, pm % 100);
    TPP_TRY(tpp_store_prepare(
        st, "SELECT nip, predicate, period, score_bp FROM performance WHERE period = ?1", &q, err));
    sqlite3_bind_text(q, 1, perf_period, -1, SQLITE_STATIC);
    hint = 0;
    STEP_ROWS(q)
    {
        /* table order, which is NIP order when the file was imported whole (the import
         * stores in key order); any other order falls back to the hash */
        emp_data *ed = find_emp_next(md, col_text(q, 0), &hint);
        if (ed != NULL && sqlite3_column_type(q, 1) != SQLITE_NULL) {
            ed->e.predicate = tpp_rules_predicate_index(rs, col_text(q, 1));
            /* A pack that pays by predicate and does not know this one (imported under an
             * earlier version): never read it as missing data, which pays the pack's
             * missing-data multiplier instead of the employee's predicate. A pack that pays by
             * score does not read the predicate. */
            if (ed->e.predicate < 0 && rs->perf_mode == TPP_PERF_PREDICATE)
                return not_in_pack(q, ed->e.nip, "predicate", "of", rs, err);
        }
        if (ed != NULL && sqlite3_column_type(q, 3) != SQLITE_NULL) {
            /* basis points of a percent: 9550 = 95.50 % */
            ed->e.has_score = true;
            ed->e.score = (tpp_ratio){sqlite3_column_int64(q, 3), 100};
        }
    }
    if (rc_step != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);

    rc = load_multi_month(st, rs, md, period, first, last, err);
    if (rc != TPP_OK)
        return rc;
    /* Transfers first: they say who works in shifts this month (a move into a shift unit in an
     * earlier month leaves the employee row's schedule behind), and the roster is read for
     * those. */
    rc = load_segments(st, md, err);
    if (rc != TPP_OK)
        return rc;
    rc = load_roster(st, md, first, last, next, err);
    if (rc != TPP_OK)
        return rc;

    for (size_t i = 0; i < md->n_emps; i++) {
        emp_data *ed = &md->emps[i];
        ed->e.sanctions = ed->s;
        ed->e.n_sanctions = ed->n_s;
        ed->e.assignments = ed->as;
        ed->e.n_assignments = ed->n_as;
        ed->e.punches = ed->p;
        ed->e.n_punches = ed->n_p;
        ed->e.absences = ed->a;
        ed->e.n_absences = ed->n_a;
        ed->e.events = ed->ev;
        ed->e.n_events = ed->n_ev;
        ed->e.shifts = ed->sh;
        ed->e.n_shifts = ed->n_sh;
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

/* The run is stored in one transaction that spans the whole computation: the run row first
 * (its timings and totals are updated at the end), then each chunk's results as soon as the
 * chunk is computed. A failure anywhere rolls everything back. */
typedef struct run_writer {
    tpp_store *st;
    sqlite3_stmt *ins;
    int64_t run_id;
} run_writer;

static tpp_status run_begin(run_writer *w, const tpp_ruleset *rs, const month_data *md,
                            const tpp_run_summary *sum, tpp_error *err)
{
    char period[8], now[32];
    snprintf(period, sizeof period, "%04d-%02d", md->month.year, md->month.month);
    tpp_now_iso(now);
    sqlite3_stmt *q = NULL;
    /* The write transaction was begun by tpp_batch_run, before the first read. */
    tpp_status rc = tpp_store_prepare(
        w->st,
        "INSERT INTO run(period, pack_sha256, engine_version, threads, started_at, compute_ms, "
        "n_employees, n_errors, total_tpp, total_gross, total_net) "
        "VALUES (?,?,?,?,?,0,?,0,0,0,0)",
        &q, err);
    if (rc != TPP_OK)
        return rc;
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, rs->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, TPP_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, sum->threads);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)sum->n_employees);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(w->st, err, "cannot store the run");
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    w->run_id = sqlite3_last_insert_rowid(w->st->db);

    /* The inputs the run read: every file in the workspace, by hash. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO run_input(run_id, file_id, kind, sha256) SELECT %lld, id, kind, "
             "sha256 FROM input_file",
             (long long)w->run_id);
    TPP_TRY(tpp_store_exec(w->st, sql, err));

    /* The pack versions the run computed under, with their days (schema 9). */
    TPP_TRY(tpp_store_prepare(w->st,
                              "INSERT INTO run_pack(run_id, seq, pack_sha256, from_date, to_date) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)",
                              &q, err));
    for (size_t k = 0; k < md->n_packs && rc == TPP_OK; k++) {
        char from[11], to[11];
        tpp_date_format(k == 0 ? md->month.first : md->pack_from[k], from);
        tpp_date_format(k + 1 < md->n_packs ? md->pack_from[k + 1] - 1 : md->month.last, to);
        sqlite3_bind_int64(q, 1, w->run_id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)k + 1);
        sqlite3_bind_text(q, 3, md->packs[k]->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, to, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = tpp_store_fail(w->st, err, "cannot store the run's packs");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    /* OR FAIL: see result.run_id in engine/schema.sql (no statement journal for each row). */
    return tpp_store_prepare(
        w->st,
        "INSERT OR FAIL INTO result VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
        "?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,"
        "?38)",
        &w->ins, err);
}

/* An employee's payroll lines: one, or one per OPD of a split month (engine/segment.h). */
typedef struct emp_out {
    tpp_line one;
    tpp_line *lines; /* &one, or heap memory for a split month */
    size_t n;
} emp_out;

static void emp_out_release(emp_out *o)
{
    for (size_t k = 0; k < o->n; k++)
        tpp_result_release(&o->lines[k].r);
    if (o->lines != &o->one)
        free(o->lines);
    o->lines = NULL;
    o->n = 0;
}

/* Evaluate one employee; false when memory ran out. */
static bool eval_one(const month_data *md, const emp_data *ed, emp_out *o)
{
    o->n = 0;
    if (ed->n_seg == 0) {
        o->lines = &o->one;
        o->one.unit_code = ed->e.unit_code;
        o->one.unit_name = ed->e.unit_name;
        if (tpp_eval_employee(md->packs[0], &md->month, &ed->e, &o->one.r) != TPP_OK)
            return false;
        o->n = 1;
        return true;
    }
    o->lines = calloc(ed->n_seg, sizeof *o->lines);
    if (o->lines == NULL)
        return false;
    if (tpp_eval_segments(&md->month, &ed->e, ed->seg, ed->n_seg, o->lines, &o->n) != TPP_OK) {
        free(o->lines);
        o->lines = NULL;
        o->n = 0;
        return false;
    }
    return true;
}

static tpp_status run_rows(run_writer *w, const emp_data *emps, const emp_out *out, size_t n,
                           tpp_error *err)
{
    sqlite3_stmt *q = w->ins;
    for (size_t i = 0; i < n; i++)
        for (size_t ln = 0; ln < out[i].n; ln++) {
            const tpp_employee *e = &emps[i].e;
            const tpp_result *r = &out[i].lines[ln].r;
            int k = 1;
            sqlite3_bind_int64(q, k++, w->run_id);
            const char *texts[] = {e->nip, out[i].lines[ln].unit_code, out[i].lines[ln].unit_name,
                                   e->position, e->grade};
            sqlite3_bind_text(q, k++, texts[0], -1, SQLITE_STATIC);
            sqlite3_bind_text(q, k++, e->name, -1, SQLITE_STATIC);
            for (int t = 1; t < 5; t++)
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
            sqlite3_bind_blob(q, k++, r->trace ? (const void *)r->trace : "", (int)r->trace_len,
                              SQLITE_STATIC);
            sqlite3_bind_int64(q, k++, (sqlite3_int64)ln + 1);
            if (sqlite3_step(q) != SQLITE_DONE)
                return tpp_store_fail(w->st, err, "cannot store a result");
            sqlite3_reset(q);
        }
    return TPP_OK;
}

static tpp_status run_commit(run_writer *w, tpp_run_summary *sum, tpp_error *err)
{
    sqlite3_finalize(w->ins);
    w->ins = NULL;
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(w->st,
                              "UPDATE run SET compute_ms = ?1, n_errors = ?2, total_tpp = ?3, "
                              "total_gross = ?4, total_net = ?5 WHERE id = ?6",
                              &q, err));
    sqlite3_bind_int64(q, 1, sum->compute_ms);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)sum->n_errors);
    sqlite3_bind_int64(q, 3, sum->total_tpp);
    sqlite3_bind_int64(q, 4, sum->total_gross);
    sqlite3_bind_int64(q, 5, sum->total_net);
    sqlite3_bind_int64(q, 6, w->run_id);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(w->st, err, "cannot store the run");
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    /* Every total: the stored lines add up to the run's totals (SPEC §4.10). */
    TPP_TRY(
        tpp_store_prepare(w->st,
                          "SELECT COALESCE(SUM(tpp),0), COALESCE(SUM(gross),0), "
                          "COALESCE(SUM(net),0) FROM result WHERE run_id = ?1 AND status = 'ok'",
                          &q, err));
    sqlite3_bind_int64(q, 1, w->run_id);
    if (sqlite3_step(q) != SQLITE_ROW)
        rc = tpp_store_fail(w->st, err, "cannot check the run's totals");
    else if (sqlite3_column_int64(q, 0) != sum->total_tpp ||
             sqlite3_column_int64(q, 1) != sum->total_gross ||
             sqlite3_column_int64(q, 2) != sum->total_net)
        rc = tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                      "invariant violated at step run.totals: stored lines do not add up to the "
                      "run's totals; the run is not stored");
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    sum->run_id = w->run_id;
    return tpp_store_commit(w->st, err);
}

/* The pack versions starting inside the month (after its first day), each loaded. */
static tpp_status load_packs(tpp_store *st, month_data *md, tpp_error *err)
{
    char first[11], last[11];
    tpp_date_format(md->month.first, first);
    tpp_date_format(md->month.last, last);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT valid_from FROM rule_pack WHERE valid_from > ?1 AND "
                              "valid_from <= ?2 ORDER BY valid_from",
                              &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    tpp_date from[MAX_PACKS];
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW && n < MAX_PACKS - 1)
        from[n++] = col_date(q, 0);
    sqlite3_finalize(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return tpp_store_fail(st, err, "cannot read the rule packs");
    for (size_t k = 0; k < n; k++) {
        TPP_TRY(tpp_store_pack_for(st, from[k], &md->packs[md->n_packs], err));
        md->pack_from[md->n_packs++] = from[k];
    }
    return TPP_OK;
}

/* Employees are computed and stored a chunk at a time, so that only one chunk's traces (about
 * 0.4 KB an employee, compact: docs/compact-trace.md) are ever in memory: a national month is
 * 4 million employees. The chunk is
 * large enough that the threads stay busy and small enough to stay in cache. */
#define RUN_CHUNK 8192

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
    md.packs[0] = rs;
    md.pack_from[0] = md.month.first;
    md.n_packs = 1;

    emp_out *res = NULL;
    size_t n_res = 0;
    run_writer w = {.st = st};
    tpp_status rc = TPP_OK;
    int64_t t0 = now_ms();
    md.arena = tpp_arena_new(1 << 16);
    if (md.arena == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    /* A pack version starting inside the month: the days from its first are computed under it
     * (engine/segment.h), each employee's month in two segments. */
    rc = load_packs(st, &md, err);
    if (rc != TPP_OK)
        goto done;
    for (size_t k = 1; k < md.n_packs; k++) {
        char from[11];
        size_t used = strlen(sum->more_packs);
        tpp_date_format(md.pack_from[k], from);
        snprintf(sum->more_packs + used, sizeof sum->more_packs - used,
                 "  then rule pack %s (sha256 %.16s...) from %s: the month is computed in "
                 "segments, each under its own pack\n",
                 md.packs[k]->id, md.packs[k]->sha256, from);
    }
    if (opt->progress)
        opt->progress(opt->progress_user, "load", 0, 0);
    rc = load_month(st, rs, &md, err);
    if (rc != TPP_OK)
        goto done;
    sum->n_employees = md.n_emps;
    sum->n_scans = md.n_scans;
    sum->load_ms = now_ms() - t0;

    res = calloc(RUN_CHUNK, sizeof *res);
    if (res == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
#ifdef M_TRIM_THRESHOLD
    /* Each chunk frees its traces and the next allocates as much again. By default glibc hands
     * the top of the heap back to the kernel after every chunk and the next chunk faults it in
     * again page by page, serialised on the process's memory map lock: with 2 threads the
     * compute phase then gained 1.1x instead of 1.8x. Keeping the freed memory is bounded by
     * one chunk's traces (about 50 MB). */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
    if (opt->threads > 0)
        omp_set_num_threads(opt->threads);
    sum->threads = omp_get_max_threads();
    int64_t t = now_ms();
    rc = run_begin(&w, rs, &md, sum, err);
    sum->persist_ms += now_ms() - t;
    if (rc != TPP_OK)
        goto done;

    for (size_t base = 0; base < md.n_emps; base += RUN_CHUNK) {
        size_t m = md.n_emps - base < RUN_CHUNK ? md.n_emps - base : RUN_CHUNK;
        if (opt->progress)
            opt->progress(opt->progress_user, "compute", base, md.n_emps);
        t = now_ms();
        long n = (long)m;
        int oom = 0;
        emp_data *emps = md.emps + base;
        n_res = m;
        /* Each iteration writes only its own slot; the evaluator touches no shared state. */
#pragma omp parallel for schedule(dynamic, 64) reduction(| : oom)
        for (long i = 0; i < n; i++)
            oom |= !eval_one(&md, &emps[i], &res[i]);
        sum->compute_ms += now_ms() - t;
        if (oom) {
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory computing the month");
            goto done;
        }
        /* SPEC §4.10: a broken invariant is a bug, not bad data: stop, store nothing (the run's
         * one transaction is rolled back), and name the employee and the step. */
        for (size_t i = 0; i < m && rc == TPP_OK; i++)
            for (size_t k = 0; k < res[i].n && rc == TPP_OK; k++)
                if (res[i].lines[k].r.status == TPP_ERR_INTERNAL ||
                    res[i].lines[k].r.status == TPP_ERR_OVERFLOW)
                    rc = tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                                  "employee '%s': %s; the run is stopped", emps[i].e.nip,
                                  res[i].lines[k].r.msg);
        if (rc != TPP_OK) {
            goto done;
        }

        /* In NIP order, whatever the thread count: diagnostics, totals, rows. */
        t = now_ms();
        for (size_t i = 0; i < m; i++) {
            sum->n_lines += res[i].n;
            for (size_t k = 0; k < res[i].n; k++) {
                const tpp_result *r = &res[i].lines[k].r;
                if (r->status != TPP_OK) {
                    sum->n_errors++;
                    tpp_diag_error(diags, TPP_NOLOC, "employee '%s': %s", emps[i].e.nip, r->msg);
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
        }
        rc = run_rows(&w, emps, res, m, err);
        for (size_t i = 0; i < m; i++)
            emp_out_release(&res[i]);
        n_res = 0;
        sum->persist_ms += now_ms() - t;
        if (rc != TPP_OK)
            goto done;
    }
    if (opt->progress)
        opt->progress(opt->progress_user, "store", md.n_emps, md.n_emps);
    t = now_ms();
    rc = run_commit(&w, sum, err);
    sum->persist_ms += now_ms() - t;

done:
    if (rc != TPP_OK) {
        sqlite3_finalize(w.ins);
        tpp_store_rollback(st);
    }
    for (size_t i = 0; i < n_res; i++)
        emp_out_release(&res[i]);
    free(res);
    month_data_free(&md);
    tpp_rules_free(rs);
    return rc;
}
