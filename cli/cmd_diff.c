/* tpp diff RUN_A RUN_B: which employees changed between two runs, the first step that differs,
 * the amounts; optionally the supplementary list of the deltas and the carry into a later
 * month. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/lifecycle.h"

static const char usage[] = "usage: tpp [--db <file>] diff <run-a> <run-b> [--csv <file>] "
                            "[--xlsx <file>] [--carry-to <YYYY-MM>]\n";

static void help(void)
{
    printf("%s\nCompare two stored runs employee by employee: every employee whose line differs,\n"
           "with the first step of the trace that differs (and its result in each run) and\n"
           "columns 8, 12 and 18 of both. Typical use: run A is the finalized run of a month,\n"
           "run B its corrected revision (a new draft of the same month, computed with that\n"
           "month's rule pack).\n\n"
           "Options:\n"
           "  --csv <file>           write the supplementary list: per employee the amounts of\n"
           "                         both runs and the difference, kekurangan bayar (B > A) or\n"
           "                         kelebihan bayar (A > B)\n"
           "  --xlsx <file>          write the daftar kekurangan/kelebihan bayar (XLSX, a sheet\n"
           "                         per OPD): every employee whose col 18 differs, TELAH\n"
           "                         DIBAYAR (A), SEHARUSNYA (B), KEKURANGAN, KELEBIHAN\n"
           "  --carry-to <YYYY-MM>   carry each difference of col 8 (A - B) into that later\n"
           "                         month as a correction line: kelebihan bayar is taken back\n"
           "                         in col 9 (POT. BULAN LALU), kekurangan bayar is added to\n"
           "                         col 8; the same pair of runs is carried only once\n"
           "  -h, --help             this help\n",
           usage);
}

typedef struct diff_out {
    FILE *csv;
    bool quiet;
} diff_out;

static const char *kind_name(tpp_diff_kind k)
{
    return k == TPP_DIFF_ADDED ? "added" : k == TPP_DIFF_REMOVED ? "removed" : "changed";
}

/* Text that a spreadsheet would read as a formula gets a leading quote (as the exporter does). */
static void csv_text(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    if (quote || formula) {
        fputc('"', f);
        if (formula)
            fputc('\'', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static int on_line(void *user, const tpp_diff_line *d)
{
    diff_out *o = user;
    if (!o->quiet) {
        printf("%s %-7s %s (%s)\n", d->nip, kind_name(d->kind), d->name, d->unit_code);
        if (d->kind == TPP_DIFF_CHANGED && d->step[0] != '\0')
            printf("    first step that differs: %s  %s -> %s\n", d->step,
                   d->result_a[0] ? d->result_a : "(none)",
                   d->result_b[0] ? d->result_b : "(none)");
        printf("    col 8 %lld -> %lld (%+lld)  col 12 %lld -> %lld  col 18 %lld -> %lld (%+lld)\n",
               (long long)d->tpp_a, (long long)d->tpp_b, (long long)(d->tpp_b - d->tpp_a),
               (long long)d->gross_a, (long long)d->gross_b, (long long)d->net_a,
               (long long)d->net_b, (long long)(d->net_b - d->net_a));
    }
    if (o->csv != NULL) {
        csv_text(o->csv, d->nip);
        fputc(',', o->csv);
        csv_text(o->csv, d->name);
        fputc(',', o->csv);
        csv_text(o->csv, d->unit_code);
        tpp_money dt = d->tpp_b - d->tpp_a, dn = d->net_b - d->net_a;
        fprintf(o->csv, ",%lld,%lld,%lld,%lld,%lld,%lld,%s,", (long long)d->tpp_a,
                (long long)d->tpp_b, (long long)dt, (long long)d->net_a, (long long)d->net_b,
                (long long)dn,
                dt > 0   ? "kekurangan_bayar"
                : dt < 0 ? "kelebihan_bayar"
                         : "tetap");
        csv_text(o->csv, d->step);
        fputc('\n', o->csv);
    }
    return 0;
}

static bool parse_run(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1)
        return false;
    *out = v;
    return true;
}

int cmd_diff(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"csv", required_argument, NULL, 'c'},
                                         {"carry-to", required_argument, NULL, 't'},
                                         {"xlsx", required_argument, NULL, 'x'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *csv_path = NULL, *carry = NULL, *xlsx_path = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            csv_path = optarg;
            break;
        case 't':
            carry = optarg;
            break;
        case 'x':
            xlsx_path = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "diff", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(usage, "diff", "expected two run ids");
    int64_t a, b;
    if (!parse_run(argv[optind], &a))
        return cli_usage_error(usage, "diff", "invalid run id '%s'", argv[optind]);
    if (!parse_run(argv[optind + 1], &b))
        return cli_usage_error(usage, "diff", "invalid run id '%s'", argv[optind + 1]);
    int cy, cm;
    if (carry != NULL && !cli_period(usage, "diff", carry, &cy, &cm))
        return 2;

    tpp_error err = {0};
    tpp_store *st = NULL;
    if (tpp_store_open(cli->db_path, &st, &err) != TPP_OK)
        return cli_fail(cli, &err);
    diff_out o = {.quiet = cli->quiet};
    char tmp[1100];
    if (csv_path != NULL) {
        snprintf(tmp, sizeof tmp, "%s.tmp", csv_path);
        o.csv = fopen(tmp, "w");
        if (o.csv == NULL) {
            tpp_store_close(st);
            tpp_fail(&err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", tmp);
            return cli_fail(cli, &err);
        }
        fputs("nip,nama,opd,tpp_a,tpp_b,selisih_tpp,diterima_a,diterima_b,selisih_diterima,"
              "keterangan,langkah_pertama_berbeda\n",
              o.csv);
    }
    tpp_diff_summary sum;
    tpp_status rc = tpp_run_diff(st, a, b, on_line, &o, &sum, &err);
    if (o.csv != NULL) {
        bool werr = fflush(o.csv) != 0 || ferror(o.csv);
        werr = fclose(o.csv) != 0 || werr;
        if (rc == TPP_OK && (werr || rename(tmp, csv_path) != 0))
            rc = tpp_fail(&err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", csv_path);
        if (rc != TPP_OK)
            remove(tmp);
    }
    size_t n_delta = 0;
    tpp_money delta_total = 0;
    if (rc == TPP_OK && xlsx_path != NULL)
        rc = tpp_run_delta_xlsx(st, a, b, xlsx_path, &n_delta, &delta_total, &err);
    int64_t carried = 0;
    if (rc == TPP_OK && carry != NULL)
        rc = tpp_run_carry(st, a, b, carry, &carried, &err);
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (!cli->quiet) {
        printf("runs %lld -> %lld: %lld changed, %lld added, %lld removed, %lld the same; "
               "col 8 %+lld, col 18 %+lld\n",
               (long long)a, (long long)b, (long long)sum.n_changed, (long long)sum.n_added,
               (long long)sum.n_removed, (long long)sum.n_same, (long long)sum.delta_tpp,
               (long long)sum.delta_net);
        if (xlsx_path != NULL)
            printf("%s: %zu line(s), kekurangan - kelebihan bayar %+lld\n", xlsx_path, n_delta,
                   (long long)delta_total);
        if (carry != NULL)
            printf("%lld correction line(s) carried into %s\n", (long long)carried, carry);
    }
    return 0;
}
