/* tpp finalize --period P: seal a draft run (Merkle root chained to the previous seal). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/audit.h"

static const char usage[] = "usage: tpp [--db <file>] finalize --period <YYYY-MM> [--run <id>] "
                            "[--accept-incomplete <reason>]\n";

static void help(void)
{
    printf("%s\nSeal a draft run of the month: a Merkle tree over every employee's canonical\n"
           "record (payroll line and trace, in NIP order), stored with the rule pack's and\n"
           "the input files' SHA-256, the engine version and the hash of the workspace's\n"
           "previous seal. The run becomes final: tpp never changes it again, and an edit\n"
           "behind its back is found by 'tpp audit verify'. Only one seal per period.\n\n"
           "A run whose employees could not all be computed, or lack performance data, is\n"
           "not sealed unless a reason is given; the reason is part of the seal.\n\n"
           "Options:\n"
           "  -p, --period <YYYY-MM>        the month (required)\n"
           "      --run <id>                the run to seal (default: the period's latest)\n"
           "      --accept-incomplete <why> seal despite blocking employees, recording why\n"
           "  -h, --help                    this help\n",
           usage);
}

int cmd_finalize(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"run", required_argument, NULL, 'r'},
                                         {"accept-incomplete", required_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    tpp_finalize_options fo = {0};
    const char *period = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'r': {
            long long id;
            if (!cli_run_id(usage, "finalize", optarg, &id))
                return 2;
            fo.run_id = id;
            break;
        }
        case 'a':
            if (optarg[0] == '\0')
                return cli_usage_error(usage, "finalize", "--accept-incomplete needs a reason");
            fo.accept_incomplete = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "finalize", optopt, argv[optind - 1]);
        }
    }
    if (period == NULL)
        return cli_usage_error(usage, "finalize", "missing --period <YYYY-MM>");
    if (optind < argc)
        return cli_usage_error(usage, "finalize", "unexpected argument '%s'", argv[optind]);
    if (!cli_period(usage, "finalize", period, &fo.year, &fo.month))
        return 2;

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_seal_info s;
    size_t n_blocking = 0;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_finalize(st, &fo, diags, &n_blocking, &s, &err);
    int code = 0;
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
    } else if (!cli->quiet) {
        printf("sealed run %lld of %s: %lld employees\n"
               "  merkle root   %s\n"
               "  seal          %s\n"
               "  previous seal %s\n"
               "  engine %s, canonical record v%d, rule pack %.16s..., inputs %.16s...\n",
               (long long)s.run_id, s.period, (long long)s.n_leaves, s.merkle_root, s.seal_hash,
               s.prev_seal_hash, s.engine_version, s.canon_version, s.pack_sha256, s.inputs_sha256);
        if (s.accept_incomplete[0] != '\0')
            printf("  accepted incomplete: %s\n", s.accept_incomplete);
    }
    tpp_store_close(st);
    tpp_diags_free(diags);
    return code;
}
