/* tpp replay --period P: recompute a sealed month from its stored inputs and pack; compare. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/audit.h"

static const char usage[] = "usage: tpp [--db <file>] replay --period <YYYY-MM> [--run <id>]\n";

static void help(void)
{
    printf("%s\nRecompute the sealed run of the month from what the workspace kept: the raw\n"
           "input files, re-imported in their original order into a fresh in-memory\n"
           "workspace, and the stored rule pack text, with this engine. Then compare each\n"
           "employee's canonical record with the sealed one: identical, or the first step\n"
           "of the trace (or column) that differs. A different engine version is reported\n"
           "first. The workspace is not changed. Exit code 0 when identical, 1 otherwise.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "      --run <id>          replay this run (sealed or draft) instead of the seal's\n"
           "  -h, --help              this help\n",
           usage);
}

/* Differences are collected and printed after the engine line, which must come first. */
static void report(void *user, const tpp_replay_diff *d)
{
    FILE *out = user;
    if (d->step[0] == '\0') {
        fprintf(out, "DIFFERS %s: %s (sealed: %s; replay: %s)\n", d->nip, d->kind, d->sealed,
                d->replayed);
        return;
    }
    fprintf(out, "DIFFERS %s: first difference at %s\n  sealed: %s\n  replay: %s\n", d->nip,
            d->step, d->sealed, d->replayed);
}

int cmd_replay(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"run", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *period = NULL;
    long long run_id = 0;
    int c, y, m;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'r':
            if (!cli_run_id(usage, "replay", optarg, &run_id))
                return 2;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "replay", optopt, argv[optind - 1]);
        }
    }
    if (period == NULL)
        return cli_usage_error(usage, "replay", "missing --period <YYYY-MM>");
    if (optind < argc)
        return cli_usage_error(usage, "replay", "unexpected argument '%s'", argv[optind]);
    if (!cli_period(usage, "replay", period, &y, &m))
        return 2;

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_replay_summary sum;
    char *diffs = NULL;
    size_t diffs_len = 0;
    FILE *mem = open_memstream(&diffs, &diffs_len);
    if (mem == NULL) {
        fprintf(stderr, "tpp: error: out of memory\n");
        return 70;
    }
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_replay(st, y, m, run_id, report, mem, &sum, &err);
    tpp_store_close(st);
    fclose(mem);
    if (rc != TPP_OK) {
        free(diffs);
        return cli_fail(cli, &err);
    }
    if (sum.engine_differs)
        printf("ENGINE DIFFERS: run %lld was computed by tpp %s, this replay by tpp %s\n",
               (long long)sum.run_id, sum.sealed_engine, sum.engine);
    else if (!cli->quiet)
        printf("engine: tpp %s (same as the run)\n", sum.engine);
    bool same = sum.n_differ == 0;
    fwrite(diffs, 1, diffs_len, stdout);
    free(diffs);
    if (!cli->quiet || !same) {
        printf("replay of run %lld (%s) from %zu stored input file(s): %zu employee(s), %zu "
               "identical, %zu differ\n",
               (long long)sum.run_id, period, sum.n_inputs, sum.n_sealed, sum.n_identical,
               sum.n_differ);
        if (sum.sealed_root[0] != '\0')
            printf("  sealed root %s\n  replay root %s\n", sum.sealed_root, sum.replay_root);
        printf("%s\n", same ? "IDENTICAL" : "DIFFERENT");
    }
    return same ? 0 : 1;
}
