# Rule packs: every shipped pack passes its static checks and its own tests; each broken pack of
# tests/rules/broken yields exactly its documented errors with file:line:col; the Samarinda
# "Rumus" page matches the checked-in page; pack versions in a workspace follow each other
# without overlap or gap, and a run uses the version in force for its month.
. "$(dirname "$0")/common.shlib"
RULES="$TPP_SOURCE_DIR/tests/rules"

for pack in "$TPP_SOURCE_DIR"/rules/packs/*.yaml; do
    name=$(basename "$pack")
    expect_exit 0 "check $name" -- "$TPP" rules check "$pack"
    expect_output ": ok: .*, 0 warnings" "$name has no warnings"
    expect_exit 0 "test $name" -- "$TPP" rules test "$pack"
    expect_output "[1-9][0-9]* passed, 0 failed" "$name has passing cases"
done

# Constructs the evaluator applies beyond the shipped packs: criteria, by_position, status
# multipliers, score mode, hit policy collect_sum (hand-checked cases in the file).
expect_exit 0 "check constructs" -- "$TPP" rules check "$RULES/constructs.yaml"
expect_exit 0 "test constructs" -- "$TPP" rules test "$RULES/constructs.yaml"
expect_output "3 passed, 0 failed" "constructs cases"

# The broken corpus: exit 3, and exactly the documented diagnostics.
cd "$RULES/broken" || exit 1
for pack in *.yaml; do
    "$TPP" rules check "$pack" >"$TPP_TEST_TMP/out" 2>&1
    code=$?
    grep "^$pack:" expected.txt >"$TPP_TEST_TMP/want"
    grep ": error: " "$TPP_TEST_TMP/out" >"$TPP_TEST_TMP/got"
    if [ "$code" -ne 3 ]; then bad "$pack: exit $code, expected 3"; else ok; fi
    if [ -s "$TPP_TEST_TMP/want" ] && cmp -s "$TPP_TEST_TMP/want" "$TPP_TEST_TMP/got"; then ok
    else bad "$pack: diagnostics differ"; diff "$TPP_TEST_TMP/want" "$TPP_TEST_TMP/got" >&2; fi
done
cd "$TPP_TEST_TMP" || exit 1

# A failing case: expected vs got, the step that differs, and the case's file:line:col.
sed 's/discipline_cut: 435521 /discipline_cut: 435520 /' "$PACK" >wrong.yaml
expect_exit 1 "failing case" -- "$TPP" rules test wrong.yaml
expect_output "FAIL  Terlambat 45 menit" "failing case named"
expect_output "discipline_cut +expected 435520, got 435521" "expected vs got"
expect_output "first step that differs: discipline.total 435521" "differing step"
expect_output "^wrong.yaml:[0-9]+:[0-9]+: error: test 'Terlambat 45 menit" "case location"
expect_output "6 passed, 1 failed" "case summary"

# The Rumus page, generated from the pack.
expect_exit 0 "show md" -- "$TPP" rules show "$PACK"
if cmp -s out "$RULES/samarinda-rumus.md"; then ok
else bad "Rumus page differs from tests/rules/samarinda-rumus.md"; diff "$RULES/samarinda-rumus.md" out >&2; fi
expect_exit 0 "show html" -- "$TPP" rules show --format html --out rumus.html "$PACK"
if grep -q '<td>TL2</td><td>31 s.d. 60 menit</td><td>3 %</td>' rumus.html; then ok
else bad "html page lacks the TL2 row"; fi
expect_exit 2 "show bad format" -- "$TPP" rules show --format pdf "$PACK"

# Effective dating: versions follow each other; overlaps and gaps are refused.
version() { # version ID FROM TO: the Samarinda pack with another id and validity
    sed -e "s/^  id: samarinda-2022-illustrative/  id: $1/" -e "s/^  valid_from: 2022-08-01/  valid_from: $2/" \
        -e "s/^  valid_to: ~/  valid_to: $3/" "$PACK" >"$1.yaml"
}
expect_exit 0 "golden workspace" -- golden_workspace d.db
version v2025b 2025-02-01 2025-06-30
expect_exit 0 "add v2025b" -- "$TPP" --db d.db rules add v2025b.yaml
expect_output "in force from 2025-02-01" "add message"
expect_exit 0 "add again" -- "$TPP" --db d.db rules add v2025b.yaml
expect_output "already stored" "same pack twice"
version overlap 2025-03-01 "~"
expect_exit 3 "overlap" -- "$TPP" --db d.db rules add overlap.yaml
expect_output "overlap.yaml: error: .*overlaps stored version 'v2025b'" "overlap message"
version gap 2025-08-01 "~"
expect_exit 3 "gap" -- "$TPP" --db d.db rules add gap.yaml
expect_output "gap.yaml: error: gap in validity: no pack is in force from 2025-07-01 to 2025-07-31" "gap message"
version v2025c 2025-07-01 "~"
expect_exit 0 "add v2025c" -- "$TPP" --db d.db rules add v2025c.yaml
sed 's/discipline_cut: 435521 /discipline_cut: 1 /; s/^  id: samarinda-2022-illustrative/  id: failing/' "$PACK" >failing.yaml
expect_exit 3 "failing tests refused" -- "$TPP" --db d.db rules add failing.yaml
expect_output "test case failed" "failing tests message"
expect_exit 0 "status" -- "$TPP" --db d.db status
expect_output "2025-01-31" "the open first version was closed the day before v2025b"
expect_exit 0 "run January" -- "$TPP" --db d.db run --period 2025-01
expect_output "samarinda-2022-illustrative" "January uses the first version"
expect_exit 0 "run February" -- "$TPP" --db d.db run --period 2025-02
expect_output "v2025b" "February uses the second version"
finish
