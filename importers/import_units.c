/* Units (OPD) and the timezone of their clocks. Devices record local time without a zone
 * (domain brief §7.1); knowing each unit's zone lets scans from a device set to another zone
 * be moved to the unit's time (tpp import attendance --timezone). */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_CODE, C_NAME, C_TZ, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_CODE] = {"unit_code", true},
    [C_NAME] = {"unit_name", false},
    [C_TZ] = {"timezone", true},
};

static const char *const zones[] = {"WIB", "WITA", "WIT"};

typedef struct unit_state {
    sqlite3_stmt *upsert;
    sqlite3_stmt *scans; /* the unit's stored zone, when its employees have scans stored */
    tpp_strmap seen;
} unit_state;

static tpp_status unit_begin(tpp_imp_ctx *c, tpp_error *err)
{
    unit_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT u.timezone FROM unit u WHERE u.code = ?1 AND EXISTS "
                              "(SELECT 1 FROM employee e JOIN attendance_month a ON a.nip = e.nip "
                              "WHERE e.unit_code = u.code)",
                              &s->scans, err));
    return tpp_store_prepare(c->st,
                             "INSERT INTO unit(code, name, timezone, file_id) VALUES (?1, ?2, ?3, "
                             "?4) ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                             "timezone = excluded.timezone, file_id = excluded.file_id",
                             &s->upsert, err);
}

static void unit_end(tpp_imp_ctx *c)
{
    unit_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->upsert);
    sqlite3_finalize(s->scans);
    tpp_strmap_release(&s->seen);
    free(s);
    c->state = NULL;
}

static tpp_status unit_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    unit_state *s = c->state;
    tpp_imp_val code = tpp_imp_get(c, rec, C_CODE);
    tpp_imp_val name = tpp_imp_get(c, rec, C_NAME);
    tpp_imp_val tz = tpp_imp_get(c, rec, C_TZ);
    int z = tz.len > 0 ? tpp_imp_match(&tz, zones, 3) : 0;
    if (z < 0)
        tpp_imp_error(c, tz.at,
                      "unknown timezone '%s' in column 'timezone' (expected WIB, WITA or WIT)",
                      tpp_imp_showv(c, &tz));
    if (code.len > 0) {
        bool found;
        ptrdiff_t i = tpp_strmap_put(&s->seen, code.s, code.len, rec->line, &found);
        if (i < 0)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        if (found)
            tpp_imp_error(c, code.at, "duplicate unit_code '%s' (also on line %lld)",
                          tpp_imp_showv(c, &code), (long long)s->seen.entries[i].value);
    }
    /* Scans are stored in their unit's local time (import_attendance.c): a new zone under
     * stored scans would leave them hours off while the trace named the new zone. */
    if (code.len > 0 && z >= 0) {
        tpp_imp_bind_text(s->scans, 1, code.s, code.len);
        int step = sqlite3_step(s->scans);
        if (step == SQLITE_ROW &&
            strcmp((const char *)sqlite3_column_text(s->scans, 0), zones[z]) != 0)
            tpp_imp_error(c, tz.at,
                          "timezone of unit '%s' cannot change under stored scans: they are in "
                          "its %s time, and would be read as %s",
                          tpp_imp_showv(c, &code), (const char *)sqlite3_column_text(s->scans, 0),
                          zones[z]);
        else if (step != SQLITE_ROW && step != SQLITE_DONE)
            return tpp_store_fail(c->st, err, "cannot read units");
        sqlite3_reset(s->scans);
    }
    if (c->row_errors > 0)
        return TPP_OK;
    sqlite3_stmt *q = s->upsert;
    tpp_imp_bind_text(q, 1, code.s, code.len);
    tpp_imp_bind_text(q, 2, name.s, name.len);
    sqlite3_bind_text(q, 3, zones[z], -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store unit", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_units = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = unit_begin,
    .row = unit_row,
    .end = unit_end,
};
