/* The pure evaluator: one employee's month under one rule pack. */
#ifndef TPP_EVAL_H
#define TPP_EVAL_H

#include "tpp/error.h"
#include "tpp/model.h"
#include "tpp/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Compute one employee's payroll line and trace (SPEC §4 steps 1-6, 8, 9). A pure function: no
 * I/O, no globals; safe to call from many threads at once on distinct results.
 * Problems with this employee's data (a class the pack has no amount for) give
 * out->status = TPP_ERR_RULE with out->msg; the return value is TPP_OK unless memory ran out.
 * out->trace is heap memory released with tpp_result_release().
 */
tpp_status tpp_eval_employee(const tpp_ruleset *rs, const tpp_month *month, const tpp_employee *emp,
                             tpp_result *out);

/**
 * The payment side (SPEC §4 step 9: BPJS, sanctions, carried corrections, PPh 21, zakat, net) and
 * the line invariants, once, on a line whose besaran, components, cuts, col 8 and addition are
 * already set (the sum of a split month's segments). out->trace must be NULL: it receives the
 * payment steps only. Status and return value as tpp_eval_employee.
 */
tpp_status tpp_eval_payment(const tpp_ruleset *rs, const tpp_month *month, const tpp_employee *emp,
                            tpp_result *out);

/** The working hours of a day for a schedule: the pack's special hours (Ramadan) when a span
 *  covers the day, else the ordinary ones; NULL for a non-workday or a holiday. */
const tpp_hours *tpp_eval_hours(const tpp_ruleset *rs, const tpp_month *month,
                                tpp_schedule_kind sched, tpp_date day);

/** Workdays of the month for a schedule (holidays excluded), ignoring start/end dates. */
int tpp_eval_workdays(const tpp_ruleset *rs, const tpp_month *month, tpp_schedule_kind sched);

#ifdef __cplusplus
}
#endif
#endif /* TPP_EVAL_H */
