# CLI contract: exit codes and messages of SPEC §2 for usage errors, missing files, bad rules and
# bad data; a failed import leaves the workspace unchanged.
. "$(dirname "$0")/common.shlib"

expect_exit 0 "help" -- "$TPP" --help
expect_output "^usage: tpp" "help text"
expect_exit 0 "version" -- "$TPP" --version
expect_output "sqlite 3" "version lists libraries"
expect_exit 2 "no command" -- "$TPP"
expect_exit 2 "unknown command" -- "$TPP" frobnicate
expect_output "'frobnicate' is not a command" "unknown command message"
expect_exit 2 "unknown global option" -- "$TPP" --bogus
expect_output "unknown option '--bogus'" "unknown option message"
expect_exit 2 "unknown command option" -- "$TPP" run --bogus
expect_output "Try 'tpp run --help'" "usage hint"
expect_exit 2 "bad period" -- "$TPP" run --period 2025-13
expect_output "invalid period '2025-13'" "bad period message"
for cmd in init import run status export explain rules gen demo; do
    expect_exit 0 "$cmd --help" -- "$TPP" $cmd --help
    expect_output "usage: tpp" "$cmd --help text"
done

# I/O: no workspace, missing input file.
expect_exit 4 "no workspace" -- "$TPP" --db nowhere.db status
expect_output "no workspace at 'nowhere.db'" "no workspace message"
expect_exit 0 "init" -- "$TPP" --db w.db init --rules "$PACK"
expect_exit 4 "init twice" -- "$TPP" --db w.db init --rules "$PACK"
expect_exit 4 "missing file" -- "$TPP" --db w.db import employees no-such.csv
expect_output "cannot open 'no-such.csv'" "missing file message"
expect_exit 2 "unknown kind" -- "$TPP" --db w.db import salaries x.csv

# Invalid rules: exit 3, every error with file:line:col.
sed -e 's/^    percent: 7$/    percent: seven/' -e 's/^  grace_minutes: 0$/  grace_minute: 0/' \
    "$PACK" >bad-pack.yaml
expect_exit 3 "bad rules" -- "$TPP" rules check bad-pack.yaml
expect_output "bad-pack.yaml:[0-9]+:[0-9]+: error: .*seven" "bad percent located"
expect_output "bad-pack.yaml:[0-9]+:[0-9]+: error: .*grace_minute" "unknown key located"
expect_exit 3 "init with bad rules" -- "$TPP" --db bad.db init --rules bad-pack.yaml
if [ ! -e bad.db ]; then ok; else bad "a workspace was created from bad rules"; fi
expect_exit 0 "good rules" -- "$TPP" rules check "$PACK"

# Bad data: a malformed row is reported with file:line:col, exit 1, and nothing changes.
expect_exit 0 "import employees" -- "$TPP" --db w.db import employees "$GOLDEN/employees.csv"
"$TPP" --db w.db status >before
{
    echo "nip,timestamp,direction,device"
    echo "198001012005011001,2025-01-02 07:15:00,,FP-01"
    echo "198001012005011001,2025-01-02 25:15:00,,FP-01"
    echo "198001012005011001,2025-01-02 16:05:00,sideways,FP-01"
} >bad-att.csv
expect_exit 1 "bad attendance" -- "$TPP" --db w.db import attendance bad-att.csv
expect_output "bad-att.csv:3:[0-9]+: error: .*25:15:00" "bad timestamp located on line 3"
expect_output "bad-att.csv:4:[0-9]+: error: .*sideways" "bad direction located on line 4"
"$TPP" --db w.db status >after
if cmp -s before after; then ok; else bad "failed import changed the workspace"; diff before after >&2; fi
{
    echo "nip,name,status,unit_code,unit_name,position,class,grade,schedule"
    echo "198001012005011001,\"Unclosed,PNS,1.01.01,Dinas,Analis,9,III/b,5day"
} >bad-quote.csv
expect_exit 1 "unterminated quote" -- "$TPP" --db w.db import employees bad-quote.csv
expect_output "bad-quote.csv:2:[0-9]+: error:" "unterminated quote located"
"$TPP" --db w.db status >after
if cmp -s before after; then ok; else bad "failed import changed the workspace"; fi

# The same file twice changes nothing.
expect_exit 0 "import holidays" -- "$TPP" --db w.db import holidays "$GOLDEN/holidays.csv"
expect_exit 0 "import holidays again" -- "$TPP" --db w.db import holidays "$GOLDEN/holidays.csv"
expect_output "already imported" "second import is a no-op"

# Export before any run: a clear error.
expect_exit 1 "export without a run" -- "$TPP" --db w.db export --period 2025-01 --out x
expect_output "no run for period 2025-01" "export without a run message"
finish
