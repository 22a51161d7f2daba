#!/bin/bash
# Personal data (SPEC §8): an NPWP or bank account number quoted in a diagnostic, an error or
# `tpp explain` is masked to its last four digits unless --show-personal-data is given; the
# payroll files keep them whole (the bank pays from them).
# Env: TPP, TPP_SOURCE_DIR, TPP_TEST_TMP (as tests/cli/*.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TPP_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${TPP:=$TPP_SOURCE_DIR/build/asan/tpp}"
: "${TPP_TEST_TMP:=$(mktemp -d)}"
case $TPP in /*) ;; *) TPP="$PWD/$TPP" ;; esac
. "$TPP_SOURCE_DIR/tests/cli/common.shlib"

# A row shifted by one column: the NPWP lands in bank_name... and a NIK-shaped number lands in
# start_date, so the importer quotes it in its message.
H="nip,name,status,unit_code,position,class,npwp,bank_account,start_date"
printf '%s\n198001012005011001,Andi,PNS,1.01.01,Analis,9,3171000000001234,4398465686,6472090804732355\n' \
    "$H" >shifted.csv
expect_exit 0 "init" -- "$TPP" --db ws.db init --rules "$PACK"
expect_exit 1 "import a bad row" -- "$TPP" --db ws.db import employees shifted.csv
expect_output "shifted.csv:2:[0-9]+: error: .*'\*{12}2355'" "NIK-shaped value masked in a diagnostic"
if grep -q 6472090804732355 out; then bad "the NIK-shaped value is printed whole"; cat out >&2; else ok; fi
expect_exit 1 "import, shown" -- "$TPP" --show-personal-data --db ws.db import employees shifted.csv
expect_output "'6472090804732355'" "--show-personal-data shows it"

golden_workspace g.db
"$TPP" --db g.db run --period 2025-01 >/dev/null
expect_exit 0 "explain" -- "$TPP" --db g.db explain 198001012005011001 --period 2025-01
expect_output "^  Rekening : Bank Kaltimtara \*{6}0000; NPWP \*{12}0000$" "explain masks NPWP and account"
if grep -Eq '3171000000000000|1200000000' out; then bad "explain prints personal data"; else ok; fi
expect_exit 0 "explain, shown" -- "$TPP" --db g.db explain 198001012005011001 --period 2025-01 \
    --show-personal-data
expect_output "^  Rekening : Bank Kaltimtara 1200000000; NPWP 3171000000000000$" "explain --show-personal-data"
expect_exit 0 "export" -- "$TPP" --db g.db export --period 2025-01 --out o
if grep -q '3171000000000000,Bank Kaltimtara,1200000000' o/tpp-2025-01.csv; then ok; else
    bad "the payroll CSV must keep NPWP and account whole"; fi
finish
