/* tpp config set|get|unset|list: workspace settings (signature blocks, signing key, banks). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/config.h"
#include "engine/store.h"

static const char usage[] = "usage: tpp [--db <file>] config set <key> <value> [--unit <code>]\n"
                            "       tpp [--db <file>] config get <key> [--unit <code>]\n"
                            "       tpp [--db <file>] config unset <key> [--unit <code>]\n"
                            "       tpp [--db <file>] config list\n";

static void help(void)
{
    printf("%s\nWorkspace settings used by 'tpp export'. Keys marked [--unit] may also be set\n"
           "for one OPD (its unit_code), which then wins over the workspace-wide value.\n\n"
           "Keys:\n%s\n"
           "Example:\n"
           "  tpp config set sign.place Samarinda\n"
           "  tpp config set sign.date end-of-month\n"
           "  tpp config set sign.payer.name \"Siti Rahmah, S.E.\" --unit 1.01.01\n"
           "  tpp config set sign.payer.nip 198001012005012001 --unit 1.01.01\n",
           usage, tpp_config_keys_help);
}

static void print_setting(void *user, const char *key, const char *unit, const char *value)
{
    (void)user;
    if (unit != NULL)
        printf("%s@%s = %s\n", key, unit, value);
    else
        printf("%s = %s\n", key, value);
}

int cmd_config(int argc, char **argv, tpp_cli *cli)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *unit = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "u:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            unit = optarg;
            break;
        case 'h':
            help();
            return 0;
        default:
            return cli_bad_option(usage, "config", optopt, argv[optind - 1]);
        }
    }
    int n = argc - optind;
    char **a = argv + optind;
    if (n < 1)
        return cli_usage_error(usage, "config", "missing set, get, unset or list");
    const char *verb = a[0];
    int want = strcmp(verb, "set") == 0     ? 3
               : strcmp(verb, "get") == 0   ? 2
               : strcmp(verb, "unset") == 0 ? 2
               : strcmp(verb, "list") == 0  ? 1
                                            : -1;
    if (want < 0)
        return cli_usage_error(usage, "config", "unknown action '%s'", verb);
    if (n != want)
        return cli_usage_error(usage, "config", "'%s' takes %d argument%s", verb, want - 1,
                               want == 2 ? "" : "s");
    tpp_error err = {0};
    if (want > 1 && unit != NULL && *unit == '\0')
        return cli_usage_error(usage, "config", "empty --unit");
    if (want > 1) {
        bool unit_ok;
        if (!tpp_config_key_known(a[1], &unit_ok))
            return cli_usage_error(usage, "config", "unknown key '%s'", a[1]);
        if (unit != NULL && !unit_ok)
            return cli_usage_error(usage, "config", "'%s' cannot be set per OPD", a[1]);
        if (want == 3 && tpp_config_check(a[1], a[2], &err) != TPP_OK)
            return cli_usage_error(usage, "config", "%s", err.msg);
    }
    tpp_store *st = NULL;
    tpp_status rc = tpp_store_open(cli->db_path, &st, &err);
    int code = 0;
    if (rc == TPP_OK) {
        if (strcmp(verb, "set") == 0) {
            rc = tpp_config_set(st, a[1], unit, a[2], &err);
        } else if (strcmp(verb, "unset") == 0) {
            rc = tpp_config_set(st, a[1], unit, NULL, &err);
        } else if (strcmp(verb, "get") == 0) {
            char *v = NULL;
            rc = tpp_config_get(st, a[1], unit, &v, &err);
            if (rc == TPP_OK && v != NULL)
                printf("%s\n", v);
            else if (rc == TPP_OK)
                code = 1; /* like git config: not set */
            free(v);
        } else {
            rc = tpp_config_list(st, print_setting, NULL, &err);
        }
    }
    tpp_store_close(st);
    if (rc != TPP_OK)
        return cli_fail(cli, &err);
    return code;
}
