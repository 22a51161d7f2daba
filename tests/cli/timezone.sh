# Per-unit time zones: a unit's zone (tpp import units) decides how machine timestamps on another
# clock (--timezone UTC, or a timestamp carrying "Z" or "+08:00") become the unit's local time.
# The same UTC scan is on time in a WIB unit and late in a WITA unit; every workday's trace line
# names the zone. A clock for a unit without a zone, a bad offset and a zone changed under stored
# scans are errors with file:line:col, and change nothing.
. "$(dirname "$0")/common.shlib"
LAGGED="$TPP_SOURCE_DIR/tests/rules/lagged.yaml"
A=198001012005011001 # unit BARAT, WIB (UTC+7)
B=198002022005022002 # unit TIMUR, WITA (UTC+8)

"$TPP" --db w.db init --rules "$LAGGED" >/dev/null || bad "init"
printf 'unit_code,unit_name,timezone\nBARAT,Dinas Barat,WIB\nTIMUR,Dinas Timur,WITA\n' >units.csv
{
    head -1 "$GOLDEN/employees.csv"
    echo "$A,Andi Pratama,PNS,BARAT,Dinas Barat,Analis,9,III/b,5day,100,K/1,,,,4000000,0,0,,"
    echo "$B,Budi Santoso,PNS,TIMUR,Dinas Timur,Analis,9,III/b,5day,101,K/1,,,,4000000,0,0,,"
} >emp.csv
# Local scans (the units' own devices, no zone: taken as each unit's local time) on every
# weekday of January 2025, but no check-in on 6 and 8 January: those come from the central
# server below, in UTC.
{
    echo "nip,timestamp,direction,device"
    for d in 01 02 03 06 07 08 09 10 13 14 15 16 17 20 21 22 23 24 27 28 29 30 31; do
        for n in $A $B; do
            [ "$d" = 06 ] || [ "$d" = 08 ] || echo "$n,2025-01-$d 07:25:00,in,FP"
            [ "$d" = 06 ] || echo "$n,2025-01-$d 16:40:00,out,FP"
        done
    done
} >local.csv
# 6 January, UTC (--timezone UTC): in 00:20 = 07:20 WIB (on time) = 08:20 WITA; out 09:05 =
#   16:05 WIB = 17:05 WITA.
printf 'nip,timestamp,direction\n%s,2025-01-06 00:20:00,in\n%s,2025-01-06 00:20:00,in\n%s,2025-01-06 09:05:00,out\n%s,2025-01-06 09:05:00,out\n' \
    "$A" "$B" "$A" "$B" >utc.csv
# 8 January, check-in stamped with its own clock: 23:50 UTC on the 7th is 06:50 WIB and 07:50
#   WITA on the 8th (the day changes in both units).
printf 'nip,timestamp,direction\n%s,2025-01-07T23:50:00Z,in\n%s,2025-01-07 23:50:00 UTC,in\n' \
    "$A" "$B" >stamped.csv
printf 'nip,period,predicate\n%s,2024-12,baik\n%s,2024-12,baik\n' "$A" "$B" >perf.csv
for kind in units:units employees:emp attendance:local performance:perf; do
    "$TPP" --db w.db import "${kind%%:*}" "${kind##*:}.csv" >/dev/null || bad "import $kind"
done

# A scan with a clock for a unit whose zone is not known is an error (here: a workspace without
# units); so is an offset that is not one.
"$TPP" --db nz.db init --rules "$LAGGED" >/dev/null || bad "init nz"
"$TPP" --db nz.db import employees emp.csv >/dev/null || bad "employees nz"
expect_exit 1 "clock without unit zone" -- "$TPP" --db nz.db import attendance utc.csv --timezone UTC
expect_output "utc.csv:2:20: error: the unit of NIP '$A' has no timezone" "no zone named"
n=$(sqlite3 nz.db "SELECT COUNT(*) FROM attendance_month")
if [ "$n" = "0" ]; then ok; else bad "refused file stored $n rows"; fi
printf 'nip,timestamp\n%s,2025-01-06 07:20:00+25:00\n%s,2025-01-06 07:20:00 PST\n' "$A" "$B" >badoff.csv
expect_exit 1 "bad offset" -- "$TPP" --db w.db import attendance badoff.csv
expect_output "badoff.csv:2:20: error: invalid timestamp '2025-01-06 07:20:00\+25:00'" "offset out of range"
expect_output "badoff.csv:3:20: error: invalid timestamp '2025-01-06 07:20:00 PST'" "unknown zone"
expect_exit 2 "bad --timezone" -- "$TPP" --db w.db import attendance utc.csv --timezone CET

expect_exit 0 "UTC file" -- "$TPP" --db w.db import attendance utc.csv --timezone UTC
expect_exit 0 "stamped file" -- "$TPP" --db w.db import attendance stamped.csv
expect_exit 0 "run" -- "$TPP" --db w.db run --period 2025-01
# Class 9: besaran 5,000,000 = disiplin 2,000,000 + kinerja 3,000,000 (baik: paid whole).
#   A (WIB): 6 Jan in 07:20, 8 Jan in 06:50: on time -> col 8 5,000,000; BPJS room 8,000,000:
#     200,000 and 50,000; col 12 5,200,000; col 18 5,200,000 - 250,000 = 4,950,000.
#   B (WITA): 6 Jan in 08:20: 50 - 5 grace = 45 minutes (TL2 1 %); 8 Jan in 07:50: 20 - 5 =
#     15 minutes (TL1 0.5 %): 1.5 % of 2,000,000 = 30,000 -> col 8 4,970,000; 198,800 and
#     49,700; col 12 5,168,800; col 18 5,168,800 - 248,500 = 4,920,300.
expect_exit 0 "export" -- "$TPP" --db w.db export --period 2025-01 --format csv --out files
cat >expected <<CSV
nip,late_minutes,discipline_cut,tpp,gross,net
$A,0,0,5000000,5200000,4950000
$B,60,30000,4970000,5168800,4920300
CSV
awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) want[i] = $i; n = NF; next }
         FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
         { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(col[want[i]]);
           print line }' expected files/tpp-2025-01.csv >got.unsorted
{ head -1 got.unsorted; tail -n +2 got.unsorted | sort; } >got
if cmp -s expected got; then ok; else bad "amounts differ"; diff expected got >&2; fi

expect_exit 0 "explain A" -- "$TPP" --db w.db explain "$A" --period 2025-01 --lang en
expect_output "day.2025-01-06 +present .*zone=WIB class=present in=07:20 out=16:05 late=0" "A on time in WIB"
expect_output "day.2025-01-08 +present .*zone=WIB class=present in=06:50 out=16:40 late=0" "A day crossing"
expect_exit 0 "explain B" -- "$TPP" --db w.db explain "$B" --period 2025-01 --lang en
expect_output "day.2025-01-06 +present_cut .*zone=WITA class=present in=08:20 out=17:05 late=45 band=TL2" "B late in WITA"
expect_output "day.2025-01-08 +present_cut .*zone=WITA class=present in=07:50 out=16:40 late=15 band=TL1" "B day crossing"

# The zone of a unit whose scans are stored in its local time cannot change.
printf 'unit_code,unit_name,timezone\nBARAT,Dinas Barat,WIB\nTIMUR,Dinas Timur,WIB\n' >units2.csv
expect_exit 1 "zone change under scans" -- "$TPP" --db w.db import units units2.csv
expect_output "units2.csv:3:19: error: timezone of unit 'TIMUR' cannot change under stored scans: they are in its WITA time, and would be read as WIB" "zone change refused"
z=$(sqlite3 w.db "SELECT timezone FROM unit WHERE code = 'TIMUR'")
if [ "$z" = "WITA" ]; then ok; else bad "TIMUR is now $z"; fi

# Replay re-imports the files in order with their options (--timezone UTC): identical.
expect_exit 0 "finalize" -- "$TPP" --db w.db finalize --period 2025-01
expect_exit 0 "replay" -- "$TPP" --db w.db replay --period 2025-01
expect_output "IDENTICAL" "replay with converted scans"
finish
