#!/bin/sh
# Regenerate the manifest vectors of tpp-verify-proof --manifest (tests/cli/manifest_vectors.sh)
# from the golden month: a signed export (machine CSV and the generic bank file), then damaged
# copies. Each run makes a new signing key, so every vector changes; commit them together.
#   usage: tests/vectors/manifest/make-vectors.sh BUILD_DIR
set -eu
TPP=$(cd "$1" && pwd)/tpp
VEC=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$VEC/../../.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$TPP" --db g.db init --rules "$SRC/rules/packs/samarinda-2022-illustrative.yaml" >/dev/null
for kind in employees holidays attendance absences events performance; do
    "$TPP" --db g.db import "$kind" "$SRC/fixtures/golden-2025-01/$kind.csv" >/dev/null
done
"$TPP" --db g.db run --period 2025-01 >/dev/null
"$TPP" --db g.db finalize --period 2025-01 --accept-incomplete "vektor uji" >/dev/null 2>&1
"$TPP" --db g.db keygen --out a.key --no-config >/dev/null
"$TPP" --db g.db keygen --out b.key --no-config >/dev/null
"$TPP" --db g.db export --period 2025-01 --format csv --format bank --bank generic --out good \
    --key a.key >/dev/null

rm -rf "$VEC"/good "$VEC"/flipped "$VEC"/truncated "$VEC"/sig-flipped "$VEC"/unsigned \
    "$VEC"/extra-file "$VEC"/missing-file
cp -r good "$VEC/good"
cp a.key.pub "$VEC/key-a.pub"
cp b.key.pub "$VEC/key-b.pub"
sed -n 's/^seal final //p' good/tpp-2025-01.manifest >"$VEC/ROOT"

# one byte of the machine CSV changed (the 301st), size unchanged
cp -r good "$VEC/flipped"
f="$VEC/flipped/tpp-2025-01.csv"
c=$(dd if="$f" bs=1 skip=300 count=1 2>/dev/null)
if [ "$c" = 1 ]; then c=2; else c=1; fi
printf %s "$c" | dd of="$f" bs=1 seek=300 conv=notrunc 2>/dev/null
# the manifest cut short (inside its file lines)
cp -r good "$VEC/truncated"
m="$VEC/truncated/tpp-2025-01.manifest"
head -c 400 "$m" >"$m.tmp" && mv "$m.tmp" "$m"
# the first hex digit of the signature changed
cp -r good "$VEC/sig-flipped"
m="$VEC/sig-flipped/tpp-2025-01.manifest"
awk '/^signature / { c = substr($4, 1, 1); $4 = (c == "0" ? "1" : "0") substr($4, 2) } { print }' \
    "$m" >"$m.tmp" && mv "$m.tmp" "$m"
# the signature line removed: checksum intact, so only --key catches it
cp -r good "$VEC/unsigned"
m="$VEC/unsigned/tpp-2025-01.manifest"
sed '/^signature /d' "$m" >"$m.tmp" && mv "$m.tmp" "$m"
# a file slipped in beside the listed ones
cp -r good "$VEC/extra-file"
printf 'nip,net\n198002022005022002,99999999\n' >"$VEC/extra-file/tambahan.csv"
# a listed file missing
cp -r good "$VEC/missing-file"
rm "$VEC/missing-file/tpp-2025-01.csv"
