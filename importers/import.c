/* Importing one CSV file: the driver (hash, idempotence, transaction, header, rows) and the
 * helpers the per-kind files share. The kinds themselves are in import_<kind>.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "engine/mask.h"
#include "engine/util.h"
#include "importers/attlog.h"
#include "importers/import_int.h"
#include "importers/nip.h"
#include "importers/stream.h"
#include "importers/xlsx.h"

static const char *const kind_names[TPP_KIND_COUNT] = {
    [TPP_KIND_EMPLOYEES] = "employees",     [TPP_KIND_ATTENDANCE] = "attendance",
    [TPP_KIND_ABSENCES] = "absences",       [TPP_KIND_EVENTS] = "events",
    [TPP_KIND_PERFORMANCE] = "performance", [TPP_KIND_HOLIDAYS] = "holidays",
    [TPP_KIND_SANCTIONS] = "sanctions",     [TPP_KIND_ASSIGNMENTS] = "assignments",
    [TPP_KIND_ROSTER] = "roster",           [TPP_KIND_UNITS] = "units",
    [TPP_KIND_DEVICE_PINS] = "device_pins",
    [TPP_KIND_ANNUAL] = "annual",
    [TPP_KIND_ZAKAT] = "zakat",
    [TPP_KIND_TRANSFERS] = "transfers",
};

const char *tpp_import_kind_name(tpp_import_kind kind)
{
    return (unsigned)kind < TPP_KIND_COUNT ? kind_names[kind] : "unknown";
}

bool tpp_import_kind_parse(const char *s, tpp_import_kind *out)
{
    for (int k = 0; k < TPP_KIND_COUNT; k++) {
        if (strcmp(s, kind_names[k]) == 0) {
            *out = (tpp_import_kind)k;
            return true;
        }
    }
    return false;
}

static const tpp_imp_kind *kind_ops(tpp_import_kind kind)
{
    switch (kind) {
    case TPP_KIND_EMPLOYEES:
        return &tpp_imp_employees;
    case TPP_KIND_ATTENDANCE:
        return &tpp_imp_attendance;
    case TPP_KIND_ABSENCES:
        return &tpp_imp_absences;
    case TPP_KIND_EVENTS:
        return &tpp_imp_events;
    case TPP_KIND_PERFORMANCE:
        return &tpp_imp_performance;
    case TPP_KIND_HOLIDAYS:
        return &tpp_imp_holidays;
    case TPP_KIND_SANCTIONS:
        return &tpp_imp_sanctions;
    case TPP_KIND_ASSIGNMENTS:
        return &tpp_imp_assignments;
    case TPP_KIND_ROSTER:
        return &tpp_imp_roster;
    case TPP_KIND_UNITS:
        return &tpp_imp_units;
    case TPP_KIND_DEVICE_PINS:
        return &tpp_imp_device_pins;
    case TPP_KIND_ANNUAL:
        return &tpp_imp_annual;
    case TPP_KIND_ZAKAT:
        return &tpp_imp_zakat;
    case TPP_KIND_TRANSFERS:
        return &tpp_imp_transfers;
    case TPP_KIND_COUNT:
        break;
    }
    return NULL;
}

/* ---- diagnostics ------------------------------------------------------------------------ */

/* The reason of an error is its message up to the first value ("invalid date", "unknown NIP"),
 * with the column: a clerk fixing 400 bad rows wants to know it is 380 dates in one column. */
static void count_reason(tpp_imp_ctx *c, const char *fmt, const char *field)
{
    /* the message without its values: "end_date '%s' is before start_date '%s'" ->
     * "end_date is before start_date"; it ends at the first explanation or colon */
    char text[80];
    size_t n = 0, k = 0;
    while (fmt[k] != '\0' && fmt[k] != '(' && fmt[k] != ':' && fmt[k] != ';' &&
           n + 1 < sizeof text) {
        if (fmt[k] == '\'' && fmt[k + 1] == '%')
            k++;
        if (fmt[k] != '%') {
            text[n++] = fmt[k++];
            continue;
        }
        k++;
        while (fmt[k] != '\0' && strchr("0123456789.-lzh", fmt[k]) != NULL)
            k++;
        if (fmt[k] != '\0')
            k++; /* the conversion letter */
        if (fmt[k] == '\'')
            k++;
        if (n > 0 && text[n - 1] == ' ' && fmt[k] == ' ')
            n--;
    }
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\''))
        n--;
    text[n] = '\0';
    char *col = strstr(text, " in column");
    if (col != NULL)
        *col = '\0';
    char reason[96];
    if (field != NULL)
        snprintf(reason, sizeof reason, "%s (column '%s')", text, field);
    else
        snprintf(reason, sizeof reason, "%s", text);
    for (size_t i = 0; i < c->n_reasons; i++) {
        if (strcmp(c->reasons[i].reason, reason) == 0) {
            c->reasons[i].count++;
            return;
        }
    }
    size_t i = c->n_reasons;
    if (i >= TPP_IMP_MAX_REASONS - 1) {
        i = TPP_IMP_MAX_REASONS - 1;
        snprintf(reason, sizeof reason, "other reasons");
    }
    if (i == c->n_reasons)
        c->n_reasons++;
    snprintf(c->reasons[i].reason, sizeof c->reasons[i].reason, "%s", reason);
    c->reasons[i].count++;
}

__attribute__((format(printf, 4, 0))) static void vreport(tpp_imp_ctx *c, bool error, tpp_srcloc at,
                                                          const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (error) {
        c->n_errors++;
        c->row_errors++;
        count_reason(c, fmt, at.field);
        tpp_diag_error(c->diags, at, "%s", msg);
    } else {
        tpp_diag_warning(c->diags, at, "%s", msg);
    }
}

void tpp_imp_error(tpp_imp_ctx *c, tpp_srcloc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, true, at, fmt, ap);
    va_end(ap);
}

void tpp_imp_warning(tpp_imp_ctx *c, tpp_srcloc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, false, at, fmt, ap);
    va_end(ap);
}

/* Values in messages are shortened (a field may be 64 KiB) and control characters escaped
 * (a quoted field may hold a newline), so that every diagnostic stays one readable line. */
const char *tpp_imp_show(tpp_imp_ctx *c, const char *s, size_t len)
{
    enum { MAX_SHOWN = 60 };
    char *out = c->show[c->show_next++ % 4];
    size_t o = 0, cap = sizeof c->show[0];
    size_t i = 0;
    for (; i < len && o + 8 < cap && i < MAX_SHOWN; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7F)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", ch);
        else
            out[o++] = (char)ch;
    }
    if (i < len) {
        /* do not cut a UTF-8 sequence in half */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)out[o - 1] >= 0xC0)
            o--;
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

const char *tpp_imp_showv(tpp_imp_ctx *c, const tpp_imp_val *v)
{
    if (tpp_mask_is_personal_field(v->at.field) && !tpp_mask_personal_shown()) {
        char masked[sizeof c->show[0]];
        tpp_mask(v->s, v->len, masked, sizeof masked);
        return tpp_imp_show(c, masked, strlen(masked));
    }
    return tpp_imp_show(c, v->s, v->len);
}

tpp_srcloc tpp_imp_row_loc(const tpp_imp_ctx *c, const tpp_csv_record *rec)
{
    return (tpp_srcloc){c->path, rec->line, 1, NULL};
}

/* ---- values ----------------------------------------------------------------------------- */

/* Spreadsheets leave spaces, tabs and no-break spaces (U+00A0) around values. */
static size_t blank_at(const char *s, size_t len)
{
    if (len >= 1 && (s[0] == ' ' || s[0] == '\t'))
        return 1;
    if (len >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 2;
    return 0;
}

static size_t blank_before(const char *s, size_t len)
{
    if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        return 1;
    if (len >= 2 && (unsigned char)s[len - 2] == 0xC2 && (unsigned char)s[len - 1] == 0xA0)
        return 2;
    return 0;
}

static void trim_field(tpp_csv_field *f)
{
    size_t n;
    while ((n = blank_at(f->text, f->len)) > 0) {
        f->text += n;
        f->len -= n;
        f->col++;
    }
    while ((n = blank_before(f->text, f->len)) > 0)
        f->len -= n;
    f->text[f->len] = '\0';
}

tpp_imp_val tpp_imp_get(tpp_imp_ctx *c, const tpp_csv_record *rec, int column)
{
    const char *name = c->kind->columns[column].name;
    int i = c->field_of[column];
    if (i == TPP_IMP_CONSTANT) {
        char *buf = c->constant_buf[column];
        snprintf(buf, sizeof c->constant_buf[0], "%s", c->constant[column]);
        return (tpp_imp_val){buf, strlen(buf), {c->mapping->path, 1, 1, name}, true, 0};
    }
    if (i < 0 || (size_t)i >= rec->n_fields) {
        c->empty[0] = '\0';
        return (tpp_imp_val){c->empty, 0, {c->path, rec->line, 1, name}, false, 0};
    }
    tpp_csv_field *f = &rec->fields[i];
    trim_field(f);
    return (tpp_imp_val){f->text, f->len, {c->path, f->line, f->col, name}, true, f->flags};
}

int tpp_imp_match(const tpp_imp_val *v, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(v->s, set[i]) == 0)
            return (int)i;
    return -1;
}

bool tpp_imp_id(const tpp_imp_val *v, char *buf, size_t size)
{
    size_t o = 0;
    bool sep = false;
    for (size_t i = 0; i < v->len; i++) {
        char ch = v->s[i];
        if (ch == ' ' || ch == '-' || ch == '_' || ch == '\t') {
            sep = o > 0;
            continue;
        }
        if (o + 2 >= size)
            return false;
        if (sep)
            buf[o++] = '_';
        sep = false;
        buf[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    buf[o] = '\0';
    return true;
}

bool tpp_imp_date(tpp_imp_ctx *c, const tpp_imp_val *v, tpp_date *out)
{
    if (tpp_date_parse(v->s, v->len, out))
        return true;
    tpp_imp_error(c, v->at, "invalid date '%s' in column '%s' (expected YYYY-MM-DD)",
                  tpp_imp_showv(c, v), v->at.field);
    return false;
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "1.234.567", "1,234,567", "1 234 567": digit groups of three after the first. */
static bool has_group_separators(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i > 3 || i == len)
        return false;
    char sep = s[i];
    if (sep != '.' && sep != ',' && sep != ' ')
        return false;
    while (i < len) {
        if (s[i] != sep || len - i < 4 || !all_digits(s + i + 1, 3))
            return false;
        i += 4;
    }
    return true;
}

bool tpp_imp_money(tpp_imp_ctx *c, const tpp_imp_val *v, tpp_money *out)
{
    if (tpp_money_parse(v->s, v->len, out)) {
        if (*out >= 0)
            return true;
        tpp_imp_error(c, v->at,
                      "negative amount '%s' in column '%s' (expected whole rupiah, 0 or more)",
                      tpp_imp_showv(c, v), v->at.field);
        return false;
    }
    const char *s = v->s;
    size_t len = v->len;
    if (len >= 2 && strncasecmp(s, "rp", 2) == 0) {
        tpp_imp_error(c, v->at,
                      "invalid amount '%s' in column '%s' (expected whole rupiah as plain digits, "
                      "without 'Rp', e.g. 1234567)",
                      tpp_imp_showv(c, v), v->at.field);
        return false;
    }
    if (has_group_separators(s, len)) {
        tpp_imp_error(c, v->at,
                      "invalid amount '%s' in column '%s' (expected whole rupiah without thousands "
                      "separators, e.g. 1234567)",
                      tpp_imp_showv(c, v), v->at.field);
        return false;
    }
    tpp_ratio r;
    if (tpp_ratio_parse(s, len, &r)) {
        tpp_imp_error(c, v->at,
                      "invalid amount '%s' in column '%s' (expected whole rupiah, no decimals)",
                      tpp_imp_showv(c, v), v->at.field);
        return false;
    }
    tpp_imp_error(c, v->at,
                  "invalid amount '%s' in column '%s' (expected whole rupiah, e.g. 1234567)",
                  tpp_imp_showv(c, v), v->at.field);
    return false;
}

bool tpp_imp_int(tpp_imp_ctx *c, const tpp_imp_val *v, int64_t min, int64_t max, int64_t *out)
{
    if (!all_digits(v->s, v->len) || v->len > 18) {
        tpp_imp_error(c, v->at,
                      "invalid number '%s' in column '%s' (expected a whole number from %lld to "
                      "%lld)",
                      tpp_imp_showv(c, v), v->at.field, (long long)min, (long long)max);
        return false;
    }
    int64_t n = 0;
    for (size_t i = 0; i < v->len; i++)
        n = n * 10 + (v->s[i] - '0');
    if (n < min || n > max) {
        tpp_imp_error(c, v->at,
                      "value '%s' in column '%s' is out of range (expected a whole number from "
                      "%lld to %lld)",
                      tpp_imp_showv(c, v), v->at.field, (long long)min, (long long)max);
        return false;
    }
    *out = n;
    return true;
}

bool tpp_imp_mangled_nip(tpp_imp_ctx *c, const tpp_imp_val *nip)
{
    if (nip->flags & TPP_FIELD_LOSSY) {
        tpp_imp_error(c, nip->at,
                      "NIP '%s' in column '%s' is stored as a number and has lost its last digits "
                      "(a spreadsheet keeps only 15): format the column as Text, type the NIPs "
                      "again and save",
                      tpp_imp_showv(c, nip), nip->at.field);
        return true;
    }
    if (!tpp_nip_looks_mangled(nip->s, nip->len))
        return false;
    tpp_imp_error(c, nip->at,
                  "invalid NIP '%s' in column '%s': NIP must be text; it looks like a spreadsheet "
                  "turned it into a number (format the column as Text and export again)",
                  tpp_imp_showv(c, nip), nip->at.field);
    return true;
}

/* A NIP as the number its 18 digits spell; false for anything else. */
static bool nip_number(const char *s, size_t len, uint64_t *v)
{
    if (len != 18)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(s[i] - '0');
    }
    *v = n;
    return true;
}

/* A file of many rows looks up as many NIPs, each a descent of the employee key (≈ 2 µs at
 * 4,000,000 employees: a third of a national performance import). Past this many look-ups the
 * NIPs are read once, from the key alone, into a hash set of their numbers (a binary search of
 * the sorted numbers missed the cache a dozen times a look-up: 15 % of a national performance
 * import). Every stored NIP has 18 digits (the employees import checks it); should one not, the
 * look-ups stay with SQLite. */
#define KNOWN_NIP_PROBES 65536
#define KNOWN_EMPTY UINT64_MAX /* no 18-digit number is this */

static size_t known_slot(uint64_t v, size_t mask)
{
    return (size_t)((v * 0x9E3779B97F4A7C15ULL) >> 24) & mask;
}

/* The numbers read into c->known_nips, rehashed into a set of twice as many slots. */
static bool known_hash(tpp_imp_ctx *c)
{
    size_t n_slots = 1024;
    while (n_slots < 2 * c->n_known_nips)
        n_slots *= 2;
    uint64_t *slots = malloc(n_slots * sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < n_slots; i++)
        slots[i] = KNOWN_EMPTY;
    for (size_t i = 0; i < c->n_known_nips; i++) {
        size_t k = known_slot(c->known_nips[i], n_slots - 1);
        while (slots[k] != KNOWN_EMPTY)
            k = (k + 1) & (n_slots - 1);
        slots[k] = c->known_nips[i];
    }
    free(c->known_nips);
    c->known_nips = slots;
    c->known_mask = n_slots - 1;
    return true;
}

static tpp_status load_known_nips(tpp_imp_ctx *c, tpp_error *err)
{
    c->known_loaded = true;
    sqlite3_stmt *q = NULL;
    /* ORDER BY the key: SQLite then reads the key's index alone, not the table's rows */
    TPP_TRY(tpp_store_prepare(c->st, "SELECT nip FROM employee ORDER BY nip", &q, err));
    size_t cap = 0;
    tpp_status rc = TPP_OK;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        uint64_t v;
        const char *s = (const char *)sqlite3_column_text(q, 0);
        if (s == NULL || !nip_number(s, (size_t)sqlite3_column_bytes(q, 0), &v)) {
            c->known_off = true;
            break;
        }
        if (c->n_known_nips == cap) {
            cap = cap ? 2 * cap : 65536;
            uint64_t *grown = realloc(c->known_nips, cap * sizeof *grown);
            if (grown == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            c->known_nips = grown;
        }
        c->known_nips[c->n_known_nips++] = v;
    }
    if (rc == TPP_OK && !c->known_off && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read employees");
    sqlite3_finalize(q);
    if (rc == TPP_OK && !c->known_off && !known_hash(c))
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (c->known_off) {
        free(c->known_nips);
        c->known_nips = NULL;
        c->n_known_nips = 0;
    }
    return rc;
}

static bool in_known_nips(const tpp_imp_ctx *c, const tpp_imp_val *nip)
{
    uint64_t v;
    if (!nip_number(nip->s, nip->len, &v))
        return false;
    for (size_t k = known_slot(v, c->known_mask);; k = (k + 1) & c->known_mask) {
        if (c->known_nips[k] == v)
            return true;
        if (c->known_nips[k] == KNOWN_EMPTY)
            return false;
    }
}

/* The NIP is in the employee table, asked of SQLite. */
static tpp_status probe_nip(tpp_imp_ctx *c, const tpp_imp_val *nip, bool *ok, tpp_error *err)
{
    if (c->employee_exists == NULL)
        TPP_TRY(tpp_store_prepare(c->st, "SELECT 1 FROM employee WHERE nip = ?1",
                                  &c->employee_exists, err));
    sqlite3_bind_text(c->employee_exists, 1, nip->s, (int)nip->len, SQLITE_STATIC);
    int step = sqlite3_step(c->employee_exists);
    tpp_status rc = TPP_OK;
    if (step == SQLITE_ROW)
        *ok = true;
    else if (step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot look up employee");
    sqlite3_reset(c->employee_exists);
    sqlite3_clear_bindings(c->employee_exists);
    return rc;
}

tpp_status tpp_imp_known_nip(tpp_imp_ctx *c, const tpp_imp_val *nip, bool *ok, tpp_error *err)
{
    *ok = false;
    if (tpp_imp_mangled_nip(c, nip))
        return TPP_OK;
    if (!c->known_loaded && ++c->n_nip_probes > KNOWN_NIP_PROBES)
        TPP_TRY(load_known_nips(c, err));
    tpp_status rc = TPP_OK;
    if (c->known_loaded && !c->known_off)
        *ok = in_known_nips(c, nip);
    else
        rc = probe_nip(c, nip, ok, err);
    if (rc == TPP_OK && !*ok)
        tpp_imp_error(c, nip->at,
                      "unknown NIP '%s' in column '%s' (no such employee; import employees first)",
                      tpp_imp_showv(c, nip), nip->at.field);
    return rc;
}

tpp_status tpp_imp_step_done(tpp_imp_ctx *c, sqlite3_stmt *q, const char *what, tpp_error *err)
{
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, what); /* read the message before reset changes it */
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

tpp_status tpp_imp_load_units(tpp_imp_ctx *c, tpp_strmap *units, tpp_error *err)
{
    sqlite3_stmt *u = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT code FROM unit", &u, err));
    int step;
    bool found;
    while ((step = sqlite3_step(u)) == SQLITE_ROW) {
        if (tpp_strmap_put(units, (const char *)sqlite3_column_text(u, 0),
                           (size_t)sqlite3_column_bytes(u, 0), 0, &found) < 0)
            break;
    }
    sqlite3_finalize(u);
    if (step != SQLITE_DONE)
        return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "cannot read units");
    return TPP_OK;
}

tpp_status tpp_imp_stored_elsewhere(tpp_imp_ctx *c, sqlite3_stmt *q, const char *what,
                                    char *file, size_t size, tpp_error *err)
{
    tpp_status rc = TPP_OK;
    int step = sqlite3_step(q);
    file[0] = '\0';
    if (step == SQLITE_ROW)
        snprintf(file, size, "%s", (const char *)sqlite3_column_text(q, 0));
    else if (step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, what);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* Values live in the current record until the next record is read, and every statement is
 * stepped before that: no copy needed. */
void tpp_imp_bind_text(sqlite3_stmt *q, int i, const char *s, size_t len)
{
    sqlite3_bind_text(q, i, s, (int)len, SQLITE_STATIC);
}

void tpp_imp_bind_opt(sqlite3_stmt *q, int i, const char *s, size_t len)
{
    if (len == 0)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_text(q, i, s, (int)len, SQLITE_STATIC);
}

void tpp_imp_list_add(char *buf, size_t size, const char *id)
{
    size_t o = strnlen(buf, size);
    if (o + 1 < size)
        snprintf(buf + o, size - o, "%s%s", o ? ", " : "", id);
}

void tpp_imp_bind_date(sqlite3_stmt *q, int i, tpp_date d)
{
    if (d == TPP_DATE_NONE) {
        sqlite3_bind_null(q, i);
        return;
    }
    char buf[11];
    tpp_date_format(d, buf);
    sqlite3_bind_text(q, i, buf, 10, SQLITE_TRANSIENT);
}

/* ---- sources: CSV, XLSX and attlog give the same records ---------------------------------- */

typedef struct source {
    tpp_import_format format;
    tpp_csv_reader csv;
    tpp_xlsx_reader *xlsx;
    tpp_attlog_reader attlog;
    bool open;
} source;

static tpp_status source_next(source *s, const tpp_csv_record **rec, tpp_error *err)
{
    switch (s->format) {
    case TPP_FORMAT_XLSX:
        return tpp_xlsx_reader_next(s->xlsx, rec, err);
    case TPP_FORMAT_ATTLOG:
        return tpp_attlog_reader_next(&s->attlog, rec, err);
    default:
        return tpp_csv_reader_next(&s->csv, rec, err);
    }
}

static size_t source_errors(const source *s)
{
    switch (s->format) {
    case TPP_FORMAT_XLSX:
        return s->xlsx ? tpp_xlsx_reader_errors(s->xlsx) : 0;
    case TPP_FORMAT_ATTLOG:
        return s->attlog.n_errors;
    default:
        return s->csv.n_errors;
    }
}

static tpp_status source_open(source *s, tpp_import_format format, const char *path,
                              const char *sheet, tpp_imp_stream *stream, tpp_diags *diags,
                              tpp_error *err)
{
    memset(s, 0, sizeof *s);
    s->format = format;
    s->open = true;
    switch (format) {
    case TPP_FORMAT_XLSX:
        return tpp_xlsx_reader_open(&s->xlsx, path, sheet, diags, err);
    case TPP_FORMAT_ATTLOG:
        return tpp_attlog_reader_init(&s->attlog, path, tpp_imp_stream_read, stream, diags, err);
    default:
        tpp_csv_reader_init_stream(&s->csv, path, tpp_imp_stream_read, stream, diags);
        return TPP_OK;
    }
}

static void source_close(source *s)
{
    if (!s->open)
        return;
    tpp_xlsx_reader_free(s->xlsx);
    tpp_attlog_reader_release(&s->attlog);
    tpp_csv_reader_release(&s->csv);
    s->open = false;
}

bool tpp_import_format_parse(const char *s, tpp_import_format *out)
{
    static const char *const names[] = {"auto", "csv", "xlsx", "attlog"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (tpp_import_format)i;
            return true;
        }
    }
    return false;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static tpp_import_format resolve_format(tpp_import_format f, tpp_import_kind kind, const char *path)
{
    if (f != TPP_FORMAT_AUTO)
        return f;
    if (ends_with(path, ".xlsx") || ends_with(path, ".xlsm"))
        return TPP_FORMAT_XLSX;
    if (kind == TPP_KIND_ATTENDANCE &&
        (ends_with(path, ".dat") || ends_with(path, ".attlog") || ends_with(path, ".txt")))
        return TPP_FORMAT_ATTLOG;
    return TPP_FORMAT_CSV;
}

/* ---- join: columns of another file by a shared key ---------------------------------------- */

typedef struct tpp_imp_join {
    const char *path;
    tpp_strmap keys; /* key -> row */
    tpp_buf values;  /* each row's values, NUL-terminated, n_columns per row */
    size_t *row_off;
    size_t n_rows, cap;
    int key_field;   /* in the main file's header */
    size_t n_header; /* the main file's own columns */
    tpp_csv_field *fields;
    size_t fields_cap;
    tpp_csv_record rec;
} tpp_imp_join;

static void join_free(tpp_imp_join *j)
{
    if (j == NULL)
        return;
    tpp_strmap_release(&j->keys);
    tpp_buf_release(&j->values);
    free(j->row_off);
    free(j->fields);
    free(j);
}

static int find_source_column(const tpp_csv_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->n_fields; i++)
        if (strlen(name) == rec->fields[i].len &&
            strncasecmp(name, rec->fields[i].text, rec->fields[i].len) == 0)
            return (int)i;
    return -1;
}

/* Read the joined file: its header (within join.header_rows rows) holds the key and every joined
 * column; each key once. Problems are errors of this import. */
static tpp_status join_read(tpp_imp_ctx *c, tpp_imp_join *j, source *src, tpp_error *err)
{
    const tpp_mapping *m = c->mapping;
    const tpp_csv_record *rec = NULL;
    int cols[64], key = -1;
    size_t n = m->n_join_columns < 64 ? m->n_join_columns : 64;
    bool found = false;
    for (unsigned r = 0; r < m->join_header_rows && !found; r++) {
        TPP_TRY(source_next(src, &rec, err));
        if (rec == NULL || rec->bad)
            break;
        for (size_t i = 0; i < rec->n_fields; i++)
            trim_field(&rec->fields[i]);
        key = find_source_column(rec, m->join_key);
        found = key >= 0;
        for (size_t i = 0; i < n && found; i++)
            found = (cols[i] = find_source_column(rec, m->join_columns[i])) >= 0;
    }
    if (!found) {
        if (source_errors(src) == 0)
            tpp_imp_error(c, (tpp_srcloc){j->path, 1, 1, NULL},
                          "no header row with the columns '%s' and %s%s in the first %u rows of "
                          "the joined file",
                          m->join_key, m->join_columns[0], n > 1 ? ", ..." : "",
                          m->join_header_rows);
        return TPP_OK;
    }
    for (;;) {
        TPP_TRY(source_next(src, &rec, err));
        if (rec == NULL)
            break;
        if (rec->bad || (size_t)key >= rec->n_fields)
            continue;
        tpp_csv_field *k = &rec->fields[key];
        trim_field(k);
        if (k->len == 0)
            continue;
        bool dup;
        ptrdiff_t e = tpp_strmap_put(&j->keys, k->text, k->len, (int64_t)j->n_rows, &dup);
        if (e < 0)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        if (dup) {
            tpp_imp_error(c, (tpp_srcloc){j->path, k->line, k->col, NULL},
                          "%s '%s' is given twice in the joined file", m->join_key,
                          tpp_imp_show(c, k->text, k->len));
            continue;
        }
        if (j->n_rows == j->cap) {
            size_t cap = j->cap ? j->cap * 2 : 256;
            size_t *o = realloc(j->row_off, cap * sizeof *o);
            if (o == NULL)
                return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            j->row_off = o;
            j->cap = cap;
        }
        j->row_off[j->n_rows++] = j->values.len;
        for (size_t i = 0; i < n; i++) {
            tpp_csv_field *f = (size_t)cols[i] < rec->n_fields ? &rec->fields[cols[i]] : NULL;
            if (f != NULL)
                trim_field(f);
            tpp_buf_append(&j->values, f ? f->text : "", f ? f->len + 1 : 1);
        }
        if (j->values.oom)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    }
    return TPP_OK;
}

/* Store a file an import read besides its main file (the joined file, the mapping) as an input
 * file of kind "<kind>.<role>", content-addressed and once, so that a replay has every byte the
 * import read. `expect` (or NULL) is the SHA-256 recorded in the main file's options: the file
 * must still have it. */
static tpp_status store_aux(tpp_imp_ctx *c, tpp_import_kind kind, const char *role,
                            const char *path, const char *expect, tpp_error *err)
{
    char sha[65], jkind[48];
    uint64_t size = 0;
    TPP_TRY(tpp_imp_hash_file(path, sha, &size, err));
    if (expect != NULL && strcmp(sha, expect) != 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                        "'%s' changed while it was being read; nothing imported", path);
    snprintf(jkind, sizeof jkind, "%s.%s", tpp_import_kind_name(kind), role);
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT 1 FROM input_file WHERE kind = ?1 AND sha256 = ?2", &q,
                              err));
    sqlite3_bind_text(q, 1, jkind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, sha, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step == SQLITE_ROW)
        return TPP_OK;
    if (step != SQLITE_DONE)
        return tpp_store_fail(c->st, err, "cannot read input files");
    char now[32], what[64];
    tpp_now_iso(now);
    snprintf(what, sizeof what, "cannot store the %s file", role);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO input_file(kind, sha256, path, rows, content, "
                              "imported_at) VALUES (?1, ?2, ?3, 0, X'', ?4)",
                              &q, err));
    sqlite3_bind_text(q, 1, jkind, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return tpp_store_fail(c->st, err, what);
    int64_t id = sqlite3_last_insert_rowid(c->st->db);
    TPP_TRY(tpp_store_prepare(
        c->st, TPP_IMP_CHUNK_INSERT, &q, err));
    tpp_imp_stream s;
    tpp_status rc = tpp_imp_stream_open(&s, path, err);
    if (rc == TPP_OK) {
        s.store = q;
        s.size = size;
        s.file_id = id;
        rc = tpp_imp_stream_drain(&s, err);
        if (s.store_failed)
            rc = tpp_store_fail(c->st, err, what);
        char again[65];
        tpp_imp_stream_hex(&s, again);
        if (rc == TPP_OK && strcmp(again, sha) != 0)
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "'%s' changed while it was being read", path);
        tpp_imp_stream_close(&s);
    }
    sqlite3_finalize(q);
    return rc;
}

static tpp_status join_load(tpp_imp_ctx *c, tpp_import_kind kind, const char *expect,
                           tpp_error *err)
{
    const char *path = c->opts->join;
    tpp_imp_join *j = calloc(1, sizeof *j);
    if (j == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->join = j;
    j->path = path;
    j->key_field = -1;
    tpp_strmap_init(&j->keys);
    TPP_TRY(store_aux(c, kind, "join", path, expect, err));
    tpp_imp_stream stream;
    TPP_TRY(tpp_imp_stream_open(&stream, path, err));
    source src;
    tpp_import_format f = resolve_format(TPP_FORMAT_AUTO, kind, path);
    if (f == TPP_FORMAT_ATTLOG)
        f = TPP_FORMAT_CSV;
    tpp_status rc = source_open(&src, f, path, c->mapping->join_sheet, &stream, c->diags, err);
    if (rc == TPP_OK)
        rc = join_read(c, j, &src, err);
    c->n_errors += source_errors(&src);
    source_close(&src);
    tpp_imp_stream_close(&stream);
    return rc;
}

static bool join_grow(tpp_imp_join *j, size_t n)
{
    if (n <= j->fields_cap)
        return true;
    tpp_csv_field *f = realloc(j->fields, n * sizeof *f);
    if (f == NULL)
        return false;
    j->fields = f;
    j->fields_cap = n;
    return true;
}

/* The header with the joined columns appended (named as in the mapping's join.columns). */
static const tpp_csv_record *join_header(tpp_imp_ctx *c, const tpp_csv_record *hdr)
{
    tpp_imp_join *j = c->join;
    const tpp_mapping *m = c->mapping;
    size_t n = hdr->n_fields + m->n_join_columns;
    if (!join_grow(j, n))
        return NULL;
    for (size_t i = 0; i < hdr->n_fields; i++)
        trim_field(&hdr->fields[i]);
    j->key_field = find_source_column(hdr, m->join_key);
    if (j->key_field < 0)
        tpp_imp_error(c, (tpp_srcloc){c->path, hdr->line, 1, NULL},
                      "no column '%s' to join '%s' by", m->join_key, j->path);
    memcpy(j->fields, hdr->fields, hdr->n_fields * sizeof *j->fields);
    for (size_t i = 0; i < m->n_join_columns; i++)
        j->fields[hdr->n_fields + i] =
            (tpp_csv_field){(char *)(uintptr_t)m->join_columns[i], strlen(m->join_columns[i]),
                            hdr->line, (unsigned)(hdr->n_fields + i + 1), 0};
    j->n_header = hdr->n_fields;
    j->rec = *hdr;
    j->rec.fields = j->fields;
    j->rec.n_fields = n;
    return &j->rec;
}

/* A row with the joined row's values appended (at the location of its key cell). NULL (with an
 * error) when the key is not in the joined file; rows of the wrong width are left to the shape
 * check. */
static const tpp_csv_record *join_row(tpp_imp_ctx *c, const tpp_csv_record *rec, bool report)
{
    tpp_imp_join *j = c->join;
    const tpp_mapping *m = c->mapping;
    if (rec->n_fields != j->n_header || j->key_field < 0)
        return rec;
    tpp_csv_field *k = &rec->fields[j->key_field];
    trim_field(k);
    if (k->len == 0)
        return rec; /* an empty row, or one the shape check reports */
    ptrdiff_t e = tpp_strmap_find(&j->keys, k->text, k->len);
    if (e < 0) {
        if (report)
            tpp_imp_error(c, (tpp_srcloc){c->path, k->line, k->col, NULL},
                          "%s '%s' is not in the joined file '%s'", m->join_key,
                          tpp_imp_show(c, k->text, k->len), j->path);
        return NULL;
    }
    size_t n = rec->n_fields + m->n_join_columns;
    if (!join_grow(j, n))
        return NULL;
    memcpy(j->fields, rec->fields, rec->n_fields * sizeof *j->fields);
    char *v = j->values.data + j->row_off[j->keys.entries[e].value];
    for (size_t i = 0; i < m->n_join_columns; i++) {
        size_t len = strlen(v);
        j->fields[rec->n_fields + i] = (tpp_csv_field){v, len, k->line, k->col, 0};
        v += len + 1;
    }
    j->rec = *rec;
    j->rec.fields = j->fields;
    j->rec.n_fields = n;
    return &j->rec;
}

/* ---- the header ------------------------------------------------------------------------- */

static int column_index(const tpp_imp_kind *k, const char *name, size_t len)
{
    for (size_t j = 0; j < k->n_columns; j++)
        if (strlen(k->columns[j].name) == len && strncasecmp(k->columns[j].name, name, len) == 0)
            return (int)j;
    return -1;
}

/* The canonical column a header cell stands for: a rename of the mapping, else its own name. */
static int header_column(const tpp_imp_ctx *c, const tpp_csv_field *f)
{
    const char *to = tpp_mapping_rename(c->mapping, f->text, f->len);
    if (to != NULL)
        return column_index(c->kind, to, strlen(to));
    return column_index(c->kind, f->text, f->len);
}

/* Is this row the header? With a mapping the header may follow title rows: it is the first row
 * in which every required column appears. */
static bool looks_like_header(tpp_imp_ctx *c, const tpp_csv_record *rec)
{
    bool seen[TPP_IMP_MAX_COLUMNS] = {false};
    size_t hits = 0; /* columns of the kind in the row itself */
    for (size_t i = 0; i < rec->n_fields; i++) {
        trim_field(&rec->fields[i]);
        int j = header_column(c, &rec->fields[i]);
        if (j >= 0 && !seen[j]) {
            seen[j] = true;
            hits++;
        }
    }
    const tpp_mapping *m = c->mapping;
    if (m != NULL && m->join_key != NULL) {
        if (find_source_column(rec, m->join_key) < 0)
            return false;
        for (size_t i = 0; i < m->n_join_columns; i++) {
            tpp_csv_field f = {(char *)(uintptr_t)m->join_columns[i], strlen(m->join_columns[i]), 0,
                               0, 0};
            int j = header_column(c, &f);
            if (j >= 0)
                seen[j] = true;
        }
    }
    for (size_t j = 0; j < c->kind->n_columns; j++) {
        bool constant = false;
        for (size_t k = 0; m && k < m->n_constants; k++)
            constant |= strcasecmp(m->constants[k].from, c->kind->columns[j].name) == 0;
        if (c->kind->columns[j].required && !seen[j] && !constant)
            return false;
    }
    return hits > 0;
}

static int source_field(const tpp_imp_ctx *c, const tpp_csv_record *hdr, const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < hdr->n_fields; i++)
        if (strlen(name) == hdr->fields[i].len &&
            strncasecmp(name, hdr->fields[i].text, hdr->fields[i].len) == 0)
            return (int)i;
    /* or a canonical column the header maps to */
    int j = column_index(c->kind, name, strlen(name));
    return j >= 0 ? c->field_of[j] : -1;
}

/* Map header cells to the kind's columns. Names are case-insensitive and trimmed. */
static void map_header(tpp_imp_ctx *c, const tpp_csv_record *hdr)
{
    const tpp_imp_kind *k = c->kind;
    const tpp_mapping *m = c->mapping;
    for (size_t j = 0; j < k->n_columns; j++)
        c->field_of[j] = -1;
    c->header_line = hdr->line;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        tpp_csv_field *f = &hdr->fields[i];
        trim_field(f);
        tpp_srcloc at = {c->path, f->line, f->col, NULL};
        if (f->len == 0) {
            if (c->opts->format != TPP_FORMAT_CSV && m != NULL)
                continue; /* spreadsheets have empty spacer columns */
            tpp_imp_error(c, at, "empty column name in the header (remove the empty column)");
            continue;
        }
        int j = header_column(c, f);
        if (j < 0 && tpp_mapping_rename(m, f->text, f->len) != NULL) {
            tpp_imp_error(c, at,
                          "the mapping renames column '%s' to '%s', which is no column of "
                          "this kind",
                          tpp_imp_show(c, f->text, f->len), tpp_mapping_rename(m, f->text, f->len));
            continue;
        }
        if (j < 0 && (tpp_mapping_ignored(m, f->text, f->len) || (m && m->ignore_other)))
            continue;
        if (j < 0) {
            char expected[512];
            size_t o = 0;
            for (size_t n = 0; n < k->n_columns && o < sizeof expected; n++)
                o += (size_t)snprintf(expected + o, sizeof expected - o, "%s%s", n ? ", " : "",
                                      k->columns[n].name);
            if (memchr(f->text, ';', f->len) != NULL)
                tpp_imp_error(c, at,
                              "unknown column '%s': the file seems to use ';' as its separator "
                              "(save it as comma-separated CSV)",
                              tpp_imp_show(c, f->text, f->len));
            else
                tpp_imp_error(c, at,
                              "unknown column '%s' (expected one of: %s; or rename it with a "
                              "mapping file)",
                              tpp_imp_show(c, f->text, f->len), expected);
            continue;
        }
        if (c->field_of[j] >= 0) {
            const tpp_csv_field *first = &hdr->fields[c->field_of[j]];
            tpp_imp_error(c, at, "duplicate column '%s' (first at line %u, column %u)",
                          k->columns[j].name, first->line, first->col);
            continue;
        }
        c->field_of[j] = (int)i;
    }
    for (size_t n = 0; m != NULL && n < m->n_constants; n++) {
        int j = column_index(k, m->constants[n].from, strlen(m->constants[n].from));
        if (j < 0) {
            tpp_imp_error(c, (tpp_srcloc){m->path, 1, 1, NULL}, "constant for unknown column '%s'",
                          m->constants[n].from);
        } else if (c->field_of[j] >= 0) {
            tpp_imp_error(c, (tpp_srcloc){m->path, 1, 1, NULL},
                          "constant for column '%s', which the file has too", m->constants[n].from);
        } else {
            c->field_of[j] = TPP_IMP_CONSTANT;
            c->constant[j] = m->constants[n].to;
        }
    }
    for (size_t j = 0; j < k->n_columns; j++)
        if (k->columns[j].required && c->field_of[j] == -1)
            tpp_imp_error(c, (tpp_srcloc){c->path, hdr->line, 1, NULL},
                          "missing required column '%s'", k->columns[j].name);
    for (size_t n = 0; m != NULL && n < m->n_skips && n < 8; n++) {
        c->skip_field[n] = source_field(c, hdr, m->skips[n].column);
        if (c->skip_field[n] < 0)
            tpp_imp_error(c, (tpp_srcloc){c->path, hdr->line, 1, NULL},
                          "the mapping skips rows by column '%s', which the file does not have",
                          m->skips[n].column);
    }
    if (m != NULL && m->latest_key != NULL) {
        c->latest_key_field = source_field(c, hdr, m->latest_key);
        c->latest_order_field = source_field(c, hdr, m->latest_order);
        if (c->latest_key_field < 0 || c->latest_order_field < 0)
            tpp_imp_error(c, (tpp_srcloc){c->path, hdr->line, 1, NULL},
                          "the mapping keeps the latest row by '%s' and '%s'; the file lacks %s",
                          m->latest_key, m->latest_order,
                          c->latest_key_field < 0 ? m->latest_key : m->latest_order);
    }
    if (k->check_header != NULL)
        k->check_header(c);
}

/* Find the header: the first record, or with a mapping the first of header_rows rows that
 * holds every required column. NULL (with an error reported) when there is none. */
static tpp_status find_header(tpp_imp_ctx *c, source *src, const tpp_csv_record **hdr,
                              tpp_error *err)
{
    *hdr = NULL;
    if (src->format == TPP_FORMAT_ATTLOG) {
        *hdr = tpp_attlog_header();
        return TPP_OK;
    }
    unsigned limit = c->mapping ? c->mapping->header_rows : 1;
    const tpp_csv_record *rec = NULL;
    for (unsigned n = 0; n < limit; n++) {
        TPP_TRY(source_next(src, &rec, err));
        if (rec == NULL || rec->bad)
            break;
        if (c->mapping == NULL || looks_like_header(c, rec)) {
            *hdr = c->join != NULL ? join_header(c, rec) : rec;
            if (*hdr == NULL)
                return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            return TPP_OK;
        }
    }
    if (source_errors(src) > 0)
        return TPP_OK;
    if (rec == NULL && c->mapping == NULL) {
        tpp_imp_error(c, (tpp_srcloc){c->path, 1, 1, NULL},
                      "empty file (expected a header row: %s, ...)", c->kind->columns[0].name);
        return TPP_OK;
    }
    char want[512] = "";
    for (size_t j = 0; j < c->kind->n_columns; j++)
        if (c->kind->columns[j].required)
            tpp_imp_list_add(want, sizeof want, c->kind->columns[j].name);
    tpp_imp_error(c, (tpp_srcloc){c->path, 1, 1, NULL},
                  "no header row in the first %u rows (looked for a row with the columns %s, "
                  "after the mapping's renames)",
                  limit, want);
    return TPP_OK;
}

/* Structure checks common to every kind; false if the row must not go to the kind. */
static bool check_row_shape(tpp_imp_ctx *c, const tpp_csv_record *rec, size_t n_header)
{
    if (rec->n_fields > n_header && c->opts->format != TPP_FORMAT_ATTLOG) {
        /* spreadsheets: a value beyond the header is an error, an empty cell is not */
        size_t i = n_header;
        while (i < rec->n_fields && c->opts->format == TPP_FORMAT_XLSX && rec->fields[i].len == 0)
            i++;
        if (i < rec->n_fields) {
            const tpp_csv_field *extra = &rec->fields[i];
            tpp_imp_error(c, (tpp_srcloc){c->path, extra->line, extra->col, NULL},
                          "too many fields: the row has %zu, the header %zu", rec->n_fields,
                          n_header);
            return false;
        }
    }
    if (rec->n_fields < n_header) {
        tpp_imp_error(c, (tpp_srcloc){c->path, rec->end_line, rec->end_col, NULL},
                      "too few fields: the row has %zu, the header %zu", rec->n_fields, n_header);
        return false;
    }
    bool empty = true;
    for (size_t i = 0; i < rec->n_fields && empty; i++) {
        trim_field(&rec->fields[i]);
        empty = rec->fields[i].len == 0;
    }
    if (empty) {
        /* spreadsheets export touched-but-empty rows as ",,,,"; say so rather than complain
         * about every required column */
        tpp_imp_warning(c, tpp_imp_row_loc(c, rec), "empty row skipped");
        c->stats->skipped++;
        return false;
    }
    return true;
}

/* Is this row left out by the mapping's skip rules (e.g. Plt/Plh SKP rows)? */
static bool mapping_skips(const tpp_imp_ctx *c, const tpp_csv_record *rec)
{
    const tpp_mapping *m = c->mapping;
    for (size_t n = 0; m != NULL && n < m->n_skips && n < 8; n++) {
        int i = c->skip_field[n];
        if (i < 0 || (size_t)i >= rec->n_fields)
            continue;
        tpp_csv_field *f = &rec->fields[i];
        trim_field(f);
        for (size_t v = 0; v < m->skips[n].n; v++) {
            if (strlen(m->skips[n].values[v]) == f->len &&
                strncasecmp(m->skips[n].values[v], f->text, f->len) == 0)
                return true;
        }
    }
    return false;
}

/* The mapping's row rules: skipped rows, superseded duplicates. */
static bool mapping_keeps(tpp_imp_ctx *c, const tpp_csv_record *rec)
{
    const tpp_mapping *m = c->mapping;
    if (m == NULL)
        return true;
    if (mapping_skips(c, rec)) {
        c->stats->filtered++;
        return false;
    }
    if (m->latest_key != NULL && c->latest_key_field >= 0 &&
        (size_t)c->latest_key_field < rec->n_fields) {
        tpp_csv_field *k = &rec->fields[c->latest_key_field];
        trim_field(k);
        ptrdiff_t e = tpp_strmap_find(&c->latest, k->text, k->len);
        if (e >= 0 && c->latest.entries[e].value != (int64_t)rec->line) {
            c->stats->superseded++;
            return false;
        }
    }
    return true;
}

/* Translate coded values through the mapping (in place: the record's field points at the
 * mapping's text, which outlives the row). */
static void mapping_translate(tpp_imp_ctx *c, const tpp_csv_record *rec)
{
    const tpp_mapping *m = c->mapping;
    for (size_t n = 0; m != NULL && n < m->n_values; n++) {
        int j = column_index(c->kind, m->values[n].column, strlen(m->values[n].column));
        if (j < 0 || c->field_of[j] < 0 || (size_t)c->field_of[j] >= rec->n_fields)
            continue;
        tpp_csv_field *f = &rec->fields[c->field_of[j]];
        trim_field(f);
        const char *to = tpp_mapping_value(m, m->values[n].column, f->text, f->len);
        if (to != NULL) {
            f->text = (char *)(uintptr_t)to; /* never written: trim of a trimmed value */
            f->len = strlen(to);
        }
    }
}

/* First pass for `latest`: which line of each key has the greatest order value. Dates compare
 * as ISO text; XLSX dates arrive as ISO. */
static tpp_status pick_latest(tpp_imp_ctx *c, tpp_import_format format, tpp_error *err)
{
    tpp_imp_stream stream;
    TPP_TRY(tpp_imp_stream_open(&stream, c->path, err));
    source src;
    tpp_diags *quiet = tpp_diags_new(NULL); /* the main pass reports problems */
    tpp_imp_ctx probe = *c;
    probe.diags = quiet;
    probe.n_errors = 0;
    tpp_status rc = quiet ? source_open(&src, format, c->path, c->opts->sheet, &stream, quiet, err)
                          : tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    const tpp_csv_record *rec = NULL;
    if (rc == TPP_OK)
        rc = find_header(&probe, &src, &rec, err);
    if (rc == TPP_OK && rec != NULL) {
        map_header(&probe, rec);
        int kf = probe.latest_key_field, of = probe.latest_order_field;
        tpp_strmap order; /* key -> index into lines */
        tpp_strmap_init(&order);
        char **best = NULL;
        size_t n_best = 0;
        while (rc == TPP_OK && kf >= 0 && of >= 0) {
            rc = source_next(&src, &rec, err);
            if (rc != TPP_OK || rec == NULL)
                break;
            if (c->join != NULL && (rec = join_row(&probe, rec, false)) == NULL)
                continue;
            if ((size_t)kf >= rec->n_fields || (size_t)of >= rec->n_fields || rec->bad ||
                mapping_skips(&probe, rec))
                continue;
            tpp_csv_field *k = &rec->fields[kf], *o = &rec->fields[of];
            trim_field(k);
            trim_field(o);
            if (k->len == 0)
                continue;
            bool found;
            ptrdiff_t e = tpp_strmap_put(&order, k->text, k->len, 0, &found);
            ptrdiff_t l =
                e >= 0 ? tpp_strmap_put(&c->latest, k->text, k->len, rec->line, &found) : -1;
            if (e < 0 || l < 0) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            if ((size_t)e >= n_best) {
                char **b = realloc(best, ((size_t)e + 1) * sizeof *b);
                if (b == NULL) {
                    rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                    break;
                }
                best = b;
                best[e] = NULL;
                n_best = (size_t)e + 1;
            }
            if (best[e] == NULL || strcmp(o->text, best[e]) >= 0) {
                char *copy = strdup(o->text);
                if (copy == NULL) {
                    rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                    break;
                }
                free(best[e]);
                best[e] = copy;
                c->latest.entries[l].value = rec->line;
            }
        }
        for (size_t i = 0; i < n_best; i++)
            free(best[i]);
        free(best);
        tpp_strmap_release(&order);
    }
    source_close(&src);
    tpp_imp_stream_close(&stream);
    tpp_diags_free(quiet);
    return rc;
}

/* ---- the options an import was made with -------------------------------------------------
 *
 * input_file.options records how a file was read, so that `tpp replay` reads it again exactly
 * so (engine/replay.c parses it). Canonical text: one "key=value" LF per option that applies, in
 * this order: format (csv, xlsx, attlog; always), sheet (as given with --sheet), mapping (the
 * SHA-256 of the mapping file, stored as input file "<kind>.mapping"), join (the SHA-256 of the
 * joined file, stored as "<kind>.join"), device, timezone, period (YYYY-MM). In values, bytes
 * below 0x20, 0x7F and '%' are written as %XX (upper-case hex). The seal covers it (the input
 * digest of engine/audit.c). */

static void put_option(tpp_buf *b, const char *key, const char *value)
{
    if (value == NULL)
        return;
    tpp_buf_printf(b, "%s=", key);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '%')
            tpp_buf_printf(b, "%%%02X", *p);
        else
            tpp_buf_append(b, (const char *)p, 1);
    }
    tpp_buf_puts(b, "\n");
}

static void encode_options(const tpp_import_opts *o, const char *mapping_sha, const char *join_sha,
                           tpp_buf *b)
{
    static const char *const formats[] = {"auto", "csv", "xlsx", "attlog"};
    put_option(b, "format", formats[o->format]);
    put_option(b, "sheet", o->sheet);
    put_option(b, "mapping", mapping_sha);
    put_option(b, "join", join_sha);
    put_option(b, "device", o->device);
    put_option(b, "timezone", o->timezone);
    if (o->period_year != 0) {
        char period[16];
        snprintf(period, sizeof period, "%04d-%02d", o->period_year, o->period_month);
        put_option(b, "period", period);
    }
}

static tpp_status insert_file(tpp_imp_ctx *c, tpp_import_kind kind, const char *options,
                              tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    char now[32];
    tpp_now_iso(now);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO input_file(kind, sha256, path, rows, content, "
                              "imported_at, options) VALUES (?1, ?2, ?3, 0, X'', ?5, ?6)",
                              &q, err));
    sqlite3_bind_text(q, 1, tpp_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c->stats->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, options, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot store the input file");
    else
        c->file_id = sqlite3_last_insert_rowid(c->st->db);
    sqlite3_finalize(q);
    return rc;
}

/* The size of a file, and whether it is a regular one (a pipe has no size before it is read).
 * Fails as opening it to read it would. */
static tpp_status file_size(const char *path, uint64_t *size, bool *regular, tpp_error *err)
{
    tpp_imp_stream s;
    TPP_TRY(tpp_imp_stream_open(&s, path, err));
    struct stat sb;
    *regular = fstat(fileno(s.f), &sb) == 0 && S_ISREG(sb.st_mode);
    *size = *regular ? (uint64_t)sb.st_size : 0;
    tpp_imp_stream_close(&s);
    return TPP_OK;
}

/* Could a stored file of this kind be this one: has one the same size? */
static tpp_status find_size(tpp_imp_ctx *c, tpp_import_kind kind, uint64_t size, bool *found,
                            tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT 1 FROM input_file f WHERE kind = ?1 AND length(content) + "
                              "(SELECT coalesce(sum(CASE codec WHEN 0 THEN length(data) "
                              "ELSE size END), 0) FROM input_chunk WHERE file_id = f.id) = ?2",
                              &q, err));
    sqlite3_bind_text(q, 1, tpp_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)size);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    *found = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read input files");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status set_sha256(tpp_imp_ctx *c, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "UPDATE input_file SET sha256 = ?1 WHERE id = ?2", &q, err));
    sqlite3_bind_text(q, 1, c->stats->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, c->file_id);
    tpp_status rc = tpp_imp_step_done(c, q, "cannot store the input file", err);
    sqlite3_finalize(q);
    return rc;
}

/* Was this exact file (same kind, same SHA-256) imported before? */
static tpp_status find_file(tpp_imp_ctx *c, tpp_import_kind kind, bool *found, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT 1 FROM input_file WHERE kind = ?1 AND sha256 = ?2", &q,
                              err));
    sqlite3_bind_text(q, 1, tpp_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c->stats->sha256, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    tpp_status rc = TPP_OK;
    *found = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot read input files");
    sqlite3_finalize(q);
    return rc;
}

static tpp_status update_rows(tpp_imp_ctx *c, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "UPDATE input_file SET rows = ?1 WHERE id = ?2", &q, err));
    sqlite3_bind_int64(q, 1, (sqlite3_int64)c->stats->rows);
    sqlite3_bind_int64(q, 2, c->file_id);
    tpp_status rc = tpp_imp_step_done(c, q, "cannot update the input file", err);
    sqlite3_finalize(q);
    return rc;
}

/* Header and rows. Returns a failure status only for database or memory problems; problems in
 * the data are counted in c->n_errors and the source's errors. */
static tpp_status read_rows(tpp_imp_ctx *c, source *src, bool *stopped, tpp_error *err)
{
    const tpp_csv_record *rec;
    TPP_TRY(find_header(c, src, &rec, err));
    if (rec == NULL)
        return TPP_OK; /* reported */
    size_t n_header = rec->n_fields;
    map_header(c, rec);
    if (src->format == TPP_FORMAT_XLSX)
        tpp_xlsx_reader_set_width(src->xlsx, c->join ? c->join->n_header : n_header);
    if (c->n_errors > 0)
        return TPP_OK;

    tpp_status rc = c->kind->begin(c, err);
    while (rc == TPP_OK) {
        /* Stop at --max-errors, but only for errors of this file: diags may be shared by
         * several imports, and stopping without an error of our own would commit half a file. */
        if (c->n_errors + source_errors(src) > 0 && tpp_diags_full(c->diags)) {
            *stopped = true;
            break;
        }
        rc = source_next(src, &rec, err);
        if (rc != TPP_OK || rec == NULL)
            break;
        c->row_errors = 0;
        if (rec->bad)
            continue;
        if (c->join != NULL && (rec = join_row(c, rec, true)) == NULL) {
            c->stats->rows++;
            continue;
        }
        if (!mapping_keeps(c, rec))
            continue;
        c->stats->rows++;
        if (!check_row_shape(c, rec, n_header))
            continue;
        mapping_translate(c, rec);
        for (size_t j = 0; j < c->kind->n_columns; j++) {
            if (!c->kind->columns[j].required)
                continue;
            tpp_imp_val v = tpp_imp_get(c, rec, (int)j);
            if (v.len == 0)
                tpp_imp_error(c, v.at, "missing value in required column '%s'", v.at.field);
        }
        rc = c->kind->row(c, rec, err);
    }
    if (rc == TPP_OK && !*stopped && c->kind->finish != NULL)
        rc = c->kind->finish(c, err);
    if (rc == TPP_OK && c->stats->rows == 0 && source_errors(src) == 0) {
        if (src->format == TPP_FORMAT_ATTLOG)
            tpp_imp_warning(c, (tpp_srcloc){c->path, 1, 1, NULL}, "no punches in the attlog");
        else
            tpp_imp_warning(c, (tpp_srcloc){c->path, c->header_line, 1, NULL},
                            "no data rows after the header");
    }
    return rc;
}

tpp_status tpp_import_file(struct tpp_store *st, const tpp_ruleset *rs, tpp_import_kind kind,
                           const char *path, tpp_diags *diags, tpp_import_stats *stats,
                           tpp_error *err)
{
    tpp_import_opts opts = {.format = TPP_FORMAT_CSV};
    return tpp_import_file_opts(st, rs, kind, path, &opts, diags, stats, err);
}

static bool needs_pack(tpp_import_kind kind)
{
    return kind == TPP_KIND_ABSENCES || kind == TPP_KIND_EVENTS || kind == TPP_KIND_PERFORMANCE;
}

/* The body of an import inside its transaction: store the raw file while reading it, read it,
 * and check that what was read is what was hashed. */
static tpp_status import_body(tpp_imp_ctx *c, tpp_import_kind kind, tpp_import_format format,
                              uint64_t size, bool hashed, const char *mapping_sha,
                              const char *join_sha, bool *stopped, size_t *src_errors,
                              tpp_error *err)
{
    tpp_buf options = {0};
    encode_options(c->opts, mapping_sha, join_sha, &options);
    tpp_status orc = options.oom ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory")
                                 : insert_file(c, kind, options.data, err);
    tpp_buf_release(&options);
    TPP_TRY(orc);
    if (c->opts->mapping != NULL)
        TPP_TRY(store_aux(c, kind, "mapping", c->opts->mapping, mapping_sha, err));
    sqlite3_stmt *store = NULL;
    TPP_TRY(tpp_store_prepare(
        c->st, TPP_IMP_CHUNK_INSERT, &store, err));
    tpp_imp_stream stream;
    tpp_status rc = tpp_imp_stream_open(&stream, c->path, err);
    if (rc != TPP_OK) {
        sqlite3_finalize(store);
        return rc;
    }
    stream.store = store;
    stream.size = size;
    stream.file_id = c->file_id;
    if (format == TPP_FORMAT_XLSX)
        rc = tpp_imp_stream_drain(&stream, err); /* libzip reads the file itself */
    source src = {0};
    if (rc == TPP_OK && c->opts->join != NULL)
        rc = join_load(c, kind, join_sha, err);
    if (rc == TPP_OK && c->mapping != NULL && c->mapping->latest_key != NULL)
        rc = pick_latest(c, format, err);
    if (rc == TPP_OK)
        rc = source_open(&src, format, c->path, c->opts->sheet, &stream, c->diags, err);
    if (rc == TPP_OK)
        rc = read_rows(c, &src, stopped, err);
    *src_errors = source_errors(&src);
    source_close(&src);
    if (rc == TPP_OK)
        rc = tpp_imp_stream_drain(&stream, err); /* the rest, when reading stopped early */
    if (rc == TPP_OK) {
        char again[65];
        tpp_imp_stream_hex(&stream, again);
        if (stream.offset != size || (hashed && strcmp(again, c->stats->sha256) != 0))
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                          "'%s' changed while it was being imported; nothing imported", c->path);
        if (rc == TPP_OK && !hashed) {
            /* the hash of exactly the bytes stored and read: no stored file of this kind has
             * their size, so none has their hash */
            memcpy(c->stats->sha256, again, sizeof again);
            rc = set_sha256(c, err);
        }
    }
    if (stream.store_failed)
        rc = tpp_store_fail(c->st, err, "cannot store the input file");
    tpp_imp_stream_close(&stream);
    sqlite3_finalize(store);
    if (rc == TPP_OK)
        rc = update_rows(c, err);
    return rc;
}

tpp_status tpp_import_file_opts(struct tpp_store *st, const tpp_ruleset *rs, tpp_import_kind kind,
                                const char *path, const tpp_import_opts *opts, tpp_diags *diags,
                                tpp_import_stats *stats, tpp_error *err)
{
    memset(stats, 0, sizeof *stats);
    const tpp_imp_kind *ops = kind_ops(kind);
    if (ops == NULL)
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "unknown import kind %d", (int)kind);
    if (rs == NULL && needs_pack(kind))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                        "importing %s needs the rule pack (its types and predicates)",
                        tpp_import_kind_name(kind));
    tpp_import_opts o = *opts;
    tpp_mapping *mapping = NULL;
    /* The hashes of the mapping and of the joined file are taken before they are read and
     * recorded with the import's options; storing them checks they did not change meanwhile. */
    char mapping_sha[65] = "", join_sha[65] = "";
    uint64_t aux_size = 0;
    if (o.mapping != NULL)
        TPP_TRY(tpp_imp_hash_file(o.mapping, mapping_sha, &aux_size, err));
    if (o.join != NULL)
        TPP_TRY(tpp_imp_hash_file(o.join, join_sha, &aux_size, err));
    if (o.mapping != NULL) {
        TPP_TRY(tpp_mapping_load(o.mapping, &mapping, diags, err));
        if (mapping->kind != NULL && strcmp(mapping->kind, tpp_import_kind_name(kind)) != 0) {
            tpp_status rc =
                tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "mapping '%s' is for %s, not for %s",
                         o.mapping, mapping->kind, tpp_import_kind_name(kind));
            tpp_mapping_free(mapping);
            return rc;
        }
        if (o.sheet == NULL)
            o.sheet = mapping->sheet;
    }
    bool wants_join = mapping != NULL && mapping->join_key != NULL;
    if (wants_join != (o.join != NULL)) {
        tpp_mapping_free(mapping);
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        wants_join ? "the mapping joins another file: name it with --join"
                                   : "--join needs a mapping with a join section");
    }
    o.format = resolve_format(o.format, kind, path);
    if (o.format == TPP_FORMAT_ATTLOG && kind != TPP_KIND_ATTENDANCE) {
        tpp_mapping_free(mapping);
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "the attlog format is for attendance only");
    }

    /* A regular file is hashed once, while it is stored and parsed (below); only when a stored
     * file of this kind has the same size could it be one imported before, and then it is
     * hashed first, as a pipe always is. */
    uint64_t size = 0;
    bool regular = false;
    tpp_status rc = file_size(path, &size, &regular, err);
    if (rc == TPP_OK && !regular)
        rc = tpp_imp_hash_file(path, stats->sha256, &size, err);
    if (rc != TPP_OK) {
        tpp_mapping_free(mapping);
        return rc;
    }

    tpp_imp_ctx c = {.st = st,
                     .rs = rs,
                     .kind = ops,
                     .path = path,
                     .diags = diags,
                     .stats = stats,
                     .opts = &o,
                     .mapping = mapping,
                     .latest_key_field = -1,
                     .latest_order_field = -1};
    tpp_strmap_init(&c.latest);

    /* A month of scans is millions of index entries in one transaction: with SQLite's default
     * 2 MiB page cache they spill to the WAL again and again; 128 MiB keeps the index pages. A
     * national attendance file writes ≈ 3.6 GB of pages (packed months and the stored file) in
     * one transaction: with 2 GiB of cache fewer of them spill early, are written again and are
     * looked up in the WAL (123-135 -> 107-119 s, peak RSS 6.4 -> 8.3 GiB). The employees
     * import, which appends in key order, was no faster with it (46-49 s against 54-57 s, in a
     * scatter of ±5 s), so only attendance gets it (docs/performance.md, round 3g). A ceiling:
     * a small file allocates only the pages it touches. */
    rc = tpp_store_exec(st,
                        kind == TPP_KIND_ATTENDANCE ? "PRAGMA cache_size = -2097152"
                                                    : "PRAGMA cache_size = -131072",
                        err);
    /* The check runs inside the write transaction so that two processes importing the same
     * file cannot both pass it. */
    if (rc == TPP_OK)
        rc = tpp_store_begin(st, err);
    bool begun = rc == TPP_OK, stopped = false, found = false;
    size_t src_errors = 0;
    bool hashed = !regular;
    if (rc == TPP_OK && regular) {
        bool same_size = false;
        rc = find_size(&c, kind, size, &same_size, err);
        if (rc == TPP_OK && same_size) {
            uint64_t again = 0;
            rc = tpp_imp_hash_file(path, stats->sha256, &again, err);
            hashed = true;
            if (rc == TPP_OK && again != size)
                rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                              "'%s' changed while it was being imported; nothing imported", path);
        }
    }
    if (rc == TPP_OK && hashed)
        rc = find_file(&c, kind, &found, err);
    stats->already_imported = found;
    if (rc == TPP_OK && !found) {
        rc = import_body(&c, kind, o.format, size, hashed, o.mapping ? mapping_sha : NULL,
                         o.join ? join_sha : NULL, &stopped, &src_errors, err);
        size_t n_errors = c.n_errors + src_errors;
        stats->errors = n_errors;
        if (rc == TPP_OK && n_errors > 0)
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                          "%s%zu error%s in '%s'%s; nothing imported", stopped ? "at least " : "",
                          n_errors, n_errors == 1 ? "" : "s", path,
                          stopped ? " (stopped at the error limit)" : "");
        if (rc == TPP_OK) {
            rc = tpp_store_commit(st, err); /* rolls back itself on failure */
            begun = false;
        }
    }
    if (begun)
        tpp_store_rollback(st); /* an error, or nothing to do */
    if (src_errors > 0 && c.n_reasons < TPP_IMP_MAX_REASONS) {
        tpp_import_reason *r = &c.reasons[c.n_reasons++];
        snprintf(r->reason, sizeof r->reason, "malformed %s",
                 o.format == TPP_FORMAT_XLSX     ? "workbook or cell"
                 : o.format == TPP_FORMAT_ATTLOG ? "attlog line"
                                                 : "CSV text");
        r->count = src_errors;
    }
    stats->n_reasons = c.n_reasons;
    memcpy(stats->reasons, c.reasons, sizeof c.reasons);
    if (rc != TPP_OK) {
        stats->inserted = 0;
        stats->updated = 0;
        stats->duplicates = 0;
    }
    ops->end(&c);
    sqlite3_finalize(c.employee_exists);
    free(c.known_nips);
    tpp_strmap_release(&c.latest);
    join_free(c.join);
    tpp_mapping_free(mapping);
    return rc;
}
