/* Attendance scans. Devices know people by PIN, exports by NIP: either identifies the employee.
 * Scans of people the workspace does not know are common (guests, staff of other regions, people
 * who left) and must not block the month, so they are warnings and skipped. Exact duplicates
 * (overlapping exports of the same device) are collapsed by the table's UNIQUE constraint. */
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"

enum { C_NIP, C_DEVICE_PIN, C_TIMESTAMP, C_DIRECTION, C_DEVICE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", false},
    [C_DEVICE_PIN] = {"device_pin", false},
    [C_TIMESTAMP] = {"timestamp", true},
    [C_DIRECTION] = {"direction", false},
    [C_DEVICE] = {"device", false},
};

typedef struct att_state {
    sqlite3_stmt *insert;
    tpp_strmap nips; /* every employee's NIP */
    tpp_strmap pins; /* device PIN -> index of the NIP in nips */
} att_state;

static void att_check_header(tpp_imp_ctx *c)
{
    if (c->field_of[C_NIP] < 0 && c->field_of[C_DEVICE_PIN] < 0)
        tpp_imp_error(c, (tpp_srcloc){c->path, c->header_line, 1, NULL},
                      "missing required column 'nip' or 'device_pin'");
}

/* One pass over the employees instead of a query per scan: device_pin has no index, and a
 * region's month is millions of scans. */
static tpp_status load_employees(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT nip, device_pin FROM employee", &q, err));
    tpp_status rc = TPP_OK;
    int step = SQLITE_DONE;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        bool found;
        const char *nip = (const char *)sqlite3_column_text(q, 0);
        size_t nip_len = (size_t)sqlite3_column_bytes(q, 0);
        ptrdiff_t i = tpp_strmap_put(&s->nips, nip ? nip : "", nip_len, 0, &found);
        if (i >= 0 && sqlite3_column_type(q, 1) != SQLITE_NULL) {
            const char *pin = (const char *)sqlite3_column_text(q, 1);
            size_t pin_len = (size_t)sqlite3_column_bytes(q, 1);
            if (tpp_strmap_put(&s->pins, pin, pin_len, i, &found) < 0)
                i = -1;
        }
        if (i < 0)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read employees");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status att_begin(tpp_imp_ctx *c, tpp_error *err)
{
    att_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->nips);
    tpp_strmap_init(&s->pins);
    TPP_TRY(load_employees(c, s, err));
    return tpp_store_prepare(c->st,
                             "INSERT OR IGNORE INTO attendance(nip, ts, direction, device, "
                             "file_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                             &s->insert, err);
}

static void att_end(tpp_imp_ctx *c)
{
    att_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    tpp_strmap_release(&s->nips);
    tpp_strmap_release(&s->pins);
    free(s);
    c->state = NULL;
}

/* "" -> 0 unknown, in/0 -> 1, out/1 -> 2 (0 and 1 are ZKTeco's check-in and check-out). */
static const char *const direction_names[] = {"", "in", "0", "out", "1"};
static const int direction_codes[] = {0, 1, 1, 2, 2};

static tpp_status att_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    att_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val pin = tpp_imp_get(c, rec, C_DEVICE_PIN);
    tpp_imp_val ts = tpp_imp_get(c, rec, C_TIMESTAMP);
    tpp_imp_val dir_v = tpp_imp_get(c, rec, C_DIRECTION);
    tpp_imp_val device = tpp_imp_get(c, rec, C_DEVICE);

    if (nip.len == 0 && pin.len == 0)
        tpp_imp_error(c, nip.present ? nip.at : pin.at,
                      "missing value in column 'nip' or 'device_pin' (one is required)");
    if (nip.len > 0)
        tpp_imp_mangled_nip(c, &nip);

    tpp_date day;
    int32_t sec;
    if (ts.len > 0 && !tpp_timestamp_parse(ts.s, ts.len, &day, &sec))
        tpp_imp_error(c, ts.at,
                      "invalid timestamp '%s' in column 'timestamp' (expected YYYY-MM-DD "
                      "HH:MM:SS)",
                      tpp_imp_showv(c, &ts));
    int dir = tpp_imp_match(&dir_v, direction_names, 5);
    if (dir < 0)
        tpp_imp_error(c, dir_v.at,
                      "invalid direction '%s' in column 'direction' (expected in, out, 0 or 1, "
                      "or empty)",
                      tpp_imp_showv(c, &dir_v));
    if (c->row_errors > 0)
        return TPP_OK;

    /* Who: the NIP when given, else the PIN; both given must agree. */
    ptrdiff_t who = -1;
    if (nip.len > 0)
        who = tpp_strmap_find(&s->nips, nip.s, nip.len);
    if (pin.len > 0) {
        ptrdiff_t p = tpp_strmap_find(&s->pins, pin.s, pin.len);
        ptrdiff_t by_pin = p >= 0 ? (ptrdiff_t)s->pins.entries[p].value : -1;
        if (nip.len > 0 && who >= 0 && by_pin >= 0 && by_pin != who) {
            tpp_imp_error(c, pin.at, "device_pin '%s' belongs to NIP '%s', not to NIP '%s'",
                          tpp_imp_showv(c, &pin), s->nips.entries[by_pin].key,
                          tpp_imp_showv(c, &nip));
            return TPP_OK;
        }
        if (nip.len == 0)
            who = by_pin;
    }
    if (who < 0) {
        if (nip.len > 0)
            tpp_imp_warning(c, nip.at, "unknown NIP '%s': scan not imported",
                            tpp_imp_showv(c, &nip));
        else
            tpp_imp_warning(c, pin.at, "unknown device_pin '%s': scan not imported",
                            tpp_imp_showv(c, &pin));
        c->stats->skipped++;
        return TPP_OK;
    }

    ts.s[10] = ' '; /* "YYYY-MM-DDTHH:MM:SS" is stored in the canonical form */
    const tpp_strmap_entry *e = &s->nips.entries[who];
    sqlite3_stmt *q = s->insert;
    sqlite3_bind_text(q, 1, e->key, (int)e->len, SQLITE_STATIC);
    tpp_imp_bind_text(q, 2, ts.s, ts.len);
    sqlite3_bind_int(q, 3, direction_codes[dir]);
    tpp_imp_bind_text(q, 4, device.s, device.len);
    sqlite3_bind_int64(q, 5, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store attendance", err));
    if (sqlite3_changes(c->st->db) == 0)
        c->stats->duplicates++;
    else
        c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_attendance = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .check_header = att_check_header,
    .begin = att_begin,
    .row = att_row,
    .end = att_end,
};
