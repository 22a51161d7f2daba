/* tpp rapel --periods A,B: two months paid together, each from its own run under its own pack. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/lifecycle.h"

static const char usage[] = "usage: tpp [--db <file>] rapel --periods <YYYY-MM>,<YYYY-MM> "
                            "[--out <dir>]\n";

static void help(void)
{
    printf("%s\nTwo consecutive months paid together (rapel). Each month is taken from its\n"
           "sealed run, else its latest draft, so each is computed under the rule pack in force\n"
           "in that month. Writes <dir>/rapel-<A>-<B>.xlsx (a sheet per OPD: JUMLAH BERSIH of\n"
           "each month, their sum) and rapel-<A>-<B>.csv, and prints the run and pack of each\n"
           "month. Refuses when a month has no run or has lines that could not be computed.\n\n"
           "Options:\n"
           "  --periods <A>,<B>   the two months, B the month after A\n"
           "  --out <dir>         output directory (default .)\n"
           "  -h, --help          this help\n",
           usage);
}

int cmd_rapel(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"periods", required_argument, NULL, 'p'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *periods = NULL, *out = ".";
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            periods = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "rapel", optopt, argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage_error(usage, "rapel", "unexpected argument '%s'", argv[optind]);
    if (periods == NULL)
        return cli_usage_error(usage, "rapel", "--periods is required");
    const char *comma = strchr(periods, ',');
    char first[16];
    if (comma == NULL || (size_t)(comma - periods) >= sizeof first)
        return cli_usage_error(usage, "rapel", "--periods wants two months: A,B");
    snprintf(first, sizeof first, "%.*s", (int)(comma - periods), periods);
    int y1, m1, y2, m2;
    if (!cli_period(usage, "rapel", first, &y1, &m1) ||
        !cli_period(usage, "rapel", comma + 1, &y2, &m2))
        return 2;
    if (y2 * 12 + m2 != y1 * 12 + m1 + 1)
        return cli_usage_error(usage, "rapel", "%s is not the month after %s", comma + 1, first);

    tpp_error err = {0};
    tpp_store *st = NULL;
    if (tpp_store_open(cli->db_path, &st, &err) != TPP_OK)
        return cli_fail(cli, &err);
    tpp_rapel_summary sum;
    tpp_status rc = tpp_rapel_export(st, y1, m1, out, &sum, &err);
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (!cli->quiet) {
        const char *p[2] = {first, comma + 1};
        for (int i = 0; i < 2; i++)
            printf("%s: run %lld (%s), pack %s (sha256 %.16s...), col 18 %lld\n", p[i],
                   (long long)sum.run_id[i], sum.state[i], sum.pack_id[i], sum.pack_sha256[i],
                   (long long)sum.total[i]);
        printf("%zu employee(s), total %lld\nwrote %s\nwrote %s\n", sum.n_lines,
               (long long)(sum.total[0] + sum.total[1]), sum.xlsx, sum.csv);
    }
    return 0;
}
