# tpp export writes the XLSX on a thread of its own, stages the CSV and bank files meanwhile and
# computes a draft's provisional seal on a third: the files must be those of the single-format
# exports, the manifest's hashes those of the files (tpp verify), the seal printed the one in the
# manifest (the Merkle root once sealed), and a failed XLSX must leave no file behind.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01

# seal prefix printed by the last export == the manifest's seal line
printed_seal_is() {
    printed=$(sed -n 's/.*seal \([0-9a-f]\{16\}\)\.\.\.).*/\1/p' out)
    line=$(awk '$1 == "seal" { print $2 " " substr($3, 1, 16) }' "$1")
    if [ -n "$printed" ] && [ "$line" = "$2 $printed" ]; then ok
    else bad "printed seal '$printed', manifest '$line' (want kind $2)"; fi
}

expect_exit 0 "export draft" -- "$TPP" --db g.db export --period 2025-01 --no-sign --out all
printed_seal_is all/tpp-2025-01.manifest provisional
expect_exit 0 "verify draft export" -- "$TPP" verify all
for f in csv xlsx bank; do
    expect_exit 0 "export $f alone" -- "$TPP" --db g.db export --period 2025-01 --no-sign \
        --format $f --out only-$f
done
for f in only-csv/tpp-2025-01.csv only-xlsx/tpp-2025-01.xlsx only-bank/bank-generic-2025-01.csv; do
    if cmp -s "$f" "all/$(basename "$f")"; then ok; else bad "$f differs from the --format all one"; fi
done
# a second export of the same run: the same bytes, manifest included
expect_exit 0 "export draft again" -- "$TPP" --db g.db export --period 2025-01 --no-sign --out again
for f in all/*; do
    if cmp -s "$f" "again/$(basename "$f")"; then ok; else bad "$f differs on a second export"; fi
done

expect_exit 0 "finalize" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete "uji"
expect_exit 0 "export sealed" -- "$TPP" --db g.db export --period 2025-01 --no-sign --out final
printed_seal_is final/tpp-2025-01.manifest final
expect_exit 0 "verify sealed export" -- "$TPP" verify final
for f in tpp-2025-01.csv tpp-2025-01.xlsx bank-generic-2025-01.csv; do
    if cmp -s "final/$f" "all/$f"; then ok; else bad "$f differs once the run is sealed"; fi
done
if cmp -s final/tpp-2025-01.manifest all/tpp-2025-01.manifest; then
    bad "the sealed run's manifest still carries the provisional seal"
else ok; fi

# A stored line that breaks a column identity: the XLSX refuses it, and neither the CSV nor the
# bank file (written meanwhile on the other thread) may be left, nor any temporary file.
expect_exit 0 "second run" -- "$TPP" --db g.db run --period 2025-01
rid=$(sqlite3 g.db "SELECT max(id) FROM run")
nip=$(sqlite3 g.db "SELECT nip FROM result WHERE run_id = $rid AND status = 'ok' ORDER BY nip LIMIT 1")
sqlite3 g.db "UPDATE result SET gross = gross + 1 WHERE run_id = $rid AND nip = '$nip'"
expect_exit 70 "export of a broken line fails" -- "$TPP" --db g.db export --period 2025-01 \
    --no-sign --out broken
expect_output "breaks column identity" "the XLSX error is reported"
left=$(ls -A broken 2>/dev/null | wc -l)
if [ "$left" -eq 0 ]; then ok; else bad "files left after a failed export: $(ls -A broken)"; fi
# CSV and bank alone do not check the XLSX identities: they are written
expect_exit 0 "csv of the same run" -- "$TPP" --db g.db export --period 2025-01 --no-sign \
    --format csv --out broken-csv

# Two lines of one employee in one OPD (a run never has them; a workspace edited by hand may):
# the export cannot order them by (OPD, NIP) alone and takes SQLite's order, as before.
expect_exit 0 "third run" -- "$TPP" --db g.db run --period 2025-01
rid=$(sqlite3 g.db "SELECT max(id) FROM run")
nip=$(sqlite3 g.db "SELECT nip FROM result WHERE run_id = $rid AND status = 'ok' ORDER BY nip LIMIT 1")
sqlite3 g.db "CREATE TABLE dup AS SELECT * FROM result WHERE run_id = $rid AND nip = '$nip';
    UPDATE dup SET line = 2, name = 'Duplikat'; INSERT INTO result SELECT * FROM dup; DROP TABLE dup"
expect_exit 0 "export with a doubled line" -- "$TPP" --db g.db export --period 2025-01 \
    --no-sign --format csv --out dup
want=$(sqlite3 g.db "SELECT r.name FROM (SELECT rowid AS id, row_number() OVER () AS k FROM
    (SELECT rowid FROM result WHERE run_id = $rid ORDER BY unit_code, nip)) o
    JOIN result r ON r.rowid = o.id ORDER BY o.k" | grep -n . | grep -E "Duplikat" | cut -d: -f1)
got=$(tail -n +2 dup/tpp-2025-01.csv | grep -n . | grep -E ",Duplikat," | cut -d: -f1)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok; else bad "doubled line at $got, SQLite's order $want"; fi
finish
