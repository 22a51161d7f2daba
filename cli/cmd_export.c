/* tpp export --period P --format csv|xlsx|all --out DIR */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/batch.h"

static const char usage[] = "usage: tpp [--db <file>] export --period <YYYY-MM> "
                            "[--format csv|xlsx|all] [--out <dir>] [--run <id>]\n";

static void help(void)
{
    printf("%s\nWrite a run's payroll files for BPKAD: the payment list (XLSX, one sheet per\n"
           "OPD, numbered columns, live formulas) and the machine CSV. Files are written\n"
           "atomically; identical runs give byte-identical files.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "  -f, --format <fmt>      csv, xlsx or all (default: all)\n"
           "  -o, --out <dir>         output directory (default: .)\n"
           "      --run <id>          a specific run (default: the period's latest)\n"
           "  -h, --help              this help\n",
           usage);
}

int cmd_export(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"period", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},    {"run", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},         {0, 0, 0, 0}};
    const char *period = NULL, *out = ".";
    unsigned formats = TPP_EXPORT_ALL;
    long long run_id = 0;
    int c, year, month;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                formats = TPP_EXPORT_CSV;
            else if (strcmp(optarg, "xlsx") == 0)
                formats = TPP_EXPORT_XLSX;
            else if (strcmp(optarg, "all") == 0)
                formats = TPP_EXPORT_ALL;
            else
                return cli_usage_error(usage, "export",
                                       "unknown format '%s' (expected csv, xlsx or all)", optarg);
            break;
        case 'o':
            out = optarg;
            break;
        case 'r': {
            char *end;
            run_id = strtoll(optarg, &end, 10);
            if (*end != '\0' || run_id < 1)
                return cli_usage_error(usage, "export", "invalid --run '%s'", optarg);
            break;
        }
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "export", optopt, argv[optind - 1]);
        }
    }
    if (period == NULL)
        return cli_usage_error(usage, "export", "missing --period <YYYY-MM>");
    if (optind < argc)
        return cli_usage_error(usage, "export", "unexpected argument '%s'", argv[optind]);
    if (!cli_period(usage, "export", period, &year, &month))
        return 2;

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_export_summary sum;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_batch_export(st, year, month, run_id, formats, out, &sum, &err);
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (!cli->quiet) {
        char net[40];
        tpp_money_format_id(sum.total_net, net, sizeof net);
        printf("run %lld: %zu lines in %zu OPDs, total diterima %s\n", (long long)sum.run_id,
               sum.n_lines, sum.n_units, net);
        if (sum.xlsx_path[0])
            printf("  %s\n", sum.xlsx_path);
        if (sum.csv_path[0])
            printf("  %s\n", sum.csv_path);
    }
    return 0;
}
