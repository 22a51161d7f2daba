/* Shared by the per-kind importers (import_*.c): the import context, value access with
 * locations, diagnostics and common parsers. Private header. */
#ifndef TPP_IMPORTERS_IMPORT_INT_H
#define TPP_IMPORTERS_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "engine/store.h"
#include "importers/csv.h"
#include "importers/mapping.h"
#include "engine/strmap.h"
#include "tpp/date.h"
#include "tpp/import.h"
#include "tpp/money.h"

#define TPP_IMP_MAX_COLUMNS 24
#define TPP_IMP_CONSTANT    (-2) /* field_of[]: the value comes from the mapping's constants */
#define TPP_IMP_MAX_REASONS 16

/** One canonical column of a kind (SPEC §3). */
typedef struct tpp_imp_column {
    const char *name;
    bool required; /* the column must be in the header and its value non-empty */
} tpp_imp_column;

typedef struct tpp_imp_ctx tpp_imp_ctx;

/** What one kind does; the driver (import.c) calls these in order. */
typedef struct tpp_imp_kind {
    const tpp_imp_column *columns;
    size_t n_columns;
    /* After the header is mapped: kind-specific header rules (may be NULL). */
    void (*check_header)(tpp_imp_ctx *c);
    /* Prepare statements, load look-ups. Called once, inside the transaction. */
    tpp_status (*begin)(tpp_imp_ctx *c, tpp_error *err);
    /* Validate one data row (required values are already checked) and store it when valid. */
    tpp_status (*row)(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err);
    /* Checks that need the whole file (may be NULL). Not called when the import stopped early. */
    tpp_status (*finish)(tpp_imp_ctx *c, tpp_error *err);
    /* Free what begin() made; always called, also after a failed begin(). */
    void (*end)(tpp_imp_ctx *c);
} tpp_imp_kind;

extern const tpp_imp_kind tpp_imp_employees;
extern const tpp_imp_kind tpp_imp_attendance;
extern const tpp_imp_kind tpp_imp_absences;
extern const tpp_imp_kind tpp_imp_events;
extern const tpp_imp_kind tpp_imp_performance;
extern const tpp_imp_kind tpp_imp_holidays;
extern const tpp_imp_kind tpp_imp_sanctions;
extern const tpp_imp_kind tpp_imp_assignments;
extern const tpp_imp_kind tpp_imp_roster;
extern const tpp_imp_kind tpp_imp_units;
extern const tpp_imp_kind tpp_imp_device_pins;
extern const tpp_imp_kind tpp_imp_annual;
extern const tpp_imp_kind tpp_imp_zakat;
extern const tpp_imp_kind tpp_imp_transfers;

struct tpp_imp_ctx {
    tpp_store *st;
    const tpp_ruleset *rs;
    const tpp_imp_kind *kind;
    const char *path;
    tpp_diags *diags;
    tpp_import_stats *stats;
    int64_t file_id; /* input_file.id of this file */

    size_t n_errors;   /* error diagnostics of this file (diags may be NULL or shared) */
    size_t row_errors; /* of the current row: a row is stored only when this stays 0 */
    unsigned header_line;
    int field_of[TPP_IMP_MAX_COLUMNS]; /* column -> field index in the records, or -1 */

    const tpp_import_opts *opts;               /* never NULL */
    const tpp_mapping *mapping;                /* or NULL */
    const char *constant[TPP_IMP_MAX_COLUMNS]; /* value of a TPP_IMP_CONSTANT column */
    char constant_buf[TPP_IMP_MAX_COLUMNS][128];
    int skip_field[8]; /* source field of mapping->skips[i], or -1 */
    int latest_key_field, latest_order_field;
    tpp_strmap latest;         /* key -> line of the row to keep */
    struct tpp_imp_join *join; /* the mapping's join, loaded; or NULL */
    size_t n_reasons;
    tpp_import_reason reasons[TPP_IMP_MAX_REASONS];

    sqlite3_stmt *employee_exists; /* shared look-up, prepared on first use */
    /* After many look-ups in one file, every employee's NIP as a number, in a hash set (import.c,
     * tpp_imp_known_nip); known_off when the table holds a NIP that is not 18 digits. */
    uint64_t *known_nips; /* as read, then a hash set of known_mask + 1 slots */
    size_t n_known_nips, known_mask, n_nip_probes;
    bool known_loaded, known_off;
    void *state;                   /* the kind's own */
    char show[4][128];             /* rotating buffers for tpp_imp_show() */
    char empty[1];                 /* the value of an absent column */
    unsigned show_next;
};

/** A trimmed value of one column in the current record, with its location. */
typedef struct tpp_imp_val {
    char *s; /* NUL-terminated, in the record's buffer; "" when the column is absent */
    size_t len;
    tpp_srcloc at;  /* path, line, col of the value's first character, column name */
    bool present;   /* the column is in the header */
    unsigned flags; /* TPP_FIELD_* of a spreadsheet cell */
} tpp_imp_val;

/** Value of column `column` (index into kind->columns) of rec; trims it in place. */
tpp_imp_val tpp_imp_get(tpp_imp_ctx *c, const tpp_csv_record *rec, int column);

void tpp_imp_error(tpp_imp_ctx *c, tpp_srcloc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tpp_imp_warning(tpp_imp_ctx *c, tpp_srcloc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Printable, shortened copy of a value for messages; valid for the next three calls. */
const char *tpp_imp_show(tpp_imp_ctx *c, const char *s, size_t len);
/** Same, for a tpp_imp_val. */
const char *tpp_imp_showv(tpp_imp_ctx *c, const tpp_imp_val *v);
/** A row-level location: line of the record, column 1. */
tpp_srcloc tpp_imp_row_loc(const tpp_imp_ctx *c, const tpp_csv_record *rec);

/* Parsers: each reports its own error ("invalid date 'x' in column 'y' (expected ...)") and
 * returns false on a bad value. Callers skip empty values themselves. */
bool tpp_imp_date(tpp_imp_ctx *c, const tpp_imp_val *v, tpp_date *out);
bool tpp_imp_money(tpp_imp_ctx *c, const tpp_imp_val *v, tpp_money *out);
bool tpp_imp_int(tpp_imp_ctx *c, const tpp_imp_val *v, int64_t min, int64_t max, int64_t *out);

/** Append id to a ", "-separated list in buf (for "expected one of" messages). */
void tpp_imp_list_add(char *buf, size_t size, const char *id);

/** Index of the value in set, compared case-insensitively, or -1. */
int tpp_imp_match(const tpp_imp_val *v, const char *const *set, size_t n);
/** The value as an id: lowercase, runs of spaces, hyphens and underscores as one '_'
 *  ("Sangat Baik" -> "sangat_baik"). False if it does not fit in buf (then it is no known id).
 *  The value itself is left as written, for messages. */
bool tpp_imp_id(const tpp_imp_val *v, char *buf, size_t size);

/**
 * Check a NIP that refers to an employee (absences, events, performance): reports a NIP a
 * spreadsheet mangled, then an unknown NIP ("import employees first"). *ok tells whether the row
 * may go on. Returns TPP_ERR_DB on a database failure.
 */
tpp_status tpp_imp_known_nip(tpp_imp_ctx *c, const tpp_imp_val *nip, bool *ok, tpp_error *err);
/** Report a NIP that a spreadsheet turned into a number; true if it was. */
bool tpp_imp_mangled_nip(tpp_imp_ctx *c, const tpp_imp_val *nip);

/** The codes of the workspace's units (`tpp import units`) into units. */
tpp_status tpp_imp_load_units(tpp_imp_ctx *c, tpp_strmap *units, tpp_error *err);
/** Step q, bound by the caller to a row's key and this file's id, whose column 0 names another
 *  input file already holding that key (the "conflicts with ... imported from 'F'" check):
 *  copies the name into file[size] ("" when none), resets and clears q; `what` is the database
 *  error's message. */
tpp_status tpp_imp_stored_elsewhere(tpp_imp_ctx *c, sqlite3_stmt *q, const char *what, char *file,
                                    size_t size, tpp_error *err);
/** sqlite3_step() that must return SQLITE_DONE; resets and clears the statement. */
tpp_status tpp_imp_step_done(tpp_imp_ctx *c, sqlite3_stmt *q, const char *what, tpp_error *err);
/** Bind a value as text ("" stays ""); s must stay valid until the statement is stepped. */
void tpp_imp_bind_text(sqlite3_stmt *q, int i, const char *s, size_t len);
/** Bind a value as text, or NULL when empty (optional columns without a default). */
void tpp_imp_bind_opt(sqlite3_stmt *q, int i, const char *s, size_t len);
/** Bind a date as ISO text, or NULL when TPP_DATE_NONE. */
void tpp_imp_bind_date(sqlite3_stmt *q, int i, tpp_date d);

#endif /* TPP_IMPORTERS_IMPORT_INT_H */
