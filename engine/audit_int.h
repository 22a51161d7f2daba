/* Shared between engine/audit.c and engine/replay.c. Private header. */
#ifndef TPP_ENGINE_AUDIT_INT_H
#define TPP_ENGINE_AUDIT_INT_H

#include <stdint.h>

#include "engine/store.h"

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

#endif /* TPP_ENGINE_AUDIT_INT_H */
