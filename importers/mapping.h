/* Column mapping files (YAML): read an export of any system without editing it.
 * Private header of the importers.
 *
 *   kind: performance            # optional: the kind this mapping is for
 *   sheet: "Laporan SKP"         # optional: XLSX sheet (--sheet wins)
 *   header_rows: 20              # look for the header row within the first N rows
 *   columns: { NIP: nip, "Hasil Akhir": predicate }   # source header -> canonical column
 *   ignore: [id, nama]           # source columns to leave out
 *   ignore_other: false          # true: leave out every column not named above
 *   values: { predicate: { "Sangat Baik": sangat_baik, "-": "" } }  # codes, per canonical column
 *   constants: { period: "2025-01" }     # canonical columns the file lacks
 *   skip: { is_plt_plh: ["1"] }          # rows to leave out (by source column), counted
 *   latest: { key: nip, order: periode_akhir }   # duplicate keys: keep the greatest order
 *   join: { key: id, columns: [nip, is_plt_plh, periode_akhir], sheet: "Laporan SKP" } */
#ifndef TPP_IMPORTERS_MAPPING_H
#define TPP_IMPORTERS_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "tpp/error.h"

typedef struct tpp_map_pair {
    const char *from;
    const char *to;
} tpp_map_pair;

typedef struct tpp_map_values {
    const char *column; /* canonical */
    tpp_map_pair *pairs;
    size_t n;
} tpp_map_values;

typedef struct tpp_map_skip {
    const char *column; /* source */
    const char **values;
    size_t n;
} tpp_map_skip;

typedef struct tpp_mapping {
    const char *path;
    const char *kind; /* or NULL */
    const char *sheet;
    unsigned header_rows;
    tpp_map_pair *renames;
    size_t n_renames;
    const char **ignore;
    size_t n_ignore;
    bool ignore_other;
    tpp_map_values *values;
    size_t n_values;
    tpp_map_pair *constants; /* from = canonical column, to = value */
    size_t n_constants;
    tpp_map_skip *skips;
    size_t n_skips;
    const char *latest_key;   /* source or canonical column */
    const char *latest_order; /* source or canonical column */
    /* join: the rows of another file (--join), by a key column both have; its columns are
     * appended to each row (e.g. the NIP of an e-Kinerja "Penilaian SKP" row, by id) */
    const char *join_key;
    const char **join_columns;
    size_t n_join_columns;
    const char *join_sheet;
    unsigned join_header_rows;
    void *arena;
} tpp_mapping;

/** Load and check a mapping file; problems go to diags as path:line:col. Returns TPP_ERR_INVALID
 *  when the file has errors, TPP_ERR_IO when it cannot be read. */
tpp_status tpp_mapping_load(const char *path, tpp_mapping **out, tpp_diags *diags, tpp_error *err);
void tpp_mapping_free(tpp_mapping *m);

/** The canonical name for a source header (a rename), or NULL. Case-insensitive. */
const char *tpp_mapping_rename(const tpp_mapping *m, const char *source, size_t len);
/** True if the source column is to be left out. */
bool tpp_mapping_ignored(const tpp_mapping *m, const char *source, size_t len);
/** The translation of a value of a canonical column, or NULL when there is none. */
const char *tpp_mapping_value(const tpp_mapping *m, const char *column, const char *value,
                              size_t len);

#endif /* TPP_IMPORTERS_MAPPING_H */
