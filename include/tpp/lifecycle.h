/* The run lifecycle (SPEC §7): the completeness gate before finalizing, the difference between
 * two runs, and corrections carried into a later month. */
#ifndef TPP_LIFECYCLE_H
#define TPP_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "tpp/error.h"
#include "tpp/money.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tpp_store;

/** What keeps a run from being finalized without an explicit override (SPEC §4 step 6):
 *  employees without performance data, and lines that could not be computed (status error,
 *  e.g. a class with no amount, a missing PTKP status). Days with only one punch are counted
 *  for the report; the pack already classifies them. */
typedef struct tpp_gate {
    int64_t run_id;
    char period[8];
    int64_t n_lines;
    int64_t n_errors;
    int64_t n_perf_missing;
    int64_t n_missing_punch_days;
    bool complete; /* n_errors == 0 && n_perf_missing == 0 */
} tpp_gate;

/** Fill *out for run_id. `tpp finalize` refuses while !out->complete unless the user gives
 *  --accept-incomplete "reason" (recorded by the finalize command). */
tpp_status tpp_run_gate(struct tpp_store *st, int64_t run_id, tpp_gate *out, tpp_error *err);

typedef enum tpp_diff_kind { TPP_DIFF_CHANGED, TPP_DIFF_ADDED, TPP_DIFF_REMOVED } tpp_diff_kind;

/** One employee whose line differs between run A and run B. */
typedef struct tpp_diff_line {
    tpp_diff_kind kind;
    const char *nip;
    const char *name;
    const char *unit_code;
    const char *step;     /* the first trace step that differs ("" for added/removed) */
    const char *unit_name, *grade, *position, *bank_account; /* of B, else A */
    const char *result_a; /* that step's result in A and B ("" when the step is missing) */
    const char *result_b;
    tpp_money tpp_a, tpp_b;     /* col 8 */
    tpp_money gross_a, gross_b; /* col 12 */
    tpp_money net_a, net_b;     /* col 18 */
} tpp_diff_line;

typedef int (*tpp_diff_fn)(void *user, const tpp_diff_line *line); /* non-zero stops */

typedef struct tpp_diff_summary {
    int64_t n_same, n_changed, n_added, n_removed;
    tpp_money delta_tpp, delta_net; /* B - A */
} tpp_diff_summary;

/** Compare two stored runs employee by employee (by NIP); calls fn for each difference in NIP
 *  order. */
tpp_status tpp_run_diff(struct tpp_store *st, int64_t run_a, int64_t run_b, tpp_diff_fn fn,
                        void *user, tpp_diff_summary *sum, tpp_error *err);

/** Carry the col 8 difference A - B of every changed employee into the month `period`
 *  ("YYYY-MM") as a correction line: > 0 kelebihan bayar (col 9 of that month), < 0 kekurangan
 *  bayar (added to col 8). Both runs must be of the same, earlier period. Idempotent for the
 *  same pair of runs. *n_out receives the number of lines carried. */
tpp_status tpp_run_carry(struct tpp_store *st, int64_t run_a, int64_t run_b, const char *period,
                         int64_t *n_out, tpp_error *err);

/** Write the daftar kekurangan/kelebihan bayar of run B against run A as XLSX
 *  (tpp_export_delta_xlsx): one line per employee whose col 18 differs, TELAH DIBAYAR = A,
 *  SEHARUSNYA = B, the first differing step as KETERANGAN; the header is B's pack. */
tpp_status tpp_run_delta_xlsx(struct tpp_store *st, int64_t run_a, int64_t run_b,
                              const char *path, size_t *n_lines, tpp_money *total,
                              tpp_error *err);

/** A two-month payment (rapel): each month's sealed run (state final), else its latest draft,
 *  each computed under the pack in force in its own month. */
typedef struct tpp_rapel_summary {
    int64_t run_id[2];
    char state[2][8];         /* "final" or "draft" */
    char pack_id[2][128];     /* the pack each month's run used */
    char pack_sha256[2][65];
    size_t n_lines;           /* employees on the list (either month) */
    tpp_money total[2];       /* Σ col 18 of each month */
    char xlsx[1100], csv[1100]; /* the files written */
} tpp_rapel_summary;

/** Write out_dir/rapel-YYYY-MM-YYYY-MM.xlsx (tpp_export_rapel_xlsx) and .csv for the month
 *  year-month and the month after it. Refuses when either month has no run or has lines that
 *  could not be computed. */
tpp_status tpp_rapel_export(struct tpp_store *st, int year, int month, const char *out_dir,
                            tpp_rapel_summary *sum, tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_LIFECYCLE_H */
