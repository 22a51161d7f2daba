# The independent verifier on manifests (tpp-verify-proof --manifest): the fixed vectors of
# tests/vectors/manifest (good, a flipped byte, a wrong key, a truncated manifest, ...), each
# with its stated reason and the same verdict from `tpp verify`; then a fresh signed export of
# the sealed golden month, XLSX included, accepted with --key and --root, and one changed byte in
# each of its files named.
. "$(dirname "$0")/common.shlib"
VERIFY="$(dirname "$TPP")/tpp-verify-proof"
VEC="$TPP_SOURCE_DIR/tests/vectors/manifest"
ROOT=$(cat "$VEC/ROOT")

expect_exit 0 "--help" -- "$VERIFY" --help
expect_output "--manifest <dir>" "help names --manifest"
expect_exit 2 "--key without --manifest" -- "$VERIFY" --key "$VEC/key-a.pub"
expect_exit 2 "bad --key" -- "$VERIFY" --manifest "$VEC/good" --key nonsense
expect_exit 4 "no such directory" -- "$VERIFY" --manifest "$VEC/nonexistent"

cp -r "$VEC" vec
cd vec || exit 1
n=0
while read -r dir opt code reason; do
    case $dir in '#'* | '') continue ;; esac
    n=$((n + 1))
    case $opt in
    -) set -- ;;
    --root) set -- --root "$ROOT" ;;
    --key=*) set -- --key "${opt#--key=}" ;;
    esac
    expect_exit "$code" "vector $dir $opt" -- "$VERIFY" --manifest "$dir" "$@"
    if grep -qF -- "$reason" out; then ok; else bad "vector $dir $opt: expected '$reason'"; cat out >&2; fi
    # tpp verify reaches the same verdict
    expect_exit "$code" "tpp verify on $dir $opt" -- "$TPP" verify "$dir" "$@"
done <EXPECTED
[ "$n" -ge 11 ] && ok || bad "only $n vectors listed"
cd .. || exit 1

# --root: a provisional seal, or another root, is refused
expect_exit 1 "another root" -- "$VERIFY" --manifest "$VEC/good" --root "$(echo "$ROOT" | tr 0-9a-f 1-9a-f0)"
expect_output "its seal line is not 'seal final' with the given root" "another root named"
expect_exit 1 "tpp verify: another root" -- "$TPP" verify "$VEC/good" --root "$(echo "$ROOT" | tr 0-9a-f 1-9a-f0)"
expect_output "tpp-2025-01.manifest:5: error: the manifest is not of the sealed run with root" "tpp verify names the manifest"
expect_exit 2 "tpp verify: bad --root" -- "$TPP" verify "$VEC/good" --root abc

# A fresh export, XLSX included: the verifier agrees with the product on the real thing.
expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "finalize" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete "uji"
root=$(sqlite3 g.db "SELECT merkle_root FROM seal")
expect_exit 0 "keygen" -- "$TPP" --db g.db keygen --out k.key
expect_exit 0 "export" -- "$TPP" --db g.db export --period 2025-01 --out exp
expect_exit 0 "fresh export valid" -- "$VERIFY" --manifest exp --key k.key.pub --root "$root"
expect_output "VALID: 3 files in 1 manifest, signed by .* \(the given key\)" "fresh export counted"
expect_exit 0 "tpp verify --root on the fresh export" -- "$TPP" verify exp --key k.key.pub --root "$root"
# a draft (provisional seal) export is not the sealed month
expect_exit 0 "draft run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "export of the draft" -- "$TPP" --db g.db export --period 2025-01 --run 2 --out draft
expect_exit 1 "draft refused with --root" -- "$VERIFY" --manifest draft --root "$root"
expect_exit 1 "tpp verify: draft refused with --root" -- "$TPP" verify draft --root "$root"
for f in exp/*; do
    name=$(basename "$f")
    rm -rf t && cp -r exp t
    size=$(wc -c <"t/$name")
    at=$((size / 2))
    c=$(dd if="t/$name" bs=1 skip=$at count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
    if [ "$c" = 41 ]; then n=42; else n=41; fi
    printf "\\$(printf %o 0x$n)" | dd of="t/$name" bs=1 seek=$at conv=notrunc 2>/dev/null
    expect_exit 1 "flipped byte in $name" -- "$VERIFY" --manifest t --key k.key.pub
    expect_output "^t/$name: rejected: " "flipped byte in $name named"
done
finish
