/* tpp trace --period P [--run ID] [NIP...]: the text trace of every employee of a run (or of
 * the NIPs given), rendered from the stored compact trace with the run's own rule pack. It is
 * what people used to read with SQL from result.trace before traces were stored compact (a
 * view cannot render them: that needs the pack). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "engine/trace_read.h"

static const char usage[] = "usage: tpp [--db <file>] trace --period <YYYY-MM> [--run <id>] "
                            "[<nip>...]\n";

static void help(void)
{
    printf("%s\nPrint the trace of every employee of a run, or of the NIPs given, as text:\n"
           "for each employee a line '# NIP', the trace (one line per step: step, result,\n"
           "rounding, citation, detail, tab-separated) and an empty line, in NIP order; an\n"
           "employee transferred between OPDs has one per line, '# NIP line N' from the second.\n"
           "The run is the sealed run of the period, else its latest run.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "  -r, --run <id>          this run of the month instead\n"
           "  -h, --help              this help\n",
           usage);
}

static tpp_status find_run(tpp_store *st, const char *period, long long want, long long *run,
                           tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT id FROM run WHERE period = ?1 AND (?2 = 0 OR id = ?2) "
                              "ORDER BY state = 'final' DESC, id DESC LIMIT 1",
                              &q, err));
    sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, want);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) == SQLITE_ROW)
        *run = sqlite3_column_int64(q, 0);
    else if (want)
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "run %lld is not a run of %s", want, period);
    else
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no run of %s", period);
    sqlite3_finalize(q);
    return rc;
}

static tpp_status dump(tpp_store *st, long long run, char **nips, int n_nips, tpp_error *err)
{
    tpp_pack_cache *cache = tpp_pack_cache_new(st);
    if (cache == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    sqlite3_stmt *q = NULL;
    tpp_status rc =
        tpp_store_prepare(st,
                          n_nips ? "SELECT nip, trace, line FROM result WHERE run_id = ?1 AND "
                                   "nip = ?2 ORDER BY line"
                                 : "SELECT nip, trace, line FROM result WHERE run_id = ?1 ORDER "
                                   "BY nip, line",
                          &q, err);
    for (int i = 0; rc == TPP_OK && i < (n_nips ? n_nips : 1); i++) {
        sqlite3_bind_int64(q, 1, run);
        if (n_nips)
            sqlite3_bind_text(q, 2, nips[i], -1, SQLITE_STATIC);
        int step, rows = 0;
        while (rc == TPP_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            char *text;
            size_t len;
            rc = tpp_trace_text_of_run(cache, run, sqlite3_column_blob(q, 1),
                                       (size_t)sqlite3_column_bytes(q, 1), &text, &len, err);
            if (rc != TPP_OK) {
                char why[sizeof err->msg];
                snprintf(why, sizeof why, "%s", err->msg);
                tpp_fail(err, rc, TPP_NOLOC, "employee %s: %s",
                         (const char *)sqlite3_column_text(q, 0), why);
                break;
            }
            /* a transfer between OPDs: one trace per line, the later ones say which */
            long long line = sqlite3_column_int64(q, 2);
            if (line > 1)
                printf("# %s line %lld\n", (const char *)sqlite3_column_text(q, 0), line);
            else
                printf("# %s\n", (const char *)sqlite3_column_text(q, 0));
            fwrite(text, 1, len, stdout);
            putchar('\n');
            free(text);
        }
        if (rc == TPP_OK && n_nips && rows == 0)
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "no result for NIP '%s' in run %lld",
                          nips[i], run);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    tpp_pack_cache_free(cache);
    if (rc == TPP_OK && (fflush(stdout) != 0 || ferror(stdout)))
        rc = tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write to standard output");
    return rc;
}

int cmd_trace(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"run", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *period = NULL;
    long long want = 0;
    int c, y, m;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'r':
            if (!cli_run_id(usage, "trace", optarg, &want))
                return 2;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "trace", optopt, argv[optind - 1]);
        }
    }
    if (period == NULL)
        return cli_usage_error(usage, "trace", "missing --period <YYYY-MM>");
    if (!cli_period(usage, "trace", period, &y, &m))
        return 2;
    tpp_error err = {0};
    tpp_store *st = NULL;
    long long run = 0;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = find_run(st, period, want, &run, &err);
    if (rc == TPP_OK)
        rc = dump(st, run, argv + optind, argc - optind, &err);
    tpp_store_close(st);
    return rc == TPP_OK ? 0 : cli_fail(cli, &err);
}
