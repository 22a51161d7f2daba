# The reason slip of the golden employee E02 (late 30 and 31 minutes) in the sealed golden month
# matches the checked-in expected text, in Indonesian (the default), English and JSON. The
# amounts in it are the hand-checked ones of fixtures/golden-2025-01/expected.csv.
. "$(dirname "$0")/common.shlib"
E02=198002022005022002
EXP="$TPP_SOURCE_DIR/tests/golden"

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "finalize" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete "uji"

for variant in "id|" "en|--lang en" "json|--format json"; do
    name=${variant%%|*} args=${variant#*|}
    file="$EXP/explain-$E02.$name"
    [ "$name" = json ] || file="$file.txt"
    # shellcheck disable=SC2086
    expect_exit 0 "explain $name" -- "$TPP" --db g.db explain $E02 --period 2025-01 $args
    if cmp -s out "$file"; then ok; else bad "explain $name differs from $file"; diff "$file" out >&2; fi
done

# Indonesian is the default and reads as a slip: the day, band, percentage, base, rupiah effect,
# the article, and the payment side.
"$TPP" --db g.db explain $E02 --period 2025-01 >out 2>&1
expect_output "^SLIP RINCIAN TPP Januari 2025" "slip title"
expect_output "Sel 07-01-2025 +Terlambat masuk 30 menit \(TL1\)" "day and band"
expect_output "potongan 2,5 % x besaran TPP Rp 4.355.208 = Rp 108.880,20" "percentage, base, effect"
expect_output "dasar: Perwali Samarinda 31/2022 Pasal 13" "article cited"
expect_output "= Diterima +Rp 4.074.515" "net paid"
expect_exit 2 "bad --lang" -- "$TPP" --db g.db explain $E02 --period 2025-01 --lang fr
expect_exit 2 "bad --format" -- "$TPP" --db g.db explain $E02 --period 2025-01 --format xml
expect_exit 1 "unknown NIP" -- "$TPP" --db g.db explain 199901012020011999 --period 2025-01
finish
