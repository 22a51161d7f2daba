/* tpp: git-style command table, global options and the exit-code policy. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>
#include <xlsxwriter.h>
#include <yaml.h>

#include "cli/cli.h"
#include "engine/mask.h"
#include "tpp/date.h"

struct tpp_cmd {
    const char *name;
    tpp_cmd_fn fn;
    const char *summary;
};

static const struct tpp_cmd commands[] = {
    {"init", cmd_init, "create a workspace for a region from a rule pack"},
    {"import", cmd_import, "load employees, attendance, absences, events, performance, holidays"},
    {"run", cmd_run, "compute a draft run of a month, in parallel"},
    {"status", cmd_status, "list runs and what the workspace holds"},
    {"export", cmd_export, "write a run's payment list (XLSX) and machine CSV"},
    {"explain", cmd_explain, "every step of one employee's month, with citations"},
    {"rules", cmd_rules, "check, test, show or add a rule pack (tpp rules --help)"},
    {"gen", cmd_gen, "write realistic synthetic input files for a region"},
    {"demo", cmd_demo, "sample region: generate, init, import, run, export into ./demo-out"},
    {"finalize", cmd_finalize, "seal a run: Merkle root chained to the previous seal"},
    {"audit", cmd_audit, "check seals, chain, inputs and packs ('tpp audit verify')"},
    {"replay", cmd_replay, "recompute a sealed month from stored inputs and pack; compare"},
    {"proof", cmd_proof, "write an employee's inclusion proof for a sealed month"},
    {"verify", cmd_verify, "check exported files against their (signed) manifest"},
    {"keygen", cmd_keygen, "make the Ed25519 key that signs export manifests"},
    {"config", cmd_config, "workspace settings: signature blocks, signing key, bank templates"},
    {"diff", cmd_diff, "employees that differ between two runs, with the first differing step"},
    {"rapel", cmd_rapel, "two months paid together, each under its own run and pack"},
    {"trace", cmd_trace, "print the text trace of a run's employees (rendered from the pack)"},
};

static const char main_usage[] =
    "usage: tpp [--db <file>] [-q | -v] [--version] [--help] <command> [<args>]\n";

static void print_help(void)
{
    printf("%s\n", main_usage);
    printf("Compute the monthly TPP allowance of a region's civil servants from attendance,\n"
           "performance and a YAML rule pack, and write the payroll files for BPKAD.\n\n");
    printf("Global options:\n"
           "  --db <file>    workspace database (default: $TPP_DB or ./tpp.db)\n"
           "  -q, --quiet    print only errors\n"
           "  -v, --verbose  also print where in the code an error was raised\n"
           "  --show-personal-data  print NIK, NPWP and bank accounts unmasked in messages\n"
           "  --version      print versions of tpp and the libraries it uses\n"
           "  -h, --help     this help\n\n");
    printf("Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("\nSee 'tpp <command> --help' for a command's options.\n"
           "Exit codes: 0 ok, 1 finished but data had errors, 2 usage, 3 invalid rules,\n"
           "4 I/O or database failure, 70 internal error.\n");
}

int tpp_exit_code(tpp_status status, size_t n_error_diags)
{
    switch (status) {
    case TPP_OK:
        return n_error_diags > 0 ? 1 : 0;
    case TPP_ERR_SYNTAX:
    case TPP_ERR_INVALID:
    case TPP_ERR_RULE:
        return 1;
    case TPP_ERR_USAGE:
        return 2;
    case TPP_ERR_RULES:
        return 3;
    case TPP_ERR_IO:
    case TPP_ERR_DB:
    case TPP_ERR_EXPORT:
        return 4;
    case TPP_ERR_NOMEM:
    case TPP_ERR_OVERFLOW:
    case TPP_ERR_INTERNAL:
    case TPP_STATUS_COUNT:
        return 70;
    }
    return 70;
}

int cli_fail(const tpp_cli *cli, const tpp_error *err)
{
    tpp_error_print(stderr, err);
    if (cli != NULL && cli->verbose && err->raised_file != NULL)
        fprintf(stderr, "  (raised at %s:%d)\n", err->raised_file, err->raised_line);
    return tpp_exit_code(err->code, 0);
}

int cli_usage_error(const char *usage, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tpp %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%sTry 'tpp %s --help'.\n", usage, cmd);
    return 2;
}

int cli_bad_option(const char *usage, const char *cmd, int optopt_char, const char *arg)
{
    if (optopt_char != 0 && optopt_char != '?')
        return cli_usage_error(usage, cmd, "option '-%c' is unknown or needs a value", optopt_char);
    return cli_usage_error(usage, cmd, "unknown option or missing value in '%s'", arg ? arg : "?");
}

bool cli_period(const char *usage, const char *cmd, const char *arg, int *year, int *month)
{
    if (arg == NULL || !tpp_period_parse(arg, strlen(arg), year, month)) {
        cli_usage_error(usage, cmd, "invalid period '%s' (expected YYYY-MM)", arg ? arg : "");
        return false;
    }
    return true;
}

bool cli_run_id(const char *usage, const char *cmd, const char *arg, long long *id)
{
    char *end;
    *id = strtoll(arg, &end, 10);
    if (*end != '\0' || *id < 1) {
        cli_usage_error(usage, cmd, "invalid --run '%s'", arg);
        return false;
    }
    return true;
}

static void print_version(void)
{
    printf("tpp %s\n", TPP_VERSION);
    printf("  sqlite %s, libyaml %s, libxlsxwriter %s, libsodium %s\n", sqlite3_libversion(),
           yaml_get_version_string(), LXW_VERSION, sodium_version_string());
}

int main(int argc, char **argv)
{
    tpp_cli_huge_pages(argv);
    tpp_cli cli = {0};
    cli.db_path = getenv("TPP_DB");
    if (cli.db_path == NULL || cli.db_path[0] == '\0')
        cli.db_path = "tpp.db";
    if (sodium_init() < 0) {
        fprintf(stderr, "tpp: error: cannot initialise libsodium\n");
        return 70;
    }

    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {"show-personal-data", no_argument, NULL, 'P'},
        {0, 0, 0, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli.db_path = optarg;
            break;
        case 'q':
            cli.quiet = true;
            break;
        case 'v':
            cli.verbose = true;
            break;
        case 'V':
            print_version();
            return 0;
        case 'h':
            print_help();
            return 0;
        case 'P':
            tpp_mask_show_personal(true);
            break;
        default:
            fprintf(stderr, "tpp: unknown option '%s'\n%sTry 'tpp --help'.\n", argv[optind - 1],
                    main_usage);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%sTry 'tpp --help'.\n", main_usage);
        return 2;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* glibc: full re-initialisation for the command's own parse */
            return commands[i].fn(sub_argc, sub_argv, &cli);
        }
    }
    fprintf(stderr, "tpp: '%s' is not a command. See 'tpp --help'.\n", name);
    return 2;
}
