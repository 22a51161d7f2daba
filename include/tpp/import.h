/* Importing input files (CSV, canonical columns of SPEC §3) into the workspace. */
#ifndef TPP_IMPORT_H
#define TPP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

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
    TPP_KIND_COUNT
} tpp_import_kind;

const char *tpp_import_kind_name(tpp_import_kind kind); /* "employees", ... */
bool tpp_import_kind_parse(const char *s, tpp_import_kind *out);

typedef struct tpp_import_stats {
    size_t rows;           /* data rows read */
    size_t inserted;       /* rows stored (new or replacing an existing record) */
    size_t updated;        /* of those, rows that replaced an existing record (employees) */
    size_t duplicates;     /* exact duplicates collapsed (attendance) */
    size_t skipped;        /* rows not stored, each reported as a warning */
    bool already_imported; /* the same file (same SHA-256, same kind) was imported before */
    char sha256[65];
} tpp_import_stats;

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

#ifdef __cplusplus
}
#endif
#endif /* TPP_IMPORT_H */
