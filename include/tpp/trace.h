/* The compact trace (docs/compact-trace.md): what the evaluator writes for each employee, and
 * its rendering as the text trace ("step\tresult\trounding\tcitation\tdetail\n" per step).
 *
 * The evaluator records, per step, a template number and the step's values (integers, exact
 * ratios, days, indices into the loaded rule pack's strings); the text is produced only when
 * someone reads it. Rendering needs the rule pack the run was computed with. */
#ifndef TPP_TRACE_H
#define TPP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "tpp/error.h"
#include "tpp/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The format byte every compact trace starts with (docs/compact-trace.md §2). */
#define TPP_TRACE_FORMAT 1

/**
 * Render a compact trace as text, byte for byte what the text trace of the same evaluation was.
 * rs is the rule pack of the run. *text is malloc'd and NUL-terminated (*text_len without the
 * NUL); caller frees. TPP_ERR_INVALID when the bytes are not a well-formed trace of a format
 * this engine reads (with the reason in err), TPP_ERR_NOMEM.
 */
tpp_status tpp_trace_render(const tpp_ruleset *rs, const void *trace, size_t len, char **text,
                            size_t *text_len, tpp_error *err);

/**
 * The same for a trace whose steps come from several rule packs (a month with a pack version
 * starting inside it, engine/segment.c): rendering starts with packs[0], and a PACK step in the
 * trace switches to the pack of packs[] with the SHA-256 it names (TPP_ERR_INVALID when none
 * has). Give every pack the run used.
 */
tpp_status tpp_trace_render_packs(const tpp_ruleset *const *packs, size_t n_packs,
                                  const void *trace, size_t len, char **text, size_t *text_len,
                                  tpp_error *err);

/**
 * The steps of a compact trace without its header (format byte and base day), to append them to
 * another trace of the same month: *steps points into trace. TPP_ERR_INVALID on a bad header.
 */
tpp_status tpp_trace_steps(const void *trace, size_t len, const void **steps, size_t *steps_len);

/** Number of step templates this engine knows (format 1). */
size_t tpp_trace_n_templates(void);

#ifdef __cplusplus
}
#endif
#endif /* TPP_TRACE_H */
