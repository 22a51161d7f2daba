# Zakat from workspace data: `tpp import zakat` holds each employee's statements (deduct yes/no
# from a month on, as the BKPSDM / BAZNAS list has them; a mapping file reads the list as it
# comes), `tpp run` takes the state of the month, the pack's payment.zakat sets rate and base
# (tests/rules/lagged.yaml: 2.5 % of the net after PPh 21), and the trace, the machine CSV
# (column zakat), the XLSX payment list (column 17a, col 18 = 16 - 17 - 17a) and the bank file
# all agree and reconcile (tpp verify).
. "$(dirname "$0")/common.shlib"
LAGGED="$TPP_SOURCE_DIR/tests/rules/lagged.yaml"
A=198001012005011001 # asks for zakat from January 2025
B=198002022005022002 # asked from November 2024, withdrew from January 2025
C=198003032005031003 # never asked

"$TPP" --db w.db init --rules "$LAGGED" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    for n in $A $B $C; do
        echo "$n,Pegawai $n,PNS,1.01.01,Dinas Kesehatan,Analis,9,III/b,5day,,K/1,,Bank Kaltimtara,12345${n#19800}0,4000000,0,0,,"
    done
} >emp.csv
{
    echo "nip,timestamp,direction,device"
    for d in 01 02 03 06 07 08 09 10 13 14 15 16 17 20 21 22 23 24 27 28 29 30 31; do
        for n in $A $B $C; do
            echo "$n,2025-01-$d 07:25:00,in,FP"
            echo "$n,2025-01-$d 16:40:00,out,FP"
        done
    done
} >att.csv
printf 'nip,period,predicate\n%s,2024-12,baik\n%s,2024-12,baik\n%s,2024-12,baik\n%s,2024-11,baik\n' \
    "$A" "$B" "$C" "$B" >perf.csv
for kind in employees:emp attendance:att performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

# Bad statements: every error as file:line:col, nothing stored.
cat >bad.csv <<CSV
nip,start_period,deduct,reference
$A,2025-1,yes,SP-1
$A,2025-01,mungkin,SP-2
199901012020011009,2025-01,yes,SP-3
$B,2025-02,ya,SP-4
$B,2025-02,tidak,SP-5
CSV
expect_exit 1 "bad zakat file" -- "$TPP" --db w.db import zakat bad.csv
expect_output "bad.csv:2:20: error: invalid period '2025-1' in column 'start_period' \(expected YYYY-MM\)" "bad period"
expect_output "bad.csv:3:28: error: invalid value 'mungkin' in column 'deduct'" "bad answer"
expect_output "bad.csv:4:1: error: unknown NIP '199901012020011009'" "unknown NIP"
expect_output "bad.csv:6:20: error: duplicate zakat statement of NIP '$B' from 2025-02 \(first on line 5\)" "duplicate"
n=$(sqlite3 w.db "SELECT COUNT(*) FROM zakat_request")
if [ "$n" = "0" ]; then ok; else bad "a refused file stored $n rows"; fi

# The UPZ list as it comes (semicolons are not CSV here: a spreadsheet export with its own
# headings and words), read through a mapping file.
cat >upz.csv <<CSV
NIP,Mulai Bulan,Keterangan,Nomor Surat,Nama
$A,2025-01,Bersedia,SP-UPZ/001,Pegawai A
$B,2024-11,Bersedia,SP-UPZ/002,Pegawai B
$B,2025-01,Berhenti,SP-UPZ/017,Pegawai B
CSV
cat >upz.yaml <<YAML
kind: zakat
columns: { NIP: nip, Mulai Bulan: start_period, Keterangan: deduct, Nomor Surat: reference }
ignore: [Nama]
values:
  deduct: { Bersedia: yes, Berhenti: no }
YAML
expect_exit 0 "import zakat via mapping" -- "$TPP" --db w.db import zakat upz.csv --mapping upz.yaml
expect_output "imported 3 zakat rows" "three statements"
# The same month again from another file is a conflict, not a replacement.
printf 'nip,start_period,deduct\n%s,2025-01,no\n' "$A" >again.csv
expect_exit 1 "conflicting statement" -- "$TPP" --db w.db import zakat again.csv
expect_output "again.csv:2:20: error: zakat statement of NIP '$A' from 2025-01 conflicts with the one imported from '.*upz.csv'" "conflict named"

expect_exit 0 "run January" -- "$TPP" --db w.db run --period 2025-01
# Class 9, every day on time, December 2024 baik: col 8 5,000,000; BPJS room 8,000,000: 4 %
#   200,000 and 1 % 50,000; col 12 5,200,000; col 15 250,000; col 16 4,950,000; no PPh 21 here.
#   A (asks from 2025-01): zakat 2.5 % x 4,950,000 = 123,750; col 18 4,826,250.
#   B (withdrew from 2025-01) and C: zakat 0; col 18 4,950,000.
#   Bank total = 4,826,250 + 2 x 4,950,000 = 14,726,250.
expect_exit 0 "export" -- "$TPP" --db w.db export --period 2025-01 --out files --no-sign
cat >expected <<CSV
nip,gross,net_before_tax,pph21,zakat,net
$A,5200000,4950000,0,123750,4826250
$B,5200000,4950000,0,0,4950000
$C,5200000,4950000,0,0,4950000
CSV
awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) want[i] = $i; n = NF; next }
         FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
         { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(col[want[i]]);
           print line }' expected files/tpp-2025-01.csv >got.unsorted
{ head -1 got.unsorted; tail -n +2 got.unsorted | sort; } >got
if cmp -s expected got; then ok; else bad "January amounts differ"; diff expected got >&2; fi
grep -q "^total-net 14726250$" files/tpp-2025-01.manifest && ok || bad "manifest total-net is not 14,726,250"
grep -q "^JUMLAH,3,,,,14726250," files/bank-generic-2025-01.csv && ok || bad "bank total is not 14,726,250"
expect_exit 0 "verify" -- "$TPP" verify files
# The payment list shows the zakat column 17a and col 18 as 16 - 17 - 17a.
unzip -p files/tpp-2025-01.xlsx 'xl/worksheets/sheet2.xml' >sheet.xml 2>/dev/null
grep -q '<f>P[0-9]*-Q[0-9]*-T[0-9]*</f>' sheet.xml && ok || bad "col 18 formula lacks the zakat column"
grep -q '<v>123750</v>' sheet.xml && ok || bad "zakat amount not on the sheet"
grep -q 'POT. ZAKAT' sheet.xml && ok || bad "zakat column title missing"

expect_exit 0 "explain A" -- "$TPP" --db w.db explain "$A" --period 2025-01 --lang en
expect_output "payment.zakat +123750 +half_up .*2.5% of 4950000 \(net after PPh 21\)" "zakat in the trace"

# December 2024: B's statement of 2024-11 applies (A's starts later). No December scans: 22
#   weekdays absent, 22 x 1.5 % = 33 % of 2,000,000 = 660,000; November baik: col 8
#   4,340,000; BPJS 173,600 and 43,400; col 12 4,513,600; col 16 4,513,600 - 217,000 =
#   4,296,600; zakat 2.5 % = 107,415; col 18 4,189,185.
expect_exit 0 "run December" -- "$TPP" --db w.db run --period 2024-12
row=$(sqlite3 w.db "SELECT r.tpp || ',' || r.net_before_tax || ',' || r.net FROM result r
                    JOIN run ON run.id = r.run_id WHERE run.period = '2024-12' AND r.nip = '$B'")
if [ "$row" = "4340000,4296600,4189185" ]; then ok; else bad "B in December: got $row"; fi
row=$(sqlite3 w.db "SELECT COUNT(*) FROM result r JOIN run ON run.id = r.run_id
                    WHERE run.period = '2024-12' AND r.nip = '$A' AND r.trace LIKE '%payment.zakat%'")
if [ "$row" = "0" ]; then ok; else bad "A paid zakat before asking"; fi
finish
