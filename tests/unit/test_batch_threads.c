/* The parallel phase: tpp_batch_run on a generated region of 400 employees (several OpenMP
 * chunks) with 1 and 2 threads gives the same summary and the same stored results, row by row,
 * trace included. Built with TPP_TSAN (the `tsan` preset) this is the ThreadSanitizer check of
 * the parallel evaluation; under ASan it is a determinism test of the library itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/store.h"
#include "engine/util.h"
#include "tests/check.h"
#include "tpp/batch.h"
#include "tpp/gen.h"
#include "tpp/import.h"
#include "tpp/rules.h"

static char tmp_dir[512];

/* SHA-256 of every stored column of a run's results but run_id, in NIP order. */
static void results_digest(tpp_store *st, int64_t run_id, char out[65])
{
    tpp_buf cols = {0}, rows = {0};
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(st->db, "SELECT name FROM pragma_table_info('result') ORDER BY cid",
                             -1, &q, NULL) == SQLITE_OK);
    while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0);
        if (strcmp(c, "run_id") == 0)
            continue;
        tpp_buf_printf(&cols, "%s quote(\"%s\")", cols.len ? " || '|' ||" : "", c);
    }
    sqlite3_finalize(q);
    char *sql = sqlite3_mprintf("SELECT %s FROM result WHERE run_id = %lld ORDER BY nip",
                                cols.data ? cols.data : "1", (long long)run_id);
    CHECK(sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK);
    size_t n = 0;
    while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
        tpp_buf_puts(&rows, (const char *)sqlite3_column_text(q, 0));
        tpp_buf_puts(&rows, "\n");
        n++;
    }
    sqlite3_finalize(q);
    sqlite3_free(sql);
    CHECK_I64(n, 400);
    tpp_sha256_hex(rows.data ? rows.data : "", rows.len, out);
    tpp_buf_release(&cols);
    tpp_buf_release(&rows);
}

static void run_month(tpp_store *st, int threads, tpp_run_summary *sum)
{
    tpp_run_options opt = {.year = 2025, .month = 1, .threads = threads};
    tpp_diags *d = tpp_diags_new(stderr);
    tpp_error err = {0};
    CHECK_OK(tpp_batch_run(st, &opt, d, sum, &err), &err);
    CHECK_I64(tpp_diags_errors(d), 0);
    CHECK_I64(sum->threads, threads);
    tpp_diags_free(d);
}

int main(void)
{
    const char *tmp = getenv("TPP_TEST_TMP");
    const char *src = getenv("TPP_SOURCE_DIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_batch_threads", tmp ? tmp : "/tmp");
    tpp_error err = {0};
    CHECK_OK(tpp_mkdirs(tmp_dir, &err), &err);
    char db[600], side[620], pack[600];
    snprintf(db, sizeof db, "%s/ws.db", tmp_dir);
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", db, (const char *[]){"", "-wal", "-shm"}[i]);
        unlink(side);
    }
    snprintf(pack, sizeof pack, "%s/rules/packs/samarinda-2022-illustrative.yaml",
             src ? src : TPP_SOURCE_DIR);

    tpp_gen_options gen = {.employees = 400, .year = 2025, .month = 1, .seed = 11};
    CHECK_OK(tpp_gen_region(tmp_dir, &gen, &err), &err);

    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_store *st = NULL;
    CHECK_OK(tpp_rules_load_file(pack, NULL, &rs, &text, &len, &err), &err);
    CHECK_OK(tpp_store_create(db, &st, &err), &err);
    if (rs == NULL || st == NULL)
        return CHECK_DONE();
    CHECK_OK(tpp_store_begin(st, &err), &err);
    CHECK_OK(tpp_store_add_pack(st, rs, text, len, &err), &err);
    CHECK_OK(tpp_store_commit(st, &err), &err);
    for (int k = 0; k <= TPP_KIND_HOLIDAYS; k++) { /* the kinds tpp gen writes */
        char path[700];
        snprintf(path, sizeof path, "%s/%s.csv", tmp_dir, tpp_import_kind_name(k));
        tpp_import_stats stats;
        CHECK_OK(tpp_import_file(st, rs, (tpp_import_kind)k, path, NULL, &stats, &err), &err);
    }

    tpp_run_summary one = {0}, two = {0}, again = {0};
    run_month(st, 1, &one);
    run_month(st, 2, &two);
    run_month(st, 2, &again);
    CHECK_I64(one.n_employees, 400);
    CHECK(one.total_tpp > 0);
    CHECK_I64(two.total_tpp, one.total_tpp);
    CHECK_I64(two.total_gross, one.total_gross);
    CHECK_I64(two.total_net, one.total_net);
    CHECK_I64(two.n_deferred, one.n_deferred);
    CHECK_I64(two.n_perf_missing, one.n_perf_missing);
    CHECK_I64(again.total_net, one.total_net);
    char d1[65], d2[65], d3[65];
    results_digest(st, one.run_id, d1);
    results_digest(st, two.run_id, d2);
    results_digest(st, again.run_id, d3);
    CHECK_STR(d2, d1);
    CHECK_STR(d3, d1);

    tpp_store_close(st);
    tpp_rules_free(rs);
    free(text);
    return CHECK_DONE();
}
