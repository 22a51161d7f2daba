/* The payment list (tpp-YYYY-MM.xlsx) added up again from its own cells, with the product's XLSX
 * reader: what `tpp verify` checks beyond the hashes. Private header of the engine. */
#ifndef TPP_ENGINE_XLSX_RESUM_H
#define TPP_ENGINE_XLSX_RESUM_H

#include <stdbool.h>
#include <stddef.h>

#include "tpp/error.h"
#include "tpp/money.h"

typedef struct tpp_xlsx_resum {
    size_t n_sheets;   /* OPD sheets read */
    size_t n_lines;    /* employee rows over all of them */
    tpp_money total;   /* Σ column 18 of the employee rows */
    size_t n_problems; /* problems reported to diags */
} tpp_xlsx_resum;

/**
 * Read the payment list at path and, on every OPD sheet (every sheet but "Ringkasan" and
 * "Rumus"), add up the cached values of form column 18 (JUMLAH TPP YANG DITERIMA, spreadsheet
 * column R) over the employee rows and compare the sum with the sheet's JUMLAH row; then compare
 * the sum over all sheets with *expected_total when it is not NULL (the manifest's total-net).
 * Amounts are parsed as whole-rupiah integers from the cell text; a fraction, a text or an
 * amount beyond 2^53 is a problem too. Each problem is reported to diags against path (and the
 * row when there is one) and counted in out->n_problems.
 * Returns TPP_OK when the check ran; TPP_ERR_NOMEM or TPP_ERR_IO (the file cannot be opened).
 */
tpp_status tpp_payment_xlsx_resum(const char *path, const tpp_money *expected_total,
                                  tpp_diags *diags, tpp_xlsx_resum *out, tpp_error *err);

/**
 * tpp_verify_options.check_file for `tpp verify`: files of kind "payment-xlsx" are added up
 * again with tpp_payment_xlsx_resum against the manifest total; other kinds pass untouched.
 */
tpp_status tpp_verify_payment_file(void *user, const char *path, const char *kind,
                                   tpp_money manifest_total, tpp_diags *diags, size_t *n_problems,
                                   tpp_error *err);

#endif /* TPP_ENGINE_XLSX_RESUM_H */
