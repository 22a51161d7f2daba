/* Temporary files a killed writer left behind.
 *
 * Every file tpp writes atomically goes first to "<name>.tmp-<pid>" in the same directory and is
 * renamed over <name> once synced (engine/util.c). A writer killed before the rename leaves that
 * temporary file. The next export into the directory removes the ones that belong to it: the
 * names it is about to write, followed by ".tmp-" and a process id that is no running process
 * (or is this process, which has written nothing yet). Nothing else is touched: not another
 * program's files, not a symlink, not the temporary file of an export still running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/util.h"

#define TMP_MARK ".tmp-"

/* The pid of "<name>.tmp-<digits>[.lib]", or 0 when entry is not that. */
static long tmp_pid(const char *entry, const char *name)
{
    size_t n = strlen(name), m = strlen(TMP_MARK);
    if (strncmp(entry, name, n) != 0 || strncmp(entry + n, TMP_MARK, m) != 0)
        return 0;
    const char *d = entry + n + m;
    size_t digits = strspn(d, "0123456789");
    /* "<name>.tmp-<pid>.lib": the XLSX exporter's workbook before it is re-packed */
    bool end = d[digits] == '\0' || strcmp(d + digits, ".lib") == 0;
    if (digits == 0 || digits > 9 || !end || d[0] == '0')
        return 0;
    return strtol(d, NULL, 10);
}

static bool process_gone(long pid)
{
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

tpp_status tpp_remove_stale_temps(const char *dir, const char *const *names, size_t n_names,
                                  size_t *removed, tpp_error *err)
{
    *removed = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return TPP_OK;
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot read directory '%s': %s", dir,
                        strerror(errno));
    }
    tpp_status rc = TPP_OK;
    struct dirent *de;
    while (rc == TPP_OK && (de = readdir(d)) != NULL) {
        long pid = 0;
        for (size_t i = 0; i < n_names && pid == 0; i++)
            pid = tmp_pid(de->d_name, names[i]);
        if (pid == 0 || !process_gone(pid))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
            (*removed)++;
        else if (errno != ENOENT)
            rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot remove '%s/%s': %s", dir, de->d_name,
                          strerror(errno));
    }
    closedir(d);
    return rc;
}
