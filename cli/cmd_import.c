/* tpp import KIND FILE: load one input file, all-or-nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/date.h"
#include "tpp/import.h"

static const char usage[] =
    "usage: tpp [--db <file>] import [--format csv|xlsx|attlog] [--sheet <name>]\n"
    "                  [--mapping <file.yaml> [--join <file>]] [--device <id>]\n"
    "                  [--timezone WIB|WITA|WIT|UTC|+HH:MM] [--period <YYYY-MM>]\n"
    "                  [--max-errors <n>]\n"
    "                  <kind> <file>\n";

static void help(void)
{
    printf(
        "%s\nLoad one input file into the workspace in one transaction: if any row is bad,\n"
        "every error is reported as file:line:col and nothing is changed. Importing the\n"
        "same file again changes nothing. The raw file is kept in the workspace.\n"
        "In an XLSX file, line is the row number and col the column number (A = 1).\n\n"
        "Kinds: employees, attendance, absences, events, performance, holidays, sanctions,\n"
        "       assignments, roster, units, device_pins, annual, zakat, transfers (columns:\n"
        "       see README.md, 'Inputs').\n"
        "       transfers: nip, date, from_unit, to_unit[, from_schedule, to_schedule,\n"
        "       reference]: from `date` (its first day in the new OPD) the employee works in\n"
        "       to_unit; tpp run then gives one payroll line per OPD for that month.\n\n"
        "Options:\n"
        "  --format <f>        csv, xlsx or attlog (ZKTeco attendance log); default: by the\n"
        "                      file's extension (.xlsx; .dat/.attlog/.txt for attendance)\n"
        "  --sheet <name>      XLSX: the sheet to read (default: the mapping's, else the first)\n"
        "  --mapping <file>    YAML mapping: rename columns, translate codes, find the header\n"
        "  --device <id>       attendance: the device the file came from (for its PIN map)\n"
        "  --timezone <zone>   attendance: the clock the timestamps are on (WIB, WITA, WIT,\n"
        "                      UTC, or an offset +HH:MM); each scan is moved to the local time\n"
        "                      of its employee's unit (see 'units'), and a unit without a zone\n"
        "                      is an error. A timestamp may carry its own clock instead:\n"
        "                      '2025-01-06T00:20:00Z', '2025-01-06 08:20:00+08:00'. Without\n"
        "                      either, timestamps are the unit's local time as they are.\n"
        "  --period <YYYY-MM>  attendance: import only this month's scans; others are counted\n"
        "  --max-errors <n>    stop reporting after n errors (default: report all)\n"
        "  -h, --help          this help\n",
        usage);
}

int cmd_import(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"max-errors", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"sheet", required_argument, NULL, 's'},
                                         {"mapping", required_argument, NULL, 'M'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"timezone", required_argument, NULL, 'z'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"join", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    long max_errors = 0;
    tpp_import_opts o = {0};
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
        case 'f':
            if (!tpp_import_format_parse(optarg, &o.format))
                return cli_usage_error(
                    usage, "import", "unknown format '%s' (expected csv, xlsx or attlog)", optarg);
            break;
        case 's':
            o.sheet = optarg;
            break;
        case 'M':
            o.mapping = optarg;
            break;
        case 'j':
            o.join = optarg;
            break;
        case 'd':
            o.device = optarg;
            break;
        case 'z':
            if (strcmp(optarg, "WIB") != 0 && strcmp(optarg, "WITA") != 0 &&
                strcmp(optarg, "WIT") != 0 && strcmp(optarg, "UTC") != 0 &&
                !(strlen(optarg) == 6 && (optarg[0] == '+' || optarg[0] == '-') &&
                  optarg[3] == ':' && strspn(optarg + 1, "0123456789") == 2 &&
                  strspn(optarg + 4, "0123456789") == 2 && optarg[1] <= '1' && optarg[4] <= '5'))
                return cli_usage_error(usage, "import",
                                       "unknown timezone '%s' (expected WIB, WITA, WIT, UTC or "
                                       "+HH:MM)",
                                       optarg);
            o.timezone = optarg;
            break;
        case 'p':
            if (!cli_period(usage, "import", optarg, &o.period_year, &o.period_month))
                return 2;
            break;
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
                               "events, performance, holidays, sanctions, assignments, roster, "
                               "units, device_pins, annual, zakat or transfers)",
                               argv[optind]);
    if (kind != TPP_KIND_ATTENDANCE && (o.device || o.timezone || o.period_year))
        return cli_usage_error(usage, "import",
                               "--device, --timezone and --period are for attendance only");
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
        rc = tpp_import_file_opts(st, rs, kind, path, &o, diags, &stats, &err);
    int code;
    if (stats.n_reasons > 0) {
        fprintf(stderr, "%s: errors by reason:\n", path);
        for (size_t i = 0; i < stats.n_reasons; i++)
            fprintf(stderr, "  %6zu  %s\n", stats.reasons[i].count, stats.reasons[i].reason);
    }
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
    } else {
        code = 0;
        if (!cli->quiet && stats.already_imported) {
            printf("%s: already imported (sha256 %.16s...); nothing changed\n", path, stats.sha256);
        } else if (!cli->quiet) {
            printf("%s: imported %zu %s rows (%zu read, %zu duplicates collapsed, %zu skipped "
                   "with a warning)\n",
                   path, stats.inserted, tpp_import_kind_name(kind), stats.rows, stats.duplicates,
                   stats.skipped);
            if (stats.out_of_period > 0)
                printf("  %zu scans outside %04d-%02d left out\n", stats.out_of_period,
                       o.period_year, o.period_month);
            if (stats.unknown_pins > 0)
                printf("  %zu scans of %zu unknown PINs/NIPs left out (see tpp status --period)\n",
                       stats.unknown_scans, stats.unknown_pins);
            if (stats.filtered > 0 || stats.superseded > 0)
                printf("  mapping: %zu rows skipped by its rules, %zu superseded by a later row\n",
                       stats.filtered, stats.superseded);
        }
    }
    tpp_rules_free(rs);
    tpp_store_close(st);
    tpp_diags_free(diags);
    return code;
}
