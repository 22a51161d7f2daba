# The independent verifier against the fixed vectors of tests/vectors/proof: the valid proof is
# accepted, every forged, truncated or malformed one is rejected for its stated reason.
. "$(dirname "$0")/common.shlib"
VERIFY="$(dirname "$TPP")/tpp-verify-proof"
# Version 1 (canonical record 1, text steps) and version 2 (record 2, compact trace, notes).
for VEC in "$TPP_SOURCE_DIR/tests/vectors/proof" "$TPP_SOURCE_DIR/tests/vectors/proof-v2"; do
ROOT=$(cat "$VEC/ROOT")
n=0
while read -r file code reason; do
    case $file in '#'* | '') continue ;; esac
    n=$((n + 1))
    expect_exit "$code" "vector $file" -- "$VERIFY" "$VEC/$file" --root "$ROOT" --size 20
    if grep -qF -- "$reason" out; then ok; else bad "vector $file: expected '$reason'"; cat out >&2; fi
done <"$VEC/EXPECTED"
[ "$n" -ge 20 ] && ok || bad "only $n vectors listed"

# Every *.proof file is listed: a new vector cannot be forgotten.
for f in "$VEC"/*.proof; do
    grep -q "^$(basename "$f") " "$VEC/EXPECTED" && ok || bad "$(basename "$f") not in EXPECTED"
done
done
VEC="$TPP_SOURCE_DIR/tests/vectors/proof"
ROOT=$(cat "$VEC/ROOT")

# The published root is required; a wrong-length root is a usage error, a missing file I/O.
expect_exit 2 "no --root" -- "$VERIFY" "$VEC/valid.proof"
expect_exit 2 "short --root" -- "$VERIFY" "$VEC/valid.proof" --root abcd
expect_exit 4 "missing file" -- "$VERIFY" "$VEC/nonexistent.proof" --root "$ROOT"
# Without --size a root alone accepts the size-changed copy (RFC 6962 roots do not commit to
# the size); that is why the seal publishes both.
expect_exit 0 "size not checked without --size" -- "$VERIFY" "$VEC/size-changed.proof" --root "$ROOT"
finish
