/* tpp audit verify: recompute every seal's leaves, root and chain, and the hashes it names. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/store.h"
#include "tpp/audit.h"

static const char usage[] = "usage: tpp [--db <file>] audit verify [--json]\n";

static void help(void)
{
    printf("%s\nCheck the whole workspace against its seals: for every seal, recompute the\n"
           "seal hash and the chain to the previous seal; the canonical record and leaf of\n"
           "every sealed employee and the Merkle root; the SHA-256 of every input file and\n"
           "rule pack the sealed run read; the run's own columns; and that the triggers which\n"
           "keep sealed rows read-only are in place. Every problem is named by table, row and\n"
           "employee. Exit code 0 when all is intact, 1 when anything was found.\n\n"
           "Options:\n"
           "      --json   one JSON object per finding, then a summary object\n"
           "  -h, --help   this help\n",
           usage);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void report_text(void *user, const tpp_audit_finding *f)
{
    (void)user;
    printf("TAMPERED %s", f->table);
    if (f->row > 0)
        printf(" row %lld", (long long)f->row);
    if (f->nip[0] != '\0')
        printf(" employee %s", f->nip);
    printf(": %s\n", f->what);
}

static void report_json(void *user, const tpp_audit_finding *f)
{
    (void)user;
    printf("{\"finding\":{\"table\":");
    json_str(f->table);
    printf(",\"row\":%lld,\"nip\":", (long long)f->row);
    json_str(f->nip);
    printf(",\"what\":");
    json_str(f->what);
    printf("}}\n");
}

int cmd_audit(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "audit", optopt, argv[optind - 1]);
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "verify") != 0)
        return cli_usage_error(usage, "audit", "expected the subcommand 'verify'");

    tpp_error err = {0};
    tpp_store *st = NULL;
    tpp_audit_summary sum;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    if (rc == TPP_OK)
        rc = tpp_audit_verify(st, json ? report_json : report_text, NULL, &sum, &err);
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (json)
        printf("{\"summary\":{\"seals\":%zu,\"leaves\":%zu,\"inputs\":%zu,\"findings\":%zu,"
               "\"intact\":%s}}\n",
               sum.n_seals, sum.n_leaves, sum.n_inputs, sum.n_findings,
               sum.n_findings == 0 ? "true" : "false");
    else if (!cli->quiet || sum.n_findings > 0)
        printf("audit: %zu seal(s), %zu sealed employee line(s), %zu input file(s) checked: %s\n",
               sum.n_seals, sum.n_leaves, sum.n_inputs,
               sum.n_findings == 0 ? "intact" : "TAMPERING FOUND");
    return sum.n_findings == 0 ? 0 : 1;
}
