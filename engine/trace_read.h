/* Reading stored compact traces: each run's rule pack loaded once (by SHA-256) and the trace
 * rendered as text (docs/compact-trace.md). Private header. */
#ifndef TPP_ENGINE_TRACE_READ_H
#define TPP_ENGINE_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "engine/store.h"
#include "tpp/rules.h"

typedef struct tpp_pack_cache tpp_pack_cache;

/** A cache of the rule packs of st's runs; NULL when out of memory. */
tpp_pack_cache *tpp_pack_cache_new(tpp_store *st);
void tpp_pack_cache_free(tpp_pack_cache *c); /* NULL-safe */

/** The rule pack a run was computed with (its first day's; owned by the cache). */
tpp_status tpp_pack_cache_run(tpp_pack_cache *c, int64_t run_id, const tpp_ruleset **rs,
                              tpp_error *err);

/** Every rule pack a run was computed with: [0] is run.pack_sha256 (the first day's), then the
 *  versions starting inside the month (run_pack). Owned by the cache, valid until the next
 *  call for another run. */
tpp_status tpp_pack_cache_run_packs(tpp_pack_cache *c, int64_t run_id,
                                    const tpp_ruleset *const **packs, size_t *n_packs,
                                    tpp_error *err);

/** The text of a stored trace of run_id; *text malloc'd, NUL-terminated; caller frees. */
tpp_status tpp_trace_text_of_run(tpp_pack_cache *c, int64_t run_id, const void *trace, size_t len,
                                 char **text, size_t *text_len, tpp_error *err);

#endif /* TPP_ENGINE_TRACE_READ_H */
