/* tpp proof NIP --period P: the inclusion proof of one employee's line in a sealed month. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/audit.h"

static const char usage[] = "usage: tpp [--db <file>] proof <nip> --period <YYYY-MM> "
                            "[--line <n>] [--out <file>]\n";

static void help(void)
{
    printf("%s\nWrite a small file proving that one employee's line (payroll columns and\n"
           "trace) is in the sealed run of the month, without anyone else's data: the\n"
           "employee's canonical record and the Merkle audit path to the sealed root.\n"
           "Anyone can check it with 'tpp-verify-proof FILE --root ROOT', given the\n"
           "published root (docs/canonical-trace.md).\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>  the sealed month (required)\n"
           "  -l, --line <n>          which of the employee's lines: an employee transferred\n"
           "                          between OPDs in the month has one per OPD (1, 2, ...)\n"
           "  -o, --out <file>        where to write (default: tpp-proof-<period>-<nip>.txt,\n"
           "                          tpp-proof-<period>-<nip>-<n>.txt with --line; '-' for\n"
           "                          standard output)\n"
           "  -h, --help              this help\n",
           usage);
}

int cmd_proof(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"line", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *period = NULL, *out = NULL;
    int c, y, m, line = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:o:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 1 || v > 64)
                return cli_usage_error(usage, "proof", "invalid --line '%s' (1..64)", optarg);
            line = (int)v;
            break;
        }
        case 'p':
            period = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "proof", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(usage, "proof", "expected one <nip>");
    if (period == NULL)
        return cli_usage_error(usage, "proof", "missing --period <YYYY-MM>");
    if (!cli_period(usage, "proof", period, &y, &m))
        return 2;
    const char *nip = argv[optind];
    char path[512];
    if (out == NULL) {
        if (line > 0)
            snprintf(path, sizeof path, "tpp-proof-%s-%s-%d.txt", period, nip, line);
        else
            snprintf(path, sizeof path, "tpp-proof-%s-%s.txt", period, nip);
        out = path;
    }

    tpp_error err = {0};
    tpp_store *st = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_proof_build_line(st, nip, line, y, m, &text, &len, &err);
    tpp_store_close(st);
    if (rc == TPP_OK) {
        if (strcmp(out, "-") == 0)
            fwrite(text, 1, len, stdout);
        else
            rc = tpp_file_write_atomic(out, text, len, &err);
    }
    if (rc == TPP_OK && strcmp(out, "-") != 0 && !cli->quiet)
        printf("wrote %s (%zu bytes): inclusion proof of %s in the seal of %s\n", out, len, nip,
               period);
    free(text);
    return rc == TPP_OK ? 0 : cli_fail(cli, &err);
}
