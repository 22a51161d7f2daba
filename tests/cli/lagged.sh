# Lagged performance (performance.lag of tests/rules/lagged.yaml): January 2025 is paid on the
# predicate of December 2024 (across the year boundary), the trace names that period, and the
# completeness gate (tpp status --period, tpp finalize) looks for December's records, not
# January's. A pack with `years: 1` pays every month of 2025 on the annual result of 2024.
. "$(dirname "$0")/common.shlib"
LAGGED="$TPP_SOURCE_DIR/tests/rules/lagged.yaml"
A=198001012005011001
B=198002022005022002

expect_exit 0 "check lagged pack" -- "$TPP" rules check "$LAGGED"
expect_output ": ok: .*, 0 warnings" "lagged pack has no warnings"
expect_exit 0 "test lagged pack" -- "$TPP" rules test "$LAGGED"
expect_output "3 passed, 0 failed" "lagged pack cases"

"$TPP" --db w.db init --rules "$LAGGED" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$A,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,100,K/1,,,,4000000,0,0,,"
    echo "$B,Budi Santoso,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,101,K/1,,,,4000000,0,0,,"
} >emp.csv
# January 2025: 23 weekdays (no holidays imported), everyone on time every day.
{
    echo "nip,timestamp,direction,device"
    for d in 01 02 03 06 07 08 09 10 13 14 15 16 17 20 21 22 23 24 27 28 29 30 31; do
        for n in $A $B; do
            echo "$n,2025-01-$d 07:25:00,in,FP-01"
            echo "$n,2025-01-$d 16:40:00,out,FP-01"
        done
    done
} >att.csv
# A: December 2024 kurang (read), January 2025 sangat_kurang (not read for January).
# B: only January 2025: December is missing.
printf 'nip,period,predicate\n%s,2024-12,kurang\n%s,2025-01,sangat_kurang\n%s,2025-01,baik\n' \
    "$A" "$A" "$B" >perf.csv
for kind in employees:emp attendance:att performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

# The gate looks for December 2024: B has none (A's January record does not count either way).
expect_exit 1 "status January" -- "$TPP" --db w.db status --period 2025-01
expect_output "without performance +1 \(of 2024-12: the pack's performance.lag\)" "lagged period named"
expect_output "without_performance	$B	Budi Santoso" "B listed"

expect_exit 0 "run January" -- "$TPP" --db w.db run --period 2025-01
expect_output "1 without performance data" "B without December's performance"
# Class 9: besaran 5,000,000 = disiplin 2,000,000 + kinerja 3,000,000; no discipline cuts.
#   A, December kurang 0.85: kinerja 2,550,000 (cut 450,000) -> col 8 4,550,000; BPJS room
#     12,000,000 - 4,000,000: 4 % 182,000, 1 % 45,500; col 12 4,732,000; col 18 4,504,500.
#     (January's sangat_kurang 0.80 would have given 4,400,000.)
#   B, December missing: multiplier 0 -> col 8 2,000,000; 80,000 and 20,000; col 12 2,080,000;
#     col 18 1,980,000.
expect_exit 0 "export" -- "$TPP" --db w.db export --period 2025-01 --format csv --out files
cat >expected <<CSV
nip,performance_cut,tpp,bpjs_employer,bpjs_employee,gross,net,perf_missing
$A,450000,4550000,182000,45500,4732000,4504500,0
$B,3000000,2000000,80000,20000,2080000,1980000,1
CSV
pick() { # pick FILE: the columns of ./expected, by header name
    awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) want[i] = $i; n = NF; next }
             FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
             { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(col[want[i]]);
               print line }' expected "$1" >got.unsorted
    { head -1 got.unsorted; tail -n +2 got.unsorted | sort; } >got
}
pick files/tpp-2025-01.csv
if cmp -s expected got; then ok; else bad "January amounts differ"; diff expected got >&2; fi

# The trace says which period's performance was used.
expect_exit 0 "explain A" -- "$TPP" --db w.db explain "$A" --period 2025-01 --lang en
expect_output "performance.period +2024-12 .*performance of 2024-12 applies to 2025-01 \(lag 1 month" "trace names December"
expect_output "predicate=kurang multiplier=0.85 cut=450000" "December's predicate used"

# finalize refuses while December's record of B is missing (the run's own gate) ...
expect_exit 1 "finalize refused" -- "$TPP" --db w.db finalize --period 2025-01
# ... and passes once it is imported and the month is run again.
printf 'nip,period,predicate\n%s,2024-12,baik\n' "$B" >perf-b.csv
expect_exit 0 "import December of B" -- "$TPP" --db w.db import performance perf-b.csv
expect_exit 0 "status complete" -- "$TPP" --db w.db status --period 2025-01
expect_output "without performance +0 \(of 2024-12" "nothing missing"
expect_exit 0 "run again" -- "$TPP" --db w.db run --period 2025-01
expect_exit 0 "finalize" -- "$TPP" --db w.db finalize --period 2025-01
expect_exit 0 "replay" -- "$TPP" --db w.db replay --period 2025-01
expect_output "IDENTICAL" "replay of a lagged month"

# A year lag: every month of 2025 reads the annual result of 2024, recorded as 2024-12.
sed 's/^    months: 1$/    years: 1/' "$LAGGED" >yearly.yaml
grep -q '^    years: 1$' yearly.yaml || bad "sed did not make a year lag"
"$TPP" --db y.db init --rules yearly.yaml >/dev/null || bad "init yearly"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$A,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,100,K/1,,,,4000000,0,0,,"
} >emp-y.csv
printf 'nip,period,predicate\n%s,2024-12,butuh_perbaikan\n%s,2025-05,sangat_baik\n' "$A" "$A" \
    >perf-y.csv
# June 2025: no scans, so 21 weekdays absent: 21 x 1.5 % = 31.5 % of 2,000,000 = 630,000.
#   Kinerja 3,000,000 x 0.90 (2024's butuh_perbaikan; May's sangat_baik is not read) =
#   2,700,000 (cut 300,000). Col 8 = 5,000,000 - 630,000 - 300,000 = 4,070,000.
for kind in employees:emp-y performance:perf-y; do
    "$TPP" --db y.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done
expect_exit 1 "yearly status" -- "$TPP" --db y.db status --period 2025-06
expect_output "without performance +0 \(of 2024-12: the pack's performance.lag\)" "year lag gate"
expect_exit 0 "run June" -- "$TPP" --db y.db run --period 2025-06
row=$(sqlite3 y.db "SELECT discipline_cut || ',' || performance_cut || ',' || tpp FROM result")
if [ "$row" = "630000,300000,4070000" ]; then ok; else bad "June (year lag): got $row"; fi
expect_exit 0 "explain June" -- "$TPP" --db y.db explain "$A" --period 2025-06 --lang en
expect_output "performance.period +2024-12 .*applies to 2025-06 \(lag 1 year" "trace names 2024"
finish
