# The packed attendance store (schema 5, engine/attpack.h): overlapping files merge into the
# stored employee-months with exact duplicates collapsed and the first stored scan kept (its
# device and file), a month of more than 64 scans spans parts in time order, the `attendance`
# view unpacks every scan, and `tpp status` counts them.
. "$TPP_SOURCE_DIR/tests/cli/common.shlib"

NIP=198001012005011001
"$TPP" --db w.db init --rules "$PACK" >/dev/null || bad "init"
"$TPP" --db w.db import employees "$GOLDEN/employees.csv" >/dev/null || bad "employees"

# first file: 100 scans of one employee in January (two parts), given newest first, and one
# exact duplicate; device A
{
    echo "nip,timestamp,direction,device"
    i=100
    while [ $i -ge 1 ]; do
        d=$(( (i - 1) / 4 + 2 )); m=$(( (i - 1) % 4 ))
        printf '%s,2025-01-%02d %02d:1%d:00,in,A\n' $NIP $d $((7 + m)) $m
        i=$((i - 1))
    done
    printf '%s,2025-01-02 07:10:00,in,A\n' $NIP
} >a.csv
# second file: the first 10 of those again on device B (duplicates), the same minute with
# another direction (new), and a scan in February (another month); device B
{
    echo "nip,timestamp,direction,device"
    i=1
    while [ $i -le 10 ]; do
        d=$(( (i - 1) / 4 + 2 )); m=$(( (i - 1) % 4 ))
        printf '%s,2025-01-%02d %02d:1%d:00,in,B\n' $NIP $d $((7 + m)) $m
        i=$((i + 1))
    done
    printf '%s,2025-01-02 07:10:00,out,B\n' $NIP
    printf '%s,2025-02-03 07:00:00,,B\n' $NIP
} >b.csv

expect_exit 0 "first file" -- "$TPP" --db w.db import attendance a.csv
expect_output "imported 100 attendance rows \(101 read, 1 duplicates collapsed" "first counts"
expect_exit 0 "second file" -- "$TPP" --db w.db import attendance b.csv
expect_output "imported 2 attendance rows \(12 read, 10 duplicates collapsed" "second counts"

q() { sqlite3 w.db "$1"; }
[ "$(q "SELECT count(*) || '/' || max(part) FROM attendance_month WHERE month = '2025-01'")" = \
    "2/1" ] && ok || bad "January in two parts: $(q "SELECT part, n FROM attendance_month")"
[ "$(q "SELECT count(*) FROM attendance")" = 102 ] && ok || bad "view count"
[ "$(q "SELECT group_concat(device || direction, ' ') FROM (SELECT * FROM attendance WHERE
    ts = '2025-01-02 07:10:00' ORDER BY direction)")" = "A1 B2" ] && ok ||
    bad "first stored scan kept: $(q "SELECT * FROM attendance WHERE ts LIKE '2025-01-02 07:10%'")"
[ "$(q "SELECT count(*) FROM attendance WHERE device = 'B'")" = 2 ] && ok || bad "devices"
[ "$(q "SELECT count(DISTINCT file_id) FROM attendance")" = 2 ] && ok || bad "file ids"
# the view lists the parts' scans in time order: the last of January is day 26, 10:13
[ "$(q "SELECT max(ts) FROM attendance WHERE ts < '2025-02'")" = "2025-01-26 10:13:00" ] &&
    ok || bad "last January scan"
[ "$(q "SELECT ts FROM attendance WHERE ts >= '2025-02'")" = "2025-02-03 07:00:00" ] && ok ||
    bad "February scan"
expect_exit 1 "status" -- "$TPP" --db w.db status --period 2025-01
expect_output "attendance scans 102" "status counts scans"
expect_output "without_punch" "others have no scans"

# the month is computed from the packed rows: the employee's days all have a scan
expect_exit 0 "run" -- "$TPP" --db w.db run --period 2025-01
expect_exit 0 "explain" -- "$TPP" --db w.db explain $NIP --period 2025-01 --lang en
finish
