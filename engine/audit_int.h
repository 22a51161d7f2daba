/* Shared between engine/audit.c and engine/replay.c. Private header. */
#ifndef TPP_ENGINE_AUDIT_INT_H
#define TPP_ENGINE_AUDIT_INT_H

#include <stdint.h>

#include "engine/store.h"
#include "engine/util.h"
#include "tpp/audit.h"

/** The leaves of a run, by NIP: each employee's leaf hash, the SHA-256 of the trace alone (to
 *  tell a trace edit from a column edit), and the rowid of the row it came from. */
typedef struct tpp_leafset {
    size_t n, cap;
    uint8_t (*hash)[32];
    uint8_t (*trace_hash)[32];
    char **nip;
    int64_t *line; /* the employee's payroll line (result.line): leaves are by NIP, then line */
    int64_t *rowid;
} tpp_leafset;

/** Compute the leaves of run_id's results as they are now, for `period`. */
tpp_status tpp_leafset_of_run(tpp_store *st, int64_t run_id, const char *period, tpp_leafset *ls,
                              tpp_error *err);
void tpp_leafset_release(tpp_leafset *ls);
/** Append a leaf with its key; its hashes are the caller's to fill. False when out of memory. */
bool tpp_leafset_push(tpp_leafset *ls, const char *nip, int64_t line, int64_t rowid);

/** One row of run_pack: a pack version the run computed under and the days it covered. */
typedef struct tpp_run_pack_row {
    int64_t seq;
    char sha256[65];
    char from[11], to[11]; /* YYYY-MM-DD */
} tpp_run_pack_row;

/** The seal's `packs` digest (docs/canonical-trace.md §4) of rows in seq order. */
void tpp_packs_digest(const tpp_run_pack_row *rows, size_t n, char out[65]);

/** The canonical seal header (docs/canonical-trace.md §4), appended to b. */
void tpp_seal_header(const tpp_seal_info *s, tpp_buf *b);

#endif /* TPP_ENGINE_AUDIT_INT_H */
