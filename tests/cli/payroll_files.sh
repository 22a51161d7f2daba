# Payroll files through the CLI: config, keygen, export with a signed manifest, tpp verify (clean,
# then one flipped byte in each file: exit 1 naming that file), Σ bank = Σ net = manifest total,
# a bad bank template reported as file:line:col with nothing written.
. "$(dirname "$0")/common.shlib"

for cmd in verify keygen config; do
    expect_exit 0 "$cmd --help" -- "$TPP" $cmd --help
    expect_output "usage: tpp" "$cmd --help shows usage"
done
expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "config place" -- "$TPP" --db g.db config set sign.place Samarinda
expect_exit 0 "config payer per OPD" -- "$TPP" --db g.db config set sign.payer.name "Siti Rahmah" --unit 1.01.01
expect_exit 2 "config bad NIP" -- "$TPP" --db g.db config set sign.payer.nip 123
expect_output "18-digit NIP" "config bad NIP message"
expect_exit 2 "config unknown key" -- "$TPP" --db g.db config set nope 1
expect_exit 2 "config date per OPD" -- "$TPP" --db g.db config set sign.date 2025-02-01 --unit 1.01.01
expect_exit 0 "config list" -- "$TPP" --db g.db config list
expect_output "sign.payer.name@1.01.01 = Siti Rahmah" "config list shows the OPD's setting"
expect_exit 1 "config get unset" -- "$TPP" --db g.db config get sign.date

expect_exit 0 "keygen" -- "$TPP" --db g.db keygen --out keys/bkpsdm.key
expect_exit 4 "keygen never overwrites" -- "$TPP" --db g.db keygen --out keys/bkpsdm.key
expect_exit 0 "export" -- "$TPP" --db g.db export --period 2025-01 --out exp
expect_output "manifest \(signed" "export signs the manifest"
expect_exit 0 "verify" -- "$TPP" verify exp --key keys/bkpsdm.key.pub
expect_output "4 files|3 files" "verify counts the files"
expect_output "check out; signed by" "verify reports the signer"

# Σ bank file = Σ net in the payment list = the manifest total.
bank=$(awk -F, 'NR > 1 && $1 != "JUMLAH" { s += $6 } END { print s }' exp/bank-generic-2025-01.csv)
trailer=$(awk -F, '$1 == "JUMLAH" { print $6 }' exp/bank-generic-2025-01.csv | tr -d '\r')
manifest=$(awk '$1 == "total-net" { print $2 }' exp/tpp-2025-01.manifest)
# the XLSX: the cached values of the JUMLAH rows' column R (18) on the OPD sheets
xlsx=0
for s in 2 3 4; do
    v=$(unzip -p exp/tpp-2025-01.xlsx xl/worksheets/sheet$s.xml |
        grep -o '<c r="R[0-9]*"[^>]*><f>SUM([^<]*)</f><v>[0-9]*</v>' | sed 's/.*<v>\([0-9]*\)<.*/\1/')
    xlsx=$((xlsx + v))
done
if [ -n "$bank" ] && [ "$bank" = "$manifest" ] && [ "$trailer" = "$manifest" ] &&
   [ "$xlsx" = "$manifest" ]; then ok
else bad "totals differ: bank $bank, trailer $trailer, xlsx $xlsx, manifest $manifest"; fi

# One flipped byte in any file: verify fails (exit 1) and names that file.
for f in exp/*; do
    rm -rf flip && cp -r exp flip
    g=flip/$(basename "$f")
    size=$(wc -c <"$g")
    printf '\001' | dd of="$g" bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
    if cmp -s "$f" "$g"; then
        printf '\002' | dd of="$g" bs=1 seek=$((size / 2)) count=1 conv=notrunc 2>/dev/null
    fi
    expect_exit 1 "verify after flipping a byte of $g" -- "$TPP" verify flip
    expect_output "^$g: error:" "verify names $g"
done
expect_exit 1 "verify a directory with no manifest" -- "$TPP" verify keys
expect_exit 4 "verify a missing directory" -- "$TPP" verify no-such-dir

# A bad bank template: every problem with file:line:col, and nothing written.
printf 'id: x\nlayout: fixed\ndetail:\n  - { field: nope, width: 3 }\n  - { field: name }\n' >bad.yaml
expect_exit 1 "bad template" -- "$TPP" --db g.db export --period 2025-01 --bank bad.yaml --out out-bad
expect_output "bad.yaml:4:14: error: unknown field 'nope'" "template error located"
expect_output "every column needs a width" "template fixed-width error"
if [ -e out-bad ]; then bad "a failed export left out-bad behind"; else ok; fi
finish
