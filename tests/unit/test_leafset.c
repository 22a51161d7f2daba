/* The leaves of a run (engine/leafset.c) against a plain serial computation: every row's
 * canonical record hashed in (nip, line) order. The run is large enough to be read in parts on
 * connections of their own, its rows are stored out of NIP order and another run's rows lie
 * between them; the leaves must be the same for 1, 2 and 3 threads and for an in-memory
 * workspace, which is read on one connection. */
#include <omp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/audit_int.h"
#include "engine/canon.h"
#include "engine/sha256.h"
#include "engine/store.h"
#include "tests/check.h"
#include "tpp/audit.h"

#define ROWS 45000 /* more than two parts' worth (engine/leafset.c: MIN_PART_ROWS) */

/* ROWS result rows: x-th row NIP (x * 7919) mod 100003 (a permutation, so stored out of NIP
 * order), every seventh row of run 2, every eleventh of run 1 a second line; values and the
 * trace vary with x. */
static const char fill_sql[] =
    "PRAGMA foreign_keys = OFF;"
    "INSERT INTO run(id, period, pack_sha256, engine_version, threads, started_at, compute_ms, "
    "n_employees, n_errors, total_tpp, total_gross, total_net) VALUES "
    "(1, '2025-01', 'x', '0', 1, 't', 0, 0, 0, 0, 0, 0),"
    "(2, '2025-01', 'x', '0', 1, 't', 0, 0, 0, 0, 0, 0);"
    "WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x + 1 < 45000) "
    "INSERT INTO result SELECT CASE WHEN x % 7 = 0 THEN 2 ELSE 1 END, "
    "printf('%018d', (x * 7919) % 100003), 'Nama ' || x, '1.0' || (x % 9), 'OPD', 'Jabatan', "
    "'III/b', x % 17, '', 'BANK', printf('%010d', x), CASE WHEN x % 101 = 0 THEN 'error' ELSE "
    "'ok' END, '', 19, 19 - x % 3, x % 3, 0, 0, x % 90, 0, 0, 0, 4000000 + x, 10000, x, 0, "
    "4000000, 0, 0, 1000, 4001000, 500, 1500, 3998500, x % 1000, 3998500 - x % 1000, "
    "CAST(substr(hex(zeroblob(150)), 1, x % 300) || x AS BLOB), 1 + (x % 11 = 5) FROM s;";

/* The reference: one statement in leaf order, each record hashed as it comes. */
static void reference(tpp_store *st, tpp_leafset *ls)
{
    memset(ls, 0, sizeof *ls);
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT rowid, %s FROM result WHERE run_id = 1 ORDER BY nip, line",
             tpp_canon_columns_sql);
    sqlite3_stmt *q = NULL;
    CHECK(tpp_store_prepare(st, sql, &q, NULL) == TPP_OK);
    tpp_buf b = {0};
    while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
        CHECK(tpp_leafset_push(ls, (const char *)sqlite3_column_text(q, 1),
                               sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 0)));
        b.len = 0;
        tpp_canon_record(q, 1, "2025-01", &b);
        int tc = TPP_CANON_N_COLUMNS;
        size_t tlen = (size_t)sqlite3_column_bytes(q, tc);
        tpp_merkle_leaf_hash(b.data, b.len, ls->hash[ls->n - 1]);
        tpp_sha256_of(b.data + b.len - 5 - tlen, tlen, ls->trace_hash[ls->n - 1]);
    }
    sqlite3_finalize(q);
    tpp_buf_release(&b);
}

/* Same keys and hashes; rowids only when both came from one table. */
static void check_same(const tpp_leafset *got, const tpp_leafset *want, bool rowids,
                       const char *what)
{
    CHECK_I64(got->n, want->n);
    size_t bad = 0;
    for (size_t i = 0; i < got->n && i < want->n; i++)
        bad += strcmp(got->nip[i], want->nip[i]) != 0 || got->line[i] != want->line[i] ||
               (rowids && got->rowid[i] != want->rowid[i]) ||
               memcmp(got->hash[i], want->hash[i], 32) != 0 ||
               memcmp(got->trace_hash[i], want->trace_hash[i], 32) != 0;
    if (bad)
        fprintf(stderr, "%s: %zu leaves differ\n", what, bad);
    CHECK(bad == 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const char *tmp = getenv("TPP_TEST_TMP");
    char db[512];
    snprintf(db, sizeof db, "%s/leafset.db", tmp && tmp[0] ? tmp : ".");
    unlink(db);
    tpp_store *st = NULL;
    tpp_error err = {0};
    CHECK(tpp_store_create(db, &st, &err) == TPP_OK);
    if (st == NULL)
        return CHECK_DONE();
    CHECK(tpp_store_exec(st, fill_sql, &err) == TPP_OK);

    tpp_leafset want, got;
    reference(st, &want);
    CHECK(want.n > 2 * 16384);
    /* the fixture is what it claims: rows out of NIP order, lines 2 among them */
    bool out_of_order = false, has_line2 = false;
    for (size_t i = 1; i < want.n; i++) {
        out_of_order |= want.rowid[i] < want.rowid[i - 1];
        has_line2 |= want.line[i] == 2;
    }
    CHECK(out_of_order);
    CHECK(has_line2);

    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        CHECK(tpp_leafset_of_run(st, 1, "2025-01", &got, &err) == TPP_OK);
        char what[32];
        snprintf(what, sizeof what, "%d threads", t);
        check_same(&got, &want, true, what);
        tpp_leafset_release(&got);
    }

    /* An in-memory workspace cannot be opened again: read on its one connection. */
    tpp_store *mem = NULL;
    CHECK(tpp_store_create(":memory:", &mem, &err) == TPP_OK);
    if (mem != NULL) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "PRAGMA foreign_keys = OFF; ATTACH '%s' AS f; INSERT INTO main.run SELECT * FROM "
                 "f.run; INSERT INTO main.result SELECT * FROM f.result ORDER BY rowid; DETACH f;",
                 db);
        CHECK(tpp_store_exec(mem, sql, &err) == TPP_OK);
        omp_set_num_threads(2);
        CHECK(tpp_leafset_of_run(mem, 1, "2025-01", &got, &err) == TPP_OK);
        check_same(&got, &want, false, "in memory");
        tpp_leafset_release(&got);
        tpp_store_close(mem);
    }

    /* A run without rows has no leaves. */
    CHECK(tpp_leafset_of_run(st, 9, "2025-01", &got, &err) == TPP_OK);
    CHECK_I64(got.n, 0);
    tpp_leafset_release(&got);

    tpp_leafset_release(&want);
    tpp_store_close(st);
    unlink(db);
    char side[520];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    return CHECK_DONE();
}
