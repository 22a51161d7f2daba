/* tpp rules check|test|show|add: validate a pack, run its own test cases, write its "Rumus
 * perhitungan TPP" page, add a version of it to a workspace. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/rules.h"

static const char usage[] =
    "usage: tpp rules check <pack.yaml>...\n"
    "       tpp rules test <pack.yaml>...\n"
    "       tpp rules show [--format md|html|text] [--out FILE] <pack.yaml>\n"
    "       tpp [--db <file>] rules add <pack.yaml>\n";

static void help(void)
{
    printf("%s\n"
           "check  Validate packs: YAML syntax, unknown keys, wrong types, missing citations;\n"
           "       static checks: gaps, overlaps and unreachable rows in band tables, cut\n"
           "       tables not monotone in minutes, components not summing to 100 %%, TER rows\n"
           "       not contiguous (errors); cuts a cap does not bound, multipliers above 1,\n"
           "       no test cases (warnings). Every finding as file:line:col.\n"
           "test   Run each pack's own test cases ('tests:') through the evaluator; a failing\n"
           "       case prints expected vs got and the first trace step that differs.\n"
           "show   The 'Rumus perhitungan TPP' page in Indonesian, generated from the pack\n"
           "       (Markdown by default), to stdout or --out FILE.\n"
           "add    Store another version of the region's pack in the workspace. Its validity\n"
           "       must follow the stored versions without overlap or gap; an open-ended\n"
           "       version is closed the day before the new one starts. Its tests must pass.\n"
           "\nExit codes: 0 ok; 1 test cases failed; 2 usage; 3 invalid pack (or, for add,\n"
           "validity that overlaps or leaves a gap); 4 I/O or workspace.\n",
           usage);
}

static bool is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

static size_t n_classes(const tpp_ruleset *rs)
{
    size_t k = 0;
    for (int i = 1; i <= TPP_MAX_CLASS; i++)
        k += rs->besaran[i] > 0;
    return k;
}

/* Load one pack; prints its errors. 0 ok, else the exit code. */
static int load(const tpp_cli *cli, const char *path, tpp_diags *diags, tpp_ruleset **rs,
                char **text, size_t *len)
{
    tpp_error err = {0};
    size_t before = tpp_diags_errors(diags);
    tpp_status rc = tpp_rules_load_file(path, diags, rs, text, len, &err);
    if (rc == TPP_OK)
        return 0;
    if (tpp_diags_errors(diags) == before)
        return cli_fail(cli, &err);
    size_t n = tpp_diags_errors(diags) - before;
    fprintf(stderr, "%s: %zu error%s\n", path, n, n == 1 ? "" : "s");
    return 3;
}

static int worst(int a, int b)
{
    /* the most serious outcome of several packs: I/O > invalid > failed tests > ok */
    static const int rank[] = {[0] = 0, [1] = 1, [2] = 2, [3] = 3, [4] = 4};
    int ra = a >= 0 && a <= 4 ? rank[a] : 5, rb = b >= 0 && b <= 4 ? rank[b] : 5;
    return ra >= rb ? a : b;
}

static int do_check(int argc, char **argv, tpp_cli *cli)
{
    int code = 0;
    for (int i = 0; i < argc; i++) {
        tpp_diags *diags = tpp_diags_new(stderr);
        tpp_ruleset *rs = NULL;
        int c = load(cli, argv[i], diags, &rs, NULL, NULL);
        if (c == 0) {
            size_t w = tpp_rules_lint(rs, diags);
            if (!cli->quiet)
                printf("%s: ok: %s, %s%s, %zu warning%s\n  %zu classes, %zu components, %zu late "
                       "bands, %zu absence classes, %zu events, %zu predicates, %zu test cases\n"
                       "  sha256 %s\n",
                       argv[i], rs->id, rs->region, rs->illustrative ? " (illustrative)" : "", w,
                       w == 1 ? "" : "s", n_classes(rs), rs->n_components, rs->late.n_bands,
                       rs->n_absences, rs->n_events, rs->n_predicates, rs->n_cases, rs->sha256);
        }
        code = worst(code, c);
        tpp_rules_free(rs);
        tpp_diags_free(diags);
    }
    return code;
}

static int do_test(int argc, char **argv, tpp_cli *cli)
{
    int code = 0;
    for (int i = 0; i < argc; i++) {
        tpp_diags *diags = tpp_diags_new(stderr);
        tpp_diags *load_diags = tpp_diags_new(stderr);
        tpp_ruleset *rs = NULL;
        int c = load(cli, argv[i], load_diags, &rs, NULL, NULL);
        if (c == 0) {
            tpp_case_report rep;
            FILE *out = cli->quiet ? NULL : stdout;
            FILE *sink = out != NULL ? out : fopen("/dev/null", "w");
            tpp_status rc = sink != NULL ? tpp_rules_run_tests(rs, sink, diags, &rep) : TPP_ERR_IO;
            if (sink != NULL && sink != stdout)
                fclose(sink);
            if (rc != TPP_OK) {
                tpp_error err = {0};
                tpp_fail(&err, rc, TPP_NOLOC, "cannot run the tests of '%s'", argv[i]);
                c = cli_fail(cli, &err);
            } else {
                if (rep.passed + rep.failed == 0)
                    fprintf(stderr, "%s: warning: the pack has no test cases\n", argv[i]);
                printf("%s: %zu passed, %zu failed\n", argv[i], rep.passed, rep.failed);
                c = rep.failed ? 1 : 0;
            }
        }
        code = worst(code, c);
        tpp_rules_free(rs);
        tpp_diags_free(diags);
        tpp_diags_free(load_diags);
    }
    return code;
}

static int do_show(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    tpp_rules_format fmt = TPP_RULES_MARKDOWN;
    const char *out_path = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "md") == 0 || strcmp(optarg, "markdown") == 0)
                fmt = TPP_RULES_MARKDOWN;
            else if (strcmp(optarg, "html") == 0)
                fmt = TPP_RULES_HTML;
            else if (strcmp(optarg, "text") == 0)
                fmt = TPP_RULES_TEXT;
            else
                return cli_usage_error(usage, "rules",
                                       "invalid format '%s' (expected md, html or text)", optarg);
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "rules", optopt, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(usage, "rules", "expected one <pack.yaml>");
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_ruleset *rs = NULL;
    int code = load(cli, argv[optind], diags, &rs, NULL, NULL);
    char *text = NULL;
    size_t len = 0;
    tpp_error err = {0};
    if (code == 0) {
        tpp_status rc = tpp_rules_render(rs, fmt, &text, &len, &err);
        if (rc == TPP_OK && out_path != NULL)
            rc = tpp_file_write_atomic(out_path, text, len, &err);
        else if (rc == TPP_OK && fwrite(text, 1, len, stdout) != len)
            rc = tpp_fail(&err, TPP_ERR_IO, TPP_NOLOC, "cannot write to stdout");
        if (rc != TPP_OK)
            code = cli_fail(cli, &err);
    }
    free(text);
    tpp_rules_free(rs);
    tpp_diags_free(diags);
    return code;
}

typedef struct span {
    sqlite3_int64 id;
    tpp_date from, to; /* to = TPP_DATE_NONE: open */
    char pack_id[128];
} span;

/* The stored versions' spans, by valid_from. */
static tpp_status read_spans(tpp_store *st, span **out, size_t *n, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    TPP_TRY(tpp_store_prepare(
        st, "SELECT id, valid_from, valid_to, pack_id FROM rule_pack ORDER BY valid_from", &q,
        err));
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            span *s = realloc(*out, cap * sizeof *s);
            if (s == NULL) {
                sqlite3_finalize(q);
                return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            }
            *out = s;
        }
        span *s = &(*out)[(*n)++];
        memset(s, 0, sizeof *s);
        s->id = sqlite3_column_int64(q, 0);
        const char *f = (const char *)sqlite3_column_text(q, 1);
        const char *t = (const char *)sqlite3_column_text(q, 2);
        const char *p = (const char *)sqlite3_column_text(q, 3);
        s->to = TPP_DATE_NONE;
        if (f == NULL || !tpp_date_parse(f, strlen(f), &s->from) ||
            (t != NULL && !tpp_date_parse(t, strlen(t), &s->to))) {
            sqlite3_finalize(q);
            return tpp_fail(err, TPP_ERR_DB, TPP_NOLOC, "a stored rule pack has a bad date");
        }
        snprintf(s->pack_id, sizeof s->pack_id, "%s", p ? p : "?");
    }
    tpp_status rc = step == SQLITE_DONE ? TPP_OK : tpp_store_fail(st, err, "cannot read packs");
    sqlite3_finalize(q);
    return rc;
}

/*
 * Where the new version goes among the stored ones: it must start after every stored version
 * starts and join the last one without a gap. An open-ended last version is closed the day
 * before (*close_id). The same text twice is a no-op (*same).
 */
static bool place(const tpp_ruleset *rs, const span *s, size_t n, sqlite3_int64 *close_id,
                  char *why, size_t size)
{
    char a[11], b[11];
    *close_id = 0;
    if (n == 0)
        return true;
    const span *last = &s[n - 1];
    for (size_t i = 0; i < n; i++) {
        if (rs->valid_from <= s[i].from ||
            (s[i].to != TPP_DATE_NONE && rs->valid_from <= s[i].to)) {
            tpp_date_format(s[i].from, a);
            tpp_date_format(rs->valid_from, b);
            snprintf(why, size,
                     "the pack's validity (from %s) overlaps stored version '%s' (from %s); a "
                     "new version must start after the last stored one",
                     b, s[i].pack_id, a);
            return false;
        }
    }
    if (last->to == TPP_DATE_NONE) {
        *close_id = last->id;
        return true;
    }
    if (rs->valid_from != last->to + 1) {
        tpp_date_format(last->to + 1, a);
        tpp_date_format(rs->valid_from - 1, b);
        snprintf(why, size, "gap in validity: no pack is in force from %s to %s", a, b);
        return false;
    }
    return true;
}

static int do_add(int argc, char **argv, tpp_cli *cli)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage_error(usage, "rules", "expected one <pack.yaml>");
    const char *path = argv[0];
    tpp_diags *diags = tpp_diags_new(stderr);
    tpp_ruleset *rs = NULL;
    char *text = NULL;
    size_t len = 0;
    tpp_store *st = NULL;
    span *spans = NULL;
    size_t n = 0;
    tpp_error err = {0};
    int code = load(cli, path, diags, &rs, &text, &len);
    if (code != 0)
        goto out;
    /* a version whose own tests fail must not reach a workspace */
    tpp_case_report rep;
    FILE *devnull = fopen("/dev/null", "w");
    tpp_status rc = devnull ? tpp_rules_run_tests(rs, devnull, diags, &rep) : TPP_ERR_IO;
    if (devnull)
        fclose(devnull);
    if (rc == TPP_OK && rep.failed > 0) {
        fprintf(stderr, "%s: %zu test case%s failed ('tpp rules test %s'); not added\n", path,
                rep.failed, rep.failed == 1 ? "" : "s", path);
        code = 3;
        goto out;
    }
    if (rc == TPP_OK)
        rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_store_begin(st, &err);
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
        goto out;
    }
    rc = read_spans(st, &spans, &n, &err);
    sqlite3_int64 close_id = 0;
    char why[512];
    if (rc == TPP_OK) {
        sqlite3_stmt *q = NULL;
        rc = tpp_store_prepare(st, "SELECT 1 FROM rule_pack WHERE sha256 = ?1", &q, &err);
        bool same = false;
        if (rc == TPP_OK) {
            sqlite3_bind_text(q, 1, rs->sha256, -1, SQLITE_STATIC);
            same = sqlite3_step(q) == SQLITE_ROW;
            sqlite3_finalize(q);
        }
        if (rc == TPP_OK && same) {
            tpp_store_rollback(st);
            if (!cli->quiet)
                printf("%s: already stored (sha256 %.16s...)\n", path, rs->sha256);
            goto out;
        }
    }
    if (rc == TPP_OK && !place(rs, spans, n, &close_id, why, sizeof why)) {
        tpp_store_rollback(st);
        tpp_diag_error(diags, (tpp_srcloc){.path = path}, "%s", why);
        code = 3;
        goto out;
    }
    if (rc == TPP_OK && close_id != 0) {
        sqlite3_stmt *q = NULL;
        char to[11];
        tpp_date_format(rs->valid_from - 1, to);
        rc = tpp_store_prepare(st, "UPDATE rule_pack SET valid_to = ?1 WHERE id = ?2", &q, &err);
        if (rc == TPP_OK) {
            sqlite3_bind_text(q, 1, to, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 2, close_id);
            if (sqlite3_step(q) != SQLITE_DONE)
                rc = tpp_store_fail(st, &err, "cannot close the previous rule pack");
            sqlite3_finalize(q);
        }
    }
    if (rc == TPP_OK)
        rc = tpp_store_add_pack(st, rs, text, len, &err);
    if (rc == TPP_OK)
        rc = tpp_store_commit(st, &err);
    else
        tpp_store_rollback(st);
    if (rc != TPP_OK) {
        code = cli_fail(cli, &err);
    } else if (!cli->quiet) {
        char from[11];
        tpp_date_format(rs->valid_from, from);
        printf("added rule pack %s (sha256 %.16s...) in force from %s\n", rs->id, rs->sha256, from);
    }
out:
    free(spans);
    tpp_store_close(st);
    tpp_rules_free(rs);
    free(text);
    tpp_diags_free(diags);
    return code;
}

int cmd_rules(int argc, char **argv, tpp_cli *cli)
{
    if (argc >= 2 && is_help(argv[1])) {
        help();
        return 0;
    }
    if (argc < 2)
        return cli_usage_error(usage, "rules", "expected a subcommand: check, test, show, add");
    const char *sub = argv[1];
    if (strcmp(sub, "show") == 0)
        return do_show(argc - 1, argv + 1, cli);
    for (int i = 2; i < argc; i++)
        if (is_help(argv[i])) {
            help();
            return 0;
        }
    int (*fn)(int, char **, tpp_cli *) = strcmp(sub, "check") == 0  ? do_check
                                         : strcmp(sub, "test") == 0 ? do_test
                                         : strcmp(sub, "add") == 0  ? do_add
                                                                    : NULL;
    if (fn == NULL)
        return cli_usage_error(usage, "rules",
                               "unknown subcommand '%s' (expected: check, test, show, add)", sub);
    if (argc < 3)
        return cli_usage_error(usage, "rules", "expected <pack.yaml>");
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-')
            return cli_usage_error(usage, "rules", "unknown option '%s'", argv[i]);
    return fn(argc - 2, argv + 2, cli);
}
