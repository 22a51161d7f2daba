/* Importing one CSV file: the driver (hash, idempotence, transaction, header, rows) and the
 * helpers the per-kind files share. The kinds themselves are in import_<kind>.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/mask.h"
#include "engine/util.h"
#include "importers/import_int.h"
#include "importers/nip.h"

static const char *const kind_names[TPP_KIND_COUNT] = {
    [TPP_KIND_EMPLOYEES] = "employees",     [TPP_KIND_ATTENDANCE] = "attendance",
    [TPP_KIND_ABSENCES] = "absences",       [TPP_KIND_EVENTS] = "events",
    [TPP_KIND_PERFORMANCE] = "performance", [TPP_KIND_HOLIDAYS] = "holidays",
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
    case TPP_KIND_COUNT:
        break;
    }
    return NULL;
}

/* ---- diagnostics ------------------------------------------------------------------------ */

__attribute__((format(printf, 4, 0))) static void vreport(tpp_imp_ctx *c, bool error, tpp_srcloc at,
                                                          const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (error) {
        c->n_errors++;
        c->row_errors++;
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
    if (i < 0 || (size_t)i >= rec->n_fields) {
        c->empty[0] = '\0';
        return (tpp_imp_val){c->empty, 0, {c->path, rec->line, 1, name}, false};
    }
    tpp_csv_field *f = &rec->fields[i];
    trim_field(f);
    return (tpp_imp_val){f->text, f->len, {c->path, f->line, f->col, name}, true};
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
    if (!tpp_nip_looks_mangled(nip->s, nip->len))
        return false;
    tpp_imp_error(c, nip->at,
                  "invalid NIP '%s' in column '%s': NIP must be text; it looks like a spreadsheet "
                  "turned it into a number (format the column as Text and export again)",
                  tpp_imp_showv(c, nip), nip->at.field);
    return true;
}

tpp_status tpp_imp_known_nip(tpp_imp_ctx *c, const tpp_imp_val *nip, bool *ok, tpp_error *err)
{
    *ok = false;
    if (tpp_imp_mangled_nip(c, nip))
        return TPP_OK;
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

/* ---- the driver ------------------------------------------------------------------------- */

/* Map header cells to the kind's columns. Names are case-insensitive and trimmed. */
static void map_header(tpp_imp_ctx *c, const tpp_csv_record *hdr)
{
    const tpp_imp_kind *k = c->kind;
    for (size_t j = 0; j < k->n_columns; j++)
        c->field_of[j] = -1;
    c->header_line = hdr->line;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        tpp_csv_field *f = &hdr->fields[i];
        trim_field(f);
        tpp_srcloc at = {c->path, f->line, f->col, NULL};
        if (f->len == 0) {
            tpp_imp_error(c, at, "empty column name in the header (remove the empty column)");
            continue;
        }
        size_t j = 0;
        while (j < k->n_columns && !(strlen(k->columns[j].name) == f->len &&
                                     strncasecmp(k->columns[j].name, f->text, f->len) == 0))
            j++;
        if (j == k->n_columns) {
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
                tpp_imp_error(c, at, "unknown column '%s' (expected one of: %s)",
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
    for (size_t j = 0; j < k->n_columns; j++)
        if (k->columns[j].required && c->field_of[j] < 0)
            tpp_imp_error(c, (tpp_srcloc){c->path, hdr->line, 1, NULL},
                          "missing required column '%s'", k->columns[j].name);
    if (k->check_header != NULL)
        k->check_header(c);
}

/* Structure checks common to every kind; false if the row must not go to the kind. */
static bool check_row_shape(tpp_imp_ctx *c, const tpp_csv_record *rec, size_t n_header)
{
    if (rec->n_fields > n_header) {
        const tpp_csv_field *extra = &rec->fields[n_header];
        tpp_imp_error(c, (tpp_srcloc){c->path, extra->line, extra->col, NULL},
                      "too many fields: the row has %zu, the header %zu", rec->n_fields, n_header);
        return false;
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
    for (size_t j = 0; j < c->kind->n_columns; j++) {
        if (!c->kind->columns[j].required)
            continue;
        tpp_imp_val v = tpp_imp_get(c, rec, (int)j);
        if (v.len == 0)
            tpp_imp_error(c, v.at, "missing value in required column '%s'", v.at.field);
    }
    return true;
}

static tpp_status insert_file(tpp_imp_ctx *c, tpp_import_kind kind, const char *data, size_t len,
                              tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    char now[32];
    tpp_now_iso(now);
    TPP_TRY(tpp_store_prepare(c->st,
                              "INSERT INTO input_file(kind, sha256, path, rows, content, "
                              "imported_at) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
                              &q, err));
    sqlite3_bind_text(q, 1, tpp_import_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c->stats->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->path, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 4, data, len, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot store the input file");
    else
        c->file_id = sqlite3_last_insert_rowid(c->st->db);
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
 * the data are counted in c->n_errors and reader->n_errors. */
static tpp_status read_rows(tpp_imp_ctx *c, tpp_csv_reader *reader, bool *stopped, tpp_error *err)
{
    const tpp_csv_record *rec;
    TPP_TRY(tpp_csv_reader_next(reader, &rec, err));
    if (rec == NULL) {
        if (reader->n_errors == 0)
            tpp_imp_error(c, (tpp_srcloc){c->path, 1, 1, NULL},
                          "empty file (expected a header row: %s, ...)", c->kind->columns[0].name);
        return TPP_OK;
    }
    if (rec->bad)
        return TPP_OK; /* no reliable header: reading rows would only add noise */
    size_t n_header = rec->n_fields;
    map_header(c, rec);
    if (c->n_errors > 0)
        return TPP_OK;

    tpp_status rc = c->kind->begin(c, err);
    while (rc == TPP_OK) {
        /* Stop at --max-errors, but only for errors of this file: diags may be shared by
         * several imports, and stopping without an error of our own would commit half a file. */
        if (c->n_errors + reader->n_errors > 0 && tpp_diags_full(c->diags)) {
            *stopped = true;
            break;
        }
        rc = tpp_csv_reader_next(reader, &rec, err);
        if (rc != TPP_OK || rec == NULL)
            break;
        c->stats->rows++;
        c->row_errors = 0;
        if (rec->bad || !check_row_shape(c, rec, n_header))
            continue;
        rc = c->kind->row(c, rec, err);
    }
    if (rc == TPP_OK && !*stopped && c->kind->finish != NULL)
        rc = c->kind->finish(c, err);
    if (rc == TPP_OK && c->stats->rows == 0 && reader->n_errors == 0)
        tpp_imp_warning(c, (tpp_srcloc){c->path, c->header_line, 1, NULL},
                        "no data rows after the header");
    return rc;
}

tpp_status tpp_import_file(struct tpp_store *st, const tpp_ruleset *rs, tpp_import_kind kind,
                           const char *path, tpp_diags *diags, tpp_import_stats *stats,
                           tpp_error *err)
{
    memset(stats, 0, sizeof *stats);
    const tpp_imp_kind *ops = kind_ops(kind);
    if (ops == NULL)
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "unknown import kind %d", (int)kind);
    if (rs == NULL &&
        (kind == TPP_KIND_ABSENCES || kind == TPP_KIND_EVENTS || kind == TPP_KIND_PERFORMANCE))
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                        "importing %s needs the rule pack (its types and predicates)",
                        tpp_import_kind_name(kind));

    char *data = NULL;
    size_t len = 0;
    TPP_TRY(tpp_file_read(path, &data, &len, err));
    tpp_sha256_hex(data, len, stats->sha256);

    tpp_imp_ctx c = {.st = st, .rs = rs, .kind = ops, .path = path, .diags = diags, .stats = stats};
    tpp_csv_reader reader;
    tpp_csv_reader_init(&reader, path, data, len, diags);

    /* The check runs inside the write transaction so that two processes importing the same
     * file cannot both pass it. */
    tpp_status rc = tpp_store_begin(st, err);
    bool begun = rc == TPP_OK, stopped = false, found = false;
    if (rc == TPP_OK)
        rc = find_file(&c, kind, &found, err);
    stats->already_imported = found;
    if (rc == TPP_OK && !found) {
        rc = insert_file(&c, kind, data, len, err);
        if (rc == TPP_OK)
            rc = read_rows(&c, &reader, &stopped, err);
        if (rc == TPP_OK)
            rc = update_rows(&c, err);
        size_t n_errors = c.n_errors + reader.n_errors;
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
    if (rc != TPP_OK) {
        stats->inserted = 0;
        stats->updated = 0;
        stats->duplicates = 0;
    }
    ops->end(&c);
    sqlite3_finalize(c.employee_exists);
    tpp_csv_reader_release(&reader);
    free(data);
    return rc;
}
