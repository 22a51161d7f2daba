# The golden month: 20 hand-checked employees (fixtures/golden-2025-01/expected.csv holds the
# arithmetic). Runs init, import, run and export through the CLI, then compares the money columns.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "golden run" -- "$TPP" --db g.db run --period 2025-01
expect_output "20 employees" "golden run summary"
expect_exit 0 "golden export" -- "$TPP" --db g.db export --period 2025-01 --format csv --out out-g

# Project the exported CSV on the expected columns (by header name), sorted by NIP.
grep -v '^#' "$GOLDEN/expected.csv" | head -1 >expected
grep -v '^#' "$GOLDEN/expected.csv" | tail -n +2 | sort >>expected
awk -F, 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) want[i] = $i; n = NF; next }
         FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print_row = 1 }
         { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") $(col[want[i]]);
           print line }' expected out-g/tpp-2025-01.csv >got.unsorted
head -1 got.unsorted >got
tail -n +2 got.unsorted | sort >>got
if cmp -s expected got; then ok; else bad "golden amounts differ"; diff expected got >&2; fi

# Totals reconcile: the sum of net in the CSV equals the run's stored total.
sum=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "net") c = i; next } { s += $c }
               END { printf "%d", s }' out-g/tpp-2025-01.csv)
exp=$(grep -v '^#' "$GOLDEN/expected.csv" | awk -F, 'NR > 1 { s += $9 } END { printf "%d", s }')
if [ "$sum" = "$exp" ]; then ok; else bad "net total $sum, expected $exp"; fi

# Every step of the trace cites its article: explain shows the Pasal 13 band for E02.
expect_exit 0 "explain" -- "$TPP" --db g.db explain 198002022005022002 --period 2025-01
expect_output "band=TL1" "explain shows the late band"
expect_output "Pasal 13" "explain cites the article"
finish
