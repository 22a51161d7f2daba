# Importing field data from the command line: attlog with a device PIN map and a period, a
# mapping file, the error summary per reason, --max-errors, the completeness report.
. "$TPP_SOURCE_DIR/tests/cli/common.shlib"
DATA="$TPP_SOURCE_DIR/tests/data/import"

"$TPP" --db w.db init --rules "$PACK" >/dev/null || bad "init"
expect_exit 0 "units" -- "$TPP" --db w.db import units "$DATA/units.csv"
expect_exit 0 "employees" -- "$TPP" --db w.db import employees "$DATA/employees.csv"
expect_exit 0 "device pins" -- "$TPP" --db w.db import device_pins "$DATA/device_pins.csv"

expect_exit 2 "--device is for attendance" -- \
    "$TPP" --db w.db import employees "$DATA/employees.csv" --device X
expect_exit 2 "bad format" -- "$TPP" --db w.db import attendance x.dat --format dbf
expect_exit 2 "bad period" -- "$TPP" --db w.db import attendance x.dat --period 2024-13

expect_exit 0 "attlog" -- "$TPP" --db w.db import attendance "$DATA/MESIN-01_attlog.dat" \
    --device MESIN-01 --period 2024-03
expect_output "imported 7 attendance rows \(12 read, 1 duplicates collapsed" "attlog counts"
expect_output "2 scans outside 2024-03 left out" "out of period"
expect_output "warning: unknown device_pin '77' on device 'MESIN-01': 2 scans" "unknown PIN"
expect_exit 0 "attlog again" -- "$TPP" --db w.db import attendance "$DATA/MESIN-01_attlog.dat" \
    --device MESIN-01 --period 2024-03
expect_output "already imported" "idempotent"

# a file with many bad rows: every one reported, a summary per reason, nothing changed
{
    echo "nip,type,start_date,end_date"
    for d in 01 02 03; do echo "197704182003122009,cuti_tahunan,2024-03-$d,2024-02-$d"; done
    echo "197704182003122009,liburan,2024-03-10,2024-03-10"
    echo "197704182003122009,cuti_tahunan,2024-03-32,2024-03-10"
} >bad.csv
"$TPP" --db w.db status >before
expect_exit 1 "bad absences" -- "$TPP" --db w.db import absences bad.csv
expect_output "bad.csv:2:" "first bad row"
expect_output "errors by reason:" "summary"
expect_output "^ +3  end_date" "end before start counted"
expect_output "^ +1  unknown absence type" "unknown code counted"
"$TPP" --db w.db status >after
if cmp -s before after; then ok; else bad "a refused file changed the workspace"; fi
expect_exit 1 "--max-errors" -- "$TPP" --db w.db import --max-errors 1 absences bad.csv
expect_output "at least 1 error" "stopped at the limit"

# completeness: Rina has no scan; nobody has performance; PIN 77 is unknown
expect_exit 1 "status incomplete" -- "$TPP" --db w.db status --period 2024-03
expect_output "without any scan +1" "without punch"
expect_output "without performance +4" "without performance"
expect_output "unknown PINs +1 \(2 scans\)" "unknown pins"
expect_output "without_punch	199803152023032001	Rina" "the list"
finish
