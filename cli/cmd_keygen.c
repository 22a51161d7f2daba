/* tpp keygen [--out FILE]: make the Ed25519 key that signs export manifests. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/config.h"
#include "engine/store.h"
#include "engine/util.h"
#include "tpp/export.h"

static const char usage[] = "usage: tpp [--db <file>] keygen [--out <file>] [--no-config]\n";

static void help(void)
{
    printf("%s\nMake an Ed25519 key pair for signing export manifests: <file> (secret, mode\n"
           "0600) and <file>.pub (public, to give to BPKAD for 'tpp verify --key'). Existing\n"
           "files are never overwritten. The workspace's signing.key setting is pointed at\n"
           "the new key, so every later 'tpp export' signs its manifest.\n\n"
           "Options:\n"
           "  -o, --out <file>  where to write the key (default: tpp-signing.key)\n"
           "      --no-config   only write the files; leave the workspace alone\n"
           "  -h, --help        this help\n",
           usage);
}

int cmd_keygen(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"no-config", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = "tpp-signing.key";
    int c, no_config = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'n':
            no_config = 1;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "keygen", optopt, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "keygen", "unexpected argument '%s'", argv[optind]);

    tpp_error err = {0};
    tpp_store *st = NULL;
    /* Open the workspace first: no key is made for a workspace that cannot record it. */
    if (!no_config && tpp_store_open(cli->db_path, &st, &err) != TPP_OK)
        return cli_fail(cli, &err);
    unsigned char pk[TPP_SIGN_PUBLIC_BYTES];
    tpp_status rc = TPP_OK;
    const char *slash = strrchr(out, '/');
    if (slash != NULL && slash != out) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
        rc = tpp_mkdirs(dir, &err);
    }
    if (rc == TPP_OK)
        rc = tpp_key_generate(out, pk, &err);
    char abs[PATH_MAX];
    if (rc == TPP_OK && st != NULL) {
        /* An absolute path: exports may run from another directory. */
        const char *path = realpath(out, abs) ? abs : out;
        rc = tpp_config_set(st, "signing.key", NULL, path, &err);
    }
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    if (!cli->quiet) {
        char hex[2 * TPP_SIGN_PUBLIC_BYTES + 1];
        tpp_hex(pk, sizeof pk, hex);
        printf("secret key: %s (keep it safe; mode 0600)\npublic key: %s.pub\n  %s\n", out, out,
               hex);
        if (!no_config)
            printf("signing.key set: 'tpp export' now signs its manifest\n");
    }
    return 0;
}
