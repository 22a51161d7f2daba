/* tpp run --period YYYY-MM: compute and store a draft run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/batch.h"
#include "tpp/lifecycle.h"

static const char usage[] = "usage: tpp [--db <file>] run --period <YYYY-MM> [--threads <n>]\n";

static void help(void)
{
    printf("%s\nCompute every employee's month with the rule pack in force for the period, in\n"
           "parallel, and store it as a new draft run (earlier runs are kept). Results do\n"
           "not depend on the thread count.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month to compute (required)\n"
           "  -j, --threads <n>       worker threads (default: all cores, or OMP_NUM_THREADS)\n"
           "  -h, --help              this help\n",
           usage);
}

static void progress(void *user, const char *phase, size_t done, size_t total)
{
    (void)user;
    if (total > 0)
        fprintf(stderr, "\r%-8s %zu/%zu employees", phase, done, total);
    else
        fprintf(stderr, "\r%-8s ...", phase);
    fflush(stderr);
}

int cmd_run(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    tpp_run_options ro = {0};
    const char *period = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end != '\0' || n < 1 || n > 1024)
                return cli_usage_error(usage, "run", "invalid --threads '%s'", optarg);
            ro.threads = (int)n;
            break;
        }
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "run", optopt, argv[optind - 1]);
        }
    }
    if (period == NULL)
        return cli_usage_error(usage, "run", "missing --period <YYYY-MM>");
    if (optind < argc)
        return cli_usage_error(usage, "run", "unexpected argument '%s'", argv[optind]);
    if (!cli_period(usage, "run", period, &ro.year, &ro.month))
        return 2;
    bool tty = isatty(2) && !cli->quiet;
    if (tty)
        ro.progress = progress;

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_run_summary sum;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_batch_run(st, &ro, diags, &sum, &err);
    if (tty)
        fputs("\r\033[K", stderr);
    int code;
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
    } else {
        code = tpp_exit_code(TPP_OK, sum.n_errors);
        if (!cli->quiet) {
            char tpp[40], net[40];
            tpp_money_format_id(sum.total_tpp, tpp, sizeof tpp);
            tpp_money_format_id(sum.total_net, net, sizeof net);
            printf("run %lld (draft) for %s: %zu employees, %zu scans, %d threads\n"
                   "  rule pack %s (sha256 %.16s...)\n"
                   "  jumlah TPP %s, diterima %s\n"
                   "  %zu without performance data, %zu over the deferral threshold, %zu "
                   "errors\n"
                   "  load %lld ms, compute %lld ms, store %lld ms\n",
                   (long long)sum.run_id, period, sum.n_employees, sum.n_scans, sum.threads,
                   sum.pack_id, sum.pack_sha256, tpp, net, sum.n_perf_missing, sum.n_deferred,
                   sum.n_errors, (long long)sum.load_ms, (long long)sum.compute_ms,
                   (long long)sum.persist_ms);
            if (sum.more_packs[0])
                printf("%s", sum.more_packs);
            if (sum.n_lines != sum.n_employees)
                printf("  %zu payroll lines: %zu employees transferred between OPDs have one line "
                       "per OPD\n",
                       sum.n_lines, sum.n_lines - sum.n_employees);
        }
    }
    tpp_store_close(st);
    tpp_diags_free(diags);
    return code;
}
