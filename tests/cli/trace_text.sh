# The stored compact traces of the golden month and the sample region, printed by `tpp trace`,
# are the text traces the text-trace evaluator stored (main 4d15976; main a524fc0 stores the same),
# employee by employee:
# tests/data/trace-text/*.sha256 hold the SHA-256 of each.
. "$(dirname "$0")/common.shlib"
DATA="$TPP_SOURCE_DIR/tests/data/trace-text"

for fx in golden-2025-01 sample-region-2025-01; do
    db=$fx.db
    expect_exit 0 "$fx init" -- "$TPP" --db $db init --rules "$PACK"
    for kind in employees holidays attendance absences events performance; do
        "$TPP" --db $db import $kind "$TPP_SOURCE_DIR/fixtures/$fx/$kind.csv" >/dev/null
    done
    expect_exit 0 "$fx run" -- "$TPP" --db $db run --period 2025-01 --threads 2
    "$TPP" --db $db trace --period 2025-01 >$fx.txt || bad "$fx: tpp trace failed"
    # one file per employee: the lines after '# NIP' without the empty line that ends them
    rm -rf split && mkdir split
    awk '/^# / { f = "split/" substr($0, 3); next } /^$/ { next } { print > f }' $fx.txt
    n=0
    while read -r sha nip; do
        case $sha in '#'*) continue ;; esac
        n=$((n + 1))
        got=$(sha256sum "split/$nip" 2>/dev/null | cut -d' ' -f1)
        if [ "$got" = "$sha" ]; then ok; else bad "$fx: trace of $nip differs"; cat "split/$nip" >&2; fi
    done <"$DATA/$fx.sha256"
    [ "$n" -eq "$(ls split | wc -l)" ] && ok || bad "$fx: $n expected traces, $(ls split | wc -l) printed"
done

# ---- The steps added with transfers, mid-month pack versions, unit time zones and zakat from
# data (main 3c823e3): the inputs of tests/cli/split_month.sh (Andi moves to RSUD on 15 January;
# a pack version from 17 February), and in February Andi moves back on the 10th, asks for zakat
# and has a sanction (line.* shares, month.* steps, a line whose month steps are of another pack
# than its own segment); the golden month with the unit's zone known and zakat asked for under a
# pack without a zakat rate; the same months with a deferral threshold (main 9ea871b: decided
# over the month in engine/segment.c). tests/data/trace-text/segments.sha256: the SHA-256 of each
# line's text trace as main a524fc0 (the last text-trace main) stored it.
# --- segments-setup begin
segments_workspaces() {
    FULL="$TPP_SOURCE_DIR/tests/rules/full-month.yaml"
    E=198001012005011001
    P=198202022006022002
    awk '{ print }
         /^      fri: 07:30-16:30$/ && !done {
             print "    6day:"
             print "      mon: 07:30-14:30\n      tue: 07:30-14:30\n      wed: 07:30-14:30"
             print "      thu: 07:30-14:30\n      fri: 07:30-14:30\n      sat: 07:30-12:30"
             done = 1 }' "$FULL" >p1.yaml
    sed 's/^  id: full-month-golden-illustrative/  id: full-month-golden-v2-illustrative/;
         s/^  valid_from: 2024-01-01/  valid_from: 2025-02-17/;
         s/10: 6000000,/10: 7200000,/' p1.yaml >p2.yaml
    "$TPP" --db seg.db init --rules p1.yaml >/dev/null || return 1
    "$TPP" --db seg.db rules add p2.yaml >/dev/null || return 1
    printf 'unit_code,unit_name,timezone\n1.01.01,Dinas Pendidikan,WITA\n2.02.02,RSUD Kota,WITA\n' \
        >units.csv
    {
        head -1 "$GOLDEN/employees.csv"
        echo "$E,Andi Pratama,PNS,1.01.01,Dinas Pendidikan,Analis,10,III/c,5day,100,TK/0,,Bank Kaltimtara,1200000000,4000000,0,0,,"
        echo "$P,Sari Dewi,PNS,1.01.01,Dinas Pendidikan,Analis,10,III/c,5day,101,TK/0,,Bank Kaltimtara,1200000001,4000000,0,0,,"
    } >emp.csv
    {
        echo "nip,date,from_unit,to_unit,from_schedule,to_schedule,reference"
        echo "$E,2025-01-15,1.01.01,2.02.02,5day,6day,SK Mutasi 821/15"
        echo "$E,2025-02-10,2.02.02,1.01.01,6day,5day,SK Mutasi 821/40"
    } >trf.csv
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
    printf 'nip,start_period,deduct,reference\n%s,2025-02,yes,BAZNAS 1\n' "$E" >zak.csv
    printf 'nip,level,start_period,months\n%s,hukdis_sedang_6,2025-02,6\n' "$E" >san.csv
    for k in "units units.csv" "employees emp.csv" "transfers trf.csv" "attendance att.csv" \
        "performance perf.csv" "zakat zak.csv" "sanctions san.csv"; do
        # shellcheck disable=SC2086
        "$TPP" --db seg.db import $k >/dev/null 2>&1 || return 1
    done
    "$TPP" --db seg.db run --period 2025-01 >/dev/null || return 1
    "$TPP" --db seg.db run --period 2025-02 >/dev/null || return 1

    # The same inputs under the same two packs with a deferral threshold of 50 minutes a month
    # (as tests/cli/split_month.sh: Andi's 25 + 35 late minutes in January over his two lines and
    # Sari's 25 + 35 in February over two segments of two packs are deferred by the month's
    # discipline.defer step of engine/segment.c, though no segment alone is over 50) and of 30
    # (the 35-minute segments alone are over it: still only the month's step, none of a segment).
    for over in 50 30; do
        for v in 1 2; do
            awk -v over=$over '{ print }
                 /^discipline:$/ {
                     print "  defer: { minutes_over: " over ", cite: \"Uji: lebih dari " over \
                           " menit sebulan, TPP ditunda\" }" }' p$v.yaml >d$over-$v.yaml
        done
        db=defer$over.db
        "$TPP" --db $db init --rules d$over-1.yaml >/dev/null || return 1
        "$TPP" --db $db rules add d$over-2.yaml >/dev/null || return 1
        for k in "units units.csv" "employees emp.csv" "transfers trf.csv" "attendance att.csv" \
            "performance perf.csv" "zakat zak.csv" "sanctions san.csv"; do
            # shellcheck disable=SC2086
            "$TPP" --db $db import $k >/dev/null 2>&1 || return 1
        done
        "$TPP" --db $db run --period 2025-01 >/dev/null || return 1
        "$TPP" --db $db run --period 2025-02 >/dev/null || return 1
    done

    golden_workspace zone.db || return 1
    printf 'unit_code,unit_name,timezone\n1.01.01,Dinas Pendidikan,WITA\n' >units1.csv
    printf 'nip,start_period,deduct,reference\n198002022005022002,2025-01,yes,BAZNAS 3\n' >zak1.csv
    "$TPP" --db zone.db import units units1.csv >/dev/null 2>&1 || return 1
    "$TPP" --db zone.db import zakat zak1.csv >/dev/null 2>&1 || return 1
    "$TPP" --db zone.db run --period 2025-01 >/dev/null || return 1
}
# --- segments-setup end
if segments_workspaces; then ok; else bad "the segments workspaces"; fi
for wp in seg.db:2025-01 seg.db:2025-02 defer50.db:2025-01 defer50.db:2025-02 defer30.db:2025-01 \
    defer30.db:2025-02 zone.db:2025-01; do
    db=${wp%%:*} period=${wp#*:}
    "$TPP" --db $db trace --period $period >t.txt || bad "$wp: tpp trace failed"
    rm -rf split && mkdir split
    # one file per line: '# NIP' or '# NIP line N' names it
    awk '/^# / { f = "split/" substr($0, 3); gsub(/ /, "_", f); next } /^$/ { next } { print > f }' t.txt
    n=0
    while read -r sha label; do
        case $sha in '#'*) continue ;; esac
        case $label in "$db:$period:"*) ;; *) continue ;; esac
        n=$((n + 1))
        got=$(sha256sum "split/${label#"$db:$period:"}" 2>/dev/null | cut -d' ' -f1)
        if [ "$got" = "$sha" ]; then ok; else bad "$label: trace differs"; cat "split/${label#"$db:$period:"}" >&2; fi
    done <"$DATA/segments.sha256"
    [ "$n" -gt 0 ] && [ "$n" -eq "$(ls split | wc -l)" ] && ok || bad "$wp: $n expected traces, $(ls split | wc -l) printed"
done
# the steps this part is about are there
"$TPP" --db seg.db trace --period 2025-02 >t.txt
for s in segment line.amount month.lines month.payment.zakat month.sanction.total line.zakat line.pot_hukdis; do
    if grep -q "^$s	" t.txt; then ok; else bad "no step $s"; fi
done
"$TPP" --db zone.db trace --period 2025-01 198002022005022002 >t.txt
grep -q "zone=WITA class=present" t.txt && ok || bad "no zone on the workdays"
grep -q "sets no zakat rate" t.txt && ok || bad "no zakat without a rate"
# deferral decided over the month: one step per line with the month's minutes, none of a segment
"$TPP" --db defer50.db trace --period 2025-02 $P >t.txt
grep -q "^discipline.defer	deferred	.*counted_minutes=60 over 50: .*segment by segment: 2025-02-01..2025-02-16 25 + 2025-02-17..2025-02-28 35)$" t.txt &&
    ok || bad "no month deferral under two packs"
"$TPP" --db defer30.db trace --period 2025-01 >t.txt
[ "$(grep -c "^discipline.defer	" t.txt)" = 2 ] && ! grep -q "counted_minutes=35 " t.txt && ok ||
    bad "a segment's own deferral step, or not one per line"

# One employee, and a NIP that is not in the run.
expect_exit 0 "trace of one NIP" -- "$TPP" --db golden-2025-01.db trace --period 2025-01 198002022005022002
expect_output "^day.2025-01-07	present_cut	-	Perwali Samarinda 31/2022 Pasal 13" "the TL1 day"
expect_exit 1 "unknown NIP" -- "$TPP" --db golden-2025-01.db trace --period 2025-01 199901012020011999
expect_exit 2 "no period" -- "$TPP" --db golden-2025-01.db trace
finish
