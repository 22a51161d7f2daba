/* Transfers between OPDs (mutasi; domain brief §3.9): a dated unit history. A row says that
 * from `date` (the first day in the new OPD, the TMT of the decision) the employee works in
 * to_unit, having worked in from_unit, each OPD with its own schedule (5day, 6day or shift;
 * empty = the employee's). `tpp run` splits the month at each transfer and gives one payroll line
 * per OPD (engine/segment.c). One transfer per NIP and date; a unit code must be one of the
 * imported units once any are. */
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "importers/import_int.h"
#include "engine/strmap.h"

enum { C_NIP, C_DATE, C_FROM, C_TO, C_FROM_SCHED, C_TO_SCHED, C_REFERENCE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_DATE] = {"date", true},
    [C_FROM] = {"from_unit", true},
    [C_TO] = {"to_unit", true},
    [C_FROM_SCHED] = {"from_schedule", false},
    [C_TO_SCHED] = {"to_schedule", false},
    [C_REFERENCE] = {"reference", false},
};

static const char *const schedules[] = {"5day", "6day", "shift"};

typedef struct trf_state {
    sqlite3_stmt *insert, *same_day;
    tpp_strmap units; /* unit codes imported with 'units'; empty: any code is accepted */
} trf_state;

static tpp_status trf_begin(tpp_imp_ctx *c, tpp_error *err)
{
    trf_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->units);
    TPP_TRY(tpp_imp_load_units(c, &s->units, err));
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO transfer(nip, date, from_unit, to_unit, from_schedule, "
                              "to_schedule, reference, file_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                              &s->insert, err));
    /* rows of this file are stored as they come, so this also finds a repeat within it */
    return tpp_store_prepare(c->st,
                             "SELECT t.to_unit, f.path, t.file_id = ?3 FROM transfer t "
                             "JOIN input_file f ON f.id = t.file_id WHERE t.nip = ?1 AND "
                             "t.date = ?2",
                             &s->same_day, err);
}

static void trf_end(tpp_imp_ctx *c)
{
    trf_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->same_day);
    tpp_strmap_release(&s->units);
    free(s);
    c->state = NULL;
}

static void check_unit(tpp_imp_ctx *c, trf_state *s, const tpp_imp_val *v, const char *col)
{
    if (v->len > 0 && s->units.n > 0 && tpp_strmap_find(&s->units, v->s, v->len) < 0)
        tpp_imp_error(c, v->at,
                      "unknown unit '%s' in column '%s' (not among the imported units; fix the "
                      "code or import units first)",
                      tpp_imp_showv(c, v), col);
}

static int schedule_of(tpp_imp_ctx *c, const tpp_imp_val *v, const char *col)
{
    if (v->len == 0)
        return -1;
    int k = tpp_imp_match(v, schedules, 3);
    if (k < 0)
        tpp_imp_error(c, v->at,
                      "invalid schedule '%s' in column '%s' (expected 5day, 6day or "
                      "shift, or empty for the employee's own)",
                      tpp_imp_showv(c, v), col);
    return k;
}

static tpp_status trf_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    trf_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val date = tpp_imp_get(c, rec, C_DATE);
    tpp_imp_val from = tpp_imp_get(c, rec, C_FROM);
    tpp_imp_val to = tpp_imp_get(c, rec, C_TO);
    tpp_imp_val fs = tpp_imp_get(c, rec, C_FROM_SCHED);
    tpp_imp_val ts = tpp_imp_get(c, rec, C_TO_SCHED);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REFERENCE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    tpp_date d = 0;
    bool date_ok = date.len > 0 && tpp_imp_date(c, &date, &d);
    check_unit(c, s, &from, "from_unit");
    check_unit(c, s, &to, "to_unit");
    if (from.len > 0 && from.len == to.len && memcmp(from.s, to.s, from.len) == 0)
        tpp_imp_error(c, to.at, "to_unit '%s' is the same as from_unit: not a transfer",
                      tpp_imp_showv(c, &to));
    int fk = schedule_of(c, &fs, "from_schedule");
    int tk = schedule_of(c, &ts, "to_schedule");
    if (c->row_errors > 0 || !nip_ok || !date_ok)
        return TPP_OK;

    sqlite3_stmt *q = s->same_day;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    tpp_imp_bind_date(q, 2, d);
    sqlite3_bind_int64(q, 3, c->file_id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        tpp_imp_error(c, date.at,
                      "second transfer of NIP %s on %s: one already moves to '%s' that day (%s)",
                      tpp_imp_showv(c, &nip), tpp_imp_showv(c, &date),
                      (const char *)sqlite3_column_text(q, 0),
                      sqlite3_column_int(q, 2) ? "earlier in this file"
                                               : (const char *)sqlite3_column_text(q, 1));
    tpp_status rc = step == SQLITE_ROW || step == SQLITE_DONE
                        ? TPP_OK
                        : tpp_store_fail(c->st, err, "cannot check transfers");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != TPP_OK || c->row_errors > 0)
        return rc;

    q = s->insert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    tpp_imp_bind_date(q, 2, d);
    tpp_imp_bind_text(q, 3, from.s, from.len);
    tpp_imp_bind_text(q, 4, to.s, to.len);
    sqlite3_bind_text(q, 5, fk >= 0 ? schedules[fk] : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, tk >= 0 ? schedules[tk] : "", -1, SQLITE_STATIC);
    tpp_imp_bind_text(q, 7, ref.s, ref.len);
    sqlite3_bind_int64(q, 8, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store transfer", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_transfers = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = trf_begin,
    .row = trf_row,
    .end = trf_end,
};
