/* The step templates of the compact trace, format 1 (docs/compact-trace.md).
 *
 * X(ID, step, result, rounding, citation, detail): each field is a format whose conversions
 * take the step's values in order, field after field:
 *   %d     signed integer (also %02d, %04d: zero-padded to that width, as printf)
 *   %c     one character
 *   %s     string (pack string by index, or inline); %.Ns at most N bytes
 *   %S     string, "-" when absent (the rounding and citation fields)
 *   %r     exact ratio, as tpp_ratio_format (at most 39 bytes)
 *   %D     day (YYYY-MM-DD)
 *   %t     minutes after midnight as HH:MM ("07:00+1" past midnight)
 *   %W     a shift's "shift=HH:MM-HH:MM " prefix, or nothing
 *   %B     a band hit: "CODES cut=RATIO", or "- cut=0" for none
 *   %%     a percent sign
 * The detail field is cut at 511 bytes, as the text trace always was.
 *
 * The number of a template is its position here and is stored in every trace: append new
 * templates at the end, never reorder, remove or change one (a changed step is a new
 * template); a template that is no longer written stays so that old traces still render. */

/* The citations of a split month (engine/segment.c), part of the templates that show them. */
#ifndef TT_CITE_TRANSFER
#define TT_CITE_TRANSFER                                                                           \
    "Mutasi antar-OPD: tidak ada ketentuan (domain brief 3.9); prorata hari kerja tiap OPD, "      \
    "satu baris per OPD; BPJS dan PPh 21 atas jumlah sebulan"
#define TT_CITE_PACK                                                                               \
    "Masa berlaku paket aturan (tpp rules add): tiap hari dihitung dengan versi yang berlaku "     \
    "pada hari itu"
#endif

/* clang-format off */
X(ERROR, "error", "-", "-", "-", "%s")
X(WORKDAYS, "eligibility.workdays", "%d", "-", "%S",
  "from=%D to=%D workdays_month=%d holidays=%d")
X(WORKDAYS_ROSTER, "eligibility.workdays", "%d", "-", "%S",
  "from=%D to=%D workdays_month=%d holidays=%d workdays=rostered_shifts holidays_apply=no")
X(BESARAN_CLASS, "besaran.class", "%d", "-", "%S", "class=%d")
X(BESARAN_POSITION, "besaran.position", "%d", "-", "%S", "position=%s")
X(BESARAN_CRITERION, "besaran.criterion.%.45s", "%d", "%S", "%S", "%r%% of %d + %d")
X(BESARAN_CRITERIA, "besaran.criteria", "%d", "-", "%S", "sum of %d criteria")
X(ACTING_IGNORED, "acting.ignored", "-", "-", "-",
  "%d acting assignment(s), but the pack has no 'acting' rule")
X(ACTING_SHORT, "acting.%s", "0", "-", "%S",
  "class=%d %D..%D acting_workdays=%d under %d: no acting TPP")
X(ACTING_HIGHER, "acting.%s", "%d", "-", "%S",
  "class=%d (own %d: higher level) %D..%D acting_workdays=%d: the acting class's besaran %d")
X(ACTING_SAME, "acting.%s", "%d", "%S", "%S",
  "class=%d (own %d: %s) %D..%D acting_workdays=%d: %d + %r%% of %d = %d + %d")
X(BESARAN_STATUS, "besaran.status", "%d", "%S", "%S", "status=%s %d x %r")
X(BESARAN_PRORATE, "besaran.prorate", "%d", "%S", "%S", "%d x %d / %d workdays")
X(COMPONENT, "component.%.53s", "%d", "largest_remainder", "%S", "%r%% of %d")
X(DAY_ABSENCE, "day.%D", "%s", "-", "%S", "%Wclass=%s scans=%d cut=%r%%")
X(DAY_ABSENT, "day.%D", "absent", "-", "%S", "%Wclass=absent scans=0 cut=%r%%")
X(DAY_MISSING_IN, "day.%D", "missing_punch", "-", "%S",
  "%Wclass=missing_in out=%t counted_minutes=%d cut=%r%%")
X(DAY_MISSING_OUT, "day.%D", "missing_punch", "-", "%S",
  "%Wclass=missing_out in=%t counted_minutes=%d cut=%r%%")
X(DAY_PRESENT, "day.%D", "present", "-", "%S",
  "%Wclass=present in=%t out=%t late=%d band=%B%% early=%d band=%B%%")
X(DAY_PRESENT_CUT, "day.%D", "present_cut", "-", "%S",
  "%Wclass=present in=%t out=%t late=%d band=%B%% early=%d band=%B%%")
X(EVENT, "event.%D", "%s", "-", "%S", "type=%s minutes=%d units=%d cut=%r%%")
X(LATE_MONTH, "discipline.late_month", "%s", "-", "%S", "minutes_in_month=%d band=%s cut=%r%%")
X(EARLY_MONTH, "discipline.early_month", "%s", "-", "%S", "minutes_in_month=%d band=%s cut=%r%%")
X(DISCIPLINE_CUT, "discipline.cut", "%d", "%S", "%S",
  "base=%s base_amount=%d divisor=%d percent=%r")
X(DISCIPLINE_CAP, "discipline.cap", "%d", "%S", "%S", "cuts=%d capped at %r%% of the base")
X(DISCIPLINE_TOTAL, "discipline.total", "%d", "-", "%S",
  "late_minutes=%d early_minutes=%d days_absent=%d days_missing_punch=%d")
X(DISCIPLINE_DEFER, "discipline.defer", "deferred", "-", "%S",
  "counted_minutes=%d over %d: payment to be deferred by BKPSDM")
X(PERFORMANCE, "performance", "%d", "%S", "%S",
  "component=%s amount=%d predicate=%s multiplier=%r cut=%d")
X(TPP_FLOOR, "tpp.floor", "0", "-", "%S", "cuts exceed the besaran by %d")
X(CORRECTION_ADDED, "correction", "%d", "-", "-",
  "kekurangan bayar %d carried from an earlier month, added to col 8")
X(TPP_AMOUNT, "tpp.amount", "%d", "-", "-",
  "besaran=%d discipline_cut=%d performance_cut=%d addition=%d (col 8)")
X(DISPLAY_PERCENT, "display.percent", "%d.%02d", "half_up", "-",
  "col 7 = col 8 / col 6, 2 decimals")
X(BPJS_BASE, "payment.bpjs_base", "%d", "-", "%S", "tpp=%d salary_bpjs_base=%d wage_cap=%d")
X(BPJS_EMPLOYER, "payment.bpjs_employer", "%d", "%S", "%S",
  "%r%% of %d, added (col 11) and deducted (col 13)")
X(BPJS_EMPLOYEE, "payment.bpjs_employee", "%d", "%S", "%S", "%r%% of %d (col 14)")
X(SANCTION, "sanction.%.54s", "%d", "%S", "%S",
  "started=%04d-%02d month %d of %d: %r%% of %d (divisor %d)")
X(SANCTION_LIMIT, "sanction.limit", "%d", "-", "-",
  "sanctions %d exceed what is left of col 8 after BPJS 1 %% (%d)")
X(SANCTION_TOTAL, "sanction.total", "%d", "-", "-", "col 10 POT. HUKDIS")
X(CORRECTION_TAKEN, "correction", "%d", "-", "-",
  "col 9 POT. BULAN LALU: kelebihan bayar %d carried from an earlier month; %d left for a "
  "later month")
X(GROSS, "payment.gross", "%d", "-", "-",
  "col 12 = tpp %d + bpjs_employer %d - pot_bulan_lalu %d - pot_hukdis %d")
X(PPH21_BASE, "pph21.base", "%d", "-", "%S", "salary_gross %d + col 12 %d; ptkp=%s category=%c")
X(ANNUAL_GROSS, "pph21.annual.gross", "%d", "-", "%S", "ytd_gross %d + salary_gross %d + col 12 %d")
X(ANNUAL_JOB_COST, "pph21.annual.job_cost", "%d", "%S", "%S",
  "biaya jabatan %r%% of %d, at most %d")
X(ANNUAL_PKP, "pph21.annual.pkp", "%d", "down_thousand", "%S",
  "neto %d (gross - job cost - pension %d) - PTKP %s %d")
X(ANNUAL_TAX, "pph21.annual.tax", "%d", "%S", "%S", "%s")
X(ANNUAL_OVERPAID, "pph21.annual.overpaid", "%d", "-", "%S",
  "withheld %d + salary %d exceed the year's tax: lebih bayar, refunded by the withholder, not "
  "on this list")
X(PPH21_ANNUAL, "payment.pph21", "%d", "-", "%S",
  "annual tax %d - withheld Jan..%02d %d - salary run %d (col 17)")
X(PPH21_TER, "pph21.ter", "%d", "%S", "%S", "category %c row %d..%d: %r%% of %d")
X(PPH21_TER_OPEN, "pph21.ter", "%d", "%S", "%S", "category %c row %d..~: %r%% of %d")
X(PPH21_SALARY_EXCESS, "pph21.salary_excess", "%d", "-", "%S",
  "the salary run withheld %d, more than TER on salary + TPP")
X(PPH21_TER_DUE, "payment.pph21", "%d", "-", "%S", "TER %d - salary run %d (col 17)")
X(PPH21_NONE, "payment.pph21", "0", "-", "%S", "mode=none")
X(PPH21_BORNE, "payment.pph21", "0", "-", "%S", "mode=borne_by_pemda")
X(PPH21_LIMIT, "pph21.limit", "%d", "-", "%S",
  "PPh 21 %d exceeds col 16; the rest (%d) stays with the withholder")
X(ZAKAT, "payment.zakat", "%d", "%S", "%S",
  "%r%% of %d (net after PPh 21), asked for by the employee")
X(NET, "payment.net", "%d", "-", "-",
  "gross=%d deductions=%d net_before_tax=%d pph21=%d zakat=%d")
/* Lagged performance, zakat asked for under a pack without a rate (issue 5b). */
X(PERFORMANCE_LAG_MONTHS, "performance.period", "%04d-%02d", "-", "%S",
  "performance of %04d-%02d applies to %04d-%02d (lag %d month(s))")
X(PERFORMANCE_LAG_YEARS, "performance.period", "%04d-%02d", "-", "%S",
  "performance of %04d-%02d applies to %04d-%02d (lag %d year(s))")
X(ZAKAT_NO_RATE, "payment.zakat", "0", "-", "-",
  "asked for, but the pack in force sets no zakat rate (payment.zakat)")
/* The workdays of a unit whose time zone is known: DAY_ABSENCE..DAY_PRESENT_CUT in the same
 * order with the zone first (rules/eval.c day_tpl() relies on the order). */
X(DAY_ABSENCE_ZONE, "day.%D", "%s", "-", "%S", "zone=%.5s %Wclass=%s scans=%d cut=%r%%")
X(DAY_ABSENT_ZONE, "day.%D", "absent", "-", "%S", "zone=%.5s %Wclass=absent scans=0 cut=%r%%")
X(DAY_MISSING_IN_ZONE, "day.%D", "missing_punch", "-", "%S",
  "zone=%.5s %Wclass=missing_in out=%t counted_minutes=%d cut=%r%%")
X(DAY_MISSING_OUT_ZONE, "day.%D", "missing_punch", "-", "%S",
  "zone=%.5s %Wclass=missing_out in=%t counted_minutes=%d cut=%r%%")
X(DAY_PRESENT_ZONE, "day.%D", "present", "-", "%S",
  "zone=%.5s %Wclass=present in=%t out=%t late=%d band=%B%% early=%d band=%B%%")
X(DAY_PRESENT_CUT_ZONE, "day.%D", "present_cut", "-", "%S",
  "zone=%.5s %Wclass=present in=%t out=%t late=%d band=%B%% early=%d band=%B%%")
/* Controls: they render no line. PACK: the following steps' pack strings are those of the pack
 * with this SHA-256 (hex); MONTH_BEGIN..MONTH_END: the month's payment steps of a line split
 * over OPDs, each step's name rendered with "month." before it. */
X(PACK, "", "", "", "", "%s")
X(MONTH_BEGIN, "", "", "", "", "")
X(MONTH_END, "", "", "", "", "")
/* A month in segments (engine/segment.c): a transfer between OPDs, a pack version from a day
 * inside the month. The last two values of SEGMENT_*: " reference=" and the transfer's
 * reference, or two empty strings. */
X(SEGMENT_TRANSFER, "segment", "%s", "-", TT_CITE_TRANSFER,
  "unit=%s schedule=%s from=%D to=%D pack=%s sha256=%s%s%s")
X(SEGMENT_PACK, "segment", "%s", "-", TT_CITE_PACK,
  "unit=%s schedule=%s from=%D to=%D pack=%s sha256=%s%s%s")
X(LINE_AMOUNT, "line.amount", "%d", "-", "-",
  "unit=%s besaran=%d discipline_cut=%d performance_cut=%d addition=%d (col 8, the sum of the "
  "unit's segments)")
X(MONTH_LINES, "month.lines", "%d", "-", TT_CITE_TRANSFER,
  "line %d of %d; col 8 of the month = %d over %d OPD lines; BPJS, sanctions, corrections and "
  "PPh 21 once on the month, shared by col 8")
/* A line's share of the month's payment columns, in engine/segment.c's column order. */
X(LINE_BPJS_EMPLOYER, "line.bpjs_employer", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "col 11/13 BPJS 4 %%: share of the month's %d by col 8 %d / %d")
X(LINE_BPJS_EMPLOYEE, "line.bpjs_employee", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "col 14 BPJS 1 %%: share of the month's %d by col 8 %d / %d")
X(LINE_POT_HUKDIS, "line.pot_hukdis", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "col 10 POT. HUKDIS: share of the month's %d by col 8 %d / %d")
X(LINE_POT_BULAN_LALU, "line.pot_bulan_lalu", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "col 9 POT. BULAN LALU: share of the month's %d by col 8 %d / %d")
X(LINE_PPH21, "line.pph21", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "col 17 PPh 21: share of the month's %d by col 8 %d / %d")
X(LINE_ZAKAT, "line.zakat", "%d", "largest_remainder", TT_CITE_TRANSFER,
  "zakat: share of the month's %d by col 8 %d / %d")
/* The deferral of a split month: the minutes of every segment against the month's threshold
 * (engine/segment.c); the last value lists "FROM..TO MINUTES" per segment, joined by " + ". */
X(DISCIPLINE_DEFER_MONTH, "discipline.defer", "deferred", "-", "%S",
  "counted_minutes=%d over %d: payment to be deferred by BKPSDM (the month's minutes, segment "
  "by segment: %s)")
/* clang-format on */
