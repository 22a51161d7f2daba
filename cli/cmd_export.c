/* tpp export --period P [--format ...] [--bank T]... [--out DIR] [--run ID] [--key FILE] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/batch.h"

static const char usage[] =
    "usage: tpp [--db <file>] export --period <YYYY-MM> [--format csv|xlsx|bank|all]\n"
    "                  [--bank <template>]... [--out <dir>] [--run <id>] [--key <file> | "
    "--no-sign]\n"
    "                  [--sign-date <YYYY-MM-DD>]\n";

static void help(void)
{
    printf("%s\nWrite a run's payroll files for BPKAD: the payment list (XLSX, one sheet per\n"
           "OPD, numbered columns, live formulas, signature blocks, a Rumus sheet), the\n"
           "machine CSV, one transfer file per bank template, and tpp-YYYY-MM.manifest with\n"
           "the SHA-256, count and total of every file and the run's seal, signed with\n"
           "Ed25519 when a key is configured ('tpp keygen'). Check it with 'tpp verify DIR'.\n"
           "Files are written atomically; identical runs give byte-identical files.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "  -f, --format <fmt>      csv, xlsx, bank or all (default: all); repeatable\n"
           "  -b, --bank <template>   a shipped template (generic, fixed-example) or a .yaml\n"
           "                          file; repeatable (default: the export.banks setting,\n"
           "                          else generic). Every paid line must fall to one bank.\n"
           "  -o, --out <dir>         output directory (default: .)\n"
           "      --run <id>          a specific run (default: the period's latest)\n"
           "      --key <file>        sign the manifest with this key (default: signing.key)\n"
           "      --no-sign           do not sign the manifest\n"
           "      --sign-date <date>  date under the signature blocks (default: sign.date)\n"
           "  -h, --help              this help\n\n"
           "Signature blocks, place and date come from 'tpp config' (see 'tpp config --help').\n",
           usage);
}

int cmd_export(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"period", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},    {"run", required_argument, NULL, 'r'},
        {"bank", required_argument, NULL, 'b'},   {"key", required_argument, NULL, 'k'},
        {"no-sign", no_argument, NULL, 'n'},      {"sign-date", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {0, 0, 0, 0}};
    const char *period = NULL, *out = ".", *key = NULL, *sign_date = NULL;
    const char *banks[TPP_EXPORT_MAX_BANKS];
    size_t n_banks = 0;
    unsigned formats = 0;
    long long run_id = 0;
    int c, year, month;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:f:o:b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                formats |= TPP_EXPORT_CSV;
            else if (strcmp(optarg, "xlsx") == 0)
                formats |= TPP_EXPORT_XLSX;
            else if (strcmp(optarg, "bank") == 0)
                formats |= TPP_EXPORT_BANK;
            else if (strcmp(optarg, "all") == 0)
                formats |= TPP_EXPORT_ALL;
            else
                return cli_usage_error(usage, "export",
                                       "unknown format '%s' (expected csv, xlsx, bank or all)",
                                       optarg);
            break;
        case 'b':
            if (n_banks == TPP_EXPORT_MAX_BANKS)
                return cli_usage_error(usage, "export", "at most %d --bank options",
                                       TPP_EXPORT_MAX_BANKS);
            banks[n_banks++] = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'n':
            key = "";
            break;
        case 'd':
            sign_date = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'r':
            if (!cli_run_id(usage, "export", optarg, &run_id))
                return 2;
            break;
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
    if (formats == 0)
        formats = TPP_EXPORT_ALL;

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_export_summary sum;
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_export_options eo = {.year = year,
                             .month = month,
                             .run_id = run_id,
                             .formats = formats,
                             .out_dir = out,
                             .banks = n_banks ? banks : NULL,
                             .n_banks = n_banks,
                             .key_path = key,
                             .sign_date = sign_date,
                             .diags = diags};
    tpp_status rc = diags ? tpp_store_open(cli->db_path, &st, &err)
                          : tpp_fail(&err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK)
        rc = tpp_batch_export_opt(st, &eo, &sum, &err);
    tpp_store_close(st);
    tpp_diags_free(diags);
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
        for (size_t i = 0; i < sum.n_banks; i++) {
            tpp_money_format_id(sum.bank_total[i], net, sizeof net);
            printf("  %s (%zu transfers, %s)\n", sum.bank_path[i], sum.bank_records[i], net);
        }
        if (sum.n_banks > 0 && sum.n_unpaid > 0)
            printf("  %zu lines with nothing to transfer are not in the bank files\n",
                   sum.n_unpaid);
        printf("  %s (%s, seal %.16s...)\n", sum.manifest_path,
               sum.manifest_signed ? "signed" : "NOT signed", sum.seal);
        if (sum.n_stale_removed > 0)
            printf("  removed %zu temporary file(s) left by an interrupted export\n",
                   sum.n_stale_removed);
    }
    return 0;
}
