/* Attendance scans. Devices know people by PIN, exports by NIP: either identifies the employee.
 * Scans of people the workspace does not know are common (guests, staff of other regions, people
 * who left) and must not block the month, so they are warnings and skipped. Exact duplicates
 * (overlapping exports of the same device) are collapsed when the scans are merged into the
 * packed per-employee-month rows of attendance_month (engine/attpack.h): the scans of the file are
 * gathered as 64-bit keys (employee, seconds, direction), radix-sorted, and each employee's month
 * merged with what is stored, one row write per employee and month instead of one B-tree insert
 * per scan. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/attpack.h"
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

/* Scans are gathered, sorted and merged in batches this large (16 bytes each, twice for the
 * sort: 6 GiB at the most, allocated as the file needs it). A file comes in time order, so every
 * batch touches the stored month of nearly every employee: at 16 M scans a batch, a national
 * file of 150 M scans was merged in 10 rounds, each reading and rewriting all 4 M employee-month
 * rows (412 s); in one round it is read and written once. Any national single-file export
 * (~170 M scans) fits in one batch. */
enum { BATCH = 192 << 20 };

/* key: employee (who, 24 bits) << 40 | seconds since KEY_BASE (38 bits) << 2 | dir.
 * Sorting by key stably gives each employee's scans in time order, equal scans in file order. */
typedef struct scan {
    uint64_t key;
    uint32_t dev; /* index into devs */
} scan;

#define WHO_BITS 24
#define T_BITS 38
/* NIPs and PINs are digits: looked up as integers in a flat table, one cache miss per scan
 * instead of a hash slot, an entry and a key compare (the string maps keep every key; this
 * table holds those of up to 18 digits). */
typedef struct numslot {
    uint64_t v;     /* the digits' value */
    uint32_t len;   /* digits: "007" is not "7" */
    int32_t value1; /* the value + 1; 0 = empty */
} numslot;

typedef struct nummap {
    numslot *slots;
    size_t n, mask;
} nummap;

static bool num_key(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > 18)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

static size_t num_slot_of(const nummap *m, uint64_t v, size_t len)
{
    return (size_t)(((v + len) * 0x9E3779B97F4A7C15ULL) >> 20) & m->mask;
}

static size_t num_slot(const nummap *m, uint64_t v, size_t len)
{
    size_t i = num_slot_of(m, v, len);
    while (m->slots[i].value1 != 0 && (m->slots[i].v != v || m->slots[i].len != len))
        i = (i + 1) & m->mask;
    return i;
}

/* value for a key not yet there (the first of equal keys wins, as in tpp_strmap_put) */
static bool num_put(nummap *m, const char *s, size_t len, int32_t value)
{
    uint64_t v;
    if (!num_key(s, len, &v))
        return true;
    if ((m->n + 1) * 2 > m->mask) {
        size_t n_slots = m->slots ? (m->mask + 1) * 2 : 1024;
        numslot *old = m->slots;
        size_t old_n = m->slots ? m->mask + 1 : 0;
        m->slots = calloc(n_slots, sizeof *m->slots);
        if (m->slots == NULL) {
            m->slots = old;
            return false;
        }
        m->mask = n_slots - 1;
        for (size_t k = 0; k < old_n; k++)
            if (old[k].value1 != 0)
                m->slots[num_slot(m, old[k].v, old[k].len)] = old[k];
        free(old);
    }
    size_t i = num_slot(m, v, len);
    if (m->slots[i].value1 == 0) {
        m->slots[i] = (numslot){v, (uint32_t)len, value + 1};
        m->n++;
    }
    return true;
}

/* Room for n keys at once: the table is not rebuilt at every doubling while it is filled. */
static bool num_reserve(nummap *m, size_t n)
{
    size_t n_slots = 1024;
    while ((n + 1) * 2 > n_slots - 1)
        n_slots *= 2;
    if (m->slots != NULL || n_slots == 1024)
        return true;
    if ((m->slots = calloc(n_slots, sizeof *m->slots)) == NULL)
        return false;
    m->mask = n_slots - 1;
    return true;
}

/* -1: not there; -2: not a numeric key (ask the string map) */
static ptrdiff_t num_find(const nummap *m, const char *s, size_t len)
{
    uint64_t v;
    if (!num_key(s, len, &v))
        return -2;
    if (m->slots == NULL)
        return -1;
    return (ptrdiff_t)m->slots[num_slot(m, v, len)].value1 - 1;
}

/* A scan whose employee is looked up a few rows later (see att_row): its slot is fetched into
 * the cache meanwhile. Only scans by a numeric NIP, no PIN, no clock zone, a short device. */
enum { PEND = 16 };
typedef struct pending {
    uint64_t v;     /* the NIP's digits */
    uint64_t tdir;  /* seconds since key_base << 2 | direction code */
    unsigned line, col;
    uint8_t len, dev_len;
    char nip[19], when[20], dev[64];
} pending;

typedef struct att_state {
    sqlite3_stmt *get, *put, *dev_add, *dev_id, *any;
    /* months of this flush, and whether any scans of them were stored when it began */
    struct {
        char month[8];
        bool stored;
    } months[16];
    size_t n_months;
    scan *batch, *tmp;
    size_t n_batch, cap_batch;
    tpp_strmap devs;  /* device name -> index into dev_ids */
    uint32_t *dev_ids; /* att_device.id, 0 until stored */
    size_t dev_cap;
    ptrdiff_t last_dev; /* devs index of the previous row's device, or -1 */
    tpp_date key_base;
    uint8_t *out;      /* merged scans of one employee-month */
    size_t out_cap;
    uint8_t *old;      /* its stored scans, all parts */
    size_t old_cap;
    /* The employees in NIP order, addressed by index ("who"): NIP and the unit's UTC offset in
     * hours (0: not known). A NIP or PIN of digits is found in its nummap, any other in its
     * strmap (value: the index); each key is in exactly one of the two. */
    size_t n_emp;
    uint32_t *nip_at;   /* offset of the NIP in nip_text */
    int8_t *emp_zone;
    tpp_buf nip_text;   /* the NIPs, each NUL-terminated */
    nummap nip_num;     /* numeric NIPs -> who */
    tpp_strmap nips;    /* other NIPs -> who */
    nummap pin_num;     /* numeric employee.device_pin -> who */
    tpp_strmap pins;    /* other employee.device_pin -> who */
    tpp_strmap mapped;  /* device "\0" pin -> who (device_pin table) */
    tpp_strmap unknown; /* device "\0" pin-or-NIP -> index into unk */
    unknown_pin *unk;
    size_t unk_cap;
    tpp_buf key;
    int32_t clock_offset; /* --timezone, minutes east of UTC; ZONE_NONE = scans are unit-local */
    tpp_date from, to; /* --period, or TPP_DATE_NONE */
    pending pend[PEND]; /* a ring, in file order */
    size_t pend_head, n_pend;
} att_state;

/* who of a NIP or PIN: in the nummap when it is digits, else in the strmap; -1 when neither */
static ptrdiff_t find_in(const nummap *num, const tpp_strmap *other, const char *s, size_t len)
{
    ptrdiff_t who = num_find(num, s, len);
    if (who != -2)
        return who;
    ptrdiff_t i = tpp_strmap_find(other, s, len);
    return i >= 0 ? (ptrdiff_t)other->entries[i].value : -1;
}

static ptrdiff_t find_nip(const att_state *s, const char *nip, size_t len)
{
    return find_in(&s->nip_num, &s->nips, nip, len);
}

static const char *nip_of(const att_state *s, ptrdiff_t who)
{
    return s->nip_text.data + s->nip_at[who];
}

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

/* A scan's clock: minutes east of UTC, from a zone name (WIB, WITA, WIT, UTC, or an offset
 * "+08:00" / "+0800") or ZONE_NONE (none given: the scan is in the unit's local time). */
#define ZONE_NONE INT32_MIN
#define ZONE_BAD  (INT32_MIN + 1)

static int32_t clock_minutes(const char *z, size_t len)
{
    if (len == 0)
        return ZONE_NONE;
    if ((len == 1 && (z[0] == 'Z' || z[0] == 'z')) || (len == 3 && strncasecmp(z, "UTC", 3) == 0))
        return 0;
    static const char *const names[] = {"WIB", "WITA", "WIT"};
    for (int i = 0; i < 3; i++)
        if (len == strlen(names[i]) && strncasecmp(z, names[i], len) == 0)
            return (7 + i) * 60;
    /* +HH:MM or +HHMM (ISO 8601), -HH:MM; hours 0..14 */
    if ((z[0] != '+' && z[0] != '-') || (len != 6 && len != 5) || (len == 6 && z[3] != ':'))
        return ZONE_BAD;
    const char *mm = z + (len == 6 ? 4 : 3);
    for (const char *d = z + 1; d < z + len; d++)
        if (d != z + 3 || len == 5)
            if (*d < '0' || *d > '9')
                return ZONE_BAD;
    int h = (z[1] - '0') * 10 + (z[2] - '0'), m = (mm[0] - '0') * 10 + (mm[1] - '0');
    if (h > 14 || m > 59)
        return ZONE_BAD;
    return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
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
    /* In NIP order: the batches are merged by employee index, so that the rows of
     * attendance_month (key month, nip) are then written in key order, appended to the B-tree
     * instead of scattered over it (scattered, a national month's pages spill from the cache to
     * the WAL and are looked up there again: 2.5x slower at 400,000 employees). The order also
     * decides which employee a device PIN stored twice names: the smallest NIP. */
    TPP_TRY(tpp_store_prepare(c->st, "SELECT count(*) FROM employee", &q, err));
    size_t n_rows = sqlite3_step(q) == SQLITE_ROW ? (size_t)sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    q = NULL;
    if (n_rows >= (size_t)1 << WHO_BITS)
        return tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                        "more than %lu employees: attendance cannot be imported",
                        (unsigned long)1 << WHO_BITS);
    /* A file without PINs (the usual export by NIP) needs no PIN maps: 4 M fewer inserts */
    bool want_pins = c->field_of[C_DEVICE_PIN] != -1;
    s->nip_at = malloc((n_rows + 1) * sizeof *s->nip_at);
    s->emp_zone = malloc(n_rows + 1);
    if (s->nip_at == NULL || s->emp_zone == NULL || !num_reserve(&s->nip_num, n_rows) ||
        !num_reserve(&s->pin_num, want_pins ? n_rows : 0))
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT e.nip, e.device_pin, u.timezone FROM employee e "
                              "LEFT JOIN unit u ON u.code = e.unit_code ORDER BY e.nip",
                              &q, err));
    tpp_status rc = TPP_OK;
    int step = SQLITE_DONE;
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        bool found;
        const char *nip = (const char *)sqlite3_column_text(q, 0);
        size_t nip_len = (size_t)sqlite3_column_bytes(q, 0);
        if (nip == NULL)
            nip = "";
        if (s->n_emp == n_rows) { /* rows the count did not see: a bug, not an input problem */
            rc = tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "employees changed while read");
            break;
        }
        int32_t i = (int32_t)s->n_emp++;
        s->nip_at[i] = (uint32_t)s->nip_text.len;
        s->emp_zone[i] = (int8_t)zone_offset((const char *)sqlite3_column_text(q, 2));
        tpp_buf_append(&s->nip_text, nip, nip_len + 1);
        bool ok = !s->nip_text.oom && s->nip_text.len <= UINT32_MAX;
        uint64_t v;
        if (ok && !num_key(nip, nip_len, &v))
            ok = tpp_strmap_put(&s->nips, nip, nip_len, i, &found) >= 0;
        else if (ok)
            ok = num_put(&s->nip_num, nip, nip_len, i);
        if (ok && want_pins && sqlite3_column_type(q, 1) != SQLITE_NULL) {
            const char *pin = (const char *)sqlite3_column_text(q, 1);
            size_t pin_len = (size_t)sqlite3_column_bytes(q, 1);
            if (!num_key(pin, pin_len, &v))
                ok = tpp_strmap_put(&s->pins, pin, pin_len, i, &found) >= 0;
            else
                ok = num_put(&s->pin_num, pin, pin_len, i);
        }
        if (!ok)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    if (rc == TPP_OK && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read employees");
    sqlite3_finalize(q);
    TPP_TRY(rc);
    if (!want_pins)
        return TPP_OK;

    TPP_TRY(tpp_store_prepare(c->st, "SELECT device, pin, nip FROM device_pin", &q, err));
    while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        bool found;
        const char *nip = (const char *)sqlite3_column_text(q, 2);
        ptrdiff_t who = find_nip(s, nip ? nip : "", (size_t)sqlite3_column_bytes(q, 2));
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
    tpp_strmap_init(&s->devs);
    s->last_dev = -1;
    s->key_base = tpp_date_from_ymd(1899, 12, 31); /* a day before any parsable date */
    s->from = s->to = TPP_DATE_NONE;
    if (c->opts->period_year > 0) {
        s->from = tpp_date_from_ymd(c->opts->period_year, c->opts->period_month, 1);
        s->to = s->from + tpp_days_in_month(c->opts->period_year, c->opts->period_month) - 1;
    }
    s->clock_offset = clock_minutes(c->opts->timezone ? c->opts->timezone : "",
                                    c->opts->timezone ? strlen(c->opts->timezone) : 0);
    if (s->clock_offset == ZONE_BAD)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "unknown timezone '%s' (expected WIB, WITA, WIT, UTC or +HH:MM)",
                        c->opts->timezone);
    TPP_TRY(load_employees(c, s, err));
    if (c->file_id > TPP_ATT_MAX_FILE)
        return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                        "input file id %lld exceeds the attendance record's %d",
                        (long long)c->file_id, TPP_ATT_MAX_FILE);
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT scans FROM attendance_month WHERE month = ?1 AND nip = ?2 "
                              "ORDER BY part",
                              &s->get, err));
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT OR REPLACE INTO attendance_month(month, nip, part, n, days, "
                              "scans) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &s->put, err));
    TPP_TRY(tpp_store_prepare(c->st, "INSERT OR IGNORE INTO att_device(name) VALUES (?1)",
                              &s->dev_add, err));
    TPP_TRY(tpp_store_prepare(c->st, "SELECT 1 FROM attendance_month WHERE month = ?1 LIMIT 1",
                              &s->any, err));
    return tpp_store_prepare(c->st, "SELECT id FROM att_device WHERE name = ?1", &s->dev_id, err);
}

static void att_end(tpp_imp_ctx *c)
{
    att_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->get);
    sqlite3_finalize(s->put);
    sqlite3_finalize(s->dev_add);
    sqlite3_finalize(s->dev_id);
    sqlite3_finalize(s->any);
    tpp_strmap_release(&s->devs);
    free(s->dev_ids);
    free(s->tmp);
    free(s->out);
    free(s->old);
    free(s->nip_at);
    free(s->emp_zone);
    tpp_buf_release(&s->nip_text);
    tpp_strmap_release(&s->nips);
    tpp_strmap_release(&s->pins);
    free(s->nip_num.slots);
    free(s->pin_num.slots);
    tpp_strmap_release(&s->mapped);
    tpp_strmap_release(&s->unknown);
    tpp_buf_release(&s->key);
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

/* The batch sorted by key, stably (equal scans stay in file order).
 *
 * By employee first: an LSD radix sort of the employee's 24 bits in two digits of 12 (4,096
 * buckets, whose write positions stay in the cache), a digit equal in every key skipped. Then
 * each employee's scans by time: a file comes in time order, so they nearly are already, and an
 * insertion sort finishes a run of a few dozen in one pass; a longer run that is out of order
 * (a file of several months, or sorted by device) is merge-sorted. A radix sort of all 64 bits
 * took seven passes over the batch (15 s of a national import, 150 M scans); this takes two. */
enum { WHO_DIGIT = 12, SHORT_RUN = 32 };

static void sort_run(scan *a, scan *scratch, size_t n)
{
    if (n <= SHORT_RUN) {
        for (size_t i = 1; i < n; i++) {
            scan x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1].key > x.key; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    size_t i = 1;
    while (i < n && a[i - 1].key <= a[i].key)
        i++;
    if (i == n)
        return;
    size_t half = n / 2;
    sort_run(a, scratch, half);
    sort_run(a + half, scratch, n - half);
    if (a[half - 1].key <= a[half].key)
        return;
    memcpy(scratch, a, half * sizeof *a);
    size_t l = 0, r = half, o = 0;
    while (l < half && r < n) /* the left run first on equal keys: stable */
        a[o++] = a[r].key < scratch[l].key ? a[r++] : scratch[l++];
    while (l < half)
        a[o++] = scratch[l++];
}

static void sort_batch(att_state *s)
{
    size_t n = s->n_batch;
    static_assert(2 * WHO_DIGIT == WHO_BITS, "two digits cover the employee");
    enum { BUCKETS = 1 << WHO_DIGIT, SHIFT = T_BITS + 2 };
    size_t count[2][BUCKETS] = {{0}}; /* 64 KiB */
    scan *from = s->batch, *to = s->tmp;
    for (size_t i = 0; i < n; i++) {
        uint64_t who = from[i].key >> SHIFT;
        count[0][who & (BUCKETS - 1)]++;
        count[1][who >> WHO_DIGIT]++;
    }
    for (int d = 0; d < 2; d++) {
        size_t *cnt = count[d], pos = 0;
        unsigned shift = SHIFT + (unsigned)d * WHO_DIGIT;
        if (cnt[(from[0].key >> shift) & (BUCKETS - 1)] == n)
            continue;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t c = cnt[b];
            cnt[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            to[cnt[(from[i].key >> shift) & (BUCKETS - 1)]++] = from[i];
        scan *t = from;
        from = to;
        to = t;
    }
    for (size_t b = 0; b < n;) {
        uint64_t who = from[b].key >> SHIFT;
        size_t e = b + 1;
        while (e < n && from[e].key >> SHIFT == who)
            e++;
        sort_run(from + b, to, e - b);
        b = e;
    }
    s->batch = from;
    s->tmp = to;
}

/* att_device ids of the devices first seen since the last flush */
static tpp_status store_devices(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    for (size_t i = 0; i < s->devs.n; i++) {
        if (s->dev_ids[i] != 0)
            continue;
        const tpp_strmap_entry *e = &s->devs.entries[i];
        sqlite3_bind_text(s->dev_add, 1, e->key, (int)e->len, SQLITE_STATIC);
        TPP_TRY(tpp_imp_step_done(c, s->dev_add, "cannot store attendance devices", err));
        sqlite3_bind_text(s->dev_id, 1, e->key, (int)e->len, SQLITE_STATIC);
        int64_t id = sqlite3_step(s->dev_id) == SQLITE_ROW ? sqlite3_column_int64(s->dev_id, 0)
                                                          : -1;
        sqlite3_reset(s->dev_id);
        if (id <= 0)
            return tpp_store_fail(c->st, err, "cannot store attendance devices");
        if (id > TPP_ATT_MAX_ID)
            return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC,
                            "more than %d attendance devices: the record cannot hold device %lld",
                            TPP_ATT_MAX_ID, (long long)id);
        s->dev_ids[i] = (uint32_t)id;
    }
    return TPP_OK;
}

static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t want = need > 2 * *cap ? need : 2 * *cap;
    uint8_t *p = realloc(*buf, want);
    if (p == NULL)
        return false;
    *buf = p;
    *cap = want;
    return true;
}

/* Whether any scans of month (YYYY-MM) were stored when this flush began. When none were, an
 * employee's month is not read back before it is written (4 M look-ups of a national month's
 * first import): each employee's month is merged once a flush, so what the flush has written
 * is never what it would read. Months past the first 16 of a flush are always read. */
static tpp_status month_stored(tpp_imp_ctx *c, att_state *s, const char *month, bool *stored,
                               tpp_error *err)
{
    for (size_t i = 0; i < s->n_months; i++) {
        if (memcmp(s->months[i].month, month, 8) == 0) {
            *stored = s->months[i].stored;
            return TPP_OK;
        }
    }
    *stored = true;
    if (s->n_months == sizeof s->months / sizeof s->months[0])
        return TPP_OK;
    sqlite3_bind_text(s->any, 1, month, 7, SQLITE_STATIC);
    int step = sqlite3_step(s->any);
    sqlite3_reset(s->any);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return tpp_store_fail(c->st, err, "cannot read attendance");
    *stored = step == SQLITE_ROW;
    memcpy(s->months[s->n_months].month, month, 8);
    s->months[s->n_months++].stored = *stored;
    return TPP_OK;
}

/* Merge the sorted scans [b, e) of one employee and month (first day d0) into the stored row. */
static tpp_status merge_month(tpp_imp_ctx *c, att_state *s, const scan *b, const scan *e,
                              const char *nip, tpp_date d0, tpp_error *err)
{
    int y, m, d;
    tpp_date_to_ymd(d0, &y, &m, &d);
    char month[16];
    snprintf(month, sizeof month, "%04d-%02d", y % 10000, m % 100);
    bool stored;
    TPP_TRY(month_stored(c, s, month, &stored, err));
    sqlite3_bind_text(s->get, 1, month, 7, SQLITE_STATIC);
    sqlite3_bind_text(s->get, 2, nip, -1, SQLITE_STATIC);
    size_t n_old = 0;
    int step = SQLITE_DONE;
    while (stored && (step = sqlite3_step(s->get)) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(s->get, 0) / TPP_ATT_REC * TPP_ATT_REC;
        if (!grow(&s->old, &s->old_cap, n_old * TPP_ATT_REC + len)) {
            sqlite3_reset(s->get);
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        }
        memcpy(s->old + n_old * TPP_ATT_REC, sqlite3_column_blob(s->get, 0), len);
        n_old += len / TPP_ATT_REC;
    }
    sqlite3_reset(s->get);
    if (step != SQLITE_DONE)
        return tpp_store_fail(c->st, err, "cannot read attendance");
    if (!grow(&s->out, &s->out_cap, (n_old + (size_t)(e - b)) * TPP_ATT_REC))
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    const uint8_t *old = s->old;
    /* Stored scans first on equal keys: a scan already there keeps its device and file. */
    uint8_t *o = s->out, rec[TPP_ATT_REC];
    size_t i = 0, added = 0;
    uint64_t last = UINT64_MAX;
    const uint64_t t_mask = ((uint64_t)1 << T_BITS) - 1;
    bool have_new = false;
    uint64_t nk = 0;
    while (i < n_old || b < e) {
        if (!have_new && b < e) {
            uint64_t t = b->key >> 2 & t_mask;
            unsigned dom = (unsigned)((tpp_date)(t / 86400) + s->key_base - d0) + 1;
            tpp_att_pack(rec, dom, (unsigned)(t % 86400), (unsigned)(b->key & 3),
                         s->dev_ids[b->dev], (uint32_t)c->file_id);
            nk = tpp_att_key(rec);
            have_new = true;
        }
        const uint8_t *src;
        uint64_t k;
        bool is_new;
        if (i < n_old && (!have_new || tpp_att_key(old + i * TPP_ATT_REC) <= nk)) {
            src = old + i * TPP_ATT_REC;
            k = tpp_att_key(src);
            is_new = false;
            i++;
        } else {
            src = rec;
            k = nk;
            is_new = true;
            have_new = false;
            b++;
        }
        if (k == last) {
            if (is_new)
                c->stats->duplicates++;
            continue;
        }
        last = k;
        memcpy(o, src, TPP_ATT_REC);
        o += TPP_ATT_REC;
        if (is_new)
            added++;
    }
    if (added == 0)
        return TPP_OK;
    /* rewrite the parts from the first that changed; the count of parts only grows */
    size_t n = (size_t)(o - s->out) / TPP_ATT_REC;
    size_t same = 0;
    while (same < n_old && memcmp(s->out + same * TPP_ATT_REC, old + same * TPP_ATT_REC,
                                  TPP_ATT_REC) == 0)
        same++;
    c->stats->inserted += added;
    for (size_t part = same / TPP_ATT_PART; part * TPP_ATT_PART < n; part++) {
        const uint8_t *r = s->out + part * TPP_ATT_PART * TPP_ATT_REC;
        size_t k = n - part * TPP_ATT_PART < TPP_ATT_PART ? n - part * TPP_ATT_PART : TPP_ATT_PART;
        int64_t days = 0;
        for (size_t j = 0; j < k; j++)
            days |= (int64_t)1 << (tpp_att_dom(r + j * TPP_ATT_REC) - 1);
        sqlite3_bind_text(s->put, 1, month, 7, SQLITE_STATIC);
        sqlite3_bind_text(s->put, 2, nip, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->put, 3, (sqlite3_int64)part);
        sqlite3_bind_int64(s->put, 4, (sqlite3_int64)k);
        sqlite3_bind_int64(s->put, 5, days);
        sqlite3_bind_blob(s->put, 6, r, (int)(k * TPP_ATT_REC), SQLITE_STATIC);
        TPP_TRY(tpp_imp_step_done(c, s->put, "cannot store attendance", err));
    }
    return TPP_OK;
}

static tpp_status flush(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    if (c->n_errors > 0 || s->n_batch == 0) { /* refused anyway: do not bother the database */
        s->n_batch = 0;
        return TPP_OK;
    }
    scan *tmp = realloc(s->tmp, s->cap_batch * sizeof *tmp);
    if (tmp == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    s->tmp = tmp;
    sort_batch(s);
    TPP_TRY(store_devices(c, s, err));
    s->n_months = 0;
    const scan *p = s->batch, *end = s->batch + s->n_batch;
    while (p < end) {
        uint64_t who = p->key >> (T_BITS + 2);
        tpp_date day = (tpp_date)((p->key >> 2 & (((uint64_t)1 << T_BITS) - 1)) / 86400) +
                       s->key_base;
        int y, m, d;
        tpp_date_to_ymd(day, &y, &m, &d);
        tpp_date d0 = day - (d - 1);
        /* keys below this one are the employee's scans of the month */
        uint64_t stop = who << (T_BITS + 2) |
                        (uint64_t)(d0 + tpp_days_in_month(y, m) - s->key_base) * 86400 << 2;
        const scan *q = p;
        while (q < end && q->key < stop)
            q++;
        TPP_TRY(merge_month(c, s, p, q, nip_of(s, who), d0, err));
        p = q;
    }
    s->n_batch = 0;
    return TPP_OK;
}

/* index into devs of the row's device name */
static ptrdiff_t device_index(att_state *s, const tpp_imp_val *device)
{
    if (s->last_dev >= 0) {
        const tpp_strmap_entry *e = &s->devs.entries[s->last_dev];
        if (e->len == device->len && memcmp(e->key, device->s, device->len) == 0)
            return s->last_dev;
    }
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->devs, device->len ? device->s : "", device->len, 0, &found);
    if (i < 0)
        return -1;
    if (!found && (size_t)i >= s->dev_cap) {
        size_t cap = s->dev_cap ? s->dev_cap * 2 : 16;
        uint32_t *ids = realloc(s->dev_ids, cap * sizeof *ids);
        if (ids == NULL)
            return -1;
        s->dev_ids = ids;
        s->dev_cap = cap;
    }
    if (!found)
        s->dev_ids[i] = 0;
    s->last_dev = i;
    return i;
}

static tpp_status add_scan(tpp_imp_ctx *c, att_state *s, ptrdiff_t who,
                           const tpp_imp_val *device, tpp_date day, int32_t sec, int code,
                           tpp_error *err);
static tpp_status add_key(tpp_imp_ctx *c, att_state *s, ptrdiff_t who, const tpp_imp_val *device,
                          uint64_t tdir, tpp_error *err);
static tpp_status drain(tpp_imp_ctx *c, att_state *s, tpp_error *err);
static tpp_status resolve_one(tpp_imp_ctx *c, att_state *s, tpp_error *err);

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
    /* A machine timestamp may carry its clock: "...Z", "... UTC" or an offset "+08:00"; it
     * wins over --timezone for that scan. */
    int32_t clock = s->clock_offset;
    size_t ts_len = ts.len;
    if (ts.len > 19) {
        size_t k = 19;
        while (k < ts.len && ts.s[k] == ' ')
            k++;
        clock = k < ts.len ? clock_minutes(ts.s + k, ts.len - k) : ZONE_BAD;
        ts_len = clock == ZONE_BAD ? ts.len : 19;
    }
    if (ts.len > 0 && !tpp_timestamp_parse(ts.s, ts_len, &day, &sec))
        tpp_imp_error(c, ts.at,
                      ts.len > 19 ? "invalid timestamp '%s' in column 'timestamp' (expected "
                                    "YYYY-MM-DD HH:MM:SS, optionally followed by Z, UTC or an "
                                    "offset +HH:MM)"
                                  : "invalid timestamp '%s' in column 'timestamp' (expected "
                                    "YYYY-MM-DD HH:MM:SS)",
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

    /* The common scan (a numeric NIP, no PIN, the device's clock in the unit's zone) is looked
     * up PEND rows later, its table slot prefetched now: scans come in time order, so each
     * look-up would otherwise wait for memory. Which day it is does not depend on the employee
     * then, so the period is checked first, as below. */
    uint64_t nv;
    if (nip.len > 0 && pin.len == 0 && clock == ZONE_NONE && device.len < 64 &&
        num_key(nip.s, nip.len, &nv)) {
        if (s->from != TPP_DATE_NONE && (day < s->from || day > s->to)) {
            c->stats->out_of_period++;
            return TPP_OK;
        }
        if (s->n_pend == PEND)
            TPP_TRY(resolve_one(c, s, err));
        pending *p = &s->pend[(s->pend_head + s->n_pend++) % PEND];
        p->v = nv;
        p->len = (uint8_t)nip.len;
        p->tdir = ((uint64_t)(day - s->key_base) * 86400 + (uint64_t)sec) << 2 |
                  (uint64_t)direction_codes[dir];
        p->line = nip.at.line;
        p->col = nip.at.col;
        memcpy(p->nip, nip.s, nip.len + 1);
        memcpy(p->when, ts.s, 19); /* already checked: YYYY-MM-DD?HH:MM:SS */
        p->when[10] = ' ';
        p->when[19] = '\0';
        p->dev_len = (uint8_t)device.len;
        memcpy(p->dev, device.s, device.len);
        p->dev[device.len] = '\0';
        if (s->nip_num.slots != NULL)
            __builtin_prefetch(&s->nip_num.slots[num_slot_of(&s->nip_num, nv, nip.len)]);
        return TPP_OK;
    }
    TPP_TRY(drain(c, s, err));

    /* Who: the NIP when given, else the PIN (the device's map, the map for every device, the
     * employee's own PIN); both given must agree. */
    ptrdiff_t who = -1;
    if (nip.len > 0)
        who = find_nip(s, nip.s, nip.len);
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
            by_pin = find_in(&s->pin_num, &s->pins, pin.s, pin.len);
        }
        if (nip.len > 0 && who >= 0 && by_pin >= 0 && by_pin != who) {
            tpp_imp_error(c, pin.at, "device_pin '%s' belongs to NIP '%s', not to NIP '%s'",
                          tpp_imp_showv(c, &pin), nip_of(s, by_pin),
                          tpp_imp_showv(c, &nip));
            return TPP_OK;
        }
        if (nip.len == 0)
            who = by_pin;
    }

    /* The clock's zone to the unit's: a WITA device clock read for a WIB unit is an hour
     * ahead of the unit's time, a UTC timestamp eight hours behind a WITA unit's. Scans are
     * stored in the unit's local time (the time its working hours are written in), so the
     * month and the day a scan belongs to are the unit's; replay re-imports the file with the
     * same option against the same units, and a unit's zone cannot change under stored scans
     * (import_units.c). A clock given for a unit whose zone is not known is an error: guessing
     * would put every scan hours off. */
    bool shifted = false;
    if (who >= 0 && clock != ZONE_NONE) {
        int64_t unit = s->emp_zone[who];
        if (unit <= 0) {
            tpp_imp_error(c, ts.at,
                          "the unit of NIP '%s' has no timezone, so a scan on another clock "
                          "cannot be placed in its day (import units with their timezone first)",
                          nip_of(s, who));
            return TPP_OK;
        }
        if (unit * 60 != clock) {
            shifted = true;
            sec += (int32_t)(unit * 60 - clock) * 60;
            if (sec < 0) {
                sec += 86400;
                day--;
            } else if (sec >= 86400) {
                sec -= 86400;
                day++;
            }
        }
    }
    if (s->from != TPP_DATE_NONE && (day < s->from || day > s->to)) {
        c->stats->out_of_period++;
        return TPP_OK;
    }
    if (who < 0) {
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
        return note_unknown(c, s, &device, nip.len > 0 ? &nip : &pin, when, err);
    }

    return add_scan(c, s, who, &device, day, sec, direction_codes[dir], err);
}

static tpp_status add_scan(tpp_imp_ctx *c, att_state *s, ptrdiff_t who,
                           const tpp_imp_val *device, tpp_date day, int32_t sec, int code,
                           tpp_error *err)
{
    return add_key(c, s, who, device, ((uint64_t)(day - s->key_base) * 86400 + (uint64_t)sec) << 2 |
                                          (uint64_t)code,
                   err);
}

static tpp_status add_key(tpp_imp_ctx *c, att_state *s, ptrdiff_t who, const tpp_imp_val *device,
                          uint64_t tdir, tpp_error *err)
{
    if (s->n_batch == BATCH)
        TPP_TRY(flush(c, s, err));
    if (s->n_batch == s->cap_batch) {
        size_t cap = s->cap_batch ? s->cap_batch * 2 : 4096;
        if (cap > BATCH)
            cap = BATCH;
        scan *b = realloc(s->batch, cap * sizeof *b);
        if (b == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        s->batch = b;
        s->cap_batch = cap;
    }
    ptrdiff_t dev = device_index(s, device);
    if (dev < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    scan *p = &s->batch[s->n_batch++];
    p->key = (uint64_t)who << (T_BITS + 2) | tdir;
    p->dev = (uint32_t)dev;
    return TPP_OK;
}

/* Look up the oldest pending scan and take it as att_row would have. */
static tpp_status resolve_one(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    pending *p = &s->pend[s->pend_head];
    s->pend_head = (s->pend_head + 1) % PEND;
    s->n_pend--;
    ptrdiff_t who = -1;
    if (s->nip_num.slots != NULL)
        who = (ptrdiff_t)s->nip_num.slots[num_slot(&s->nip_num, p->v, p->len)].value1 - 1;
    tpp_imp_val device = {p->dev, p->dev_len, {c->path, 0, 0, "device"}, true, 0};
    if (who < 0) {
        tpp_imp_val nip = {p->nip, p->len, {c->path, p->line, p->col, "nip"}, true, 0};
        return note_unknown(c, s, &device, &nip, p->when, err);
    }
    return add_key(c, s, who, &device, p->tdir, err);
}

/* Every pending scan, before a row that is taken at once (file order is kept) and at the end. */
static tpp_status drain(tpp_imp_ctx *c, att_state *s, tpp_error *err)
{
    while (s->n_pend > 0)
        TPP_TRY(resolve_one(c, s, err));
    return TPP_OK;
}

/* One warning per unknown PIN (at its first scan) and a row in unknown_scan for the
 * completeness report. */
static tpp_status att_finish(tpp_imp_ctx *c, tpp_error *err)
{
    att_state *s = c->state;
    TPP_TRY(drain(c, s, err));
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
