/* A rule pack loaded into memory: every number the computation uses, each with its citation.
 * The pack file format is documented in rules/README.md. */
#ifndef TPP_RULES_H
#define TPP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
#define TPP_MAX_STATUS     16
#define TPP_MAX_SANCTIONS  16
#define TPP_MAX_CRITERIA   8
#define TPP_MAX_POSITIONS  64
#define TPP_MAX_TER_TABLES 4
#define TPP_MAX_TER_ROWS   64
#define TPP_MAX_PTKP       16
#define TPP_MAX_CASES      64
#define TPP_BAND_OPEN      INT32_MAX /* `below` of an open-ended band */
#define TPP_MONEY_OPEN     INT64_MAX /* `to` of an open-ended TER row */

/** Where a rule was written in the pack: 1-based line and column (0 = unknown). Static checks
 *  and `tpp rules test` report findings there. */
typedef struct tpp_srcpos {
    unsigned line, col;
} tpp_srcpos;

/** How a decision table picks its rows (DMN hit policies). */
typedef enum tpp_hit_policy {
    TPP_HIT_FIRST,      /* the first band that contains the minutes */
    TPP_HIT_UNIQUE,     /* at most one band contains any minute count (overlap is an error) */
    TPP_HIT_COLLECT_SUM /* every band that contains the minutes; their percents add */
} tpp_hit_policy;

/** What a band table's minutes are. */
typedef enum tpp_minutes_mode {
    TPP_MINUTES_PER_DAY,   /* each day's minutes are looked up; one cut per day */
    TPP_MINUTES_CUMULATIVE /* the month's minutes are summed and looked up once */
} tpp_minutes_mode;

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
    tpp_srcpos pos; /* of its `from` */
} tpp_band;

/** A decision table over minutes. */
typedef struct tpp_band_table {
    tpp_base base;
    size_t n_bands;
    tpp_band bands[TPP_MAX_BANDS];
    const char *cite;
    tpp_hit_policy hit;
    tpp_minutes_mode mode;
    tpp_srcpos pos;  /* of the table */
    bool incomplete; /* a band had an error of its own: the table checks are skipped */
} tpp_band_table;

/** A cut applied once per day of a class (absent, missing punch, an absence type). */
typedef struct tpp_day_cut {
    const char *id;    /* "absent", "missing_punch", or the absence type ("cuti_tahunan") */
    const char *label; /* Indonesian label for documents */
    tpp_ratio percent;
    tpp_base base;
    int32_t minutes; /* minutes the day counts towards the deferral threshold */
    const char *cite;
    tpp_srcpos pos;
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
    tpp_srcpos pos;
} tpp_event_rule;

typedef struct tpp_predicate_rule {
    const char *id; /* "baik" */
    tpp_ratio multiplier;
    tpp_srcpos pos;
} tpp_predicate_rule;

/** A multiplier on the besaran by employment status (e.g. CPNS 80 %). */
typedef struct tpp_status_rule {
    const char *status; /* as in employees.csv: "CPNS", "PPPK", "tugas_belajar" */
    const char *label;
    tpp_ratio multiplier; /* exact; 0.8 = 80 % */
    const char *cite;
    tpp_srcpos pos;
} tpp_status_rule;

/** Acting officials (Plt/Plh/Penjabat), e.g. Perbup Balangan 57/2020. */
typedef enum tpp_acting_higher {
    TPP_ACTING_HIGHER_TAKES_ACTING, /* one level up: the acting post's besaran instead */
    TPP_ACTING_HIGHER_AS_SAME       /* one level up: the same uplift as at the same level */
} tpp_acting_higher;

typedef struct tpp_acting_rule {
    bool defined;
    tpp_ratio same_level_percent; /* own besaran + this % of the acting class's besaran */
    tpp_acting_higher higher;
    int32_t min_workdays; /* no acting TPP under this many acting workdays in the month */
    const char *cite;
    tpp_srcpos pos;
} tpp_acting_rule;

/** A disciplinary sanction (hukuman disiplin): percent of a base for a span of months. */
typedef struct tpp_sanction_rule {
    const char *id; /* "hukdis_sedang_6" */
    const char *label;
    tpp_ratio percent;
    tpp_base base;
    int32_t months; /* 1..36: the months it applies, from its start month */
    const char *cite;
    tpp_srcpos pos;
} tpp_sanction_rule;

/** A besaran criterion (beban kerja, kondisi kerja, ...): per class, a percent of the basic TPP
 *  and/or a fixed amount (Lubuklinggau SK Basic TPP 2022). */
typedef struct tpp_criterion {
    const char *id;
    const char *label;
    bool has[TPP_MAX_CLASS + 1];
    tpp_ratio percent[TPP_MAX_CLASS + 1]; /* of besaran[class] (the basic TPP) */
    tpp_money fixed[TPP_MAX_CLASS + 1];
    const char *cite;
    tpp_srcpos pos;
} tpp_criterion;

/** A besaran fixed for a named position, overriding the class table. */
typedef struct tpp_position_rule {
    const char *position; /* matched exactly against employees.csv `position` */
    tpp_money amount;
    const char *cite;
    tpp_srcpos pos;
} tpp_position_rule;

/** One row of a PPh 21 TER table: monthly gross in [from, to] (inclusive) pays rate %. */
typedef struct tpp_ter_row {
    tpp_money from;
    tpp_money to; /* TPP_MONEY_OPEN for "and above" */
    tpp_ratio rate;
    tpp_srcpos pos;
} tpp_ter_row;

/** The TER tables in force from a date (PP 58/2023 Lampiran): categories A, B, C. */
typedef struct tpp_ter_table {
    tpp_date valid_from;
    const char *cite;
    size_t n_rows[3];
    tpp_ter_row rows[3][TPP_MAX_TER_ROWS];
    tpp_srcpos pos;
} tpp_ter_table;

/** PTKP status -> TER category (0 = A, 1 = B, 2 = C). */
typedef struct tpp_ptkp_rule {
    const char *ptkp; /* "TK/0", "K/1" */
    int category;
} tpp_ptkp_rule;

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
    tpp_srcpos pos;
} tpp_component;

typedef enum tpp_pph21_mode {
    TPP_PPH21_NONE,           /* no PPh 21 on this list (withheld elsewhere) */
    TPP_PPH21_BORNE_BY_PEMDA, /* borne by the region: not deducted from the employee */
    TPP_PPH21_WITHHELD        /* TER on salary + TPP gross, minus what the salary run withheld */
} tpp_pph21_mode;

typedef enum tpp_perf_mode {
    TPP_PERF_PREDICATE, /* predicate -> multiplier map */
    TPP_PERF_SCORE      /* score % (capped) x component */
} tpp_perf_mode;

#define TPP_MAX_BRACKETS 8
#define TPP_MAX_SPECIAL  8

/** One Pasal 17 bracket: the slice of annual PKP up to `to` (TPP_MONEY_OPEN for the last) pays
 *  rate %. */
typedef struct tpp_bracket {
    tpp_money to;
    tpp_ratio rate;
    tpp_srcpos pos;
} tpp_bracket;

typedef struct tpp_ptkp_amount {
    const char *ptkp; /* "K/1" */
    tpp_money amount; /* annual PTKP in rupiah */
} tpp_ptkp_amount;

/** The annual PPh 21 reconciliation (PP 58/2023 Pasal 2(5), UU PPh Pasal 17): in `month` the
 *  year's tax by the brackets replaces TER, minus what was withheld January..month-1. */
typedef struct tpp_annual_rule {
    bool defined;
    int month;                  /* 12 */
    tpp_ratio job_cost_percent; /* biaya jabatan, 5 % of the annual gross */
    tpp_money job_cost_max;     /* at most 6,000,000 a year */
    size_t n_ptkp;
    tpp_ptkp_amount ptkp[TPP_MAX_PTKP];
    size_t n_brackets;
    tpp_bracket brackets[TPP_MAX_BRACKETS];
    const char *cite;
    tpp_srcpos pos;
} tpp_annual_rule;

/** Zakat deducted, for employees who asked for it, as a percent of the net after tax. */
typedef struct tpp_zakat_rule {
    bool defined;
    tpp_ratio percent;
    const char *cite;
} tpp_zakat_rule;

/** A lagged performance effect (domain brief §4.2/§4.3, KLHK Permen 6/2024 Pasal 19): the
 *  performance that sets month M's multiplier is that of an earlier period. `months` N: the
 *  record of month M - N; `years` N: the annual result of year Y - N, recorded as that year's
 *  December (the SKP tahunan's periode akhir). Neither set: the month's own. */
typedef struct tpp_perf_lag {
    int32_t months; /* 1..12, or 0 */
    int32_t years;  /* 1..3, or 0 */
    const char *cite;
    tpp_srcpos pos;
} tpp_perf_lag;

/** Special working hours for a span of dates (Ramadan: Perpres 21/2023, SE MenPANRB): the
 *  schedules given replace the ordinary ones on those dates. */
typedef struct tpp_special_hours {
    const char *label;
    tpp_date from, to; /* inclusive */
    tpp_schedule_rule schedules[TPP_SCHED_COUNT];
    const char *cite;
    tpp_srcpos pos;
} tpp_special_hours;

/* ---- test cases inside a pack (`tests:`), run by tpp_rules_run_tests() ---- */

typedef enum tpp_case_day_kind {
    TPP_CASE_PRESENT, /* in/out given (either may be missing: -1) */
    TPP_CASE_ABSENT,  /* no scan at all */
    TPP_CASE_ABSENCE  /* an absence record of a type */
} tpp_case_day_kind;

typedef struct tpp_case_day {
    tpp_date day;
    tpp_case_day_kind kind;
    int32_t in, out; /* minutes after midnight, -1 = no scan */
    int absence;     /* index into absences[] */
    tpp_srcpos pos;
} tpp_case_day;

typedef struct tpp_case_event {
    tpp_date day;
    int type; /* index into events[] */
    int32_t minutes;
} tpp_case_event;

/** Result fields a case may expect (tpp_result members). */
typedef enum tpp_case_field {
    TPP_CF_BESARAN,
    TPP_CF_DISCIPLINE_CUT,
    TPP_CF_PERFORMANCE_CUT,
    TPP_CF_TPP,
    TPP_CF_BPJS_EMPLOYER,
    TPP_CF_BPJS_EMPLOYEE,
    TPP_CF_GROSS,
    TPP_CF_NET,
    TPP_CF_WORKDAYS,
    TPP_CF_LATE_MINUTES,
    TPP_CF_DEFERRED, /* 0 or 1 */
    TPP_CF_POT_BULAN_LALU,
    TPP_CF_POT_HUKDIS,
    TPP_CF_PPH21,
    TPP_CF_ZAKAT,
    TPP_CF_COUNT
} tpp_case_field;

typedef struct tpp_case_expect {
    tpp_case_field field;
    int64_t value;
    tpp_srcpos pos;
} tpp_case_expect;

typedef struct tpp_case_component {
    int component; /* index into components[] */
    tpp_money value;
    tpp_srcpos pos;
} tpp_case_component;

typedef struct tpp_rules_case {
    const char *name;
    tpp_srcpos pos;
    int year, month;
    size_t n_holidays;
    tpp_date *holidays; /* sorted */
    int kelas;
    tpp_schedule_kind schedule;
    const char *status;   /* NULL = none given */
    const char *position; /* NULL = none given */
    tpp_money salary_bpjs_base;
    tpp_date start_date, end_date; /* TPP_DATE_NONE = whole month */
    int predicate;                 /* -1 = missing */
    bool has_score;
    tpp_ratio score;
    size_t n_days;
    tpp_case_day *days; /* workdays not listed: present, on time */
    size_t n_events;
    tpp_case_event *events;
    size_t n_expect;
    tpp_case_expect *expect;
    size_t n_expect_components;
    tpp_case_component *expect_components;
    /* payment side and multi-month state (all optional) */
    const char *ptkp;
    tpp_money salary_gross, salary_pph21;
    bool has_annual;
    tpp_money ytd_gross, ytd_pph21, annual_pension;
    bool zakat;
    tpp_money carried;
    size_t n_sanctions;
    struct tpp_emp_sanction *sanctions;
    size_t n_assignments;
    struct tpp_assignment *assignments;
    size_t n_shifts; /* `roster:` given: a rostered shift worker (schedule shift) */
    struct tpp_shift *shifts;
} tpp_rules_case;

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

    /* ---- constructs added with the full rule language (rules/README.md) ---- */
    /* besaran criteria and position overrides (step 2) */
    size_t n_criteria;
    tpp_criterion criteria[TPP_MAX_CRITERIA];
    size_t n_positions;
    tpp_position_rule positions[TPP_MAX_POSITIONS];
    /* status multipliers and acting officials (step 2) */
    size_t n_status;
    tpp_status_rule status[TPP_MAX_STATUS];
    tpp_acting_rule acting;
    /* sanctions (step 7) */
    size_t n_sanctions;
    tpp_sanction_rule sanctions[TPP_MAX_SANCTIONS];
    /* performance mode (step 6) */
    tpp_perf_mode perf_mode;
    tpp_ratio score_cap; /* percent, for TPP_PERF_SCORE */
    /* PPh 21 TER tables (step 9), ascending by valid_from */
    size_t n_ter;
    tpp_ter_table *ter; /* owned by the ruleset */
    size_t n_ptkp;
    tpp_ptkp_rule ptkp[TPP_MAX_PTKP];
    /* positions of sections, for static checks */
    tpp_srcpos components_pos, cap_pos, perf_pos;
    /* test cases */
    size_t n_cases;
    tpp_rules_case *cases; /* owned by the ruleset */

    /* the full month (issue 5): special hours, annual PPh 21, zakat */
    size_t n_special;
    tpp_special_hours special[TPP_MAX_SPECIAL];
    tpp_annual_rule annual;
    tpp_zakat_rule zakat;
    tpp_perf_lag perf_lag; /* performance.lag */

    void *owner_; /* private: storage for the strings above */
    struct tpp_trace_pool *trace_pool_; /* private: the strings a compact trace refers to */
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
int tpp_rules_status_index(const tpp_ruleset *rs, const char *status);
int tpp_rules_sanction_index(const tpp_ruleset *rs, const char *id);

/** The period whose performance sets month year-month's multiplier under the pack's
 *  `performance.lag` (the month itself when there is none). */
void tpp_rules_perf_period(const tpp_ruleset *rs, int year, int month, int *perf_year,
                           int *perf_month);

/**
 * Static checks that do not make a pack invalid but deserve a look (a cap that does not bound
 * the cuts it should, a multiplier above 1, ...): each reported to diags as a warning at its
 * file:line:col. The errors (gaps, overlaps, unreachable rows, cut tables not monotone in
 * minutes, TER rows not contiguous, ...) are found by tpp_rules_load itself. Returns the count.
 */
size_t tpp_rules_lint(const tpp_ruleset *rs, tpp_diags *diags);

/** One line per case for `tpp rules test`; failures say expected vs got and the first step of
 *  the trace that differs. */
typedef struct tpp_case_report {
    size_t passed, failed;
} tpp_case_report;

/**
 * Run the pack's own test cases (its `tests:` section) through the evaluator. Writes a
 * human-readable report to out (one line per case; for a failure every differing amount with
 * expected and got, and the trace step that produced it). Failures are also reported to diags
 * as errors at the case's file:line:col. Returns TPP_ERR_NOMEM or TPP_OK.
 */
tpp_status tpp_rules_run_tests(const tpp_ruleset *rs, FILE *out, tpp_diags *diags,
                               tpp_case_report *report);

struct tpp_result;
/** Evaluate the pack's test case i as tpp_rules_run_tests does, into *out (release it with
 *  tpp_result_release). TPP_ERR_USAGE when there is no case i. */
tpp_status tpp_rules_case_eval(const tpp_ruleset *rs, size_t i, struct tpp_result *out);

typedef enum tpp_rules_format {
    TPP_RULES_MARKDOWN,
    TPP_RULES_HTML,
    TPP_RULES_TEXT
} tpp_rules_format;

/**
 * The "Rumus perhitungan TPP" page of a pack, in Indonesian, generated from the pack (the
 * same text the XLSX "Rumus" sheet carries). *out is heap memory (free()); NUL-terminated,
 * *len without the NUL. TPP_RULES_TEXT is plain lines, one paragraph or table row per line.
 */
tpp_status tpp_rules_render(const tpp_ruleset *rs, tpp_rules_format fmt, char **out, size_t *len,
                            tpp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TPP_RULES_H */
