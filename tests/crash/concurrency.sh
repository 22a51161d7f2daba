#!/bin/bash
# Two tpp processes on one workspace (SPEC §8): the second waits for the first (busy timeout,
# 10 s) or fails with a clear message, never a corrupt or inconsistent state.
#   1. run + import at once, with random staggers: both succeed, and the run is consistent with
#      the inputs it records (its results are those of the month with the attendance file if
#      run_input lists it, without it otherwise).
#   2. two runs at once: two complete runs with the same totals.
#   3. export + run at once: the export is byte for byte the export of one complete run.
#   4. a writer holding the workspace for 2 s: an import waits and succeeds; for longer than the
#      timeout: the import fails with exit 4 and "busy", and the workspace is unchanged.
#   5. finalize + export at once, with random staggers: the run is sealed once, `tpp audit
#      verify` passes, and the export directory is byte for byte the export of the draft run or
#      that of the sealed run (its manifest says which), and `tpp verify` passes on it.
# Env: TPP, TPP_SOURCE_DIR, TPP_TEST_TMP (as tests/cli/*.sh), TPP_CONC_TRIALS (default 8).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TPP_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${TPP:=$TPP_SOURCE_DIR/build/asan/tpp}"
: "${TPP_TEST_TMP:=$(mktemp -d)}"
TRIALS=${TPP_CONC_TRIALS:-8}
PACK="$TPP_SOURCE_DIR/rules/packs/samarinda-2022-illustrative.yaml"
case $TPP in /*) ;; *) TPP="$PWD/$TPP" ;; esac
rm -rf "$TPP_TEST_TMP" && mkdir -p "$TPP_TEST_TMP" && cd "$TPP_TEST_TMP" || exit 1
RANDOM=${TPP_CONC_SEED:-1}
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
q() { sqlite3 -batch "$1" "$2"; }
quiet() { "$@" >/dev/null 2>&1; }
msleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
integrity() {
    local ic
    ic=$(q "$1" "PRAGMA integrity_check" 2>&1)
    if [ "$ic" = ok ]; then ok; else bad "$2: integrity_check: $ic"; fi
}
# expect_ok_or_busy WHAT RC LOG: success, or exit 4 with the busy message.
expect_ok_or_busy() {
    if [ "$2" -eq 0 ]; then ok
    elif [ "$2" -eq 4 ] && grep -q "busy" "$3"; then ok; echo "  ($1 gave up: busy)"
    else bad "$1: exit $2"; cat "$3" >&2; fi
}

quiet "$TPP" gen --employees 300 --period 2025-01 --seed 5 --out in || exit 1
N=$(($(wc -l <in/employees.csv) - 1))
quiet "$TPP" --db base.db init --rules "$PACK" || exit 1
for k in employees holidays absences events performance; do
    quiet "$TPP" --db base.db import $k in/$k.csv || exit 1
done
ATT_SHA=$(sha256sum in/attendance.csv | cut -c1-64)
cp base.db r0.db && quiet "$TPP" --db r0.db run --period 2025-01 || exit 1
cp base.db r1.db && quiet "$TPP" --db r1.db import attendance in/attendance.csv &&
    quiet "$TPP" --db r1.db run --period 2025-01 || exit 1
NET0=$(q r0.db "SELECT total_net FROM run")
NET1=$(q r1.db "SELECT total_net FROM run")
[ "$NET0" != "$NET1" ] || { echo "attendance does not change the month"; exit 1; }
t0=$(date +%s%N)
quiet "$TPP" --db r0.db run --period 2025-01
RUN_MS=$((($(date +%s%N) - t0) / 1000000 + 1))

# 1. run + import
for i in $(seq "$TRIALS"); do
    rm -f ws.db*
    cp base.db ws.db
    stagger=$((RANDOM % (RUN_MS + 1)))
    if [ $((i % 2)) -eq 0 ]; then first="run"; else first="import"; fi
    if [ $first = run ]; then
        "$TPP" --db ws.db run --period 2025-01 >run.log 2>&1 &
        p1=$!
        msleep $stagger
        "$TPP" --db ws.db import attendance in/attendance.csv >imp.log 2>&1 &
        p2=$!
    else
        "$TPP" --db ws.db import attendance in/attendance.csv >imp.log 2>&1 &
        p2=$!
        msleep $stagger
        "$TPP" --db ws.db run --period 2025-01 >run.log 2>&1 &
        p1=$!
    fi
    wait $p1
    rc1=$?
    wait $p2
    rc2=$?
    expect_ok_or_busy "run beside an import" $rc1 run.log
    expect_ok_or_busy "import beside a run" $rc2 imp.log
    integrity ws.db "run + import"
    [ $rc1 -eq 0 ] || continue
    listed=$(q ws.db "SELECT count(*) FROM run_input WHERE run_id = 1 AND sha256 = '$ATT_SHA'")
    net=$(q ws.db "SELECT total_net FROM run WHERE id = 1")
    results=$(q ws.db "SELECT count(*) FROM result WHERE run_id = 1")
    if [ "$results" = "$N" ]; then ok; else bad "run + import: $results results"; fi
    if { [ "$listed" = 1 ] && [ "$net" = "$NET1" ]; } || { [ "$listed" = 0 ] && [ "$net" = "$NET0" ]; }; then
        ok
    else
        bad "run + import (stagger $stagger ms, $first first): the run lists the attendance file" \
            "$listed time(s) but its total is $net (without: $NET0, with: $NET1)"
    fi
done

# 2. two runs
cp r1.db two.db
"$TPP" --db two.db run --period 2025-01 --threads 2 >a.log 2>&1 &
pa=$!
"$TPP" --db two.db run --period 2025-01 --threads 1 >b.log 2>&1 &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
expect_ok_or_busy "first of two runs" $ra a.log
expect_ok_or_busy "second of two runs" $rb b.log
integrity two.db "two runs"
want=$((1 + (ra == 0) + (rb == 0)))
got=$(q two.db "SELECT count(*) FROM run WHERE total_net = $NET1 AND n_employees = $N AND
                (SELECT count(*) FROM result WHERE run_id = run.id) = $N")
if [ "$got" = "$want" ]; then ok; else bad "two runs: $got complete runs, expected $want"; fi

# 3. export + run: the export is one whole run's export
cp r1.db ex.db
"$TPP" --db ex.db run --period 2025-01 >r.log 2>&1 &
pr=$!
"$TPP" --db ex.db export --period 2025-01 --out ex >e.log 2>&1
re=$?
wait $pr
rr=$?
expect_ok_or_busy "run beside an export" $rr r.log
if [ $re -eq 0 ]; then ok; else bad "export beside a run: exit $re"; cat e.log >&2; fi
integrity ex.db "export + run"
match=0
for id in $(q ex.db "SELECT id FROM run"); do
    quiet "$TPP" --db ex.db export --period 2025-01 --run "$id" --out "ref$id"
    cmp -s "ex/tpp-2025-01.csv" "ref$id/tpp-2025-01.csv" &&
        cmp -s "ex/tpp-2025-01.xlsx" "ref$id/tpp-2025-01.xlsx" && match=1
done
if [ $match -eq 1 ]; then ok; else bad "export beside a run is not the export of any one run"; fi

# 4. a writer holding the workspace
cp base.db hold.db
hold() { # SECONDS: keep a write transaction open on hold.db
    { echo "BEGIN IMMEDIATE;"
      sleep "$1"
      echo "ROLLBACK;"; } | sqlite3 hold.db
}
hold 2 &
ph=$!
sleep 0.5
t0=$(date +%s)
"$TPP" --db hold.db import attendance in/attendance.csv >h.log 2>&1
rc=$?
wait $ph
if [ $rc -eq 0 ]; then ok; else bad "import did not wait for a 2 s writer: exit $rc"; cat h.log >&2; fi
before=$(q hold.db "SELECT (SELECT count(*) FROM attendance) || '/' || (SELECT count(*) FROM input_file)")
hold 14 &
ph=$!
sleep 0.5
t0=$(date +%s)
"$TPP" --db hold.db import employees in/employees.csv >h.log 2>&1
rc=$?
waited=$(($(date +%s) - t0))
if [ $rc -eq 4 ] && grep -q "is busy: another tpp process" h.log; then ok; else
    bad "import beside a 14 s writer: exit $rc, expected 4 and a clear message"; cat h.log >&2; fi
if [ $waited -ge 9 ] && [ $waited -le 13 ]; then ok; else bad "waited $waited s, expected about 10"; fi
wait $ph
after=$(q hold.db "SELECT (SELECT count(*) FROM attendance) || '/' || (SELECT count(*) FROM input_file)")
if [ "$before" = "$after" ]; then ok; else bad "a busy import changed the workspace: $before -> $after"; fi
integrity hold.db "busy"

# 5. finalize + export
FINALIZE="finalize --period 2025-01 --accept-incomplete concurrency-test"
cp r1.db fe-ref.db
quiet "$TPP" --db fe-ref.db export --period 2025-01 --out fe-draft || exit 1
t0=$(date +%s%N)
quiet "$TPP" --db fe-ref.db $FINALIZE || { echo "finalize failed"; exit 1; }
FIN_MS=$((($(date +%s%N) - t0) / 1000000 + 1))
quiet "$TPP" --db fe-ref.db export --period 2025-01 --out fe-final || exit 1
grep -q '^seal provisional ' fe-draft/tpp-2025-01.manifest && grep -q '^seal final ' fe-final/tpp-2025-01.manifest ||
    { echo "the references do not differ in their seal line"; exit 1; }
n_draft=0
n_final=0
for i in $(seq "$TRIALS"); do
    rm -rf fe.db* fe-out
    cp r1.db fe.db
    stagger=$((RANDOM % (FIN_MS + 1)))
    if [ $((i % 2)) -eq 0 ]; then
        "$TPP" --db fe.db $FINALIZE >f.log 2>&1 &
        pf=$!
        msleep $stagger
        "$TPP" --db fe.db export --period 2025-01 --out fe-out >e.log 2>&1
        re=$?
    else
        "$TPP" --db fe.db export --period 2025-01 --out fe-out >e.log 2>&1 &
        pe=$!
        msleep $stagger
        "$TPP" --db fe.db $FINALIZE >f.log 2>&1
        rf=$?
        wait $pe
        re=$?
        pf=
    fi
    if [ -n "$pf" ]; then wait $pf; rf=$?; fi
    expect_ok_or_busy "finalize beside an export" $rf f.log
    if [ $re -eq 0 ]; then ok; else bad "export beside a finalize: exit $re"; cat e.log >&2; fi
    integrity fe.db "finalize + export"
    seals=$(q fe.db "SELECT count(*) FROM seal")
    state=$(q fe.db "SELECT state FROM run")
    if { [ $rf -eq 0 ] && [ "$seals" = 1 ] && [ "$state" = final ]; } ||
        { [ $rf -ne 0 ] && [ "$seals" = 0 ] && [ "$state" = draft ]; }; then ok
    else bad "finalize + export: finalize exit $rf, $seals seals, run $state"; fi
    if quiet "$TPP" --db fe.db audit verify; then ok; else bad "finalize + export: audit verify"; fi
    if diff -r fe-out fe-draft >/dev/null; then ok; n_draft=$((n_draft + 1))
    elif diff -r fe-out fe-final >/dev/null; then ok; n_final=$((n_final + 1))
    else bad "finalize + export (stagger $stagger ms): the export is neither the draft's nor the sealed run's"
        diff -r fe-out fe-draft | head -5 >&2; fi
    if quiet "$TPP" verify fe-out; then ok; else bad "finalize + export: tpp verify"; fi
done
echo "  finalize + export: $n_draft exports of the draft, $n_final of the sealed run"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
