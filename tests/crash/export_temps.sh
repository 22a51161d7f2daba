#!/bin/bash
# Temporary files of killed exports (docs/reliability.md): an export removes the "<name>.tmp-PID"
# files an earlier, killed export into the same directory left behind — only those of the names
# it writes itself, only regular files, only when PID is no running process — and every rename
# of an atomic write is followed by an fsync of the directory (checked with strace when present).
# Env: TPP, TPP_SOURCE_DIR, TPP_TEST_TMP (as tests/cli/*.sh).
here=$(cd "$(dirname "$0")" && pwd)
: "${TPP_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${TPP:=$TPP_SOURCE_DIR/build/asan/tpp}"
: "${TPP_TEST_TMP:=$(mktemp -d)}"
case $TPP in /*) ;; *) TPP="$PWD/$TPP" ;; esac
export TPP TPP_SOURCE_DIR TPP_TEST_TMP
. "$TPP_SOURCE_DIR/tests/cli/common.shlib"

golden_workspace g.db || { echo "setup failed"; exit 1; }
expect_exit 0 "run" -- "$TPP" --db g.db run --period 2025-01
expect_exit 0 "first export" -- "$TPP" --db g.db export --period 2025-01 --out exp
cp -r exp ref

# Process ids that are certainly not running: children that have exited.
sh -c 'exit 0' & dead1=$!; wait $dead1
sh -c 'exit 0' & dead2=$!; wait $dead2
sleep 60 & live=$!

ours="tpp-2025-01.xlsx.tmp-$dead1 tpp-2025-01.csv.tmp-$dead1 tpp-2025-01.manifest.tmp-$dead2
      bank-generic-2025-01.csv.tmp-$dead2"
for f in $ours; do printf 'half a file' >"exp/$f"; done
# Not ours to remove: another program's name, another month, a writer still running, not a
# pid, a leading zero, a symlink, a directory.
theirs="notes.txt.tmp-$dead1 tpp-2025-02.xlsx.tmp-$dead1 tpp-2025-01.xlsx.tmp-$live
        tpp-2025-01.xlsx.tmp-12ab tpp-2025-01.xlsx.tmp-0$dead1 tpp-2025-01.xlsx.tmp-
        xtpp-2025-01.csv.tmp-$dead1"
for f in $theirs; do printf 'keep me' >"exp/$f"; done
printf 'target' >exp-target
ln -s ../exp-target "exp/tpp-2025-01.csv.tmp-$dead2"
mkdir "exp/tpp-2025-01.xlsx.tmp-$dead2"

expect_exit 0 "export over the leftovers" -- "$TPP" --db g.db export --period 2025-01 --out exp
expect_output "removed 4 temporary file\(s\) left by an interrupted export" "the removal is reported"
for f in $ours; do
    if [ ! -e "exp/$f" ]; then ok; else bad "leftover exp/$f was not removed"; fi
done
for f in $theirs; do
    if [ "$(cat "exp/$f" 2>/dev/null)" = "keep me" ]; then ok; else bad "exp/$f was touched"; fi
done
if [ -L "exp/tpp-2025-01.csv.tmp-$dead2" ] && [ "$(cat exp-target)" = target ]; then ok; else
    bad "a symlink named like a leftover was followed or removed"; fi
if [ -d "exp/tpp-2025-01.xlsx.tmp-$dead2" ]; then ok; else bad "a directory was removed"; fi
for f in tpp-2025-01.xlsx tpp-2025-01.csv tpp-2025-01.manifest bank-generic-2025-01.csv; do
    if cmp -s "exp/$f" "ref/$f"; then ok; else bad "exp/$f differs from the first export"; fi
done
kill $live 2>/dev/null
wait $live 2>/dev/null

# A second export with nothing to clean says nothing about it.
rm -rf exp2
expect_exit 0 "clean export" -- "$TPP" --db g.db export --period 2025-01 --out exp2
if grep -q "temporary file" out; then bad "a clean export reports removed files"; else ok; fi

# Every rename of an atomic write is followed by an fsync of its directory.
if command -v strace >/dev/null 2>&1; then
    rm -rf exp3
    strace -f -qq -e trace=openat,rename,renameat,renameat2,fsync -o trace.txt \
        "$TPP" --db g.db export --period 2025-01 --out exp3 >/dev/null 2>&1
    # after each rename into exp3: an open of the directory, then an fsync of that descriptor
    if awk '
        /rename/ && /exp3\// { pending++; next }
        pending && /openat\(.*"exp3", O_RDONLY\|O_DIRECTORY/ { split($0, a, "= "); fd = a[2] + 0; next }
        pending && fd && $0 ~ ("fsync\\(" fd "\\)") { pending--; synced++; fd = 0; next }
        END { if (pending || synced < 4) { print "renames not followed by a directory fsync: " pending ", synced " synced; exit 1 } }
    ' trace.txt; then ok; else bad "directory fsync after rename"; grep -E "rename|exp3\"|fsync" trace.txt | head -20 >&2; fi
fi
finish
