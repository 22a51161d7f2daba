/* Plt/Plh assignments (acting officials; domain brief §3.9): imported and validated here; the
 * evaluator does not apply them yet. Two assignments of one person that overlap are an error:
 * a person acts in one post at a time. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_KIND, C_CLASS, C_START, C_END, C_REFERENCE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},      [C_KIND] = {"kind", true},
    [C_CLASS] = {"class", true},  [C_START] = {"start_date", true},
    [C_END] = {"end_date", true}, [C_REFERENCE] = {"reference", false},
};

static const char *const kinds[] = {"plt", "plh"};

typedef struct asg_state {
    sqlite3_stmt *insert, *overlap;
} asg_state;

static tpp_status asg_begin(tpp_imp_ctx *c, tpp_error *err)
{
    asg_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO assignment(nip, kind, class, start_date, end_date, "
                              "reference, file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                              &s->insert, err));
    /* rows of this file are stored as they come, so this also finds overlaps within it */
    return tpp_store_prepare(c->st,
                             "SELECT a.start_date, a.end_date, f.path, a.file_id = ?4 "
                             "FROM assignment a JOIN input_file f ON f.id = a.file_id "
                             "WHERE a.nip = ?1 AND a.start_date <= ?3 AND a.end_date >= ?2 LIMIT 1",
                             &s->overlap, err);
}

static void asg_end(tpp_imp_ctx *c)
{
    asg_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->overlap);
    free(s);
    c->state = NULL;
}

static tpp_status asg_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    asg_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val kind = tpp_imp_get(c, rec, C_KIND);
    tpp_imp_val class_v = tpp_imp_get(c, rec, C_CLASS);
    tpp_imp_val start = tpp_imp_get(c, rec, C_START);
    tpp_imp_val end = tpp_imp_get(c, rec, C_END);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REFERENCE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    char id[16];
    int k = -1;
    if (kind.len > 0 && tpp_imp_id(&kind, id, sizeof id)) {
        char *dot = strchr(id, '.');
        if (dot != NULL)
            *dot = '\0'; /* "Plt." */
        k = tpp_imp_match(&(tpp_imp_val){id, strlen(id), kind.at, true, 0}, kinds, 2);
    }
    if (kind.len > 0 && k < 0)
        tpp_imp_error(c, kind.at,
                      "unknown assignment kind '%s' in column 'kind' (expected plt or plh)",
                      tpp_imp_showv(c, &kind));
    int64_t klass = 0;
    if (class_v.len > 0)
        tpp_imp_int(c, &class_v, 1, 17, &klass);
    tpp_date d0 = 0, d1 = 0;
    bool dates =
        start.len > 0 && end.len > 0 && tpp_imp_date(c, &start, &d0) && tpp_imp_date(c, &end, &d1);
    if (dates && d1 < d0)
        tpp_imp_error(c, end.at, "end before start: end_date %s is before start_date %s",
                      tpp_imp_showv(c, &end), tpp_imp_showv(c, &start));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    sqlite3_stmt *q = s->overlap;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    tpp_imp_bind_date(q, 2, d0);
    tpp_imp_bind_date(q, 3, d1);
    sqlite3_bind_int64(q, 4, c->file_id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        tpp_imp_error(c, start.at, "overlapping assignment: NIP %s already acts from %s to %s (%s)",
                      tpp_imp_showv(c, &nip), (const char *)sqlite3_column_text(q, 0),
                      (const char *)sqlite3_column_text(q, 1),
                      sqlite3_column_int(q, 3) ? "earlier in this file"
                                               : (const char *)sqlite3_column_text(q, 2));
    tpp_status rc = step == SQLITE_ROW || step == SQLITE_DONE
                        ? TPP_OK
                        : tpp_store_fail(c->st, err, "cannot check assignments");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != TPP_OK || c->row_errors > 0)
        return rc;

    q = s->insert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_text(q, 2, kinds[k], -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, klass);
    tpp_imp_bind_date(q, 4, d0);
    tpp_imp_bind_date(q, 5, d1);
    tpp_imp_bind_text(q, 6, ref.s, ref.len);
    sqlite3_bind_int64(q, 7, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store assignment", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_assignments = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = asg_begin,
    .row = asg_row,
    .end = asg_end,
};
