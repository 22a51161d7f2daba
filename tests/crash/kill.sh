#!/bin/bash
# Crash consistency (SPEC §8): SIGKILL `tpp` at random moments of an import (new rows, and
# updates of every employee), a run, an export and a finalize, then check that
#   - the workspace passes PRAGMA integrity_check and foreign_key_check,
#   - each operation is entirely there or entirely absent (row counts, runs with all results,
#     the input_file record together with its rows),
#   - an export never leaves a partial file under its final name (absent, the previous file, or
#     byte for byte the complete one),
#   - a finalize either sealed the run (one seal row, every leaf, the run final, the reference
#     Merkle root) or left it a draft with no seal rows, and `tpp audit verify` passes on the
#     state the kill left,
#   - the workspace still works: the same operation, run again, completes with the reference
#     result (an export run again also removes the temporary files the killed one left); and
#     `tpp audit verify` passes when the binary has that command.
#
# Usage: tests/crash/kill.sh [KILLS]     (default $TPP_KILLS or 60; docs/reliability.md: 240)
# Env: TPP (binary, default build/asan/tpp), TPP_SOURCE_DIR, TPP_TEST_TMP (scratch directory),
#      TPP_KILL_SEED (random seed, default 1).
# KILLS counts kills that landed while tpp was running; attempts where tpp finished first are
# checked too but not counted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TPP_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${TPP:=$TPP_SOURCE_DIR/build/asan/tpp}"
: "${TPP_TEST_TMP:=$(mktemp -d)}"
KILLS=${1:-${TPP_KILLS:-60}}
SEED=${TPP_KILL_SEED:-1}
PACK="$TPP_SOURCE_DIR/rules/packs/samarinda-2022-illustrative.yaml"
case $TPP in /*) ;; *) TPP="$PWD/$TPP" ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
rm -rf "$TPP_TEST_TMP" && mkdir -p "$TPP_TEST_TMP" && cd "$TPP_TEST_TMP" || exit 1
RANDOM=$SEED
failed=0
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
q() { sqlite3 -batch "$1" "$2"; }
quiet() { "$@" >/dev/null 2>&1; }

has_audit=0
quiet "$TPP" audit --help && has_audit=1

# ---- the starting states and the reference results ----------------------------------------
quiet "$TPP" gen --employees 300 --period 2025-01 --seed 3 --out in || { echo "gen failed"; exit 1; }
N=$(($(wc -l <in/employees.csv) - 1))
# The same employees with another salary: an import that updates every row.
# salary_gross is the 4th field from the end (the columns after it hold no commas).
awk -F, -v OFS=, 'NR > 1 { $(NF - 3) = $(NF - 3) + 1000 } { print }' in/employees.csv \
    >in/employees-raise.csv

mkbase() { # DB KINDS...: a fresh workspace with these kinds imported, checkpointed, closed
    local db=$1
    shift
    quiet "$TPP" --db "$db" init --rules "$PACK" || return 1
    for k in "$@"; do quiet "$TPP" --db "$db" import "$k" "in/$k.csv" || return 1; done
}
mkbase base-imp.db employees holidays absences events performance || { echo "setup failed"; exit 1; }
cp base-imp.db base-run.db
quiet "$TPP" --db base-run.db import attendance in/attendance.csv || exit 1
quiet "$TPP" --db base-run.db run --period 2025-01 || exit 1
# A previous export in the output directory, which a killed export must leave intact or replace.
quiet "$TPP" --db base-run.db export --period 2025-01 --out old || exit 1
printf 'an older export\n' >old/tpp-2025-01.csv
printf 'an older export\n' >old/tpp-2025-01.xlsx

ref=ref.db
cp base-imp.db $ref && quiet "$TPP" --db $ref import attendance in/attendance.csv
ATT_FULL=$(q $ref "SELECT count(*) FROM attendance")
ATT_BASE=$(q base-imp.db "SELECT count(*) FROM attendance")
FILES_BASE=$(q base-imp.db "SELECT count(*) FROM input_file")
cp base-imp.db $ref && quiet "$TPP" --db $ref import employees in/employees-raise.csv
SALARY_BASE=$(q base-imp.db "SELECT sum(salary_gross) FROM employee")
SALARY_FULL=$(q $ref "SELECT sum(salary_gross) FROM employee")
cp base-run.db $ref && quiet "$TPP" --db $ref export --period 2025-01 --out ref-out
# The generated month lacks performance data for some employees: the gate needs a reason.
FINALIZE="finalize --period 2025-01 --accept-incomplete crash-test"
cp base-run.db $ref && quiet "$TPP" --db $ref $FINALIZE || { echo "finalize failed"; exit 1; }
ROOT_FULL=$(q $ref "SELECT merkle_root FROM seal")
RUN_TOTALS=$(q base-run.db "SELECT n_employees, total_tpp, total_net FROM run WHERE id = 1")
[ "$SALARY_FULL" -eq $((SALARY_BASE + 1000 * N)) ] || { echo "bad raise file"; exit 1; }
[ "$ATT_FULL" -gt "$ATT_BASE" ] && [ -s ref-out/tpp-2025-01.xlsx ] || { echo "no reference"; exit 1; }

cmd_for() { # OP: the command line of the operation on ws.db
    case $1 in
    import) echo "import attendance in/attendance.csv" ;;
    update) echo "import employees in/employees-raise.csv" ;;
    run) echo "run --period 2025-01 --threads 2" ;;
    export) echo "export --period 2025-01 --out out" ;;
    finalize) echo "$FINALIZE" ;;
    esac
}

prepare() { # OP: the workspace (and output directory) the operation starts from
    rm -rf ws.db ws.db-wal ws.db-shm out
    case $1 in
    import | update) cp base-imp.db ws.db ;;
    run | finalize) cp base-run.db ws.db ;;
    export)
        cp base-run.db ws.db
        if [ $((RANDOM % 2)) -eq 0 ]; then cp -r old out; fi
        ;;
    esac
}

# check OP STATE_VAR: the invariants; sets the variable named by $2 to absent|present|other.
check() {
    local op=$1 ic fk st=other
    ic=$(q ws.db "PRAGMA integrity_check" 2>&1)
    [ "$ic" = ok ] || bad "$op: integrity_check: $ic"
    fk=$(q ws.db "PRAGMA foreign_key_check" 2>&1)
    [ -z "$fk" ] || bad "$op: foreign_key_check: $fk"
    case $op in
    import)
        local att files
        att=$(q ws.db "SELECT count(*) FROM attendance")
        files=$(q ws.db "SELECT count(*) FROM input_file")
        if [ "$att" = "$ATT_BASE" ] && [ "$files" = "$FILES_BASE" ]; then st=absent
        elif [ "$att" = "$ATT_FULL" ] && [ "$files" = $((FILES_BASE + 1)) ]; then st=present
        else bad "import: partial: $att scans, $files files"; fi
        ;;
    update)
        local raised files
        raised=$(q ws.db "SELECT sum(salary_gross) FROM employee")
        files=$(q ws.db "SELECT count(*) FROM input_file")
        if [ "$files" = "$FILES_BASE" ] && [ "$raised" = "$SALARY_BASE" ]; then st=absent
        elif [ "$files" = $((FILES_BASE + 1)) ] && [ "$raised" = "$SALARY_FULL" ]; then st=present
        else bad "update: partial: salaries sum to $raised, $files files"; fi
        ;;
    run)
        local runs results totals
        runs=$(q ws.db "SELECT count(*) FROM run")
        results=$(q ws.db "SELECT count(*) FROM result WHERE run_id = 2")
        totals=$(q ws.db "SELECT n_employees, total_tpp, total_net FROM run WHERE id = 2")
        if [ "$runs" = 1 ] && [ "$results" = 0 ]; then st=absent
        elif [ "$runs" = 2 ] && [ "$results" = "$N" ] && [ "$totals" = "$RUN_TOTALS" ]; then
            st=present
        else bad "run: partial: $runs runs, $results results of run 2, totals $totals"; fi
        ;;
    export)
        local f n_new=0 n_old=0 n_none=0
        for f in tpp-2025-01.csv tpp-2025-01.xlsx; do
            if [ ! -e "out/$f" ]; then n_none=$((n_none + 1))
            elif cmp -s "out/$f" "ref-out/$f"; then n_new=$((n_new + 1))
            elif cmp -s "out/$f" "old/$f"; then n_old=$((n_old + 1))
            else bad "export: partial or foreign file under the final name out/$f"; fi
        done
        [ $n_new -eq 2 ] && st=present
        [ $n_new -eq 0 ] && st=absent
        ;;
    finalize)
        local seals leaves rstate root
        seals=$(q ws.db "SELECT count(*) FROM seal")
        leaves=$(q ws.db "SELECT count(*) FROM seal_leaf")
        rstate=$(q ws.db "SELECT state FROM run WHERE id = 1")
        root=$(q ws.db "SELECT merkle_root || ' ' || n_leaves FROM seal")
        if [ "$seals" = 0 ] && [ "$leaves" = 0 ] && [ "$rstate" = draft ]; then st=absent
        elif [ "$seals" = 1 ] && [ "$leaves" = "$N" ] && [ "$rstate" = final ] &&
            [ "$root" = "$ROOT_FULL $N" ]; then st=present
        else bad "finalize: partial: $seals seals, $leaves leaves, run $rstate, root $root"; fi
        # the state the kill left, before anything repairs it
        if [ $has_audit -eq 1 ]; then quiet "$TPP" --db ws.db audit verify || bad "finalize: audit verify after the kill"; fi
        ;;
    esac
    printf -v "$2" %s "$st"
}

# recover OP: an operation the kill stopped, run again, completes with the reference state.
recover() {
    local op=$1 state
    # shellcheck disable=SC2046
    quiet "$TPP" --db ws.db $(cmd_for "$op") || bad "$op: cannot complete after a kill"
    check "$op" state
    [ "$state" = present ] || bad "$op: not complete after running it again ($state)"
    # the export run again removed the temporary files the killed one left
    if [ "$op" = export ] && [ -n "$(find out -name '*.tmp-*' 2>/dev/null)" ]; then
        bad "export: temporary files left after the next export: $(ls out)"
    fi
    if [ $has_audit -eq 1 ]; then quiet "$TPP" --db ws.db audit verify || bad "$op: audit verify"; fi
}

# How long each operation takes here: the kills are spread over 0..1.25 times that.
declare -A dur_ms
for op in import update run export finalize; do
    prepare $op
    t0=$(date +%s%N)
    # shellcheck disable=SC2046
    quiet "$TPP" --db ws.db $(cmd_for $op) || { echo "$op failed"; exit 1; }
    dur_ms[$op]=$((($(date +%s%N) - t0) / 1000000 + 1))
done

ops=(import update run export finalize)
declare -A landed absent present other
for op in "${ops[@]}"; do landed[$op]=0; absent[$op]=0; present[$op]=0; other[$op]=0; done
kills=0
attempts=0
leftovers=0
while [ $kills -lt "$KILLS" ] && [ $attempts -lt $((KILLS * 4)) ]; do
    attempts=$((attempts + 1))
    op=${ops[$((RANDOM % ${#ops[@]}))]}
    prepare "$op"
    delay=$((RANDOM % (dur_ms[$op] * 5 / 4 + 1)))
    # shellcheck disable=SC2046
    "$TPP" --db ws.db $(cmd_for "$op") >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL $pid 2>/dev/null
    { wait $pid; } 2>/dev/null # no "Killed" notice from the shell
    rc=$?
    if [ $rc -eq 137 ]; then
        kills=$((kills + 1))
        landed[$op]=$((landed[$op] + 1))
    elif [ $rc -ne 0 ]; then
        bad "$op exited with $rc without being killed"
    fi
    check "$op" state
    if [ $rc -eq 137 ]; then
        case $state in
        absent) absent[$op]=$((absent[$op] + 1)) ;;
        present) present[$op]=$((present[$op] + 1)) ;;
        *) other[$op]=$((other[$op] + 1)) ;;
        esac
    fi
    [ "$op" = export ] && leftovers=$((leftovers + $(find out -name '*.tmp-*' 2>/dev/null | wc -l)))
    [ "$state" = present ] || recover "$op"
    [ "$state" = present ] && [ $has_audit -eq 1 ] && { quiet "$TPP" --db ws.db audit verify || bad "$op: audit verify"; }
done

echo "crash test: $kills kills landed in $attempts attempts (seed $SEED, $N employees)"
for op in "${ops[@]}"; do
    printf '  %-8s %4d ms: %3d kills -> %3d left it absent, %3d complete' "$op" "${dur_ms[$op]}" \
        "${landed[$op]}" "${absent[$op]}" "${present[$op]}"
    [ "$op" = export ] && printf ', %d with one file new and one not (each whole)' "${other[$op]}"
    echo
done
echo "  temporary export files left by killed exports: $leftovers (never under the final name;" \
    "removed by the next export)"
[ $kills -ge "$KILLS" ] || bad "only $kills kills landed (wanted $KILLS)"
echo "$failed failures"
[ $failed -eq 0 ]
