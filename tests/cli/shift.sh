# Shift workers in a real run (SPEC §4.1): the roster decides the workdays, holidays do not
# apply, scans are matched to each shift's window across midnight, and the check-out of a night
# shift on the month's last day is read from the next month's first day.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
S1=198001012005011001
S2=198002022005022002

"$TPP" --db w.db init --rules "$FULL" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$S1,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Perawat,9,III/b,shift,100,K/1,,,,4000000,5500000,0,,"
    echo "$S2,Budi Santoso,PNS,1.01.01,Dinas Kesehatan,Perawat,9,III/b,shift,101,K/1,,,,4000000,5500000,0,,"
} >emp.csv
printf 'date,name,kind\n2025-01-01,Tahun Baru,national\n' >hol.csv
printf 'nip,date,start,end\n%s,2025-01-01,22:00,07:00\n%s,2025-01-02,22:00,07:00\n%s,2025-01-31,22:00,07:00\n' \
    "$S1" "$S1" "$S1" >roster.csv
# No directions (a device without in/out keys): before the shift's midpoint is a check-in.
cat >att.csv <<CSV
nip,timestamp,direction,device
$S1,2025-01-01 21:55:00,,RS-01
$S1,2025-01-02 07:01:00,,RS-01
$S1,2025-01-02 22:40:00,,RS-01
$S1,2025-01-03 06:30:00,,RS-01
$S1,2025-01-15 10:00:00,,RS-01
$S1,2025-01-31 21:58:00,,RS-01
$S1,2025-02-01 07:05:00,,RS-01
CSV
printf 'nip,period,predicate,score\n%s,2025-01,,100\n%s,2025-01,,100\n' "$S1" "$S2" >perf.csv
for kind in employees:emp holidays:hol roster:roster attendance:att performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

# S2 is on shifts but has no roster this month: no day can be classified, the line is refused.
expect_exit 1 "run" -- "$TPP" --db w.db run --period 2025-01
expect_output "employee '$S2': shift worker with no roster in the month" "no roster named"

# S1, class 9, besaran 5,000,000 (disiplin 2,000,000, kinerja 3,000,000, score 100):
#   01-01 (holiday, still a workday) 21:55 .. 07:01 on 01-02: on time;
#   01-02 22:40 .. 06:30 on 01-03: 40 - 5 grace = 35 minutes late, TL2 1 %; 30 minutes early
#         (the pack has no early bands: no cut);
#   01-15 10:00: no shift that day, ignored;
#   01-31 21:58 .. 07:05 on 02-01 (the next month's scan): on time.
# workdays 3, cut 1 % of 2,000,000 = 20,000, col 8 4,980,000.
# BPJS room 12,000,000 - 4,000,000 = 8,000,000 > 4,980,000: 4 % 199,200, 1 % 49,800;
# col 12 = 4,980,000 + 199,200 = 5,179,200; TER base 5,500,000 + 5,179,200 = 10,679,200,
# K/1 = category B, row 9,200,001..10,750,000 1.5 % = 160,188; col 16 = 5,179,200 - 249,000 =
# 4,930,200; col 18 = 4,930,200 - 160,188 = 4,770,012.
row=$(sqlite3 w.db "SELECT workdays, days_present, late_minutes, early_minutes, discipline_cut,
                    tpp, bpjs_employer, gross, pph21, net FROM result WHERE nip = '$S1'")
if [ "$row" = "3|3|35|30|20000|4980000|199200|5179200|160188|4770012" ]; then ok
else bad "S1 line: $row"; fi
expect_exit 0 "explain" -- "$TPP" --db w.db explain "$S1" --period 2025-01 --lang en
"$TPP" --db w.db explain "$S1" --period 2025-01 --format json >slip.json 2>&1 ||
    bad "explain json"
if grep -q 'shift=22:00-07:00+1 class=present in=22:40 out=06:30+1 late=35' slip.json; then ok
else bad "the trace names the shift and the next-day check-out"; cat slip.json >&2; fi
finish
