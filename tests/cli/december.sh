# The December PPh 21 reconciliation in a real run (payment.pph21.annual of
# tests/rules/full-month.yaml): the year's inputs come from `tpp import annual`, December is
# computed with the Pasal 17 brackets instead of TER, and the exported CSV carries the amounts
# checked by hand below. Without the year's inputs the run refuses each employee.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
A=198001012005011001
B=198002022005022002

"$TPP" --db w.db init --rules "$FULL" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$A,Andi Pratama,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,100,K/1,,,,4500000,4680000,0,,"
    echo "$B,Budi Santoso,PNS,1.01.01,Dinas Kesehatan,Kepala Bidang,12,IV/a,5day,101,TK/0,,,,9000000,11000000,50000,,"
} >emp.csv
printf 'date,name,kind\n2025-12-25,Natal,national\n2025-12-26,Cuti bersama Natal,cuti_bersama\n' \
    >hol.csv
# December 2025: 23 weekdays minus 25 and 26 December = 21 workdays, all present on time except
# B on 1 December (07:50: 20 - 5 grace = 15 minutes late).
{
    echo "nip,timestamp,direction,device"
    for d in 01 02 03 04 05 08 09 10 11 12 15 16 17 18 19 22 23 24 29 30 31; do
        for n in $A $B; do
            t=07:25
            [ "$n$d" = "${B}01" ] && t=07:50
            echo "$n,2025-12-$d $t:00,in,FP-01"
            echo "$n,2025-12-$d 16:40:00,out,FP-01"
        done
    done
} >att.csv
printf 'nip,period,predicate,score\n%s,2025-12,,100\n%s,2025-12,,100\n' "$A" "$B" >perf.csv
for kind in employees:emp holidays:hol attendance:att performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

# Without the year's inputs December is refused rather than paid with the wrong tax.
expect_exit 1 "run without annual inputs" -- "$TPP" --db w.db run --period 2025-12
expect_output "employee '$A'.*needs the year's inputs" "A refused without annual inputs"
expect_output "employee '$B'.*needs the year's inputs" "B refused without annual inputs"

# Bad annual files: every error as file:line:col, nothing stored.
cat >bad.csv <<CSV
nip,year,ytd_gross,ytd_pph21,annual_pension
$A,2025,108.680.000,1630200,2400000
$B,25,210320000,14300000,3600450
$B,2025,1430000,210320000,-5
199901012020011009,2025,1,0,0
$A,2025,108680000,1630200,2400000
$A,2025,108680000,1630200,2400000
CSV
expect_exit 1 "bad annual file" -- "$TPP" --db w.db import annual bad.csv
expect_output "bad.csv:2:25: error: invalid amount '108.680.000' in column 'ytd_gross' \(expected whole rupiah without thousands separators" "thousands separators"
expect_output "bad.csv:3:20: error: value '25' in column 'year' is out of range" "two-digit year"
expect_output "bad.csv:4:33: error: ytd_pph21 '210320000' is more than ytd_gross '1430000'" "swapped columns"
expect_output "bad.csv:4:43: error: negative amount '-5' in column 'annual_pension'" "negative pension"
expect_output "bad.csv:5:1: error: unknown NIP '199901012020011009'" "unknown NIP"
expect_output "bad.csv:7:1: error: duplicate annual inputs of NIP '$A' for 2025 \(first on line 6\)" "duplicate"
n=$(sqlite3 w.db "SELECT COUNT(*) FROM annual_tax")
if [ "$n" = "0" ]; then ok; else bad "a refused file stored $n rows"; fi

# The year's inputs as the payroll office's books give them (January..November):
#   A: gross 11 x 9,880,000 = 108,680,000; TER B 1.5 % x 11 = 1,630,200; pension 2,400,000.
#   B: gross 210,320,000; withheld 14,300,000; pension 3,600,450.
cat >annual.csv <<CSV
nip,year,ytd_gross,ytd_pph21,annual_pension
$A,2025,108680000,1630200,2400000
$B,2025,210320000,14300000,3600450
$B,2024,190000000,12000000,3300000
CSV
expect_exit 0 "import annual" -- "$TPP" --db w.db import annual annual.csv
# A second file with the same NIP and year is a conflict, not a replacement.
printf 'nip,year,ytd_gross,ytd_pph21,annual_pension\n%s,2025,1,0,0\n' "$A" >again.csv
expect_exit 1 "conflicting annual file" -- "$TPP" --db w.db import annual again.csv
expect_output "again.csv:2:1: error: annual inputs of NIP '$A' for 2025 conflict with those imported from '.*annual.csv'" "conflict named"

expect_exit 0 "december run" -- "$TPP" --db w.db run --period 2025-12
expect_exit 0 "december export" -- "$TPP" --db w.db export --period 2025-12 --format csv --out files

# A, class 9: besaran 5,000,000, no cuts, score 100 -> col 8 5,000,000. BPJS room 12,000,000 -
#   4,500,000 = 7,500,000 >= 5,000,000: 4 % 200,000, 1 % 50,000; col 12 5,200,000.
#   Year's gross 108,680,000 + (salary 4,680,000 + col 12 5,200,000 = 9,880,000) = 118,560,000;
#   biaya jabatan 5 % = 5,928,000 (under 6,000,000); neto 118,560,000 - 5,928,000 - 2,400,000 =
#   110,232,000; PTKP K/1 63,000,000 -> PKP 47,232,000; Pasal 17: 5 % = 2,361,600.
#   Col 17 = 2,361,600 - 1,630,200 - salary run 0 = 731,400 (TER B 1.5 % would have been
#   148,200). Net 5,200,000 - 250,000 - 731,400 = 4,218,600.
# B, class 12: besaran 8,000,000 = disiplin 3,200,000 + kinerja 4,800,000; 1 Dec 15 minutes
#   late (TL1 0.5 % of 3,200,000 = 16,000) -> col 8 7,984,000. BPJS room 12,000,000 -
#   9,000,000 = 3,000,000: 4 % 120,000, 1 % 30,000; col 12 8,104,000.
#   Year's gross 210,320,000 + (11,000,000 + 8,104,000 = 19,104,000) = 229,424,000; 5 % =
#   11,471,200, capped at 6,000,000; neto 229,424,000 - 6,000,000 - 3,600,450 = 219,823,550;
#   PTKP TK/0 54,000,000 -> 165,823,550, down to whole thousands 165,823,000; Pasal 17:
#   60,000,000 x 5 % = 3,000,000 + 105,823,000 x 15 % = 15,873,450 -> 18,873,450.
#   Col 17 = 18,873,450 - 14,300,000 - salary run 50,000 = 4,523,450.
#   Net 8,104,000 - 150,000 - 4,523,450 = 3,430,550.
# (B's 2024 row is another year: the December 2025 run does not read it.)
cat >expected <<CSV
nip,tpp,bpjs_employer,bpjs_employee,gross,pph21,net
$A,5000000,200000,50000,5200000,731400,4218600
$B,7984000,120000,30000,8104000,4523450,3430550
CSV
awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) want[i] = $i; n = NF; next }
         FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
         { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(col[want[i]]);
           print line }' expected files/tpp-2025-12.csv >got.unsorted
{ head -1 got.unsorted; tail -n +2 got.unsorted | sort; } >got
if cmp -s expected got; then ok; else bad "December amounts differ"; diff expected got >&2; fi

# The trace shows the reconciliation steps with B's capped job cost and rounded PKP.
expect_exit 0 "explain B" -- "$TPP" --db w.db explain "$B" --period 2025-12 --lang en
expect_output "pph21.annual.job_cost +6000000 .*of 229424000, at most 6000000" "job cost capped"
expect_output "pph21.annual.pkp +165823000 +down_thousand +neto 219823550" "PKP rounded down"

# November is not the annual month: TER applies and the annual inputs are not needed.
printf 'nip,period,predicate,score\n%s,2025-11,,100\n' "$A" >perf11.csv
"$TPP" --db w.db import performance perf11.csv >/dev/null || bad "import November performance"
expect_exit 0 "november run" -- "$TPP" --db w.db run --period 2025-11
row=$(sqlite3 w.db "SELECT COUNT(*) FROM result r JOIN run ON run.id = r.run_id
                    WHERE run.period = '2025-11' AND r.trace LIKE '%pph21.annual%'")
if [ "$row" = "0" ]; then ok; else bad "November used the annual reconciliation"; fi
finish
