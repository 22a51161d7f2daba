/* tpp gen: realistic synthetic input files; tpp demo: the whole month in one go. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/audit.h"
#include "tpp/batch.h"
#include "tpp/gen.h"
#include "tpp/import.h"

static const char gen_usage[] = "usage: tpp gen --employees <n> --period <YYYY-MM> "
                                "[--seed <s>] --out <dir>\n";

static void gen_help(void)
{
    printf("%s\nWrite realistic synthetic inputs for a region (employees, attendance, absences,\n"
           "events, performance, holidays as CSV) into a directory. The same seed gives the\n"
           "same files, byte for byte.\n\n"
           "Options:\n"
           "  -n, --employees <n>     number of employees (required)\n"
           "  -p, --period <YYYY-MM>  the month (required)\n"
           "  -s, --seed <s>          random seed (default 1)\n"
           "  -o, --out <dir>         output directory (required)\n"
           "  -h, --help              this help\n",
           gen_usage);
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The options gen and demo share: -n/--employees, -p/--period, -s/--seed. Returns 1 when c was
 * one of them, 0 when not, -1 after printing a usage error. */
static int region_option(int c, const char *usage, const char *cmd, tpp_gen_options *go,
                         const char **period)
{
    long v;
    switch (c) {
    case 'n':
        if (!parse_long(optarg, 1, 10000000, &v)) {
            cli_usage_error(usage, cmd, "invalid --employees '%s'", optarg);
            return -1;
        }
        go->employees = (int)v;
        return 1;
    case 'p':
        *period = optarg;
        return 1;
    case 's':
        if (!parse_long(optarg, 0, 2147483647L, &v)) {
            cli_usage_error(usage, cmd, "invalid --seed '%s'", optarg);
            return -1;
        }
        go->seed = (uint64_t)v;
        return 1;
    default:
        return 0;
    }
}

int cmd_gen(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"employees", required_argument, NULL, 'n'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    tpp_gen_options go = {.seed = 1};
    const char *period = NULL, *out = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:p:s:o:h", opts, NULL)) != -1) {
        int r = region_option(c, gen_usage, "gen", &go, &period);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            gen_help();
            return 0;
        default:
            return cli_bad_option(gen_usage, "gen", optopt, argv[optind - 1]);
        }
    }
    if (go.employees == 0 || period == NULL || out == NULL)
        return cli_usage_error(gen_usage, "gen", "--employees, --period and --out are required");
    if (!cli_period(gen_usage, "gen", period, &go.year, &go.month))
        return 2;
    tpp_error err = {0};
    if (tpp_gen_region(out, &go, &err) != TPP_OK)
        return cli_fail(cli, &err);
    if (!cli->quiet)
        printf("wrote %d employees' inputs for %s into %s\n", go.employees, period, out);
    return 0;
}

static const char demo_usage[] = "usage: tpp demo [--out <dir>] [--employees <n>] "
                                 "[--period <YYYY-MM>] [--seed <s>] [--rules <pack.yaml>]\n";

static void demo_help(void)
{
    printf("%s\nRun a whole month on a sample region: generate its inputs, create a workspace\n"
           "with the rule pack, import every file, compute the month, seal it, export the\n"
           "payment list (XLSX) and the machine CSV, and replay the sealed month from the\n"
           "stored raw files. Everything goes into the output directory; an\n"
           "earlier demo workspace there is replaced.\n\n"
           "Options:\n"
           "  -o, --out <dir>         output directory (default: demo-out)\n"
           "  -n, --employees <n>     employees in the sample region (default: 60)\n"
           "  -p, --period <YYYY-MM>  the month (default: 2025-01)\n"
           "  -s, --seed <s>          random seed (default: 1)\n"
           "  -r, --rules <pack.yaml> rule pack (default: the Samarinda pack of this tree)\n"
           "  -h, --help              this help\n",
           demo_usage);
}

static tpp_status demo_import(tpp_store *st, const tpp_ruleset *rs, const char *dir,
                              tpp_import_kind kind, tpp_diags *diags, tpp_error *err)
{
    char path[1200];
    tpp_import_stats stats = {0};
    snprintf(path, sizeof path, "%s/%s.csv", dir, tpp_import_kind_name(kind));
    tpp_status rc = tpp_import_file(st, rs, kind, path, diags, &stats, err);
    if (rc == TPP_OK)
        printf("  import %-12s %6zu rows\n", tpp_import_kind_name(kind), stats.inserted);
    return rc;
}

static const char demo_reason[] = "demo: sample data, performance of one employee missing";

int cmd_demo(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"employees", required_argument, NULL, 'n'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"rules", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = "demo-out", *period = "2025-01";
    const char *pack = TPP_SOURCE_DIR "/rules/packs/samarinda-2022-illustrative.yaml";
    tpp_gen_options go = {.employees = 60, .seed = 1};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:n:p:s:r:h", opts, NULL)) != -1) {
        int r = region_option(c, demo_usage, "demo", &go, &period);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'r':
            pack = optarg;
            break;
        case 'h':
            demo_help();
            return 0;
        default:
            return cli_bad_option(demo_usage, "demo", optopt, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(demo_usage, "demo", "unexpected argument '%s'", argv[optind]);
    if (!cli_period(demo_usage, "demo", period, &go.year, &go.month))
        return 2;

    char input[1100], db[1100];
    snprintf(input, sizeof input, "%s/input", out);
    /* The workspace sits in its own subdirectory so that the output directory holds exactly
     * the files of the manifest, and `tpp verify demo-out` passes. */
    snprintf(db, sizeof db, "%s/workspace/tpp.db", out);
    tpp_error err = {0};
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_ruleset *rs = NULL;
    tpp_store *st = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_run_summary rsum;
    tpp_export_summary esum;
    int code = 0;

    printf("tpp demo: a sample region of %d employees, period %s\n", go.employees, period);
    tpp_status rc = tpp_gen_region(input, &go, &err);
    if (rc == TPP_OK)
        rc = tpp_rules_load_file(pack, diags, &rs, &text, &len, &err);
    if (rc == TPP_OK) {
        /* The demo owns its directory: replace an earlier demo workspace. */
        const char *suffix[] = {"", "-wal", "-shm", "-journal"};
        for (int i = 0; i < 4; i++) {
            char p[1200];
            snprintf(p, sizeof p, "%s%s", db, suffix[i]);
            remove(p);
        }
        char wsdir[1100];
        snprintf(wsdir, sizeof wsdir, "%s/workspace", out);
        rc = tpp_mkdirs(wsdir, &err);
        if (rc == TPP_OK)
            rc = tpp_store_create(db, &st, &err);
    }
    if (rc == TPP_OK && (rc = tpp_store_begin(st, &err)) == TPP_OK) {
        rc = tpp_store_add_pack(st, rs, text, len, &err);
        rc = rc == TPP_OK ? tpp_store_commit(st, &err) : (tpp_store_rollback(st), rc);
    }
    if (rc == TPP_OK)
        printf("  workspace %s, rule pack %s\n", db, rs->id);
    for (int k = 0; k <= TPP_KIND_HOLIDAYS && rc == TPP_OK; k++)
        rc = demo_import(st, rs, input, (tpp_import_kind)k, diags, &err);
    if (rc == TPP_OK) {
        tpp_run_options ro = {.year = go.year, .month = go.month};
        rc = tpp_batch_run(st, &ro, diags, &rsum, &err);
    }
    /* Seal the run. The sample region deliberately has one employee without performance
     * data, so the completeness gate would refuse: the demo accepts it with a recorded reason,
     * as BKPSDM would have to. */
    tpp_seal_info seal;
    size_t n_blocking = 0;
    if (rc == TPP_OK) {
        tpp_finalize_options fo = {.year = go.year,
                                   .month = go.month,
                                   .run_id = rsum.run_id,
                                   .accept_incomplete = demo_reason};
        tpp_diags *quiet = tpp_diags_new(NULL);
        rc = tpp_finalize(st, &fo, quiet, &n_blocking, &seal, &err);
        tpp_diags_free(quiet);
    }
    if (rc == TPP_OK)
        rc = tpp_batch_export(st, go.year, go.month, rsum.run_id, TPP_EXPORT_ALL, out, &esum, &err);
    tpp_replay_summary rps;
    if (rc == TPP_OK)
        rc = tpp_replay(st, go.year, go.month, rsum.run_id, NULL, NULL, &rps, &err);
    if (rc != TPP_OK) {
        code = tpp_diags_errors(diags) > 0 && err.code == TPP_ERR_RULES ? 3 : cli_fail(cli, &err);
    } else {
        char tpp[40], gross[40], net[40];
        tpp_money_format_id(rsum.total_tpp, tpp, sizeof tpp);
        tpp_money_format_id(rsum.total_gross, gross, sizeof gross);
        tpp_money_format_id(rsum.total_net, net, sizeof net);
        printf("  run %lld: %zu employees in %zu OPDs, %zu scans, %d threads, compute %lld ms\n"
               "    jumlah TPP (kol. 8)      %s\n"
               "    jumlah TPP kotor (12)    %s\n"
               "    diterima (kol. 18)       %s\n"
               "    %zu without performance data, %zu over the deferral threshold, %zu errors\n"
               "  sealed: merkle root %.16s... over %lld lines (%zu accepted incomplete: %s)\n"
               "  replay from the stored raw files: %s (%zu of %zu identical)\n"
               "  wrote %s\n        %s\n",
               (long long)rsum.run_id, rsum.n_employees, esum.n_units, rsum.n_scans, rsum.threads,
               (long long)rsum.compute_ms, tpp, gross, net, rsum.n_perf_missing, rsum.n_deferred,
               rsum.n_errors, seal.merkle_root, (long long)seal.n_leaves, n_blocking, demo_reason,
               rps.n_differ == 0 ? "IDENTICAL" : "DIFFERS", rps.n_identical, rps.n_sealed,
               esum.xlsx_path, esum.csv_path);
        code = tpp_exit_code(TPP_OK, rsum.n_errors + rps.n_differ);
    }
    tpp_store_close(st);
    tpp_rules_free(rs);
    free(text);
    tpp_diags_free(diags);
    return code;
}
