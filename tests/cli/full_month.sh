# The full monthly computation, hand-checked: tests/rules/full-month.yaml holds one case per
# situation (PPh 21 TER and the December reconciliation, zakat, sanctions across months and a
# year boundary, Plt/Plh of 19 and 20 days, status multipliers, a transfer, Ramadan hours,
# grace minutes, carried corrections) with the arithmetic in comments. The mutations below
# prove the cases can fail: each removes one rule and the case that depends on it must break.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"

expect_exit 0 "check full-month" -- "$TPP" rules check "$FULL"
expect_output ": ok: .*, 0 warnings" "full-month has no warnings"
expect_exit 0 "test full-month" -- "$TPP" rules test "$FULL"
expect_output "25 passed, 0 failed" "full-month cases"

# mutate SED_EXPR CASE_NAME_PATTERN FIELD: the pack with one change fails exactly that case.
mutate() {
    sed "$1" "$FULL" >mutant.yaml
    expect_exit 1 "mutant: $2" -- "$TPP" rules test mutant.yaml
    expect_output "FAIL  $2" "mutant fails '$2'"
    expect_output "$3 +expected" "mutant shows $3"
}
mutate 's/min_workdays: 20/min_workdays: 19/' "Plt setingkat 19 hari" besaran
mutate 's/- label: Ramadan 1446 H/- label: Ramadan 1446 H (salah)/; s/from: 2025-03-01/from: 2025-04-01/; s/to: 2025-03-30/to: 2025-04-30/' "Jam kerja Ramadan" late_minutes
mutate 's/months: 6, cite/months: 5, cite/' "Hukuman disiplin melewati pergantian tahun" pot_hukdis
mutate 's/{ to: 60000000, rate: 5 }/{ to: 60000000, rate: 6 }/' "Desember - PPh 21 setahun" pph21
mutate 's/grace_minutes: 5/grace_minutes: 0/' "Toleransi 5 menit" late_minutes
mutate 's/- { from: 8850001, to: 9800000, rate: 1.25 }/- { from: 8850001, to: 9800000, rate: 1.5 }/' "TER kategori C" pph21
mutate 's/date: 2025-01-20, start: "22:00"/date: 2025-01-20, start: "23:00"/' "Pegawai shift" late_minutes

# A pack in mode withheld refuses an employee without a PTKP status, naming it.
sed 's/ptkp: K\/1, salary_gross: 6294000/salary_gross: 6294000/' "$FULL" >noptkp.yaml
expect_exit 1 "no ptkp" -- "$TPP" rules test noptkp.yaml
expect_output "PTKP status '\(none\)' has no TER category" "no ptkp message"

# December without the year's inputs is refused rather than paid with the wrong tax.
sed 's/, ytd_gross: 108680000, ytd_pph21: 1630200, annual_pension: 2400000//' "$FULL" >noannual.yaml
expect_exit 1 "no annual inputs" -- "$TPP" rules test noannual.yaml
expect_output "needs the year's inputs" "no annual inputs message"
finish
