# The sample region in fixtures/sample-region-2025-01 is what `tpp gen` (and so `tpp demo`)
# produces for 60 employees, January 2025, seed 1: the generator is deterministic across builds
# and machines. Then `tpp demo` runs end to end and leaves the XLSX and CSV.
. "$(dirname "$0")/common.shlib"

FIX="$TPP_SOURCE_DIR/fixtures/sample-region-2025-01"
expect_exit 0 "gen" -- "$TPP" gen --employees 60 --period 2025-01 --seed 1 --out gen
for f in employees attendance absences events performance holidays; do
    if cmp -s "$FIX/$f.csv" "gen/$f.csv"; then ok; else bad "generated $f.csv differs from the fixture"; fi
done
units=$(tail -n +2 "$FIX/employees.csv" | grep -c '^[0-9]')
if [ "$units" -eq 60 ]; then ok; else bad "fixture has $units employees, expected 60"; fi

expect_exit 0 "demo" -- "$TPP" demo --out d
expect_output "60 employees in [0-9]+ OPDs" "demo summary"
expect_output "1 without performance data" "demo has one employee without performance"
expect_output "replay from the stored raw files: IDENTICAL" "demo seals and replays"
for f in d/tpp-2025-01.xlsx d/tpp-2025-01.csv d/tpp-2025-01.manifest d/workspace/tpp.db; do
    if [ -s "$f" ]; then ok; else bad "demo did not write $f"; fi
done
# BPKAD's check passes on the demo's output directory as it stands.
expect_exit 0 "verify demo output" -- "$TPP" verify d
# Running the demo again replaces its own workspace and gives the same files.
cp d/tpp-2025-01.xlsx first.xlsx
expect_exit 0 "demo again" -- "$TPP" demo --out d
if cmp -s first.xlsx d/tpp-2025-01.xlsx; then ok; else bad "demo XLSX differs between runs"; fi
finish
