# An absence or event whose type, or a predicate, the rule pack in force does not know (imported
# under an earlier pack version) stops the run with the employee named: it must never silently
# become a day absent without notice, a cut left out, or missing performance data.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "golden workspace" -- golden_workspace g.db
sqlite3 g.db "UPDATE absence SET type = 'cuti_haji' WHERE nip = '198008082005082008'" ||
    bad "sqlite3 update"
expect_exit 1 "run with an absence type the pack does not know" -- \
    "$TPP" --db g.db run --period 2025-01
expect_output "employee '198008082005082008': absence type 'cuti_haji' from 2025-01-20 is not in the rule pack in force" \
    "names the employee and the type"
runs=$(sqlite3 g.db "SELECT count(*) FROM run")
if [ "$runs" = 0 ]; then ok; else bad "a run was stored ($runs)"; fi

sqlite3 g.db "UPDATE absence SET type = 'cuti_tahunan'; UPDATE event SET type = 'upacara' WHERE type = 'missed_apel'" ||
    bad "sqlite3 update"
expect_exit 1 "run with an event type the pack does not know" -- \
    "$TPP" --db g.db run --period 2025-01
expect_output "event type 'upacara' of 2025-01-06 is not in the rule pack in force" "names the event"

# A predicate imported under an earlier pack version that the version in force does not know
# is an error too, never "no performance data" (which would pay E11 the missing multiplier 0
# instead of butuh_perbaikan's 0.90). The second version renames butuh_perbaikan.
E11=198011112005111011
v2() {
    sed "s/^  id: samarinda-2022-illustrative/  id: samarinda-2025-v2-illustrative/;
         s/^  valid_from: 2022-08-01/  valid_from: $1/;
         s/^    butuh_perbaikan: 0.90/    perlu_perbaikan: 0.90/;
         s/predicate: butuh_perbaikan/predicate: perlu_perbaikan/" "$PACK" >"$2"
}
v2 2025-01-01 v2-jan.yaml
expect_exit 0 "golden workspace again" -- golden_workspace p.db
expect_exit 0 "a version without butuh_perbaikan from 1 January" -- \
    "$TPP" --db p.db rules add v2-jan.yaml
expect_exit 1 "run with a predicate the pack does not know" -- "$TPP" --db p.db run --period 2025-01
expect_output "employee '$E11': predicate 'butuh_perbaikan' of 2025-01 is not in the rule pack in force \(samarinda-2025-v2-illustrative\)" \
    "names the employee and the predicate"
runs=$(sqlite3 p.db "SELECT count(*) FROM run")
if [ "$runs" = 0 ]; then ok; else bad "a run was stored ($runs)"; fi

# The same version from 17 January: the predicate is read under the first day's version and
# must exist in the later one; E11's line is refused, naming it, the others are computed.
v2 2025-01-17 v2-mid.yaml
expect_exit 0 "golden workspace, third" -- golden_workspace m.db
expect_exit 0 "the version from 17 January" -- "$TPP" --db m.db rules add v2-mid.yaml
"$TPP" --db m.db run --period 2025-01 >out 2>&1
got=$(sqlite3 m.db "SELECT status || ': ' || message FROM result WHERE nip = '$E11'")
want="error: predicate 'butuh_perbaikan' is not in rule pack samarinda-2025-v2-illustrative in force from 2025-01-17"
if [ "$got" = "$want" ]; then ok; else bad "E11 mid-month: $got"; fi
got=$(sqlite3 m.db "SELECT count(*) FROM result WHERE status = 'ok'")
if [ "$got" = 19 ]; then ok; else bad "the other 19 computed: $got"; fi
finish
