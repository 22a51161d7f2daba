/* A month split in segments: a transfer between OPDs (mutasi) and/or a pack version starting
 * inside the month. Each segment is evaluated under its own pack, unit and schedule, prorated
 * by its workdays; the segments of one OPD make one payroll line; the payment side (BPJS,
 * sanctions, corrections, PPh 21, zakat) is computed once on the month's total and shared out
 * over the lines. */
#ifndef TPP_ENGINE_SEGMENT_H
#define TPP_ENGINE_SEGMENT_H

#include "tpp/eval.h"
#include "tpp/model.h"

typedef struct tpp_seg {
    tpp_date from, to; /* inclusive, inside the month */
    const tpp_ruleset *rs;
    const tpp_ruleset *loaded_rs; /* the pack the employee's codes were resolved under */
    const char *unit_code;
    const char *unit_name;
    tpp_schedule_kind schedule;
    const char *why; /* "transfer" reference or "" */
} tpp_seg;

typedef struct tpp_line {
    tpp_result r;
    const char *unit_code;
    const char *unit_name;
} tpp_line;

/** The trace citation of the split (engine/segment.c). */
extern const char tpp_transfer_cite[];

/**
 * Evaluate emp over the segments (sorted, disjoint, covering the month) into lines[0..*n_lines)
 * (room for n_segs lines): one line per OPD in the order of its first day. On a problem with the
 * employee's data a single line holds the error (status, msg). Returns TPP_OK unless
 * memory ran out. Each line's trace is heap memory (tpp_result_release).
 */
tpp_status tpp_eval_segments(const tpp_month *month, const tpp_employee *emp, const tpp_seg *segs,
                             size_t n_segs, tpp_line *lines, size_t *n_lines);

#endif /* TPP_ENGINE_SEGMENT_H */
