/* Monthly performance (e-Kinerja): a predicate the rule pack knows and/or a score in percent.
 * One record per employee and month: a second one, in the file or from another file, is a
 * conflict for people to resolve, never a silent replacement.
 *
 * Rows are checked in file order but stored at the end, sorted by key: an e-Kinerja export
 * comes in any NIP order, and inserting it as it comes puts each row at a random place of the
 * (nip, period) key, a page-cache miss per row once the table outgrows the cache (national
 * size). The insert itself finds a row stored from another file (ON CONFLICT DO NOTHING), so
 * the key is descended once per row. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_PERIOD, C_PREDICATE, C_SCORE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_PERIOD] = {"period", true},
    [C_PREDICATE] = {"predicate", false},
    [C_SCORE] = {"score", false},
};

/* A score above this is a misplaced column, not a performance. */
#define MAX_SCORE_PERCENT 200

/* A valid row waiting to be stored: its key and line are entry `seen` of the map. */
typedef struct pending_row {
    uint64_t nip;    /* the NIP's digits as a number, for the sort (UINT64_MAX if not digits) */
    uint32_t period; /* YYYYMM */
    uint32_t seen;
    int32_t predicate; /* index in the rule pack, or -1 */
    uint32_t nip_len;  /* the key is the NIP, a space, the period */
    int64_t score_bp;  /* or -1 when the row has no score */
    tpp_srcloc at;     /* of the NIP, for a conflict found when the row is stored */
} pending_row;

typedef struct perf_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *stored;
    tpp_strmap seen; /* "NIP YYYY-MM" -> line */
    pending_row *rows;
    size_t n_rows, cap_rows;
} perf_state;

static void perf_check_header(tpp_imp_ctx *c)
{
    if (c->field_of[C_PREDICATE] < 0 && c->field_of[C_SCORE] < 0)
        tpp_imp_error(c, (tpp_srcloc){c->path, c->header_line, 1, NULL},
                      "missing column 'predicate' or 'score' (at least one is required)");
}

static tpp_status perf_begin(tpp_imp_ctx *c, tpp_error *err)
{
    perf_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO performance(nip, period, predicate, score_bp, file_id) "
                              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (nip, period) DO NOTHING",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT f.path FROM performance p JOIN input_file f ON "
                             "f.id = p.file_id WHERE p.nip = ?1 AND p.period = ?2 AND "
                             "p.file_id <> ?3",
                             &s->stored, err);
}

static void perf_end(tpp_imp_ctx *c)
{
    perf_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->stored);
    tpp_strmap_release(&s->seen);
    free(s->rows);
    free(s);
    c->state = NULL;
}

/* Percent with at most two decimals into basis points of a percent (95.5 -> 9550). A trailing
 * '%' is tolerated; a decimal comma gets a hint (Indonesian spreadsheets write 95,5). */
static bool parse_score(tpp_imp_ctx *c, tpp_imp_val *v, int64_t *bp)
{
    size_t len = v->len;
    if (len > 0 && v->s[len - 1] == '%') {
        len--;
        while (len > 0 && v->s[len - 1] == ' ')
            len--;
    }
    tpp_ratio r;
    if (!tpp_ratio_parse(v->s, len, &r)) {
        if (memchr(v->s, ',', len) != NULL)
            tpp_imp_error(c, v->at,
                          "invalid score '%s' in column 'score' (expected a percentage with a "
                          "dot as the decimal separator, e.g. 95.5)",
                          tpp_imp_showv(c, v));
        else
            tpp_imp_error(c, v->at,
                          "invalid score '%s' in column 'score' (expected a percentage, e.g. "
                          "95.5)",
                          tpp_imp_showv(c, v));
        return false;
    }
    if (r.num < 0 || tpp_ratio_cmp(r, (tpp_ratio){MAX_SCORE_PERCENT, 1}) > 0) {
        tpp_imp_error(c, v->at,
                      "score '%s' in column 'score' is out of range (expected a percentage from 0 "
                      "to %d)",
                      tpp_imp_showv(c, v), MAX_SCORE_PERCENT);
        return false;
    }
    /* r <= 200, so num * 100 fits easily */
    int64_t scaled = r.num * 100;
    if (scaled % r.den != 0) {
        tpp_imp_error(c, v->at,
                      "score '%s' in column 'score' has too many decimals (expected at most 2)",
                      tpp_imp_showv(c, v));
        return false;
    }
    *bp = scaled / r.den;
    return true;
}

static uint64_t nip_number(const tpp_imp_val *nip)
{
    if (nip->len == 0 || nip->len > 19)
        return UINT64_MAX;
    uint64_t n = 0;
    for (size_t i = 0; i < nip->len; i++) {
        if (nip->s[i] < '0' || nip->s[i] > '9')
            return UINT64_MAX;
        n = n * 10 + (uint64_t)(nip->s[i] - '0');
    }
    return n;
}

/* Key order; ties (NIPs that are not plain digits) in file order, so the order is total. */
static int row_cmp(const void *pa, const void *pb)
{
    const pending_row *a = pa, *b = pb;
    if (a->nip != b->nip)
        return a->nip < b->nip ? -1 : 1;
    if (a->period != b->period)
        return a->period < b->period ? -1 : 1;
    return a->seen < b->seen ? -1 : a->seen > b->seen;
}

static int by_line(const void *pa, const void *pb)
{
    const pending_row *a = pa, *b = pb;
    return a->seen < b->seen ? -1 : a->seen > b->seen;
}

static tpp_status report_conflicts(tpp_imp_ctx *c, perf_state *s, pending_row *rows, size_t n,
                                   tpp_error *err)
{
    qsort(rows, n, sizeof *rows, by_line);
    for (size_t i = 0; i < n; i++) {
        const tpp_strmap_entry *e = &s->seen.entries[rows[i].seen];
        size_t nip_len = rows[i].nip_len;
        const char *period = e->key + nip_len + 1;
        sqlite3_stmt *q = s->stored;
        tpp_imp_bind_text(q, 1, e->key, nip_len);
        tpp_imp_bind_text(q, 2, period, e->len - nip_len - 1);
        sqlite3_bind_int64(q, 3, c->file_id);
        char other[4096];
        TPP_TRY(
            tpp_imp_stored_elsewhere(c, q, "cannot check performance", other, sizeof other, err));
        char nip_text[160];
        snprintf(nip_text, sizeof nip_text, "%.*s", (int)nip_len, e->key);
        tpp_imp_val nip = {nip_text, strlen(nip_text), rows[i].at, true, 0};
        tpp_imp_error(c, rows[i].at,
                      "performance of NIP '%s' for %.*s conflicts with performance imported from "
                      "'%s'",
                      tpp_imp_showv(c, &nip), (int)(e->len - nip_len - 1), period, other);
    }
    return TPP_OK;
}

/* Store the file's rows in key order. A row stored before from another file is an error,
 * reported in line order after the rows' own errors. */
static tpp_status perf_finish(tpp_imp_ctx *c, tpp_error *err)
{
    perf_state *s = c->state;
    if (s->n_rows > 1) /* an empty file has no array: qsort wants one */
        qsort(s->rows, s->n_rows, sizeof *s->rows, row_cmp);
    sqlite3 *db = sqlite3_db_handle(s->insert);
    pending_row *conflicts = NULL;
    size_t n_conflicts = 0;
    tpp_status rc = TPP_OK;
    for (size_t i = 0; i < s->n_rows && rc == TPP_OK; i++) {
        const pending_row *r = &s->rows[i];
        const tpp_strmap_entry *e = &s->seen.entries[r->seen];
        size_t nip_len = r->nip_len;
        sqlite3_stmt *q = s->insert;
        tpp_imp_bind_text(q, 1, e->key, nip_len);
        tpp_imp_bind_text(q, 2, e->key + nip_len + 1, e->len - nip_len - 1);
        if (r->predicate >= 0)
            sqlite3_bind_text(q, 3, c->rs->predicates[r->predicate].id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 3);
        if (r->score_bp >= 0)
            sqlite3_bind_int64(q, 4, r->score_bp);
        else
            sqlite3_bind_null(q, 4);
        sqlite3_bind_int64(q, 5, c->file_id);
        rc = tpp_imp_step_done(c, q, "cannot store performance", err);
        if (rc != TPP_OK)
            break;
        if (sqlite3_changes(db) == 1) {
            c->stats->inserted++;
            continue;
        }
        /* the first conflict allocates room for all: there are at most n_rows */
        if (conflicts == NULL && (conflicts = malloc(s->n_rows * sizeof *conflicts)) == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        else
            conflicts[n_conflicts++] = *r;
    }
    if (rc == TPP_OK && n_conflicts > 0)
        rc = report_conflicts(c, s, conflicts, n_conflicts, err);
    free(conflicts);
    return rc;
}

static tpp_status perf_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    perf_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val period = tpp_imp_get(c, rec, C_PERIOD);
    tpp_imp_val pred = tpp_imp_get(c, rec, C_PREDICATE);
    tpp_imp_val score = tpp_imp_get(c, rec, C_SCORE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    int year = 0, month = 0;
    if (period.len > 0 && !tpp_period_parse(period.s, period.len, &year, &month))
        tpp_imp_error(c, period.at, "invalid period '%s' in column 'period' (expected YYYY-MM)",
                      tpp_imp_showv(c, &period));
    /* "Sangat Baik", "sangat-baik", "SANGAT_BAIK" are all the id sangat_baik */
    char id[64];
    int pred_idx = -1;
    if (pred.len > 0 && tpp_imp_id(&pred, id, sizeof id))
        pred_idx = tpp_rules_predicate_index(c->rs, id);
    if (pred.len > 0 && pred_idx < 0) {
        char known[512] = "";
        for (size_t i = 0; i < c->rs->n_predicates; i++)
            tpp_imp_list_add(known, sizeof known, c->rs->predicates[i].id);
        tpp_imp_error(c, pred.at,
                      "unknown predicate '%s' in column 'predicate' (the rule pack knows: %s)",
                      tpp_imp_showv(c, &pred), known);
    }
    int64_t bp = 0;
    if (score.len > 0)
        parse_score(c, &score, &bp);
    if (pred.len == 0 && score.len == 0)
        tpp_imp_error(c, pred.present ? pred.at : score.at,
                      "missing predicate and score (at least one is required)");
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    char key[160];
    int n = snprintf(key, sizeof key, "%s %s", nip.s, period.s);
    size_t key_len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->seen, key, key_len, rec->line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(c, nip.at, "duplicate performance of NIP '%s' for %s (first on line %lld)",
                      tpp_imp_showv(c, &nip), period.s, (long long)s->seen.entries[i].value);
        return TPP_OK;
    }
    if (s->n_rows == s->cap_rows) {
        size_t cap = s->cap_rows ? 2 * s->cap_rows : 4096;
        pending_row *grown = realloc(s->rows, cap * sizeof *grown);
        if (grown == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        s->rows = grown;
        s->cap_rows = cap;
    }
    s->rows[s->n_rows++] = (pending_row){
        .nip = nip_number(&nip),
        .period = (uint32_t)(year * 100 + month),
        .seen = (uint32_t)i,
        .predicate = pred_idx,
        .nip_len = (uint32_t)nip.len,
        .score_bp = score.len > 0 ? bp : -1,
        .at = nip.at,
    };
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_performance = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .check_header = perf_check_header,
    .begin = perf_begin,
    .row = perf_row,
    .finish = perf_finish,
    .end = perf_end,
};
