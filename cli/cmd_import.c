/* tpp import KIND FILE: load one input file, all-or-nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/import.h"

static const char usage[] =
    "usage: tpp [--db <file>] import [--max-errors <n>] <kind> <file.csv>\n";

static void help(void)
{
    printf("%s\nLoad one CSV file into the workspace in one transaction: if any row is bad,\n"
           "every error is reported as file:line:col and nothing is changed. Importing the\n"
           "same file again changes nothing. The raw file is kept in the workspace.\n\n"
           "Kinds: employees, attendance, absences, events, performance, holidays\n"
           "       (columns: see README.md, 'Inputs').\n\n"
           "Options:\n"
           "  --max-errors <n>  stop reporting after n errors (default: report all)\n"
           "  -h, --help        this help\n",
           usage);
}

int cmd_import(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"max-errors", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    long max_errors = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': {
            char *end;
            max_errors = strtol(optarg, &end, 10);
            if (*end != '\0' || max_errors < 0)
                return cli_usage_error(usage, "import", "invalid --max-errors '%s'", optarg);
            break;
        }
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "import", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(usage, "import", "expected <kind> and <file>");
    tpp_import_kind kind;
    if (!tpp_import_kind_parse(argv[optind], &kind))
        return cli_usage_error(usage, "import",
                               "unknown kind '%s' (expected employees, attendance, absences, "
                               "events, performance or holidays)",
                               argv[optind]);
    const char *path = argv[optind + 1];

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_ruleset *rs = NULL;
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_diags_set_max(diags, (size_t)max_errors);
    tpp_import_stats stats = {0};
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_store_latest_pack(st, &rs, &err);
    if (rc == TPP_OK)
        rc = tpp_import_file(st, rs, kind, path, diags, &stats, &err);
    int code;
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
    } else {
        code = 0;
        if (!cli->quiet && stats.already_imported)
            printf("%s: already imported (sha256 %.16s...); nothing changed\n", path, stats.sha256);
        else if (!cli->quiet)
            printf("%s: imported %zu %s rows (%zu read, %zu duplicates collapsed, %zu skipped "
                   "with a warning)\n",
                   path, stats.inserted, tpp_import_kind_name(kind), stats.rows, stats.duplicates,
                   stats.skipped);
    }
    tpp_rules_free(rs);
    tpp_store_close(st);
    tpp_diags_free(diags);
    return code;
}
