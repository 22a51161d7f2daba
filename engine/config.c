/* Workspace configuration in the meta table (engine/config.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "tpp/date.h"

#define PREFIX "config:"

static const struct {
    const char *key;
    bool unit_ok;
} known_keys[] = {
    {"sign.known.title", true}, {"sign.known.name", true}, {"sign.known.nip", true},
    {"sign.payer.title", true}, {"sign.payer.name", true}, {"sign.payer.nip", true},
    {"sign.place", true},       {"sign.date", false},      {"signing.key", false},
    {"export.banks", false},
};

const char tpp_config_keys_help[] =
    "  sign.known.title   left signature block title (default 'Kepala OPD')      [--unit]\n"
    "  sign.known.name    its signer's name                                     [--unit]\n"
    "  sign.known.nip     its signer's NIP (18 digits)                          [--unit]\n"
    "  sign.payer.title   right block title (default 'Bendahara Pengeluaran')   [--unit]\n"
    "  sign.payer.name    the treasurer's name                                  [--unit]\n"
    "  sign.payer.nip     the treasurer's NIP (18 digits)                       [--unit]\n"
    "  sign.place         place above the right block, e.g. 'Samarinda'         [--unit]\n"
    "  sign.date          YYYY-MM-DD, or 'end-of-month' (the period's last day)\n"
    "  signing.key        secret key file that signs the manifest (tpp keygen sets it)\n"
    "  export.banks       bank templates to export, comma-separated names or .yaml paths\n"
    "                     (default 'generic')\n"
    "  bank.<name>        a parameter that bank templates use ('param: <name>')\n";

bool tpp_config_key_known(const char *key, bool *unit_ok)
{
    *unit_ok = false;
    for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
        if (strcmp(known_keys[i].key, key) == 0) {
            *unit_ok = known_keys[i].unit_ok;
            return true;
        }
    if (strncmp(key, "bank.", 5) == 0 && key[5] != '\0') {
        for (const char *p = key + 5; *p; p++)
            if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
                return false;
        return true;
    }
    return false;
}

static bool nip18(const char *v)
{
    if (strlen(v) != 18)
        return false;
    for (const char *p = v; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

tpp_status tpp_config_check(const char *key, const char *value, tpp_error *err)
{
    bool unit_ok;
    if (!tpp_config_key_known(key, &unit_ok))
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "unknown configuration key '%s' (see 'tpp config --help')", key);
    if (value == NULL)
        return TPP_OK;
    if (strlen(value) > 1000 || strpbrk(value, "\r\n") != NULL)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "value for '%s' must be one line of at most 1000 bytes", key);
    if ((strcmp(key, "sign.known.nip") == 0 || strcmp(key, "sign.payer.nip") == 0) && !nip18(value))
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "'%s' must be an 18-digit NIP, not '%s'",
                        key, value);
    if (strcmp(key, "sign.date") == 0 && strcmp(value, "end-of-month") != 0) {
        tpp_date d;
        if (!tpp_date_parse(value, strlen(value), &d))
            return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                            "sign.date must be YYYY-MM-DD or end-of-month, not '%s'", value);
    }
    return TPP_OK;
}

static tpp_status meta_key(const char *key, const char *unit, char *out, size_t size,
                           tpp_error *err)
{
    int n = unit != NULL && *unit ? snprintf(out, size, PREFIX "%s@%s", key, unit)
                                  : snprintf(out, size, PREFIX "%s", key);
    if (n < 0 || (size_t)n >= size)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "configuration key too long");
    return TPP_OK;
}

tpp_status tpp_config_get(tpp_store *st, const char *key, const char *unit, char **value,
                          tpp_error *err)
{
    *value = NULL;
    char k[512];
    TPP_TRY(meta_key(key, unit, k, sizeof k, err));
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st, "SELECT value FROM meta WHERE key = ?1", &q, err));
    sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        *value = strdup((const char *)sqlite3_column_text(q, 0));
        if (*value == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    } else if (step != SQLITE_DONE) {
        rc = tpp_store_fail(st, err, "cannot read the configuration");
    }
    sqlite3_finalize(q);
    return rc;
}

tpp_status tpp_config_set(tpp_store *st, const char *key, const char *unit, const char *value,
                          tpp_error *err)
{
    bool unit_ok;
    TPP_TRY(tpp_config_check(key, value, err));
    tpp_config_key_known(key, &unit_ok);
    if (unit != NULL && *unit && !unit_ok)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "'%s' cannot be set per OPD", key);
    char k[512];
    TPP_TRY(meta_key(key, unit, k, sizeof k, err));
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              value != NULL
                                  ? "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                                  : "DELETE FROM meta WHERE key = ?1",
                              &q, err));
    sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
    if (value != NULL)
        sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot save the configuration");
    sqlite3_finalize(q);
    return rc;
}

tpp_status tpp_config_list(tpp_store *st, tpp_config_fn fn, void *user, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(st,
                              "SELECT substr(key, 8), value FROM meta WHERE key LIKE 'config:%' "
                              "ORDER BY key",
                              &q, err));
    int step;
    char buf[512];
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(q, 0));
        char *at = strchr(buf, '@');
        if (at != NULL)
            *at++ = '\0';
        fn(user, buf, at, (const char *)sqlite3_column_text(q, 1));
    }
    tpp_status rc = TPP_OK;
    if (step != SQLITE_DONE)
        rc = tpp_store_fail(st, err, "cannot read the configuration");
    sqlite3_finalize(q);
    return rc;
}
