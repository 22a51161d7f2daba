/* The leaves of a run (docs/canonical-trace.md §3): one hash per result row, by NIP, then line.
 *
 * The keys come first, from the result table's key index alone (it covers rowid, nip and line,
 * so no row is read). The rows are then read in rowid order -- the order the table keeps them,
 * one sequential pass -- in as many parts as there are threads, each part on its own read
 * connection (a SQLite connection is used by one thread at a time), and every row's canonical
 * record is hashed by the thread that read it into the slot of its leaf. A leaf depends only on
 * its row, so the hashes, and the root, do not depend on the thread count. Reading and
 * composing the records on one thread while the other hashed them was the whole of a national
 * finalize. A store that cannot be opened twice (an in-memory workspace) is read on one part. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/audit_int.h"
#include "engine/canon.h"
#include "engine/sha256.h"
#include "engine/store.h"

/* Below this many rows a part is not worth a connection of its own. */
#define MIN_PART_ROWS 16384

void tpp_leafset_release(tpp_leafset *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->nip[i]);
    free(ls->nip);
    free(ls->hash);
    free(ls->trace_hash);
    free(ls->rowid);
    free(ls->line);
    memset(ls, 0, sizeof *ls);
}

bool tpp_leafset_push(tpp_leafset *ls, const char *nip, int64_t line, int64_t rowid)
{
    if (ls->n == ls->cap) {
        size_t nc = ls->cap ? ls->cap * 2 : 64;
        uint8_t(*h)[32] = realloc(ls->hash, nc * sizeof *h);
        if (h)
            ls->hash = h;
        uint8_t(*t)[32] = realloc(ls->trace_hash, nc * sizeof *t);
        if (t)
            ls->trace_hash = t;
        char **n = realloc(ls->nip, nc * sizeof *n);
        if (n)
            ls->nip = n;
        int64_t *r = realloc(ls->rowid, nc * sizeof *r);
        if (r)
            ls->rowid = r;
        int64_t *l = realloc(ls->line, nc * sizeof *l);
        if (l)
            ls->line = l;
        if (!h || !t || !n || !r || !l)
            return false;
        ls->cap = nc;
    }
    ls->nip[ls->n] = strdup(nip);
    if (ls->nip[ls->n] == NULL)
        return false;
    ls->rowid[ls->n] = rowid;
    ls->line[ls->n] = line;
    ls->n++;
    return true;
}

/* The run's keys in leaf order (with room for their hashes). */
static tpp_status read_keys(tpp_store *st, int64_t run_id, tpp_leafset *ls, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(
        st, "SELECT rowid, nip, line FROM result WHERE run_id = ?1 ORDER BY nip, line", &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    tpp_status rc = TPP_OK;
    int step;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *nip = sqlite3_column_text(q, 1);
        if (!tpp_leafset_push(ls, nip ? (const char *)nip : "", sqlite3_column_int64(q, 2),
                              sqlite3_column_int64(q, 0)))
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's results");
    sqlite3_finalize(q);
    return rc;
}

/* Leaf numbers in rowid order: the order one pass over the table meets them. */
typedef struct by_rowid {
    int64_t rowid;
    size_t leaf;
} by_rowid;

static int cmp_rowid(const void *a, const void *b)
{
    int64_t x = ((const by_rowid *)a)->rowid, y = ((const by_rowid *)b)->rowid;
    return x < y ? -1 : x > y;
}

static size_t *table_order(const tpp_leafset *ls)
{
    size_t n = ls->n ? ls->n : 1;
    size_t *order = malloc(n * sizeof *order);
    if (order == NULL)
        return NULL;
    bool sorted = true;
    for (size_t i = 0; i < ls->n; i++) {
        order[i] = i;
        if (i > 0 && ls->rowid[i] < ls->rowid[i - 1])
            sorted = false;
    }
    if (sorted) /* a run is stored in NIP order (engine/batch.c) */
        return order;
    by_rowid *pairs = malloc(n * sizeof *pairs);
    if (pairs == NULL) {
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < ls->n; i++)
        pairs[i] = (by_rowid){ls->rowid[i], i};
    qsort(pairs, ls->n, sizeof *pairs, cmp_rowid);
    for (size_t i = 0; i < ls->n; i++)
        order[i] = pairs[i].leaf;
    free(pairs);
    return order;
}

/* The leaves order[from..to) hash, read from st. Each row read must be the next one expected:
 * the rows of the run between the part's first and last rowid are exactly the part's. */
static tpp_status hash_part(tpp_store *st, int64_t run_id, const char *period, tpp_leafset *ls,
                            const size_t *order, size_t from, size_t to, tpp_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT rowid, %s FROM result WHERE rowid BETWEEN ?1 AND ?2 AND +run_id = ?3 "
             "ORDER BY rowid",
             tpp_canon_columns_sql);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, sql, &q, err));
    sqlite3_bind_int64(q, 1, ls->rowid[order[from]]);
    sqlite3_bind_int64(q, 2, ls->rowid[order[to - 1]]);
    sqlite3_bind_int64(q, 3, run_id);
    tpp_buf b = {0};
    tpp_status rc = TPP_OK;
    size_t k = from;
    int step;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (k == to || sqlite3_column_int64(q, 0) != ls->rowid[order[k]]) {
            rc = tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                          "the run's results changed while they were read");
            break;
        }
        size_t leaf = order[k++];
        b.len = 0;
        tpp_canon_record(q, 1, period, &b);
        if (b.oom) {
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            break;
        }
        /* the record ends with the trace's bytes, then "\nend\n" (engine/canon.c) */
        int tc = 1 + TPP_CANON_N_COLUMNS - 1;
        size_t tlen = sqlite3_column_blob(q, tc) ? (size_t)sqlite3_column_bytes(q, tc) : 0;
        tpp_merkle_leaf_hash(b.data, b.len, ls->hash[leaf]);
        tpp_sha256_of(b.data + b.len - 5 - tlen, tlen, ls->trace_hash[leaf]);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's results");
    if (rc == TPP_OK && k != to)
        rc = tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "the run's results changed while they were read");
    sqlite3_finalize(q);
    tpp_buf_release(&b);
    return rc;
}

/* A part on a connection of its own. */
static tpp_status hash_part_apart(const char *path, int64_t run_id, const char *period,
                                  tpp_leafset *ls, const size_t *order, size_t from, size_t to,
                                  tpp_error *err)
{
    tpp_store *own = NULL;
    TPP_TRY(tpp_store_open(path, &own, err));
    /* every row is read once: a large page cache would only hold pages never read again */
    tpp_status rc = tpp_store_exec(own, "PRAGMA cache_size = -8192", err);
    if (rc == TPP_OK)
        rc = hash_part(own, run_id, period, ls, order, from, to, err);
    tpp_store_close(own);
    return rc;
}

tpp_status tpp_leafset_of_run(tpp_store *st, int64_t run_id, const char *period, tpp_leafset *ls,
                              tpp_error *err)
{
    memset(ls, 0, sizeof *ls);
    tpp_status rc = read_keys(st, run_id, ls, err);
    size_t *order = rc == TPP_OK ? table_order(ls) : NULL;
    if (rc == TPP_OK && order == NULL)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc != TPP_OK || ls->n == 0)
        goto done;

    /* Other connections see what is committed; the results a caller hashes always are (a
     * finalize reads them before it writes anything). */
    bool apart = strcmp(st->path, ":memory:") != 0 && st->path[0] != '\0';
    size_t parts = apart ? (size_t)omp_get_max_threads() : 1;
    if (parts > ls->n / MIN_PART_ROWS)
        parts = ls->n / MIN_PART_ROWS;
    if (parts <= 1) {
        rc = hash_part(st, run_id, period, ls, order, 0, ls->n, err);
        goto done;
    }
    tpp_status *part_rc = calloc(parts, sizeof *part_rc);
    tpp_error *part_err = calloc(parts, sizeof *part_err);
    if (part_rc == NULL || part_err == NULL) {
        free(part_rc);
        free(part_err);
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
#pragma omp parallel for schedule(static, 1) num_threads((int)parts)
    for (size_t p = 0; p < parts; p++) {
        size_t from = ls->n * p / parts, to = ls->n * (p + 1) / parts;
        part_rc[p] = hash_part_apart(st->path, run_id, period, ls, order, from, to, &part_err[p]);
    }
    /* the first part's failure is the one reported, whatever the timing */
    for (size_t p = 0; p < parts && rc == TPP_OK; p++)
        if (part_rc[p] != TPP_OK) {
            rc = part_rc[p];
            *err = part_err[p];
            if (err->at.path != NULL) /* it pointed into part_err[p] */
                err->at.path = err->path;
        }
    free(part_rc);
    free(part_err);

done:
    free(order);
    if (rc != TPP_OK)
        tpp_leafset_release(ls);
    return rc;
}
