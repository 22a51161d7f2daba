/* Completeness of a period's inputs: what the evaluator would have to guess. It is the gate
 * before a run is finalized: employees nobody saw at a device (a missing export, a wrong PIN
 * map), employees without a performance record, shift workers whose days cannot be classified
 * for want of a roster, and scans nobody could be found for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "engine/util.h"
#include "tpp/date.h"
#include "tpp/import.h"

typedef struct query {
    const char *what; /* the list line's tag */
    const char *sql;  /* ?1 first day, ?2 last day, ?3 period YYYY-MM */
} query;

#define ACTIVE                                                                \
    "FROM employee e WHERE (e.start_date IS NULL OR e.start_date <= ?2) AND " \
    "(e.end_date IS NULL OR e.end_date >= ?1) "

static const query queries[] = {
    {"without_punch",
     "SELECT e.nip, e.name, 1 " ACTIVE "AND NOT EXISTS (SELECT 1 FROM attendance_month a WHERE "
     "a.month = ?3 AND a.nip = e.nip) ORDER BY e.nip"},
    {"without_performance",
     "SELECT e.nip, e.name, 1 " ACTIVE "AND NOT EXISTS (SELECT 1 FROM performance p WHERE "
     "p.nip = e.nip AND p.period = ?4) ORDER BY e.nip"},
    /* shift workers: no roster at all this month (every day unclassified), or days with scans
     * (the bits of attendance_month.days; k = day of month - 1) but no shift that day or a night
     * shift from the day before running into it */
    {"unclassified",
     "WITH RECURSIVE dom(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM dom WHERE k < 30) "
     "SELECT e.nip, e.name, "
     "  CASE WHEN NOT EXISTS (SELECT 1 FROM roster r WHERE r.nip = e.nip AND r.date BETWEEN ?1 "
     "AND ?2) THEN julianday(min(?2, IFNULL(e.end_date, ?2))) - "
     "julianday(max(?1, IFNULL(e.start_date, ?1))) + 1 "
     "  ELSE (SELECT count(DISTINCT dom.k) FROM attendance_month a JOIN dom ON (a.days >> dom.k) & 1 WHERE "
     "a.month = ?3 AND a.nip = e.nip AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.nip = a.nip "
     "AND (r.date = date(?1, '+' || dom.k || ' days') OR (r.date = date(?1, '+' || (dom.k - 1) "
     "|| ' days') AND substr(r.end_ts, 1, 10) = date(?1, '+' || dom.k || ' days'))))) END AS "
     "days " ACTIVE
     "AND e.schedule = 'shift' AND days > 0 ORDER BY e.nip"},
    {"unknown_pin",
     "SELECT u.device, u.pin, sum(u.scans) FROM unknown_scan u WHERE u.first_ts < date(?2, "
     "'+1 day') AND u.last_ts >= ?1 AND NOT EXISTS (SELECT 1 FROM device_pin d JOIN employee e "
     "ON e.nip = d.nip WHERE d.pin = u.pin AND (d.device = u.device OR d.device = '')) "
     "GROUP BY u.device, u.pin ORDER BY u.device, u.pin"},
};

tpp_status tpp_import_completeness(struct tpp_store *st, int year, int month, tpp_completeness *out,
                                   char **list, tpp_error *err)
{
    memset(out, 0, sizeof *out);
    if (list != NULL)
        *list = NULL;
    char first[11], last[11], period[16];
    tpp_date d0 = tpp_date_from_ymd(year, month, 1);
    tpp_date_format(d0, first);
    tpp_date_format(d0 + tpp_days_in_month(year, month) - 1, last);
    snprintf(period, sizeof period, "%04d-%02d", year % 10000, month % 100);
    tpp_buf b = {0};

    /* The performance the month reads may be an earlier period's (performance.lag of the pack
     * in force); without a pack for the month there is nothing to lag by. */
    char perf_period[16];
    out->perf_year = year;
    out->perf_month = month;
    tpp_ruleset *rs = NULL;
    tpp_error perr = {0};
    if (tpp_store_pack_for(st, d0, &rs, &perr) == TPP_OK) {
        tpp_rules_perf_period(rs, year, month, &out->perf_year, &out->perf_month);
        tpp_rules_free(rs);
    }
    snprintf(perf_period, sizeof perf_period, "%04d-%02d", out->perf_year % 10000,
             out->perf_month % 100);

    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT count(*) " ACTIVE, &q, err));
    sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        out->employees = (size_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);

    tpp_status rc = TPP_OK;
    for (size_t i = 0; i < sizeof queries / sizeof queries[0] && rc == TPP_OK; i++) {
        rc = tpp_store_prepare(st, queries[i].sql, &q, err);
        if (rc != TPP_OK)
            break;
        sqlite3_bind_text(q, 1, first, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, last, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(q) >= 3)
            sqlite3_bind_text(q, 3, period, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(q) >= 4)
            sqlite3_bind_text(q, 4, perf_period, -1, SQLITE_STATIC);
        int step;
        while ((step = sqlite3_step(q)) == SQLITE_ROW) {
            const char *a = (const char *)sqlite3_column_text(q, 0);
            const char *bcol = (const char *)sqlite3_column_text(q, 1);
            long long n = sqlite3_column_int64(q, 2);
            switch (i) {
            case 0:
                out->without_punch++;
                break;
            case 1:
                out->without_performance++;
                break;
            case 2:
                out->employees_unclassified++;
                out->unclassified_days += (size_t)n;
                break;
            default:
                out->unknown_pins++;
                out->unknown_scans += (size_t)n;
                break;
            }
            if (list == NULL)
                continue;
            if (i == 0 || i == 1)
                tpp_buf_printf(&b, "%s\t%s\t%s\n", queries[i].what, a ? a : "", bcol ? bcol : "");
            else if (i == 2)
                tpp_buf_printf(&b, "%s\t%s\t%s\t%lld\n", queries[i].what, a ? a : "",
                               bcol ? bcol : "", n);
            else
                tpp_buf_printf(&b, "%s\t%s\t%s\t%lld\n", queries[i].what, a ? a : "",
                               bcol ? bcol : "", n);
        }
        if (step != SQLITE_DONE)
            rc = tpp_store_fail(st, err, "cannot check completeness");
        sqlite3_finalize(q);
    }
    out->complete = out->without_punch == 0 && out->without_performance == 0 &&
                    out->unclassified_days == 0 && out->unknown_pins == 0;
    if (rc == TPP_OK && b.oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK && list != NULL) {
        *list = b.data ? b.data : calloc(1, 1);
        if (*list == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    } else {
        tpp_buf_release(&b);
    }
    return rc;
}
