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
    tpp_money zakat;          /* zakat deducted after PPh 21: col 18 = 16 - 17 - zakat */
    int32_t line; /* the employee's payroll line (result.line): 1, or 1, 2, ... per OPD */
} tpp_payline;

/** One signature block: "Mengetahui, <title>" or "<title>" with the signer's name and NIP.
 *  Empty or NULL strings print as dotted lines to be filled in by hand. */
typedef struct tpp_signatory {
    const char *title; /* "Kepala Dinas", "Bendahara Pengeluaran" */
    const char *name;
    const char *nip;
} tpp_signatory;

/** The signature blocks under a payment list (domain brief §6.1): the head of the OPD on the
 *  left ("Mengetahui,"), the treasurer on the right under "<place>, <date>". */
typedef struct tpp_signatures {
    tpp_signatory known; /* left, "Mengetahui," */
    tpp_signatory payer; /* right */
    const char *place;   /* "Samarinda" */
    const char *date;    /* already in words, "31 Januari 2025"; NULL = dotted */
} tpp_signatures;

/** Signature blocks of one OPD (overrides the default for that unit_code). */
typedef struct tpp_unit_signatures {
    const char *unit_code;
    tpp_signatures sign;
} tpp_unit_signatures;

struct tpp_ruleset;

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
    /* Added for the signed payroll files; all optional (zero = as before). */
    const tpp_signatures *sign;           /* default signature blocks; NULL = dotted */
    const tpp_unit_signatures *unit_sign; /* per-OPD overrides */
    size_t n_unit_sign;
    const struct tpp_ruleset *rules; /* the run's pack: the XLSX gets a "Rumus" sheet */
    /* XLSX: threads that render and deflate the OPD sheets' rows (0: 2). The bytes are the same
     * for any number. */
    int threads;
    /* XLSX: the whole workbook written and zipped by libxlsxwriter alone, on one thread. Every
     * part's XML is the same as the usual, re-packed file's (the tests compare them); only the
     * zip around it differs. The reference, and much slower on large lists. */
    bool xlsx_library_zip;
} tpp_export_meta;

/** Indonesian date in words, "31 Januari 2025", into buf; false when the date is invalid. */
bool tpp_date_words_id(int year, int month, int day, char *buf, size_t size);

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

/** tpp_export_xlsx without the final rename: the workbook is left in "<path>.tmp-<pid>" (this
 *  process's id), for the caller to rename with the other files of an export once all of them
 *  are written. */
tpp_status tpp_export_xlsx_staged(const char *path, const tpp_export_meta *meta,
                                  const tpp_payline *lines, size_t n, tpp_error *err);

/** The machine CSV's bytes (what tpp_export_csv writes) in a malloc'ed buffer (*buf, caller
 *  frees). */
tpp_status tpp_export_csv_render(const tpp_export_meta *meta, const tpp_payline *lines, size_t n,
                                 char **buf, size_t *len, tpp_error *err);

/** Count and sum of the amounts a file pays; recorded per file in the manifest. */
typedef struct tpp_file_stats {
    size_t records;  /* payment lines (employees; transfers in a bank file) */
    tpp_money total; /* sum of the net amounts (col 18) in the file */
} tpp_file_stats;

/** Σ of col 18 over the lines that are paid (ok), and their count: what tpp_export_xlsx and
 *  tpp_export_csv put in a manifest for the payment list. */
tpp_status tpp_paylines_stats(const tpp_payline *lines, size_t n, tpp_file_stats *out,
                              tpp_error *err);

/* ---- bank files ------------------------------------------------------------------------------ */

/** A bank's transfer-file layout, loaded from YAML (exporters/banks/README.md). */
typedef struct tpp_bank_template tpp_bank_template;

/** Load and validate a template; every problem goes to diags as file:line:col and the call fails
 *  with TPP_ERR_INVALID if there was any. */
tpp_status tpp_bank_template_load(const char *path, const char *text, size_t len, tpp_diags *diags,
                                  tpp_bank_template **out, tpp_error *err);
/** A shipped template by name ("generic"), compiled into the program; TPP_ERR_INVALID when there
 *  is no such template. */
tpp_status tpp_bank_template_builtin(const char *name, tpp_diags *diags, tpp_bank_template **out,
                                     tpp_error *err);
void tpp_bank_template_free(tpp_bank_template *t); /* NULL-safe */
/** The template's id (file names: bank-<id>-YYYY-MM.<ext>) and file extension. */
const char *tpp_bank_template_id(const tpp_bank_template *t);
const char *tpp_bank_template_ext(const tpp_bank_template *t);
/** Whether the template takes this line (its `banks:` list against bank_name; no list = all). */
bool tpp_bank_template_takes(const tpp_bank_template *t, const tpp_payline *l);

/** A value for a `param:` field of a template (e.g. the region's debit account). */
typedef struct tpp_bank_param {
    const char *key;
    const char *value;
} tpp_bank_param;

/**
 * Render the transfer file of `lines` (already chosen for this bank, in payment-list order) into
 * buf: header, one record per line with its net (col 18), trailer. Lines that are not ok or have
 * net <= 0 are an error (the caller leaves them out). Fails, naming the line, when a value does
 * not fit a fixed width or an account number is empty.
 */
tpp_status tpp_bank_render(const tpp_bank_template *t, const tpp_export_meta *meta,
                           const tpp_payline *const *lines, size_t n, const tpp_bank_param *params,
                           size_t n_params, char **buf, size_t *len, tpp_file_stats *stats,
                           tpp_error *err);
/** tpp_bank_render, written atomically to path. */
tpp_status tpp_export_bank(const char *path, const tpp_bank_template *t,
                           const tpp_export_meta *meta, const tpp_payline *const *lines, size_t n,
                           const tpp_bank_param *params, size_t n_params, tpp_file_stats *stats,
                           tpp_error *err);

/* ---- supplementary lists --------------------------------------------------------------------- */

/** One employee's correction of an earlier month: what was paid against what was due. */
typedef struct tpp_delta_line {
    const char *nip;
    const char *name;
    const char *unit_code;
    const char *unit_name;
    const char *grade;
    const char *position;
    const char *bank_account;
    int year, month;    /* the month corrected */
    tpp_money due_net;  /* col 18 of the corrected revision */
    tpp_money paid_net; /* col 18 as paid */
    const char *reason; /* KETERANGAN */
} tpp_delta_line;

/** One employee of a two-month (rapel) payment: the net of each month. */
typedef struct tpp_rapel_line {
    const char *nip;
    const char *name;
    const char *unit_code;
    const char *unit_name;
    const char *bank_account;
    tpp_money net[2];
} tpp_rapel_line;

/**
 * Daftar kekurangan/kelebihan bayar (XLSX): a sheet per OPD (lines grouped by unit_code), with
 * SEHARUSNYA, TELAH DIBAYAR, and KEKURANGAN = MAX(due - paid, 0), KELEBIHAN = MAX(paid - due, 0)
 * as formulas with cached values, totals and signature blocks. stats->total is Σ kekurangan -
 * Σ kelebihan (what is still to be paid; negative when money comes back).
 */
tpp_status tpp_export_delta_xlsx(const char *path, const tpp_export_meta *meta,
                                 const tpp_delta_line *lines, size_t n, tpp_file_stats *stats,
                                 tpp_error *err);

/**
 * Two-month (rapel) payment list (XLSX), the layout of domain brief §6.2: NO, NAMA, NO. REKENING,
 * JUMLAH BERSIH of month 1 and month 2, JUMLAH (formula), JUMLAH DIKREDITKAN OLEH BANK; a sheet
 * per OPD with totals. meta gives the first month; the second is the month after it.
 */
tpp_status tpp_export_rapel_xlsx(const char *path, const tpp_export_meta *meta,
                                 const tpp_rapel_line *lines, size_t n, tpp_file_stats *stats,
                                 tpp_error *err);

/* ---- manifest and verification --------------------------------------------------------------- */

#define TPP_MANIFEST_MAX_FILES 64

/** One exported file as the manifest lists it. */
typedef struct tpp_manifest_file {
    char name[256]; /* file name inside the directory, no '/' */
    char kind[32];  /* payment-xlsx, machine-csv, bank:<id>, supplement-xlsx, ... */
    tpp_file_stats stats;
    /* Set by a writer that hashed the file's exact bytes as it wrote them: the manifest then
     * takes sha256 and bytes from here instead of reading the file again. */
    bool hashed;
    char sha256[65];
    uint64_t bytes;
} tpp_manifest_file;

typedef struct tpp_manifest {
    int year, month;
    int64_t run_id;
    char pack_id[128];
    char pack_sha256[65];
    /* The run's seal. Until runs are sealed (finalize), a provisional seal: the SHA-256 over the
     * run's stored results in (unit_code, nip) order, see docs in exporters/manifest.c. */
    char seal_kind[16]; /* "provisional" or "final" */
    char seal[65];
    size_t n_lines;      /* payment lines of the run */
    tpp_money total_net; /* Σ col 18 over the paid lines: every payment file must agree */
    size_t n_files;
    tpp_manifest_file files[TPP_MANIFEST_MAX_FILES];
} tpp_manifest;

#define TPP_SIGN_SECRET_BYTES 64
#define TPP_SIGN_PUBLIC_BYTES 32

/**
 * Hash every listed file in dir and write dir/tpp-YYYY-MM.manifest atomically: the text body, a
 * "manifest-sha256" line over it, and an Ed25519 signature over both when secret_key is not NULL.
 * Deterministic: the same files and key give the same bytes.
 */
tpp_status tpp_manifest_write(const char *dir, const tpp_manifest *m,
                              const unsigned char *secret_key, char *path_out, size_t path_size,
                              tpp_error *err);

typedef struct tpp_verify_report {
    size_t n_manifests;
    size_t n_files;                              /* files checked */
    size_t n_failed;                             /* files (or manifests) that failed */
    size_t n_signed;                             /* manifests with a valid signature */
    unsigned char signer[TPP_SIGN_PUBLIC_BYTES]; /* key of the last signed manifest */
} tpp_verify_report;

/**
 * Check every *.manifest in dir: its own checksum and signature (against trusted_key when given,
 * else against the key it names), each listed file's size and SHA-256, the totals (every payment
 * file's total equals the manifest total; the machine CSV is summed again), and that no other
 * file sits in dir (subdirectories are not looked at). Each failure is reported to diags with
 * the failing file as its location.
 * Returns TPP_OK when the check ran (failures are counted in rep->n_failed); an error only when
 * the directory cannot be read.
 */
tpp_status tpp_verify_dir(const char *dir, const unsigned char *trusted_key, tpp_diags *diags,
                          tpp_verify_report *rep, tpp_error *err);

/** Options of tpp_verify_dir_opts. */
typedef struct tpp_verify_options {
    const unsigned char *trusted_key; /* NULL: a signature is checked against the key it names */
    const char *root; /* 64 hex digits, or NULL: each manifest must say "seal final <root>" */
    /* Optional deeper check of each listed file that exists, whether or not its hash matched
     * (so that a changed file is also told where it changed): reports its problems to diags and
     * counts them in *n_problems; a status other than TPP_OK stops the verification. The CLI
     * passes the engine's re-sum of the payment list (engine/xlsx_resum.h). NULL: none. */
    tpp_status (*check_file)(void *user, const char *path, const char *kind,
                             tpp_money manifest_total, tpp_diags *diags, size_t *n_problems,
                             tpp_error *err);
    void *check_user;
} tpp_verify_options;

/** tpp_verify_dir, and with o->root that every manifest is of the sealed run with that published
 *  Merkle root. */
tpp_status tpp_verify_dir_opts(const char *dir, const tpp_verify_options *o, tpp_diags *diags,
                               tpp_verify_report *rep, tpp_error *err);

/* ---- signing keys ---------------------------------------------------------------------------- */

/** Make a new Ed25519 key pair: path (secret, mode 0600) and path.pub. Refuses to overwrite. */
tpp_status tpp_key_generate(const char *path, unsigned char pub[TPP_SIGN_PUBLIC_BYTES],
                            tpp_error *err);
tpp_status tpp_key_load_secret(const char *path, unsigned char sk[TPP_SIGN_SECRET_BYTES],
                               tpp_error *err);
/** A public key from a file written by tpp_key_generate (.pub), or from its 64 hex digits. */
tpp_status tpp_key_load_public(const char *path_or_hex, unsigned char pk[TPP_SIGN_PUBLIC_BYTES],
                               tpp_error *err);
/** Lower-case hex of n bytes into out (2n + 1 bytes). */
void tpp_hex(const unsigned char *in, size_t n, char *out);

#ifdef __cplusplus
}
#endif
#endif /* TPP_EXPORT_H */
