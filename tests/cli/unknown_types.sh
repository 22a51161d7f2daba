# An absence or event whose type the rule pack in force does not know (imported under an
# earlier pack version) stops the run with the employee named: it must never silently become a
# day absent without notice, nor a cut left out.
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
finish
