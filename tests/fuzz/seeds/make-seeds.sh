#!/bin/bash
# Regenerates the seed corpora of the fuzz targets that need generated inputs (docs/reliability.md):
#   xlsx:     workbooks written by libxlsxwriter (xlsx_seeds.c), each as the raw file (first byte
#             0x00) and as its parts unpacked into the target's "=== name" form (first byte 0x01)
#   manifest: a real export of the golden month (tpp export), whole (0x00), as body only for the
#             target to checksum (0x01), and signed by the target's key (0x07)
#   attlog:   the attlog test files, with a read pattern byte
#   proof:    the proof vectors, checked against their own root and size (0x03) and a fixed root
# Usage: TPP=build/asan/tpp tests/fuzz/seeds/make-seeds.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
fuzz=$src/tests/fuzz
TPP=${TPP:-$src/build/asan/tpp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# xlsx
cc -std=c11 -o "$work/xlsx_seeds" "$fuzz/seeds/xlsx_seeds.c" $(pkg-config --cflags --libs xlsxwriter)
"$work/xlsx_seeds" "$work"
mkdir -p "$fuzz/corpus/xlsx"
for x in "$work"/*.xlsx; do
    b=$(basename "$x" .xlsx)
    { printf '\000'; cat "$x"; } >"$fuzz/corpus/xlsx/raw-$b.xlsx"
    python3 - "$x" "$fuzz/corpus/xlsx/parts-$b.txt" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
with open(sys.argv[2], "wb") as out:
    out.write(b"\x01\x00")
    for n in z.namelist():
        # only the parts the reader opens: the rest is noise for the fuzzer
        if n.startswith("xl/") and n.endswith((".xml", ".rels")) and "theme" not in n:
            out.write(b"=== " + n.encode() + b"\n" + z.read(n) + b"\n")
PY
done

# manifest
mkdir -p "$fuzz/corpus/manifest"
db=$work/g.db
"$TPP" --db "$db" init --rules "$src/rules/packs/samarinda-2022-illustrative.yaml" >/dev/null
for kind in employees holidays attendance absences events performance; do
    "$TPP" --db "$db" import "$kind" "$src/fixtures/golden-2025-01/$kind.csv" >/dev/null
done
"$TPP" --db "$db" run --period 2025-01 >/dev/null
"$TPP" --db "$db" export --period 2025-01 --out "$work/exp" >/dev/null
python3 - "$work/exp" "$fuzz/corpus/manifest" <<'PY'
import os, sys
d, out = sys.argv[1], sys.argv[2]
man = [n for n in os.listdir(d) if n.endswith(".manifest")][0]
text = open(os.path.join(d, man), "rb").read()
body = text[: text.index(b"\nmanifest-sha256 ") + 1]
def files(keep):
    b = b""
    for n in sorted(os.listdir(d)):
        if n != man and keep(n):
            b += b"\n=== " + n.encode() + b"\n" + open(os.path.join(d, n), "rb").read()
    return b
csv_only = lambda n: n.endswith(".csv")
# the manifest lists every file; a seed with the CSV files alone fails on the missing ones but
# reaches the CSV sums, and one with all files (the XLSX is ~10 KiB) passes
open(os.path.join(out, "whole-all.txt"), "wb").write(b"\x00" + text + files(lambda n: True))
open(os.path.join(out, "body-csv.txt"), "wb").write(b"\x01" + body + files(csv_only))
open(os.path.join(out, "signed-all.txt"), "wb").write(b"\x07" + body + files(lambda n: True))
PY

# attlog
mkdir -p "$fuzz/corpus/attlog"
for f in "$src"/tests/data/import/MESIN-01_attlog.dat "$src"/tests/data/import/broken/attlog-*.dat; do
    { printf '\001'; cat "$f"; } >"$fuzz/corpus/attlog/$(basename "$f")"
done
{ printf '\003'; cat "$src/tests/data/import/MESIN-01_attlog.dat"; } >"$fuzz/corpus/attlog/tiny-reads.dat"

# proof
mkdir -p "$fuzz/corpus/proof"
for p in valid size-changed path-truncated record-tampered index-changed; do
    { printf '\003'; cat "$src/tests/vectors/proof/$p.proof"; } >"$fuzz/corpus/proof/$p.proof"
done
{ printf '\000'; cat "$src/tests/vectors/proof/valid.proof"; } >"$fuzz/corpus/proof/fixed-root.proof"
{ printf '\001'; cat "$src/tests/vectors/proof/size-changed.proof"; } >"$fuzz/corpus/proof/no-size.proof"
ls -l "$fuzz"/corpus/{xlsx,manifest,attlog,proof}
