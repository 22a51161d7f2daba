/* Export a stored run: read its lines in payment-list order (OPD, then NIP) and hand them to the
 * exporters. Reads only what the run stored, so an export never recomputes anything. */
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/batch.h"
#include "tpp/export.h"

static const char *dup_col(tpp_arena *a, sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return tpp_arena_strdup(a, s ? (const char *)s : "");
}

static tpp_status find_run(tpp_store *st, const char *period, int64_t *run_id, char *pack_sha,
                           tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT id, pack_sha256 FROM run WHERE period = ?1 AND "
                              "(?2 = 0 OR id = ?2) ORDER BY id DESC LIMIT 1",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, *run_id);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(q, 0);
        snprintf(pack_sha, 65, "%s", (const char *)sqlite3_column_text(q, 1));
    } else if (*run_id > 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no run %lld for period %s",
                      (long long)*run_id, period);
    } else {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "no run for period %s (compute one with 'tpp run --period %s')", period,
                      period);
    }
    sqlite3_finalize(q);
    return rc;
}

static tpp_status load_pack_meta(tpp_store *st, const char *sha, tpp_arena *a,
                                 tpp_export_meta *meta, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT path, text FROM rule_pack WHERE sha256 = ?1", &q, err));
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    tpp_status rc;
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "the run's rule pack %s is missing", sha);
    }
    tpp_ruleset *rs = NULL;
    tpp_diags *diags = tpp_diags_new(stderr);
    rc = tpp_rules_load((const char *)sqlite3_column_text(q, 0),
                        (const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1),
                        diags, &rs, err);
    tpp_diags_free(diags);
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    meta->region = tpp_arena_strdup(a, rs->region);
    meta->reg_number = tpp_arena_strdup(a, rs->reg_number);
    meta->reg_title = tpp_arena_strdup(a, rs->reg_title);
    meta->pack_id = tpp_arena_strdup(a, rs->id);
    meta->pack_sha256 = tpp_arena_strdup(a, rs->sha256);
    meta->illustrative = rs->illustrative;
    tpp_rules_free(rs);
    return TPP_OK;
}

tpp_status tpp_batch_export(tpp_store *st, int year, int month, int64_t run_id, unsigned formats,
                            const char *out_dir, tpp_export_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    char period[8], pack_sha[65];
    snprintf(period, sizeof period, "%04d-%02d", year, month);
    TPP_TRY(find_run(st, period, &run_id, pack_sha, err));
    sum->run_id = run_id;

    tpp_arena *a = tpp_arena_new(1 << 16);
    tpp_payline *lines = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q = NULL;
    tpp_export_meta meta = {.year = year, .month = month, .run_id = run_id};
    tpp_status rc = a ? TPP_OK : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK)
        rc = load_pack_meta(st, pack_sha, a, &meta, err);
    if (rc == TPP_OK)
        rc = tpp_store_prepare(
            st,
            "SELECT nip, name, unit_code, unit_name, position, grade, npwp, bank_name, "
            "bank_account, class, status, message, workdays, days_present, days_absent, "
            "days_missing_punch, days_excused, late_minutes, early_minutes, deferred, "
            "perf_missing, besaran, percent_bp, discipline_cut, performance_cut, tpp, "
            "pot_bulan_lalu, pot_hukdis, bpjs_employer, gross, bpjs_employee, deductions, "
            "net_before_tax, pph21, net FROM result WHERE run_id = ?1 ORDER BY unit_code, nip",
            &q, err);
    if (rc != TPP_OK)
        goto done;
    sqlite3_bind_int64(q, 1, run_id);
    int step;
    const char *prev_unit = NULL;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            tpp_payline *p = realloc(lines, nc * sizeof *p);
            if (p == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                goto done;
            }
            lines = p;
            cap = nc;
        }
        tpp_payline *l = &lines[n++];
        memset(l, 0, sizeof *l);
        const char **texts[] = {&l->nip,   &l->name, &l->unit_code, &l->unit_name,   &l->position,
                                &l->grade, &l->npwp, &l->bank_name, &l->bank_account};
        for (int i = 0; i < 9; i++)
            *texts[i] = dup_col(a, q, i);
        l->kelas = sqlite3_column_int(q, 9);
        l->ok = strcmp((const char *)sqlite3_column_text(q, 10), "ok") == 0;
        l->message = dup_col(a, q, 11);
        int32_t *ints[] = {&l->workdays,           &l->days_present, &l->days_absent,
                           &l->days_missing_punch, &l->days_excused, &l->late_minutes,
                           &l->early_minutes};
        for (int i = 0; i < 7; i++)
            *ints[i] = sqlite3_column_int(q, 12 + i);
        l->deferred = sqlite3_column_int(q, 19) != 0;
        l->perf_missing = sqlite3_column_int(q, 20) != 0;
        l->besaran = sqlite3_column_int64(q, 21);
        l->percent_bp = sqlite3_column_int(q, 22);
        tpp_money *money[] = {&l->discipline_cut, &l->performance_cut, &l->tpp,
                              &l->pot_bulan_lalu, &l->pot_hukdis,      &l->bpjs_employer,
                              &l->gross,          &l->bpjs_employee,   &l->deductions,
                              &l->net_before_tax, &l->pph21,           &l->net};
        for (int i = 0; i < 12; i++)
            *money[i] = sqlite3_column_int64(q, 23 + i);
        if (prev_unit == NULL || strcmp(prev_unit, l->unit_code) != 0)
            sum->n_units++;
        prev_unit = l->unit_code;
        if (!tpp_money_add(sum->total_net, l->net, &sum->total_net)) {
            rc = tpp_fail(err, TPP_ERR_OVERFLOW, TPP_NOLOC, "overflow summing the net total");
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read the run's results");
        goto done;
    }
    sum->n_lines = n;
    rc = tpp_mkdirs(out_dir, err);
    if (rc == TPP_OK && (formats & TPP_EXPORT_CSV)) {
        snprintf(sum->csv_path, sizeof sum->csv_path, "%s/tpp-%s.csv", out_dir, period);
        rc = tpp_export_csv(sum->csv_path, &meta, lines, n, err);
    }
    if (rc == TPP_OK && (formats & TPP_EXPORT_XLSX)) {
        snprintf(sum->xlsx_path, sizeof sum->xlsx_path, "%s/tpp-%s.xlsx", out_dir, period);
        rc = tpp_export_xlsx(sum->xlsx_path, &meta, lines, n, err);
    }
done:
    sqlite3_finalize(q);
    free(lines);
    tpp_arena_free(a);
    return rc;
}
