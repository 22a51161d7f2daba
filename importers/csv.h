/* RFC 4180 CSV reader over an in-memory buffer, with exact line and column tracking.
 * Private header of the importers. */
#ifndef TPP_IMPORTERS_CSV_H
#define TPP_IMPORTERS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "tpp/error.h"

/* Hostile input must not blow up memory: one record holds at most
 * TPP_CSV_MAX_FIELDS * TPP_CSV_MAX_FIELD bytes (16 MiB). */
#define TPP_CSV_MAX_FIELD  65536 /* bytes of one field, after unescaping */
#define TPP_CSV_MAX_FIELDS 256   /* fields of one record */

typedef struct tpp_csv_field {
    char *text; /* unescaped, NUL-terminated; the caller may edit it in place (e.g. trim) */
    size_t len;
    unsigned line;  /* 1-based line of the field's first character (its opening quote) */
    unsigned col;   /* 1-based column, counted in characters (UTF-8 code points) */
    unsigned flags; /* TPP_FIELD_*: what a spreadsheet cell was (0 for CSV) */
} tpp_csv_field;

#define TPP_FIELD_NUMBER 1u /* a numeric spreadsheet cell */
#define TPP_FIELD_LOSSY  2u /* a number of 16 or more digits: a spreadsheet kept only 15 */

typedef struct tpp_csv_record {
    tpp_csv_field *fields;
    size_t n_fields;
    unsigned line;     /* first line of the record */
    unsigned end_line; /* where the record ends (just after its last character) */
    unsigned end_col;
    bool bad; /* a syntax error was reported in this record; its fields are not reliable */
} tpp_csv_record;

typedef struct tpp_csv_reader {
    const char *path; /* borrowed, for diagnostics */
    tpp_diags *diags; /* borrowed, may be NULL */
    const unsigned char *data;
    size_t len;
    size_t pos;
    unsigned line;
    unsigned col;
    bool done;

    char *buf; /* text of the current record's fields, each NUL-terminated */
    size_t buf_len;
    size_t buf_cap;
    size_t *offsets; /* start of each field in buf */
    tpp_csv_field *fields;
    size_t fields_cap;
    tpp_csv_record rec;

    size_t n_errors;   /* syntax errors reported so far */
    unsigned err_line; /* the last one, for callers and tests */
    unsigned err_col;
    char err_msg[160];

    /* Streaming: the input arrives in chunks through read(); data is a window of it. */
    long (*read)(void *ctx, unsigned char *buf, size_t cap);
    void *read_ctx;
    unsigned char *win;
    size_t win_cap;
    bool eof;
    bool read_failed;
    bool started;
} tpp_csv_reader;

/** Start reading `data` (borrowed; must outlive the reader). A UTF-8 BOM is skipped.
 *  Syntax errors are reported to diags as "path:line:col: error: ..." and counted in n_errors. */
void tpp_csv_reader_init(tpp_csv_reader *r, const char *path, const char *data, size_t len,
                         tpp_diags *diags);

/** Start reading a stream: read() fills buf with up to cap bytes, returns 0 at the end and -1
 *  on failure. Only a window of the input (a few MiB, or one very long record) is in memory. */
void tpp_csv_reader_init_stream(tpp_csv_reader *r, const char *path,
                                long (*read)(void *ctx, unsigned char *buf, size_t cap), void *ctx,
                                tpp_diags *diags);

/**
 * Read the next record. *out receives it (valid until the next call or release), or NULL at
 * the end of the input. Blank lines are skipped. A syntax error is reported once per record and
 * marks the record bad; reading goes on with the next record, except after an unterminated quote,
 * which ends the input. Returns TPP_OK, or TPP_ERR_NOMEM (err set).
 */
tpp_status tpp_csv_reader_next(tpp_csv_reader *r, const tpp_csv_record **out, tpp_error *err);

void tpp_csv_reader_release(tpp_csv_reader *r); /* NULL-safe */

#endif /* TPP_IMPORTERS_CSV_H */
