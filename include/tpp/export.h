/* Payroll files for BPKAD: the machine CSV and the XLSX payment list. */
#ifndef TPP_EXPORT_H
#define TPP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpp/error.h"
#include "tpp/money.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One payroll line as stored for a run. Strings are borrowed. */
typedef struct tpp_payline {
    const char *nip;
    const char *name;
    const char *unit_code;
    const char *unit_name;
    const char *position;
    const char *grade;
    const char *npwp;
    const char *bank_name;
    const char *bank_account;
    int kelas;
    bool ok; /* false: the employee could not be computed (message says why) */
    const char *message;
    int32_t workdays;
    int32_t days_present;
    int32_t days_absent;
    int32_t days_missing_punch;
    int32_t days_excused;
    int32_t late_minutes;
    int32_t early_minutes;
    bool deferred;
    bool perf_missing;
    tpp_money besaran;  /* col 6 */
    int32_t percent_bp; /* col 7, basis points */
    tpp_money discipline_cut;
    tpp_money performance_cut;
    tpp_money tpp;            /* col 8 */
    tpp_money pot_bulan_lalu; /* col 9 */
    tpp_money pot_hukdis;     /* col 10 */
    tpp_money bpjs_employer;  /* col 11 and 13 */
    tpp_money gross;          /* col 12 */
    tpp_money bpjs_employee;  /* col 14 */
    tpp_money deductions;     /* col 15 */
    tpp_money net_before_tax; /* col 16 */
    tpp_money pph21;          /* col 17 */
    tpp_money net;            /* col 18 */
} tpp_payline;

typedef struct tpp_export_meta {
    const char *region;
    const char *reg_number;
    const char *reg_title;
    const char *pack_id;
    const char *pack_sha256;
    bool illustrative;
    int year;
    int month;
    int64_t run_id;
} tpp_export_meta;

/**
 * Machine CSV: header row, one row per line in the given order (callers sort by unit_code, nip),
 * "\n" line endings, integers only, RFC 4180 quoting; text that a spreadsheet would take for a
 * formula (=, +, -, @ first) is prefixed with a single quote. Written atomically.
 */
tpp_status tpp_export_csv(const char *path, const tpp_export_meta *meta, const tpp_payline *lines,
                          size_t n, tpp_error *err);

/**
 * XLSX payment list: one sheet per OPD (lines must be grouped by unit_code) in the numbered
 * columns of the Deli Serdang template, derived columns as formulas with cached values, a totals
 * row, Indonesian number format. Fixed document time: identical inputs give identical bytes.
 * Written atomically.
 */
tpp_status tpp_export_xlsx(const char *path, const tpp_export_meta *meta, const tpp_payline *lines,
                           size_t n, tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_EXPORT_H */
