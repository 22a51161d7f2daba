# The stored compact traces of the golden month and the sample region, printed by `tpp trace`,
# are the text traces the text-trace evaluator stored (main 4d15976), employee by employee:
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

# One employee, and a NIP that is not in the run.
expect_exit 0 "trace of one NIP" -- "$TPP" --db golden-2025-01.db trace --period 2025-01 198002022005022002
expect_output "^day.2025-01-07	present_cut	-	Perwali Samarinda 31/2022 Pasal 13" "the TL1 day"
expect_exit 1 "unknown NIP" -- "$TPP" --db golden-2025-01.db trace --period 2025-01 199901012020011999
expect_exit 2 "no period" -- "$TPP" --db golden-2025-01.db trace
finish
