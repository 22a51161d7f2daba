# Local holidays (kind `local`, e.g. the city's anniversary) are holidays of the region like the
# national ones and cuti bersama: not a workday, so no scan is expected and no day is absent.
# The same month without the local holiday counts that day as tanpa keterangan.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
A=198001012005011001
{
    head -1 "$GOLDEN/employees.csv"
    echo "$A,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,100,K/1,,,,4000000,0,0,,"
} >emp.csv
# January 2025 has 23 weekdays; scans on every one but 01-01 (national) and 01-15 (local).
{
    echo "nip,timestamp,direction,device"
    for d in 02 03 06 07 08 09 10 13 14 16 17 20 21 22 23 24 27 28 29 30 31; do
        echo "$A,2025-01-$d 07:25:00,in,FP-01"
        echo "$A,2025-01-$d 16:40:00,out,FP-01"
    done
} >att.csv
printf 'nip,period,predicate,score\n%s,2025-01,,100\n' "$A" >perf.csv
printf 'date,name,kind\n2025-01-01,Tahun Baru,national\n2025-01-15,Hari Jadi Kota,local\n' >hol.csv
printf 'date,name,kind\n2025-01-01,Tahun Baru,national\n' >hol-national.csv

for ws in local:hol national:hol-national; do
    db="${ws%%:*}.db"
    "$TPP" --db "$db" init --rules "$FULL" >/dev/null || bad "init $db"
    for kind in employees:emp "holidays:${ws##*:}" attendance:att performance:perf; do
        "$TPP" --db "$db" import "${kind%%:*}" "${kind##*:}.csv" >/dev/null ||
            bad "import $kind into $db"
    done
    expect_exit 0 "run $db" -- "$TPP" --db "$db" run --period 2025-01
done
# With the local holiday: 23 - 2 = 21 workdays, all present, no cut; class 9 besaran
# 5,000,000, score 100: col 8 5,000,000.
row=$(sqlite3 local.db "SELECT workdays, days_present, days_absent, discipline_cut, tpp FROM result")
if [ "$row" = "21|21|0|0|5000000" ]; then ok; else bad "with the local holiday: $row"; fi
# Without it: 22 workdays, 01-15 absent: 1.5 % of disiplin 2,000,000 = 30,000; col 8 4,970,000.
row=$(sqlite3 national.db "SELECT workdays, days_present, days_absent, discipline_cut, tpp
                           FROM result")
if [ "$row" = "22|21|1|30000|4970000" ]; then ok; else bad "without the local holiday: $row"; fi
finish
