# A file of many rows has its NIPs looked up in memory once 65,536 have been looked up in SQLite
# (importers/import.c, tpp_imp_known_nip): on both sides of that point the same rows are
# accepted and the same unknown NIPs reported, with their lines.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "gen" -- "$TPP" gen --employees 300 --period 2025-01 --seed 3 --out in
expect_exit 0 "init" -- "$TPP" --db w.db init --rules "$PACK"
expect_exit 0 "import employees" -- "$TPP" --db w.db import employees in/employees.csv
nips=$(tail -n +2 in/employees.csv | cut -d, -f1 | head -250 | tr '\n' ' ')

# events FILE [LINE NIP]...: 70,000 events of 250 employees, each with its own reference, with
# the NIP of the given lines replaced.
events() {
    file=$1; shift
    awk -v nips="$nips" -v subst="$*" 'BEGIN {
        n = split(nips, nip, " "); k = split(subst, s, " ")
        for (j = 1; j < k; j += 2) at[s[j]] = s[j + 1]
        print "nip,date,type,minutes,reference"
        for (i = 2; i <= 70001; i++) {
            x = (i in at) ? at[i] : nip[i % n + 1]
            printf "%s,2025-01-%02d,missed_apel,,R/%d\n", x, int(i / n) % 28 + 1, i
        } }' >"$file"
}

# Unknown NIPs at line 11 (looked up in SQLite), 69,001 and 69,501 (in memory), the last one 17
# digits long, and a NIP of a letter at line 69,600.
events bad.csv 11 199001012015011999 69001 199001012015011999 69501 19900101201501199 \
    69600 19900101201501199X
expect_exit 1 "import events with unknown NIPs" -- "$TPP" --db w.db import events bad.csv
for at in "11:1: error: unknown NIP '199001012015011999'" \
          "69001:1: error: unknown NIP '199001012015011999'" \
          "69501:1: error: unknown NIP '19900101201501199'" \
          "69600:1: error: unknown NIP '19900101201501199X'"; do
    expect_output "^bad.csv:$at in column 'nip' \(no such employee; import employees first\)$" \
        "reported at $at"
done
if [ "$(grep -c 'error: unknown NIP' out)" = 4 ]; then ok; else bad "not exactly 4 unknown NIPs"; cat out >&2; fi
if [ "$(sqlite3 w.db 'SELECT count(*) FROM event')" = 0 ]; then ok; else bad "a file with errors stored events"; fi

# The same file with known NIPs only: every row stored.
events good.csv
expect_exit 0 "import events" -- "$TPP" --db w.db import events good.csv
if [ "$(sqlite3 w.db 'SELECT count(*) FROM event')" = 70000 ]; then ok; else bad "not 70000 events stored"; fi
finish
