/* tpp verify DIR [--key PUBKEY]: check an export directory against its manifest. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/xlsx_resum.h"
#include "tpp/export.h"

static const char usage[] =
    "usage: tpp verify <dir> [--key <public key file or hex>] [--root <merkle root>]\n";

static void help(void)
{
    printf("%s\nCheck the payroll files in <dir> against every tpp-YYYY-MM.manifest there: each\n"
           "listed file's size and SHA-256, the totals (every payment file totals the\n"
           "manifest's net total; the machine CSV is summed again; the bank files together\n"
           "make the same total; the XLSX payment list is read and column 18 of every OPD\n"
           "sheet added up again, against the sheet's JUMLAH row and the manifest total),\n"
           "the manifest's own checksum and its Ed25519 signature.\n"
           "A file not listed in a valid manifest is an error too. Every failing file is\n"
           "named. Needs no workspace: BPKAD can run it on the files it received.\n\n"
           "Options:\n"
           "  -k, --key <key>  the signer's public key (a .pub file from 'tpp keygen' or its\n"
           "                   64 hex digits): the manifest must be signed by it. Without\n"
           "                   --key a signature is checked against the key it names.\n"
           "  -r, --root <hex>  the Merkle root published for the sealed month (64 hex\n"
           "                   digits): the manifest must say 'seal final <root>'.\n"
           "  -h, --help       this help\n\n"
           "Exit status: 0 all files check out, 1 a file or the manifest fails, 4 the\n"
           "directory cannot be read.\n",
           usage);
}

int cmd_verify(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"root", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *key = NULL, *root = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'r':
            root = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "verify", optopt, argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "verify", "missing the directory to check");
    if (optind + 1 < argc)
        return cli_usage_error(usage, "verify", "unexpected argument '%s'", argv[optind + 1]);
    const char *dir = argv[optind];
    if (root != NULL && strspn(root, "0123456789abcdef") != 64)
        return cli_usage_error(usage, "verify", "--root must be 64 lowercase hex digits");
    if (root != NULL && root[64] != '\0')
        return cli_usage_error(usage, "verify", "--root must be 64 lowercase hex digits");

    tpp_error err = {0};
    unsigned char pk[TPP_SIGN_PUBLIC_BYTES];
    if (key != NULL && tpp_key_load_public(key, pk, &err) != TPP_OK) {
        tpp_error_print(stderr, &err);
        return 2;
    }
    tpp_diags *diags = tpp_diags_new(stderr);
    if (diags == NULL)
        return 70;
    tpp_verify_report rep;
    tpp_verify_options vo = {
        .trusted_key = key ? pk : NULL, .root = root, .check_file = tpp_verify_payment_file};
    tpp_status rc = tpp_verify_dir_opts(dir, &vo, diags, &rep, &err);
    tpp_diags_free(diags);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (rep.n_failed > 0) {
        fprintf(stderr, "tpp verify: %zu problem%s in %s: do not pay from these files\n",
                rep.n_failed, rep.n_failed == 1 ? "" : "s", dir);
        return 1;
    }
    if (!cli->quiet) {
        printf("%s: %zu files in %zu manifest%s check out", dir, rep.n_files, rep.n_manifests,
               rep.n_manifests == 1 ? "" : "s");
        if (rep.n_signed == rep.n_manifests) {
            char hex[2 * TPP_SIGN_PUBLIC_BYTES + 1];
            tpp_hex(rep.signer, sizeof rep.signer, hex);
            printf("; signed by %s%s\n", hex,
                   key ? " (the trusted key)" : " (pass --key to require this signer)");
        } else {
            printf("; %zu of %zu manifests NOT signed\n", rep.n_manifests - rep.n_signed,
                   rep.n_manifests);
        }
    }
    return 0;
}
