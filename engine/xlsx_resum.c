/* The payment list added up again from its own cells (see xlsx_resum.h).
 *
 * The layout is the one exporters/xlsx.c writes on each OPD sheet: a title block, the column
 * titles (form column 1 "NO" ... 18 "JUMLAH TPP YANG DITERIMA ..."), the numbering row 1..19,
 * one row per employee numbered 1..n, then the row labelled "JUMLAH" in column 2, then the
 * signature blocks. Column 18 holds formulas (=P-Q, =SUM(...)) whose cached values are the
 * engine's amounts, written as whole numbers; those cached values are what a reader of the file
 * sees first, so they are what is added up here. Nothing goes through a double. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/xlsx_resum.h"
#include "importers/xlsx.h"

#define NET_COL   18                 /* form column k is spreadsheet column k */
#define EXACT_MAX ((int64_t)1 << 53) /* larger integers have no exact spreadsheet number */

static const char *field(const tpp_csv_record *rec, size_t col)
{
    return col >= 1 && col <= rec->n_fields ? rec->fields[col - 1].text : "";
}

/* A whole number of rupiah as the cell text gives it: digits, an optional minus, nothing else. */
static bool parse_whole(const char *s, tpp_money *out)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    if (*s == '\0')
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > EXACT_MAX)
            return false;
    }
    *out = neg ? -v : v;
    return true;
}

/* The amount of column 18 of rec, or a reported problem. */
static bool net_amount(const char *path, const char *sheet, const tpp_csv_record *rec,
                       tpp_diags *diags, tpp_money *out)
{
    const tpp_csv_field *f = rec->n_fields >= NET_COL ? &rec->fields[NET_COL - 1] : NULL;
    tpp_srcloc at = {.path = path, .line = rec->line, .col = NET_COL};
    if (f == NULL || f->len == 0) {
        tpp_diag_error(diags, at, "sheet '%s': column 18 (JUMLAH TPP YANG DITERIMA) is empty",
                       sheet);
        return false;
    }
    if (!(f->flags & TPP_FIELD_NUMBER) || (f->flags & TPP_FIELD_LOSSY) ||
        !parse_whole(f->text, out)) {
        tpp_diag_error(diags, at,
                       "sheet '%s': column 18 (JUMLAH TPP YANG DITERIMA) holds '%.40s', not a "
                       "whole number of rupiah",
                       sheet, f->text);
        return false;
    }
    return true;
}

enum { WANT_HEAD, WANT_NUMBERS, IN_ROWS, DONE };

/* One OPD sheet: its employee rows' Σ column 18 into *sum; problems counted in *problems. */
static tpp_status resum_sheet(const char *path, const char *sheet, tpp_diags *diags, tpp_money *sum,
                              size_t *lines, size_t *problems, tpp_error *err)
{
    tpp_xlsx_reader *r = NULL;
    tpp_status rc = tpp_xlsx_reader_open(&r, path, sheet, diags, err);
    int state = WANT_HEAD;
    tpp_money rows_sum = 0, jumlah = 0;
    unsigned jumlah_row = 0;
    size_t n = 0, bad = 0;
    while (rc == TPP_OK && state != DONE) {
        const tpp_csv_record *rec = NULL;
        rc = tpp_xlsx_reader_next(r, &rec, err);
        if (rc != TPP_OK || rec == NULL)
            break;
        tpp_srcloc at = {.path = path, .line = rec->line, .col = 1};
        if (state == WANT_HEAD) {
            if (strcmp(field(rec, 1), "NO") == 0 &&
                strncmp(field(rec, NET_COL), "JUMLAH TPP YANG DITERIMA", 24) == 0)
                state = WANT_NUMBERS;
        } else if (state == WANT_NUMBERS) {
            if (strcmp(field(rec, 1), "1") != 0 || strcmp(field(rec, NET_COL), "18") != 0) {
                tpp_diag_error(diags, at,
                               "sheet '%s': the row under the column titles is not the "
                               "numbering row 1..19",
                               sheet);
                bad++;
            }
            state = IN_ROWS;
        } else if (strcmp(field(rec, 2), "JUMLAH") == 0) {
            jumlah_row = rec->line;
            if (!net_amount(path, sheet, rec, diags, &jumlah))
                bad++;
            state = DONE;
        } else {
            /* An employee row: numbered in sequence, so a row slipped in or taken out of the
             * middle is named even when the amounts happen to agree. */
            char want[24];
            snprintf(want, sizeof want, "%zu", n + 1);
            if (strcmp(field(rec, 1), want) != 0) {
                tpp_diag_error(diags, at, "sheet '%s': row number (NO) is '%.20s', expected %s",
                               sheet, field(rec, 1), want);
                bad++;
            }
            tpp_money v;
            if (!net_amount(path, sheet, rec, diags, &v)) {
                bad++;
            } else if (!tpp_money_add(rows_sum, v, &rows_sum)) {
                tpp_diag_error(diags, at, "sheet '%s': column 18 adds up beyond any amount", sheet);
                bad++;
            }
            n++;
        }
    }
    if (rc == TPP_OK) {
        size_t read_errors = tpp_xlsx_reader_errors(r);
        tpp_srcloc at = {.path = path};
        bad += read_errors;
        if (read_errors == 0 && state == WANT_HEAD) {
            tpp_diag_error(diags, at,
                           "sheet '%s': no column-title row (NO ... JUMLAH TPP YANG DITERIMA): "
                           "not a sheet of the payment list",
                           sheet);
            bad++;
        } else if (read_errors == 0 && state != DONE) {
            tpp_diag_error(diags, at, "sheet '%s': no JUMLAH row after the employee rows", sheet);
            bad++;
        } else if (state == DONE && jumlah != rows_sum) {
            tpp_diag_error(diags, at,
                           "sheet '%s': column 18 (JUMLAH TPP YANG DITERIMA) of its %zu employee "
                           "rows adds up to %" PRId64 ", but its JUMLAH row (row %u) says %" PRId64,
                           sheet, n, rows_sum, jumlah_row, jumlah);
            bad++;
        }
    }
    tpp_xlsx_reader_free(r);
    *sum = rows_sum;
    *lines = n;
    *problems += bad;
    return rc;
}

static bool is_opd_sheet(const char *name)
{
    return strcmp(name, "Ringkasan") != 0 && strcmp(name, "Rumus") != 0;
}

tpp_status tpp_payment_xlsx_resum(const char *path, const tpp_money *expected_total,
                                  tpp_diags *diags, tpp_xlsx_resum *out, tpp_error *err)
{
    memset(out, 0, sizeof *out);
    tpp_xlsx_reader *book = NULL;
    tpp_status rc = tpp_xlsx_reader_open(&book, path, NULL, diags, err);
    if (rc != TPP_OK) {
        tpp_xlsx_reader_free(book);
        return rc;
    }
    if (tpp_xlsx_reader_errors(book) > 0) { /* not a workbook: reported by the reader */
        out->n_problems += tpp_xlsx_reader_errors(book);
        tpp_xlsx_reader_free(book);
        return TPP_OK;
    }
    bool overflow = false;
    size_t n_sheets = tpp_xlsx_reader_sheet_count(book);
    for (size_t i = 0; i < n_sheets && rc == TPP_OK; i++) {
        const char *name = tpp_xlsx_reader_sheet_name(book, i);
        if (!is_opd_sheet(name))
            continue;
        tpp_money sum = 0;
        size_t lines = 0;
        rc = resum_sheet(path, name, diags, &sum, &lines, &out->n_problems, err);
        out->n_sheets++;
        out->n_lines += lines;
        overflow |= !tpp_money_add(out->total, sum, &out->total);
    }
    tpp_xlsx_reader_free(book);
    if (rc != TPP_OK)
        return rc;
    tpp_srcloc at = {.path = path};
    if (out->n_sheets == 0) {
        tpp_diag_error(diags, at, "no OPD sheet in the payment list");
        out->n_problems++;
    } else if (overflow) {
        tpp_diag_error(diags, at, "the OPD sheets' column 18 adds up beyond any amount");
        out->n_problems++;
    } else if (expected_total != NULL && out->total != *expected_total) {
        tpp_diag_error(diags, at,
                       "column 18 (JUMLAH TPP YANG DITERIMA) of the %zu OPD sheets adds up to "
                       "%" PRId64 ", not the manifest total %" PRId64,
                       out->n_sheets, out->total, *expected_total);
        out->n_problems++;
    }
    return TPP_OK;
}

tpp_status tpp_verify_payment_file(void *user, const char *path, const char *kind,
                                   tpp_money manifest_total, tpp_diags *diags, size_t *n_problems,
                                   tpp_error *err)
{
    (void)user;
    *n_problems = 0;
    if (strcmp(kind, "payment-xlsx") != 0)
        return TPP_OK;
    tpp_xlsx_resum rs;
    tpp_status rc = tpp_payment_xlsx_resum(path, &manifest_total, diags, &rs, err);
    *n_problems = rs.n_problems;
    return rc;
}
