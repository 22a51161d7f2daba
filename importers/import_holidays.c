/* Holidays: national days, cuti bersama and local holidays. One per date. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_DATE, C_NAME, C_KIND, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_DATE] = {"date", true},
    [C_NAME] = {"name", true},
    [C_KIND] = {"kind", false},
};

typedef struct hol_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *stored;
    tpp_strmap seen; /* date -> line */
} hol_state;

static tpp_status hol_begin(tpp_imp_ctx *c, tpp_error *err)
{
    hol_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO holiday(date, name, kind, file_id) "
                              "VALUES (?1, ?2, ?3, ?4)",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT h.name, f.path FROM holiday h JOIN input_file f ON "
                             "f.id = h.file_id WHERE h.date = ?1",
                             &s->stored, err);
}

static void hol_end(tpp_imp_ctx *c)
{
    hol_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->stored);
    tpp_strmap_release(&s->seen);
    free(s);
    c->state = NULL;
}

static tpp_status hol_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    hol_state *s = c->state;
    tpp_imp_val date = tpp_imp_get(c, rec, C_DATE);
    tpp_imp_val name = tpp_imp_get(c, rec, C_NAME);
    tpp_imp_val kind = tpp_imp_get(c, rec, C_KIND);

    tpp_date day = 0;
    bool date_ok = date.len > 0 && tpp_imp_date(c, &date, &day);
    static const char *const kinds[] = {"national", "cuti_bersama", "local"};
    char id[32] = "national";
    if (kind.len > 0 && !tpp_imp_id(&kind, id, sizeof id)) /* "Cuti Bersama" -> cuti_bersama */
        id[0] = '\0';
    int k = 0;
    while (k < 3 && strcmp(id, kinds[k]) != 0)
        k++;
    const char *kind_id = k < 3 ? kinds[k] : NULL;
    if (kind_id == NULL)
        tpp_imp_error(c, kind.at,
                      "invalid kind '%s' in column 'kind' (expected national, cuti_bersama or "
                      "local)",
                      tpp_imp_showv(c, &kind));
    if (date_ok) {
        bool found;
        ptrdiff_t i = tpp_strmap_put(&s->seen, date.s, date.len, rec->line, &found);
        if (i < 0)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        if (found)
            tpp_imp_error(c, date.at, "duplicate holiday on %s (first on line %lld)", date.s,
                          (long long)s->seen.entries[i].value);
    }
    if (c->row_errors > 0)
        return TPP_OK;

    sqlite3_stmt *q = s->stored;
    tpp_imp_bind_text(q, 1, date.s, date.len);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW)
        tpp_imp_error(c, date.at, "holiday on %s conflicts with '%s' imported from '%s'", date.s,
                      (const char *)sqlite3_column_text(q, 0),
                      (const char *)sqlite3_column_text(q, 1));
    else if (step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot check holidays");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != TPP_OK || c->row_errors > 0)
        return rc;

    q = s->insert;
    tpp_imp_bind_text(q, 1, date.s, date.len);
    tpp_imp_bind_text(q, 2, name.s, name.len);
    sqlite3_bind_text(q, 3, kind_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store holiday", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_holidays = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = hol_begin,
    .row = hol_row,
    .end = hol_end,
};
