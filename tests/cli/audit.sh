# Seal, tamper detection and replay of the golden month. Every kind of sealed record is edited
# behind tpp's back with the sqlite3 shell (dropping the protecting trigger first, as a
# determined editor would); `tpp audit verify` must fail and name the table, row and employee.
. "$(dirname "$0")/common.shlib"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not installed (scripts/install-deps)"; exit 1; }
E02=198002022005022002

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01

# The completeness gate: one employee has no performance data.
expect_exit 1 "finalize refuses an incomplete run" -- "$TPP" --db g.db finalize --period 2025-01
expect_output "198002142005022014' has no performance data" "gate names the employee"
expect_output "accept-incomplete" "gate says how to override"
expect_exit 0 "audit of an unsealed workspace" -- "$TPP" --db g.db audit verify
expect_output "0 seal" "nothing sealed yet"
expect_exit 2 "accept-incomplete needs a reason" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete ""
expect_exit 0 "finalize with a reason" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete "kinerja E20 menyusul"
expect_output "sealed run 1 of 2025-01: 20 employees" "finalize summary"
expect_output "previous seal 0{64}" "first seal starts the chain"
root=$(sqlite3 g.db "SELECT merkle_root FROM seal")
[ ${#root} -eq 64 ] && ok || bad "no root stored"
[ "$(sqlite3 g.db "SELECT accept_incomplete FROM seal")" = "1 blocking: kinerja E20 menyusul" ] && ok || bad "reason not recorded"
expect_exit 1 "only one seal per period" -- "$TPP" --db g.db finalize --period 2025-01 --accept-incomplete x
expect_output "already" "second finalize refused"
expect_exit 0 "a new draft run is still possible" -- "$TPP" --db g.db run --period 2025-01
expect_exit 1 "but it cannot be sealed over the first" -- "$TPP" --db g.db finalize --period 2025-01 --run 2 --accept-incomplete x
expect_output "already sealed by run 1" "names the sealing run"

# The schema refuses rows added behind tpp's back: to a sealed run (its trigger), and to no run at
# all (result.run_id's key, checked at commit); nothing of either is stored.
n_results=$(sqlite3 g.db "SELECT count(*) FROM result")
# (the sqlite3 shell's exit status is SQLite's error code: only its failure is checked)
if sqlite3 g.db "INSERT INTO result SELECT * FROM result WHERE run_id = 1 LIMIT 1" >out 2>&1
then bad "a row was added to a sealed run's results"; else ok; fi
expect_output "sealed: results of a final run cannot be added" "trigger message"
if sqlite3 g.db >out 2>&1 "PRAGMA foreign_keys = ON;
    INSERT INTO result SELECT 99, nip, name, unit_code, unit_name, position, grade, class, npwp,
    bank_name, bank_account, status, message, workdays, days_present, days_absent,
    days_missing_punch, days_excused, late_minutes, early_minutes, deferred, perf_missing,
    besaran, percent_bp, discipline_cut, performance_cut, tpp, pot_bulan_lalu, pot_hukdis,
    bpjs_employer, gross, bpjs_employee, deductions, net_before_tax, pph21, net, trace, line
    FROM result WHERE run_id = 2 LIMIT 1"
then bad "a result of no run was added"; else ok; fi
expect_output "FOREIGN KEY constraint failed" "key message"
[ "$(sqlite3 g.db "SELECT count(*) FROM result")" = "$n_results" ] && ok || bad "a refused row was stored"

expect_exit 0 "audit verify: intact" -- "$TPP" --db g.db audit verify
expect_output "1 seal\(s\), 20 sealed employee line\(s\), 6 input file\(s\) checked: intact" "audit summary"
expect_exit 0 "audit verify --json" -- "$TPP" --db g.db audit verify --json
expect_output '"intact":true' "json summary"

expect_exit 0 "replay of the untouched sealed month" -- "$TPP" --db g.db replay --period 2025-01
expect_output "^engine: tpp" "engine reported first"
expect_output "20 identical, 0 differ" "every employee identical"
expect_output "^IDENTICAL$" "replay verdict"
expect_output "replay root $root" "replay gives the sealed root"

# Inclusion proof: checked by the separate verifier given only the published root and size.
VERIFY="$(dirname "$TPP")/tpp-verify-proof"
expect_exit 0 "proof" -- "$TPP" --db g.db proof $E02 --period 2025-01 --out e02.proof
expect_exit 0 "verifier accepts the proof" -- "$VERIFY" e02.proof --root "$root" --size 20
expect_output "^VALID: the line of NIP $E02 \(Budi Santoso\) for 2025-01" "verifier verdict"
expect_exit 1 "verifier rejects it under another root" -- "$VERIFY" e02.proof --root "$(printf '%064d' 1)" --size 20
expect_exit 1 "no proof for an unknown NIP" -- "$TPP" --db g.db proof 199901012020011999 --period 2025-01
expect_output "has no line in the seal" "unknown NIP"
expect_exit 1 "no proof for an unsealed period" -- "$TPP" --db g.db proof $E02 --period 2025-02
expect_exit 0 "proof to stdout" -- "$TPP" --db g.db proof $E02 --period 2025-01 --out -
cmp -s out e02.proof && ok || bad "proof to stdout differs from the file"

# Casual edits are stopped by the triggers.
for sql in "UPDATE result SET net = 1 WHERE run_id = 1 AND nip = '$E02'" \
           "DELETE FROM result WHERE run_id = 1" \
           "CREATE TEMP TABLE x AS SELECT * FROM result WHERE run_id = 2 LIMIT 1; UPDATE x SET run_id = 1, nip = '1'; INSERT INTO result SELECT * FROM x" \
           "UPDATE run SET total_net = 1 WHERE id = 1" \
           "UPDATE run SET state = 'draft' WHERE id = 1" \
           "UPDATE input_file SET content = X'00' WHERE id = 3" \
           "UPDATE rule_pack SET text = 'x'" \
           "DELETE FROM run_input WHERE run_id = 1" \
           "UPDATE seal SET merkle_root = 'x'" \
           "DELETE FROM seal_leaf"; do
    if sqlite3 g.db "$sql" 2>err; then bad "trigger let through: $sql"; else
        grep -q "sealed" err && ok || { bad "no trigger message for: $sql"; cat err >&2; }
    fi
done
expect_exit 0 "still intact after the refused edits" -- "$TPP" --db g.db audit verify

# tamper NAME EXPECTED-PATTERN SQL...: copy the sealed workspace, run the SQL in the sqlite3 shell,
# and check that audit verify fails with a line matching the pattern.
tamper() {
    name=$1 pattern=$2
    shift 2
    cp g.db "t-$name.db"
    sqlite3 "t-$name.db" "$@" || { bad "$name: sqlite3 failed"; return; }
    expect_exit 1 "audit finds $name" -- "$TPP" --db "t-$name.db" audit verify
    expect_output "$pattern" "audit names $name"
    expect_output "TAMPERING FOUND" "audit verdict for $name"
}
drop() { echo "DROP TRIGGER $1;"; }

# The compact trace (docs/compact-trace.md) of E02 holds its TL1 day, 2025-01-07, as the bytes
# 3c (late=30) 01 (a band) 25 (the band code TL1, pack string 18) 32 14 (2.5 = 25/10); the edit
# makes the percentage 0.1 (02 14), which renders as 'band=TL1 cut=0.1%'.
TL1_EDIT="CAST(replace(CAST(trace AS TEXT), char(60, 1, 37, 50, 20), char(60, 1, 37, 2, 20)) AS BLOB)"
tamper result-net "TAMPERED result row [0-9]+ employee $E02: payroll columns of run 1 differ" \
    "$(drop result_sealed_no_update) UPDATE result SET net = net + 100000 WHERE run_id = 1 AND nip = '$E02'"
tamper trace "TAMPERED result row [0-9]+ employee $E02: column trace of run 1 differs" \
    "$(drop result_sealed_no_update) UPDATE result SET trace = $TL1_EDIT WHERE run_id = 1 AND nip = '$E02'"
tamper result-deleted "TAMPERED result employee $E02: sealed line of run 1 is missing" \
    "$(drop result_sealed_no_delete) DELETE FROM result WHERE run_id = 1 AND nip = '$E02'"
tamper result-added "TAMPERED result row [0-9]+ employee 199901012020011999: line of run 1 is not in seal" \
    "$(drop result_sealed_no_insert) INSERT INTO result SELECT 1, '199901012020011999', name, unit_code, unit_name, position, grade, class, npwp, bank_name, bank_account, status, message, workdays, days_present, days_absent, days_missing_punch, days_excused, late_minutes, early_minutes, deferred, perf_missing, besaran, percent_bp, discipline_cut, performance_cut, tpp, pot_bulan_lalu, pot_hukdis, bpjs_employer, gross, bpjs_employee, deductions, net_before_tax, pph21, net, trace, line FROM result WHERE run_id = 1 AND nip = '$E02'"
att=$(sqlite3 g.db "SELECT id FROM input_file WHERE kind = 'attendance'")
# The raw chunks are zstd frames (schema 10): an editor decodes them, edits and encodes again
# (edited-SEQ.zst), or writes the edited text back plain (edited-SEQ.txt, codec 0).
command -v zstd >/dev/null || { echo "zstd not installed (scripts/install-deps)"; exit 1; }
[ "$(sqlite3 g.db "SELECT count(*) FROM input_chunk WHERE file_id = $att AND codec = 1")" -gt 0 ] &&
    ok || bad "the attendance file's chunks are not stored compressed"
for seq in $(sqlite3 g.db "SELECT seq FROM input_chunk WHERE file_id = $att"); do
    sqlite3 g.db "SELECT writefile('chunk.zst', data) FROM input_chunk WHERE file_id = $att AND seq = $seq" >/dev/null
    zstd -q -d -f -c chunk.zst > plain.txt
    sed 's/08:00:00/07:30:00/g' plain.txt > "edited-$seq.txt"
    zstd -q -1 -f -c "edited-$seq.txt" > "edited-$seq.zst"
    cmp -s plain.txt "edited-$seq.txt" && bad "chunk $seq: nothing to edit" || ok
done
tamper input "TAMPERED input_file row $att: content of attendance file '.*attendance.csv' does not match its sealed SHA-256" \
    "$(drop input_chunk_sealed_no_update) UPDATE input_chunk SET data = readfile('edited-' || seq || '.zst') WHERE file_id = $att"
tamper input-plain "TAMPERED input_file row $att: content of attendance file '.*attendance.csv' does not match its sealed SHA-256" \
    "$(drop input_chunk_sealed_no_update) UPDATE input_chunk SET codec = 0, data = readfile('edited-' || seq || '.txt') WHERE file_id = $att"
tamper input-damaged "TAMPERED input_file row $att: content of attendance file '.*attendance.csv' does not match its sealed SHA-256" \
    "$(drop input_chunk_sealed_no_update) UPDATE input_chunk SET data = CAST(substr(data, 1, 12) || zeroblob(16) || substr(data, 29) AS BLOB) WHERE file_id = $att"
tamper input-rehashed "TAMPERED input_file row $att: column sha256 is" \
    "$(drop input_chunk_sealed_no_update) $(drop input_file_sealed_no_update) UPDATE input_chunk SET data = readfile('edited-' || seq || '.zst') WHERE file_id = $att; UPDATE input_file SET sha256 = lower(hex(randomblob(32))) WHERE id = $att"
tamper pack "TAMPERED rule_pack row 1: text does not match its sealed SHA-256" \
    "$(drop rule_pack_sealed_no_update) $(drop rule_pack_later_sealed_no_update) UPDATE rule_pack SET text = replace(text, 'percent: 2.5', 'percent: 0.5')"
tamper pack-rehashed "TAMPERED rule_pack: no rule pack with the SHA-256 sealed for run 1" \
    "PRAGMA foreign_keys = OFF; $(drop rule_pack_sealed_no_update) $(drop rule_pack_later_sealed_no_update) UPDATE rule_pack SET text = text || ' ', sha256 = lower(hex(randomblob(32)))"
tamper run-total "TAMPERED run row 1: column total_net is" \
    "$(drop run_sealed_no_update) UPDATE run SET total_net = total_net + 1 WHERE id = 1"
tamper run-unsealed "TAMPERED run row 1: column state is 'draft'" \
    "$(drop run_sealed_no_update) UPDATE run SET state = 'draft' WHERE id = 1"
tamper run-input "TAMPERED run_input row 1: the input files listed for run 1 are not those sealed" \
    "$(drop run_input_sealed_no_delete) DELETE FROM run_input WHERE run_id = 1 AND kind = 'events'"
tamper seal-root "TAMPERED seal row 1: seal of 2025-01 \(run 1\) does not match its seal_hash" \
    "$(drop seal_no_update) UPDATE seal SET merkle_root = '$(printf '%064d' 0)'"
tamper seal-leaf "TAMPERED seal_leaf row 1: the stored leaves of seal 1 do not give its Merkle root" \
    "$(drop seal_leaf_no_update) UPDATE seal_leaf SET leaf_hash = '$(printf '%064d' 0)' WHERE idx = 2"
tamper seal-deleted "TAMPERED run row 1: run of 2025-01 is final but has no seal" \
    "$(drop seal_no_delete) $(drop seal_leaf_no_delete) DELETE FROM seal_leaf; DELETE FROM seal"
tamper trigger "TAMPERED schema: trigger result_sealed_no_update is missing" \
    "$(drop result_sealed_no_update)"

# A proof is not issued from a workspace whose results no longer give the sealed root.
expect_exit 1 "no proof from a tampered workspace" -- "$TPP" --db t-result-net.db proof $E02 --period 2025-01
expect_output "no longer give the sealed root" "proof refused"

# The chain across months: seal February too, then remove January's seal.
expect_exit 0 "run February" -- "$TPP" --db g.db run --period 2025-02
expect_exit 0 "seal February" -- "$TPP" --db g.db finalize --period 2025-02 --accept-incomplete "uji rantai"
first=$(sqlite3 g.db "SELECT seal_hash FROM seal WHERE id = 1")
expect_output "previous seal $first" "February chains to January"
expect_exit 0 "two seals intact" -- "$TPP" --db g.db audit verify
expect_output "2 seal\(s\)" "both seals checked"
tamper chain "TAMPERED seal row 2: chain broken: the first seal must have a zero prev_seal_hash" \
    "PRAGMA foreign_keys = OFF; $(drop seal_no_delete) $(drop seal_leaf_no_delete) DELETE FROM seal_leaf WHERE seal_id = 1; DELETE FROM seal WHERE id = 1"

# Replay: a different engine is said up front; a changed line is named at its first step.
cp g.db r.db
sqlite3 r.db "$(drop run_sealed_no_update) UPDATE run SET engine_version = '0.0.9' WHERE id = 1"
expect_exit 0 "replay under another engine" -- "$TPP" --db r.db replay --period 2025-01
head -1 out | grep -q "^ENGINE DIFFERS: run 1 was computed by tpp 0.0.9" && ok || { bad "engine difference not first"; cat out >&2; }
cp g.db r2.db
sqlite3 r2.db "$(drop result_sealed_no_update) UPDATE result SET trace = $TL1_EDIT WHERE run_id = 1 AND nip = '$E02'; UPDATE result SET net = 1 WHERE run_id = 1 AND nip = '198001012005011001'"
expect_exit 1 "replay of an edited run" -- "$TPP" --db r2.db replay --period 2025-01
expect_output "DIFFERS $E02: first difference at day.2025-01-07" "first differing step named"
expect_output "DIFFERS 198001012005011001: first difference at column:net" "differing column named"
expect_output "18 identical, 2 differ" "the others identical"
expect_output "^DIFFERENT$" "replay verdict"
cp "t-input.db" r3.db
expect_exit 1 "replay refuses a changed input file" -- "$TPP" --db r3.db replay --period 2025-01
expect_output "no longer matches the SHA-256" "replay names the changed input"
cp "t-input-damaged.db" r4.db
expect_exit 1 "replay refuses a damaged stored chunk" -- "$TPP" --db r4.db replay --period 2025-01
expect_output "no longer matches the SHA-256" "replay names the damaged input"
expect_exit 1 "replay of an unsealed period" -- "$TPP" --db g.db replay --period 2025-03
expect_output "not sealed" "unsealed period"
finish
