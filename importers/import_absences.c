/* Absences (leave, official travel, sickness): date ranges of a type the rule pack knows. Two
 * absences of one employee may not overlap, in the file or with what is stored: a day can only
 * be classified once, and an overlap usually means the same leave was exported twice. */
#include <stdio.h>
#include <stdlib.h>

#include "importers/import_int.h"

enum { C_NIP, C_TYPE, C_START_DATE, C_END_DATE, C_REFERENCE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_TYPE] = {"type", true},
    [C_START_DATE] = {"start_date", true},
    [C_END_DATE] = {"end_date", true},
    [C_REFERENCE] = {"reference", false},
};

/* An absence stored from this file, chained per employee for the overlap check. */
typedef struct span {
    tpp_date start;
    tpp_date end;
    unsigned line;
    int type;
    ptrdiff_t next; /* previous span of the same employee, or -1 */
} span;

typedef struct abs_state {
    sqlite3_stmt *insert;
    sqlite3_stmt *overlap;
    tpp_strmap by_nip; /* NIP -> index of its latest span */
    span *spans;
    size_t n_spans;
    size_t cap_spans;
} abs_state;

static tpp_status abs_begin(tpp_imp_ctx *c, tpp_error *err)
{
    abs_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->by_nip);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO absence(nip, type, start_date, end_date, reference, "
                              "file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &s->insert, err));
    return tpp_store_prepare(c->st,
                             "SELECT a.type, a.start_date, a.end_date, f.path FROM absence a "
                             "JOIN input_file f ON f.id = a.file_id WHERE a.nip = ?1 AND "
                             "a.start_date <= ?3 AND a.end_date >= ?2 AND a.file_id <> ?4 "
                             "ORDER BY a.start_date LIMIT 1",
                             &s->overlap, err);
}

static void abs_end(tpp_imp_ctx *c)
{
    abs_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->overlap);
    tpp_strmap_release(&s->by_nip);
    free(s->spans);
    free(s);
    c->state = NULL;
}

static void known_types(const tpp_ruleset *rs, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < rs->n_absences; i++)
        tpp_imp_list_add(buf, size, rs->absences[i].id);
}

/* Overlap with an absence stored by an earlier file. */
static tpp_status check_stored(tpp_imp_ctx *c, abs_state *s, const tpp_imp_val *nip, tpp_date start,
                               tpp_date end, tpp_srcloc at, tpp_error *err)
{
    sqlite3_stmt *q = s->overlap;
    tpp_imp_bind_text(q, 1, nip->s, nip->len);
    tpp_imp_bind_date(q, 2, start);
    tpp_imp_bind_date(q, 3, end);
    sqlite3_bind_int64(q, 4, c->file_id);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW) {
        char a[11], b[11];
        tpp_date_format(start, a);
        tpp_date_format(end, b);
        tpp_imp_error(
            c, at, "absence %s..%s overlaps absence '%s' %s..%s imported from '%s'", a, b,
            (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
            (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3));
    } else if (step != SQLITE_DONE) {
        rc = tpp_store_fail(c->st, err, "cannot check absences");
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* Overlap with an earlier row of this file; on success the span is added. */
static tpp_status check_file(tpp_imp_ctx *c, abs_state *s, const tpp_imp_val *nip, span sp,
                             tpp_srcloc at, bool *ok, tpp_error *err)
{
    bool found;
    ptrdiff_t k = tpp_strmap_put(&s->by_nip, nip->s, nip->len, -1, &found);
    if (k < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    *ok = true;
    for (ptrdiff_t i = (ptrdiff_t)s->by_nip.entries[k].value; i >= 0; i = s->spans[i].next) {
        const span *o = &s->spans[i];
        if (o->start <= sp.end && sp.start <= o->end) {
            char a[11], b[11], oa[11], ob[11];
            tpp_date_format(sp.start, a);
            tpp_date_format(sp.end, b);
            tpp_date_format(o->start, oa);
            tpp_date_format(o->end, ob);
            tpp_imp_error(c, at, "absence %s..%s overlaps absence '%s' %s..%s on line %u", a, b,
                          c->rs->absences[o->type].id, oa, ob, o->line);
            *ok = false;
            return TPP_OK;
        }
    }
    if (s->n_spans == s->cap_spans) {
        size_t cap = s->cap_spans ? s->cap_spans * 2 : 64;
        span *spans = realloc(s->spans, cap * sizeof *spans);
        if (spans == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        s->spans = spans;
        s->cap_spans = cap;
    }
    sp.next = (ptrdiff_t)s->by_nip.entries[k].value;
    s->spans[s->n_spans] = sp;
    s->by_nip.entries[k].value = (int64_t)s->n_spans++;
    return TPP_OK;
}

static tpp_status abs_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    abs_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val type = tpp_imp_get(c, rec, C_TYPE);
    tpp_imp_val from = tpp_imp_get(c, rec, C_START_DATE);
    tpp_imp_val to = tpp_imp_get(c, rec, C_END_DATE);
    tpp_imp_val ref = tpp_imp_get(c, rec, C_REFERENCE);

    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    char id[64];
    int type_idx = -1;
    if (type.len > 0 && tpp_imp_id(&type, id, sizeof id))
        type_idx = tpp_rules_absence_index(c->rs, id);
    if (type.len > 0 && type_idx < 0) {
        char known[1024];
        known_types(c->rs, known, sizeof known);
        tpp_imp_error(c, type.at,
                      "unknown absence type '%s' in column 'type' (the rule pack knows: %s)",
                      tpp_imp_showv(c, &type), known);
    }
    tpp_date start = 0, end = 0;
    bool start_ok = from.len > 0 && tpp_imp_date(c, &from, &start);
    bool end_ok = to.len > 0 && tpp_imp_date(c, &to, &end);
    if (start_ok && end_ok && end < start)
        tpp_imp_error(c, to.at, "end_date '%s' is before start_date '%s'", tpp_imp_showv(c, &to),
                      tpp_imp_showv(c, &from));
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;

    bool ok = false;
    span sp = {start, end, rec->line, type_idx, -1};
    TPP_TRY(check_file(c, s, &nip, sp, from.at, &ok, err));
    if (!ok)
        return TPP_OK;
    TPP_TRY(check_stored(c, s, &nip, start, end, from.at, err));
    if (c->row_errors > 0)
        return TPP_OK;

    sqlite3_stmt *q = s->insert;
    tpp_imp_bind_text(q, 1, nip.s, nip.len);
    sqlite3_bind_text(q, 2, c->rs->absences[type_idx].id, -1, SQLITE_STATIC);
    tpp_imp_bind_date(q, 3, start);
    tpp_imp_bind_date(q, 4, end);
    tpp_imp_bind_text(q, 5, ref.s, ref.len);
    sqlite3_bind_int64(q, 6, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store absence", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_absences = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = abs_begin,
    .row = abs_row,
    .end = abs_end,
};
