# Determinism: the same month with 1 and 2 threads, and with the heap in huge pages or not, gives
# byte-identical CSV and XLSX, and two exports of one run are identical.
. "$(dirname "$0")/common.shlib"

# month_export DB THREADS OUT [NAME=VALUE ...]: the generated month imported into a new
# workspace DB, run with THREADS threads and exported to OUT, every command with the environment
# NAME=VALUE added.
month_export() {
    db=$1; t=$2; out=$3; shift 3
    expect_exit 0 "init $db" -- env "$@" "$TPP" --db $db init --rules "$PACK"
    for kind in employees holidays attendance absences events performance; do
        expect_exit 0 "import $kind into $db" -- env "$@" "$TPP" --db $db import $kind in/$kind.csv
    done
    expect_exit 0 "run $db with $t threads" -- env "$@" "$TPP" --db $db run --period 2025-01 --threads $t
    expect_exit 0 "export $db" -- env "$@" "$TPP" --db $db export --period 2025-01 --out $out
}

expect_exit 0 "gen" -- "$TPP" gen --employees 300 --period 2025-01 --seed 7 --out in
for t in 1 2; do
    month_export t$t.db $t out$t
done
if cmp -s out1/tpp-2025-01.csv out2/tpp-2025-01.csv; then ok; else bad "CSV differs by thread count"; fi
if cmp -s out1/tpp-2025-01.xlsx out2/tpp-2025-01.xlsx; then ok; else bad "XLSX differs by thread count"; fi
expect_exit 0 "export again" -- "$TPP" --db t1.db export --period 2025-01 --out again
if cmp -s out1/tpp-2025-01.xlsx again/tpp-2025-01.xlsx; then ok; else bad "XLSX differs between exports"; fi
# With the heap in 4 KiB pages (huge pages off: cli/hugepages.c) and with another glibc tunable
# set (tpp appends its own to it): the same bytes.
for tun in glibc.malloc.hugetlb=0 glibc.malloc.arena_max=2; do
    month_export h-$tun.db 2 h-$tun GLIBC_TUNABLES=$tun
    if cmp -s out2/tpp-2025-01.xlsx h-$tun/tpp-2025-01.xlsx && cmp -s out2/tpp-2025-01.csv h-$tun/tpp-2025-01.csv
    then ok; else bad "export differs with GLIBC_TUNABLES=$tun"; fi
done
# The golden month, too.
expect_exit 0 "golden 1" -- golden_workspace g1.db
expect_exit 0 "golden 2" -- golden_workspace g2.db
"$TPP" --db g1.db run --period 2025-01 --threads 1 >/dev/null
"$TPP" --db g2.db run --period 2025-01 --threads 2 >/dev/null
"$TPP" --db g1.db export --period 2025-01 --out g1 >/dev/null
"$TPP" --db g2.db export --period 2025-01 --out g2 >/dev/null
if cmp -s g1/tpp-2025-01.csv g2/tpp-2025-01.csv; then ok; else bad "golden CSV differs by thread count"; fi
finish
