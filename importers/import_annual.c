/* The year's PPh 21 inputs of the December reconciliation (payment.pph21.annual): per employee
 * and year, the taxable gross (salary + TPP) and the PPh 21 withheld January..November, and the
 * year's pension contribution (iuran pensiun / THT), all whole rupiah. They come from the payroll
 * office's own books; the workspace does not know the months before it started. One record per
 * employee and year: a second one, in the file or from another file, is a conflict for people
 * to resolve, never a silent replacement (a wrong ytd_pph21 withholds the wrong tax). */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_YEAR, C_YTD_GROSS, C_YTD_PPH21, C_PENSION, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_YEAR] = {"year", true},
    [C_YTD_GROSS] = {"ytd_gross", true},
    [C_YTD_PPH21] = {"ytd_pph21", true},
    [C_PENSION] = {"annual_pension", true},
};

typedef struct annual_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *stored;
    tpp_strmap seen; /* "NIP YYYY" -> line */
} annual_state;

static tpp_status annual_begin(tpp_imp_ctx *c, tpp_error *err)
{
    annual_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO annual_tax(nip, year, ytd_gross, ytd_pph21, "
                              "annual_pension, file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT f.path FROM annual_tax a JOIN input_file f ON "
                             "f.id = a.file_id WHERE a.nip = ?1 AND a.year = ?2 AND "
                             "a.file_id <> ?3",
                             &s->stored, err);
}

static void annual_end(tpp_imp_ctx *c)
{
    annual_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->stored);
    tpp_strmap_release(&s->seen);
    free(s);
    c->state = NULL;
}

static tpp_status check_conflicts(tpp_imp_ctx *c, annual_state *s, const tpp_csv_record *rec,
                                  const tpp_imp_val *nip, int64_t year, tpp_error *err)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%s %lld", nip->s, (long long)year);
    size_t key_len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->seen, key, key_len, rec->line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(c, nip->at,
                      "duplicate annual inputs of NIP '%s' for %lld (first on line %lld)",
                      tpp_imp_showv(c, nip), (long long)year, (long long)s->seen.entries[i].value);
        return TPP_OK;
    }
    sqlite3_stmt *q = s->stored;
    tpp_imp_bind_text(q, 1, nip->s, nip->len);
    sqlite3_bind_int64(q, 2, year);
    sqlite3_bind_int64(q, 3, c->file_id);
    char other[4096];
    TPP_TRY(tpp_imp_stored_elsewhere(c, q, "cannot check annual inputs", other, sizeof other, err));
    if (other[0] != '\0')
        tpp_imp_error(c, nip->at,
                      "annual inputs of NIP '%s' for %lld conflict with those imported from '%s'",
                      tpp_imp_showv(c, nip), (long long)year, other);
    return TPP_OK;
}

static tpp_status annual_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    annual_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val year_v = tpp_imp_get(c, rec, C_YEAR);
    tpp_imp_val gross_v = tpp_imp_get(c, rec, C_YTD_GROSS);
    tpp_imp_val pph_v = tpp_imp_get(c, rec, C_YTD_PPH21);
    tpp_imp_val pension_v = tpp_imp_get(c, rec, C_PENSION);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    int64_t year = 0;
    if (year_v.len > 0)
        tpp_imp_int(c, &year_v, 2000, 2999, &year);
    tpp_money gross = 0, pph = 0, pension = 0;
    bool gross_ok = gross_v.len > 0 && tpp_imp_money(c, &gross_v, &gross);
    bool pph_ok = pph_v.len > 0 && tpp_imp_money(c, &pph_v, &pph);
    if (pension_v.len > 0)
        tpp_imp_money(c, &pension_v, &pension);
    /* Tax withheld above the gross it was withheld from: the columns are swapped or shifted. */
    if (gross_ok && pph_ok && pph > gross)
        tpp_imp_error(c, pph_v.at,
                      "ytd_pph21 '%s' is more than ytd_gross '%s' (tax withheld cannot exceed the "
                      "gross it was withheld from; are the columns swapped?)",
                      tpp_imp_showv(c, &pph_v), tpp_imp_showv(c, &gross_v));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    TPP_TRY(check_conflicts(c, s, rec, &nip, year, err));
    if (c->row_errors > 0)
        return TPP_OK;

    sqlite3_stmt *q = s->insert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_int64(q, 2, year);
    sqlite3_bind_int64(q, 3, gross);
    sqlite3_bind_int64(q, 4, pph);
    sqlite3_bind_int64(q, 5, pension);
    sqlite3_bind_int64(q, 6, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store annual inputs", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_annual = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = annual_begin,
    .row = annual_row,
    .end = annual_end,
};
