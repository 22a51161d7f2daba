/* tpp status: what the workspace holds and its runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/import.h"

static const char usage[] = "usage: tpp [--db <file>] status [--period <YYYY-MM>]\n";

static void help(void)
{
    printf("%s\nShow the rule packs, the number of imported rows per kind, and the runs\n"
           "(of one period with --period). With --period, also the completeness of the\n"
           "period's inputs: employees without any scan, without performance, shift workers\n"
           "with unclassified days (no roster), and scans from unknown device PINs. Exit code 1\n"
           "when the period is incomplete.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  only this period's runs\n"
           "  -h, --help              this help\n",
           usage);
}

static long long count(tpp_store *st, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

int cmd_status(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"period", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *period = NULL;
    int c, y, m;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "status", optopt, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "status", "unexpected argument '%s'", argv[optind]);
    if (period != NULL && !cli_period(usage, "status", period, &y, &m))
        return 2;
    tpp_error err = {0};
    tpp_store *st = NULL;
    if (tpp_store_open(cli->db_path, &st, &err) != TPP_OK)
        return cli_fail(cli, &err);

    printf("workspace %s\n", cli->db_path);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT pack_id, region, valid_from, IFNULL(valid_to, 'open'), sha256 "
                           "FROM rule_pack ORDER BY valid_from",
                           -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW)
            printf("  rule pack %s (%s) valid %s .. %s, sha256 %.16s...\n",
                   sqlite3_column_text(q, 0), sqlite3_column_text(q, 1), sqlite3_column_text(q, 2),
                   sqlite3_column_text(q, 3), sqlite3_column_text(q, 4));
    }
    sqlite3_finalize(q);
    printf("  employees %lld, attendance scans %lld, absences %lld, events %lld, performance "
           "%lld, holidays %lld, files %lld\n",
           count(st, "SELECT count(*) FROM employee"), count(st, "SELECT IFNULL(sum(n), 0) FROM attendance_month"),
           count(st, "SELECT count(*) FROM absence"), count(st, "SELECT count(*) FROM event"),
           count(st, "SELECT count(*) FROM performance"), count(st, "SELECT count(*) FROM holiday"),
           count(st, "SELECT count(*) FROM input_file"));
    q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, period, state, n_employees, n_errors, total_net, "
                           "started_at, threads FROM run WHERE ?1 IS NULL OR period = ?1 "
                           "ORDER BY id",
                           -1, &q, NULL) == SQLITE_OK) {
        if (period != NULL)
            sqlite3_bind_text(q, 1, period, -1, SQLITE_STATIC);
        printf("runs:\n");
        int n = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            char net[40];
            tpp_money_format_id(sqlite3_column_int64(q, 5), net, sizeof net);
            printf("  %4lld  %s  %-5s  %6lld employees  %4lld errors  diterima %s  (%s, %d "
                   "threads)\n",
                   (long long)sqlite3_column_int64(q, 0), sqlite3_column_text(q, 1),
                   sqlite3_column_text(q, 2), (long long)sqlite3_column_int64(q, 3),
                   (long long)sqlite3_column_int64(q, 4), net, sqlite3_column_text(q, 6),
                   sqlite3_column_int(q, 7));
            n++;
        }
        if (n == 0)
            printf("  (none)\n");
    }
    sqlite3_finalize(q);
    int code = 0;
    if (period != NULL) {
        tpp_completeness cp;
        char *list = NULL;
        if (tpp_import_completeness(st, y, m, &cp, &list, &err) != TPP_OK) {
            tpp_store_close(st);
            return cli_fail(cli, &err);
        }
        printf("completeness %s: %zu active employees\n", period, cp.employees);
        printf("  without any scan        %zu\n", cp.without_punch);
        if (cp.perf_year != y || cp.perf_month != m)
            printf("  without performance     %zu (of %04d-%02d: the pack's performance.lag)\n",
                   cp.without_performance, cp.perf_year, cp.perf_month);
        else
            printf("  without performance     %zu\n", cp.without_performance);
        printf("  unclassified days       %zu (of %zu shift workers)\n", cp.unclassified_days,
               cp.employees_unclassified);
        printf("  unknown PINs            %zu (%zu scans)\n", cp.unknown_pins, cp.unknown_scans);
        printf("  %s\n", cp.complete ? "complete" : "INCOMPLETE:");
        if (!cp.complete && !cli->quiet) {
            /* one problem a line, tab-separated, for a clerk's spreadsheet */
            for (char *line = list, *nl; line != NULL && *line != '\0'; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL)
                    break;
                printf("    %.*s\n", (int)(nl - line), line);
            }
        }
        free(list);
        code = cp.complete ? 0 : 1;
    }
    tpp_store_close(st);
    return code;
}
