/* The monthly batch: load a period's inputs from the workspace, compute every employee in
 * parallel, store the run; and export a stored run's payroll files. */
#ifndef TPP_BATCH_H
#define TPP_BATCH_H

#include <stdint.h>

#include "tpp/error.h"
#include "tpp/money.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tpp_store;

typedef void (*tpp_progress_fn)(void *user, const char *phase, size_t done, size_t total);

typedef struct tpp_run_options {
    int year;
    int month;
    int threads;              /* 0 = OpenMP default */
    tpp_progress_fn progress; /* may be NULL; called from the main thread only */
    void *progress_user;
} tpp_run_options;

typedef struct tpp_run_summary {
    int64_t run_id;
    size_t n_employees;
    size_t n_errors; /* employees that could not be computed (status error) */
    size_t n_perf_missing;
    size_t n_deferred;
    size_t n_scans;
    tpp_money total_tpp;
    tpp_money total_gross;
    tpp_money total_net;
    int threads;
    int64_t load_ms, compute_ms, persist_ms;
    char pack_id[128];
    char pack_sha256[65];
    /* a pack version starting inside the month: "pack ID (sha256 ...) from YYYY-MM-DD", one per
     * line; empty when one pack covers the month */
    char more_packs[512];
    size_t n_lines; /* payroll lines stored: employees + one more per extra OPD of a transfer */
} tpp_run_summary;

/**
 * Compute the period with the rule pack in force for it and store a new draft run (nothing is
 * overwritten). Employees whose data cannot be computed are stored with status "error" and
 * reported to diags; the run still completes.
 */
tpp_status tpp_batch_run(struct tpp_store *st, const tpp_run_options *opt, tpp_diags *diags,
                         tpp_run_summary *sum, tpp_error *err);

typedef enum tpp_export_format {
    TPP_EXPORT_CSV = 1 << 0,
    TPP_EXPORT_XLSX = 1 << 1,
    TPP_EXPORT_BANK = 1 << 2,
    TPP_EXPORT_ALL = TPP_EXPORT_CSV | TPP_EXPORT_XLSX | TPP_EXPORT_BANK
} tpp_export_format;

#define TPP_EXPORT_MAX_BANKS 16

typedef struct tpp_export_summary {
    int64_t run_id;
    size_t n_lines;
    size_t n_units;
    tpp_money total_net;
    char csv_path[1024];
    char xlsx_path[1024];
    size_t n_banks;
    char bank_path[TPP_EXPORT_MAX_BANKS][1024];
    size_t bank_records[TPP_EXPORT_MAX_BANKS];
    tpp_money bank_total[TPP_EXPORT_MAX_BANKS];
    size_t n_unpaid; /* lines with nothing to transfer (not computed, or net 0) */
    char manifest_path[1024];
    int manifest_signed;
    char seal[65]; /* the seal in the manifest: a sealed run's Merkle root, else the provisional
                    * digest of the run's stored results */
    size_t n_stale_removed; /* temporary files of a killed earlier export, removed */
} tpp_export_summary;

typedef struct tpp_export_options {
    int year;
    int month;
    int64_t run_id;   /* 0 = the period's latest run */
    unsigned formats; /* tpp_export_format bits */
    const char *out_dir;
    /* Bank templates: shipped names ("generic") or paths to .yaml files. NULL: the workspace's
     * export.banks setting, else "generic". Every paid line must fall to exactly one. */
    const char *const *banks;
    size_t n_banks;
    const char *key_path;  /* secret key; NULL: the signing.key setting; "" = do not sign */
    const char *sign_date; /* YYYY-MM-DD for the signature blocks; NULL: the sign.date setting */
    tpp_diags *diags;      /* problems in bank templates, as file:line:col; may be NULL */
} tpp_export_options;

/** Export a stored run into out_dir: tpp-YYYY-MM.xlsx (payment list), tpp-YYYY-MM.csv (machine
 *  CSV), bank-<id>-YYYY-MM.<ext> per bank template, and tpp-YYYY-MM.manifest listing them all
 *  (signed when a key is configured). */
tpp_status tpp_batch_export_opt(struct tpp_store *st, const tpp_export_options *opt,
                                tpp_export_summary *sum, tpp_error *err);

/** tpp_batch_export_opt with the workspace's settings for banks, key and date. */
tpp_status tpp_batch_export(struct tpp_store *st, int year, int month, int64_t run_id,
                            unsigned formats, const char *out_dir, tpp_export_summary *sum,
                            tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_BATCH_H */
