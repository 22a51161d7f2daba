/* Importing input files (CSV, canonical columns of SPEC §3) into the workspace. */
#ifndef TPP_IMPORT_H
#define TPP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tpp/error.h"
#include "tpp/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tpp_import_kind {
    TPP_KIND_EMPLOYEES,
    TPP_KIND_ATTENDANCE,
    TPP_KIND_ABSENCES,
    TPP_KIND_EVENTS,
    TPP_KIND_PERFORMANCE,
    TPP_KIND_HOLIDAYS,
    TPP_KIND_SANCTIONS,   /* hukuman disiplin: level, start_period, months */
    TPP_KIND_ASSIGNMENTS, /* Plt/Plh assignments */
    TPP_KIND_ROSTER,      /* shifts; a shift belongs to its start date */
    TPP_KIND_UNITS,       /* unit code, name, timezone (WIB/WITA/WIT) */
    TPP_KIND_DEVICE_PINS, /* device PIN -> NIP, per device */
    TPP_KIND_ANNUAL,      /* the year's PPh 21 inputs of the December reconciliation */
    TPP_KIND_ZAKAT,       /* zakat through the payroll: statements per NIP from a month on */
    TPP_KIND_TRANSFERS,   /* mutasi: from a date the employee works in another OPD */
    TPP_KIND_COUNT
} tpp_import_kind;

const char *tpp_import_kind_name(tpp_import_kind kind); /* "employees", ... */
bool tpp_import_kind_parse(const char *s, tpp_import_kind *out);

/** A kind of error and how often it occurred ("invalid date in column 'start_date'"). */
typedef struct tpp_import_reason {
    char reason[96];
    size_t count;
} tpp_import_reason;

typedef struct tpp_import_stats {
    size_t rows;           /* data rows read */
    size_t inserted;       /* rows stored (new or replacing an existing record) */
    size_t updated;        /* of those, rows that replaced an existing record (employees) */
    size_t duplicates;     /* exact duplicates collapsed (attendance) */
    size_t skipped;        /* rows not stored, each reported as a warning */
    bool already_imported; /* the same file (same SHA-256, same kind) was imported before */
    char sha256[65];
    size_t out_of_period; /* attendance scans outside --period, not stored */
    size_t unknown_pins;  /* distinct device PINs (or NIPs) nobody maps to; their scans skipped */
    size_t unknown_scans; /* scans of those */
    size_t superseded;    /* rows replaced by a later row of the same key (mapping latest_by) */
    size_t filtered;      /* rows left out by the mapping's skip rules (e.g. Plt/Plh SKP rows) */
    size_t errors;        /* error diagnostics of this file */
    size_t n_reasons;     /* errors by reason, in order of first appearance */
    tpp_import_reason reasons[16];
} tpp_import_stats;

typedef enum tpp_import_format {
    TPP_FORMAT_AUTO, /* by the file's extension: .xlsx, .dat/.attlog/.txt (attendance), else CSV */
    TPP_FORMAT_CSV,
    TPP_FORMAT_XLSX,
    TPP_FORMAT_ATTLOG, /* ZKTeco attlog lines: PIN\tYYYY-MM-DD HH:MM:SS\tstatus\tverify\twork */
} tpp_import_format;

/** Options of one import; zero-initialised means the plain CSV import. */
typedef struct tpp_import_opts {
    tpp_import_format format;
    const char *sheet;    /* XLSX: sheet name (default: the mapping's, else the first sheet) */
    const char *mapping;  /* YAML mapping file (column renames, code translation), or NULL */
    const char *device;   /* attendance: the device the file came from (PIN map, stored) */
    const char *timezone; /* attendance: the clock's zone (WIB, WITA, WIT), or NULL = unit's */
    const char *join;     /* the file the mapping's `join` reads (e.g. e-Kinerja Laporan SKP) */
    int period_year;      /* attendance: keep only scans of this month (0 = all) */
    int period_month;
} tpp_import_opts;

/** Parse a format name ("csv", "xlsx", "attlog", "auto"). */
bool tpp_import_format_parse(const char *s, tpp_import_format *out);

struct tpp_store;

/**
 * Import one file of `kind` into the workspace in one transaction. Every bad row is reported to
 * diags as "file:line:col: error: ..."; if there is any, nothing is changed and the call returns
 * TPP_ERR_INVALID. Importing the same file twice changes nothing (stats->already_imported).
 * The raw file is stored (content-addressed) in input_file. `rs` supplies the absence types,
 * event types and predicates the region knows.
 */
tpp_status tpp_import_file(struct tpp_store *st, const tpp_ruleset *rs, tpp_import_kind kind,
                           const char *path, tpp_diags *diags, tpp_import_stats *stats,
                           tpp_error *err);

/** tpp_import_file with options (format, sheet, mapping, device, timezone, period). The file is
 *  read in chunks and never held whole in memory (XLSX: one row at a time, plus its shared
 *  strings). */
tpp_status tpp_import_file_opts(struct tpp_store *st, const tpp_ruleset *rs, tpp_import_kind kind,
                                const char *path, const tpp_import_opts *opts, tpp_diags *diags,
                                tpp_import_stats *stats, tpp_error *err);

/** Write the stored bytes of imported file `file_id` (input_file.id) to out, in order: the raw
 *  file exactly as it was read (its SHA-256 is input_file.sha256). */
tpp_status tpp_import_raw(struct tpp_store *st, long long file_id, FILE *out, tpp_error *err);

/** Completeness of a period's inputs (SPEC: the gate before finalize). */
typedef struct tpp_completeness {
    size_t employees;           /* employees active in the period */
    size_t without_punch;       /* active employees with no scan in the period */
    size_t without_performance; /* active employees without a performance record for the period */
    size_t unknown_pins;        /* distinct unknown device PINs / NIPs seen in the period */
    size_t unknown_scans;       /* scans of those */
    size_t unclassified_days;   /* workdays of shift workers without a roster entry */
    size_t employees_unclassified;
    bool complete; /* all counts above (but employees) are zero */
    /* the period whose performance the month reads: itself, or the earlier one the pack in
     * force names in `performance.lag` */
    int perf_year, perf_month;
} tpp_completeness;

/**
 * Compute the completeness of period year-month. When `list` is not NULL, each problem is
 * written to it, one line each, tab-separated: "without_punch NIP name", "without_performance
 * NIP name", "unclassified NIP name days", "unknown_pin device pin scans" (caller frees *list).
 */
tpp_status tpp_import_completeness(struct tpp_store *st, int year, int month, tpp_completeness *out,
                                   char **list, tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_IMPORT_H */
