#!/bin/bash
# Hostile input (SPEC §8): every file here, and the large ones made below, gets a clear error
# (file:line:col where there is a place to point at), a documented exit code (never a crash,
# a signal or exit 70), and leaves the workspace exactly as it was, within bounded memory:
# `ulimit -v` on a plain build; on a sanitizer build (which reserves terabytes of address space
# for its shadow memory) the sanitizer's own hard_rss_limit_mb. Formula injection in names must
# not become a live formula in the CSV or the XLSX.
# Env: TPP, TPP_SOURCE_DIR, TPP_TEST_TMP (as tests/cli/*.sh), TPP_HOSTILE_MB (default 768).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TPP_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${TPP:=$TPP_SOURCE_DIR/build/asan/tpp}"
: "${TPP_TEST_TMP:=$(mktemp -d)}"
H="$TPP_SOURCE_DIR/tests/hostile"
PACK="$TPP_SOURCE_DIR/rules/packs/samarinda-2022-illustrative.yaml"
GOLDEN="$TPP_SOURCE_DIR/fixtures/golden-2025-01"
MB=${TPP_HOSTILE_MB:-768}
case $TPP in /*) ;; *) TPP="$PWD/$TPP" ;; esac
rm -rf "$TPP_TEST_TMP" && mkdir -p "$TPP_TEST_TMP" && cd "$TPP_TEST_TMP" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

if { (ulimit -v $((MB * 1024)) && exec "$TPP" --version) >/dev/null 2>&1; } 2>/dev/null; then
    limited() { (ulimit -v $((MB * 1024)) && exec "$@"); }
    echo "memory bound: ulimit -v $MB MiB"
else
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$MB"
    export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}hard_rss_limit_mb=$MB"
    limited() { "$@"; }
    echo "memory bound: sanitizer hard_rss_limit_mb=$MB"
fi

state() { sqlite3 -batch ws.db .dump | sha256sum; }

# hostile WANT_EXIT REGEX WHAT -- tpp args...: exit code, message, workspace unchanged.
hostile() {
    local want=$1 re=$2 what=$3 before after rc
    shift 4
    before=$(state)
    limited "$TPP" --db ws.db "$@" >out 2>&1
    rc=$?
    after=$(state)
    if [ $rc -eq "$want" ]; then ok; else bad "$what: exit $rc, expected $want"; head -c 2000 out >&2; fi
    if grep -Eq -- "$re" out; then ok; else bad "$what: no message matching '$re'"; head -c 2000 out >&2; fi
    if [ "$before" = "$after" ]; then ok; else bad "$what: the workspace changed"; fi
}

"$TPP" --db ws.db init --rules "$PACK" >/dev/null || exit 1
"$TPP" --db ws.db import employees "$GOLDEN/employees.csv" >/dev/null || exit 1
LOC='[^ ]+:[0-9]+:[0-9]+: error: '

# ---- CSV ---------------------------------------------------------------------------------
hostile 1 "employees-utf16.csv:1:1: error: invalid UTF-8 byte 0xFF \(save the file as UTF-8\)" \
    "UTF-16" -- import employees "$H/employees-utf16.csv"
hostile 1 "employees-latin1.csv:2:27: error: invalid UTF-8 byte 0xE9" \
    "Latin-1" -- import employees "$H/employees-latin1.csv"
hostile 1 "employees-nul.csv:2:22: error: NUL byte" "NUL byte" -- import employees "$H/employees-nul.csv"
hostile 1 "$LOC" "binary junk" -- import attendance "$H/junk.bin"
hostile 1 "$LOC" "an executable" -- import employees "$TPP"
{ printf 'nip,name,status,unit_code,position,class\n198001012005011001,"'
  head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' x
  printf '",PNS,1.01.01,Analis,9\n'; } >huge-field.csv
hostile 1 "huge-field.csv:2:20: error: field longer than 65536 bytes" "a 10 MiB field" \
    -- import employees huge-field.csv
head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' a >huge-line.csv
hostile 1 "huge-line.csv:1:1: error: field longer than 65536 bytes" "a 64 MiB line" \
    -- import attendance huge-line.csv
seq -f 'c%g' 1 1000000 | paste -sd, >million-columns.csv
hostile 1 "million-columns.csv:1:[0-9]+: error: too many fields in one record \(at most 256\)" \
    "10^6 columns" -- import employees million-columns.csv
{ echo "nip,timestamp"; printf '198001012005011001,2025-01-02 07:00:00'; head -c 1000000 /dev/zero | tr '\0' ,; echo; } \
    >million-fields.csv
hostile 1 "million-fields.csv:2:[0-9]+: error: too many fields" "10^6 fields in a row" \
    -- import attendance million-fields.csv
awk 'BEGIN { print "nip,timestamp"; for (i = 0; i < 200000; i++) print "x" i ",bad" }' >many-errors.csv
hostile 1 "many-errors.csv:200001:[0-9]+: error: " "200000 bad rows (all reported)" \
    -- import attendance many-errors.csv

# ---- paths -------------------------------------------------------------------------------
hostile 4 "cannot read '/dev/zero': it is a device" "/dev/zero" -- import employees /dev/zero
hostile 4 "cannot read '/dev/urandom': it is a device" "/dev/urandom" -- import attendance /dev/urandom
mkdir -p adir
hostile 4 "cannot read 'adir': it is a directory" "a directory" -- import employees adir
ln -sf loop loop
hostile 4 "cannot open 'loop'" "a symlink loop" -- import employees loop
hostile 4 "cannot open '../../../../../../etc/no-such-file'" "../ traversal to nothing" \
    -- import employees ../../../../../../etc/no-such-file
cp "$H/employees-latin1.csv" $'evil\n\033[2J;rm -rf ~.csv'
hostile 1 "invalid UTF-8" "control characters in a file name" -- import employees $'evil\n\033[2J;rm -rf ~.csv'
"$TPP" --db ws.db run --period 2025-01 >/dev/null 2>&1
printf 'a file\n' >notadir
hostile 4 "error: " "export into a regular file" -- export --period 2025-01 --out notadir
if [ "$(cat notadir)" = "a file" ]; then ok; else bad "export overwrote a file given as --out"; fi

# ---- YAML rule packs ---------------------------------------------------------------------
yaml() { # NAME WHAT REGEX: `rules check` and `init` both refuse it, no workspace is made
    local f=$1 what=$2 re=$3 rc
    limited "$TPP" rules check "$f" >out 2>&1
    rc=$?
    if [ $rc -eq 3 ]; then ok; else bad "rules check $what: exit $rc, expected 3"; head -c 2000 out >&2; fi
    if grep -Eq -- "$re" out; then ok; else bad "rules check $what: no '$re'"; head -c 2000 out >&2; fi
    rm -f new.db
    limited "$TPP" --db new.db init --rules "$f" >out 2>&1
    rc=$?
    if [ $rc -eq 3 ] && [ ! -e new.db ]; then ok; else bad "init with $what: exit $rc, or a workspace left"; fi
}
{ echo 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'
  for i in 1 2 3 4 5 6 7 8 9; do
      printf 'a%d: &a%d [' $i $i; for k in 1 2 3 4 5 6 7 8; do printf '*a%d, ' $((i - 1)); done
      printf '*a%d]\n' $((i - 1))
  done; } >alias-bomb.yaml
yaml alias-bomb.yaml "an alias bomb" "alias-bomb.yaml:1:5: error: "
{ printf 'id: '; head -c 1000000 /dev/zero | tr '\0' '['; } >deep-seq.yaml
yaml deep-seq.yaml "10^6 nested sequences" "deep-seq.yaml:1:[0-9]+: error: .*nest"
awk 'BEGIN { for (i = 0; i < 2000; i++) { printf "%" i "s", ""; print "k" i ":" } }' >deep-map.yaml
yaml deep-map.yaml "2000 nested mappings" "deep-map.yaml:[0-9]+:[0-9]+: error: .*nest"
{ cat "$PACK"; head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' '#'; } >huge.yaml
yaml huge.yaml "a 5 MiB pack" "huge.yaml: error: rule pack is larger than 4 MiB"
yaml "$H/junk.bin" "binary junk" "junk.bin:[0-9]+:[0-9]+: error: "
sed 's/Samarinda/Samarïnda/' "$PACK" | iconv -f utf-8 -t latin1 >latin1.yaml
yaml latin1.yaml "a Latin-1 pack" "latin1.yaml:[0-9]+:[0-9]+: error: .*UTF-8"
# UTF-16 with a byte-order mark is a YAML encoding (YAML 1.1 §5.2): the same pack, accepted.
iconv -f utf-8 -t utf-16 "$PACK" >utf16.yaml
"$TPP" rules check utf16.yaml >out 2>&1
if [ $? -eq 0 ] && grep -q "ok: samarinda-2022-illustrative" out; then ok; else bad "UTF-16 pack"; cat out >&2; fi
printf 'id: !!python/object/apply:os.system ["rm -rf /"]\n' >tag.yaml
yaml tag.yaml "a language tag" "tag.yaml:1:5: error: "

# ---- formula injection --------------------------------------------------------------------
rm -f f.db*
"$TPP" --db f.db init --rules "$PACK" >/dev/null
ok_all=1
"$TPP" --db f.db import employees "$H/employees-formula.csv" >/dev/null || ok_all=0
for k in holidays attendance absences events performance; do
    "$TPP" --db f.db import $k "$GOLDEN/$k.csv" >/dev/null || ok_all=0
done
"$TPP" --db f.db run --period 2025-01 >/dev/null || ok_all=0
"$TPP" --db f.db export --period 2025-01 --out fx >/dev/null || ok_all=0
if [ $ok_all -eq 1 ]; then ok; else bad "formula-like names: import, run or export failed"; fi
csv=fx/tpp-2025-01.csv
# In the CSV every such cell starts with a quote, so no spreadsheet evaluates it.
for cell in "\"'=HYPERLINK(" ",'+SUM(1+1)," ",'-2+3," ",'@cmd|" ",'=cmd," ",'=1+1 Badan/"; do
    if grep -qF -- "$cell" $csv; then ok; else bad "CSV: no neutralised cell $cell"; fi
done
if grep -Eq '(^|,)"?[=+@-][A-Za-z(]' $csv; then bad "CSV has a cell that starts a formula"; grep -E '(^|,)"?[=+@-][A-Za-z(]' $csv | head -3 >&2; else ok; fi
rm -rf fxx && mkdir fxx && (cd fxx && unzip -q ../fx/tpp-2025-01.xlsx) || bad "cannot unzip the XLSX"
# Live formulas are only the payment list's own arithmetic and sums (cells and sheet refs).
if cat fxx/xl/worksheets/*.xml | grep -o '<f>[^<]*</f>' | grep -Eiq 'HYPERLINK|cmd|1\+1|2\+3'; then
    bad "XLSX: a name became a live formula"
else ok; fi
if grep -q 't="inlineStr"><is><t[^>]*>=HYPERLINK(&quot;http\|t="inlineStr"><is><t[^>]*>=HYPERLINK("http' fxx/xl/worksheets/*.xml ||
    grep -q '<t[^>]*>=HYPERLINK' fxx/xl/sharedStrings.xml 2>/dev/null; then ok; else
    bad "XLSX: the =HYPERLINK name is not kept as text"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
