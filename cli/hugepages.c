/* Transparent huge pages for tpp's heap, process-wide.
 *
 * A national month holds 4 to 6 GB of small heap blocks (employees, punches, traces, SQLite's
 * page cache, the attendance import's sort buffers). With 4 KiB pages every first touch of that
 * memory is a page fault: at 4,000,000 employees `tpp run` spent more time in the kernel faulting
 * and clearing pages than in the evaluator (docs/performance.md, round 3e). glibc asks the kernel
 * for huge pages for its heap when the tunable glibc.malloc.hugetlb=1 is set, and reads tunables
 * only from the environment at start-up: so tpp sets it and executes itself once more, before
 * it has done anything. Nothing else changes: the same code computes the same bytes, only the
 * memory under the heap comes in 2 MiB pages where the kernel allows it ("madvise" mode, the
 * Debian default, or "always").
 *
 * Left alone: a GLIBC_TUNABLES that already names glibc.malloc.hugetlb (set it to 0 to turn this
 * off), builds with a sanitizer (it has its own allocator), and any failure (no /proc/self/exe,
 * exec refused): tpp then runs on, in the process it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define HUGETLB_TUNABLE "glibc.malloc.hugetlb"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TPP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                       \
    __has_feature(memory_sanitizer)
#define TPP_SANITIZED 1
#endif
#endif

void tpp_cli_huge_pages(char **argv)
{
#if defined(__GLIBC__) && defined(__linux__) && !defined(TPP_SANITIZED)
    const char *old = getenv("GLIBC_TUNABLES");
    if (old != NULL && strstr(old, HUGETLB_TUNABLE) != NULL)
        return; /* already set, by us one exec ago or by the user */
    char value[4096];
    int n = old != NULL && old[0] != '\0'
                ? snprintf(value, sizeof value, "%s:" HUGETLB_TUNABLE "=1", old)
                : snprintf(value, sizeof value, HUGETLB_TUNABLE "=1");
    if (n < 0 || (size_t)n >= sizeof value || setenv("GLIBC_TUNABLES", value, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* exec refused: run on here, without the tunable (and without leaving it for children) */
    if (old != NULL)
        setenv("GLIBC_TUNABLES", old, 1);
    else
        unsetenv("GLIBC_TUNABLES");
#else
    (void)argv;
#endif
}
