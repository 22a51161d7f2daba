/* Audit: canonical employee records, Merkle seals chained across months, tamper detection,
 * replay from the stored raw inputs, and inclusion proofs (SPEC §7).
 *
 * The canonical record and the hashing are specified in docs/canonical-trace.md; the separate
 * verifier (verifier/tpp-verify-proof.c) implements that document without this code. */
#ifndef TPP_AUDIT_H
#define TPP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tpp_store;

/** Version of the canonical employee record (docs/canonical-trace.md). Stored in every seal. */
#define TPP_CANON_VERSION 2

/* ---- Merkle tree (RFC 6962 / RFC 9162 §2.1, SHA-256) ------------------------------------- */

/** leaf = SHA-256(0x00 || data) */
void tpp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);
/** node = SHA-256(0x01 || left || right) */
void tpp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);
/** Root of n leaf hashes (n = 0: SHA-256 of the empty string). TPP_ERR_NOMEM only. */
tpp_status tpp_merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32]);
/** Audit path of leaf idx < n (RFC 9162 §2.1.3.1), deepest sibling first. *path is malloc'd
 *  (caller frees); *n_path its number of hashes. */
tpp_status tpp_merkle_path(const uint8_t (*leaves)[32], size_t n, size_t idx, uint8_t (**path)[32],
                           size_t *n_path, tpp_error *err);
/** Check an audit path (RFC 9162 §2.1.3.2). */
bool tpp_merkle_verify(const uint8_t leaf[32], uint64_t idx, uint64_t n, const uint8_t (*path)[32],
                       size_t n_path, const uint8_t root[32]);

void tpp_hex_encode(const uint8_t *data, size_t len, char *out); /* out: 2*len+1 bytes */
bool tpp_hex_decode(const char *hex, uint8_t *out, size_t len);  /* exactly 2*len hex digits */

/* ---- Seals ------------------------------------------------------------------------------ */

typedef struct tpp_seal_info {
    int64_t id;
    int64_t run_id;
    char period[8];
    int revision;
    int canon_version;
    char engine_version[32];
    char pack_sha256[65];
    char inputs_sha256[65];
    int64_t n_leaves;
    char merkle_root[65];
    char totals[160];
    char accept_incomplete[512];
    char prev_seal_hash[65];
    char sealed_at[32];
    char seal_hash[65];
} tpp_seal_info;

/**
 * A completeness gate: report to diags (as errors) every employee of run_id that must not be
 * sealed as is, and set *n_blocking to their number. The default gate blocks employees whose
 * result has status "error" or no performance data. Further gates (unclassified days, late
 * records) plug in here.
 */
typedef tpp_status (*tpp_finalize_gate_fn)(struct tpp_store *st, int64_t run_id, void *user,
                                           tpp_diags *diags, size_t *n_blocking, tpp_error *err);
tpp_status tpp_finalize_gate_default(struct tpp_store *st, int64_t run_id, void *user,
                                     tpp_diags *diags, size_t *n_blocking, tpp_error *err);

typedef struct tpp_finalize_options {
    int year;
    int month;
    int64_t run_id;                /* 0 = the period's latest run */
    const char *accept_incomplete; /* non-empty: seal despite the gate; recorded in the seal */
    tpp_finalize_gate_fn gate;     /* NULL = tpp_finalize_gate_default */
    void *gate_user;
} tpp_finalize_options;

/**
 * Seal a draft run: leaves over its canonical employee records by NIP, the Merkle root, the
 * pack and input hashes, the engine version and the previous seal's hash, in one transaction;
 * the run becomes "final". Fails with TPP_ERR_INVALID (nothing changed) when the period already
 * has a seal, the run is not a draft, or the gate blocks and no accept_incomplete reason is
 * given (*n_blocking then holds the count; the employees are in diags).
 */
tpp_status tpp_finalize(struct tpp_store *st, const tpp_finalize_options *opt, tpp_diags *diags,
                        size_t *n_blocking, tpp_seal_info *out, tpp_error *err);

/** The seal of run_id, as stored. TPP_ERR_INVALID when the run is not sealed. */
tpp_status tpp_seal_of_run(struct tpp_store *st, int64_t run_id, tpp_seal_info *out,
                           tpp_error *err);
/** The seal of a period (highest revision). TPP_ERR_INVALID when the period is not sealed. */
tpp_status tpp_seal_of_period(struct tpp_store *st, int year, int month, tpp_seal_info *out,
                              tpp_error *err);

/* ---- Audit verify ----------------------------------------------------------------------- */

typedef struct tpp_audit_finding {
    const char *table; /* "seal", "seal_leaf", "run", "run_input", "input_file", "rule_pack",
                          "result", "schema" */
    int64_t row;       /* rowid / id of the record, or 0 */
    const char *nip;   /* the employee, or "" */
    const char *what;  /* one line, English */
} tpp_audit_finding;

typedef void (*tpp_audit_report_fn)(void *user, const tpp_audit_finding *f);

typedef struct tpp_audit_summary {
    size_t n_seals;
    size_t n_leaves;
    size_t n_inputs;
    size_t n_findings;
} tpp_audit_summary;

/** Recompute every seal's leaves, root, header hash and chain, the hashes of the inputs and
 *  packs they name, and check the protecting triggers. Each problem goes to report; the call
 *  itself fails only when the workspace cannot be read. */
tpp_status tpp_audit_verify(struct tpp_store *st, tpp_audit_report_fn report, void *user,
                            tpp_audit_summary *sum, tpp_error *err);

/* ---- Replay ----------------------------------------------------------------------------- */

typedef struct tpp_replay_diff {
    const char *nip;
    const char *kind;     /* "differs", "missing" (sealed only), "extra" (replay only) */
    const char *step;     /* the first differing trace step, or "column:<name>", or "" */
    const char *sealed;   /* that step's line (or column value) in the sealed run */
    const char *replayed; /* ... and in the replay */
} tpp_replay_diff;

typedef void (*tpp_replay_report_fn)(void *user, const tpp_replay_diff *d);

typedef struct tpp_replay_summary {
    int64_t run_id;
    char sealed_engine[32];
    char engine[32];
    bool engine_differs;
    size_t n_inputs;
    size_t n_sealed;
    size_t n_replayed;
    size_t n_identical;
    size_t n_differ;
    char sealed_root[65];
    char replay_root[65];
} tpp_replay_summary;

/**
 * Recompute the sealed run of a period (or run_id) from the raw input files and the pack text
 * stored in the workspace: import them in their original order into a fresh in-memory
 * workspace, run the month with this engine, and compare employee by employee. Differences go
 * to report. The workspace is not changed.
 */
tpp_status tpp_replay(struct tpp_store *st, int year, int month, int64_t run_id,
                      tpp_replay_report_fn report, void *user, tpp_replay_summary *sum,
                      tpp_error *err);

/* ---- Inclusion proofs ------------------------------------------------------------------- */

/** The inclusion proof of one employee's line in the sealed run of a period, as the text file
 *  of docs/canonical-trace.md §5. *text is malloc'd and NUL-terminated; caller frees. */
tpp_status tpp_proof_build(struct tpp_store *st, const char *nip, int year, int month, char **text,
                           size_t *len, tpp_error *err);

/** The same for one of the employee's lines (a transfer between OPDs gives one per OPD); line 0:
 *  the employee's only line (an error naming the count when there are several). */
tpp_status tpp_proof_build_line(struct tpp_store *st, const char *nip, int line, int year,
                                int month, char **text, size_t *len, tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_AUDIT_H */
