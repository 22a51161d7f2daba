# A month in segments (engine/segment.c), computed by hand:
#   January 2025: Andi (class 10) moves from Dinas Pendidikan (1.01.01, 5-day week) to RSUD Kota
#   (2.02.02, 6-day week) on the 15th, late once in each OPD: one payroll line per OPD, each
#   prorated by its OPD's own workdays; BPJS and PPh 21 once on the month, shared by col 8.
#   February 2025: a pack version raising class 10 from 6,000,000 to 7,200,000 starts on the
#   17th: Sari's month is two segments, each under its own pack, in one line.
# Pack: tests/rules/full-month.yaml (besaran class 10 = 6,000,000; disiplin 40 % / kinerja 60 %;
# grace 5 minutes; TL1 1-30 min 0.5 %, TL2 31-60 min 1 % of disiplin; BPJS 4 % / 1 % under
# 12,000,000 with the salary base; PPh 21 TER A) plus a 6-day schedule and a deferral threshold
# of 50 minutes a month (the month's, not a segment's), no holidays imported.
. "$(dirname "$0")/common.shlib"
FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
E=198001012005011001 # Andi: transferred on 15 January
P=198202022006022002 # Sari: the February pack change

awk '{ print }
     /^      fri: 07:30-16:30$/ && !done {
         print "    6day:"
         print "      mon: 07:30-14:30\n      tue: 07:30-14:30\n      wed: 07:30-14:30"
         print "      thu: 07:30-14:30\n      fri: 07:30-14:30\n      sat: 07:30-12:30"
         done = 1 }
     /^discipline:$/ {
         print "  defer: { minutes_over: 50, cite: \"Uji: lebih dari 50 menit sebulan, TPP ditunda\" }" }' \
    "$FULL" >p1.yaml
sed 's/^  id: full-month-golden-illustrative/  id: full-month-golden-v2-illustrative/;
     s/^  valid_from: 2024-01-01/  valid_from: 2025-02-17/;
     s/10: 6000000,/10: 7200000,/' p1.yaml >p2.yaml
expect_exit 0 "init" -- "$TPP" --db w.db init --rules p1.yaml
expect_exit 0 "second pack from 17 February" -- "$TPP" --db w.db rules add p2.yaml

printf 'unit_code,unit_name,timezone\n1.01.01,Dinas Pendidikan,WITA\n2.02.02,RSUD Kota,WITA\n' \
    >units.csv
{
    head -1 "$GOLDEN/employees.csv"
    echo "$E,Andi Pratama,PNS,1.01.01,Dinas Pendidikan,Analis,10,III/c,5day,100,TK/0,,Bank Kaltimtara,1200000000,4000000,0,0,,"
    echo "$P,Sari Dewi,PNS,1.01.01,Dinas Pendidikan,Analis,10,III/c,5day,101,TK/0,,Bank Kaltimtara,1200000001,4000000,0,0,,"
} >emp.csv
printf 'nip,date,from_unit,to_unit,from_schedule,to_schedule,reference\n%s,2025-01-15,1.01.01,2.02.02,5day,6day,SK Mutasi 821/15\n' \
    "$E" >trf.csv
# A scan pair on every workday: in 07:30, out 16:30 (13:00 on Saturdays, Andi's in RSUD only);
# the late days: Andi 7 Jan 08:00 and 20 Jan 08:10, Sari 5 Feb 08:00 and 19 Feb 08:10.
{
    echo "nip,timestamp,direction,device"
    for m in 01 02; do
        for d in $(seq 1 31); do
            day=$(printf '2025-%s-%02d' $m "$d")
            date -d "$day" >/dev/null 2>&1 || continue
            dow=$(date -d "$day" +%u)
            [ "$dow" = 7 ] && continue
            for nip in $E $P; do
                if [ "$dow" = 6 ]; then
                    { [ $nip = $E ] && [ "$day" \> 2025-01-14 ]; } || continue
                    echo "$nip,$day 07:30:00,in,D1"
                    echo "$nip,$day 13:00:00,out,D1"
                    continue
                fi
                in=07:30:00
                case "$nip $day" in
                "$E 2025-01-07" | "$P 2025-02-05") in=08:00:00 ;;
                "$E 2025-01-20" | "$P 2025-02-19") in=08:10:00 ;;
                esac
                echo "$nip,$day $in,in,D1"
                echo "$nip,$day 16:30:00,out,D1"
            done
        done
    done
} >att.csv
printf 'nip,period,predicate,score\n%s,2025-01,,100\n%s,2025-01,,100\n%s,2025-02,,100\n%s,2025-02,,100\n' \
    "$E" "$P" "$E" "$P" >perf.csv
for k in "units units.csv" "employees emp.csv" "transfers trf.csv" "attendance att.csv" \
    "performance perf.csv"; do
    # shellcheck disable=SC2086
    "$TPP" --db w.db import $k >/dev/null || bad "import $k"
done

# ---- January: the transfer ---------------------------------------------------------------
# Line 1, Dinas Pendidikan, 5-day week: workdays 1-14 Jan = 1,2,3,6..10,13,14 = 10 of the
#   month's 23 weekdays. besaran 6,000,000 x 10 / 23 = 2,608,695.65 -> 2,608,696 (half_up);
#   disiplin 40 % = 1,043,478.4, kinerja 60 % = 1,565,217.6 -> largest remainder 1,043,478 /
#   1,565,218. 7 Jan in 08:00: 30 - 5 grace = 25 min, TL1 0.5 % x 1,043,478 = 5,217.39 -> 5,217.
#   col 8 = 2,608,696 - 5,217 = 2,603,479.
# Line 2, RSUD Kota, 6-day week: workdays 15-31 Jan Mon-Sat = 15 of the month's 27.
#   besaran 6,000,000 x 15 / 27 = 3,333,333.33 -> 3,333,333; disiplin 1,333,333.2 -> 1,333,333,
#   kinerja 1,999,999.8 -> 2,000,000. 20 Jan in 08:10: 40 - 5 = 35 min, TL2 1 % x 1,333,333 =
#   13,333.33 -> 13,333. col 8 = 3,333,333 - 13,333 = 3,320,000.
# The month: col 8 = 5,923,479. BPJS slice min(5,923,479, 12,000,000 - 4,000,000): 4 % =
#   236,939.16 -> 236,939; 1 % = 59,234.79 -> 59,235. col 12 = 6,160,418; TER A row
#   5,950,001..6,300,000 0.75 % = 46,203.135 -> 46,203 (each line alone would fall in the 0 %
#   row: 2,707,618 and 3,452,800). net = 6,160,418 - 296,174 - 46,203 = 5,818,041.
# Shared by col 8 (2,603,479 : 3,320,000 of 5,923,479), largest remainder:
#   BPJS 4 %: 104,139.09 / 132,799.91 -> 104,139 / 132,800
#   BPJS 1 %:  26,034.88 /  33,200.12 ->  26,035 /  33,200
#   PPh 21:    20,307.08 /  25,895.92 ->  20,307 /  25,896
#   line 1: col 12 = 2,603,479 + 104,139 = 2,707,618; col 18 = 2,707,618 - 130,174 - 20,307
#           = 2,557,137
#   line 2: col 12 = 3,320,000 + 132,800 = 3,452,800; col 18 = 3,452,800 - 166,000 - 25,896
#           = 3,260,904;  2,557,137 + 3,260,904 = 5,818,041, the month.
# Sari (no transfer, no late day): 6,000,000; BPJS 240,000 / 60,000; col 12 6,240,000, TER 0.75 %
#   = 46,800; col 18 = 6,240,000 - 300,000 - 46,800 = 5,893,200.
expect_exit 0 "run January" -- "$TPP" --db w.db run --period 2025-01
expect_output "3 payroll lines: 1 employees transferred between OPDs" "run says there are more lines"
got=$(sqlite3 w.db "SELECT group_concat(line || ':' || unit_code || ':' || workdays || ':' ||
    besaran || ':' || discipline_cut || ':' || tpp || ':' || bpjs_employer || ':' || gross || ':' ||
    bpjs_employee || ':' || pph21 || ':' || net, ' ') FROM (SELECT * FROM result WHERE run_id = 1
    AND nip = '$E' ORDER BY line)")
want="1:1.01.01:10:2608696:5217:2603479:104139:2707618:26035:20307:2557137"
want="$want 2:2.02.02:15:3333333:13333:3320000:132800:3452800:33200:25896:3260904"
if [ "$got" = "$want" ]; then ok; else bad "transfer lines: $got"; fi
got=$(sqlite3 w.db "SELECT line || ':' || unit_code || ':' || tpp || ':' || pph21 || ':' || net
    FROM result WHERE run_id = 1 AND nip = '$P'")
if [ "$got" = "1:1.01.01:6000000:46800:5893200" ]; then ok; else bad "Sari January: $got"; fi
got=$(sqlite3 w.db "SELECT unit_name FROM result WHERE run_id = 1 AND nip = '$E' AND line = 2")
if [ "$got" = "RSUD Kota" ]; then ok; else bad "line 2 unit name from units: $got"; fi
got=$(sqlite3 w.db "SELECT total_net FROM run WHERE id = 1")
if [ "$got" = "11711241" ]; then ok; else bad "run total: $got"; fi

# Deferral, counted over the month: Andi's late minutes are 25 (7 Jan) in Dinas Pendidikan and
# 35 (20 Jan) in RSUD, each under 50, but 25 + 35 = 60 > 50 in the month: both lines deferred.
# Sari has no late minute in January: not deferred.
got=$(sqlite3 w.db "SELECT group_concat(nip || ':' || line || ':' || late_minutes || ':' || deferred,
    ' ') FROM (SELECT * FROM result WHERE run_id = 1 ORDER BY nip, line)")
if [ "$got" = "$E:1:25:1 $E:2:35:1 $P:1:0:0" ]; then ok; else bad "deferral of the month: $got"; fi
expect_exit 0 "explain line 1" -- "$TPP" --db w.db explain "$E" --period 2025-01
expect_output "Catatan: 60 menit pelanggaran melebihi batas: pembayaran ditunda oleh BKPSDM" "slip says deferred"
expect_output "discipline.defer +deferred +- +counted_minutes=60 over 50: payment to be deferred by BKPSDM \(the month's minutes, segment by segment: 2025-01-01..2025-01-14 25 \+ 2025-01-15..2025-01-31 35\)" "defer step names the month's minutes"

# The trace says why: each segment with its unit, schedule, days and pack, the month's payment
# steps, and this line's share.
expect_exit 0 "explain both lines" -- "$TPP" --db w.db explain "$E" --period 2025-01
expect_output "Baris +: 1 dari 2 \(mutasi antar-OPD" "slip of line 1"
expect_output "Baris +: 2 dari 2 \(mutasi antar-OPD" "slip of line 2"
expect_output "segment .*unit=2.02.02 schedule=6day from=2025-01-15 to=2025-01-31 pack=full-month-golden-illustrative .*reference=SK Mutasi 821/15" "segment step"
expect_output "besaran.prorate +3333333 +half_up +6000000 x 15 / 27 workdays" "6-day proration"
expect_output "month.payment.pph21 +46203 " "PPh on the month once"
expect_output "line.pph21 +25896 +largest_remainder +col 17 PPh 21: share of the month's 46203 by col 8 3320000 / 5923479" "line share"
expect_exit 0 "explain json" -- "$TPP" --db w.db explain "$E" --period 2025-01 --format json
n=$(grep -c '"line":' out)
[ "$n" = 2 ] && ok || bad "json: one object per line ($n)"

# Sealed, audited, replayed, proved per line; exported: each line on its OPD's sheet, one bank
# transfer per line (each OPD pays its own part).
expect_exit 0 "finalize" -- "$TPP" --db w.db finalize --period 2025-01
expect_exit 0 "audit" -- "$TPP" --db w.db audit verify
expect_exit 0 "replay" -- "$TPP" --db w.db replay --period 2025-01
expect_output "3 identical, 0 differ" "replay per line"
expect_exit 1 "proof needs --line" -- "$TPP" --db w.db proof "$E" --period 2025-01
expect_output "has 2 lines in the seal of 2025-01 .*--line" "proof asks for the line"
expect_exit 0 "proof of line 2" -- "$TPP" --db w.db proof "$E" --period 2025-01 --line 2
root=$(sqlite3 w.db "SELECT merkle_root FROM seal")
expect_exit 0 "verify proof" -- "$(dirname "$TPP")/tpp-verify-proof" \
    "tpp-proof-2025-01-$E-2.txt" --root "$root" --size 3
expect_output "line 2: a transfer between OPDs" "verifier names the line"
expect_exit 0 "export" -- "$TPP" --db w.db export --period 2025-01 --out x --no-sign
expect_exit 0 "verify export" -- "$TPP" verify x
s2=$(unzip -p x/tpp-2025-01.xlsx xl/worksheets/sheet2.xml)
s3=$(unzip -p x/tpp-2025-01.xlsx xl/worksheets/sheet3.xml)
case "$s2" in *2557137*5893200*) ok ;; *) bad "Dinas Pendidikan sheet: line 1 and Sari" ;; esac
case "$s3" in *3260904*) ok ;; *) bad "RSUD sheet: line 2" ;; esac
case "$s2" in *3260904*) bad "line 2 also on the Dinas Pendidikan sheet" ;; *) ok ;; esac
# The machine CSV's last column is the line: (NIP, line) is the row's key.
got=$(awk -F, -v e="$E" 'NR == 1 { print $NF } $1 == e { print $2 ":" $3 ":" $35 ":" $NF }' \
    x/tpp-2025-01.csv | tr '\n' ' ')
if [ "$got" = "line Andi Pratama:1.01.01:2557137:1 Andi Pratama:2.02.02:3260904:2 " ]; then ok
else bad "machine CSV line column: $got"; fi
n=$(grep -c "^[0-9].*,$E," x/bank-generic-2025-01.csv)
[ "$n" = 2 ] && ok || bad "bank: one transfer per line ($n)"

# ---- February: a pack version from the 17th --------------------------------------------
# 20 weekdays (3-7, 10-14, 17-21, 24-28); 10 under each pack.
# Segment 1 (v1, 1-16 Feb): 6,000,000 x 10 / 20 = 3,000,000; disiplin 1,200,000; 5 Feb 08:00 =
#   25 min TL1 0.5 % = 6,000; col 8 2,994,000.
# Segment 2 (v2, 17-28 Feb): 7,200,000 x 10 / 20 = 3,600,000; disiplin 1,440,000; 19 Feb 08:10 =
#   35 min TL2 1 % = 14,400; col 8 3,585,600.
# One line (one OPD): besaran 6,600,000, col 8 6,579,600; BPJS 4 % 263,184, 1 % 65,796;
#   col 12 6,842,784; TER A row 6,750,001..7,500,000 1.25 % = 85,534.8 -> 85,535;
#   col 18 = 6,842,784 - 328,980 - 85,535 = 6,428,269.
expect_exit 0 "run February" -- "$TPP" --db w.db run --period 2025-02
expect_output "then rule pack full-month-golden-v2-illustrative .*from 2025-02-17" "second pack named"
got=$(sqlite3 w.db "SELECT line || ':' || besaran || ':' || discipline_cut || ':' || tpp || ':' ||
    bpjs_employer || ':' || gross || ':' || pph21 || ':' || net FROM result WHERE run_id = 2 AND
    nip = '$P'")
if [ "$got" = "1:6600000:20400:6579600:263184:6842784:85535:6428269" ]; then ok
else bad "Sari February: $got"; fi
# One line, two segments under two packs: 25 + 35 = 60 late minutes > 50: deferred (neither
# segment alone is over the threshold).
got=$(sqlite3 w.db "SELECT late_minutes || ':' || deferred FROM result WHERE run_id = 2 AND nip = '$P'")
if [ "$got" = "60:1" ]; then ok; else bad "Sari February deferral: $got"; fi
got=$(sqlite3 w.db "SELECT COUNT(*) || ':' || MIN(unit_code) FROM result WHERE run_id = 2 AND
    nip = '$E'")
if [ "$got" = "1:2.02.02" ]; then ok; else bad "Andi in February: one line in RSUD ($got)"; fi
p1=$(sha256sum p1.yaml | cut -d' ' -f1)
p2=$(sha256sum p2.yaml | cut -d' ' -f1)
got=$(sqlite3 w.db "SELECT group_concat(pack_sha256 || '@' || from_date, ' ') FROM (SELECT * FROM
    run_pack WHERE run_id = 2 ORDER BY seq)")
if [ "$got" = "$p1@2025-02-01 $p2@2025-02-17" ]; then ok; else bad "run_pack: $got"; fi
expect_exit 0 "explain February" -- "$TPP" --db w.db explain "$P" --period 2025-02
expect_output "segment .*from=2025-02-17 to=2025-02-28 pack=full-month-golden-v2-illustrative sha256=$p2" "segment under v2"
expect_output "besaran.prorate +3600000 +half_up +7200000 x 10 / 20 workdays" "v2 besaran prorated"
# The slip's sections 1-5 cover both segments, each with its own pack, besaran and base: the
# late day of 19 February is 1 % of segment 2's disiplin 1,440,000 = 14,400.00 (not of the
# line's 1,200,000 + 1,440,000), and section 2 shows v2's 7,200,000 x 10 / 20 = 3,600,000.
expect_output "^SEGMEN 1 dari 2: 2025-02-01 s.d. 2025-02-16, unit 1.01.01, jadwal 5day, paket aturan full-month-golden-illustrative$" "slip: segment 1"
expect_output "^SEGMEN 2 dari 2: 2025-02-17 s.d. 2025-02-28, unit 1.01.01, jadwal 5day, paket aturan full-month-golden-v2-illustrative$" "slip: segment 2"
expect_output "^   Prorata hari kerja: Rp 3.600.000 \(7200000 x 10 / 20 workdays" "slip: segment 2 besaran"
expect_output "^      potongan 1 % x komponen Disiplin kerja Rp 1.440.000 = Rp 14.400,00$" "slip: day effect of segment 2's base"
expect_output "^      potongan 0,5 % x komponen Disiplin kerja Rp 1.200.000 = Rp 6.000,00$" "slip: day effect of segment 1's base"
expect_output "^Catatan \(sebulan, semua segmen\): 60 menit pelanggaran melebihi batas" "slip: the month's deferral"
expect_output "^   Rp 6.600.000 - Rp 20.400 - Rp 0 = Rp 6.579.600" "slip: the line's col 8"
n=$(grep -c '^1\. Hari kerja$' out)
[ "$n" = 2 ] && ok || bad "slip: section 1 once per segment ($n)"
expect_exit 0 "finalize February" -- "$TPP" --db w.db finalize --period 2025-02
expect_exit 0 "replay February (both packs)" -- "$TPP" --db w.db replay --period 2025-02
expect_output "2 identical, 0 differ" "replay under both packs"

# The seal covers both pack versions (seal header 2, `packs`: docs/canonical-trace.md §4): the
# digest over run 2's run_pack rows is the one sealed, and an edited or added row is caught.
packs=$(printf 'tpp-packs 1\n1 %s 2025-02-01 2025-02-16\n2 %s 2025-02-17 2025-02-28\n' "$p1" "$p2" |
    sha256sum | cut -d' ' -f1)
got=$(sqlite3 w.db "SELECT packs_sha256 FROM seal WHERE run_id = 2")
[ "$got" = "$packs" ] && ok || bad "sealed packs digest: $got, want $packs"
for sql in "UPDATE run_pack SET from_date = '2025-02-18' WHERE run_id = 2 AND seq = 2" \
    "DELETE FROM run_pack WHERE run_id = 2 AND seq = 2" \
    "INSERT INTO run_pack VALUES (2, 3, '$p1', '2025-02-28', '2025-02-28')" \
    "UPDATE rule_pack SET text = 'x' WHERE sha256 = '$p2'" \
    "DELETE FROM rule_pack WHERE sha256 = '$p2'"; do
    if sqlite3 w.db "$sql" 2>err; then bad "trigger let through: $sql"; else
        grep -q "sealed" err && ok || { bad "no trigger message for: $sql"; cat err >&2; }
    fi
done
cp w.db t.db
sqlite3 t.db "DROP TRIGGER run_pack_sealed_no_change;
    UPDATE run_pack SET from_date = '2025-02-18' WHERE run_id = 2 AND seq = 2" || bad "tamper"
expect_exit 1 "audit catches an edited run_pack row" -- "$TPP" --db t.db audit verify
expect_output "TAMPERED run_pack row 2: the pack versions of run 2 are not those sealed .*2 $(echo "$p2" | cut -c1-12)\.\.\. 2025-02-18\.\.2025-02-28" "run_pack named"
cp w.db t.db
sqlite3 t.db "DROP TRIGGER rule_pack_later_sealed_no_update;
    UPDATE rule_pack SET text = 'x' WHERE sha256 = '$p2'" || bad "tamper"
expect_exit 1 "audit catches an edited later pack" -- "$TPP" --db t.db audit verify
expect_output "TAMPERED rule_pack row [0-9]+: text does not match its sealed SHA-256 $(echo "$p2" | cut -c1-16)" "later pack named"

# The same January with one thread: byte-identical lines and traces.
expect_exit 0 "January, one thread" -- "$TPP" --db w.db run --period 2025-01 --threads 1
cols="nip, line, unit_code, unit_name, tpp, gross, pph21, net, trace"
one=$(sqlite3 w.db "SELECT $cols FROM result WHERE run_id = 1 ORDER BY nip, line" | sha256sum)
two=$(sqlite3 w.db "SELECT $cols FROM result WHERE run_id = (SELECT MAX(id) FROM run)
    ORDER BY nip, line" | sha256sum)
[ "$one" = "$two" ] && ok || bad "one thread gives other lines"

# ---- a transfer between a weekday and a shift schedule inside a month: refused -----------
# (README, "Transfers and pack changes inside a month": a shift segment has no month of shifts
# to prorate against.) Only that employee's line is in error; the others are computed.
"$TPP" --db s.db init --rules p1.yaml >/dev/null || bad "init s.db"
{
    head -1 emp.csv
    grep "^$E," emp.csv
    grep "^$P," emp.csv
} >emp-s.csv
printf 'nip,date,from_unit,to_unit,from_schedule,to_schedule,reference\n%s,2025-03-10,1.01.01,2.02.02,5day,shift,SK 821/31\n' \
    "$E" >trf-s.csv
for k in "units units.csv" "employees emp-s.csv" "transfers trf-s.csv"; do
    # shellcheck disable=SC2086
    "$TPP" --db s.db import $k >/dev/null || bad "import $k"
done
"$TPP" --db s.db run --period 2025-03 >out 2>&1
got=$(sqlite3 s.db "SELECT line || ':' || status || ':' || message FROM result WHERE nip = '$E'")
want="1:error:a transfer between a shift schedule and a weekday schedule in one month is not supported (segment from 2025-03-10)"
if [ "$got" = "$want" ]; then ok; else bad "weekday to shift: $got"; fi
got=$(sqlite3 s.db "SELECT status FROM result WHERE nip = '$P'")
[ "$got" = ok ] && ok || bad "the other employee is computed: $got"

# ---- a band table in cumulative mode over a split month ---------------------------------
# The same January under a pack whose late table is "kumulatif 1 bulan" (the month's minutes
# looked up once): Andi's 25 + 35 = 60 minutes fall in TL2 (31-60) for the month, so each line
# takes 1 % of its own disiplin, not TL1 for the 25 minutes of line 1:
#   line 1: 1 % x 1,043,478 = 10,434.78 -> 10,435; col 8 = 2,608,696 - 10,435 = 2,598,261
#   line 2: 1 % x 1,333,333 = 13,333.33 -> 13,333; col 8 = 3,333,333 - 13,333 = 3,320,000
sed 's/^  late:$/  late:\n    minutes: cumulative/' p1.yaml >p1c.yaml
"$TPP" --db c.db init --rules p1c.yaml >/dev/null || bad "init c.db"
for k in "units units.csv" "employees emp.csv" "transfers trf.csv" "attendance att.csv" \
    "performance perf.csv"; do
    # shellcheck disable=SC2086
    "$TPP" --db c.db import $k >/dev/null || bad "import $k into c.db"
done
expect_exit 0 "January, cumulative late table" -- "$TPP" --db c.db run --period 2025-01
got=$(sqlite3 c.db "SELECT group_concat(line || ':' || late_minutes || ':' || discipline_cut ||
    ':' || tpp, ' ') FROM (SELECT * FROM result WHERE nip = '$E' ORDER BY line)")
if [ "$got" = "1:25:10435:2598261 2:35:13333:3320000" ]; then ok
else bad "cumulative band over the month: $got"; fi
expect_exit 0 "explain, cumulative" -- "$TPP" --db c.db explain "$E" --period 2025-01 --lang en
expect_output "discipline.late_month +TL2 .*minutes_in_month=60 band=TL2 cut=1%" "the month's minutes"

# ---- bad transfer files: every error, file:line:col, nothing stored ----------------------
{
    echo "nip,date,from_unit,to_unit,to_schedule"
    echo "$P,2025-03-32,1.01.01,2.02.02,"
    echo "$P,2025-03-10,1.01.01,9.99.99,"
    echo "$P,2025-03-11,1.01.01,1.01.01,"
    echo "$P,2025-03-12,1.01.01,2.02.02,7day"
    echo "$E,2025-01-15,2.02.02,1.01.01,"
} >bad-trf.csv
before=$(sqlite3 w.db "SELECT COUNT(*) FROM transfer")
expect_exit 1 "bad transfers refused" -- "$TPP" --db w.db import transfers bad-trf.csv
expect_output "bad-trf.csv:2:[0-9]+: error: .*2025-03-32" "bad date"
expect_output "bad-trf.csv:3:39: error: unknown unit '9.99.99' in column 'to_unit'" "unknown unit"
expect_output "bad-trf.csv:4:39: error: to_unit '1.01.01' is the same as from_unit" "not a transfer"
expect_output "bad-trf.csv:5:47: error: invalid schedule '7day' in column 'to_schedule'" "bad schedule"
expect_output "bad-trf.csv:6:20: error: second transfer of NIP $E on 2025-01-15" "same day twice"
after=$(sqlite3 w.db "SELECT COUNT(*) FROM transfer")
[ "$before" = "$after" ] && ok || bad "a refused file stored rows"
expect_exit 0 "import --help names transfers" -- "$TPP" import --help
expect_output "transfers: nip, date, from_unit, to_unit" "help"
finish
