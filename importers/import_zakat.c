/* Zakat through the payroll (domain brief §5.3: a BAZNAS deduction by regional instruction,
 * optional per employee). What a BKPSDM holds is the list of employees who signed a statement
 * (surat pernyataan) asking for zakat profesi to be taken from their TPP, each from a month on,
 * and the withdrawals later: one row per statement, `deduct` yes or no from `start_period`.
 * The month's state is the latest statement at or before it, so a correction of an old month
 * sees that month's state. The rate and its base are the pack's (payment.zakat). A second
 * statement for the same NIP and month, in the file or from another file, is a conflict for
 * people to resolve, never a silent replacement. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_START, C_DEDUCT, C_REF, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_START] = {"start_period", true},
    [C_DEDUCT] = {"deduct", false},
    [C_REF] = {"reference", false},
};

/* yes first: an index < N_YES means deduct */
static const char *const answers[] = {"yes", "ya", "1", "true", "no", "tidak", "0", "false"};
#define N_YES 4

typedef struct zakat_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *stored;
    tpp_strmap seen; /* "NIP YYYY-MM" -> line */
} zakat_state;

static tpp_status zakat_begin(tpp_imp_ctx *c, tpp_error *err)
{
    zakat_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO zakat_request(nip, start_period, deduct, reference, "
                              "file_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT f.path FROM zakat_request z JOIN input_file f ON "
                             "f.id = z.file_id WHERE z.nip = ?1 AND z.start_period = ?2 AND "
                             "z.file_id <> ?3",
                             &s->stored, err);
}

static void zakat_end(tpp_imp_ctx *c)
{
    zakat_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->stored);
    tpp_strmap_release(&s->seen);
    free(s);
    c->state = NULL;
}

static tpp_status check_conflicts(tpp_imp_ctx *c, zakat_state *s, const tpp_csv_record *rec,
                                  const tpp_imp_val *nip, const tpp_imp_val *start, tpp_error *err)
{
    char key[160];
    int n =
        snprintf(key, sizeof key, "%.*s %.*s", (int)nip->len, nip->s, (int)start->len, start->s);
    size_t key_len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->seen, key, key_len, rec->line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(
            c, start->at, "duplicate zakat statement of NIP '%s' from %s (first on line %lld)",
            tpp_imp_showv(c, nip), tpp_imp_showv(c, start), (long long)s->seen.entries[i].value);
        return TPP_OK;
    }
    sqlite3_stmt *q = s->stored;
    tpp_imp_bind_text(q, 1, nip->s, nip->len);
    tpp_imp_bind_text(q, 2, start->s, start->len);
    sqlite3_bind_int64(q, 3, c->file_id);
    char other[4096];
    TPP_TRY(
        tpp_imp_stored_elsewhere(c, q, "cannot check zakat statements", other, sizeof other, err));
    if (other[0] != '\0')
        tpp_imp_error(c, start->at,
                      "zakat statement of NIP '%s' from %s conflicts with the one imported from "
                      "'%s'",
                      tpp_imp_showv(c, nip), tpp_imp_showv(c, start), other);
    return TPP_OK;
}

static tpp_status zakat_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    zakat_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val start = tpp_imp_get(c, rec, C_START);
    tpp_imp_val deduct_v = tpp_imp_get(c, rec, C_DEDUCT);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REF);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    int y, m;
    if (start.len > 0 && !tpp_period_parse(start.s, start.len, &y, &m))
        tpp_imp_error(c, start.at,
                      "invalid period '%s' in column 'start_period' (expected YYYY-MM)",
                      tpp_imp_showv(c, &start));
    /* empty: the statement asks for zakat (a list of those who opted in needs no column) */
    int answer = deduct_v.len > 0 ? tpp_imp_match(&deduct_v, answers, 8) : 0;
    if (answer < 0)
        tpp_imp_error(c, deduct_v.at,
                      "invalid value '%s' in column 'deduct' (expected yes or no; ya, tidak, 1 "
                      "and 0 are accepted)",
                      tpp_imp_showv(c, &deduct_v));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;
    TPP_TRY(check_conflicts(c, s, rec, &nip, &start, err));
    if (c->row_errors > 0)
        return TPP_OK;

    sqlite3_stmt *q = s->insert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    tpp_imp_bind_text(q, 2, start.s, start.len);
    sqlite3_bind_int(q, 3, answer < N_YES);
    tpp_imp_bind_text(q, 4, ref.s, ref.len);
    sqlite3_bind_int64(q, 5, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store zakat statement", err));
    c->stats->inserted++;
    return TPP_OK;
}

/* A pack without a rate deducts nothing: say so once rather than let the list look obeyed. */
static tpp_status zakat_finish(tpp_imp_ctx *c, tpp_error *err)
{
    (void)err;
    if (c->stats->inserted > 0 && c->rs != NULL && !c->rs->zakat.defined)
        tpp_imp_warning(c, (tpp_srcloc){c->path, 0, 0, NULL},
                        "the rule pack '%s' sets no zakat rate (payment.zakat): no zakat is "
                        "deducted under it",
                        c->rs->id);
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_zakat = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = zakat_begin,
    .row = zakat_row,
    .finish = zakat_finish,
    .end = zakat_end,
};
