/* The evaluator's inputs (one employee's month) and outputs (the payroll line and its trace). */
#ifndef TPP_MODEL_H
#define TPP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpp/date.h"
#include "tpp/money.h"
#include "tpp/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tpp_direction { TPP_DIR_NONE = 0, TPP_DIR_IN = 1, TPP_DIR_OUT = 2 } tpp_direction;

/** One attendance scan, local time of the unit. Sorted by (day, sec) in tpp_employee. */
typedef struct tpp_punch {
    tpp_date day;
    int32_t sec; /* seconds after midnight */
    int32_t dir; /* tpp_direction */
} tpp_punch;

typedef struct tpp_absence {
    int type; /* index into tpp_ruleset.absences[] */
    tpp_date start;
    tpp_date end; /* inclusive */
} tpp_absence;

typedef struct tpp_event {
    int type; /* index into tpp_ruleset.events[] */
    tpp_date day;
    int32_t minutes;
} tpp_event;

/** A disciplinary sanction (hukuman disiplin) decided for the employee: a rule of the pack's
 *  `sanctions`, from a start month for a number of months (sanctions.csv). */
typedef struct tpp_emp_sanction {
    int rule;        /* index into tpp_ruleset.sanctions[] */
    int start_year;  /* first month it applies */
    int start_month; /* 1..12 */
    int32_t months;  /* how many months, as decided; 0 = the rule's own span */
    bool has_percent;
    tpp_ratio percent; /* as decided, overriding the rule's percent when has_percent */
} tpp_emp_sanction;

typedef enum tpp_acting_kind { TPP_ACTING_PLT = 0, TPP_ACTING_PLH = 1 } tpp_acting_kind;

/** An acting assignment (Plt/Plh) to a post of class `kelas` from start to end (inclusive). */
typedef struct tpp_assignment {
    int kind; /* tpp_acting_kind */
    int kelas;
    tpp_date start;
    tpp_date end;
} tpp_assignment;

/** One rostered shift of a shift worker (roster.csv). It belongs to its start date `day`; start
 *  and end are minutes after midnight of that day, end > start (end > 1440: the next day). */
typedef struct tpp_shift {
    tpp_date day;
    int32_t start;
    int32_t end;
} tpp_shift;

/** One employee's data for the month. All pointers are borrowed. */
typedef struct tpp_employee {
    const char *nip;
    const char *name;
    const char *status;
    const char *unit_code;
    const char *unit_name;
    const char *position;
    const char *grade;
    const char *npwp;
    const char *bank_name;
    const char *bank_account;
    int kelas; /* kelas jabatan 1..17 */
    tpp_schedule_kind schedule;
    tpp_money salary_bpjs_base;
    tpp_date start_date; /* TPP_DATE_NONE = before the period */
    tpp_date end_date;   /* TPP_DATE_NONE = after the period */
    const tpp_punch *punches;
    size_t n_punches;
    const tpp_absence *absences;
    size_t n_absences;
    const tpp_event *events;
    size_t n_events;
    int predicate;   /* index into tpp_ruleset.predicates[], or -1 when missing */
    bool has_score;  /* performance score given (packs in score mode) */
    tpp_ratio score; /* percent, e.g. 92.5 */

    /* Added for the full month (issue 5); zero-initialised means "none". */
    const tpp_emp_sanction *sanctions; /* every sanction of the employee; the active ones apply */
    size_t n_sanctions;
    const tpp_assignment *assignments; /* acting assignments overlapping the month */
    size_t n_assignments;
    const char *ptkp;       /* PTKP status ("K/1"); NULL or "" = unknown (needed for withheld) */
    tpp_money salary_gross; /* the salary run's taxable gross of the month (with employer BPJS) */
    tpp_money salary_pph21; /* PPh 21 the salary run withheld this month */
    /* December (annual) reconciliation, read only when the pack's pph21.annual applies */
    bool has_annual;
    tpp_money ytd_gross;      /* January..previous month: salary + TPP taxable gross */
    tpp_money ytd_pph21;      /* January..previous month: PPh 21 withheld on salary + TPP */
    tpp_money annual_pension; /* iuran pensiun / THT of the whole year (deductible) */
    bool zakat;               /* the employee asked for zakat to be deducted (pack's rate) */
    /* A correction carried from an earlier month (kekurangan/kelebihan bayar): > 0 is paid back
     * by the employee (col 9 POT. BULAN LALU), < 0 is owed to them (added to col 8). */
    tpp_money carried;
    /* Shift workers (schedule shift, SPEC §4.1): when `rostered`, the workdays are the dates of
     * `shifts` (sorted by day, at most one a day) and nothing else: the pack's weekday hours and
     * the holidays do not apply. Scans may include the day after the month (a night shift on the
     * last day ends then). */
    bool rostered;
    const tpp_shift *shifts;
    size_t n_shifts;
    /* The unit's zone ("WIB", "WITA", "WIT"; NULL or "" = not known). Scans are already in the
     * unit's local time (the importer converts them); the zone is named in each workday's
     * trace line so that a reader knows which clock the minutes are on. */
    const char *zone;
    /* A segment of a split month (a transfer between OPDs, or a pack version starting inside
     * the month; engine/segment.c): stop after col 8 (JUMLAH TPP). The payment side is computed
     * once on the month's total by tpp_eval_payment(). */
    bool segment_only;
    /* With segment_only, for band tables in cumulative mode (the month's minutes looked up
     * once): the late and early minutes of the whole month, every segment added up, when
     * month_minutes is set; each segment then takes the month's band on its own base. */
    bool month_minutes;
    int32_t month_late_minutes;
    int32_t month_early_minutes;
} tpp_employee;

/** The month being computed, shared by all employees. */
typedef struct tpp_month {
    int year;
    int month;
    tpp_date first;
    tpp_date last;
    const tpp_date *holidays; /* sorted, within the month */
    size_t n_holidays;
} tpp_month;

/** One payroll line. Column numbers follow the Deli Serdang payment list (domain brief §6.1). */
typedef struct tpp_result {
    tpp_status status; /* TPP_OK, or TPP_ERR_RULE with msg set */
    char msg[160];

    int32_t workdays_month; /* workdays of the month by the schedule */
    int32_t workdays;       /* of those, within the employee's start/end */
    int32_t days_present;
    int32_t days_absent; /* tanpa keterangan */
    int32_t days_missing_punch;
    int32_t days_excused; /* absence records */
    int32_t late_minutes;
    int32_t early_minutes;
    int32_t discipline_minutes; /* counted towards the deferral threshold */
    int32_t scans_ignored;      /* outside the window or on non-workdays */
    bool deferred;              /* over the deferral threshold: flagged for BKPSDM */
    bool perf_missing;

    tpp_money besaran;  /* col 6 */
    int32_t percent_bp; /* col 7, basis points of col 8 / col 6 */
    tpp_money components[TPP_MAX_COMPONENTS];
    tpp_ratio cut_percent; /* discipline cut before the cap, in percent of the cap base */
    tpp_money discipline_cut;
    tpp_money performance_cut;
    tpp_money tpp;            /* col 8: JUMLAH TPP */
    tpp_money pot_bulan_lalu; /* col 9 */
    tpp_money pot_hukdis;     /* col 10 */
    tpp_money bpjs_employer;  /* col 11 (added) and col 13 (deducted) */
    tpp_money gross;          /* col 12 = 8 + 11 - 9 - 10 */
    tpp_money bpjs_employee;  /* col 14 */
    tpp_money deductions;     /* col 15 = 13 + 14 */
    tpp_money net_before_tax; /* col 16 = 12 - 15 */
    tpp_money pph21;          /* col 17 */
    tpp_money net;            /* col 18 = 16 - 17 - zakat */
    tpp_money zakat;          /* optional deduction after tax (not a numbered column) */
    tpp_money addition;       /* owed from an earlier month, included in col 8 */
    tpp_money ter_base;       /* PPh 21: salary gross + col 12 */

    /* The compact trace (docs/compact-trace.md): one template number and its values per
     * named step; tpp_trace_render() (tpp/trace.h) gives the text, one line per step,
     * "step\tresult\trounding\tcitation\tdetail\n". Heap memory; owned by the result, freed
     * by tpp_result_release(). */
    unsigned char *trace;
    size_t trace_len;
} tpp_result;

void tpp_result_release(tpp_result *r); /* frees the trace; NULL-safe */

#ifdef __cplusplus
}
#endif
#endif /* TPP_MODEL_H */
