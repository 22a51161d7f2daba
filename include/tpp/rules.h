/* A rule pack loaded into memory: every number the computation uses, each with its citation.
 * The pack file format is documented in rules/README.md. */
#ifndef TPP_RULES_H
#define TPP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpp/date.h"
#include "tpp/error.h"
#include "tpp/money.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TPP_MAX_CLASS      17
#define TPP_MAX_COMPONENTS 8
#define TPP_MAX_BANDS      16
#define TPP_MAX_ABSENCES   32
#define TPP_MAX_EVENTS     16
#define TPP_MAX_PREDICATES 8
#define TPP_BAND_OPEN      INT32_MAX /* `below` of an open-ended band */

/** What a percentage is taken of. */
typedef enum tpp_base_kind {
    TPP_BASE_TOTAL,          /* the employee's besaran for the month */
    TPP_BASE_COMPONENT,      /* one component (e.g. disiplin) */
    TPP_BASE_DAILY_TOTAL,    /* besaran / workdays of the month */
    TPP_BASE_DAILY_COMPONENT /* component / workdays of the month */
} tpp_base_kind;

typedef struct tpp_base {
    tpp_base_kind kind;
    int component; /* index into components[] for the *_COMPONENT kinds */
} tpp_base;

/** A half-open band of minutes [from, below) and its cut. */
typedef struct tpp_band {
    const char *code; /* e.g. "TL1" */
    int32_t from;
    int32_t below; /* TPP_BAND_OPEN for "and above" */
    tpp_ratio percent;
    const char *cite;
} tpp_band;

/** A decision table over minutes, hit policy "first". */
typedef struct tpp_band_table {
    tpp_base base;
    size_t n_bands;
    tpp_band bands[TPP_MAX_BANDS];
    const char *cite;
} tpp_band_table;

/** A cut applied once per day of a class (absent, missing punch, an absence type). */
typedef struct tpp_day_cut {
    const char *id;    /* "absent", "missing_punch", or the absence type ("cuti_tahunan") */
    const char *label; /* Indonesian label for documents */
    tpp_ratio percent;
    tpp_base base;
    int32_t minutes; /* minutes the day counts towards the deferral threshold */
    const char *cite;
} tpp_day_cut;

typedef enum tpp_event_unit {
    TPP_PER_EVENT, /* percent per occurrence */
    TPP_PER_HOUR   /* percent per started hour of the event's minutes */
} tpp_event_unit;

typedef struct tpp_event_rule {
    const char *id; /* "missed_apel" */
    const char *label;
    tpp_event_unit unit;
    tpp_ratio percent;
    tpp_base base;
    const char *cite;
} tpp_event_rule;

typedef struct tpp_predicate_rule {
    const char *id; /* "baik" */
    tpp_ratio multiplier;
} tpp_predicate_rule;

/** Working hours of one weekday: minutes after midnight, local time of the unit. */
typedef struct tpp_hours {
    bool workday;
    int32_t start;
    int32_t end;
} tpp_hours;

typedef enum tpp_schedule_kind {
    TPP_SCHED_5DAY,
    TPP_SCHED_6DAY,
    TPP_SCHED_SHIFT,
    TPP_SCHED_COUNT
} tpp_schedule_kind;

typedef struct tpp_schedule_rule {
    bool defined;
    tpp_hours day[7]; /* 0 = Monday */
} tpp_schedule_rule;

typedef struct tpp_component {
    const char *id;
    const char *label;
    tpp_ratio percent;
} tpp_component;

typedef enum tpp_pph21_mode {
    TPP_PPH21_NONE,          /* no PPh 21 on this list (withheld elsewhere) */
    TPP_PPH21_BORNE_BY_PEMDA /* borne by the region: not deducted from the employee */
} tpp_pph21_mode;

typedef struct tpp_ruleset {
    /* identity */
    const char *path; /* file it was loaded from */
    char sha256[65];  /* hex SHA-256 of the pack text */
    const char *id;
    const char *region;
    const char *reg_number;
    const char *reg_title;
    const char *reg_date;
    bool illustrative;
    tpp_date valid_from;
    tpp_date valid_to; /* TPP_DATE_NONE = open */

    /* besaran (step 2) */
    tpp_money besaran[TPP_MAX_CLASS + 1]; /* by class; 0 = class not in the table */
    tpp_rounding besaran_rounding;        /* proration of a partial month */
    const char *besaran_cite;
    const char *besaran_source; /* where the numbers come from, when not the regulation */

    /* components (step 3) */
    size_t n_components;
    tpp_component components[TPP_MAX_COMPONENTS];
    const char *components_cite;

    /* calendar (steps 1 and 4) */
    tpp_schedule_rule schedules[TPP_SCHED_COUNT];
    int32_t window_before; /* minutes before the start a scan still counts */
    int32_t window_after;  /* minutes after the end a scan still counts */
    int32_t grace_minutes;
    const char *calendar_cite;

    /* discipline (steps 4 and 5) */
    tpp_band_table late;
    tpp_band_table early;
    tpp_day_cut absent;        /* no counted scan: tanpa keterangan */
    tpp_day_cut missing_punch; /* only one of check-in / check-out */
    size_t n_absences;         /* absence day classes, in precedence order */
    tpp_day_cut absences[TPP_MAX_ABSENCES];
    size_t n_events;
    tpp_event_rule events[TPP_MAX_EVENTS];
    tpp_ratio cap_percent;
    tpp_base cap_base;
    const char *cap_cite;
    int32_t defer_minutes_over; /* 0 = no deferral rule */
    const char *defer_cite;
    tpp_rounding discipline_rounding;

    /* performance (step 6) */
    int perf_component; /* index into components[] */
    size_t n_predicates;
    tpp_predicate_rule predicates[TPP_MAX_PREDICATES];
    tpp_ratio missing_multiplier;
    const char *perf_cite;
    const char *missing_cite;
    tpp_rounding perf_rounding;

    /* payment side (step 9) */
    tpp_ratio bpjs_employer_percent;
    tpp_ratio bpjs_employee_percent;
    tpp_money bpjs_wage_cap;
    const char *bpjs_cite;
    tpp_rounding payment_rounding;
    tpp_pph21_mode pph21_mode;
    const char *pph21_cite;

    void *owner_; /* private: storage for the strings above */
} tpp_ruleset;

/**
 * Load and validate a pack from YAML text. `path` is used in diagnostics (file:line:col).
 * Every problem found is reported to diags; the call fails with TPP_ERR_RULES if any was.
 * On success *out is a new ruleset; the caller frees it with tpp_rules_free().
 */
tpp_status tpp_rules_load(const char *path, const char *text, size_t len, tpp_diags *diags,
                          tpp_ruleset **out, tpp_error *err);

/** Read the file and load it (tpp_rules_load). *text_out, if not NULL, receives the file's
 *  text (caller frees with free()). */
tpp_status tpp_rules_load_file(const char *path, tpp_diags *diags, tpp_ruleset **out,
                               char **text_out, size_t *len_out, tpp_error *err);

void tpp_rules_free(tpp_ruleset *rs); /* NULL-safe */

/** Index of an absence type / event type / predicate / component by id, or -1. */
int tpp_rules_absence_index(const tpp_ruleset *rs, const char *id);
int tpp_rules_event_index(const tpp_ruleset *rs, const char *id);
int tpp_rules_predicate_index(const tpp_ruleset *rs, const char *id);
int tpp_rules_component_index(const tpp_ruleset *rs, const char *id);

#ifdef __cplusplus
}
#endif
#endif /* TPP_RULES_H */
