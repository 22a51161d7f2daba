/* tpp explain NIP --period P: the stored trace of one employee, step by step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/mask.h"
#include "engine/store.h"

static const char usage[] = "usage: tpp [--db <file>] explain <nip> --period <YYYY-MM> "
                            "[--run <id>] [--show-personal-data]\n";

static void help(void)
{
    printf("%s\nPrint every step of one employee's month from the stored run: each workday's\n"
           "class and band, each cut with its percentage and base, the rounding applied, the\n"
           "payment side, and the article of the regulation behind each step.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "      --run <id>          a specific run (default: the period's latest)\n"
           "      --show-personal-data  NPWP and bank account unmasked (masked by default)\n"
           "  -h, --help              this help\n",
           usage);
}

/* Print one tab-separated trace line as aligned text. */
static void print_step(const char *line, size_t len)
{
    const char *f[5] = {"", "", "", "", ""};
    size_t fl[5] = {0};
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len && k < 5; i++) {
        if (i == len || line[i] == '\t') {
            f[k] = line + start;
            fl[k++] = i - start;
            start = i + 1;
        }
    }
    printf("  %-24.*s %14.*s  %-10.*s %.*s\n", (int)fl[0], f[0], (int)fl[1], f[1], (int)fl[2], f[2],
           (int)fl[4], f[4]);
    if (fl[3] > 0 && !(fl[3] == 1 && f[3][0] == '-'))
        printf("  %-24s %14s  %-10s dasar: %.*s\n", "", "", "", (int)fl[3], f[3]);
}

int cmd_explain(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"run", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"show-personal-data", no_argument, NULL, 'P'},
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
        case 'r': {
            char *end;
            run_id = strtoll(optarg, &end, 10);
            if (*end != '\0' || run_id < 1)
                return cli_usage_error(usage, "explain", "invalid --run '%s'", optarg);
            break;
        }
        case 'h':
            help();
            return 0;
        case 'P':
            tpp_mask_show_personal(true);
            break;
        default:
            return cli_bad_option(usage, "explain", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(usage, "explain", "expected one <nip>");
    if (period == NULL)
        return cli_usage_error(usage, "explain", "missing --period <YYYY-MM>");
    if (!cli_period(usage, "explain", period, &y, &m))
        return 2;
    const char *nip = argv[optind];

    tpp_error err = {0};
    tpp_store *st = NULL;
    if (tpp_store_open(cli->db_path, &st, &err) != TPP_OK)
        return cli_fail(cli, &err);
    sqlite3_stmt *q = NULL;
    int code = 0;
    if (tpp_store_prepare(st,
                          "SELECT r.run_id, r.name, r.unit_name, r.trace, run.pack_sha256, r.npwp, "
                          "r.bank_name, r.bank_account FROM "
                          "result r JOIN run ON run.id = r.run_id WHERE r.nip = ?1 AND "
                          "run.period = ?2 AND (?3 = 0 OR run.id = ?3) ORDER BY r.run_id DESC "
                          "LIMIT 1",
                          &q, &err) != TPP_OK) {
        tpp_store_close(st);
        return cli_fail(cli, &err);
    }
    sqlite3_bind_text(q, 1, nip, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, run_id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        printf("%s  %s  (%s)\nperiod %s, run %lld, rule pack sha256 %.16s...\n\n", nip,
               sqlite3_column_text(q, 1), sqlite3_column_text(q, 2), period,
               (long long)sqlite3_column_int64(q, 0), sqlite3_column_text(q, 4));
        /* The payment details, masked unless asked for (engine/mask.h). */
        char npwp[64], account[64];
        const char *np = (const char *)sqlite3_column_text(q, 5);
        const char *ac = (const char *)sqlite3_column_text(q, 7);
        tpp_mask_personal(np ? np : "", np ? strlen(np) : 0, npwp, sizeof npwp);
        tpp_mask_personal(ac ? ac : "", ac ? strlen(ac) : 0, account, sizeof account);
        printf("NPWP %s, rekening %s %s\n\n", npwp[0] ? npwp : "-", sqlite3_column_text(q, 6),
               account[0] ? account : "-");
        printf("  %-24s %14s  %-10s %s\n", "step", "result", "rounding", "detail");
        const char *t = (const char *)sqlite3_column_text(q, 3);
        while (t && *t) {
            const char *nl = strchr(t, '\n');
            size_t len = nl ? (size_t)(nl - t) : strlen(t);
            print_step(t, len);
            t += len + (nl != NULL);
        }
    } else {
        tpp_fail(&err, TPP_ERR_INVALID, TPP_NOLOC, "no result for NIP '%s' in period %s", nip,
                 period);
        code = cli_fail(cli, &err);
    }
    sqlite3_finalize(q);
    tpp_store_close(st);
    return code;
}
