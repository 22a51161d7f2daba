/* tpp init --rules PACK.yaml: create a workspace and store the region's rule pack in it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/rules.h"

static const char usage[] = "usage: tpp [--db <file>] init --rules <pack.yaml>\n";

static void help(void)
{
    printf("%s\nCreate a new workspace (an SQLite file) for one region and store the rule pack's\n"
           "text and SHA-256 in it. Fails if the workspace file already exists.\n\n"
           "Options:\n"
           "  -r, --rules <pack.yaml>  the region's rule pack (required)\n"
           "  -h, --help               this help\n",
           usage);
}

int cmd_init(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *pack = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            pack = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "init", optopt, argv[optind - 1]);
        }
    }
    if (pack == NULL)
        return cli_usage_error(usage, "init", "missing --rules <pack.yaml>");
    if (optind < argc)
        return cli_usage_error(usage, "init", "unexpected argument '%s'", argv[optind]);

    tpp_error err = {0};
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_store *st = NULL;
    tpp_status rc = tpp_rules_load_file(pack, diags, &rs, &text, &len, &err);
    if (rc == TPP_OK)
        rc = tpp_store_create(cli->db_path, &st, &err);
    if (rc == TPP_OK && (rc = tpp_store_begin(st, &err)) == TPP_OK) {
        rc = tpp_store_add_pack(st, rs, text, len, &err);
        rc = rc == TPP_OK ? tpp_store_commit(st, &err) : (tpp_store_rollback(st), rc);
    }
    int code = 0;
    if (rc != TPP_OK) {
        code = tpp_diags_errors(diags) > 0 ? 3 : cli_fail(cli, &err);
        if (st != NULL) {
            tpp_store_close(st);
            st = NULL;
            remove(cli->db_path);
        }
    } else if (!cli->quiet) {
        printf("created workspace '%s' for %s\n  rule pack %s (sha256 %.16s...)\n", cli->db_path,
               rs->region, rs->id, rs->sha256);
    }
    tpp_store_close(st);
    tpp_rules_free(rs);
    free(text);
    tpp_diags_free(diags);
    return code;
}
