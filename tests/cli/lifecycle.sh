# The run lifecycle on the golden month: drafts are never overwritten; `tpp diff` names the
# changed employee, the first differing step and the amounts; the supplementary list; a
# correction carried into the next month; sanctions read from the workspace across months.
. "$(dirname "$0")/common.shlib"
E05=198005052005051005
E01=198001012005011001

expect_exit 0 "golden workspace" -- golden_workspace g.db
expect_exit 0 "run 1" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "run 2 (same inputs)" -- "$TPP" --db g.db run --period 2025-01
expect_output "run 2 \(draft\)" "a second draft of the same month"
expect_exit 0 "diff of identical runs" -- "$TPP" --db g.db diff 1 2
expect_output "0 changed, 0 added, 0 removed, 20 the same" "identical runs"

# The correction: E05's absent Tuesday 14 January was official travel (dinas luar). Run 1
# cut 7 % of 4,355,208 = 304,865 (col 8 4,050,343); the revision pays the whole 4,355,208.
printf 'nip,type,start_date,end_date,reference\n%s,dinas_luar,2025-01-14,2025-01-14,ST/77/2025\n' \
    "$E05" >dl.csv
expect_exit 0 "import the correction" -- "$TPP" --db g.db import absences dl.csv
expect_exit 0 "run 3 (revision)" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "diff 1 3" -- "$TPP" --db g.db diff 1 3 --csv kurang.csv --carry-to 2025-02
expect_output "^$E05 changed" "the changed employee"
expect_output "first step that differs: day.2025-01-14  absent -> dinas_luar" "first differing step"
expect_output "col 8 4050343 -> 4355208 \(\+304865\)" "col 8 of both runs"
expect_output "1 changed, 0 added, 0 removed, 19 the same; col 8 \+304865" "diff summary"
expect_output "1 correction line\(s\) carried into 2025-02" "carried"
if grep -q "^$E05,Eko Saputra,1.01.01,4050343,4355208,304865,.*,kekurangan_bayar,day.2025-01-14$" kurang.csv
then ok; else bad "supplementary list line"; cat kurang.csv >&2; fi
# Carrying the same pair again changes nothing.
expect_exit 0 "carry again" -- "$TPP" --db g.db diff 1 3 --carry-to 2025-02
expect_output "0 correction line\(s\) carried" "carry is idempotent"
expect_exit 2 "carry into the same month" -- "$TPP" --db g.db diff 1 3 --carry-to 2025-01
expect_output "only be carried into a later month" "carry backwards refused"
expect_exit 2 "diff of an unknown run" -- "$TPP" --db g.db diff 1 99
expect_output "no run 99" "unknown run"

# February (no scans imported: every day absent, TPP cut to 0 by the 100 % cap): E05's line
# carries the kekurangan bayar 304,865 in col 8 with a `correction` step.
expect_exit 0 "run February" -- "$TPP" --db g.db run --period 2025-02
got=$(sqlite3 g.db "SELECT tpp FROM result WHERE run_id = 4 AND nip = '$E05'")
if [ "$got" = "304865" ]; then ok; else bad "February col 8 of E05: $got, expected 304865"; fi
expect_exit 0 "explain February" -- "$TPP" --db g.db explain "$E05" --period 2025-02
expect_output "correction.*kekurangan bayar 304865" "explain shows the correction"

# Sanctions from the workspace, with a pack that defines them: one decided in October 2024 for
# 6 months is in month 4 in January 2025; one of June 2024 for 6 months ended in November.
# E01 (col 8 4,355,208, BPJS 174,208 / 43,552): 25 % = 1,088,802 in col 10;
# col 12 = 4,355,208 + 174,208 - 1,088,802 = 3,440,614; net = 3,440,614 - 217,760 = 3,222,854.
cp "$PACK" with-sanctions.yaml  # the pack carries the PP 94/2021 sanctions
"$TPP" --db s.db init --rules with-sanctions.yaml >/dev/null || bad "init with sanctions"
for kind in employees holidays attendance absences events performance; do
    "$TPP" --db s.db import "$kind" "$GOLDEN/$kind.csv" >/dev/null || bad "import $kind"
done
sqlite3 s.db "INSERT INTO input_file(kind, sha256, path, rows, content, imported_at)
              VALUES ('sanctions', 'x', 'sanctions.csv', 2, x'', '2025-01-01T00:00:00Z');
              INSERT INTO sanction(nip, level, start_period, months, reference, file_id) VALUES
              ('$E01', 'hukdis_sedang_6', '2024-10', 6, 'SK/1', last_insert_rowid()),
              ('$E05', 'hukdis_sedang_6', '2024-06', 6, 'SK/2', last_insert_rowid());" ||
    bad "insert sanctions"
expect_exit 0 "run with sanctions" -- "$TPP" --db s.db run --period 2025-01
row=$(sqlite3 s.db "SELECT pot_hukdis, gross, net FROM result WHERE nip = '$E01'")
if [ "$row" = "1088802|3440614|3222854" ]; then ok; else bad "E01 sanction line: $row"; fi
row=$(sqlite3 s.db "SELECT pot_hukdis FROM result WHERE nip = '$E05'")
if [ "$row" = "0" ]; then ok; else bad "E05's ended sanction applied: $row"; fi
expect_exit 0 "explain sanction" -- "$TPP" --db s.db explain "$E01" --period 2025-01
expect_output "sanction.hukdis_sedang_6.*started=2024-10 month 4 of 6" "sanction step"

# A sanction the pack does not know stops the run with its name, storing nothing.
sqlite3 s.db "INSERT INTO sanction(nip, level, start_period, months, file_id)
              VALUES ('$E01', 'hukdis_berat', '2025-01', 12, 1)"
expect_exit 1 "unknown sanction" -- "$TPP" --db s.db run --period 2025-01
expect_output "sanction 'hukdis_berat' from 2025-01 is not in the rule pack" "unknown sanction"
n=$(sqlite3 s.db "SELECT COUNT(*) FROM run")
if [ "$n" = "1" ]; then ok; else bad "runs after a refused run: $n"; fi
finish
