# tpp verify adds the XLSX payment list up again: an untouched export passes; a payment list with
# one employee's cached net changed and a manifest rewritten to match it (an unsigned manifest's
# checksum is no secret) passes every hash, but the re-sum names the sheet and exits 1.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "export" -- "$TPP" --db g.db export --period 2025-01 --out exp
expect_exit 0 "verify untouched" -- "$TPP" verify exp
expect_output "check out" "verify untouched says so"

# Raise one employee's JUMLAH TPP YANG DITERIMA (column R, cached value of =P12-Q12) by 1 rupiah
# on the first OPD sheet, and re-pack the workbook.
cp -r exp forged
mkdir x && (cd x && unzip -q ../exp/tpp-2025-01.xlsx) || bad "unzip"
sed -i 's|<f>P12-Q12</f><v>4009840</v>|<f>P12-Q12</f><v>4009841</v>|' x/xl/worksheets/sheet2.xml
if grep -q '<v>4009841</v>' x/xl/worksheets/sheet2.xml; then ok; else bad "the cell to change is not in sheet2.xml"; fi
rm forged/tpp-2025-01.xlsx
(cd x && zip -q -X -r ../forged/tpp-2025-01.xlsx '[Content_Types].xml' _rels docProps xl) || bad "zip"

# A manifest that vouches for the changed file: its hash and size, and a fresh checksum.
sha=$(sha256sum forged/tpp-2025-01.xlsx | cut -d' ' -f1)
size=$(wc -c <forged/tpp-2025-01.xlsx | tr -d ' ')
awk -v sha="$sha" -v size="$size" '
    /^manifest-sha256 / { exit }
    $1 == "file" && $NF == "tpp-2025-01.xlsx" { $2 = sha; $3 = size }
    { print }' exp/tpp-2025-01.manifest >body
printf 'manifest-sha256 %s\n' "$(sha256sum body | cut -d' ' -f1)" | cat body - >forged/tpp-2025-01.manifest

expect_exit 1 "verify the forged payment list" -- "$TPP" verify forged
expect_output "^forged/tpp-2025-01.xlsx: error: sheet '1.01.01': column 18 \(JUMLAH TPP YANG DITERIMA\) of its 7 employee rows adds up to 26855445, but its JUMLAH row \(row 17\) says 26855444" "the sheet is named"
expect_output "^forged/tpp-2025-01.xlsx: error: .*adds up to 69552160, not the manifest total 69552159" "the grand total is compared"
if grep -q "changed after export\|checksum" out; then bad "the forged manifest should pass its own checks"; cat out >&2; else ok; fi
expect_output "do not pay from these files" "verify says not to pay"

finish
