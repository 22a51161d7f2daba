# An employee whose employee row still says a weekday schedule, moved in an earlier month to a
# unit that works in shifts (transfer with to_schedule shift): every later month is computed on
# the roster, in the new unit. The roster is read for whoever is on shifts this month by the
# transfers, not by the employee row.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
S1=198001012005011001

"$TPP" --db w.db init --rules "$FULL" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$S1,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Perawat,9,III/b,5day,100,K/1,,,,4000000,5500000,0,,"
} >emp.csv
printf 'nip,date,from_unit,to_unit,to_schedule,reference\n%s,2024-12-02,1.01.01,1.02.01,shift,SK-MUT/12/2024\n' \
    "$S1" >transfers.csv
printf 'date,name,kind\n2025-01-01,Tahun Baru,national\n' >hol.csv
printf 'nip,date,start,end\n%s,2025-01-01,22:00,07:00\n%s,2025-01-02,22:00,07:00\n%s,2025-01-31,22:00,07:00\n' \
    "$S1" "$S1" "$S1" >roster.csv
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
printf 'nip,period,predicate,score\n%s,2025-01,,100\n' "$S1" >perf.csv
for kind in employees:emp transfers:transfers holidays:hol roster:roster attendance:att \
    performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

expect_exit 0 "run" -- "$TPP" --db w.db run --period 2025-01
# The same month as tests/cli/shift.sh's S1, now in unit 1.02.01 (one line: the move was in
# December): 3 rostered shifts, 01-02 35 minutes late (TL2 1 % of disiplin 2,000,000 = 20,000),
# col 8 4,980,000, BPJS 4 % 199,200 and 1 % 49,800, col 12 5,179,200, TER B 1.5 % of
# 5,500,000 + 5,179,200 = 160,188, col 18 = 5,179,200 - 249,000 - 160,188 = 4,770,012.
row=$(sqlite3 w.db "SELECT line, unit_code, workdays, days_present, late_minutes, discipline_cut,
                    tpp, bpjs_employer, gross, pph21, net FROM result WHERE nip = '$S1'")
if [ "$row" = "1|1.02.01|3|3|35|20000|4980000|199200|5179200|160188|4770012" ]; then ok
else bad "S1 line: $row"; fi
finish
