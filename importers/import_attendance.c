/* Attendance scans. Devices know people by PIN, exports by NIP: either identifies the employee.
 * Scans of people the workspace does not know are common (guests, staff of other regions, people
 * who left) and must not block the month, so they are warnings and skipped. Exact duplicates
 * (overlapping exports of the same device) are collapsed by the table's UNIQUE constraint. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/util.h"

#include "importers/import_int.h"

enum { C_NIP, C_DEVICE_PIN, C_TIMESTAMP, C_DIRECTION, C_DEVICE, C_VERIFY, C_WORKCODE, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", false},
    [C_DEVICE_PIN] = {"device_pin", false},
    [C_TIMESTAMP] = {"timestamp", true},
    [C_DIRECTION] = {"direction", false},
    [C_DEVICE] = {"device", false},
    [C_VERIFY] = {"verify", false},
    [C_WORKCODE] = {"workcode", false},
};

/* Unknown PINs are summed per device and PIN, not warned about per scan: a device that still
 * holds a departed employee's finger yields hundreds of scans a month. */
typedef struct unknown_pin {
    unsigned first_line, first_col;
    bool is_nip;
    size_t scans;
    char first_ts[32], last_ts[32];
} unknown_pin;

/* Scans are inserted in sorted batches: a device log interleaves every employee, and inserting
 * in file order touches a random page of the (nip, ts) index for each scan. */
enum { BATCH = 1 << 16 };

typedef struct pending {
    const char *nip; /* a key of nips: stable */
    char ts[20];
    int dir;
    uint32_t dev_off, dev_len; /* in devices */
} pending;

typedef struct att_state {
    sqlite3_stmt *insert;
    pending *batch;
    size_t n_batch;
    tpp_buf devices;
    tpp_strmap nips;    /* every employee's NIP -> UTC offset of the unit in hours, or 0 */
    tpp_strmap pins;    /* employee.device_pin -> index of the NIP in nips */
    tpp_strmap mapped;  /* device "\0" pin -> index of the NIP in nips (device_pin table) */
    tpp_strmap unknown; /* device "\0" pin-or-NIP -> index into unk */
    unknown_pin *unk;
    size_t unk_cap;
    tpp_buf key;
    int clock_offset;  /* --timezone, hours; 0 = take scans as unit-local */
    tpp_date from, to; /* --period, or TPP_DATE_NONE */
} att_state;

static int zone_offset(const char *z)
{
    if (z == NULL)
        return 0;
    if (strcasecmp(z, "WIB") == 0)
        return 7;
    if (strcasecmp(z, "WITA") == 0)
        return 8;
    if (strcasecmp(z, "WIT") == 0)
        return 9;
    return -1;
}

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
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT e.nip, e.device_pin, u.timezone FROM employee e "
                              "LEFT JOIN unit u ON u.code = e.unit_code",
                              &q, err));
    tpp_status rc = TPP_OK;
    int step = SQLITE_DONE;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        bool found;
        const char *nip = (const char *)sqlite3_column_text(q, 0);
        size_t nip_len = (size_t)sqlite3_column_bytes(q, 0);
        int tz = zone_offset((const char *)sqlite3_column_text(q, 2));
        ptrdiff_t i = tpp_strmap_put(&s->nips, nip ? nip : "", nip_len, tz, &found);
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
    TPP_TRY(rc);

    TPP_TRY(tpp_store_prepare(c->st, "SELECT device, pin, nip FROM device_pin", &q, err));
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        bool found;
        const char *nip = (const char *)sqlite3_column_text(q, 2);
        ptrdiff_t who = tpp_strmap_find(&s->nips, nip, (size_t)sqlite3_column_bytes(q, 2));
        if (who < 0)
            continue; /* an employee removed since: the PIN counts as unknown */
        s->key.len = 0;
        tpp_buf_append(&s->key, (const char *)sqlite3_column_text(q, 0),
                       (size_t)sqlite3_column_bytes(q, 0) + 1);
        tpp_buf_append(&s->key, (const char *)sqlite3_column_text(q, 1),
                       (size_t)sqlite3_column_bytes(q, 1));
        if (s->key.oom || tpp_strmap_put(&s->mapped, s->key.data, s->key.len, who, &found) < 0)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read device PINs");
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
    tpp_strmap_init(&s->mapped);
    tpp_strmap_init(&s->unknown);
    s->from = s->to = TPP_DATE_NONE;
    if (c->opts->period_year > 0) {
        s->from = tpp_date_from_ymd(c->opts->period_year, c->opts->period_month, 1);
        s->to = s->from + tpp_days_in_month(c->opts->period_year, c->opts->period_month) - 1;
    }
    s->clock_offset = zone_offset(c->opts->timezone);
    if (s->clock_offset < 0)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "unknown timezone '%s' (expected WIB, WITA or WIT)", c->opts->timezone);
    TPP_TRY(load_employees(c, s, err));
    s->batch = malloc(BATCH * sizeof *s->batch);
    if (s->batch == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
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
    tpp_strmap_release(&s->mapped);
    tpp_strmap_release(&s->unknown);
    tpp_buf_release(&s->key);
    tpp_buf_release(&s->devices);
    free(s->batch);
    free(s->unk);
    free(s);
    c->state = NULL;
}

/* "" -> 0 unknown; in/0 and out/1 are ZKTeco's check-in and check-out; its break-out (2) and
 * break-in (3) are neither the start nor the end of the day; overtime-in (4) and -out (5) are. */
static const char *const direction_names[] = {"", "in", "0", "out", "1", "2", "3", "4", "5"};
static const int direction_codes[] = {0, 1, 1, 2, 2, 0, 0, 1, 2};

static tpp_status note_unknown(tpp_imp_ctx *c, att_state *s, const tpp_imp_val *device,
                               const tpp_imp_val *who, const char *ts, tpp_error *err)
{
    s->key.len = 0;
    tpp_buf_append(&s->key, device->s, device->len + 1);
    tpp_buf_append(&s->key, who->s, who->len);
    if (s->key.oom)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->unknown, s->key.data, s->key.len, 0, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (!found) {
        if ((size_t)i >= s->unk_cap) {
            size_t cap = s->unk_cap ? s->unk_cap * 2 : 64;
            unknown_pin *u = realloc(s->unk, cap * sizeof *u);
            if (u == NULL)
                return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            s->unk = u;
            s->unk_cap = cap;
        }
        s->unk[i] =
            (unknown_pin){who->at.line, who->at.col, strcmp(who->at.field, "nip") == 0, 0, "", ""};
        snprintf(s->unk[i].first_ts, sizeof s->unk[i].first_ts, "%s", ts);
    }
    unknown_pin *u = &s->unk[i];
    u->scans++;
    if (strcmp(ts, u->first_ts) < 0)
        snprintf(u->first_ts, sizeof u->first_ts, "%s", ts);
    if (strcmp(ts, u->last_ts) > 0)
        snprintf(u->last_ts, sizeof u->last_ts, "%s", ts);
    c->stats->skipped++;
    return TPP_OK;
}

static int cmp_pending(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    int r = strcmp(x->nip, y->nip);
    if (r == 0)
        r = memcmp(x->ts, y->ts, 19);
    if (r == 0)
        r = (x->dir > y->dir) - (x->dir < y->dir);
    if (r == 0) /* equal scans: the first in the file is stored, as without the batch */
        r = (x > y) - (x < y);
    return r;
}

static tpp_status flush(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    if (c->n_errors > 0) { /* the file will be refused: do not bother the database */
        s->n_batch = 0;
        s->devices.len = 0;
        return TPP_OK;
    }
    qsort(s->batch, s->n_batch, sizeof *s->batch, cmp_pending);
    sqlite3_stmt *q = s->insert;
    for (size_t i = 0; i < s->n_batch; i++) {
        const pending *p = &s->batch[i];
        sqlite3_bind_text(q, 1, p->nip, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, p->ts, 19, SQLITE_STATIC);
        sqlite3_bind_int(q, 3, p->dir);
        sqlite3_bind_text(q, 4, s->devices.len ? s->devices.data + p->dev_off : "", (int)p->dev_len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, c->file_id);
        TPP_TRY(tpp_imp_step_done(c, q, "cannot store attendance", err));
        if (sqlite3_changes(c->st->db) == 0)
            c->stats->duplicates++;
        else
            c->stats->inserted++;
    }
    s->n_batch = 0;
    s->devices.len = 0;
    return TPP_OK;
}

static tpp_status att_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    att_state *s = c->state;
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    tpp_imp_val pin = tpp_imp_get(c, rec, C_DEVICE_PIN);
    tpp_imp_val ts = tpp_imp_get(c, rec, C_TIMESTAMP);
    tpp_imp_val dir_v = tpp_imp_get(c, rec, C_DIRECTION);
    tpp_imp_val device = tpp_imp_get(c, rec, C_DEVICE);
    tpp_imp_val verify = tpp_imp_get(c, rec, C_VERIFY);
    tpp_imp_val workcode = tpp_imp_get(c, rec, C_WORKCODE);
    if (device.len == 0 && c->opts->device != NULL) {
        device.s = (char *)(uintptr_t)c->opts->device; /* only read */
        device.len = strlen(c->opts->device);
    }

    if (nip.len == 0 && pin.len == 0)
        tpp_imp_error(c, nip.present ? nip.at : pin.at,
                      "missing value in column 'nip' or 'device_pin' (one is required)");
    if (nip.len > 0)
        tpp_imp_mangled_nip(c, &nip);

    tpp_date day = 0;
    int32_t sec = 0;
    if (ts.len > 0 && !tpp_timestamp_parse(ts.s, ts.len, &day, &sec))
        tpp_imp_error(c, ts.at,
                      "invalid timestamp '%s' in column 'timestamp' (expected YYYY-MM-DD "
                      "HH:MM:SS)",
                      tpp_imp_showv(c, &ts));
    int dir = tpp_imp_match(&dir_v, direction_names, 9);
    if (dir < 0)
        tpp_imp_error(c, dir_v.at,
                      "invalid direction '%s' in column 'direction' (expected in, out, or a "
                      "device status 0-5, or empty)",
                      tpp_imp_showv(c, &dir_v));
    int64_t code;
    if (verify.len > 0)
        tpp_imp_int(c, &verify, 0, 255, &code);
    if (workcode.len > 0)
        tpp_imp_int(c, &workcode, 0, 999999, &code);
    if (c->row_errors > 0)
        return TPP_OK;

    /* Who: the NIP when given, else the PIN (the device's map, the map for every device, the
     * employee's own PIN); both given must agree. */
    ptrdiff_t who = -1;
    if (nip.len > 0)
        who = tpp_strmap_find(&s->nips, nip.s, nip.len);
    if (pin.len > 0) {
        ptrdiff_t by_pin = -1;
        if (s->mapped.n > 0) {
            s->key.len = 0;
            tpp_buf_append(&s->key, device.s, device.len + 1);
            tpp_buf_append(&s->key, pin.s, pin.len);
            ptrdiff_t m = s->key.oom ? -1 : tpp_strmap_find(&s->mapped, s->key.data, s->key.len);
            if (m < 0 && device.len > 0) {
                m = tpp_strmap_find(&s->mapped, s->key.data + device.len, pin.len + 1);
            }
            if (m >= 0)
                by_pin = (ptrdiff_t)s->mapped.entries[m].value;
        }
        if (by_pin < 0) {
            ptrdiff_t p = tpp_strmap_find(&s->pins, pin.s, pin.len);
            by_pin = p >= 0 ? (ptrdiff_t)s->pins.entries[p].value : -1;
        }
        if (nip.len > 0 && who >= 0 && by_pin >= 0 && by_pin != who) {
            tpp_imp_error(c, pin.at, "device_pin '%s' belongs to NIP '%s', not to NIP '%s'",
                          tpp_imp_showv(c, &pin), s->nips.entries[by_pin].key,
                          tpp_imp_showv(c, &nip));
            return TPP_OK;
        }
        if (nip.len == 0)
            who = by_pin;
    }

    /* The clock's zone to the unit's: a WITA device clock read for a WIB unit is an hour
     * ahead of the unit's time. */
    bool shifted = false;
    if (who >= 0 && s->clock_offset > 0 && s->nips.entries[who].value > 0 &&
        s->nips.entries[who].value != s->clock_offset) {
        shifted = true;
        sec += (int32_t)(s->nips.entries[who].value - s->clock_offset) * 3600;
        if (sec < 0) {
            sec += 86400;
            day--;
        } else if (sec >= 86400) {
            sec -= 86400;
            day++;
        }
    }
    char when[32];
    if (shifted) {
        char date[11];
        tpp_date_format(day, date);
        snprintf(when, sizeof when, "%s %02d:%02d:%02d", date, (int)(sec / 3600),
                 (int)(sec / 60 % 60), (int)(sec % 60));
    } else {
        memcpy(when, ts.s, 19); /* already checked: YYYY-MM-DD?HH:MM:SS */
        when[10] = ' ';
        when[19] = '\0';
    }

    if (s->from != TPP_DATE_NONE && (day < s->from || day > s->to)) {
        c->stats->out_of_period++;
        return TPP_OK;
    }
    if (who < 0)
        return note_unknown(c, s, &device, nip.len > 0 ? &nip : &pin, when, err);

    if (s->n_batch == BATCH)
        TPP_TRY(flush(c, s, err));
    pending *p = &s->batch[s->n_batch++];
    p->nip = s->nips.entries[who].key;
    memcpy(p->ts, when, 20);
    p->dir = direction_codes[dir];
    /* most files name one device: keep a run of equal names once */
    if (s->devices.len >= device.len && s->n_batch > 1 &&
        s->batch[s->n_batch - 2].dev_len == device.len &&
        memcmp(s->devices.data + s->batch[s->n_batch - 2].dev_off, device.s, device.len) == 0) {
        p->dev_off = s->batch[s->n_batch - 2].dev_off;
    } else {
        p->dev_off = (uint32_t)s->devices.len;
        tpp_buf_append(&s->devices, device.s, device.len);
        if (s->devices.oom)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    p->dev_len = (uint32_t)device.len;
    return TPP_OK;
}

/* One warning per unknown PIN (at its first scan) and a row in unknown_scan for the
 * completeness report. */
static tpp_status att_finish(tpp_imp_ctx *c, tpp_error *err)
{
    att_state *s = c->state;
    TPP_TRY(flush(c, s, err));
    if (s->from != TPP_DATE_NONE && c->stats->out_of_period > 0)
        tpp_imp_warning(c, (tpp_srcloc){c->path, 0, 0, NULL},
                        "%zu scans outside the period %04d-%02d were not imported",
                        c->stats->out_of_period, c->opts->period_year, c->opts->period_month);
    if (s->unknown.n == 0)
        return TPP_OK;
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO unknown_scan(file_id, device, pin, scans, first_ts, "
                              "last_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &q, err));
    tpp_status rc = TPP_OK;
    for (size_t i = 0; i < s->unknown.n && rc == TPP_OK; i++) {
        const tpp_strmap_entry *e = &s->unknown.entries[i];
        const char *dev = e->key;
        size_t dev_len = strlen(dev);
        const char *who = e->key + dev_len + 1;
        const unknown_pin *u = &s->unk[i];
        tpp_imp_warning(c, (tpp_srcloc){c->path, u->first_line, u->first_col, NULL},
                        "unknown %s '%s'%s%s%s: %zu scan%s not imported (%s .. %s); map it with "
                        "'tpp import device_pins' or import the employee",
                        u->is_nip ? "NIP" : "device_pin", tpp_imp_show(c, who, strlen(who)),
                        dev_len ? " on device '" : "", dev_len ? tpp_imp_show(c, dev, dev_len) : "",
                        dev_len ? "'" : "", u->scans, u->scans == 1 ? "" : "s", u->first_ts,
                        u->last_ts);
        sqlite3_bind_int64(q, 1, c->file_id);
        sqlite3_bind_text(q, 2, dev, (int)dev_len, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, who, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)u->scans);
        sqlite3_bind_text(q, 5, u->first_ts, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, u->last_ts, -1, SQLITE_STATIC);
        rc = tpp_imp_step_done(c, q, "cannot store unknown scans", err);
        c->stats->unknown_scans += u->scans;
    }
    c->stats->unknown_pins = s->unknown.n;
    sqlite3_finalize(q);
    return rc;
}

const tpp_imp_kind tpp_imp_attendance = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .check_header = att_check_header,
    .begin = att_begin,
    .row = att_row,
    .finish = att_finish,
    .end = att_end,
};
