/* The "Rumus" page of the payment list, generated from the rule pack. Private header. */
#ifndef TPP_EXPORTERS_RUMUS_H
#define TPP_EXPORTERS_RUMUS_H

#include "engine/util.h"
#include "tpp/rules.h"

/** Append rows "KETENTUAN\tNILAI\tDASAR HUKUM\n" (a one-cell row is a section title). */
void tpp_rumus_rows(const tpp_ruleset *rs, tpp_buf *b);

#endif /* TPP_EXPORTERS_RUMUS_H */
