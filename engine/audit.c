/* Seals and their audit: finalize a run into a Merkle root chained to the previous seal, verify
 * every seal against what the workspace holds now, and issue inclusion proofs. The formats are
 * specified in docs/canonical-trace.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/audit_int.h"
#include "engine/canon.h"
#include "engine/store.h"
#include "engine/trace_read.h"
#include "tpp/audit.h"

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* The triggers of engine/schema.sql that keep sealed rows read-only. */
static const char *const seal_triggers[] = {
    "seal_no_update",
    "seal_no_delete",
    "seal_leaf_no_update",
    "seal_leaf_no_delete",
    "run_sealed_no_update",
    "run_sealed_no_delete",
    "result_sealed_no_insert",
    "result_sealed_no_update",
    "result_sealed_no_delete",
    "run_input_sealed_no_insert",
    "run_input_sealed_no_update",
    "run_input_sealed_no_delete",
    "input_file_sealed_no_update",
    "input_file_sealed_no_delete",
    "input_chunk_sealed_no_update",
    "input_chunk_sealed_no_delete",
    "input_chunk_sealed_no_insert",
    "rule_pack_sealed_no_update",
    "rule_pack_sealed_no_delete",
    "run_pack_sealed_no_change",
    "run_pack_sealed_no_delete",
    "run_pack_sealed_no_insert",
    "rule_pack_later_sealed_no_update",
    "rule_pack_later_sealed_no_delete",
};

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

static void copy_col(sqlite3_stmt *q, int i, char *dst, size_t size)
{
    snprintf(dst, size, "%s", col_text(q, i));
}

/* ---- seal header ------------------------------------------------------------------------ */

static void put_field(tpp_buf *b, const char *key, const char *s)
{
    tpp_buf_printf(b, "%s %zu:%s\n", key, strlen(s), s);
}

/* The canonical seal header (docs/canonical-trace.md §4); its SHA-256 is the seal hash.
 * Header 2 (since schema 10) adds `packs`, the digest of every pack version the run computed under
 * (run_pack), so that a later version of a split month is sealed by the seal itself and not
 * only through the `segment` steps of the traces. */
void tpp_seal_header(const tpp_seal_info *s, tpp_buf *b)
{
    char num[32];
    tpp_buf_puts(b, "tpp-seal 2\n");
    put_field(b, "period", s->period);
    snprintf(num, sizeof num, "%d", s->revision);
    put_field(b, "revision", num);
    snprintf(num, sizeof num, "%lld", (long long)s->run_id);
    put_field(b, "run", num);
    snprintf(num, sizeof num, "%d", s->canon_version);
    put_field(b, "canon", num);
    put_field(b, "engine", s->engine_version);
    put_field(b, "pack", s->pack_sha256);
    put_field(b, "packs", s->packs_sha256);
    put_field(b, "inputs", s->inputs_sha256);
    snprintf(num, sizeof num, "%lld", (long long)s->n_leaves);
    put_field(b, "leaves", num);
    put_field(b, "root", s->merkle_root);
    put_field(b, "totals", s->totals);
    put_field(b, "accept_incomplete", s->accept_incomplete);
    put_field(b, "prev", s->prev_seal_hash);
    put_field(b, "sealed_at", s->sealed_at);
    tpp_buf_puts(b, "end\n");
}

static tpp_status seal_hash(const tpp_seal_info *s, char out[65], tpp_error *err)
{
    tpp_buf b = {0};
    tpp_seal_header(s, &b);
    if (b.oom) {
        tpp_buf_release(&b);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    tpp_sha256_hex(b.data, b.len, out);
    tpp_buf_release(&b);
    return TPP_OK;
}

/* SHA-256 over "tpp-packs 1\n" and one "seq sha256 from_date to_date\n" per pack version of
 * the run (table run_pack), in seq order. */
void tpp_packs_digest(const tpp_run_pack_row *rows, size_t n, char out[65])
{
    tpp_sha256 h;
    tpp_sha256_init(&h);
    tpp_sha256_update(&h, "tpp-packs 1\n", 12);
    for (size_t i = 0; i < n; i++) {
        char line[160];
        int len = snprintf(line, sizeof line, "%lld %s %s %s\n", (long long)rows[i].seq,
                           rows[i].sha256, rows[i].from, rows[i].to);
        tpp_sha256_update(&h, line, (size_t)(len < (int)sizeof line ? len : 159));
    }
    uint8_t d[32];
    tpp_sha256_final(&h, d);
    tpp_hex_encode(d, 32, out);
}

/* The run's run_pack rows, in seq order (*rows: heap memory, free()). */
static tpp_status run_packs(tpp_store *st, int64_t run_id, tpp_run_pack_row **rows, size_t *n,
                            tpp_error *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT seq, pack_sha256, from_date, to_date FROM run_pack WHERE "
                              "run_id = ?1 ORDER BY seq",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    size_t cap = 0;
    int step;
    tpp_status rc = TPP_OK;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            tpp_run_pack_row *r = realloc(*rows, cap * sizeof *r);
            if (r == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            *rows = r;
        }
        tpp_run_pack_row *r = &(*rows)[(*n)++];
        r->seq = sqlite3_column_int64(q, 0);
        copy_col(q, 1, r->sha256, sizeof r->sha256);
        copy_col(q, 2, r->from, sizeof r->from);
        copy_col(q, 3, r->to, sizeof r->to);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the run's packs");
    sqlite3_finalize(q);
    if (rc != TPP_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

static tpp_status packs_digest_of_run(tpp_store *st, int64_t run_id, char out[65], tpp_error *err)
{
    tpp_run_pack_row *rows;
    size_t n;
    TPP_TRY(run_packs(st, run_id, &rows, &n, err));
    tpp_packs_digest(rows, n, out);
    free(rows);
    return TPP_OK;
}

/* SHA-256 over "tpp-inputs 1\n" and one "file_id kind sha256\n" per input of the run, by id;
 * a file imported with recorded options (input_file.options, schema 6) has " options=" and the
 * SHA-256 of that text before the LF, so the way each file is read is sealed too. Files without
 * options hash as before, which keeps older seals valid. */
static tpp_status inputs_digest(tpp_store *st, int64_t run_id, char out[65], size_t *n,
                                tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT ri.file_id, ri.kind, ri.sha256, f.options FROM run_input "
                              "ri LEFT JOIN input_file f ON f.id = ri.file_id WHERE ri.run_id = "
                              "?1 ORDER BY ri.file_id",
                              &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    tpp_sha256 h;
    tpp_sha256_init(&h);
    tpp_sha256_update(&h, "tpp-inputs 1\n", 13);
    *n = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        char line[256], oh[65] = "";
        const char *options = col_text(q, 3);
        if (options[0] != '\0')
            tpp_sha256_hex(options, strlen(options), oh);
        int len = snprintf(line, sizeof line, "%lld %s %s%s%s\n",
                           (long long)sqlite3_column_int64(q, 0), col_text(q, 1), col_text(q, 2),
                           oh[0] ? " options=" : "", oh);
        tpp_sha256_update(&h, line, (size_t)(len < (int)sizeof line ? len : 255));
        (*n)++;
    }
    tpp_status rc =
        step == SQLITE_DONE ? TPP_OK : tpp_store_fail(st, err, "cannot read the run's inputs");
    sqlite3_finalize(q);
    uint8_t d[32];
    tpp_sha256_final(&h, d);
    tpp_hex_encode(d, 32, out);
    return rc;
}

/* ---- reading seals ---------------------------------------------------------------------- */

#define SEAL_COLUMNS                                                                            \
    "id, run_id, period, revision, canon_version, engine_version, pack_sha256, inputs_sha256, " \
    "n_leaves, merkle_root, totals, accept_incomplete, prev_seal_hash, sealed_at, seal_hash, "  \
    "packs_sha256"

static void seal_from_row(sqlite3_stmt *q, tpp_seal_info *s)
{
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(q, 0);
    s->run_id = sqlite3_column_int64(q, 1);
    copy_col(q, 2, s->period, sizeof s->period);
    s->revision = sqlite3_column_int(q, 3);
    s->canon_version = sqlite3_column_int(q, 4);
    copy_col(q, 5, s->engine_version, sizeof s->engine_version);
    copy_col(q, 6, s->pack_sha256, sizeof s->pack_sha256);
    copy_col(q, 7, s->inputs_sha256, sizeof s->inputs_sha256);
    s->n_leaves = sqlite3_column_int64(q, 8);
    copy_col(q, 9, s->merkle_root, sizeof s->merkle_root);
    copy_col(q, 10, s->totals, sizeof s->totals);
    copy_col(q, 11, s->accept_incomplete, sizeof s->accept_incomplete);
    copy_col(q, 12, s->prev_seal_hash, sizeof s->prev_seal_hash);
    copy_col(q, 13, s->sealed_at, sizeof s->sealed_at);
    copy_col(q, 14, s->seal_hash, sizeof s->seal_hash);
    copy_col(q, 15, s->packs_sha256, sizeof s->packs_sha256);
}

static tpp_status seal_query(tpp_store *st, const char *where, int64_t a, const char *b,
                             tpp_seal_info *out, const char *missing, tpp_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " SEAL_COLUMNS " FROM seal WHERE %s", where);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, sql, &q, err));
    sqlite3_bind_int64(q, 1, a);
    if (b != NULL)
        sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW)
        seal_from_row(q, out);
    else if (step == SQLITE_DONE)
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "%s", missing);
    else
        rc = tpp_store_fail(st, err, "cannot read seals");
    sqlite3_finalize(q);
    return rc;
}

tpp_status tpp_seal_of_run(tpp_store *st, int64_t run_id, tpp_seal_info *out, tpp_error *err)
{
    char msg[96];
    snprintf(msg, sizeof msg, "run %lld is not sealed", (long long)run_id);
    return seal_query(st, "run_id = ?1", run_id, NULL, out, msg, err);
}

tpp_status tpp_seal_of_period(tpp_store *st, int year, int month, tpp_seal_info *out,
                              tpp_error *err)
{
    char period[16], msg[96];
    snprintf(period, sizeof period, "%04d-%02d", year, month);
    snprintf(msg, sizeof msg, "period %s is not sealed (seal it with 'tpp finalize')", period);
    return seal_query(st, "period = ?2 ORDER BY revision DESC LIMIT 1", 0, period, out, msg, err);
}

/* ---- finalize --------------------------------------------------------------------------- */

tpp_status tpp_finalize_gate_default(tpp_store *st, int64_t run_id, void *user, tpp_diags *diags,
                                     size_t *n_blocking, tpp_error *err)
{
    (void)user;
    *n_blocking = 0;
    sqlite3_stmt *q = NULL;
    /* One pass over the run's rows in table order (its rowids, from the key index alone), the
     * few blocking ones sorted after: walking the key index fetched every row by its rowid, a
     * fifth of a finalize. */
    TPP_TRY(tpp_store_prepare(
        st,
        "SELECT nip, status, message, perf_missing FROM result WHERE rowid BETWEEN "
        "(SELECT min(rowid) FROM result WHERE run_id = ?1) AND "
        "(SELECT max(rowid) FROM result WHERE run_id = ?1) AND +run_id = ?1 "
        "AND (status <> 'ok' OR perf_missing <> 0) ORDER BY nip, line",
        &q, err));
    sqlite3_bind_int64(q, 1, run_id);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        (*n_blocking)++;
        if (strcmp(col_text(q, 1), "ok") != 0)
            tpp_diag_error(diags, TPP_NOLOC, "employee '%s' could not be computed: %s",
                           col_text(q, 0), col_text(q, 2));
        else
            tpp_diag_error(diags, TPP_NOLOC, "employee '%s' has no performance data",
                           col_text(q, 0));
    }
    tpp_status rc =
        step == SQLITE_DONE ? TPP_OK : tpp_store_fail(st, err, "cannot read the run's results");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status insert_seal(tpp_store *st, tpp_seal_info *s, const tpp_leafset *ls,
                              tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "INSERT INTO seal(run_id, period, revision, canon_version, "
                              "engine_version, pack_sha256, inputs_sha256, n_leaves, merkle_root, "
                              "totals, accept_incomplete, prev_seal_hash, sealed_at, seal_hash, "
                              "packs_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              &q, err));
    sqlite3_bind_int64(q, 1, s->run_id);
    sqlite3_bind_text(q, 2, s->period, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, s->revision);
    sqlite3_bind_int(q, 4, s->canon_version);
    sqlite3_bind_text(q, 5, s->engine_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, s->pack_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, s->inputs_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, s->n_leaves);
    sqlite3_bind_text(q, 9, s->merkle_root, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, s->totals, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 11, s->accept_incomplete, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 12, s->prev_seal_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, s->sealed_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 14, s->seal_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 15, s->packs_sha256, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot store the seal");
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        return rc;
    s->id = sqlite3_last_insert_rowid(st->db);

    TPP_TRY(tpp_store_prepare(st,
                              "INSERT INTO seal_leaf(seal_id, idx, nip, leaf_hash, trace_sha256, "
                              "line) VALUES (?,?,?,?,?,?)",
                              &q, err));
    for (size_t i = 0; i < ls->n && rc == TPP_OK; i++) {
        char h[65], t[65];
        tpp_hex_encode(ls->hash[i], 32, h);
        tpp_hex_encode(ls->trace_hash[i], 32, t);
        sqlite3_bind_int64(q, 1, s->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_text(q, 3, ls->nip[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, t, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 6, ls->line[i]);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = tpp_store_fail(st, err, "cannot store a seal leaf");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    return rc;
}

static tpp_status finalize_locked(tpp_store *st, const tpp_finalize_options *opt, tpp_diags *diags,
                                  size_t *n_blocking, tpp_seal_info *s, tpp_error *err)
{
    char period[16];
    snprintf(period, sizeof period, "%04d-%02d", opt->year, opt->month);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT id, state, pack_sha256, engine_version, n_employees, "
                              "n_errors, total_tpp, total_gross, total_net FROM run WHERE "
                              "period = ?1 AND (?2 = 0 OR id = ?2) ORDER BY id DESC LIMIT 1",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, opt->run_id);
    int step = sqlite3_step(q);
    if (step != SQLITE_ROW) {
        sqlite3_finalize(q);
        if (step != SQLITE_DONE)
            return tpp_store_fail(st, err, "cannot read runs");
        if (opt->run_id > 0)
            return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "run %lld is not a run of %s",
                            (long long)opt->run_id, period);
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "no run for %s (compute one with 'tpp run --period %s')", period, period);
    }
    memset(s, 0, sizeof *s);
    s->run_id = sqlite3_column_int64(q, 0);
    bool draft = strcmp(col_text(q, 1), "draft") == 0;
    copy_col(q, 2, s->pack_sha256, sizeof s->pack_sha256);
    copy_col(q, 3, s->engine_version, sizeof s->engine_version);
    snprintf(s->totals, sizeof s->totals, "%lld %lld %lld %lld %lld",
             (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 5),
             (long long)sqlite3_column_int64(q, 6), (long long)sqlite3_column_int64(q, 7),
             (long long)sqlite3_column_int64(q, 8));
    sqlite3_finalize(q);
    if (!draft)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "run %lld is already final",
                        (long long)s->run_id);

    /* One seal per period and revision; corrections are new revisions (not yet built). */
    tpp_seal_info other;
    tpp_error e2 = {0};
    tpp_status rc = tpp_seal_of_period(st, opt->year, opt->month, &other, &e2);
    if (rc == TPP_OK)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "%s is already sealed by run %lld (seal %.16s...); a correction must be "
                        "a new revision",
                        period, (long long)other.run_id, other.seal_hash);
    if (rc != TPP_ERR_INVALID) {
        *err = e2;
        return rc;
    }

    tpp_finalize_gate_fn gate = opt->gate ? opt->gate : tpp_finalize_gate_default;
    TPP_TRY(gate(st, s->run_id, opt->gate_user, diags, n_blocking, err));
    bool accepted = opt->accept_incomplete != NULL && opt->accept_incomplete[0] != '\0';
    if (*n_blocking > 0 && !accepted)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "run %lld has %zu employee(s) that block sealing; fix the data and run "
                        "again, or seal anyway with --accept-incomplete \"reason\"",
                        (long long)s->run_id, *n_blocking);
    if (accepted)
        snprintf(s->accept_incomplete, sizeof s->accept_incomplete, "%zu blocking: %s", *n_blocking,
                 opt->accept_incomplete);

    tpp_leafset ls;
    TPP_TRY(tpp_leafset_of_run(st, s->run_id, period, &ls, err));
    uint8_t root[32];
    tpp_merkle_root((const uint8_t(*)[32])ls.hash, ls.n, root);
    tpp_hex_encode(root, 32, s->merkle_root);
    s->n_leaves = (int64_t)ls.n;
    snprintf(s->period, sizeof s->period, "%.7s", period);
    s->revision = 0;
    s->canon_version = TPP_CANON_VERSION;
    tpp_now_iso(s->sealed_at);
    size_t n_inputs;
    rc = inputs_digest(st, s->run_id, s->inputs_sha256, &n_inputs, err);
    if (rc == TPP_OK)
        rc = packs_digest_of_run(st, s->run_id, s->packs_sha256, err);

    /* The chain: the hash of the workspace's latest seal, whatever its period. */
    if (rc == TPP_OK)
        rc = tpp_store_prepare(st, "SELECT seal_hash FROM seal ORDER BY id DESC LIMIT 1", &q, err);
    if (rc == TPP_OK) {
        step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            copy_col(q, 0, s->prev_seal_hash, sizeof s->prev_seal_hash);
        else if (step == SQLITE_DONE)
            memcpy(s->prev_seal_hash, zero_hash, sizeof zero_hash);
        else
            rc = tpp_store_fail(st, err, "cannot read seals");
        sqlite3_finalize(q);
    }
    if (rc == TPP_OK)
        rc = seal_hash(s, s->seal_hash, err);
    if (rc == TPP_OK)
        rc = insert_seal(st, s, &ls, err);
    tpp_leafset_release(&ls);
    if (rc != TPP_OK)
        return rc;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE run SET state = 'final' WHERE id = %lld",
             (long long)s->run_id);
    return tpp_store_exec(st, sql, err);
}

tpp_status tpp_finalize(tpp_store *st, const tpp_finalize_options *opt, tpp_diags *diags,
                        size_t *n_blocking, tpp_seal_info *out, tpp_error *err)
{
    size_t blocking = 0;
    TPP_TRY(tpp_store_begin(st, err));
    tpp_status rc = finalize_locked(st, opt, diags, &blocking, out, err);
    if (n_blocking != NULL)
        *n_blocking = blocking;
    if (rc != TPP_OK) {
        tpp_store_rollback(st);
        return rc;
    }
    return tpp_store_commit(st, err);
}

/* ---- audit verify ----------------------------------------------------------------------- */

typedef struct audit_ctx {
    tpp_store *st;
    tpp_audit_report_fn report;
    void *user;
    tpp_audit_summary *sum;
} audit_ctx;

static void finding(audit_ctx *a, const char *table, int64_t row, const char *nip, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));
static void finding(audit_ctx *a, const char *table, int64_t row, const char *nip, const char *fmt,
                    ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    a->sum->n_findings++;
    if (a->report) {
        tpp_audit_finding f = {table, row, nip ? nip : "", what};
        a->report(a->user, &f);
    }
}

static const char *const run_cols[] = {"n_employees", "n_errors", "total_tpp", "total_gross",
                                       "total_net"};

static tpp_status check_run(audit_ctx *a, const tpp_seal_info *s, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(a->st,
                              "SELECT period, state, pack_sha256, engine_version, n_employees, "
                              "n_errors, total_tpp, total_gross, total_net FROM run WHERE id = ?1",
                              &q, err));
    sqlite3_bind_int64(q, 1, s->run_id);
    int step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
        finding(a, "run", s->run_id, "", "run %lld sealed by seal %lld is missing (deleted)",
                (long long)s->run_id, (long long)s->id);
    } else if (step == SQLITE_ROW) {
        if (strcmp(col_text(q, 0), s->period) != 0)
            finding(a, "run", s->run_id, "", "column period is '%s', sealed '%s'", col_text(q, 0),
                    s->period);
        if (strcmp(col_text(q, 1), "final") != 0)
            finding(a, "run", s->run_id, "", "column state is '%s' but the run is sealed",
                    col_text(q, 1));
        if (strcmp(col_text(q, 2), s->pack_sha256) != 0)
            finding(a, "run", s->run_id, "", "column pack_sha256 is %.16s..., sealed %.16s...",
                    col_text(q, 2), s->pack_sha256);
        if (strcmp(col_text(q, 3), s->engine_version) != 0)
            finding(a, "run", s->run_id, "", "column engine_version is '%s', sealed '%s'",
                    col_text(q, 3), s->engine_version);
        long long sealed[5] = {0};
        if (sscanf(s->totals, "%lld %lld %lld %lld %lld", &sealed[0], &sealed[1], &sealed[2],
                   &sealed[3], &sealed[4]) == 5) {
            for (int i = 0; i < 5; i++) {
                long long v = (long long)sqlite3_column_int64(q, 4 + i);
                if (v != sealed[i])
                    finding(a, "run", s->run_id, "", "column %s is %lld, sealed %lld", run_cols[i],
                            v, sealed[i]);
            }
        }
    }
    tpp_status rc = step == SQLITE_ROW || step == SQLITE_DONE
                        ? TPP_OK
                        : tpp_store_fail(a->st, err, "cannot read runs");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status check_inputs(audit_ctx *a, const tpp_seal_info *s, tpp_error *err)
{
    char digest[65];
    size_t n;
    TPP_TRY(inputs_digest(a->st, s->run_id, digest, &n, err));
    if (strcmp(digest, s->inputs_sha256) != 0)
        finding(a, "run_input", s->run_id, "",
                "the input files listed for run %lld are not those sealed (rows added, removed "
                "or changed)",
                (long long)s->run_id);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(a->st,
                              "SELECT ri.file_id, ri.kind, ri.sha256, f.id, f.kind, f.sha256, "
                              "f.path FROM run_input ri LEFT JOIN input_file f ON "
                              "f.id = ri.file_id WHERE ri.run_id = ?1 ORDER BY ri.file_id",
                              &q, err));
    sqlite3_bind_int64(q, 1, s->run_id);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        a->sum->n_inputs++;
        if (sqlite3_column_type(q, 3) == SQLITE_NULL) {
            finding(a, "input_file", id, "", "input file %lld (%s) read by run %lld is missing",
                    (long long)id, col_text(q, 1), (long long)s->run_id);
            continue;
        }
        /* The file's bytes are its content column followed by its chunks (large files are
         * stored in chunks as they are read); tampering with either changes the hash. */
        char h[65];
        bool found;
        tpp_status hrc = tpp_store_file_sha256(a->st, id, h, &found, err);
        if (hrc != TPP_OK) {
            sqlite3_finalize(q);
            return hrc;
        }
        if (strcmp(h, col_text(q, 2)) != 0)
            finding(a, "input_file", id, "",
                    "content of %s file '%s' does not match its sealed SHA-256 %.16s... (now "
                    "%.16s...)",
                    col_text(q, 4), col_text(q, 6), col_text(q, 2), h);
        if (strcmp(col_text(q, 5), col_text(q, 2)) != 0)
            finding(a, "input_file", id, "", "column sha256 is %.16s..., sealed %.16s...",
                    col_text(q, 5), col_text(q, 2));
        if (strcmp(col_text(q, 4), col_text(q, 1)) != 0)
            finding(a, "input_file", id, "", "column kind is '%s', sealed '%s'", col_text(q, 4),
                    col_text(q, 1));
    }
    tpp_status rc =
        step == SQLITE_DONE ? TPP_OK : tpp_store_fail(a->st, err, "cannot read input files");
    sqlite3_finalize(q);
    return rc;
}

/* The text of a pack the run used must still hash to the SHA-256 it was sealed under. */
static tpp_status check_pack_text(audit_ctx *a, const tpp_seal_info *s, const char *sha,
                                  tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(a->st, "SELECT id, text FROM rule_pack WHERE sha256 = ?1", &q, err));
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
        finding(a, "rule_pack", 0, "",
                "no rule pack with the SHA-256 sealed for run %lld (%.16s...): deleted or its "
                "sha256 column changed",
                (long long)s->run_id, sha);
    } else if (step == SQLITE_ROW) {
        char h[65];
        const void *text = sqlite3_column_blob(q, 1);
        tpp_sha256_hex(text ? text : "", (size_t)sqlite3_column_bytes(q, 1), h);
        if (strcmp(h, sha) != 0)
            finding(a, "rule_pack", sqlite3_column_int64(q, 0), "",
                    "text does not match its sealed SHA-256 %.16s... (now %.16s...)", sha, h);
    }
    tpp_status rc = step == SQLITE_ROW || step == SQLITE_DONE
                        ? TPP_OK
                        : tpp_store_fail(a->st, err, "cannot read rule packs");
    sqlite3_finalize(q);
    return rc;
}

/* Every pack version the run computed under: the rows of run_pack against the sealed digest,
 * the first against the sealed first-day pack, and each version's text against its hash. */
static tpp_status check_packs(audit_ctx *a, const tpp_seal_info *s, tpp_error *err)
{
    tpp_run_pack_row *rows;
    size_t n;
    TPP_TRY(run_packs(a->st, s->run_id, &rows, &n, err));
    char digest[65];
    tpp_packs_digest(rows, n, digest);
    if (strcmp(digest, s->packs_sha256) != 0) {
        char now[320] = "";
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof now; i++)
            len += (size_t)snprintf(now + len, sizeof now - len, "%s%lld %.12s... %s..%s",
                                    i ? ", " : "", (long long)rows[i].seq, rows[i].sha256,
                                    rows[i].from, rows[i].to);
        finding(a, "run_pack", s->run_id, "",
                "the pack versions of run %lld are not those sealed (rows added, removed or "
                "changed); now: %s",
                (long long)s->run_id, n ? now : "none");
    }
    if (n > 0 && strcmp(rows[0].sha256, s->pack_sha256) != 0)
        finding(a, "run_pack", s->run_id, "",
                "the first pack version of run %lld is %.16s..., sealed %.16s...",
                (long long)s->run_id, rows[0].sha256, s->pack_sha256);
    tpp_status rc = check_pack_text(a, s, s->pack_sha256, err);
    for (size_t i = 0; i < n && rc == TPP_OK; i++)
        if (strcmp(rows[i].sha256, s->pack_sha256) != 0)
            rc = check_pack_text(a, s, rows[i].sha256, err);
    free(rows);
    return rc;
}

typedef struct nip_ix {
    const char *nip;
    int64_t line;
    size_t i;
} nip_ix;

static int cmp_nip_ix(const void *x, const void *y)
{
    const nip_ix *a = x, *b = y;
    int c = strcmp(a->nip, b->nip);
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static tpp_status sealed_leaves(audit_ctx *a, const tpp_seal_info *s, tpp_leafset *ls,
                                tpp_error *err)
{
    memset(ls, 0, sizeof *ls);
    sqlite3_stmt *q = NULL;
    TPP_TRY(
        tpp_store_prepare(a->st,
                          "SELECT rowid, idx, nip, leaf_hash, trace_sha256, line FROM seal_leaf "
                          "WHERE seal_id = ?1 ORDER BY idx",
                          &q, err));
    sqlite3_bind_int64(q, 1, s->id);
    tpp_status rc = TPP_OK;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (!tpp_leafset_push(ls, col_text(q, 2), sqlite3_column_int64(q, 5),
                              sqlite3_column_int64(q, 0))) {
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            break;
        }
        size_t i = ls->n - 1;
        if ((int64_t)i != sqlite3_column_int64(q, 1))
            finding(a, "seal_leaf", sqlite3_column_int64(q, 0), ls->nip[i],
                    "leaf index %lld out of sequence (expected %zu)",
                    (long long)sqlite3_column_int64(q, 1), i);
        if (!tpp_hex_decode(col_text(q, 3), ls->hash[i], 32)) {
            finding(a, "seal_leaf", ls->rowid[i], ls->nip[i], "leaf_hash is not a SHA-256");
            memset(ls->hash[i], 0, 32);
        }
        if (!tpp_hex_decode(col_text(q, 4), ls->trace_hash[i], 32))
            memset(ls->trace_hash[i], 0, 32);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(a->st, err, "cannot read seal leaves");
    sqlite3_finalize(q);
    if (rc != TPP_OK)
        tpp_leafset_release(ls);
    return rc;
}

static tpp_status check_leaves(audit_ctx *a, const tpp_seal_info *s, tpp_error *err)
{
    uint8_t sealed_root[32], root[32];
    if (!tpp_hex_decode(s->merkle_root, sealed_root, 32)) {
        finding(a, "seal", s->id, "", "merkle_root is not a SHA-256");
        memset(sealed_root, 0, 32);
    }
    tpp_leafset now, sealed;
    TPP_TRY(tpp_leafset_of_run(a->st, s->run_id, s->period, &now, err));
    tpp_status rc = sealed_leaves(a, s, &sealed, err);
    if (rc != TPP_OK) {
        tpp_leafset_release(&now);
        return rc;
    }
    a->sum->n_leaves += sealed.n;

    /* The stored leaves must give the sealed root, or seal_leaf itself was edited. */
    tpp_merkle_root((const uint8_t(*)[32])sealed.hash, sealed.n, root);
    if ((int64_t)sealed.n != s->n_leaves)
        finding(a, "seal_leaf", s->id, "", "seal %lld holds %zu leaves, sealed %lld",
                (long long)s->id, sealed.n, (long long)s->n_leaves);
    if (memcmp(root, sealed_root, 32) != 0)
        finding(a, "seal_leaf", s->id, "",
                "the stored leaves of seal %lld do not give its Merkle root", (long long)s->id);

    /* Match the results as they are now with the sealed leaves, by NIP. */
    nip_ix *ix = malloc((sealed.n ? sealed.n : 1) * sizeof *ix);
    bool *seen = calloc(sealed.n ? sealed.n : 1, 1);
    if (ix == NULL || seen == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < sealed.n; i++)
        ix[i] = (nip_ix){sealed.nip[i], sealed.line[i], i};
    qsort(ix, sealed.n, sizeof *ix, cmp_nip_ix);
    size_t n_bad = 0;
    for (size_t i = 0; i < now.n; i++) {
        nip_ix key = {now.nip[i], now.line[i], 0};
        nip_ix *hit = bsearch(&key, ix, sealed.n, sizeof *ix, cmp_nip_ix);
        if (hit == NULL) {
            n_bad++;
            finding(a, "result", now.rowid[i], now.nip[i],
                    "line of run %lld is not in seal %lld (added after sealing)",
                    (long long)s->run_id, (long long)s->id);
            continue;
        }
        size_t j = hit->i;
        seen[j] = true;
        if (memcmp(now.hash[i], sealed.hash[j], 32) == 0)
            continue;
        n_bad++;
        if (memcmp(now.trace_hash[i], sealed.trace_hash[j], 32) != 0)
            finding(a, "result", now.rowid[i], now.nip[i],
                    "column trace of run %lld differs from the sealed record",
                    (long long)s->run_id);
        else
            finding(a, "result", now.rowid[i], now.nip[i],
                    "payroll columns of run %lld differ from the sealed record",
                    (long long)s->run_id);
    }
    for (size_t j = 0; j < sealed.n; j++) {
        if (!seen[j]) {
            n_bad++;
            finding(a, "result", 0, sealed.nip[j], "sealed line of run %lld is missing (deleted)",
                    (long long)s->run_id);
        }
    }
    tpp_merkle_root((const uint8_t(*)[32])now.hash, now.n, root);
    if (n_bad == 0 && memcmp(root, sealed_root, 32) != 0)
        finding(a, "result", 0, "", "the results of run %lld do not give the sealed Merkle root",
                (long long)s->run_id);
done:
    free(ix);
    free(seen);
    tpp_leafset_release(&now);
    tpp_leafset_release(&sealed);
    return rc;
}

static tpp_status check_triggers(audit_ctx *a, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(
        a->st, "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1", &q, err));
    for (size_t i = 0; i < sizeof seal_triggers / sizeof seal_triggers[0]; i++) {
        sqlite3_bind_text(q, 1, seal_triggers[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            finding(a, "schema", 0, "",
                    "trigger %s is missing: sealed rows are not protected from casual edits",
                    seal_triggers[i]);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    return TPP_OK;
}

tpp_status tpp_audit_verify(tpp_store *st, tpp_audit_report_fn report, void *user,
                            tpp_audit_summary *sum, tpp_error *err)
{
    memset(sum, 0, sizeof *sum);
    audit_ctx a = {st, report, user, sum};
    /* One read transaction: a consistent snapshot even while another process writes. */
    TPP_TRY(tpp_store_exec(st, "BEGIN", err));
    tpp_status rc = check_triggers(&a, err);
    sqlite3_stmt *q = NULL;
    if (rc == TPP_OK)
        rc = tpp_store_prepare(st, "SELECT " SEAL_COLUMNS " FROM seal ORDER BY id", &q, err);
    char prev[65];
    memcpy(prev, zero_hash, sizeof zero_hash);
    int64_t prev_id = 0;
    int step = SQLITE_DONE;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        tpp_seal_info s;
        seal_from_row(q, &s);
        sum->n_seals++;
        char h[65];
        rc = seal_hash(&s, h, err);
        if (rc != TPP_OK)
            break;
        if (strcmp(h, s.seal_hash) != 0)
            finding(&a, "seal", s.id, "",
                    "seal of %s (run %lld) does not match its seal_hash: the row was edited",
                    s.period, (long long)s.run_id);
        if (strcmp(s.prev_seal_hash, prev) != 0) {
            if (prev_id == 0)
                finding(&a, "seal", s.id, "",
                        "chain broken: the first seal must have a zero prev_seal_hash (an "
                        "earlier seal was deleted?)");
            else
                finding(&a, "seal", s.id, "",
                        "chain broken: prev_seal_hash is not the hash of seal %lld (a seal was "
                        "deleted or edited?)",
                        (long long)prev_id);
        }
        memcpy(prev, s.seal_hash, sizeof prev);
        prev[64] = '\0';
        prev_id = s.id;
        if (s.canon_version != TPP_CANON_VERSION) {
            finding(&a, "seal", s.id, "",
                    "canonical record version %d is not known to this tpp (knows %d)",
                    s.canon_version, TPP_CANON_VERSION);
            continue;
        }
        rc = check_run(&a, &s, err);
        if (rc == TPP_OK)
            rc = check_inputs(&a, &s, err);
        if (rc == TPP_OK)
            rc = check_packs(&a, &s, err);
        if (rc == TPP_OK)
            rc = check_leaves(&a, &s, err);
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read seals");
    sqlite3_finalize(q);
    q = NULL;
    if (rc == TPP_OK)
        rc = tpp_store_prepare(st,
                               "SELECT id, period FROM run WHERE state = 'final' AND id NOT IN "
                               "(SELECT run_id FROM seal) ORDER BY id",
                               &q, err);
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
        finding(&a, "run", sqlite3_column_int64(q, 0), "",
                "run of %s is final but has no seal (its seal was deleted?)", col_text(q, 1));
    sqlite3_finalize(q);
    tpp_store_exec(st, "COMMIT", NULL);
    return rc;
}

/* ---- inclusion proofs ------------------------------------------------------------------- */

tpp_status tpp_proof_build(tpp_store *st, const char *nip, int year, int month, char **text,
                           size_t *len, tpp_error *err)
{
    return tpp_proof_build_line(st, nip, 0, year, month, text, len, err);
}

tpp_status tpp_proof_build_line(tpp_store *st, const char *nip, int line, int year, int month,
                                char **text, size_t *len, tpp_error *err)
{
    *text = NULL;
    *len = 0;
    tpp_seal_info s;
    TPP_TRY(tpp_seal_of_period(st, year, month, &s, err));
    tpp_leafset ls;
    TPP_TRY(tpp_leafset_of_run(st, s.run_id, s.period, &ls, err));
    uint8_t root[32], (*path)[32] = NULL;
    size_t n_path = 0;
    char hex[65];
    tpp_status rc = TPP_OK;
    tpp_buf b = {0}, rec = {0};
    sqlite3_stmt *q = NULL;
    tpp_merkle_root((const uint8_t(*)[32])ls.hash, ls.n, root);
    tpp_hex_encode(root, 32, hex);
    if (strcmp(hex, s.merkle_root) != 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "the results of %s no longer give the sealed root: run 'tpp audit verify'",
                      s.period);
        goto done;
    }
    size_t idx = ls.n, n_lines = 0;
    for (size_t i = 0; i < ls.n; i++) {
        if (strcmp(ls.nip[i], nip) != 0)
            continue;
        n_lines++;
        if (idx == ls.n && (line == 0 || ls.line[i] == line))
            idx = i;
    }
    if (n_lines > 1 && line == 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "NIP '%s' has %zu lines in the seal of %s (a transfer between OPDs): say "
                      "which with --line",
                      nip, n_lines, s.period);
        goto done;
    }
    if (idx == ls.n) {
        if (line > 0 && n_lines > 0)
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "NIP '%s' has no line %d in the seal of %s (it has %zu)", nip, line,
                          s.period, n_lines);
        else
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "NIP '%s' has no line in the seal of %s",
                          nip, s.period);
        goto done;
    }
    rc = tpp_merkle_path((const uint8_t(*)[32])ls.hash, ls.n, idx, &path, &n_path, err);
    if (rc != TPP_OK)
        goto done;

    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM result WHERE run_id = ?1 AND nip = ?2 AND line = ?3",
             tpp_canon_columns_sql);
    rc = tpp_store_prepare(st, sql, &q, err);
    if (rc != TPP_OK)
        goto done;
    sqlite3_bind_int64(q, 1, s.run_id);
    sqlite3_bind_text(q, 2, nip, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, ls.line[idx]);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = tpp_store_fail(st, err, "cannot read the employee's line");
        goto done;
    }
    tpp_canon_record(q, 0, s.period, &rec);
    /* the trace as text, for the reader: informative, not hashed (the record holds the compact
     * bytes the root covers) */
    char *note = NULL;
    size_t note_len = 0;
    {
        tpp_pack_cache *packs = tpp_pack_cache_new(st);
        int tc = TPP_CANON_N_COLUMNS - 1;
        rc = packs == NULL ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory")
                           : tpp_trace_text_of_run(packs, s.run_id, sqlite3_column_blob(q, tc),
                                                   (size_t)sqlite3_column_bytes(q, tc), &note,
                                                   &note_len, err);
        tpp_pack_cache_free(packs);
        if (rc != TPP_OK)
            goto done;
    }

    tpp_buf_puts(&b, "tpp-inclusion-proof 2\n");
    tpp_buf_printf(&b, "period %s\nrevision %d\nnip %s\n", s.period, s.revision, nip);
    tpp_buf_printf(&b, "tree-size %zu\nleaf-index %zu\nroot %s\nseal %s\n", ls.n, idx,
                   s.merkle_root, s.seal_hash);
    tpp_buf_puts(&b, "record ");
    for (size_t i = 0; i < rec.len && !b.oom; i++) {
        char two[3];
        tpp_hex_encode((const uint8_t *)rec.data + i, 1, two);
        tpp_buf_append(&b, two, 2);
    }
    tpp_buf_puts(&b, "\n");
    for (size_t i = 0; i < n_path; i++) {
        tpp_hex_encode(path[i], 32, hex);
        tpp_buf_printf(&b, "path %s\n", hex);
    }
    for (size_t at = 0; at < note_len;) {
        const char *nl = memchr(note + at, '\n', note_len - at);
        size_t n = nl ? (size_t)(nl - (note + at)) : note_len - at;
        tpp_buf_puts(&b, "note ");
        tpp_buf_append(&b, note + at, n);
        tpp_buf_puts(&b, "\n");
        at += n + 1;
    }
    free(note);
    tpp_buf_puts(&b, "end\n");
    if (b.oom || rec.oom) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        goto done;
    }
    *text = b.data;
    *len = b.len;
    b.data = NULL;
done:
    sqlite3_finalize(q);
    free(path);
    tpp_buf_release(&b);
    tpp_buf_release(&rec);
    tpp_leafset_release(&ls);
    return rc;
}
