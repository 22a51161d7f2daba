# Rapel: January and February 2025 paid together, each month computed under the pack version in
# force in it (a second version from 1 February changes the class 10 besaran); and the
# supplementary XLSX of a correction (tpp diff --xlsx).
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
E=198001012005011001

sed 's/^  id: full-month-golden-illustrative/  id: full-month-golden-v2-illustrative/;
     s/^  valid_from: 2024-01-01/  valid_from: 2025-02-01/;
     s/10: 6000000,/10: 6600000,/' "$FULL" >v2.yaml
grep -q '10: 6600000' v2.yaml || bad "v2 pack not made"
"$TPP" --db w.db init --rules "$FULL" >/dev/null || bad "init"
{
    head -1 "$GOLDEN/employees.csv"
    echo "$E,Andi Pratama,PNS,1.01.01,Dinas Pendidikan,Analis,10,III/c,5day,100,TK/0,,Bank Kaltimtara,1200000000,4000000,0,0,,"
} >emp.csv
printf 'nip,period,predicate,score\n%s,2025-01,,100\n%s,2025-02,,100\n' "$E" "$E" >perf.csv
"$TPP" --db w.db import employees emp.csv >/dev/null || bad "import employees"
"$TPP" --db w.db import performance perf.csv >/dev/null || bad "import performance"

# January under v1. No scans: 23 weekdays absent, 23 x 1.5 % = 34.5 % of disiplin 2,400,000
# (40 % of 6,000,000) = 828,000; col 8 = 6,000,000 - 828,000 = 5,172,000. BPJS room 12,000,000 -
# 4,000,000: 4 % 206,880, 1 % 51,720; col 12 = 5,378,880 (TER A 0 % up to 5,400,000);
# col 18 = 5,378,880 - 258,600 = 5,120,280.
expect_exit 0 "run January" -- "$TPP" --db w.db run --period 2025-01
expect_exit 0 "finalize January" -- "$TPP" --db w.db finalize --period 2025-01
expect_exit 0 "add v2" -- "$TPP" --db w.db rules add v2.yaml
# February under v2: besaran 6,600,000, disiplin 2,640,000; 20 weekdays absent = 30 % = 792,000;
# col 8 = 5,808,000; BPJS 4 % 232,320, 1 % 58,080; col 12 = 6,040,320; TER A row
# 5,950,001..6,300,000 0.75 % = 45,302.4 -> 45,302; col 16 = 6,040,320 - 290,400 = 5,749,920;
# col 18 = 5,749,920 - 45,302 = 5,704,618. (Under v1 col 8 would be 6,000,000 - 720,000.)
expect_exit 0 "run February" -- "$TPP" --db w.db run --period 2025-02
# A later draft of January must not replace the sealed run 1 on the rapel list.
expect_exit 0 "draft of January" -- "$TPP" --db w.db run --period 2025-01

expect_exit 0 "rapel" -- "$TPP" --db w.db rapel --periods 2025-01,2025-02 --out lists
expect_output "2025-01: run 1 \(final\), pack full-month-golden-illustrative .*col 18 5120280" "January: run 1, v1"
expect_output "2025-02: run 2 \(draft\), pack full-month-golden-v2-illustrative .*col 18 5704618" "February: run 2, v2"
expect_output "1 employee\(s\), total 10824898" "rapel total"
if grep -qx "$E,Andi Pratama,1.01.01,1200000000,5120280,5704618,10824898,1,2" \
    lists/rapel-2025-01-2025-02.csv; then ok; else bad "rapel CSV line"; cat lists/*.csv >&2; fi
p1=$(sqlite3 w.db "SELECT pack_sha256 FROM run WHERE id = 1")
p2=$(sqlite3 w.db "SELECT pack_sha256 FROM run WHERE id = 2")
if [ "$p1" != "$p2" ] && [ "$p2" = "$(sha256sum v2.yaml | cut -d' ' -f1)" ]; then ok
else bad "each month's own pack: $p1 $p2"; fi
sheet=$(unzip -p lists/rapel-2025-01-2025-02.xlsx 'xl/worksheets/sheet1.xml')
case "$sheet" in *5120280*5704618*10824898*) ok ;; *) bad "rapel XLSX amounts" ;; esac

expect_exit 2 "months not consecutive" -- "$TPP" --db w.db rapel --periods 2025-01,2025-03
expect_output "2025-03 is not the month after 2025-01" "consecutive months"
expect_exit 1 "a month without a run" -- "$TPP" --db w.db rapel --periods 2025-02,2025-03
expect_output "no run for period 2025-03" "missing month named"

# Correction of January: a day was present after all (Thursday 2 January 07:30-16:00). Run 4:
# 22 absent days = 33 % = 792,000; col 8 5,208,000; BPJS 208,320 / 52,080; col 12 5,416,320;
# TER A 5,400,001..5,650,000 0.25 % = 13,540.8 -> 13,541; col 18 = 5,416,320 - 260,400 -
# 13,541 = 5,142,379. Kekurangan bayar 5,142,379 - 5,120,280 = 22,099.
printf 'nip,timestamp,direction,device\n%s,2025-01-02 07:30:00,in,D1\n%s,2025-01-02 16:00:00,out,D1\n' \
    "$E" "$E" >att.csv
"$TPP" --db w.db import attendance att.csv >/dev/null || bad "import attendance"
expect_exit 0 "run 4 (revision)" -- "$TPP" --db w.db run --period 2025-01
expect_exit 0 "diff --xlsx" -- "$TPP" --db w.db diff 1 4 --xlsx kurang.xlsx
expect_output "kurang.xlsx: 1 line\(s\), kekurangan - kelebihan bayar \+22099" "delta list total"
sheet=$(unzip -p kurang.xlsx 'xl/worksheets/sheet1.xml')
case "$sheet" in *5142379*5120280*22099*) ok ;; *) bad "delta XLSX amounts"; echo "$sheet" >&2 ;; esac
if unzip -p kurang.xlsx 'xl/worksheets/sheet1.xml' | grep -q 'Koreksi: day.2025-01-02 (absent -&gt; present)'
then ok; else bad "delta XLSX reason"; fi

# A pack version starting inside a month (15 March): the month is computed in two segments, each
# under its own pack (engine/segment.c; the amounts are checked in tests/cli/split_month.sh), the
# run records both packs with their days, and the months on either side still run.
sed 's/^  id: full-month-golden-v2-illustrative/  id: full-month-golden-v3-illustrative/;
     s/^  valid_from: 2025-02-01/  valid_from: 2025-03-15/' v2.yaml >v3.yaml
expect_exit 0 "add v3 from 15 March" -- "$TPP" --db w.db rules add v3.yaml
expect_exit 0 "March in two segments" -- "$TPP" --db w.db run --period 2025-03
expect_output "^  rule pack full-month-golden-v2-illustrative " "first pack named"
expect_output "then rule pack full-month-golden-v3-illustrative .*from 2025-03-15" "second pack and date named"
run=$(sqlite3 w.db "SELECT MAX(id) FROM run")
packs=$(sqlite3 w.db "SELECT group_concat(from_date || '..' || to_date, ' ') FROM run_pack WHERE run_id = $run")
if [ "$packs" = "2025-03-01..2025-03-14 2025-03-15..2025-03-31" ]; then ok; else bad "run_pack: $packs"; fi
expect_exit 0 "April under v3" -- "$TPP" --db w.db run --period 2025-04
expect_exit 0 "February still runs" -- "$TPP" --db w.db run --period 2025-02
finish
