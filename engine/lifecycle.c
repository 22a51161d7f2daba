/* The run lifecycle: completeness gate, run differences, corrections carried forward. */
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "engine/trace_read.h"
#include "tpp/date.h"
#include "tpp/lifecycle.h"
#include "tpp/trace.h"

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

static tpp_status run_period(tpp_store *st, int64_t run_id, char period[8], tpp_error *err)
{
    sqlite3_stmt *q;
    TPP_TRY(tpp_store_prepare(st, "SELECT period FROM run WHERE id = ?1", &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        snprintf(period, 8, "%s", col_text(q, 0));
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "no run %lld in the workspace",
                        (long long)run_id);
    return TPP_OK;
}

tpp_status tpp_run_gate(tpp_store *st, int64_t run_id, tpp_gate *out, tpp_error *err)
{
    memset(out, 0, sizeof *out);
    out->run_id = run_id;
    TPP_TRY(run_period(st, run_id, out->period, err));
    sqlite3_stmt *q;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT COUNT(*), COALESCE(SUM(status <> 'ok'),0), "
                              "COALESCE(SUM(perf_missing),0), COALESCE(SUM(days_missing_punch),0) "
                              "FROM result WHERE run_id = ?1",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        tpp_status rc = tpp_store_fail(st, err, "cannot read the run");
        sqlite3_finalize(q);
        return rc;
    }
    out->n_lines = sqlite3_column_int64(q, 0);
    out->n_errors = sqlite3_column_int64(q, 1);
    out->n_perf_missing = sqlite3_column_int64(q, 2);
    out->n_missing_punch_days = sqlite3_column_int64(q, 3);
    sqlite3_finalize(q);
    out->complete = out->n_errors == 0 && out->n_perf_missing == 0;
    return TPP_OK;
}

/* The first line of two traces that differs: its step name and each side's result. */
static void first_difference(const char *ta, const char *tb, char *step, size_t ssize, char *ra,
                             char *rb, size_t rsize)
{
    step[0] = ra[0] = rb[0] = '\0';
    while (*ta || *tb) {
        size_t la = strcspn(ta, "\n"), lb = strcspn(tb, "\n");
        if (la != lb || memcmp(ta, tb, la) != 0) {
            const char *src = la ? ta : tb;
            size_t n = strcspn(src, "\t\n");
            snprintf(step, ssize, "%.*s", (int)n, src);
            const char *lines[2] = {ta, tb};
            size_t lens[2] = {la, lb};
            char *outs[2] = {ra, rb};
            for (int i = 0; i < 2; i++) {
                const char *t = memchr(lines[i], '\t', lens[i]);
                if (t == NULL)
                    continue;
                t++;
                size_t m = strcspn(t, "\t\n");
                snprintf(outs[i], rsize, "%.*s", (int)m, t);
            }
            return;
        }
        ta += la + (ta[la] == '\n');
        tb += lb + (tb[lb] == '\n');
    }
}

/* A run's packs copied out of the cache (whose list is for one run at a time). */
static tpp_status run_packs(tpp_pack_cache *c, int64_t run_id, const tpp_ruleset *out[16],
                            size_t *n, tpp_error *err)
{
    const tpp_ruleset *const *p;
    size_t k;
    TPP_TRY(tpp_pack_cache_run_packs(c, run_id, &p, &k, err));
    if (k > 16)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "run %lld has more than 16 rule packs",
                        (long long)run_id);
    memcpy(out, p, k * sizeof *p);
    *n = k;
    return TPP_OK;
}

tpp_status tpp_run_diff(tpp_store *st, int64_t run_a, int64_t run_b, tpp_diff_fn fn, void *user,
                        tpp_diff_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    char pa[8], pb[8];
    TPP_TRY(run_period(st, run_a, pa, err));
    TPP_TRY(run_period(st, run_b, pb, err));
    /* a full outer join by NIP and line (a transfer between OPDs: one line per OPD), both sides
     * in that order */
    static const char sql[] =
        "WITH a AS (SELECT * FROM result WHERE run_id = ?1), b AS (SELECT * FROM result WHERE "
        "run_id = ?2), k AS (SELECT nip, line FROM a UNION SELECT nip, line FROM b) "
        "SELECT k.nip, COALESCE(b.name, a.name), COALESCE(b.unit_code, a.unit_code), "
        "a.nip IS NOT NULL, b.nip IS NOT NULL, a.tpp, b.tpp, a.gross, b.gross, a.net, b.net, "
        "a.trace, b.trace, COALESCE(b.unit_name, a.unit_name), COALESCE(b.grade, a.grade), "
        "COALESCE(b.position, a.position), COALESCE(b.bank_account, a.bank_account) "
        "FROM k LEFT JOIN a ON a.nip = k.nip AND a.line = k.line LEFT JOIN b ON b.nip = k.nip "
        "AND b.line = k.line ORDER BY k.nip, k.line";
    sqlite3_stmt *q;
    /* each run's traces are rendered with its own pack (a correction run may have another) */
    tpp_pack_cache *packs = tpp_pack_cache_new(st);
    if (packs == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    /* every pack of each run: a month with a pack version starting inside it has two */
    const tpp_ruleset *packs_a[16], *packs_b[16];
    size_t na_packs = 0, nb_packs = 0;
    tpp_status prc = run_packs(packs, run_a, packs_a, &na_packs, err);
    if (prc == TPP_OK)
        prc = run_packs(packs, run_b, packs_b, &nb_packs, err);
    const tpp_ruleset *rs_a = prc == TPP_OK ? packs_a[0] : NULL;
    const tpp_ruleset *rs_b = prc == TPP_OK ? packs_b[0] : NULL;
    if (prc == TPP_OK)
        prc = tpp_store_prepare(st, sql, &q, err);
    if (prc != TPP_OK) {
        tpp_pack_cache_free(packs);
        return prc;
    }
    sqlite3_bind_int64(q, 1, run_a);
    sqlite3_bind_int64(q, 2, run_b);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        tpp_diff_line d = {
            .nip = col_text(q, 0), .name = col_text(q, 1), .unit_code = col_text(q, 2)};
        d.unit_name = col_text(q, 13);
        d.grade = col_text(q, 14);
        d.position = col_text(q, 15);
        d.bank_account = col_text(q, 16);
        bool in_a = sqlite3_column_int(q, 3), in_b = sqlite3_column_int(q, 4);
        d.tpp_a = sqlite3_column_int64(q, 5);
        d.tpp_b = sqlite3_column_int64(q, 6);
        d.gross_a = sqlite3_column_int64(q, 7);
        d.gross_b = sqlite3_column_int64(q, 8);
        d.net_a = sqlite3_column_int64(q, 9);
        d.net_b = sqlite3_column_int64(q, 10);
        char step[128], ra[64], rb[64];
        step[0] = ra[0] = rb[0] = '\0';
        if (in_a && in_b) {
            const void *ba = sqlite3_column_blob(q, 11), *bb = sqlite3_column_blob(q, 12);
            size_t la = (size_t)sqlite3_column_bytes(q, 11);
            size_t lb = (size_t)sqlite3_column_bytes(q, 12);
            /* the same bytes under the same pack are the same text */
            if (rs_a != rs_b || la != lb || (la > 0 && memcmp(ba, bb, la) != 0)) {
                char *ta = NULL, *tb = NULL;
                size_t na, nb;
                tpp_error e2 = {0};
                if (tpp_trace_render_packs(packs_a, na_packs, ba, la, &ta, &na, &e2) != TPP_OK ||
                    tpp_trace_render_packs(packs_b, nb_packs, bb, lb, &tb, &nb, &e2) != TPP_OK) {
                    snprintf(step, sizeof step, "(unreadable trace: %.100s)", e2.msg);
                } else {
                    first_difference(ta, tb, step, sizeof step, ra, rb, sizeof ra);
                }
                free(ta);
                free(tb);
            }
            if (step[0] == '\0' && d.tpp_a == d.tpp_b && d.net_a == d.net_b &&
                d.gross_a == d.gross_b) {
                sum->n_same++;
                continue;
            }
            d.kind = TPP_DIFF_CHANGED;
            sum->n_changed++;
        } else {
            d.kind = in_a ? TPP_DIFF_REMOVED : TPP_DIFF_ADDED;
            if (in_a)
                sum->n_removed++;
            else
                sum->n_added++;
        }
        d.step = step;
        d.result_a = ra;
        d.result_b = rb;
        sum->delta_tpp += d.tpp_b - d.tpp_a;
        sum->delta_net += d.net_b - d.net_a;
        if (fn != NULL && fn(user, &d) != 0)
            break;
    }
    tpp_status out = TPP_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = tpp_store_fail(st, err, "cannot compare the runs");
    sqlite3_finalize(q);
    tpp_pack_cache_free(packs);
    return out;
}

tpp_status tpp_run_carry(tpp_store *st, int64_t run_a, int64_t run_b, const char *period,
                         int64_t *n_out, tpp_error *err)
{
    *n_out = 0;
    char pa[8], pb[8];
    TPP_TRY(run_period(st, run_a, pa, err));
    TPP_TRY(run_period(st, run_b, pb, err));
    if (strcmp(pa, pb) != 0)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "runs %lld (%s) and %lld (%s) are not of the same period", (long long)run_a,
                        pa, (long long)run_b, pb);
    if (strcmp(period, pa) <= 0)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "a correction of %s can only be carried into a later month, not %s", pa,
                        period);
    char now[32];
    tpp_now_iso(now);
    TPP_TRY(tpp_store_begin(st, err));
    sqlite3_stmt *q;
    tpp_status rc = tpp_store_prepare(
        st,
        "INSERT OR IGNORE INTO correction(nip, period, amount, from_run, to_run, created_at) "
        "SELECT a.nip, ?3, a.tpp - b.tpp, ?1, ?2, ?4 FROM "
        /* per employee: the lines of a transfer between OPDs add up to the month */
        "(SELECT nip, SUM(tpp) AS tpp, MIN(status = 'ok') AS ok FROM result WHERE run_id = ?1 "
        "GROUP BY nip) a JOIN (SELECT nip, SUM(tpp) AS tpp, MIN(status = 'ok') AS ok FROM result "
        "WHERE run_id = ?2 GROUP BY nip) b ON b.nip = a.nip WHERE a.tpp <> b.tpp AND a.ok AND "
        "b.ok",
        &q, err);
    if (rc != TPP_OK) {
        tpp_store_rollback(st);
        return rc;
    }
    sqlite3_bind_int64(q, 1, run_a);
    sqlite3_bind_int64(q, 2, run_b);
    sqlite3_bind_text(q, 3, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot store the corrections");
        sqlite3_finalize(q);
        tpp_store_rollback(st);
        return rc;
    }
    *n_out = sqlite3_changes(st->db);
    sqlite3_finalize(q);
    return tpp_store_commit(st, err);
}
