/* tpp rules check PACK.yaml: load and validate a pack; every problem with file:line:col. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tpp/rules.h"

static const char usage[] = "usage: tpp rules check <pack.yaml>\n";

static void help(void)
{
    printf("%s\nValidate a rule pack: YAML syntax, unknown keys, wrong types, missing\n"
           "citations, overlapping bands, components that do not sum to 100 %%. Every\n"
           "problem is reported as file:line:col. Exit code 3 when the pack is invalid.\n",
           usage);
}

static size_t n_classes(const tpp_ruleset *rs)
{
    size_t k = 0;
    for (int i = 1; i <= TPP_MAX_CLASS; i++)
        k += rs->besaran[i] > 0;
    return k;
}

int cmd_rules(int argc, char **argv, tpp_cli *cli)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        help();
        return 0;
    }
    if (argc < 2)
        return cli_usage_error(usage, "rules", "expected a subcommand: check");
    if (strcmp(argv[1], "check") != 0)
        return cli_usage_error(usage, "rules", "unknown subcommand '%s' (expected: check)",
                               argv[1]);
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        help();
        return 0;
    }
    if (argc != 3 || argv[2][0] == '-')
        return cli_usage_error(usage, "rules", "expected one <pack.yaml>");
    tpp_error err = {0};
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_ruleset *rs = NULL;
    tpp_status rc = tpp_rules_load_file(argv[2], diags, &rs, NULL, NULL, &err);
    int code = 0;
    if (rc != TPP_OK) {
        if (tpp_diags_errors(diags) == 0)
            code = cli_fail(cli, &err);
        else {
            fprintf(stderr, "%s: %zu error(s)\n", argv[2], tpp_diags_errors(diags));
            code = 3;
        }
    } else if (!cli->quiet) {
        printf("%s: ok: %s, %s%s\n  %zu classes, %zu components, %zu late bands, %zu absence "
               "classes, %zu events, %zu predicates\n  sha256 %s\n",
               argv[2], rs->id, rs->region, rs->illustrative ? " (illustrative)" : "",
               n_classes(rs), rs->n_components, rs->late.n_bands, rs->n_absences, rs->n_events,
               rs->n_predicates, rs->sha256);
    }
    tpp_rules_free(rs);
    tpp_diags_free(diags);
    return code;
}
