/* Discipline events (missed apel, leaving without permit, ...) of a type the rule pack knows.
 * The same event twice (same NIP, date, type, minutes and reference), in the file or already
 * stored, would be cut twice: it is an error, and distinct references tell real repeats apart. */
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "importers/import_int.h"

enum { C_NIP, C_DATE, C_TYPE, C_MINUTES, C_REFERENCE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_DATE] = {"date", true},
    [C_TYPE] = {"type", true},
    [C_MINUTES] = {"minutes", false},
    [C_REFERENCE] = {"reference", false},
};

#define MINUTES_PER_DAY 1440

typedef struct evt_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *stored;
    tpp_strmap seen; /* key of each event in this file -> its line */
    tpp_buf key;
} evt_state;

static tpp_status evt_begin(tpp_imp_ctx *c, tpp_error *err)
{
    evt_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO event(nip, date, type, minutes, reference, file_id) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT f.path FROM event e JOIN input_file f ON f.id = e.file_id "
                             "WHERE e.nip = ?1 AND e.date = ?2 AND e.type = ?3 AND "
                             "e.minutes = ?4 AND e.reference = ?5 AND e.file_id <> ?6 LIMIT 1",
                             &s->stored, err);
}

static void evt_end(tpp_imp_ctx *c)
{
    evt_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->stored);
    tpp_strmap_release(&s->seen);
    tpp_buf_release(&s->key);
    free(s);
    c->state = NULL;
}

/* Bind nip, date, type, minutes, reference as ?1..?5 (both statements share the order). */
static void bind_event(sqlite3_stmt *q, const tpp_imp_val *nip, tpp_date day, const char *type,
                       int64_t minutes, const tpp_imp_val *ref)
{
    tpp_imp_bind_text(q, 1, nip->s, nip->len);
    tpp_imp_bind_date(q, 2, day);
    sqlite3_bind_text(q, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, minutes);
    tpp_imp_bind_text(q, 5, ref->s, ref->len);
}

static tpp_status check_duplicate(tpp_imp_ctx *c, evt_state *s, const tpp_csv_record *rec,
                                  const tpp_imp_val *nip, tpp_date day, const char *type,
                                  int64_t minutes, const tpp_imp_val *ref, tpp_error *err)
{
    tpp_srcloc at = tpp_imp_row_loc(c, rec);
    char date[11];
    tpp_date_format(day, date);
    /* NUL bytes never occur in values (the reader rejects them), so they separate the parts */
    s->key.len = 0;
    tpp_buf_append(&s->key, nip->s, nip->len + 1);
    tpp_buf_append(&s->key, date, 11);
    tpp_buf_append(&s->key, type, strlen(type) + 1);
    tpp_buf_printf(&s->key, "%lld", (long long)minutes);
    tpp_buf_append(&s->key, "", 1);
    tpp_buf_append(&s->key, ref->s, ref->len);
    if (s->key.oom)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->seen, s->key.data, s->key.len, rec->line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(c, at,
                      "duplicate event: same NIP, date, type, minutes and reference as line %lld "
                      "(give them distinct references if both are real)",
                      (long long)s->seen.entries[i].value);
        return TPP_OK;
    }
    sqlite3_stmt *q = s->stored;
    bind_event(q, nip, day, type, minutes, ref);
    sqlite3_bind_int64(q, 6, c->file_id);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW)
        tpp_imp_error(c, at,
                      "event already imported from '%s' (same NIP, date, type, minutes and "
                      "reference)",
                      (const char *)sqlite3_column_text(q, 0));
    else if (step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot check events");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

static tpp_status evt_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    evt_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val date = tpp_imp_get(c, rec, C_DATE);
    tpp_imp_val type = tpp_imp_get(c, rec, C_TYPE);
    tpp_imp_val minutes_v = tpp_imp_get(c, rec, C_MINUTES);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REFERENCE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    tpp_date day = 0;
    if (date.len > 0)
        tpp_imp_date(c, &date, &day);
    char id[64];
    int type_idx = -1;
    if (type.len > 0 && tpp_imp_id(&type, id, sizeof id))
        type_idx = tpp_rules_event_index(c->rs, id);
    if (type.len > 0 && type_idx < 0) {
        char known[1024] = "";
        for (size_t i = 0; i < c->rs->n_events; i++)
            tpp_imp_list_add(known, sizeof known, c->rs->events[i].id);
        tpp_imp_error(c, type.at,
                      "unknown event type '%s' in column 'type' (the rule pack knows: %s)",
                      tpp_imp_showv(c, &type), known);
    }
    int64_t minutes = 0;
    if (minutes_v.len > 0)
        tpp_imp_int(c, &minutes_v, 0, MINUTES_PER_DAY, &minutes);
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    const char *type_id = c->rs->events[type_idx].id;
    TPP_TRY(check_duplicate(c, s, rec, &nip, day, type_id, minutes, &ref, err));
    if (c->row_errors > 0)
        return TPP_OK;

    sqlite3_stmt *q = s->insert;
    bind_event(q, &nip, day, type_id, minutes, &ref);
    sqlite3_bind_int64(q, 6, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store event", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_events = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = evt_begin,
    .row = evt_row,
    .end = evt_end,
};
